-- Every run of a recovery keeps its own report: recovery_reports is keyed on (workflow_id, run_id). Reports stored
-- before this migration get run_id 'unknown'.
ALTER TABLE recovery_reports ADD COLUMN run_id TEXT NOT NULL DEFAULT 'unknown';
ALTER TABLE recovery_reports ALTER COLUMN run_id DROP DEFAULT;
ALTER TABLE recovery_reports DROP CONSTRAINT recovery_reports_pkey;
ALTER TABLE recovery_reports ADD PRIMARY KEY (workflow_id, run_id);
CREATE INDEX recovery_reports_runs ON recovery_reports (workflow_id, started_at);

-- What Lazarus saw or changed itself between discoveries (a failover's write-back, live reads at decision time):
-- one row per host or LPAR observed. An LPAR row names the host it was seen on; a host row may say it is fenced.
CREATE TABLE fleet_observations (
  id SERIAL PRIMARY KEY,
  host_group TEXT NOT NULL,
  observed_at TIMESTAMPTZ NOT NULL,
  source TEXT NOT NULL,
  subject TEXT NOT NULL CHECK (subject IN ('host', 'lpar')),
  name TEXT NOT NULL,
  host TEXT,
  state TEXT NOT NULL,
  fenced BOOLEAN,
  CHECK ((subject = 'lpar') = (host IS NOT NULL))
);
CREATE INDEX fleet_observations_group ON fleet_observations (host_group, observed_at);

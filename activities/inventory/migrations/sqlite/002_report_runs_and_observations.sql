-- Every run of a recovery keeps its own report: recovery_reports is keyed on (workflow_id, run_id). Reports stored
-- before this migration get run_id 'unknown'. SQLite cannot change a primary key in place, so the table is rebuilt.
CREATE TABLE recovery_reports_by_run (
  workflow_id TEXT NOT NULL,
  run_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  host_group TEXT NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT NOT NULL,
  outcome TEXT NOT NULL,
  report TEXT NOT NULL,
  PRIMARY KEY (workflow_id, run_id)
);
INSERT INTO recovery_reports_by_run (workflow_id, run_id, kind, host_group, started_at, finished_at, outcome, report)
  SELECT workflow_id, 'unknown', kind, host_group, started_at, finished_at, outcome, report FROM recovery_reports;
DROP TABLE recovery_reports;
ALTER TABLE recovery_reports_by_run RENAME TO recovery_reports;
CREATE INDEX recovery_reports_recent ON recovery_reports (finished_at);
CREATE INDEX recovery_reports_runs ON recovery_reports (workflow_id, started_at);

-- What Lazarus saw or changed itself between discoveries (a failover's write-back, live reads at decision time):
-- one row per host or LPAR observed. An LPAR row names the host it was seen on; a host row may say it is fenced.
CREATE TABLE fleet_observations (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  host_group TEXT NOT NULL,
  observed_at TEXT NOT NULL,
  source TEXT NOT NULL,
  subject TEXT NOT NULL CHECK (subject IN ('host', 'lpar')),
  name TEXT NOT NULL,
  host TEXT,
  state TEXT NOT NULL,
  fenced INTEGER CHECK (fenced IN (0, 1)),
  CHECK ((subject = 'lpar') = (host IS NOT NULL))
);
CREATE INDEX fleet_observations_group ON fleet_observations (host_group, observed_at);

-- Host monitoring (issue 12): each confirmed host failure the group's monitor saw and what it did, keyed on the
-- streak's first failing observation so a retried record replaces itself; and the hosts an operator put in
-- maintenance (the monitor does not fail them over).
CREATE TABLE host_detections (
  id SERIAL PRIMARY KEY,
  host_group TEXT NOT NULL,
  host TEXT NOT NULL,
  first_bad_at TIMESTAMPTZ NOT NULL,
  confirmed_at TIMESTAMPTZ NOT NULL,
  verdict TEXT NOT NULL CHECK (verdict IN ('failed', 'failed-unproven')),
  action TEXT NOT NULL,
  failover_id TEXT,
  mode TEXT CHECK (mode IN ('auto', 'advisory')),
  reason TEXT NOT NULL,
  monitor_id TEXT NOT NULL,
  UNIQUE (host_group, host, first_bad_at)
);
CREATE INDEX host_detections_group ON host_detections (host_group, confirmed_at);

CREATE TABLE host_maintenance (
  host TEXT PRIMARY KEY,
  reason TEXT NOT NULL,
  set_by TEXT NOT NULL,
  since TIMESTAMPTZ NOT NULL
);

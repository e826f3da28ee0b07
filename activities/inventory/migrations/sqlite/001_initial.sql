-- Discovery runs with their snapshots, DR verification, capacity checks, recovery reports, notifications.
CREATE TABLE discovery_runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  host_group TEXT NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('ok', 'partial', 'failed')),
  error TEXT,
  snapshot TEXT,
  diff TEXT,
  CHECK ((status = 'ok') = (snapshot IS NOT NULL))
);
CREATE INDEX discovery_runs_good ON discovery_runs (host_group, status, id);

CREATE TABLE verification_results (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  host_group TEXT NOT NULL,
  verified_at TEXT NOT NULL,
  ok INTEGER NOT NULL CHECK (ok IN (0, 1)),
  findings TEXT NOT NULL
);
CREATE INDEX verification_results_group ON verification_results (host_group, id);

CREATE TABLE capacity_checks (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  host_group TEXT NOT NULL,
  checked_at TEXT NOT NULL,
  results TEXT NOT NULL
);
CREATE INDEX capacity_checks_group ON capacity_checks (host_group, id);

CREATE TABLE recovery_reports (
  workflow_id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  host_group TEXT NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT NOT NULL,
  outcome TEXT NOT NULL,
  report TEXT NOT NULL
);
CREATE INDEX recovery_reports_recent ON recovery_reports (finished_at);

CREATE TABLE notifications (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  severity TEXT NOT NULL,
  kind TEXT NOT NULL,
  message TEXT NOT NULL,
  raised_at TEXT NOT NULL,
  workflow_id TEXT
);

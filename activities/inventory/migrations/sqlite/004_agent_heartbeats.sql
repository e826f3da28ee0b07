-- VM and application health (issue 12): the latest agent heartbeat per VM, each application's last status with its
-- run of consecutive failures, and the VM restarts Lazarus started (bounded per VM by the store: the newest 100).
CREATE TABLE agent_heartbeats (
  vm TEXT PRIMARY KEY,
  host_group TEXT NOT NULL,
  agent TEXT NOT NULL,
  received_at TEXT NOT NULL,
  sent_at TEXT,
  first_received_at TEXT NOT NULL
);
CREATE INDEX agent_heartbeats_group ON agent_heartbeats (host_group);

CREATE TABLE agent_app_states (
  vm TEXT NOT NULL,
  app TEXT NOT NULL,
  status TEXT NOT NULL,
  detail TEXT,
  consecutive_failures INTEGER NOT NULL CHECK (consecutive_failures >= 0),
  failing_since TEXT,
  reported_at TEXT NOT NULL,
  PRIMARY KEY (vm, app)
);

CREATE TABLE vm_restarts (
  workflow_id TEXT NOT NULL,
  run_id TEXT NOT NULL,
  host_group TEXT NOT NULL,
  vm TEXT NOT NULL,
  reason TEXT NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  outcome TEXT,
  report TEXT,
  PRIMARY KEY (workflow_id, run_id)
);
CREATE INDEX vm_restarts_vm ON vm_restarts (vm, started_at);

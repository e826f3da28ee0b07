-- The API's audit log (issue 15): every state-changing call (POST, PUT, PATCH, DELETE) with who made it (the token's
-- name and role), what it named (the route's ids: failover, host, group, site, VM, delivery), how it ended (the HTTP
-- status and the error code) and the caller's note with its control characters escaped. Written by api/audit.ts.
CREATE TABLE api_audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at TEXT NOT NULL,
  request_id TEXT NOT NULL,
  method TEXT NOT NULL,
  route TEXT NOT NULL,
  path TEXT NOT NULL,
  actor TEXT NOT NULL,
  role TEXT,
  targets TEXT NOT NULL,
  status INTEGER NOT NULL,
  code TEXT,
  note TEXT
);
CREATE INDEX api_audit_at ON api_audit (at);
CREATE INDEX api_audit_actor ON api_audit (actor, id);

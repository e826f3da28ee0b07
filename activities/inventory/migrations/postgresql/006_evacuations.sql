-- Planned operations (issue 14): where each LPAR came from when an evacuation (LPM) moved it away, so `restore`
-- brings every one back to its original host in one operation. One row per LPAR of a group: a second move keeps the
-- first origin (an LPAR evacuated, then moved again, still belongs home); a restore deletes the row.
CREATE TABLE lpar_origins (
  host_group TEXT NOT NULL,
  lpar TEXT NOT NULL,
  origin_host TEXT NOT NULL,
  moved_to TEXT NOT NULL,
  moved_by TEXT NOT NULL,
  moved_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (host_group, lpar)
);
CREATE INDEX lpar_origins_origin ON lpar_origins (host_group, origin_host);

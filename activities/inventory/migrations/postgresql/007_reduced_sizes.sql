-- Reduced-size restarts (issue 14, flex capacity): an LPAR a failover restarted smaller than its profile's desired
-- size, with the size it had before (its profile's desired size when it was reduced), so that restore or a later
-- resize returns it. Processing units are kept in hundredths (the HMC's precision) as integers. One row per LPAR of
-- a group: reduced again before it was returned, it keeps its first full size; returning it deletes the row.
CREATE TABLE reduced_sizes (
  host_group TEXT NOT NULL,
  lpar TEXT NOT NULL,
  profile TEXT NOT NULL,
  full_proc_hundredths INTEGER NOT NULL,
  full_memory_mb INTEGER NOT NULL,
  reduced_proc_hundredths INTEGER NOT NULL,
  reduced_memory_mb INTEGER NOT NULL,
  host TEXT NOT NULL,
  reduced_by TEXT NOT NULL,
  reduced_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (host_group, lpar)
);

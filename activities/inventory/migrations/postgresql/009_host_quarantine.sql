-- Host quarantine (flap guard): a host the group's monitor saw change between up and down more than flapLimit times
-- within flapWindow. Until ends_at it is no destination of a failover, an evacuation or a VM restart (the same way as
-- a host in maintenance), and its own next failover is advisory. The monitor writes the row when the quarantine
-- begins or its end moves and deletes it when it ends; readers ignore a row past its end (a monitor that stopped).
CREATE TABLE host_quarantine (
  host TEXT PRIMARY KEY,
  host_group TEXT NOT NULL,
  since TIMESTAMPTZ NOT NULL,
  ends_at TIMESTAMPTZ NOT NULL,
  reason TEXT NOT NULL,
  monitor_id TEXT NOT NULL
);

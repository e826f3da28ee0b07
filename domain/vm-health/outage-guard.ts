// Silence that is not the VMs' fault: when Lazarus itself (its API, its workers) or the network between the agents
// and Lazarus is down, every agent is silent at once, and restarting every VM would be the worst answer. vSphere HA
// meets the same problem with datastore heartbeats (an isolated host is not a dead one); here the rule is simpler:
//   - blackout: with two or more VMs watched, none of them has reported for longer than the shortest heartbeat
//     timeout among them → nothing is restarted (one alert says so);
//   - resumption: when the monitor starts, after a blackout, and after a gap in the monitor's own checks (its worker
//     or the whole controller was down), silence is counted only from `agents.resumeGrace` after it (default 5 min,
//     the reference agent's longest backoff), so agents that backed off while Lazarus was away can report again.

/** What the monitor carries from check to check (and across continue-as-new); epoch ms. */
export interface HeartbeatStreamState {
  lastCheckAt?: number;
  /** When the monitor started or resumed after a gap or a blackout; silence is counted from resumeGrace after it. */
  resumedAt?: number;
  /** Set while no VM of the group reports (the alert was raised once). */
  blackoutSince?: number;
}

/** What one check read: how many VMs are watched, the newest heartbeat of any of them, the shortest timeout. */
export interface StreamReading {
  watched: number;
  newestHeartbeatAt?: string;
  shortestTimeoutMs: number;
}

/**
 * Before a check at `now`: the state with a gap in the monitor's own checks (longer than three intervals and a
 * minute) turned into a resumption.
 */
export function beforeCheck(state: HeartbeatStreamState, checkIntervalMs: number, now: number): HeartbeatStreamState {
  const gap = state.lastCheckAt !== undefined && now - state.lastCheckAt > 3 * checkIntervalMs + 60_000;
  return { ...state, lastCheckAt: now, ...(gap ? { resumedAt: now } : {}) };
}

/** Silence is counted from no earlier than this (ISO), or from each VM's last heartbeat when undefined. */
export function heardFrom(state: HeartbeatStreamState, resumeGraceMs: number): string | undefined {
  return state.resumedAt === undefined ? undefined : new Date(state.resumedAt + resumeGraceMs).toISOString();
}

/**
 * After a check: whether the group is in a blackout (then no candidate is acted on), whether it just began (alert
 * once), and the state: a blackout that ends is a resumption.
 */
export function afterCheck(
  state: HeartbeatStreamState,
  reading: StreamReading,
  now: number,
): { state: HeartbeatStreamState; blackout: boolean; began: boolean } {
  const newest = reading.newestHeartbeatAt === undefined ? undefined : Date.parse(reading.newestHeartbeatAt);
  const blackout = reading.watched >= 2 && newest !== undefined && now - newest > reading.shortestTimeoutMs;
  if (blackout)
    return { state: { ...state, blackoutSince: state.blackoutSince ?? newest }, blackout, began: !state.blackoutSince };
  if (state.blackoutSince === undefined) return { state, blackout, began: false };
  const { blackoutSince: _ended, ...rest } = state;
  return { state: { ...rest, resumedAt: now }, blackout, began: false };
}

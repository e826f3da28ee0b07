// A host's verdicts over time: consecutive failing observations (the confirmation count), the flap guard and the
// quarantine, and whether the current failure was already handled. Pure; the monitor workflow keeps one
// HostTrack per host and carries them across continue-as-new, so every field is plain JSON and bounded in size.
import type { HostObservation } from './contracts.js';
import { isFailing, judgeObservation, type ObservationJudgement, type ObservationVerdict } from './host-verdict.js';

/** The monitoring settings the rules read (from hostGroups[].monitoring; durations in ms). */
export interface MonitorRules {
  confirmations: number;
  flapLimit: number;
  flapWindowMs: number;
}

/** What was done about a confirmed failure: kept until the host is seen up again, so it is done once. */
export interface HandledFailure {
  /** ISO 8601. */
  at: string;
  action: MonitorAction;
}

export type MonitorAction =
  | 'failover-auto'
  | 'failover-advisory'
  | 'failover-already-running'
  | 'alert-only'
  | 'maintenance'
  | 'failover-start-failed';

export interface HostTrack {
  host: string;
  verdict?: ObservationVerdict;
  reason?: string;
  /** ISO 8601 of the newest observation. */
  lastObservedAt?: string;
  /** Consecutive failing observations (`failed` or `failed-unproven`), the newest included. */
  failing: number;
  /** Of those, how many in a row at the end were `failed` (all signals agreeing). */
  agreeing: number;
  /** When the current failing streak began (ISO 8601). */
  firstBadAt?: string;
  /** When the streak reached `confirmations` (ISO 8601). */
  confirmedAt?: string;
  /** Times (ISO 8601) the host changed between up and failing within the flap window, oldest first. */
  transitions: string[];
  /** The side of the last decisive observation: up or failing (unknown and hmc-lost-host are neither). */
  side?: 'up' | 'down';
  /**
   * Quarantined (flapping) until this time, ISO 8601: any failover the monitor starts for the host is advisory, and
   * no failover, evacuation or VM restart places anything on it (the quarantine is recorded in the store).
   */
  quarantinedUntil?: string;
  /**
   * The quarantine end the store holds for this host, as the monitor last recorded it (absent: none recorded). The
   * monitor records or clears the quarantine whenever this differs from `quarantinedUntil`, so a write that failed is
   * made again at the next observation.
   */
  quarantineRecorded?: string;
  handled?: HandledFailure;
  /** The hmc-lost-host alert was raised for the current episode (cleared by any other verdict). */
  lostAlerted?: boolean;
  /** The host-suspect alert was raised for the current failing streak. */
  suspectAlerted?: boolean;
}

/** What one observation changed for a host, for the workflow to act on and alert about. */
export interface TrackUpdate {
  track: HostTrack;
  judgement: ObservationJudgement;
  /** The host became quarantined with this observation. */
  quarantined: boolean;
  /**
   * The streak reached `confirmations` with this observation or earlier and has not been handled (or was skipped
   * because the host was in maintenance).
   */
  confirmed?: { strength: 'failed' | 'failed-unproven'; firstBadAt: string; confirmedAt: string };
  /** First hmc-lost-host observation of an episode: alert once. */
  hmcLostHost: boolean;
}

export function newTrack(host: string): HostTrack {
  return { host, failing: 0, agreeing: 0, transitions: [] };
}

/**
 * Updates a host's track with one observation at `now` (epoch ms, workflow time). An `up` verdict ends a failure
 * episode (the handled mark is cleared, so a later failure is acted on again); `unknown` and `hmc-lost-host` break
 * the streak without ending the episode (a failure already handled is not acted on twice).
 */
export function trackObservation(
  previous: HostTrack,
  observation: HostObservation,
  rules: MonitorRules,
  now: number,
): TrackUpdate {
  const judgement = judgeObservation(observation);
  const at = new Date(now).toISOString();
  const track: HostTrack = {
    ...previous,
    verdict: judgement.verdict,
    reason: judgement.reason,
    lastObservedAt: observation.observedAt,
    transitions: previous.transitions.filter((t) => Date.parse(t) > now - rules.flapWindowMs),
  };
  const side = judgement.verdict === 'up' ? 'up' : isFailing(judgement.verdict) ? 'down' : undefined;
  if (side && track.side && side !== track.side) track.transitions = [...track.transitions, at];
  if (side) track.side = side;
  // Only the newest flapLimit + 1 transitions matter to the guard: the list stays bounded whatever happens.
  track.transitions = track.transitions.slice(-(rules.flapLimit + 1));

  let quarantined = false;
  if (track.quarantinedUntil && Date.parse(track.quarantinedUntil) <= now) delete track.quarantinedUntil;
  if (track.transitions.length > rules.flapLimit) {
    quarantined = track.quarantinedUntil === undefined;
    // Until the host has been steady for a whole flap window (its newest change + the window): an end that moves
    // only when the host changes again, so a durable record of the quarantine is rewritten per change, not per
    // observation. While the guard's condition holds, this end is still ahead (every counted change is in the window).
    const newest = Date.parse(track.transitions[track.transitions.length - 1]!);
    track.quarantinedUntil = new Date(newest + rules.flapWindowMs).toISOString();
  }

  if (isFailing(judgement.verdict)) {
    track.failing = previous.failing + 1;
    track.agreeing = judgement.verdict === 'failed' ? previous.agreeing + 1 : 0;
    track.firstBadAt = previous.failing > 0 && previous.firstBadAt ? previous.firstBadAt : observation.observedAt;
    if (track.failing >= rules.confirmations) track.confirmedAt ??= at;
  } else {
    track.failing = 0;
    track.agreeing = 0;
    delete track.firstBadAt;
    delete track.confirmedAt;
    delete track.suspectAlerted;
  }
  if (judgement.verdict === 'up') delete track.handled;
  const hmcLostHost = judgement.verdict === 'hmc-lost-host' && !previous.lostAlerted;
  if (judgement.verdict === 'hmc-lost-host') track.lostAlerted = true;
  else delete track.lostAlerted;

  const confirmed =
    // A failure skipped for maintenance is looked at again each time: maintenance may have ended.
    track.confirmedAt && (!track.handled || track.handled.action === 'maintenance')
      ? {
          strength: track.agreeing >= rules.confirmations ? ('failed' as const) : ('failed-unproven' as const),
          firstBadAt: track.firstBadAt!,
          confirmedAt: track.confirmedAt,
        }
      : undefined;
  return { track, judgement, quarantined, confirmed, hmcLostHost };
}

export function isQuarantined(track: HostTrack, now: number): boolean {
  return track.quarantinedUntil !== undefined && Date.parse(track.quarantinedUntil) > now;
}

/** A group's action on a confirmed failure: `monitoring.action`, else the group's `recovery.mode`. */
export type GroupAction = 'auto' | 'advisory' | 'off';

/**
 * What to do about a confirmed failure: `off` only alerts; otherwise a failover, advisory when the signals did not
 * all agree (the fence cannot be proven or the storage does not confirm), when the host is quarantined, or when the
 * group says advisory; auto only when the group says auto and none of those hold. `why` names the reason for an
 * advisory that the group did not ask for.
 */
export function failoverModeFor(
  action: GroupAction,
  strength: 'failed' | 'failed-unproven',
  quarantined: boolean,
): { mode: 'auto' | 'advisory' | 'none'; why?: string } {
  if (action === 'off') return { mode: 'none', why: 'monitoring.action is off' };
  if (quarantined) return { mode: 'advisory', why: 'the host is quarantined for flapping' };
  if (strength === 'failed-unproven')
    return { mode: 'advisory', why: 'not every signal confirms the failure, so a person decides' };
  return { mode: action };
}

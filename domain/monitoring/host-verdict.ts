// What one observation of a host says, from the HMC(s), the storage system's view of its Fibre Channel ports and its
// VIOS partitions. Pure; judged per observation here, over several observations in host-tracker.ts.
//
// Managed-system states (IBM Power Systems HMC help, "Managed system states", HMC V9/V10):
// - `Operating`, `Standby`: powered and usable: the host is up.
// - `Power Off`: the system is powered off (its service processor still answers the HMC): nothing runs, and the
//   failover's fence is already proven.
// - `Error`, `Error - Dump in progress`, `Error - Terminated`: the system's firmware or hardware reports a failure; its
//   partitions may still run (the HMC shows them `Not Available`), but the HMC can power it off and prove it.
// - `No Connection`, `Incomplete`, `Recovery`: the HMC cannot talk to (or fully read) the service processor: the state
//   of the host is unknown to this HMC. A host that lost all power looks like this, and so does a host that runs
//   while the HMC's network to its service processor is broken.
// - anything else (`Initializing`, `Power Off In Progress`, `Pending Authentication`, `Failed Authentication`,
//   `Version Mismatch`, `Service Processor Failover`, states Lazarus does not know): in between; no verdict.
import type { HostObservation } from './contracts.js';

/** What one HMC's reading of a managed system's state means for the monitor. */
export type HmcSays = 'up' | 'off' | 'error' | 'lost' | 'unsure';

const UP = new Set(['Operating', 'Standby']);
const OFF = new Set(['Power Off']);
const ERROR = new Set(['Error', 'Error - Dump in progress', 'Error - Dump In Progress', 'Error - Terminated']);
const LOST = new Set(['No Connection', 'Incomplete', 'Recovery', 'unknown-system']);

/** The meaning of a managed-system state as `lssyscfg -r sys -F state` prints it (see the table above). */
export function hmcSays(state: string | undefined): HmcSays {
  if (state === undefined) return 'unsure';
  if (UP.has(state)) return 'up';
  if (OFF.has(state)) return 'off';
  if (ERROR.has(state)) return 'error';
  if (LOST.has(state)) return 'lost';
  return 'unsure';
}

/**
 * The verdict of one observation:
 * - `up`: an HMC sees the host `Operating` or `Standby` (one HMC that sees it up outweighs one that lost it).
 * - `failed`: the signals agree: every reachable HMC says `Power Off` or `Error` (at least one answered), the storage
 *   system answered and no port of the host is logged in, and no VIOS is seen `Running`. The fence can be proven.
 * - `failed-unproven`: a failure only part of the signals show: the HMCs lost the host (`No Connection`) and no port
 *   is logged in (a power loss looks like this, but the HMC cannot prove a fence); or the HMCs say `Power Off`/`Error`
 *   while ports are still logged in, a VIOS runs, or the storage system did not answer. Acted on in advisory mode
 *   at most: a person decides.
 * - `hmc-lost-host`: the HMCs lost the host (`No Connection`) but its ports are still logged in: it runs. An alert,
 *   never a failover.
 * - `unknown`: no HMC answered, states in between, or the HMC lost the host and the storage cannot say. No action.
 */
export type ObservationVerdict = 'up' | 'failed' | 'failed-unproven' | 'hmc-lost-host' | 'unknown';

/** What the HMCs together say about a host: `unreachable` when none answered with a state. */
export type HmcView = Exclude<HmcSays, never> | 'unreachable';

/** What the storage system says about the host's ports: `dark` = none logged in, `unknown` = it cannot say. */
export type PortsView = 'lit' | 'dark' | 'unknown';

export interface ObservationJudgement {
  verdict: ObservationVerdict;
  hmc: HmcView;
  ports: PortsView;
  viosRunning: boolean;
  /** One sentence for an operator: which signal said what. */
  reason: string;
}

/**
 * Combines the HMC readings: any `up` wins (an HMC that talks to the host and sees it up is proof of life); a
 * `Power Off`/`Error` from one HMC stands when the other lost the host (the informed one); both lost: `lost`;
 * anything in between: `unsure`.
 */
export function combineHmcs(observation: HostObservation): HmcView {
  // An HMC that answered with an error (reachable, no state) says nothing about the host: it is left out like one
  // that did not answer.
  const says = observation.hmcs.filter((r) => r.reachable && r.state !== undefined).map((r) => hmcSays(r.state));
  if (says.length === 0) return 'unreachable';
  if (says.includes('up')) return 'up';
  const informed = says.filter((s) => s === 'off' || s === 'error');
  if (informed.length > 0 && says.every((s) => s === 'off' || s === 'error' || s === 'lost'))
    return informed.includes('error') ? 'error' : 'off';
  if (says.every((s) => s === 'lost')) return 'lost';
  return 'unsure';
}

/** The ports signal; a host object with no port at all proves nothing, so it is `unknown`. */
export function portsView(observation: HostObservation): PortsView {
  const ports = observation.storagePorts;
  if (!ports.reachable || ports.loggedIn === undefined || ports.total === undefined || ports.total === 0)
    return 'unknown';
  return ports.loggedIn > 0 ? 'lit' : 'dark';
}

/** Judges one observation of one host (see ObservationVerdict). */
export function judgeObservation(observation: HostObservation): ObservationJudgement {
  const hmc = combineHmcs(observation);
  const ports = portsView(observation);
  const viosRunning = (observation.vios ?? []).some((v) => v.state === 'Running');
  const states = observation.hmcs
    .map((r) => `${r.hmc}: ${r.reachable ? (r.state ?? 'no state') : `unreachable (${r.error ?? 'no answer'})`}`)
    .join(', ');
  const portText =
    ports === 'unknown'
      ? `storage ${observation.storagePorts.storage}: ${
          observation.storagePorts.reachable ? 'no port known' : 'unreachable'
        }`
      : `ports logged in: ${observation.storagePorts.loggedIn}/${observation.storagePorts.total}`;
  const facts = `${states}; ${portText}${viosRunning ? '; a VIOS is Running' : ''}`;
  const judged = (verdict: ObservationVerdict, why: string): ObservationJudgement => ({
    verdict,
    hmc,
    ports,
    viosRunning,
    reason: `${why} (${facts})`,
  });
  const darkAndQuiet = ports === 'dark' && !viosRunning;
  switch (hmc) {
    case 'up':
      return judged('up', 'an HMC sees the host up');
    case 'unreachable':
      return judged('unknown', 'no HMC answered');
    case 'unsure':
      return judged('unknown', 'the HMCs show a state in between');
    case 'off':
    case 'error':
      return darkAndQuiet
        ? judged('failed', 'the HMCs and the storage system agree the host is down')
        : judged('failed-unproven', 'the HMCs say the host is down, but the storage system does not confirm it');
    case 'lost':
      if (darkAndQuiet) return judged('failed-unproven', 'the HMCs lost the host and none of its ports is logged in');
      if (ports === 'lit' || viosRunning) return judged('hmc-lost-host', 'the HMCs lost the host, but it still runs');
      return judged('unknown', 'the HMCs lost the host and the storage system cannot say');
  }
}

/** Whether a verdict is a failure signal (confirmed or not). */
export function isFailing(verdict: ObservationVerdict): boolean {
  return verdict === 'failed' || verdict === 'failed-unproven';
}

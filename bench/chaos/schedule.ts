// A chaos seed's schedule: which faults hit the simulated fleet when, which failovers are requested, duplicated or
// cancelled, when the workers are killed, and how the simulated operator answers. Pure: the same seed always gives
// the same schedule (what Lazarus does in between depends on timing, so a replay re-runs the same schedule, not
// necessarily the same interleaving).
import { Prng } from './prng.js';

/** The host group every seed runs on: examples/fleet-small.yaml's four hosts behind hmc-dc1 and svc-dc1. */
export const GROUP = 'dc1-prod';
export const HOSTS = ['dc1-s01', 'dc1-s02', 'dc1-s03', 'dc1-s04'] as const;
export const HMC = 'hmc-dc1';
export const STORAGE = 'svc-dc1';
/**
 * A transient HMC answer the fence must retry (issue 10 case 2). The issue quoted HSCL350B, but on a real HMC that
 * code means "the user does not have the appropriate authority" (IBM's ansible power_hmc collection), which is not
 * retried; HSCL3F01 is the code activities/hmc/hmc-errors.ts classes transient (too many concurrent operations).
 */
export const HMC_BUSY =
  'HSCL3F01 Too many concurrent operations are running on the HMC, please retry the operation later.';

export type HostFault = 'host-power-loss' | 'host-error';

/** `at`: milliseconds after the campaign starts. */
export type ChaosEvent =
  | {
      at: number;
      kind: 'host-failure';
      /**
       * a host name; `destination`: whichever host an executing failover is restarting an LPAR on at that time;
       * `recipient`: a host where a finished failover restarted an LPAR that still runs there (issue 10 case 1)
       */
      host: string;
      fault: HostFault;
      /** the failover request, this long after the failure (none: the host is failed over in the settle phase) */
      request?: { afterMs: number; mode: 'auto' | 'advisory' };
      /** the fault is removed (power back / error cleared) this long after the failure */
      returnAfterMs?: number;
    }
  | { at: number; kind: 'busy'; device: string; command: string; times: number; message?: string }
  | { at: number; kind: 'hang'; device: string; command: string; releaseAfterMs: number }
  | { at: number; kind: 'storage-outage'; mode: 'refuse' | 'blackhole'; durationMs: number }
  | { at: number; kind: 'duplicate-request'; mode: 'auto' | 'advisory' }
  | { at: number; kind: 'cancel' }
  | { at: number; kind: 'worker-kill' };

/** How the simulated operator answers a failover that waits for a human. Delays in ms. */
export interface OperatorPolicy {
  /** chance that a fence-blocked failover gets an override during the storm (else only in the settle phase) */
  overrideChance: number;
  overrideDelayMs: number;
  /** chance that an approval request is approved (else rejected) */
  approveChance: number;
  decisionDelayMs: number;
}

export interface ChaosSchedule {
  seed: number;
  /** Before anything fails, the owner shuts one LPAR down on purpose and discovery sees it (issue 10 case 5). */
  ownerShutdown?: string;
  events: ChaosEvent[];
  operator: OperatorPolicy;
  /** When the storm is over: the last event plus its longest effect. */
  stormMs: number;
}

/** LPARs of examples/fleet-small.yaml the owner may shut down before the storm (low priority ones). */
const SHUTDOWN_CANDIDATES = ['dc1-web01', 'dc1-web02', 'dc1-web03', 'dc1-web04', 'dc1-batch01', 'dc1-batch02'];
const HMC_COMMANDS = ['chsysstate', 'rrstartlpar', 'lssyscfg', 'viosvrcmd', 'lsrrstartlpar'];
const STORAGE_COMMANDS = ['mkvdiskhostmap', 'rmvdiskhostmap', 'lshostvdiskmap'];

/**
 * The schedule of one seed. `windowMs` is the span over which host failures and other faults are spread (a failover
 * on the simulated fleet at time scale 0.002 takes about a second, so 3 s makes faults land mid-failover).
 */
export function chaosSchedule(seed: number, windowMs = 3_000): ChaosSchedule {
  const rng = new Prng(seed);
  const events: ChaosEvent[] = [];
  const ownerShutdown = rng.chance(0.3) ? rng.pick(SHUTDOWN_CANDIDATES) : undefined;

  // Cascading host failures: the first at the start, the others spread over the window; later ones may be a
  // destination in use at that moment.
  const failures = rng.int(1, 3);
  const named = [...HOSTS];
  for (let i = 0; i < failures; i++) {
    const at = i === 0 ? rng.int(0, 200) : rng.int(300, windowMs);
    // One draw, as many as before `recipient` existed, so the rest of every seed's schedule stayed the same.
    const draw = i > 0 ? rng.next() : 1;
    const chosen = draw < 0.25 ? 'destination' : draw < 0.5 ? 'recipient' : undefined;
    const host = chosen ?? named.splice(rng.int(0, named.length - 1), 1)[0]!;
    const fault: HostFault = rng.chance(0.5) ? 'host-power-loss' : 'host-error';
    const request = rng.chance(0.9)
      ? { afterMs: rng.int(0, 300), mode: rng.chance(0.7) ? ('auto' as const) : ('advisory' as const) }
      : undefined;
    const returnAfterMs = rng.chance(0.3) ? rng.int(200, 2_500) : undefined;
    events.push({
      at,
      kind: 'host-failure',
      host,
      fault,
      ...(request ? { request } : {}),
      ...(returnAfterMs === undefined ? {} : { returnAfterMs }),
    });
  }
  for (let i = rng.int(0, 3); i > 0; i--) {
    const onStorage = rng.chance(0.25);
    events.push({
      at: rng.int(0, windowMs),
      kind: 'busy',
      device: onStorage ? STORAGE : HMC,
      command: rng.pick(onStorage ? STORAGE_COMMANDS : HMC_COMMANDS),
      times: rng.int(1, 3),
      ...(onStorage ? {} : { message: HMC_BUSY }),
    });
  }
  for (let i = rng.int(0, 2); i > 0; i--) {
    const onStorage = rng.chance(0.4);
    events.push({
      at: rng.int(0, windowMs),
      kind: 'hang',
      device: onStorage ? STORAGE : HMC,
      command: rng.pick(onStorage ? STORAGE_COMMANDS : HMC_COMMANDS),
      releaseAfterMs: rng.int(200, 3_000),
    });
  }
  if (rng.chance(0.4)) {
    events.push({
      at: rng.int(0, windowMs),
      kind: 'storage-outage',
      mode: rng.chance(0.75) ? 'refuse' : 'blackhole',
      durationMs: rng.int(200, 2_000),
    });
  }
  for (let i = rng.int(0, 2); i > 0; i--)
    events.push({
      at: rng.int(200, windowMs + 1_000),
      kind: 'duplicate-request',
      mode: rng.chance(0.8) ? 'auto' : 'advisory',
    });
  if (rng.chance(0.3)) events.push({ at: rng.int(200, windowMs), kind: 'cancel' });
  if (rng.chance(0.3)) events.push({ at: rng.int(200, windowMs), kind: 'worker-kill' });

  const operator: OperatorPolicy = {
    overrideChance: rng.chance(0.7) ? 1 : 0,
    overrideDelayMs: rng.int(0, 1_500),
    approveChance: rng.chance(0.85) ? 1 : 0,
    decisionDelayMs: rng.int(0, 800),
  };
  events.sort((a, b) => a.at - b.at);
  const effectMs = (e: ChaosEvent) =>
    e.kind === 'host-failure'
      ? Math.max(e.request?.afterMs ?? 0, e.returnAfterMs ?? 0)
      : e.kind === 'hang'
        ? e.releaseAfterMs
        : e.kind === 'storage-outage'
          ? e.durationMs
          : 0;
  const stormMs = Math.max(0, ...events.map((e) => e.at + effectMs(e)));
  return { seed, ...(ownerShutdown ? { ownerShutdown } : {}), events, operator, stormMs };
}

/** One line per event, for the seed's printout. */
export function describeEvent(event: ChaosEvent): string {
  const at = `+${event.at}ms`;
  switch (event.kind) {
    case 'host-failure':
      return (
        `${at} ${event.fault} on ${event.host}` +
        (event.request
          ? `, ${event.request.mode} failover requested ${event.request.afterMs}ms later`
          : ', no request') +
        (event.returnAfterMs === undefined ? '' : `, fault removed after ${event.returnAfterMs}ms`)
      );
    case 'busy':
      return (
        `${at} ${event.device} ${event.command} fails ${event.times}x` +
        (event.message ? ` (${event.message.slice(0, 8)})` : '')
      );
    case 'hang':
      return `${at} ${event.device} ${event.command} hangs for ${event.releaseAfterMs}ms`;
    case 'storage-outage':
      return `${at} ${STORAGE} unreachable (${event.mode}) for ${event.durationMs}ms`;
    case 'duplicate-request':
      return `${at} duplicate ${event.mode} request for a host already requested`;
    case 'cancel':
      return `${at} cancel a running failover through the API`;
    case 'worker-kill':
      return `${at} SIGKILL the worker process, start a new one`;
  }
}

// Failback after a failover, the rule: a returned host's partition definitions are stale (the LPAR was remote
// restarted elsewhere) only for an LPAR the HMC shows Running on exactly one other host, and nothing is cleaned up
// while any LPAR's state elsewhere is unknown or in doubt — the whole failback is refused with the reason.
import type { GroupEvidence } from '../failover/contracts.js';

/** Host states in which the HMC lists a system's partitions with meaning (IBM HMC system states). */
const READABLE_HOST_STATES = new Set(['Operating', 'Standby', 'Power Off']);

export interface FailbackDecision {
  /** Why nothing may be cleaned up now; absent when the cleanup may go ahead. */
  refusal?: string;
  /** Stale definitions on the returned host: each LPAR runs on exactly this other host. */
  cleanup: Array<{ lpar: string; runsOn: string }>;
  /** Definitions on the returned host that stay, with why. */
  kept: Array<{ lpar: string; reason: string }>;
}

/**
 * Decides a failback of `host` from what the HMC shows now on every host of the group (`evidence`, VIOS excluded).
 * Refused when the host is not back (`Operating`/`Standby`), when another host cannot be listed or is in a state
 * whose partition listing means nothing (`Error`, `No Connection`, …), or when any of the host's LPARs is in a state
 * other than Running or Not Activated anywhere else (Not Available, Starting, Migrating…: it may be running there).
 */
export function failbackDecision(host: string, evidence: GroupEvidence): FailbackDecision {
  const here = evidence.hosts.find((h) => h.host === host);
  const decision: FailbackDecision = { cleanup: [], kept: [] };
  if (!here) return { ...decision, refusal: `${host} is not a host of the group` };
  if (here.state !== 'Operating' && here.state !== 'Standby')
    return { ...decision, refusal: `${host} is ${here.state}: it is not back yet` };
  if (!here.partitions) return { ...decision, refusal: `${host}'s partitions cannot be listed: ${here.error ?? ''}` };
  const others = evidence.hosts.filter((h) => h.host !== host);
  const unreadable = others.filter((h) => !h.partitions || !READABLE_HOST_STATES.has(h.state));
  if (unreadable.length > 0) {
    const which = unreadable.map((h) => `${h.host} is ${h.state}${h.error ? ` (${h.error})` : ''}`).join('; ');
    return { ...decision, refusal: `the state of LPARs elsewhere is unknown: ${which}` };
  }
  const doubts: string[] = [];
  for (const [lpar, state] of Object.entries(here.partitions).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const elsewhere = others.flatMap((h) => {
      const s = h.partitions?.[lpar];
      return s === undefined ? [] : [{ host: h.host, state: s }];
    });
    const inDoubt = elsewhere.filter((e) => e.state !== 'Running' && e.state !== 'Not Activated');
    const running = elsewhere.filter((e) => e.state === 'Running');
    if (inDoubt.length > 0) doubts.push(...inDoubt.map((e) => `${lpar} is ${e.state} on ${e.host}`));
    else if (state !== 'Not Activated') decision.kept.push({ lpar, reason: `${state} here: not a stale definition` });
    else if (running.length === 1) decision.cleanup.push({ lpar, runsOn: running[0]!.host });
    else if (running.length === 0)
      decision.kept.push({ lpar, reason: 'runs nowhere else: this is its only definition' });
    else doubts.push(`${lpar} runs on ${running.map((r) => r.host).join(' and ')}`);
  }
  if (doubts.length > 0) return { ...decision, refusal: `LPARs in doubt elsewhere: ${doubts.join('; ')}` };
  return decision;
}

// Pure helpers over a failover's LPARs: totals, the outcome they add up to, and the safety gate's verdict from the
// HMC's evidence. The workflow and the tests share them, so a report and its check cannot disagree.
import type { FailoverOutcome, GroupEvidence, LparProgress, LparStep, LparTotals, RosterLpar } from './contracts.js';
import { HOST_UP_STATES, partitionEvidence } from './partition-states.js';

const UNFINISHED: ReadonlySet<LparStep> = new Set(['pending', 'mapping', 'vios', 'activating', 'waiting-running']);

export function isUnfinished(step: LparStep): boolean {
  return UNFINISHED.has(step);
}

export function totals(lpars: LparProgress[]): LparTotals {
  const count = (test: (step: LparStep) => boolean) => lpars.filter((l) => test(l.step)).length;
  return {
    running: count((s) => s === 'running'),
    failed: count((s) => s === 'failed'),
    unplaced: count((s) => s === 'unplaced'),
    cancelled: count((s) => s === 'cancelled'),
    blocked: count((s) => s === 'blocked'),
    notRestarted: count((s) => s === 'not-restarted'),
    pending: count(isUnfinished),
  };
}

/** `succeeded` only when every LPAR runs; `partial` when some do; `failed` when none does (or there were none). */
export function restartOutcome(lpars: LparProgress[]): Extract<FailoverOutcome, 'succeeded' | 'partial' | 'failed'> {
  const running = lpars.filter((l) => l.step === 'running').length;
  if (running === lpars.length) return 'succeeded';
  return running > 0 ? 'partial' : 'failed';
}

/** The gate's verdict for one LPAR of the failed host, from what the HMC shows on every host of the group. */
export type GateVerdict =
  | { kind: 'restart' }
  | { kind: 'running-elsewhere'; host: string }
  | { kind: 'not-restarted'; reason: string }
  | { kind: 'blocked'; reason: string };

/**
 * The per-LPAR safety gate (DESIGN.md invariants): an LPAR is restarted elsewhere only with evidence it runs nowhere.
 * `sourcePoweredOff`: the failed host's Power Off was confirmed (its partitions cannot run). Without it, the source's
 * own listing must prove the LPAR not active — unless the HMC cannot list the source at all and an operator overrode
 * the fence (`overridden`): the override stands in for the missing power proof, never for evidence of life.
 */
export function gateVerdict(
  lpar: RosterLpar,
  evidence: GroupEvidence,
  source: string,
  fence: { sourcePoweredOff: boolean; overridden: boolean },
): GateVerdict {
  const elsewhere = otherHostsVerdict(lpar.name, evidence, source);
  if (elsewhere) return elsewhere;
  if (!fence.sourcePoweredOff) {
    const verdict = sourceVerdict(lpar.name, evidence, source, fence.overridden);
    if (verdict) return verdict;
  }
  if (
    lpar.lastKnownHost !== undefined &&
    lpar.lastKnownHost !== source &&
    isListedOn(lpar.name, lpar.lastKnownHost, evidence)
  ) {
    // Two failovers must never both restart one LPAR: while the host Lazarus last knew it on still holds a definition
    // of it, it belongs to that host's failover. Without one there (moved by LPM, say), the failed host's is the only.
    return {
      kind: 'not-restarted',
      reason: `Lazarus last knew it on ${lpar.lastKnownHost} (${lpar.source}), not on ${source}: a failover of that host restarts it`,
    };
  }
  if (partitionEvidence(lpar.lastKnownState) === 'not-active') {
    return { kind: 'not-restarted', reason: `it was ${lpar.lastKnownState} before the failure (${lpar.source})` };
  }
  return { kind: 'restart' };
}

/** The HMC lists a definition of the LPAR on `host` (or cannot list the host at all, so it might). */
function isListedOn(name: string, host: string, evidence: GroupEvidence): boolean {
  const seen = evidence.hosts.find((h) => h.host === host);
  return seen === undefined || seen.partitions === undefined || seen.partitions[name] !== undefined;
}

function otherHostsVerdict(name: string, evidence: GroupEvidence, source: string): GateVerdict | undefined {
  for (const host of evidence.hosts.filter((h) => h.host !== source)) {
    // A host the HMC cannot list is not evidence of life for every LPAR of the group: only a definition counts.
    if (!host.partitions) continue;
    const state = host.partitions[name];
    if (state === undefined) continue;
    const seen = partitionEvidence(state);
    // Running on a host that is not up (Error, No Connection…) is what the HMC last saw, not proof that it runs: never
    // restarted (it may run), never reported as recovered there either.
    if (seen === 'running' && !HOST_UP_STATES.has(host.state))
      return { kind: 'blocked', reason: `it is ${state} on ${host.host}, which is ${host.state}` };
    if (seen === 'running') return { kind: 'running-elsewhere', host: host.host };
    if (seen === 'may-be-running') return { kind: 'blocked', reason: `it is ${state} on ${host.host}` };
  }
  return undefined;
}

/**
 * Without a power proof, the source's own listing decides. An operator's override stands in for what the HMC cannot
 * see because it lost the host (`No Connection`, or no listing at all, where every partition reads `Not Available`);
 * it never overrules a state the HMC does see on a host it still talks to (a host in Error whose partitions may run).
 */
function sourceVerdict(
  name: string,
  evidence: GroupEvidence,
  source: string,
  overridden: boolean,
): GateVerdict | undefined {
  const host = evidence.hosts.find((h) => h.host === source);
  const lostContact = !host?.partitions || host.state === 'No Connection';
  const state = host?.partitions?.[name] ?? (host?.partitions ? 'absent' : 'unknown');
  const seen = partitionEvidence(state);
  if (seen === 'not-active' || seen === 'absent') return undefined;
  if (overridden && lostContact && (state === 'unknown' || state === 'Not Available')) return undefined;
  const where = host?.partitions
    ? `it is ${state} on ${source}`
    : `the HMC cannot list ${source} (${host?.error ?? host?.state})`;
  return { kind: 'blocked', reason: `${where}, which is not proven powered off` };
}

/**
 * The innermost message of a failure chain (`cause` links): what the device or the activity said, not the SDK's
 * "Activity task failed" or "Workflow execution failed". Anything that is not an Error is turned into text.
 */
export function innermostMessage(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  let inner: Error = err;
  while (inner.cause instanceof Error) inner = inner.cause;
  return inner.message;
}

/**
 * What the fence did at the storage, in words: the host object's ports removed (one command whatever the volume
 * count), or the volume mappings removed one by one, and the NPIV clients proven logged out.
 */
export function storageCutText(fence: {
  unmappedVolumes: string[];
  hostPortsRemoved?: { storageHost: string; wwpns: string[] };
  npivLoggedOut?: string[];
}): string {
  const cut = fence.hostPortsRemoved
    ? `${fence.hostPortsRemoved.wwpns.length} FC port(s) removed from host object ${fence.hostPortsRemoved.storageHost}`
    : `${fence.unmappedVolumes.length} volume mapping(s) removed`;
  const npiv = fence.npivLoggedOut?.length ? `; NPIV client(s) logged out: ${fence.npivLoggedOut.join(', ')}` : '';
  return `${cut}${npiv}`;
}

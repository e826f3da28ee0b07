// What a failback must undo, read from every stored failover run of the host, not only the newest: a failover that
// cut the host at its storage host object (`rmhostport`) and a later one that ended `not-failed` (the host was up
// again) both leave a report, and reading the newest alone forgot the cut for good — the host kept `wwpns: []` and
// failback said "succeeded" (issue 14, the 06:15 trial's finding 1).
import type { InventoryStore, RecoveryReport } from '../inventory/index.js';

/** How many runs of a host's failover (and failback) are read: far more than a host fails between two failbacks. */
const RUNS_READ = 200;

/** The ports a host-level fence removed from one storage host object (a failover report's `fence.hostPortsRemoved`). */
export interface PortsRemoved {
  storageHost: string;
  wwpns: string[];
}

/** The `fence.hostPortsRemoved` of a stored failover report, when well formed and not empty. */
function portsRemovedBy(run: RecoveryReport): PortsRemoved | undefined {
  const removed = (run.report.fence as { hostPortsRemoved?: unknown } | undefined)?.hostPortsRemoved as
    { storageHost?: unknown; wwpns?: unknown } | undefined;
  if (!removed || typeof removed.storageHost !== 'string' || !Array.isArray(removed.wwpns)) return undefined;
  const wwpns = removed.wwpns.filter((w): w is string => typeof w === 'string');
  return wwpns.length > 0 ? { storageHost: removed.storageHost, wwpns } : undefined;
}

/**
 * Every port any stored failover run of `host` removed from its storage host object, one entry per storage host
 * object (ports in first-seen order, no repeats); empty when no run cut the host at its storage. Putting back a port
 * the host object already holds is success (`addhostport` is idempotent in the storage activity), so a cut that a
 * failback already undid costs one command, while one that no failback undid is never forgotten.
 */
export async function standingPortsRemoved(
  store: InventoryStore,
  group: string,
  host: string,
): Promise<PortsRemoved[]> {
  const runs = await store.recoveryReportRuns(`failover/${group}/${host}`, RUNS_READ);
  const byHost = new Map<string, Set<string>>();
  for (const run of [...runs].reverse()) {
    const removed = portsRemovedBy(run);
    if (!removed) continue;
    const ports = byHost.get(removed.storageHost) ?? new Set<string>();
    for (const wwpn of removed.wwpns) ports.add(wwpn);
    byHost.set(removed.storageHost, ports);
  }
  return [...byHost].map(([storageHost, wwpns]) => ({ storageHost, wwpns: [...wwpns] }));
}

/**
 * The newest stored failover run of `host` whose fence proof says it powered the host off (the run a failback undoes),
 * or undefined. A later run that ended `not-failed` or `already-recovered` fenced nothing and does not hide it.
 */
export async function newestFencingFailover(
  store: InventoryStore,
  group: string,
  host: string,
): Promise<RecoveryReport | undefined> {
  const runs = await store.recoveryReportRuns(`failover/${group}/${host}`, RUNS_READ);
  return runs.find((run) => (run.report.fence as { poweredOff?: unknown } | undefined)?.poweredOff === true);
}

/**
 * The LPARs the host's failovers restarted elsewhere (step `running` in a stored run's report), from the newest run
 * back to the newest one that powered the host off (that incident's runs: a first partial run and its re-run both
 * count); a later `not-failed` or `already-recovered` run restarted nothing and hides none of them. LPAR names, no
 * repeats. Empty when no run fenced the host.
 */
export async function lparsRestartedAway(store: InventoryStore, group: string, host: string): Promise<string[]> {
  const runs = await store.recoveryReportRuns(`failover/${group}/${host}`, RUNS_READ);
  const fencing = runs.findIndex(
    (run) => (run.report.fence as { poweredOff?: unknown } | undefined)?.poweredOff === true,
  );
  if (fencing < 0) return [];
  const lpars = new Set<string>();
  for (const run of runs.slice(0, fencing + 1))
    for (const l of (run.report.lpars ?? []) as Array<{ lpar?: unknown; step?: unknown }>)
      if (l.step === 'running' && typeof l.lpar === 'string') lpars.add(l.lpar);
  return [...lpars];
}

/** The reason's opening words when a failback has nothing to undo (the API answers 409 `nothing_to_fail_back`). */
export const NOTHING_TO_FAIL_BACK = 'nothing to fail back';

/**
 * Whether the store shows anything a failback of `host` would undo: a failover run that fenced it (powered it off) or
 * cut it at its storage. Undefined when it does; else the reason, starting with NOTHING_TO_FAIL_BACK. (The workflow
 * still proceeds when the HMC shows stale definitions on the host, whatever the store says.)
 */
export async function nothingToFailBack(
  store: InventoryStore,
  group: string,
  host: string,
): Promise<string | undefined> {
  if (await newestFencingFailover(store, group, host)) return undefined;
  if ((await standingPortsRemoved(store, group, host)).length > 0) return undefined;
  return `${NOTHING_TO_FAIL_BACK}: no failover of ${host} fenced it or cut its storage`;
}

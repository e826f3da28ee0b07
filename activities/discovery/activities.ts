// Discovery and capacity-check activities. Each discovery is recorded, whatever happens: ok with its snapshot (and
// the diff against the previous good one) as soon as the HMC and the storage system answer — a host they cannot
// describe keeps its last description, marked stale with the reason, while the others update; failed with the error
// when they do not answer, in which case the last good snapshot stays. Only a store that cannot record anything
// makes the activity fail (and retry).
import type { InventoryChangeKind, UndescribedHost } from '../../domain/inventory/index.js';
import type { LazarusConfig } from '../../domain/config/index.js';
import { DeviceError } from '../ssh/device-errors.js';
import type { DeviceRegistry } from '../devices.js';
import type { DiscoveryRun, InventoryStore } from '../inventory/index.js';
import { checkCapacity } from './capacity-check.js';
import { readHostGroup } from './read-host-group.js';
import { startAfterWarnings } from '../../domain/config/start-after.js';

export interface DiscoverySummary {
  runId: number;
  group: string;
  /** `partial` is no longer produced (runs before per-host discovery); a stale host is listed in `staleHosts`. */
  status: 'ok' | 'partial' | 'failed';
  error?: string;
  /** Hosts this run could not describe, with why: each keeps its last description, marked stale. */
  staleHosts?: Array<{ host: string; state: string; reason: string }>;
  /** What was read but left out (a partition defined on two hosts). */
  notes?: string[];
  /** Undefined for the group's first good snapshot (nothing to compare with). */
  changes?: number;
  changeKinds?: Partial<Record<InventoryChangeKind, number>>;
  lpars?: number;
  /** start-after policies that name a VM the group does not have, or form a cycle (each names the policy). */
  policyWarnings?: string[];
}

export interface CapacitySummary {
  group: string;
  checkId?: number;
  hostsChecked: number;
  hostsWithShortfall: string[];
  /** Why no check ran (no good inventory yet). */
  skipped?: string;
}

export interface DiscoveryDependencies {
  config: LazarusConfig;
  devices: DeviceRegistry;
  store: InventoryStore;
  log?: (line: string) => void;
}

export function createDiscoveryActivities(deps: DiscoveryDependencies) {
  const log = deps.log ?? ((line: string) => console.log(line));
  const groupConfig = (name: string) => {
    const group = deps.config.hostGroups.find((g) => g.name === name);
    if (!group) throw new Error(`host group ${name} is not in the configuration`);
    return group;
  };

  return {
    async discoverGroupInventory(groupName: string): Promise<DiscoverySummary> {
      const group = groupConfig(groupName);
      const startedAt = new Date().toISOString();
      try {
        const reading = await readHostGroup(
          group,
          // The group's HMC pair: discovery reads through the other HMC when the preferred one is out of reach.
          deps.devices.hmcPair(group.hmcs, log),
          deps.devices.storageSystem(group.storage),
        );
        const run = await deps.store.recordDiscoveryRun({
          group: group.name,
          startedAt,
          finishedAt: new Date().toISOString(),
          status: 'ok',
          snapshot: reading.snapshot,
          undescribedHosts: reading.undescribed,
        });
        const summary = okSummary(run, reading.undescribed, reading.notes);
        const changes = run.diff ? `${run.diff.length} changes` : 'first snapshot';
        log(`discovery ${group.name}: ok, ${summary.lpars} LPARs, ${changes} (run ${run.id})${staleText(summary)}`);
        // start-after resolved against what was found: the planner would silently ignore an unknown name and break a
        // cycle in some order, so each one is said, naming the policy (domain/config/start-after.ts).
        const warnings = startAfterWarnings(deps.config, group.name, reading.snapshot.lpars).map((w) => w.message);
        for (const warning of warnings) log(`discovery ${group.name}: warning: ${warning}`);
        if (warnings.length > 0) summary.policyWarnings = warnings;
        return summary;
      } catch (err) {
        if (!(err instanceof DeviceError)) throw err;
        const run = await deps.store.recordDiscoveryRun({
          group: group.name,
          startedAt,
          finishedAt: new Date().toISOString(),
          status: 'failed',
          error: err.message,
        });
        log(`discovery ${group.name}: failed: ${err.message} (run ${run.id}; the last good snapshot is kept)`);
        return { runId: run.id, group: group.name, status: 'failed', error: err.message };
      }
    },

    async checkGroupCapacity(groupName: string): Promise<CapacitySummary> {
      groupConfig(groupName);
      const latest = await deps.store.latestGoodSnapshot(groupName);
      if (!latest) {
        return { group: groupName, hostsChecked: 0, hostsWithShortfall: [], skipped: 'no good inventory snapshot yet' };
      }
      const result = checkCapacity(latest.snapshot, deps.config, new Date());
      const check = await deps.store.recordCapacityCheck(result);
      const short = result.hosts.filter((h) => !h.fits).map((h) => h.failedHost);
      if (short.length > 0) {
        const leftOut = result.hosts
          .filter((h) => !h.fits)
          .map((h) => `${h.failedHost}: ${(h.unplaced ?? []).map((u) => `${u.lpar} (${u.reason})`).join(', ')}`);
        const message =
          `capacity check ${groupName}: if ${short.join(' or ')} failed, ` +
          `some LPARs could not be restarted: ${leftOut.join('; ')}`;
        await deps.store.raiseNotification({
          severity: 'warning',
          kind: 'capacity-shortfall',
          message,
          raisedAt: new Date().toISOString(),
        });
        log(message);
      }
      return { group: groupName, checkId: check.id, hostsChecked: result.hosts.length, hostsWithShortfall: short };
    },
  };
}

function okSummary(run: DiscoveryRun, undescribed: UndescribedHost[], notes: string[]): DiscoverySummary {
  const changeKinds: Partial<Record<InventoryChangeKind, number>> = {};
  for (const change of run.diff ?? []) changeKinds[change.kind] = (changeKinds[change.kind] ?? 0) + 1;
  return {
    runId: run.id,
    group: run.group,
    status: 'ok',
    changes: run.diff?.length,
    changeKinds: run.diff ? changeKinds : undefined,
    lpars: run.snapshot?.lpars.length,
    ...(undescribed.length > 0
      ? { staleHosts: undescribed.map((h) => ({ host: h.name, state: h.state, reason: h.reason })) }
      : {}),
    ...(notes.length > 0 ? { notes } : {}),
  };
}

function staleText(summary: DiscoverySummary): string {
  const stale = (summary.staleHosts ?? []).map((h) => `; ${h.reason} (last description kept, stale)`).join('');
  return stale + (summary.notes ?? []).map((note) => `; ${note}`).join('');
}

export type DiscoveryActivities = ReturnType<typeof createDiscoveryActivities>;

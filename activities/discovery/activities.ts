// Discovery and capacity-check activities. Each discovery is recorded, whatever happens: ok with its snapshot (and
// the diff against the previous good one), partial or failed with the error, in which case the last good snapshot
// stays the one failovers plan from. Only a store that cannot record anything makes the activity fail (and retry).
import type { InventoryChangeKind } from '../../domain/inventory/index.js';
import type { LazarusConfig } from '../../domain/config/index.js';
import { DeviceError } from '../ssh/device-errors.js';
import type { DeviceRegistry } from '../devices.js';
import type { InventoryStore } from '../inventory/index.js';
import { checkCapacity } from './capacity-check.js';
import { PartialDiscoveryError, readHostGroup } from './read-host-group.js';

export interface DiscoverySummary {
  runId: number;
  group: string;
  status: 'ok' | 'partial' | 'failed';
  error?: string;
  /** Undefined for the group's first good snapshot (nothing to compare with). */
  changes?: number;
  changeKinds?: Partial<Record<InventoryChangeKind, number>>;
  lpars?: number;
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
        const snapshot = await readHostGroup(group, deps.devices.hmc(group.hmc), deps.devices.storageSystem(group.storage));
        const run = await deps.store.recordDiscoveryRun({ group: group.name, startedAt, finishedAt: new Date().toISOString(), status: 'ok', snapshot });
        const changeKinds: Partial<Record<InventoryChangeKind, number>> = {};
        for (const change of run.diff ?? []) changeKinds[change.kind] = (changeKinds[change.kind] ?? 0) + 1;
        log(`discovery ${group.name}: ok, ${snapshot.lpars.length} LPARs, ${run.diff ? `${run.diff.length} changes` : 'first snapshot'} (run ${run.id})`);
        return { runId: run.id, group: group.name, status: 'ok', changes: run.diff?.length, changeKinds: run.diff ? changeKinds : undefined, lpars: snapshot.lpars.length };
      } catch (err) {
        if (!(err instanceof PartialDiscoveryError) && !(err instanceof DeviceError)) throw err;
        const status = err instanceof PartialDiscoveryError ? 'partial' : 'failed';
        const run = await deps.store.recordDiscoveryRun({ group: group.name, startedAt, finishedAt: new Date().toISOString(), status, error: err.message });
        log(`discovery ${group.name}: ${status}: ${err.message} (run ${run.id}; the last good snapshot is kept)`);
        return { runId: run.id, group: group.name, status, error: err.message };
      }
    },

    async checkGroupCapacity(groupName: string): Promise<CapacitySummary> {
      groupConfig(groupName);
      const latest = await deps.store.latestGoodSnapshot(groupName);
      if (!latest) return { group: groupName, hostsChecked: 0, hostsWithShortfall: [], skipped: 'no good inventory snapshot yet' };
      const result = checkCapacity(latest.snapshot, deps.config, new Date());
      const check = await deps.store.recordCapacityCheck(result);
      const short = result.hosts.filter((h) => !h.fits).map((h) => h.failedHost);
      if (short.length > 0) {
        const message = `capacity check ${groupName}: if ${short.join(' or ')} failed, some LPARs could not be restarted: ${result.hosts.filter((h) => !h.fits).map((h) => `${h.failedHost}: ${h.shortfalls[0]?.lpars.join(', ')}`).join('; ')}`;
        await deps.store.raiseNotification({ severity: 'warning', kind: 'capacity-shortfall', message, raisedAt: new Date().toISOString() });
        log(message);
      }
      return { group: groupName, checkId: check.id, hostsChecked: result.hosts.length, hostsWithShortfall: short };
    },
  };
}

export type DiscoveryActivities = ReturnType<typeof createDiscoveryActivities>;

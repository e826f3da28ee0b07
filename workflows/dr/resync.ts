// After an unplanned move, once the old active site is back: make its volumes the secondaries and resynchronize them
// from the backup site (the issue's "nothing starts there; resync from B before anything else"). Refused, touching
// nothing, while any protected VM may be active at the old site or a group's link is down. Once synchronized, the
// VMs the unplanned move started at the backup site are cleaned up at the old site (cleanup.ts: their volumes
// unmapped there, each VM proven Not Activated). Then a move back is possible (it presents them again first).
import { cleanupOldSite } from './cleanup.js';
import { moveActivities, newReport, reported, step, waitFor, type DrMoveReport } from './move-steps.js';

export async function resyncDrSite(input: {
  site: string;
  pollMs?: number;
  heartbeatMs?: number;
}): Promise<DrMoveReport> {
  const report = newReport(input.site, input.site, 'resync');
  return reported(report, () => resync(input, report));
}

async function resync(
  input: { site: string; pollMs?: number; heartbeatMs?: number },
  report: DrMoveReport,
): Promise<DrMoveReport> {
  const acts = moveActivities(input.heartbeatMs);
  const { control, storageOf } = acts;
  const pollMs = input.pollMs ?? 2_000;
  const preparation = await step(report, 'check-old-site', () => control.prepareDrResync(input.site));
  if (!preparation.ready) {
    report.outcome = 'not-ready';
    report.notReady = preparation.notReady;
    return report;
  }
  await step(report, 'restart-replication', async () => {
    for (const group of preparation.groups) {
      const outcome = await storageOf(group.storage).drStartGroupFromBackup({
        storage: group.storage,
        group: group.name,
      });
      report.groups.push({ name: group.name, switched: true, detail: outcome.detail });
    }
  });
  const synchronized = await step(report, 'wait-synchronized', async () => {
    const byStorage = new Map<string, string[]>();
    for (const g of preparation.groups) byStorage.set(g.storage, [...(byStorage.get(g.storage) ?? []), g.name]);
    return waitFor(
      async () => {
        for (const [storage, groups] of byStorage) {
          const states = await control.drGroupStates({ storage, groups });
          if (!states.every((s) => s.state === 'consistent_synchronized')) return false;
        }
        return true;
      },
      24 * 3_600_000,
      pollMs,
    );
  });
  report.outcome = synchronized ? 'resynced' : 'failed';
  if (synchronized) {
    // Only VMs proven Running at the backup site now lose their old site's mappings: one the unplanned move never
    // started there (or that stopped since) still has its only usable copy behind them.
    const where = await step(report, 'whereabouts', () => control.drWhereabouts(input.site));
    const provenAtBackup = preparation.moved.filter((vm) => where.find((w) => w.vm === vm)?.running === 'backup');
    const side = { site: input.site, name: input.site, at: 'active' as const, storage: preparation.activeStorage };
    await cleanupOldSite(acts, report, side, provenAtBackup);
    const left = preparation.moved.filter((vm) => !provenAtBackup.includes(vm));
    if (left.length > 0) {
      report.cleanup ??= { site: input.site, vms: [] };
      for (const vm of left) {
        const w = where.find((x) => x.vm === vm);
        report.cleanup.vms.push({
          vm,
          unmapped: [],
          skipped: `not proven Running at the backup site (${w ? `${w.backupState ?? 'no backup host'}` : 'unknown'})`,
        });
      }
    }
  }
  return report;
}

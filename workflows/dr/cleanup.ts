// Two steps every site move shares with the clean-up at the site the VMs left (activities/dr/cleanup-activities.ts):
//   present — before anything starts at the destination, the volume mappings an earlier clean-up removed there are
//             presented again (a move back to a cleaned-up active site);
//   clean up — once the VMs run at the destination, their volumes are unmapped at the site they left, VM by VM, each
//             proven Not Activated there (read for the plan and again right before), so nothing can start there.
// Both are idempotent: a retried step finds mappings already presented or already removed, and the removed ones were
// recorded before they were removed. Results go into the move's report (`cleanup`).
import type { DrMoveReport, MoveActivities } from './move-steps.js';
import { step } from './move-steps.js';

/** Where: the DR pair (its active site), which side, that side's site name and its storage system. */
export interface DrSide {
  site: string;
  name: string;
  at: 'active' | 'backup';
  storage: string;
}

/** Step `present-at-destination`: the mappings a clean-up removed at the destination, presented again. */
export async function presentAtDestination(
  { storageOf }: MoveActivities,
  report: DrMoveReport,
  side: DrSide,
): Promise<void> {
  await step(report, 'present-at-destination', async () => {
    const { presented, detail } = await storageOf(side.storage).drPresentCleanedVolumes({
      site: side.site,
      at: side.at,
    });
    if (presented > 0) report.steps.at(-1)!.detail = `${presented} volume mappings presented again: ${detail}`;
  });
}

/**
 * Step `cleanup-old-site`: the moved VMs' volumes unmapped at the site they left. A VM that may run there, or whose
 * host cannot be read, is left alone and named; a volume another partition there may use keeps its mappings.
 */
export async function cleanupOldSite(
  { control, storageOf }: MoveActivities,
  report: DrMoveReport,
  side: DrSide,
  vms: string[],
): Promise<void> {
  if (vms.length === 0) return;
  await step(report, 'cleanup-old-site', async () => {
    const cleanup: NonNullable<DrMoveReport['cleanup']> = { site: side.name, vms: [] };
    report.cleanup = cleanup;
    const targets = await control.prepareDrCleanup({ site: side.site, at: side.at, vms });
    for (const target of targets) {
      const entry: (typeof cleanup.vms)[number] = { vm: target.vm, unmapped: [] };
      cleanup.vms.push(entry);
      if (target.kept.length > 0) entry.kept = target.kept;
      if (target.skipped) {
        entry.skipped = target.skipped;
        continue;
      }
      if (target.volumes.length === 0) continue;
      const outcome = await storageOf(target.storage).drCleanupVm({ site: side.site, at: side.at, target });
      if (outcome.refused) entry.skipped = outcome.refused;
      entry.unmapped = outcome.removed.map((m) => `${m.storage}/${m.volume} from ${m.host}`);
    }
    const skipped = cleanup.vms.filter((v) => v.skipped).length;
    const unmapped = cleanup.vms.reduce((n, v) => n + v.unmapped.length, 0);
    report.steps.at(-1)!.detail = `${unmapped} mappings removed; ${skipped} VMs left alone`;
  });
}

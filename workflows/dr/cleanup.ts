// Two steps every site move shares with the clean-up at the site the VMs left (activities/dr/cleanup-activities.ts):
//   present — before anything starts at the destination, the volume mappings an earlier clean-up removed there are
//             presented again (a move back to a cleaned-up active site);
//   clean up — once the VMs run at the destination, their volumes are unmapped at the site they left, VM by VM, each
//             proven Not Activated there (read for the plan and again right before), so nothing can start there.
// Both are idempotent: a retried step finds mappings already presented or already removed, and the removed ones were
// recorded before they were removed. Results go into the move's report (`cleanup`).
import { ActivityFailure } from '@temporalio/workflow';
import { innermostMessage } from '../../domain/failover/outcome.js';
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
 * host cannot be read, is left alone and named; a volume another partition there may use keeps its mappings. A
 * device that still fails after its retries leaves the VMs concerned named with the device's message: the move's
 * outcome is about where the VMs run, so a clean-up that could not be done is reported, not turned into a failure.
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
    let targets: Awaited<ReturnType<typeof control.prepareDrCleanup>>;
    try {
      targets = await control.prepareDrCleanup({ site: side.site, at: side.at, vms });
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      cleanup.vms = vms.map((vm) => ({ vm, unmapped: [], skipped: `${side.name} could not be read` }));
      report.steps.at(-1)!.detail = `nothing cleaned up: ${innermostMessage(err)}`;
      return;
    }
    for (const target of targets) {
      const entry: (typeof cleanup.vms)[number] = { vm: target.vm, unmapped: [] };
      cleanup.vms.push(entry);
      if (target.kept.length > 0) entry.kept = target.kept;
      if (target.skipped) {
        entry.skipped = target.skipped;
        continue;
      }
      if (target.volumes.length === 0) continue;
      try {
        const outcome = await storageOf(target.storage).drCleanupVm({ site: side.site, at: side.at, target });
        if (outcome.refused) entry.skipped = outcome.refused;
        entry.unmapped = outcome.removed.map((m) => `${m.storage}/${m.volume} from ${m.host}`);
      } catch (err) {
        if (!(err instanceof ActivityFailure)) throw err;
        entry.skipped = `clean-up failed: ${innermostMessage(err)}`;
      }
    }
    const skipped = cleanup.vms.filter((v) => v.skipped).length;
    const unmapped = cleanup.vms.reduce((n, v) => n + v.unmapped.length, 0);
    report.steps.at(-1)!.detail = `${unmapped} mappings removed; ${skipped} VMs left alone`;
  });
}

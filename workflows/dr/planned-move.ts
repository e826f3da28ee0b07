// A planned site move, active → backup (VMRM DR's `ksysmgr move site from=A to=B`, planned), as a runbook:
//   1. verify — discover and verify now; anything NOT_READY stops the move before anything is touched;
//   2. stop at the active site — per production host in parallel, the least important VM first: an operating-system
//      shutdown, then an immediate one when it is not Not Activated within `shutdownTimeout`; every VM must be proven
//      Not Activated before anything else happens (no VM ever runs at both sites);
//   3. catch up — wait until each group is consistent_synchronized (nothing more is written at the active site);
//   4. switch — each consistency group's primary becomes aux: the backup site's copies become writable and
//      replication runs backwards (backup → active), ready for the move back;
//   5. present — mappings an earlier clean-up removed at the destination are presented again (cleanup.ts);
//   6. start at the backup site (move-steps.ts);
//   7. clean up at the active site — the moved VMs' volumes unmapped there, each VM proven Not Activated (cleanup.ts);
//   8. report — per VM where it runs now, the recovery point, the network mappings to apply, the clean-up.
// The move back (moveBackDrSite) is the same runbook from the backup site to the active one, without step 7: the
// backup site's standby definitions and their mappings are the standing DR configuration that verify checks and the
// next move and DR test use; after the switch back its copies are read-only secondaries, so nothing starts there.
// Advisory moves wait for approval after verifying; a cancel stops at the next step boundary (no clean-up then).
// Device changes go through the devices' task queues.
import { ActivityFailure } from '@temporalio/workflow';
import { innermostMessage } from '../../domain/failover/outcome.js';
import type { DrMovePreparation } from '../../activities/dr/move-activities.js';
import { cleanupOldSite, presentAtDestination } from './cleanup.js';
import {
  finalOutcome,
  moveActivities,
  newReport,
  operatorGates,
  reported,
  requestBatches,
  startAtBackup,
  step,
  vmEntry,
  waitFor,
  type DrCoordination,
  type DrMoveReport,
  type MoveActivities,
} from './move-steps.js';

export interface DrMoveInput {
  site: string;
  /** The backup site (checked against the configuration by the verify step's plan). */
  to: string;
  /** How long an operating-system shutdown may take before the VM is stopped at once (ms; default 10 min). */
  shutdownTimeoutMs?: number;
  /** How often waits ask the devices (ms; default 2 s). */
  pollMs?: number;
  /** How long a VM may take to reach Running at the backup site (ms; default 15 min). */
  bootTimeoutMs?: number;
  /** Heartbeat timeout of the move's activities (ms; default 30 s): how soon a dead worker's step is retried. */
  heartbeatMs?: number;
  /** Advisory: after verifying, show the plan and wait for approveMove or rejectMove before touching anything. */
  advisory?: boolean;
  /** DRaaS: set by the provider coordinator, copied into the report. */
  coordination?: DrCoordination;
}

export async function moveDrSite(input: DrMoveInput): Promise<DrMoveReport> {
  const acts = moveActivities(input.heartbeatMs);
  const report = newReport(input.site, input.to, 'planned');
  if (input.coordination) report.coordination = input.coordination;
  return withWhereabouts(acts, report, () =>
    reported(report, () => plannedMove(acts, input, report, () => acts.control.prepareDrMove(input.site), 'aux')),
  );
}

/**
 * The move back (backup → active) after a move: the same runbook the other way — verify that the VMs run at the
 * backup site, their definitions wait Not Activated on their production hosts and the groups have the backup site as
 * primary; stop them at the backup site; catch up; switch the groups back to master; start them on their production
 * hosts.
 */
export async function moveBackDrSite(input: Omit<DrMoveInput, 'to'>): Promise<DrMoveReport> {
  const report = newReport(input.site, input.site, 'move-back');
  const acts = moveActivities(input.heartbeatMs);
  const prepare = () => acts.control.prepareDrMoveBack(input.site);
  return withWhereabouts(acts, report, () =>
    reported(report, () => plannedMove(acts, { ...input, to: input.site }, report, prepare, 'master')),
  );
}

/**
 * Runs a move, then — when it stopped anything — reads where every VM of the pair runs now and names it in the
 * report: a VM that ran before and now runs at neither site (a cancelled or partial earlier move left it down) keeps
 * the outcome from `moved` (`partial`), and the last step says which. A failed read only notes that it failed.
 */
async function withWhereabouts(
  acts: MoveActivities,
  report: DrMoveReport,
  move: () => Promise<DrMoveReport>,
): Promise<DrMoveReport> {
  await move();
  if (!report.vms.some((v) => v.stopped !== undefined)) return report;
  try {
    const now = await acts.control.drWhereabouts(report.site);
    report.whereabouts = now.map(({ vm, running, ranBefore }) => ({ vm, running, ranBefore }));
    const lost = now.filter((w) => w.ranBefore && w.running === 'nowhere').map((w) => w.vm);
    if (lost.length > 0) {
      if (report.outcome === 'moved') report.outcome = 'partial';
      const at = new Date().toISOString();
      report.steps.push({
        step: 'whereabouts',
        startedAt: at,
        endedAt: at,
        detail: `running at neither site though they ran before: ${lost.join(', ')}`,
      });
    }
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    report.steps.push({
      step: 'whereabouts',
      startedAt: new Date().toISOString(),
      detail: `where the VMs run could not be read: ${innermostMessage(err)}`,
    });
  }
  return report;
}

async function plannedMove(
  acts: MoveActivities,
  input: DrMoveInput,
  report: DrMoveReport,
  prepare: () => Promise<DrMovePreparation>,
  primary: 'aux' | 'master',
): Promise<DrMoveReport> {
  const { control, hmcOf, storageOf } = acts;
  const pollMs = input.pollMs ?? 2_000;
  const gates = operatorGates(report);
  const stopIfCancelled = (before: string) => {
    if (!gates.cancelled()) return false;
    report.outcome = 'cancelled';
    report.steps.push({ step: before, startedAt: new Date().toISOString(), detail: 'cancelled before this step' });
    return true;
  };
  const preparation = await step(report, 'verify', prepare);
  report.verificationId = preparation.verificationId;
  if (!preparation.ready || !preparation.plan) {
    report.outcome = 'not-ready';
    report.notReady = preparation.notReady;
    return report;
  }
  const plan = preparation.plan;
  if (plan.backupSite !== input.to) {
    report.steps.at(-1)!.detail = `the backup site of ${input.site} is ${plan.backupSite}, not ${input.to}`;
    return report;
  }
  report.networks = plan.networks;
  if (input.advisory && !(await step(report, 'approval', () => gates.awaitApproval(plan)))) {
    report.outcome = gates.cancelled() ? 'cancelled' : 'rejected';
    return report;
  }
  if (stopIfCancelled('stop-at-active-site')) return report;

  // Per production host in parallel: the OS shutdowns are asked least important first, then awaited together (one
  // listing per host and poll); a VM still up after the timeout is stopped at once.
  const stopped = await step(report, 'stop-at-active-site', async () => {
    const results = await Promise.all(
      plan.shutdown.map(async ({ hmc, host, vms }) => {
        const asked: string[] = [];
        for (const batch of requestBatches(vms)) {
          if (gates.cancelled()) break;
          await hmcOf(hmc).drShutdownVms({ hmc, host, vms: batch });
          for (const vm of batch) vmEntry(report, vm).stopped = 'os';
          asked.push(...batch);
        }
        const notDown = async (deadlineMs: number) => {
          let pending = asked;
          await waitFor(
            async () => {
              const states = await control.drVmStates({ hmc, host, vms: pending });
              pending = pending.filter((vm) => !['Not Activated', 'absent'].includes(states[vm]!));
              return pending.length === 0;
            },
            deadlineMs,
            pollMs,
          );
          return pending;
        };
        const slow = await notDown(input.shutdownTimeoutMs ?? 10 * 60_000);
        for (const vm of slow) {
          await hmcOf(hmc).drShutdownVm({ hmc, host, vm, mode: 'immediate' });
          vmEntry(report, vm).stopped = 'immediate';
        }
        const stuck = slow.length === 0 ? [] : await notDown(5 * 60_000);
        for (const vm of stuck)
          vmEntry(report, vm).error = `still not Not Activated on ${host} after an immediate shutdown`;
        return stuck.length === 0 && asked.length === vms.length;
      }),
    );
    return results.every(Boolean);
  });
  if (!stopped) {
    if (gates.cancelled()) report.outcome = 'cancelled';
    return report;
  }
  if (stopIfCancelled('catch-up')) return report;

  const synchronized = await step(report, 'catch-up', async () => {
    const byStorage = new Map<string, string[]>();
    for (const g of plan.groups) byStorage.set(g.storage, [...(byStorage.get(g.storage) ?? []), g.name]);
    return waitFor(
      async () => {
        for (const [storage, groups] of byStorage) {
          const states = await control.drGroupStates({ storage, groups });
          if (!states.every((s) => s.state === 'consistent_synchronized' || s.primary === primary)) return false;
        }
        return true;
      },
      30 * 60_000,
      pollMs,
    );
  });
  if (!synchronized) {
    report.steps.at(-1)!.detail = 'replication did not catch up within 30 minutes; nothing was switched';
    return report;
  }
  report.recoveryPoint = new Date().toISOString();
  if (stopIfCancelled('switch-replication')) return report;

  await step(report, 'switch-replication', async () => {
    for (const { storage, name } of plan.groups) {
      const outcome = await storageOf(storage).drSwitchGroup({ storage, group: name, primary });
      report.groups.push({ name, switched: true, detail: outcome.detail });
    }
  });

  const storage = preparation.storage;
  if (storage && !gates.cancelled()) {
    const at = primary === 'aux' ? 'backup' : 'active';
    await presentAtDestination(acts, report, { site: input.site, name: plan.backupSite, at, storage: storage.to });
  }

  await step(report, 'start-at-backup-site', () =>
    startAtBackup(
      acts,
      report,
      plan.waves,
      { pollMs, bootTimeoutMs: input.bootTimeoutMs ?? 15 * 60_000 },
      gates.cancelled,
    ),
  );
  if (storage && primary === 'aux' && !gates.cancelled()) {
    const moved = report.vms.filter((v) => v.state === 'Running' && !v.error).map((v) => v.vm);
    await cleanupOldSite(
      acts,
      report,
      { site: input.site, name: input.site, at: 'active', storage: storage.from },
      moved,
    );
  }
  report.outcome = finalOutcome(report);
  return report;
}

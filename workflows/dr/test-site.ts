// A DR test (rehearsal; VMRM DR's `ksysmgr test site` then `ksysmgr cleanup site ... dr_test=yes`), workflow id
// `dr-test/<site>`. The active site keeps running and replicating; at the backup site:
//   1. prepare — discover both sites; the VMs a planned move would start, each secondary volume with its pre-created
//      test target (same size), each shadow definition Not Activated; anything else is NOT_READY and nothing is done;
//   2. replication-before — the state and primary of every group, read on the master storage system;
//   3. flashcopy — each secondary onto its target (no-copy snapshot, mkfcmap -copyrate 0; startfcmap -prep);
//   4. present — each target to the host objects its secondary is mapped to (the shadows see the copies);
//   5. start-test-vms — the shadows started on the copies as a move would (waves, one stream per backup host), on the
//      test network mapping recorded in the report, and checked Running;
//   6. hold — the test VMs stay up for the operator's checks until DELETE /v1/sites/:site/test (cleanupTest) or the
//      hold given at start ends; a failed or cancelled test skips the hold;
//   7. cleanup — the test VMs stopped at once (their data is the copies', thrown away), the targets unmapped, the
//      FlashCopy mappings stopped and removed — run whatever happened before, so nothing of the test is left;
//   8. replication-after — the groups again: `productionUntouched` says whether all kept state and primary.
import { ActivityFailure, condition, setHandler } from '@temporalio/workflow';
import { innermostMessage } from '../../domain/failover/outcome.js';
import { boundedParallel } from '../shared/bounded-parallel.js';
import { cleanupTestSignal } from './messages.js';
import {
  finalOutcome,
  moveActivities,
  newReport,
  operatorGates,
  startAtBackup,
  step,
  waitFor,
  type DrMoveReport,
  type MoveActivities,
} from './move-steps.js';
import type { DrTestPreparation } from '../../activities/dr/test-activities.js';

export interface DrTestInput {
  site: string;
  /** How long the test VMs stay up before the automatic cleanup (ms); absent: until cleanupTest. */
  holdMs?: number;
  pollMs?: number;
  bootTimeoutMs?: number;
  heartbeatMs?: number;
}

/** Storage commands of one test in flight at once per step (the SVC's own session limit is the worker's). */
const COPY_PARALLELISM = 4;

export async function testDrSite(input: DrTestInput): Promise<DrMoveReport> {
  const acts = moveActivities(input.heartbeatMs);
  const report = newReport(input.site, input.site, 'test');
  const gates = operatorGates(report);
  let cleanupAsked = false;
  setHandler(cleanupTestSignal, (d) => {
    if (cleanupAsked) return;
    cleanupAsked = true;
    report.decisions.push({
      kind: 'cleanup',
      by: d.by,
      ...(d.reason ? { reason: d.reason } : {}),
      at: new Date().toISOString(),
    });
  });
  const pollMs = input.pollMs ?? 2_000;
  let preparation: DrTestPreparation | undefined;
  try {
    preparation = await step(report, 'prepare', () => acts.control.prepareDrTest(input.site));
    if (!preparation.ready) {
      report.outcome = 'not-ready';
      report.notReady = preparation.notReady.map((n) => ({ vm: n.vm, codes: n.codes }));
      return report;
    }
    report.to = preparation.backupSite;
    report.test = {
      copies: preparation.copies.length,
      networks: preparation.networks,
      awaitingCleanup: false,
      cleanedUp: false,
    };
    await rehearse(acts, report, preparation, { pollMs, bootTimeoutMs: input.bootTimeoutMs ?? 15 * 60_000 }, () =>
      gates.cancelled(),
    );
    const outcome = finalOutcome(report);
    report.outcome = outcome === 'moved' ? 'tested' : outcome;
    if (report.outcome === 'tested' && !cleanupAsked) {
      report.test.awaitingCleanup = true;
      await step(report, 'hold', async () => {
        const asked = await condition(() => cleanupAsked || gates.cancelled(), input.holdMs ?? '3650 days');
        return asked ? 'cleanup asked' : 'hold ended';
      });
      report.test.awaitingCleanup = false;
    }
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    const last = report.steps.at(-1);
    if (last) last.detail = `stopped: ${innermostMessage(err)}`;
    report.outcome = 'failed';
  }
  if (preparation?.ready) await cleanUp(acts, report, preparation, pollMs);
  return report;
}

async function rehearse(
  acts: MoveActivities,
  report: DrMoveReport,
  preparation: DrTestPreparation,
  timing: { pollMs: number; bootTimeoutMs: number },
  cancelled: () => boolean,
): Promise<void> {
  const { storageOf } = acts;
  const masters = await step(report, 'replication-before', () => replication(acts, preparation));
  report.test!.replicationBefore = masters;
  await step(report, 'flashcopy', () =>
    boundedParallel(preparation.copies, COPY_PARALLELISM, (copy) => storageOf(copy.storage).drTestCopy(copy)),
  );
  await step(report, 'present', () =>
    boundedParallel(preparation.copies, COPY_PARALLELISM, (copy) => storageOf(copy.storage).drTestPresent(copy)),
  );
  await step(report, 'start-test-vms', () => startAtBackup(acts, report, preparation.waves, timing, cancelled));
}

/** The groups' state and primary on their master storage systems (read only). */
async function replication(acts: MoveActivities, preparation: DrTestPreparation) {
  const byStorage = new Map<string, string[]>();
  for (const g of preparation.groups) byStorage.set(g.storage, [...(byStorage.get(g.storage) ?? []), g.name]);
  const states: Array<{ name: string; state: string; primary: string }> = [];
  for (const [storage, groups] of byStorage) states.push(...(await acts.control.drGroupStates({ storage, groups })));
  return states.sort((a, b) => (a.name < b.name ? -1 : 1));
}

/** Stops every test VM that may run, removes every copy; then reads the replication again. */
async function cleanUp(acts: MoveActivities, report: DrMoveReport, preparation: DrTestPreparation, pollMs: number) {
  const { control, hmcOf, storageOf } = acts;
  try {
    const stuck = await step(report, 'cleanup', async () => {
      const stillUp: string[] = [];
      await Promise.all(
        preparation.waves.flat().map(async ({ hmc, host, vms }) => {
          for (const { vm } of vms) {
            const entry = report.vms.find((v) => v.vm === vm);
            if (!entry) continue;
            await hmcOf(hmc).drShutdownVm({ hmc, host, vm, mode: 'immediate' });
            const down = await waitFor(
              async () =>
                ['Not Activated', 'absent'].includes((entry.state = await control.drVmState({ hmc, host, vm }))),
              5 * 60_000,
              pollMs,
            );
            if (!down) stillUp.push(vm);
          }
        }),
      );
      // A test VM not proven down keeps its copies: unmapping them would pull its disks from under it.
      const removable = preparation.copies.filter((c) => !stillUp.includes(c.vm));
      await boundedParallel(removable, COPY_PARALLELISM, (copy) => storageOf(copy.storage).drTestRemove(copy));
      return stillUp;
    });
    if (stuck.length > 0) {
      report.steps.at(-1)!.detail = `not stopped, copies kept: ${stuck.join(', ')}`;
      report.outcome = 'failed';
      return;
    }
    report.test!.cleanedUp = true;
    const after = await step(report, 'replication-after', () => replication(acts, preparation));
    report.test!.replicationAfter = after;
    report.test!.productionUntouched =
      JSON.stringify(after) === JSON.stringify(report.test!.replicationBefore ?? after);
    // A rehearsal during which production's replication changed proves nothing about a move: not a success.
    if (!report.test!.productionUntouched) {
      const before = new Map((report.test!.replicationBefore ?? []).map((g) => [g.name, g]));
      const changed = after
        .filter((g) => JSON.stringify(g) !== JSON.stringify(before.get(g.name)))
        .map((g) => {
          const was = before.get(g.name);
          return `${g.name} ${was?.state ?? '?'}/${was?.primary ?? '?'} → ${g.state}/${g.primary}`;
        });
      report.steps.at(-1)!.detail = `production's replication changed during the test: ${changed.join(', ')}`;
      report.outcome = 'failed';
    }
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    const last = report.steps.at(-1);
    if (last) last.detail = `cleanup stopped: ${innermostMessage(err)}`;
    report.outcome = 'failed';
  }
}

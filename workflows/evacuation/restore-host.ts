// Restore a host, the runbook: every LPAR an evacuation (lpar_origins) or the host's last failover moved away goes
// back to it by LPM in one operation — validated first (`migrlpar -o v`), then moved in priority order within the
// migration limits; each LPAR home is forgotten from the record at once. Then, when asked and every LPAR is home,
// the host leaves maintenance. A cancel behaves as for an evacuation; the report is stored and notified.
import {
  ActivityFailure,
  CancellationScope,
  isCancellation,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { ResizeActivities } from '../../activities/failover/index.js';
import { evacuationOutcome, type EvacuationReport, type RestoreInput } from '../../domain/evacuation/index.js';
import { innermostMessage } from '../../domain/failover/index.js';
import { deviceQueue, stepOptions } from '../shared/activity-options.js';
import { boundedParallel } from '../shared/bounded-parallel.js';
import { verifyMoves } from './evacuate-host.js';
import { evacuationCancelSignal, evacuationProgressQuery } from './messages.js';
import { moveAll, releaseStaleMappings, validateMove, type PlannedMove } from './mover.js';
import { evacuationActivities, type EvacuationProxies } from './proxies.js';
import { MoveRun } from './run-state.js';

/** Giving a reduced LPAR its full size back: two DLPAR commands and a profile change, retries included. */
const RESIZE_DEADLINE_MS = 5 * 60_000;

export async function restoreHost(input: RestoreInput): Promise<EvacuationReport> {
  const run = new MoveRun(
    workflowInfo().workflowId,
    'restore',
    input.group,
    input.host,
    input.policy.limits,
    Date.now(),
  );
  const activities = evacuationActivities(input.policy);
  setHandler(evacuationProgressQuery, () => run.progress());
  setHandler(evacuationCancelSignal, (d) => {
    if (typeof d?.by === 'string' && d.by.trim()) run.cancelledBy ??= { by: d.by.trim(), reason: d.reason };
  });
  try {
    await runbook(run, input, activities);
  } catch (err) {
    if (isCancellation(err)) run.cancelled = true;
    else if (err instanceof ActivityFailure) run.stoppedBy = `${run.phase}: ${innermostMessage(err)}`;
    else throw err;
  }
  return CancellationScope.nonCancellable(() => finish(run, input, activities));
}

async function runbook(run: MoveRun, input: RestoreInput, activities: EvacuationProxies): Promise<void> {
  const { control, reads } = activities;
  run.enterPhase('roster');
  const evidence = await reads.groupEvidence({ group: input.group });
  const home = evidence.hosts.find((h) => h.host === input.host);
  if (home?.state !== 'Operating') {
    const state = home?.state ?? 'not listed';
    run.stoppedBy = `roster: ${input.host} is ${state}: LPARs go home by LPM only to an Operating host`;
    return;
  }
  const homecoming = await control.homecomingOf({ group: input.group, host: input.host, evidence });
  const planned: PlannedMove[] = homecoming.map((h) => ({ ...h, shutdownRestart: false }));
  for (const m of planned) run.set(m.lpar, 'pending', { from: m.from, to: m.to, priority: m.priority });

  run.enterPhase('validate');
  const verdicts = await boundedParallel(planned, input.policy.limits.perHmc, (m) =>
    validateMove(run, m, { group: input.group, activities }),
  );
  const movable = planned.filter((m, i) => {
    const verdict = verdicts[i]!;
    if (verdict.ok) run.set(m.lpar, 'pending');
    else run.set(m.lpar, 'invalid', { validation: verdict.message, error: 'LPM validation failed: not moved home' });
    return verdict.ok;
  });

  run.enterPhase('migrate');
  await moveAll(run, movable, { group: input.group, policy: input.policy, activities }, async (m) => {
    await control.forgetLparOrigins({
      group: input.group,
      movedBy: run.workflowId,
      moves: [{ lpar: m.lpar, from: m.from, to: m.to }],
    });
    await returnToFullSize(run, input, m);
  });
}

/**
 * Home again, an LPAR a failover restarted at reduced size gets its full size back (DLPAR, then its profile; nothing
 * for one that never ran reduced). A failure does not undo the move: it is named on the LPAR, and the inventory
 * keeps its full size for a later try.
 */
async function returnToFullSize(run: MoveRun, input: RestoreInput, move: PlannedMove): Promise<void> {
  const resize = proxyActivities<ResizeActivities>(
    stepOptions(RESIZE_DEADLINE_MS, input.policy.heartbeatMs, deviceQueue(input.policy.hmc)),
  );
  try {
    await resize.returnToFullSize({ group: input.group, host: move.to, lpar: move.lpar });
  } catch (err) {
    if (isCancellation(err)) throw err;
    run.set(move.lpar, 'moved', { error: `home, but not back to its full size: ${innermostMessage(err)}` });
  }
}

async function finish(run: MoveRun, input: RestoreInput, activities: EvacuationProxies): Promise<EvacuationReport> {
  const { control, reads } = activities;
  run.enterPhase('verify');
  try {
    await verifyMoves(run, await reads.groupEvidence({ group: input.group }));
  } catch (err) {
    run.stoppedBy ??= `verify: ${innermostMessage(err)}`;
  }
  for (const l of run.lpars.filter((m) => ['pending', 'validating'].includes(m.step)))
    run.set(l.lpar, run.cancelled ? 'cancelled' : 'failed', {
      error: run.cancelled ? 'cancelled before its migration started' : run.stoppedBy,
    });
  await releaseStaleMappings(run, input.group, activities);
  run.enterPhase('done');
  const outcome = run.stoppedBy && run.lpars.length === 0 ? 'failed' : evacuationOutcome(run.lpars, run.cancelled);
  if (input.endMaintenance && outcome === 'succeeded') await control.endHostMaintenance({ host: input.host });
  const report: EvacuationReport = {
    ...run.progress(),
    outcome,
    advisory: false,
    maintenance: await control.inMaintenance({ host: input.host }),
    ...(run.cancelledBy && { cancelledBy: run.cancelledBy }),
    ...(run.stoppedBy && { stoppedBy: run.stoppedBy }),
  };
  await control.recordEvacuationReport(report);
  await reads.notify({
    severity: outcome === 'succeeded' ? 'info' : 'warning',
    kind: 'restore-finished',
    message:
      `restore of ${input.host}: ${report.totals.moved} LPARs home by LPM, ${report.totals.invalid} failed ` +
      `validation, ${report.totals.failed} failed, ${report.totals.cancelled} cancelled`,
    workflowId: run.workflowId,
  });
  return report;
}

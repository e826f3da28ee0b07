// Evacuate a host by Live Partition Mobility, the runbook (README "Planned evacuation, restore and failback"):
//   1. roster      — what the HMC lists on the host now: Running LPARs move; Not Activated ones stay (skipped);
//                    any other state is reported and not touched; a host that is not Operating stops the run
//                    (`failed`, no maintenance: a failed host is failed over, not evacuated);
//   2. maintenance — the host goes into maintenance: the monitor does not fail it over, no plan places onto it;
//   3. plan        — the failover planner places them on the group's Operating hosts not in maintenance (capacity,
//                    priority, collocation, residents);
//   4. validate    — `migrlpar -o v` per LPAR to its planned destination; a refusal is reported (`invalid`), or with
//                    allowShutdownRestart the LPAR is shut down, proven Not Activated, moved inactive and started;
//   5. migrate     — in priority order, in parallel within the per-HMC and per-system migration limits;
//   6. verify      — the HMC is read again: a move counts only if the LPAR runs on exactly one host, its destination;
//                    the report is stored and a notification goes out.
// Advisory: steps 1 and 3 only (nothing changes, not even maintenance). A cancel starts nothing new; migrations in flight
// finish (or are recovered); the report names every LPAR's state.
import {
  ActivityFailure,
  CancellationScope,
  isCancellation,
  patched,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { evacuationOutcome, type EvacuateInput, type EvacuationReport } from '../../domain/evacuation/index.js';
import { innermostMessage, type GroupEvidence } from '../../domain/failover/index.js';
import { boundedParallel } from '../shared/bounded-parallel.js';
import { evacuationCancelSignal, evacuationProgressQuery } from './messages.js';
import { moveAll, releaseStaleMappings, validateMove, type PlannedMove } from './mover.js';
import { evacuationActivities, type EvacuationProxies } from './proxies.js';
import { MoveRun } from './run-state.js';

/** Marks the roster read before maintenance is set (runs started before it replay in the old order). */
const ROSTER_BEFORE_MAINTENANCE = 'evacuation-roster-before-maintenance';

export async function evacuateHost(input: EvacuateInput): Promise<EvacuationReport> {
  const workflowId = workflowInfo().workflowId;
  const run = new MoveRun(workflowId, 'evacuate', input.group, input.host, input.policy.limits, Date.now());
  const activities = evacuationActivities(input.policy);
  // The API waits for the run to leave this phase to answer whether it was admitted (a failed host is refused).
  run.enterPhase('roster');
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

async function runbook(run: MoveRun, input: EvacuateInput, activities: EvacuationProxies): Promise<void> {
  const { control, reads } = activities;
  const maintenance = () =>
    control.setHostMaintenance({
      host: input.host,
      reason: `evacuation ${run.workflowId} by ${input.requestedBy}`,
      by: input.requestedBy,
    });
  // The roster comes before maintenance: a host that is not Operating (failed) is failed over, not evacuated, and
  // maintenance would stop the monitor from failing it over. (Runs started before this replay in the old order.)
  const rosterFirst = patched(ROSTER_BEFORE_MAINTENANCE);
  if (!rosterFirst && !input.advisory) await maintenance();
  run.enterPhase('roster');
  const evidence = await reads.groupEvidence({ group: input.group });
  const toMove = roster(run, input, evidence);
  if (run.stoppedBy) return;
  if (rosterFirst && !input.advisory) {
    run.enterPhase('maintenance');
    await maintenance();
  }
  if (toMove.length === 0) return;

  run.enterPhase('plan');
  const plan = await control.planEvacuation({
    group: input.group,
    host: input.host,
    lpars: toMove,
    destinations: input.destinations,
    evidence,
  });
  for (const u of plan.unplaced) run.set(u.lpar, 'unplaced', { error: `${u.reason}: ${u.detail}` });
  const planned: PlannedMove[] = plan.streams.flatMap((s) =>
    s.lpars.map((l) => ({
      lpar: l.name,
      from: input.host,
      to: s.destination,
      priority: l.priority,
      volumes: l.volumes,
      shutdownRestart: false,
    })),
  );
  for (const m of planned) run.set(m.lpar, 'pending', { to: m.to, priority: m.priority });
  // Validation needs the volumes mapped at the destination: an advisory evacuation stops at the plan.
  if (input.advisory) return;

  run.enterPhase('validate');
  const verdicts = await boundedParallel(planned, input.policy.limits.perHmc, (m) =>
    validateMove(run, m, { group: input.group, activities }),
  );
  const movable: PlannedMove[] = [];
  planned.forEach((m, i) => {
    const verdict = verdicts[i]!;
    if (verdict.ok) {
      run.set(m.lpar, 'pending');
      movable.push(m);
    } else if (input.allowShutdownRestart) {
      run.set(m.lpar, 'pending', { validation: verdict.message });
      movable.push({ ...m, shutdownRestart: true });
    } else {
      run.set(m.lpar, 'invalid', { validation: verdict.message, error: 'LPM validation failed: not moved' });
    }
  });

  run.enterPhase('migrate');
  await moveAll(run, movable, { group: input.group, policy: input.policy, activities }, (m) =>
    control.recordLparOrigins({
      group: input.group,
      movedBy: run.workflowId,
      moves: [{ lpar: m.lpar, from: m.from, to: m.to }],
    }),
  );
}

/** The LPARs to move: Running ones on the host. Not Activated ones stay; any other state is reported, untouched. */
function roster(run: MoveRun, input: EvacuateInput, evidence: GroupEvidence): string[] {
  const here = evidence.hosts.find((h) => h.host === input.host);
  if (!here || here.state !== 'Operating' || !here.partitions) {
    const why = here?.error ? ` (${here.error})` : '';
    run.stoppedBy = `roster: ${input.host} is ${here?.state ?? 'not listed'}${why}: LPM needs an Operating source`;
    return [];
  }
  const toMove: string[] = [];
  for (const [lpar, state] of Object.entries(here.partitions).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (state === 'Running') {
      run.set(lpar, 'pending');
      toMove.push(lpar);
    } else if (state === 'Not Activated') {
      run.set(lpar, 'skipped', { error: 'Not Activated: nothing runs to move; its definition stays on the host' });
    } else {
      run.set(lpar, 'failed', { error: `${state} on ${input.host}: not moved (only Running LPARs move by LPM)` });
    }
  }
  return toMove;
}

/** Verify against the HMC, then store the report and notify. Runs even after a cancel. */
async function finish(run: MoveRun, input: EvacuateInput, activities: EvacuationProxies): Promise<EvacuationReport> {
  const { control, reads } = activities;
  run.enterPhase('verify');
  try {
    await verifyMoves(run, await reads.groupEvidence({ group: input.group }));
  } catch (err) {
    run.stoppedBy ??= `verify: ${innermostMessage(err)}`;
  }
  for (const l of run.lpars.filter((m) => ['pending', 'validating'].includes(m.step)))
    run.set(l.lpar, run.cancelled ? 'cancelled' : input.advisory ? 'pending' : 'failed', {
      error: run.cancelled ? 'cancelled before its migration started' : run.stoppedBy,
    });
  await releaseStaleMappings(run, input.group, activities);
  run.enterPhase('done');
  const maintenance = await control.inMaintenance({ host: input.host }).catch(() => !input.advisory);
  const report: EvacuationReport = {
    ...run.progress(),
    // A run that stopped before it had anything to move (the roster: the host is not Operating) did nothing.
    outcome: run.stoppedBy && run.lpars.length === 0 ? 'failed' : evacuationOutcome(run.lpars, run.cancelled),
    advisory: input.advisory,
    maintenance,
    ...(run.cancelledBy && { cancelledBy: run.cancelledBy }),
    ...(run.stoppedBy && { stoppedBy: run.stoppedBy }),
  };
  if (!input.advisory) {
    await control.recordEvacuationReport(report);
    await reads.notify({
      severity: report.outcome === 'succeeded' ? 'info' : 'warning',
      kind: 'evacuation-finished',
      message:
        `evacuation of ${input.host}: ${report.totals.moved} moved by LPM, ${report.totals.restarted} restarted, ` +
        `${report.totals.invalid} failed validation, ${report.totals.failed} failed, ` +
        `${report.totals.cancelled} cancelled`,
      workflowId: run.workflowId,
    });
  }
  return report;
}

/**
 * What the HMC shows decides: a moved or restarted LPAR must run on exactly one host, its destination; anything else
 * turns it `failed` with what the HMC shows. Every LPAR gets its final host and state.
 */
export async function verifyMoves(run: MoveRun, evidence: GroupEvidence): Promise<void> {
  for (const move of run.lpars) {
    const seen = evidence.hosts.flatMap((h) =>
      h.partitions?.[move.lpar] !== undefined ? [{ host: h.host, state: h.partitions[move.lpar]! }] : [],
    );
    const active = seen.filter((s) => s.state !== 'Not Activated');
    const final = active.length === 1 ? active[0] : seen.length === 1 ? seen[0] : undefined;
    const fields = final ? { finalHost: final.host, finalState: final.state } : {};
    const done = move.step === 'moved' || move.step === 'restarted';
    const where = seen.map((s) => `${s.state} on ${s.host}`).join(', ') || 'listed nowhere';
    if (done && (active.length !== 1 || active[0]!.host !== move.to || active[0]!.state !== 'Running'))
      run.set(move.lpar, 'failed', { ...fields, error: `after the move the HMC shows it ${where}` });
    else run.set(move.lpar, move.step, fields);
  }
}

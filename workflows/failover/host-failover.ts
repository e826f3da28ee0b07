// Host failover, the runbook (DESIGN.md "How a host failover runs"):
//   1. confirm  — the HMC still says the host is down (a host that came back is left alone);
//   2. fence    — power it off and see Power Off, then cut its volume mappings; no proof, no restart: without
//                 proof the workflow alerts and waits for an operator's audited override;
//   3. plan     — the planner places its LPARs on the surviving hosts of the group, from the last good inventory;
//   4. approve  — in advisory mode, wait for approve or reject (the group's timeout policy decides otherwise);
//   5. execute  — one child workflow per destination stream, all in parallel; LPARs that failed are re-planned
//                 onto other hosts once (their volumes released first; never one the HMC still shows active);
//   6. report   — per-LPAR steps and timings, RTO against the budget, what was not restarted and why; stored.
// A cancel stops new work at once: the report says who cancelled, in which phase, and each LPAR's state on the HMC.
// A step that still fails after its retries (a device unreachable, no inventory to plan from) stops the failover the
// same way: nothing new starts, running streams finish, and the report says where and why; an operator is alerted.
// Progress (per LPAR, step and timings) is the `progress` query; the report is the result.
import {
  ApplicationFailure,
  CancellationScope,
  log,
  ActivityFailure,
  ChildWorkflowFailure,
  condition,
  executeChild,
  isCancellation,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { FailoverActivities } from '../../activities/failover/activities.js';
import {
  approveSignal,
  cancelRequestedSignal,
  lparProgressSignal,
  overrideFenceSignal,
  progressQuery,
  rejectSignal,
  restartStreamWorkflowId,
  type FailoverPhase,
  type FailoverPlan,
  type FailoverProgress,
  type FailoverReport,
  type FenceProof,
  type HostFailoverInput,
  type LparProgress,
  type OperatorDecision,
} from './messages.js';
import { restartStream, type StreamResult } from './restart-stream.js';

export interface HostFailoverSettings {
  hmc: string;
  storage: string;
  approvalTimeoutMs: number;
  onApprovalTimeout: 'proceed' | 'abort';
  rtoBudgetMs: number;
  /** Volume mappings in flight per stream: at least this many (CMS paper §5.3: 4). */
  parallelMappingsPerStream: number;
  /** The storage system's concurrent-operation budget (its device queue's limit); fencing unmaps this many at once. */
  storageMaxConcurrentOperations?: number;
  /**
   * A stream asks for all of an LPAR's mappings at once (up to the storage budget) instead of
   * parallelMappingsPerStream: the storage system's device queue shares the budget among all streams and failovers,
   * so the storage system stays busy until the last volume while its limit still holds. Off: the paper's fixed K.
   */
  mapAllAtOnce?: boolean;
  /** Destination streams run at once (default: all of them; 1 restarts one destination after the other). */
  maxParallelStreams?: number;
  /** How often device waits poll (tests use short ones). */
  pollMs?: number;
  /**
   * How long a device activity may run, and may go without a heartbeat, before another worker retries it (after a
   * worker crash, this is how soon the failover resumes). Defaults: 10 minutes and 30 seconds.
   */
  activityTimeoutMs?: number;
  heartbeatTimeoutMs?: number;
}

type ControlActivities = ReturnType<typeof controlActivities>;

/** Unmappings at once while fencing when the storage budget is not given. */
const DEFAULT_UNMAP_LANES = 8;

/** Device activities heartbeat while they wait on the device, so a crashed worker costs one heartbeat timeout. */
function activityTimeouts(settings: Pick<HostFailoverSettings, 'activityTimeoutMs' | 'heartbeatTimeoutMs'>) {
  return {
    startToCloseTimeout: settings.activityTimeoutMs ?? 600_000,
    heartbeatTimeout: settings.heartbeatTimeoutMs ?? 30_000,
    retry: { initialInterval: '2s', maximumAttempts: 3 },
  };
}

function controlActivities(settings: Pick<HostFailoverSettings, 'activityTimeoutMs' | 'heartbeatTimeoutMs'>) {
  return proxyActivities<FailoverActivities>(activityTimeouts(settings));
}

export async function hostFailover(input: HostFailoverInput & { settings: HostFailoverSettings }): Promise<FailoverReport> {
  const { settings } = input;
  const control = controlActivities(settings);
  const workflowId = workflowInfo().workflowId;
  const startedAt = Date.now();
  let phase: FailoverPhase = 'confirm';
  let powerFence: Omit<FenceProof, 'unmappedVolumes'> | undefined;
  let fence: FenceProof | undefined;
  let plan: FailoverPlan | undefined;
  let approval: FailoverReport['approval'];
  let fenceOverride: OperatorDecision | undefined;
  let decision: { approved: boolean; by: string; reason?: string } | undefined;
  let cancelledDuring: FailoverPhase | undefined;
  let cancelledBy: OperatorDecision | undefined;
  const lpars = new Map<string, LparProgress>();

  setHandler(approveSignal, (d) => {
    if (validDecision('approve', d)) decision ??= { approved: true, by: d.by.trim(), reason: d.reason };
  });
  setHandler(rejectSignal, (d) => {
    if (validDecision('reject', d)) decision ??= { approved: false, by: d.by.trim(), reason: d.reason };
  });
  setHandler(overrideFenceSignal, (d) => {
    if (validDecision('overrideFence', d) && typeof d.reason === 'string' && d.reason.trim() !== '') fenceOverride ??= { by: d.by.trim(), reason: d.reason.trim() };
    else log.warn('overrideFence ignored: it needs "by" and a "reason" for the audit trail');
  });
  setHandler(cancelRequestedSignal, (d) => {
    if (validDecision('cancelRequested', d)) cancelledBy ??= { by: d.by.trim(), reason: d.reason };
  });
  setHandler(lparProgressSignal, (p) => void lpars.set(p.lpar, p));
  const progress = (): FailoverProgress => ({
    workflowId,
    group: input.group,
    host: input.host,
    phase,
    elapsedMs: Date.now() - startedAt,
    rtoBudgetMs: settings.rtoBudgetMs,
    fence,
    planSummary: plan && { placed: plan.streams.reduce((n, s) => n + s.lpars.length, 0), unplaced: plan.unplaced.length, streams: plan.streams.length, estimatedRtoMs: plan.estimatedRtoMs },
    lpars: [...lpars.values()],
    totals: totals([...lpars.values()]),
  });
  setHandler(progressQuery, progress);
  CancellationScope.current().cancelRequested.catch(() => (cancelledDuring ??= phase));
  const report = async (outcome: FailoverReport['outcome'], stoppedBy?: string): Promise<FailoverReport> => {
    phase = outcome === 'not-failed' || outcome === 'rejected' || outcome === 'cancelled' ? outcome : 'done';
    const rtoMs = Date.now() - startedAt;
    const final: FailoverReport = { ...progress(), outcome, rtoMs, withinBudget: rtoMs <= settings.rtoBudgetMs, unplaced: plan?.unplaced ?? [], approval, plan, cancelledDuring, cancelledBy, stoppedBy };
    if (!input.dryRun) {
      await CancellationScope.nonCancellable(() => control.recordFailoverReport({ ...final, startedAt: new Date(startedAt).toISOString() }));
    }
    return final;
  };

  try {
    // 1. confirm
    const confirmed = await control.confirmHostFailure({ group: input.group, host: input.host });
    if (!confirmed.failed) return await report('not-failed');

    // 2. fence (a dry run touches nothing)
    if (!input.dryRun) {
      phase = 'fence';
      powerFence = await fenceByPowerOrWaitForOverride(control, input, settings, () => fenceOverride, (p) => (phase = p));
      fence = { ...powerFence, unmappedVolumes: await cutStorage(input, settings) };
    }

    // 3. plan
    phase = 'plan';
    plan = await control.planFailover({ group: input.group, host: input.host });
    for (const stream of plan.streams) for (const l of stream.lpars) lpars.set(l.name, { lpar: l.name, destination: stream.destination, step: 'pending', attempts: 0, timings: {} });
    for (const u of plan.unplaced) lpars.set(u.lpar, { lpar: u.lpar, step: 'unplaced', attempts: 0, timings: {}, error: `${u.reason}: ${u.detail}` });
    if (input.dryRun) return await report('dry-run');

    // 4. approve
    if (input.mode === 'advisory') {
      phase = 'approve';
      await control.notify({ severity: 'warning', kind: 'approval-needed', message: `failover of ${input.host} (${input.group}) waits for approval: ${plan.streams.length} streams, ${plan.unplaced.length} LPARs cannot be placed`, workflowId });
      const answered = await condition(() => decision !== undefined, settings.approvalTimeoutMs);
      if (!answered) {
        approval = { decision: 'timed-out' };
        if (settings.onApprovalTimeout === 'abort') return await report('rejected');
      } else {
        approval = { decision: decision!.approved ? 'approved' : 'rejected', by: decision!.by, reason: decision!.reason };
        if (!decision!.approved) return await report('rejected');
      }
    }

    // 5. execute: one stream per destination, all in parallel; then one re-plan round for what failed
    phase = 'execute';
    await runStreams(input, settings, plan, 1, startedAt);
    const failedHere = [...lpars.values()].filter((l) => l.step === 'failed' && l.replannable !== false);
    const failed = failedHere.map((l) => l.lpar);
    if (failed.length > 0) {
      const failedDestinations = [...new Set(failedHere.map((l) => l.destination!))];
      const replan = await control.planFailover({ group: input.group, host: input.host, lpars: failed, excludeDestinations: failedDestinations });
      for (const u of replan.unplaced) lpars.set(u.lpar, { ...lpars.get(u.lpar)!, step: 'failed', error: `${lpars.get(u.lpar)?.error ?? ''}; re-plan: ${u.reason}: ${u.detail}` });
      await runStreams(input, settings, replan, 2, startedAt);
    }

    // 6. report
    phase = 'report';
    const t = totals([...lpars.values()]);
    const outcome = t.failed === 0 && t.unplaced === 0 ? 'succeeded' : t.running > 0 ? 'partial' : 'failed';
    await control.notify({ severity: outcome === 'succeeded' ? 'info' : 'critical', kind: 'failover-finished', message: `failover of ${input.host}: ${outcome}, ${t.running} running, ${t.failed} failed, ${t.unplaced} not placed`, workflowId });
    return await report(outcome);
  } catch (err) {
    if (isCancellation(err)) return await reportCancelled();
    // Only a step's failure ends the failover with a report; a bug in this code fails the workflow task instead, so
    // Temporal retries it once the code is fixed.
    if (err instanceof ActivityFailure || err instanceof ChildWorkflowFailure) return await reportStopped(err);
    throw err;
  }

  /** A step failed after its retries: every LPAR not yet done is reported with the step it was in, for an operator. */
  async function reportStopped(err: ActivityFailure | ChildWorkflowFailure): Promise<FailoverReport> {
    const done = phase === 'fence' && powerFence && !fence ? `${powerFence.powerState} confirmed, but removing the host's volume mappings failed: ` : '';
    const which = err instanceof ChildWorkflowFailure ? `restart stream ${err.execution.workflowId} ended: ` : '';
    const stoppedBy = `${phase}: ${done}${which}${rootMessage(err)}`;
    for (const l of lpars.values()) {
      if (!UNFINISHED_STEPS.has(l.step)) continue;
      const where = l.step === 'pending' ? 'not started' : `stopped during ${l.step} on ${l.destination}: check it on the HMC`;
      lpars.set(l.lpar, { ...l, step: 'failed', replannable: false, error: `${where}; the failover stopped (${stoppedBy})` });
    }
    const outcome = totals([...lpars.values()]).running > 0 ? 'partial' : 'failed';
    await control.notify({ severity: 'critical', kind: 'failover-stopped', message: `failover of ${input.host} stopped in ${stoppedBy}`, workflowId });
    return report(outcome, stoppedBy);
  }

  /** Cancelled: nothing new was started after the request; every LPAR's last known state is in the report. */
  async function reportCancelled(): Promise<FailoverReport> {
    cancelledDuring ??= phase;
    for (const l of lpars.values()) if (l.step === 'pending') lpars.set(l.lpar, { ...l, step: 'cancelled', error: 'not started: the failover was cancelled' });
    return report('cancelled');
  }

  async function runStreams(i: HostFailoverInput, s: HostFailoverSettings, p: FailoverPlan, round: number, started: number): Promise<void> {
    const parallelMappings = s.mapAllAtOnce ? Math.max(s.parallelMappingsPerStream, s.storageMaxConcurrentOperations ?? 0) : s.parallelMappingsPerStream;
    const results = await inLanes(p.streams, s.maxParallelStreams ?? p.streams.length, (stream) =>
      executeChild(restartStream, {
        workflowId: restartStreamWorkflowId(workflowId, round, stream.destination),
        args: [{
          parentWorkflowId: workflowId,
          group: i.group,
          source: i.host,
          destination: stream.destination,
          lpars: stream.lpars,
          parallelMappings,
          hmcQueue: `device/${s.hmc}`,
          storageQueue: `device/${s.storage}`,
          startedAt: started,
          pollMs: s.pollMs,
          activityTimeoutMs: s.activityTimeoutMs,
          heartbeatTimeoutMs: s.heartbeatTimeoutMs,
        }],
      }),
    );
    // The children's own results are authoritative (a progress signal may still be in flight).
    for (const result of results as StreamResult[]) for (const l of result.lpars) lpars.set(l.lpar, { ...l, attempts: round });
  }
}

/**
 * Fences the host by power: off, and Power Off confirmed by the HMC. When that cannot be proven it alerts and waits
 * for an operator's override (who and why go into the proof); nothing is restarted meanwhile.
 */
async function fenceByPowerOrWaitForOverride(
  control: ControlActivities,
  input: HostFailoverInput,
  settings: HostFailoverSettings,
  override: () => OperatorDecision | undefined,
  setPhase: (phase: FailoverPhase) => void,
): Promise<Omit<FenceProof, 'unmappedVolumes'>> {
  try {
    const { powerState } = await control.fenceHost({ group: input.group, host: input.host, pollMs: settings.pollMs });
    return { host: input.host, powerState, poweredOff: true };
  } catch (err) {
    if (isCancellation(err) || !(err instanceof ActivityFailure)) throw err;
    const why = err.cause instanceof ApplicationFailure ? err.cause.message : String(err);
    setPhase('fence-blocked');
    await control.notify({ severity: 'critical', kind: 'fence-failed', message: `cannot fence ${input.host}: ${why}. Nothing is restarted until an operator overrides the fence.`, workflowId: workflowInfo().workflowId });
    await condition(() => override() !== undefined);
    setPhase('fence');
    const powerState = await control.hostPowerState({ group: input.group, host: input.host });
    return { host: input.host, powerState, poweredOff: false, override: override() };
  }
}

/**
 * Fencing's second half: every volume mapping of the host's storage host object removed, through the storage
 * system's device queue so the storage limits hold across concurrent failovers. Returns the volumes unmapped.
 */
async function cutStorage(input: HostFailoverInput, settings: HostFailoverSettings): Promise<string[]> {
  const storage = proxyActivities<FailoverActivities>({ taskQueue: `device/${settings.storage}`, ...activityTimeouts(settings) });
  const volumes = await storage.listHostMappings({ group: input.group, host: input.host });
  await inLanes(volumes, settings.storageMaxConcurrentOperations ?? DEFAULT_UNMAP_LANES, (volume) => storage.unmapVolume({ group: input.group, volume, host: input.host }));
  return volumes;
}

/**
 * Runs `work` over `items`, at most `limit` at a time; results in the order of `items`. After a failure nothing new
 * starts, and it waits for the work in flight before rethrowing: no stream is left running unwatched.
 */
async function inLanes<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async () => {
    while (next < items.length && !failure) {
      const index = next++;
      results[index] = await work(items[index]!).catch((error: unknown) => {
        failure ??= { error };
        return undefined as R;
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, lane));
  if (failure) throw failure.error;
  return results;
}

const UNFINISHED_STEPS: ReadonlySet<string> = new Set(['pending', 'mapping', 'vios', 'activating', 'waiting-running']);

function totals(lpars: LparProgress[]): FailoverProgress['totals'] {
  const count = (steps: string[]) => lpars.filter((l) => steps.includes(l.step)).length;
  return { running: count(['running']), failed: count(['failed']), unplaced: count(['unplaced']), cancelled: count(['cancelled']), pending: count([...UNFINISHED_STEPS]) };
}

/** The innermost message of a failure chain: what the device or the activity said, not "Activity task failed". */
function rootMessage(err: Error): string {
  let inner: Error = err;
  while (inner.cause instanceof Error) inner = inner.cause;
  return inner.message;
}

/** Signal payloads come from outside: a malformed one is logged and ignored, never allowed to fail the failover. */
function validDecision(signal: string, decision: unknown): decision is OperatorDecision {
  const d = decision as Partial<OperatorDecision> | undefined;
  const ok = typeof d?.by === 'string' && d.by.trim() !== '' && d.by.length <= 200 && (d.reason === undefined || typeof d.reason === 'string');
  if (!ok) log.warn(`${signal} ignored: it needs "by" (the operator's name) and an optional string "reason"`);
  return ok;
}

// Taking a schedule's action at a nominal time: the overlap policy decides between starting a workflow, skipping,
// buffering until the running one closes, or cancelling/terminating it first.
import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import type { ScheduleState } from './state.js';
import { rfc3339Second } from './time.js';
import type { ScheduleDeps, StartWorkflowRequest } from './types.js';

const typedJson = (value: unknown, type: string) => ({
  metadata: { encoding: Buffer.from('json/plain'), type: Buffer.from(type) },
  data: Buffer.from(JSON.stringify(value)),
});

export const OverlapPolicy = {
  UNSPECIFIED: 0,
  SKIP: 1,
  BUFFER_ONE: 2,
  BUFFER_ALL: 3,
  CANCEL_OTHER: 4,
  TERMINATE_OTHER: 5,
  ALLOW_ALL: 6,
} as const;
export const RECENT_ACTIONS_KEPT = 10;
const SCHEDULER_IDENTITY = 'lazarus-devserver-scheduler';

export const schedulePolicy = (state: ScheduleState): number =>
  state.schedule.policies?.overlapPolicy || OverlapPolicy.SKIP;

/**
 * Whether a nominal time may take an action; decrements remaining_actions when it may. Manual actions (trigger,
 * backfill) ignore pause and the limit, as in Temporal.
 */
export function mayTakeAction(state: ScheduleState, manual: boolean): boolean {
  if (manual) return true;
  const scheduleState = state.schedule.state;
  if (scheduleState?.paused) return false;
  if (!scheduleState?.limitedActions) return true;
  const remaining = Number(scheduleState.remainingActions ?? 0);
  if (remaining <= 0) return false;
  scheduleState.remainingActions = (remaining - 1) as unknown as typeof scheduleState.remainingActions;
  return true;
}

export function refreshRunning(deps: ScheduleDeps, state: ScheduleState): void {
  state.running = state.running.filter((run) => deps.isRunning(state.namespace, run.workflowId, run.runId));
}

export async function takeAction(
  deps: ScheduleDeps,
  state: ScheduleState,
  nominalMs: number,
  policy: number,
): Promise<void> {
  refreshRunning(deps, state);
  if (state.running.length === 0 || policy === OverlapPolicy.ALLOW_ALL) return startWorkflow(deps, state, nominalMs);
  switch (policy) {
    case OverlapPolicy.BUFFER_ONE:
      if (state.buffered.length > 0) state.bufferDropped++;
      else state.buffered.push({ nominalMs, overlapPolicy: policy });
      return;
    case OverlapPolicy.BUFFER_ALL:
      state.buffered.push({ nominalMs, overlapPolicy: policy });
      return;
    case OverlapPolicy.CANCEL_OTHER:
      await stopRunning(deps, state, 'cancel');
      state.buffered = [
        ...state.buffered.filter((b) => b.overlapPolicy !== OverlapPolicy.CANCEL_OTHER),
        { nominalMs, overlapPolicy: policy },
      ];
      return drainBuffer(deps, state);
    case OverlapPolicy.TERMINATE_OTHER:
      await stopRunning(deps, state, 'terminate');
      refreshRunning(deps, state);
      return startWorkflow(deps, state, nominalMs);
    default:
      state.overlapSkipped++;
  }
}

/** Starts buffered actions, one at a time, each once nothing of this schedule is running. */
export async function drainBuffer(deps: ScheduleDeps, state: ScheduleState): Promise<void> {
  refreshRunning(deps, state);
  while (state.buffered.length > 0 && state.running.length === 0) {
    const next = state.buffered.shift() as { nominalMs: number };
    await startWorkflow(deps, state, next.nominalMs);
    refreshRunning(deps, state);
  }
}

async function stopRunning(deps: ScheduleDeps, state: ScheduleState, how: 'cancel' | 'terminate'): Promise<void> {
  const reason = `schedule ${state.scheduleId}: overlap policy ${how === 'cancel' ? 'CANCEL_OTHER' : 'TERMINATE_OTHER'}`;
  for (const run of state.running) {
    try {
      if (how === 'cancel') await deps.cancelWorkflow(state.namespace, run.workflowId, run.runId, reason);
      else await deps.terminateWorkflow(state.namespace, run.workflowId, run.runId, reason);
    } catch (err) {
      deps.log.warn(`schedule could not ${how} a running workflow`, {
        scheduleId: state.scheduleId,
        workflowId: run.workflowId,
        error: (err as Error).message,
      });
    }
  }
}

async function startWorkflow(deps: ScheduleDeps, state: ScheduleState, nominalMs: number): Promise<void> {
  const action = state.schedule.action?.startWorkflow;
  if (!action) return;
  const workflowId = `${action.workflowId}-${rfc3339Second(nominalMs)}`;
  const request: StartWorkflowRequest = {
    namespace: state.namespace,
    workflowId,
    workflowType: action.workflowType,
    taskQueue: action.taskQueue,
    input: action.input,
    workflowExecutionTimeout: action.workflowExecutionTimeout,
    workflowRunTimeout: action.workflowRunTimeout,
    workflowTaskTimeout: action.workflowTaskTimeout,
    retryPolicy: action.retryPolicy,
    memo: action.memo,
    // As the real scheduler: every run it starts says which schedule started it and for which nominal time.
    searchAttributes: {
      indexedFields: {
        ...(action.searchAttributes?.indexedFields ?? {}),
        TemporalScheduledStartTime: typedJson(new Date(nominalMs).toISOString(), 'Datetime'),
        TemporalScheduledById: typedJson(state.scheduleId, 'Keyword'),
      },
    },
    header: action.header,
    userMetadata: action.userMetadata,
    priority: action.priority,
    identity: SCHEDULER_IDENTITY,
    requestId: randomUUID(),
  };
  try {
    const { runId } = await deps.startWorkflow(state.namespace, request);
    const now = (deps.now ?? Date.now)();
    state.running.push({ workflowId, runId });
    state.recentActions = [...state.recentActions, { workflowId, runId, scheduleMs: nominalMs, actualMs: now }].slice(
      -RECENT_ACTIONS_KEPT,
    );
    state.actionCount++;
  } catch (err) {
    if ((err as { code?: unknown }).code === status.ALREADY_EXISTS) {
      state.overlapSkipped++;
      deps.log.warn('scheduled workflow already exists; action skipped', { scheduleId: state.scheduleId, workflowId });
    } else {
      deps.log.error('scheduled workflow failed to start', {
        scheduleId: state.scheduleId,
        workflowId,
        error: (err as Error).message,
      });
    }
  }
}

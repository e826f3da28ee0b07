// Activities: scheduling with normalised timeouts, dispatch to polling workers, heartbeats (which also carry
// cancellation back to the worker), retries with the retry policy's backoff, the four timeouts, and the final
// outcome. Attempts that will be retried write no history; the final attempt writes Started then its outcome.
import type { temporal } from '@temporalio/proto';
import type { P } from './model.js';
import { invalidArgument, notFound } from '../errors.js';
import type { Engine, Run } from './engine.js';
import { PREVIOUS_EVENT_ID } from './engine.js';
import { EventType, RetryState, TimeoutType } from './enums.js';
import type { ActivityState, Failure, Payloads } from './model.js';
import { TaskQueues, type QueueTask } from './task-queues.js';
import { decodeToken, encodeToken } from './tokens.js';
import { duration, durationMs, minTimeout, timestamp } from './values.js';

type ScheduleAttributes = P<temporal.api.command.v1.IScheduleActivityTaskCommandAttributes>;
type ActivityPoll = P<temporal.api.workflowservice.v1.IPollActivityTaskQueueRequest>;
type ActivityTask = P<temporal.api.workflowservice.v1.IPollActivityTaskQueueResponse>;

export function scheduleActivity(engine: Engine, run: Run, attrs: ScheduleAttributes, completedEventId: number): void {
  const state = run.state;
  const timeouts = normaliseTimeouts(attrs, state.runTimeoutMs);
  const policy = attrs.retryPolicy ?? {};
  const initialMs = durationMs(policy.initialInterval) || 1000;
  const retryPolicy = {
    initialMs,
    coefficient: policy.backoffCoefficient || 2,
    maximumMs: durationMs(policy.maximumInterval) || 100 * initialMs,
    maximumAttempts: policy.maximumAttempts ?? 0,
    nonRetryableErrorTypes: (policy.nonRetryableErrorTypes ?? []).filter((t): t is string => typeof t === 'string'),
  };
  const taskQueue = attrs.taskQueue?.name || state.taskQueue;
  const event = engine.append(run, {
    eventType: EventType.ACTIVITY_TASK_SCHEDULED,
    activityTaskScheduledEventAttributes: {
      activityId: attrs.activityId,
      activityType: attrs.activityType,
      taskQueue: { name: taskQueue, kind: 1 },
      header: attrs.header,
      input: attrs.input,
      scheduleToCloseTimeout: duration(timeouts.scheduleToCloseMs),
      scheduleToStartTimeout: duration(timeouts.scheduleToStartMs),
      startToCloseTimeout: duration(timeouts.startToCloseMs),
      heartbeatTimeout: duration(timeouts.heartbeatMs),
      workflowTaskCompletedEventId: completedEventId,
      retryPolicy: {
        initialInterval: duration(retryPolicy.initialMs),
        backoffCoefficient: retryPolicy.coefficient,
        maximumInterval: duration(retryPolicy.maximumMs),
        maximumAttempts: retryPolicy.maximumAttempts,
        nonRetryableErrorTypes: retryPolicy.nonRetryableErrorTypes,
      },
      priority: attrs.priority,
    },
  });
  const now = Date.now();
  const activity: ActivityState = {
    scheduledEventId: Number(event.eventId),
    activityId: attrs.activityId!,
    activityType: attrs.activityType!.name!,
    taskQueue,
    input: attrs.input,
    header: attrs.header,
    attempt: 1,
    started: false,
    scheduledAt: now,
    attemptScheduledAt: now,
    ...timeouts,
    retryPolicy,
    priority: mergedPriority(state.priority, attrs.priority),
  };
  state.activities[String(activity.scheduledEventId)] = activity;
  engine.later(() => {
    armScheduleToClose(engine, run, activity);
    armActivity(engine, run, activity);
  });
}

export function armScheduleToClose(engine: Engine, run: Run, activity: ActivityState): void {
  if (activity.scheduleToCloseMs <= 0) return;
  const { scheduledEventId } = activity;
  engine.deadlines.at(activity.scheduledAt + activity.scheduleToCloseMs, () => {
    const a = run.state.activities[String(scheduledEventId)];
    if (run.open && a)
      engine.transaction(() => finishWithTimeout(engine, run, a, TimeoutType.SCHEDULE_TO_CLOSE, RetryState.TIMEOUT));
  });
}

/** The real server's rules: schedule-to-close bounds everything, and everything is bounded by the run timeout. */
function normaliseTimeouts(attrs: ScheduleAttributes, runTimeoutMs: number) {
  let scheduleToCloseMs = durationMs(attrs.scheduleToCloseTimeout);
  let scheduleToStartMs = durationMs(attrs.scheduleToStartTimeout);
  let startToCloseMs = durationMs(attrs.startToCloseTimeout);
  if (scheduleToCloseMs > 0) {
    scheduleToStartMs = minTimeout(scheduleToStartMs, scheduleToCloseMs);
    startToCloseMs = minTimeout(startToCloseMs, scheduleToCloseMs);
  } else {
    scheduleToCloseMs = runTimeoutMs;
    if (scheduleToStartMs <= 0) scheduleToStartMs = runTimeoutMs;
  }
  if (runTimeoutMs > 0) {
    scheduleToCloseMs = minTimeout(scheduleToCloseMs, runTimeoutMs);
    scheduleToStartMs = minTimeout(scheduleToStartMs, runTimeoutMs);
    startToCloseMs = minTimeout(startToCloseMs, runTimeoutMs);
  }
  const heartbeatMs = minTimeout(durationMs(attrs.heartbeatTimeout), scheduleToCloseMs);
  return { scheduleToCloseMs, scheduleToStartMs, startToCloseMs, heartbeatMs };
}

/** Queues the current attempt (now or after its backoff) and arms its schedule-to-start and schedule-to-close timeouts. */
export function armActivity(engine: Engine, run: Run, activity: ActivityState): void {
  const { scheduledEventId, attempt } = activity;
  const current = () => {
    const a = run.state.activities[String(scheduledEventId)];
    return run.open && a && a.attempt === attempt ? a : undefined;
  };
  if (activity.started) {
    armStartedActivity(engine, run, activity);
    return;
  }
  const enqueue = () => {
    const a = current();
    if (!a || a.started) return;
    const task: QueueTask = { kind: 'activity', runKey: run.key, scheduledEventId, attempt };
    engine.queues.offer(TaskQueues.key(run.state.namespace, 'activity', a.taskQueue), task);
    if (a.scheduleToStartMs > 0) {
      engine.deadlines.at(Date.now() + a.scheduleToStartMs, () => {
        const stillWaiting = current();
        if (stillWaiting && !stillWaiting.started) {
          engine.transaction(() =>
            finishWithTimeout(engine, run, stillWaiting, TimeoutType.SCHEDULE_TO_START, RetryState.TIMEOUT),
          );
        }
      });
    }
  };
  if (activity.attemptScheduledAt > Date.now()) engine.deadlines.at(activity.attemptScheduledAt, enqueue);
  else enqueue();
}

function armStartedActivity(engine: Engine, run: Run, activity: ActivityState): void {
  const { scheduledEventId, attempt } = activity;
  const current = () => {
    const a = run.state.activities[String(scheduledEventId)];
    return run.open && a && a.attempt === attempt && a.started ? a : undefined;
  };
  if (activity.startToCloseMs > 0) {
    engine.deadlines.at(activity.startedAt! + activity.startToCloseMs, () => {
      const a = current();
      if (a) engine.transaction(() => timeOutAttempt(engine, run, a, TimeoutType.START_TO_CLOSE));
    });
  }
  if (activity.heartbeatMs > 0) armHeartbeat(engine, run, activity);
}

function armHeartbeat(engine: Engine, run: Run, activity: ActivityState): void {
  const { scheduledEventId, attempt } = activity;
  const due = (activity.lastHeartbeatAt ?? activity.startedAt!) + activity.heartbeatMs;
  engine.deadlines.at(due, () => {
    const a = run.state.activities[String(scheduledEventId)];
    if (!run.open || !a || a.attempt !== attempt || !a.started) return;
    if ((a.lastHeartbeatAt ?? a.startedAt!) + a.heartbeatMs > Date.now()) return; // a later heartbeat re-armed it
    engine.transaction(() => timeOutAttempt(engine, run, a, TimeoutType.HEARTBEAT));
  });
}

export function dispatchActivityTask(engine: Engine, task: QueueTask, poll: ActivityPoll): ActivityTask | undefined {
  if (task.kind !== 'activity') return undefined;
  const run = engine.runs.get(task.runKey);
  const activity = run?.state.activities[String(task.scheduledEventId)];
  if (!run || !run.open || !activity || activity.started || activity.attempt !== task.attempt) return undefined;
  return startAttempt(engine, run, activity, poll.identity ?? '');
}

/**
 * Eager dispatch: the worker that completed the workflow task asked to run these activities itself (it reserved
 * slots), so they are handed back in the completion's response instead of going through a poll.
 */
export function dispatchEagerActivities(
  engine: Engine,
  run: Run,
  scheduledEventIds: number[],
  identity: string,
): ActivityTask[] {
  const tasks: ActivityTask[] = [];
  for (const id of scheduledEventIds.slice(0, MAX_EAGER_ACTIVITIES_PER_TASK)) {
    const activity = run.state.activities[String(id)];
    if (run.open && activity && !activity.started) tasks.push(startAttempt(engine, run, activity, identity));
  }
  return tasks;
}

const MAX_EAGER_ACTIVITIES_PER_TASK = 3;

function startAttempt(engine: Engine, run: Run, activity: ActivityState, identity: string): ActivityTask {
  const state = run.state;
  const now = Date.now();
  activity.started = true;
  activity.startedAt = now;
  activity.startedIdentity = identity;
  activity.lastHeartbeatAt = undefined;
  engine.touch(run);
  engine.later(() => armStartedActivity(engine, run, activity));
  return {
    taskToken: encodeToken({
      kind: 'activity',
      namespace: state.namespace,
      runId: state.runId,
      scheduledEventId: activity.scheduledEventId,
      attempt: activity.attempt,
    }),
    workflowNamespace: state.namespace,
    workflowType: { name: state.workflowType },
    workflowExecution: { workflowId: state.workflowId, runId: state.runId },
    activityType: { name: activity.activityType },
    activityId: activity.activityId,
    header: activity.header,
    input: activity.input,
    heartbeatDetails: activity.heartbeatDetails,
    scheduledTime: timestamp(activity.scheduledAt),
    currentAttemptScheduledTime: timestamp(activity.attemptScheduledAt),
    startedTime: timestamp(now),
    ...(activity.priority ? { priority: activity.priority as P<temporal.api.common.v1.IPriority> } : {}),
    attempt: activity.attempt,
    scheduleToCloseTimeout: duration(activity.scheduleToCloseMs),
    startToCloseTimeout: duration(activity.startToCloseMs),
    heartbeatTimeout: duration(activity.heartbeatMs),
    retryPolicy: {
      initialInterval: duration(activity.retryPolicy.initialMs),
      backoffCoefficient: activity.retryPolicy.coefficient,
      maximumInterval: duration(activity.retryPolicy.maximumMs),
      maximumAttempts: activity.retryPolicy.maximumAttempts,
      nonRetryableErrorTypes: activity.retryPolicy.nonRetryableErrorTypes,
    },
  };
}

// ---- outcomes reported by workers ---------------------------------------------------------------------------------

export interface ActivityRef {
  namespace: string;
  token?: Uint8Array | null;
  workflowId?: string | null;
  runId?: string | null;
  activityId?: string | null;
}

/** The started attempt a token (or workflow id + activity id) refers to; NOT_FOUND when it is no longer current. */
export function startedActivity(engine: Engine, ref: ActivityRef): { run: Run; activity: ActivityState } {
  let run: Run | undefined;
  let activity: ActivityState | undefined;
  // The token RPCs always name `token` (maybe empty, which decodeToken refuses); the ById ones never do.
  if ('token' in ref) {
    const token = decodeToken(ref.token, 'activity');
    if (token.kind !== 'activity') throw invalidArgument('not an activity task token');
    run = engine.runs.get(`${token.namespace}/${token.runId}`);
    activity = run?.state.activities[String(token.scheduledEventId)];
    if (activity && activity.attempt !== token.attempt) activity = undefined;
  } else {
    if (!ref.workflowId || !ref.activityId) throw invalidArgument('workflow_id and activity_id are required');
    run = engine.findRun(ref.namespace, ref.workflowId, ref.runId);
    activity = run && Object.values(run.state.activities).find((a) => a.activityId === ref.activityId);
  }
  if (!run || !run.open || !activity || !activity.started) throw notFound('Activity task not found.');
  return { run, activity };
}

export function completeActivity(
  engine: Engine,
  ref: ActivityRef,
  result: Payloads | null | undefined,
  identity: string,
): void {
  engine.transaction(() => {
    const { run, activity } = startedActivity(engine, ref);
    writeStarted(engine, run, activity);
    engine.appendOrBuffer(run, {
      eventType: EventType.ACTIVITY_TASK_COMPLETED,
      activityTaskCompletedEventAttributes: {
        result,
        scheduledEventId: activity.scheduledEventId,
        startedEventId: PREVIOUS_EVENT_ID,
        identity,
      },
    });
    resolved(engine, run, activity);
  });
}

export function failActivity(
  engine: Engine,
  ref: ActivityRef,
  failure: Failure | null | undefined,
  lastHeartbeatDetails: Payloads | null | undefined,
  identity: string,
): void {
  engine.transaction(() => {
    const { run, activity } = startedActivity(engine, ref);
    if (lastHeartbeatDetails) activity.heartbeatDetails = lastHeartbeatDetails;
    const failureValue = failure ?? { message: 'activity failed' };
    const verdict = retryVerdict(activity, failureValue);
    if (verdict.retryState === RetryState.IN_PROGRESS)
      return retry(engine, run, activity, failureValue, verdict.delayMs);
    writeStarted(engine, run, activity);
    engine.appendOrBuffer(run, {
      eventType: EventType.ACTIVITY_TASK_FAILED,
      activityTaskFailedEventAttributes: {
        failure: failureValue,
        scheduledEventId: activity.scheduledEventId,
        startedEventId: PREVIOUS_EVENT_ID,
        identity,
        retryState: verdict.retryState,
      },
    });
    resolved(engine, run, activity);
  });
}

export function cancelActivity(
  engine: Engine,
  ref: ActivityRef,
  details: Payloads | null | undefined,
  identity: string,
): void {
  engine.transaction(() => {
    const { run, activity } = startedActivity(engine, ref);
    writeStarted(engine, run, activity);
    engine.appendOrBuffer(run, {
      eventType: EventType.ACTIVITY_TASK_CANCELED,
      activityTaskCanceledEventAttributes: {
        details,
        latestCancelRequestedEventId: activity.cancelRequestedEventId ?? 0,
        scheduledEventId: activity.scheduledEventId,
        startedEventId: PREVIOUS_EVENT_ID,
        identity,
      },
    });
    resolved(engine, run, activity);
  });
}

export function heartbeat(
  engine: Engine,
  ref: ActivityRef,
  details: Payloads | null | undefined,
): { cancelRequested: boolean } {
  return engine.transaction(() => {
    const { run, activity } = startedActivity(engine, ref);
    if (details) activity.heartbeatDetails = details;
    activity.lastHeartbeatAt = Date.now();
    engine.touch(run);
    if (activity.heartbeatMs > 0) engine.later(() => armHeartbeat(engine, run, activity));
    return { cancelRequested: activity.cancelRequestedEventId !== undefined };
  });
}

// ---- cancellation requested by the workflow -----------------------------------------------------------------------

export function requestActivityCancel(
  engine: Engine,
  run: Run,
  scheduledEventId: number,
  completedEventId: number,
): (() => void) | void {
  const requested = engine.append(run, {
    eventType: EventType.ACTIVITY_TASK_CANCEL_REQUESTED,
    activityTaskCancelRequestedEventAttributes: { scheduledEventId, workflowTaskCompletedEventId: completedEventId },
  });
  const activity = run.state.activities[String(scheduledEventId)];
  if (!activity) return;
  if (activity.started) {
    activity.cancelRequestedEventId = Number(requested.eventId);
    return;
  }
  // Not running anywhere (queued, or waiting for a retry): cancelled at once.
  return () => {
    engine.append(run, {
      eventType: EventType.ACTIVITY_TASK_CANCELED,
      activityTaskCanceledEventAttributes: {
        latestCancelRequestedEventId: Number(requested.eventId),
        scheduledEventId,
        startedEventId: 0,
      },
    });
    delete run.state.activities[String(scheduledEventId)];
    engine.touch(run);
  };
}

// ---- retries and timeouts -----------------------------------------------------------------------------------------

function retryVerdict(activity: ActivityState, failure: Failure): { retryState: number; delayMs: number } {
  const info = failure.applicationFailureInfo;
  if (failure.canceledFailureInfo) return { retryState: RetryState.NON_RETRYABLE_FAILURE, delayMs: 0 };
  if (info?.nonRetryable) return { retryState: RetryState.NON_RETRYABLE_FAILURE, delayMs: 0 };
  if (info?.type && activity.retryPolicy.nonRetryableErrorTypes.includes(info.type))
    return { retryState: RetryState.NON_RETRYABLE_FAILURE, delayMs: 0 };
  const { maximumAttempts, initialMs, coefficient, maximumMs } = activity.retryPolicy;
  if (maximumAttempts > 0 && activity.attempt >= maximumAttempts)
    return { retryState: RetryState.MAXIMUM_ATTEMPTS_REACHED, delayMs: 0 };
  const explicit = durationMs(info?.nextRetryDelay);
  const delayMs = explicit > 0 ? explicit : Math.min(initialMs * coefficient ** (activity.attempt - 1), maximumMs);
  if (activity.scheduleToCloseMs > 0 && Date.now() + delayMs >= activity.scheduledAt + activity.scheduleToCloseMs) {
    return { retryState: RetryState.TIMEOUT, delayMs: 0 };
  }
  return { retryState: RetryState.IN_PROGRESS, delayMs };
}

function retry(engine: Engine, run: Run, activity: ActivityState, failure: Failure, delayMs: number): void {
  activity.attempt += 1;
  activity.started = false;
  activity.startedAt = undefined;
  activity.lastHeartbeatAt = undefined;
  activity.lastFailure = failure;
  activity.attemptScheduledAt = Date.now() + delayMs;
  engine.touch(run);
  engine.later(() => armActivity(engine, run, activity));
}

function timeoutFailure(activity: ActivityState, timeoutType: number): Failure {
  const name = Object.entries(TimeoutType).find(([, v]) => v === timeoutType)?.[0] ?? 'UNKNOWN';
  return {
    message: `activity ${name} timeout`,
    source: 'LazarusDevserver',
    timeoutFailureInfo: { timeoutType, lastHeartbeatDetails: activity.heartbeatDetails },
    cause: activity.lastFailure ?? undefined,
  };
}

/** A start-to-close or heartbeat timeout: retried like a failure while the policy allows. */
function timeOutAttempt(engine: Engine, run: Run, activity: ActivityState, timeoutType: number): void {
  const failure = timeoutFailure(activity, timeoutType);
  const verdict = retryVerdict(activity, failure);
  if (verdict.retryState === RetryState.IN_PROGRESS) return retry(engine, run, activity, failure, verdict.delayMs);
  finishWithTimeout(engine, run, activity, timeoutType, verdict.retryState);
}

function finishWithTimeout(
  engine: Engine,
  run: Run,
  activity: ActivityState,
  timeoutType: number,
  retryState: number,
): void {
  const failure = timeoutFailure(activity, timeoutType);
  if (activity.started) writeStarted(engine, run, activity);
  engine.appendOrBuffer(run, {
    eventType: EventType.ACTIVITY_TASK_TIMED_OUT,
    activityTaskTimedOutEventAttributes: {
      failure,
      scheduledEventId: activity.scheduledEventId,
      startedEventId: activity.started ? PREVIOUS_EVENT_ID : 0,
      retryState,
    },
  });
  resolved(engine, run, activity);
}

function writeStarted(engine: Engine, run: Run, activity: ActivityState): void {
  engine.appendOrBuffer(run, {
    eventType: EventType.ACTIVITY_TASK_STARTED,
    activityTaskStartedEventAttributes: {
      scheduledEventId: activity.scheduledEventId,
      identity: activity.startedIdentity,
      attempt: activity.attempt,
      lastFailure: activity.lastFailure ?? undefined,
    },
  });
}

function resolved(engine: Engine, run: Run, activity: ActivityState): void {
  delete run.state.activities[String(activity.scheduledEventId)];
  engine.touch(run);
  engine.scheduleWorkflowTask(run);
}

export function pendingActivityInfo(activity: ActivityState): P<temporal.api.workflow.v1.IPendingActivityInfo> {
  return {
    activityId: activity.activityId,
    activityType: { name: activity.activityType },
    state: activity.cancelRequestedEventId !== undefined ? 3 : activity.started ? 2 : 1,
    heartbeatDetails: activity.heartbeatDetails,
    lastHeartbeatTime: activity.lastHeartbeatAt ? timestamp(activity.lastHeartbeatAt) : undefined,
    lastStartedTime: activity.startedAt ? timestamp(activity.startedAt) : undefined,
    attempt: activity.attempt,
    maximumAttempts: activity.retryPolicy.maximumAttempts,
    scheduledTime: timestamp(activity.attemptScheduledAt),
    expirationTime:
      activity.scheduleToCloseMs > 0 ? timestamp(activity.scheduledAt + activity.scheduleToCloseMs) : undefined,
    lastFailure: activity.lastFailure ?? undefined,
    lastWorkerIdentity: activity.startedIdentity,
  };
}

type Priority = { priorityKey?: number | null; fairnessKey?: string | null; fairnessWeight?: number | null };

/**
 * An activity's priority as the real server's matching uses it (common/priorities Merge): each field the command
 * sets, else the workflow's. Undefined when neither sets any.
 */
function mergedPriority(workflow: unknown, command: unknown): Priority | undefined {
  const base = (workflow ?? {}) as Priority;
  const own = (command ?? {}) as Priority;
  const merged: Priority = {
    ...(own.priorityKey || base.priorityKey ? { priorityKey: own.priorityKey || base.priorityKey } : {}),
    ...(own.fairnessKey || base.fairnessKey ? { fairnessKey: own.fairnessKey || base.fairnessKey } : {}),
    ...(own.fairnessWeight || base.fairnessWeight ? { fairnessWeight: own.fairnessWeight || base.fairnessWeight } : {}),
  };
  return Object.keys(merged).length > 0 ? merged : undefined;
}

// Workflow tasks: handing them to polling workers (with the whole history, or only the new events for a worker that
// has the run cached on its sticky queue), and accepting their completion, failure or timeout.
import type { temporal } from '@temporalio/proto';
import type { P } from './model.js';
import { invalidArgument, notFound, RpcError } from '../errors.js';
import { applyCommands, validateCommands, type CommandProblem } from './commands.js';
import { messagesProblem } from './updates.js';
import type { Engine, Run } from './engine.js';
import { EventType, TaskQueueKind, TimeoutType, WorkflowTaskFailedCause } from './enums.js';
import { dispatchEagerActivities } from './activities.js';
import { dispatchQuery, releaseDeferredQueries } from './queries.js';
import type { QueueTask } from './task-queues.js';
import { decodeToken, encodeToken } from './tokens.js';
import { durationMs, jsonPayload, payloadValue, timestamp } from './values.js';
import { status } from '@grpc/grpc-js';

type PollRequest = P<temporal.api.workflowservice.v1.IPollWorkflowTaskQueueRequest>;
type PollResponse = P<temporal.api.workflowservice.v1.IPollWorkflowTaskQueueResponse>;
type CompletedRequest = P<temporal.api.workflowservice.v1.IRespondWorkflowTaskCompletedRequest>;
type FailedRequest = P<temporal.api.workflowservice.v1.IRespondWorkflowTaskFailedRequest>;

/** Turns a task taken from a queue into a poll response, or undefined when the task went stale meanwhile. */
export function dispatchWorkflowQueueTask(
  engine: Engine,
  task: QueueTask,
  poll: PollRequest,
): PollResponse | undefined {
  if (task.kind === 'query') return dispatchQuery(engine, task.queryId);
  if (task.kind !== 'workflow') return undefined;
  const run = engine.runs.get(task.runKey);
  const wt = run?.state.workflowTask;
  if (!run || !run.open || !wt || wt.startedEventId !== undefined) return undefined;
  if (wt.scheduledEventId !== task.scheduledEventId || wt.attempt !== task.attempt) return undefined;
  const polledSticky = poll.taskQueue?.kind === TaskQueueKind.STICKY;
  if (polledSticky ? wt.stickyQueue !== poll.taskQueue?.name : wt.stickyQueue !== undefined) return undefined;
  return startWorkflowTask(engine, run, poll.identity ?? '');
}

function startWorkflowTask(engine: Engine, run: Run, identity: string): PollResponse {
  const state = run.state;
  const wt = state.workflowTask!;
  const now = Date.now();
  // As the real server: the history's size and length so far, and a suggestion to continue as new once either
  // reaches its limit (limit.historySize/historyCount.suggestContinueAsNew).
  const historySizeBytes = state.historySizeBytes ?? 0;
  const limits = engine.dynamicConfig;
  const suggestContinueAsNew =
    run.events.length >= limits.historyCountSuggestContinueAsNew ||
    historySizeBytes >= limits.historySizeSuggestContinueAsNew;
  const started = engine.append(run, {
    eventType: EventType.WORKFLOW_TASK_STARTED,
    workflowTaskStartedEventAttributes: {
      scheduledEventId: wt.scheduledEventId,
      identity,
      historySizeBytes,
      suggestContinueAsNew,
    },
  });
  wt.startedEventId = Number(started.eventId);
  wt.startedAt = now;
  wt.deadline = now + state.workflowTaskTimeoutMs;
  const { scheduledEventId, attempt, startedEventId } = wt;
  engine.deadlines.at(wt.deadline, () => timeOutWorkflowTask(engine, run, scheduledEventId, attempt, startedEventId));
  engine.touch(run);
  // A worker polling its sticky queue has the run cached: it only needs what happened since its last task.
  const from = wt.stickyQueue ? state.lastCompletedStartedEventId : 0;
  return {
    taskToken: encodeToken({
      kind: 'workflow',
      namespace: state.namespace,
      runId: state.runId,
      scheduledEventId,
      attempt,
    }),
    workflowExecution: { workflowId: state.workflowId, runId: state.runId },
    workflowType: { name: state.workflowType },
    previousStartedEventId: state.lastCompletedStartedEventId,
    startedEventId,
    attempt,
    history: { events: run.events.slice(from) },
    workflowExecutionTaskQueue: { name: state.taskQueue, kind: TaskQueueKind.NORMAL },
    scheduledTime: timestamp(wt.scheduledAt),
    startedTime: timestamp(now),
  };
}

/** The run and in-flight task a workflow task token refers to; NOT_FOUND when the task is no longer current. */
function taskOf(engine: Engine, tokenBytes: Uint8Array | null | undefined, namespace: string): Run {
  const token = decodeToken(tokenBytes, 'workflow');
  if (token.kind !== 'workflow' || token.namespace !== namespace)
    throw invalidArgument('task token belongs to another namespace');
  const run = engine.runs.get(`${token.namespace}/${token.runId}`);
  const wt = run?.state.workflowTask;
  if (
    !run ||
    !run.open ||
    !wt ||
    wt.startedEventId === undefined ||
    wt.scheduledEventId !== token.scheduledEventId ||
    wt.attempt !== token.attempt
  ) {
    throw notFound('Workflow task not found.');
  }
  return run;
}

export function completeWorkflowTask(
  engine: Engine,
  request: CompletedRequest,
): P<temporal.api.workflowservice.v1.IRespondWorkflowTaskCompletedResponse> {
  return engine.transaction(() => {
    const run = taskOf(engine, request.taskToken, request.namespace ?? '');
    const commands = request.commands ?? [];
    const messageProblem = messagesProblem(run, request.messages ?? []);
    const problem: CommandProblem | undefined = messageProblem
      ? { cause: WorkflowTaskFailedCause.BAD_UPDATE_WORKFLOW_EXECUTION_MESSAGE, message: messageProblem }
      : validateCommands(engine, run, commands);
    if (problem) {
      failAndReschedule(engine, run, {
        cause: problem.cause,
        message: problem.message,
        identity: request.identity ?? '',
      });
      throw invalidArgument(problem.message);
    }
    if (run.state.buffered.length > 0 && commandsConflictWithNewEvents(run, commands)) {
      // New events arrived while the worker decided to close the run (or to cancel something that already
      // resolved): reject the decision so the worker sees the events first, as the real server does.
      failAndReschedule(engine, run, {
        cause: WorkflowTaskFailedCause.UNHANDLED_COMMAND,
        message: 'UnhandledCommand',
        identity: request.identity ?? '',
      });
      throw new RpcError(status.INVALID_ARGUMENT, 'UnhandledCommand');
    }
    const wt = run.state.workflowTask!;
    const completed = engine.append(run, {
      eventType: EventType.WORKFLOW_TASK_COMPLETED,
      workflowTaskCompletedEventAttributes: {
        scheduledEventId: wt.scheduledEventId,
        startedEventId: wt.startedEventId,
        identity: request.identity,
        binaryChecksum: request.binaryChecksum,
        sdkMetadata: request.sdkMetadata,
        meteringMetadata: request.meteringMetadata,
        workerVersion: request.workerVersionStamp,
      },
    });
    run.state.lastCompletedStartedEventId = wt.startedEventId!;
    run.state.workflowTask = undefined;
    // The build id: from the version stamp a worker sends to a server with build-id versioning, else from its
    // deployment options, else the binary checksum, which SDK core fills with the same build id.
    recordBuildId(
      run,
      request.workerVersionStamp?.buildId || request.deploymentOptions?.buildId || request.binaryChecksum,
    );
    const sticky = request.stickyAttributes?.workerTaskQueue?.name;
    if (sticky) {
      run.state.stickyQueue = sticky;
      run.state.stickyScheduleToStartMs = durationMs(request.stickyAttributes?.scheduleToStartTimeout) || 5_000;
    } else {
      run.state.stickyQueue = undefined;
    }
    engine.touch(run);
    const eventsBefore = run.lastEventId;
    const followUps = applyCommands(engine, run, commands, Number(completed.eventId), request.messages ?? []);
    const eager = eagerActivityRequests(run, commands, eventsBefore);
    const commandEvents = run.lastEventId - eventsBefore;
    engine.flushBuffered(run);
    for (const followUp of followUps) followUp();
    const newEvents = run.lastEventId - eventsBefore - commandEvents;
    if (run.open && (newEvents > 0 || request.forceCreateNewWorkflowTask)) engine.scheduleWorkflowTask(run);
    const workflowTask = request.returnNewWorkflowTask ? returnNewWorkflowTask(engine, run, request) : undefined;
    engine.later(() => releaseDeferredQueries(engine, run));
    const activityTasks = dispatchEagerActivities(engine, run, eager, request.identity ?? '');
    return workflowTask ? { activityTasks, workflowTask } : { activityTasks };
  });
}

/**
 * `return_new_workflow_task`, as the real server does it (history service, workflow task completed handler): the
 * workflow task this completion created (new events arrived meanwhile, or `force_create_new_workflow_task`) is
 * started at once and returned in the response instead of going through the queue, saving the worker a poll. Only
 * to a worker that named a sticky queue (it has the run cached: the task carries only the new events, as SDK core
 * expects of a returned task); a task that must wait (a start delay) goes through the queue.
 */
function returnNewWorkflowTask(engine: Engine, run: Run, request: CompletedRequest): PollResponse | undefined {
  const wt = run.state.workflowTask;
  if (!run.open || !wt || wt.startedEventId !== undefined || wt.notBefore !== undefined) return undefined;
  if (!request.stickyAttributes?.workerTaskQueue?.name || wt.stickyQueue === undefined) return undefined;
  return startWorkflowTask(engine, run, request.identity ?? '');
}

/**
 * The BuildIds search attribute the real server keeps for an unversioned workflow: "unversioned" and
 * "unversioned:<build id>" for each build id that completed one of its workflow tasks (worker_versioning package).
 */
function recordBuildId(run: Run, buildId: string | null | undefined): void {
  if (!buildId) return;
  const current = payloadValue(run.state.searchAttributes.BuildIds);
  const ids = Array.isArray(current) ? (current as string[]) : [];
  const wanted = ['unversioned', `unversioned:${buildId}`];
  if (wanted.every((id) => ids.includes(id))) return;
  run.state.searchAttributes.BuildIds = jsonPayload([...new Set([...ids, ...wanted])], 'KeywordList');
}

/** Scheduled event ids of the activities this completion asked to run eagerly on its own task queue. */
function eagerActivityRequests(
  run: Run,
  commands: P<temporal.api.command.v1.ICommand>[],
  firstEventId: number,
): number[] {
  const ids: number[] = [];
  for (let eventId = firstEventId + 1; eventId <= run.lastEventId; eventId++) {
    const scheduled = run.events[eventId - 1]?.activityTaskScheduledEventAttributes;
    if (!scheduled) continue;
    const command = commands.find((c) => c.scheduleActivityTaskCommandAttributes?.activityId === scheduled.activityId);
    const attrs = command?.scheduleActivityTaskCommandAttributes;
    if (attrs?.requestEagerExecution && scheduled.taskQueue?.name === run.state.taskQueue) ids.push(eventId);
  }
  return ids;
}

function commandsConflictWithNewEvents(run: Run, commands: P<temporal.api.command.v1.ICommand>[]): boolean {
  return commands.some((command) => {
    if (command.completeWorkflowExecutionCommandAttributes || command.failWorkflowExecutionCommandAttributes)
      return true;
    if (command.cancelWorkflowExecutionCommandAttributes || command.continueAsNewWorkflowExecutionCommandAttributes)
      return true;
    const timer = command.cancelTimerCommandAttributes;
    if (timer && !run.state.timers[timer.timerId ?? '']) return true;
    const activity = command.requestCancelActivityTaskCommandAttributes;
    if (activity && !run.state.activities[String(activity.scheduledEventId)]) return true;
    return false;
  });
}

export function failWorkflowTask(
  engine: Engine,
  request: FailedRequest,
): P<temporal.api.workflowservice.v1.IRespondWorkflowTaskFailedResponse> {
  return engine.transaction(() => {
    const run = taskOf(engine, request.taskToken, request.namespace ?? '');
    failAndReschedule(engine, run, {
      cause: request.cause ?? WorkflowTaskFailedCause.UNSPECIFIED,
      failure: request.failure,
      message: request.failure?.message ?? '',
      identity: request.identity ?? '',
      binaryChecksum: request.binaryChecksum ?? undefined,
    });
    return {};
  });
}

interface TaskFailure {
  cause: number;
  message: string;
  identity: string;
  failure?: P<temporal.api.failure.v1.IFailure> | null;
  binaryChecksum?: string;
}

/** Records a failed workflow task and schedules its next attempt on the normal queue (with the full history). */
function failAndReschedule(engine: Engine, run: Run, failure: TaskFailure): void {
  const wt = run.state.workflowTask!;
  engine.append(run, {
    eventType: EventType.WORKFLOW_TASK_FAILED,
    workflowTaskFailedEventAttributes: {
      scheduledEventId: wt.scheduledEventId,
      startedEventId: wt.startedEventId,
      cause: failure.cause,
      failure: failure.failure ?? { message: failure.message, source: 'LazarusDevserver', serverFailureInfo: {} },
      identity: failure.identity,
      binaryChecksum: failure.binaryChecksum,
    },
  });
  endTaskAndRetry(engine, run, wt.attempt + 1);
}

export function timeOutWorkflowTask(
  engine: Engine,
  run: Run,
  scheduledEventId: number,
  attempt: number,
  startedEventId: number | undefined,
): void {
  const wt = run.state.workflowTask;
  if (
    !run.open ||
    !wt ||
    wt.scheduledEventId !== scheduledEventId ||
    wt.attempt !== attempt ||
    wt.startedEventId !== startedEventId
  )
    return;
  engine.transaction(() => {
    engine.append(run, {
      eventType: EventType.WORKFLOW_TASK_TIMED_OUT,
      workflowTaskTimedOutEventAttributes: {
        scheduledEventId,
        startedEventId,
        timeoutType: TimeoutType.START_TO_CLOSE,
      },
    });
    endTaskAndRetry(engine, run, attempt + 1);
  });
}

function endTaskAndRetry(engine: Engine, run: Run, nextAttempt: number): void {
  run.state.workflowTask = undefined;
  engine.clearSticky(run);
  engine.flushBuffered(run);
  engine.scheduleWorkflowTask(run, nextAttempt);
  engine.later(() => releaseDeferredQueries(engine, run));
}

/** A worker is going away: tasks waiting on its sticky queue go to the normal queue now rather than after a timeout. */
export function shutdownWorker(engine: Engine, namespace: string, stickyQueue: string): void {
  if (!stickyQueue) return;
  engine.transaction(() => {
    for (const run of engine.runs.values()) {
      if (!run.open || run.state.namespace !== namespace || run.state.stickyQueue !== stickyQueue) continue;
      const wt = run.state.workflowTask;
      const waiting = wt && wt.startedEventId === undefined && wt.stickyQueue === stickyQueue;
      engine.clearSticky(run);
      if (waiting) engine.later(() => engine.enqueueWorkflowTask(run));
    }
  });
}

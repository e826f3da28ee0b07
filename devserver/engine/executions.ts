// Workflow executions from the client's side: start (with id reuse and conflict policies and request-id dedupe),
// signal, signal-with-start, cancel, terminate, and how a run closes (its parent told, its children handled by their
// parent close policy, its continuation started).
import type { temporal } from '@temporalio/proto';
import type { P } from './model.js';
import { alreadyExists, invalidArgument, namespaceNotFound, notFound } from '../errors.js';
import { applyParentClosePolicies, notifyParentOfClose } from './children.js';
import type { Engine } from './engine.js';
import { Run } from './engine.js';
import {
  ContinueAsNewInitiator,
  EventType,
  RetryState,
  WorkflowExecutionStatus,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
} from './enums.js';
import type { Header, Memo, ParentRef, Payloads, RunState, SearchAttributes } from './model.js';
import { duration, durationMs } from './values.js';
import { releaseDeferredQueries } from './queries.js';
import { checkSearchAttributes, tagSearchAttributes, userSearchAttributes } from './search-attributes.js';
import { refuseUnsupportedStartFields } from './unsupported.js';
import { failAcceptedUpdates } from './updates.js';
import { cronDelayMs, normaliseWorkflowRetryPolicy, planNextRun, type NextRunPlan } from './workflow-retry.js';

type StartRequest = P<temporal.api.workflowservice.v1.IStartWorkflowExecutionRequest>;

const DEFAULT_WORKFLOW_TASK_TIMEOUT_MS = 10_000;
const MAX_WORKFLOW_TASK_TIMEOUT_MS = 120_000;

export interface NewRun {
  /** Chosen by the caller when it must be known before the run exists (continue-as-new). */
  runId?: string;
  namespace: string;
  workflowId: string;
  workflowType: string;
  taskQueue: string;
  input?: Payloads | null;
  header?: Header | null;
  memo?: Memo | null;
  searchAttributes?: SearchAttributes | null;
  identity?: string | null;
  requestId?: string | null;
  executionTimeoutMs: number;
  runTimeoutMs: number;
  workflowTaskTimeoutMs: number;
  startDelayMs?: number;
  parent?: ParentRef;
  root?: { workflowId: string; runId: string };
  /** Continue-as-new: the chain this run belongs to. */
  continuedFrom?: {
    runId: string;
    firstExecutionRunId: string;
    executionDeadline: number;
    initiator: number;
    lastCompletionResult?: Payloads | null;
    failure?: unknown;
  };
  retryPolicy?: P<temporal.api.common.v1.IRetryPolicy> | null;
  cronSchedule?: string | null;
  /** Attempt under the workflow retry policy; 1 when absent. */
  attempt?: number;
  /** Given by a start request (as the real scheduler does): the previous result / failure the workflow sees. */
  lastCompletionResult?: Payloads | null;
  continuedFailure?: unknown;
  userMetadata?: unknown;
  priority?: unknown;
  /** Links (Nexus: the operation that started the run) kept on the WorkflowExecutionStarted event. */
  links?: Link[];
  /** Events to write after WorkflowExecutionStarted and before the first workflow task (signal-with-start). */
  initialEvents?: Array<Omit<P<temporal.api.history.v1.IHistoryEvent>, 'eventId' | 'eventTime'>>;
}

export function ensureNamespace(engine: Engine, namespace: string | null | undefined): string {
  const name = namespace || 'default';
  if (!engine.namespaces.has(name)) throw namespaceNotFound(name);
  return name;
}

export function createRun(engine: Engine, spec: NewRun): Run {
  const now = Date.now();
  const runId = spec.runId ?? engine.newRunId();
  let runTimeoutMs = spec.runTimeoutMs;
  const executionTimeoutMs = spec.executionTimeoutMs;
  if (executionTimeoutMs > 0 && (runTimeoutMs <= 0 || runTimeoutMs > executionTimeoutMs))
    runTimeoutMs = executionTimeoutMs;
  const workflowTaskTimeoutMs = Math.min(
    spec.workflowTaskTimeoutMs || DEFAULT_WORKFLOW_TASK_TIMEOUT_MS,
    MAX_WORKFLOW_TASK_TIMEOUT_MS,
  );
  // A cron workflow's first run waits for the first cron time (later runs get their delay from the plan).
  const delayMs =
    spec.cronSchedule && !spec.continuedFrom ? cronDelayMs(spec.cronSchedule, now) : (spec.startDelayMs ?? 0);
  const retryPolicy = normaliseWorkflowRetryPolicy(spec.retryPolicy);
  const attempt = spec.attempt ?? 1;
  const executionDeadline =
    spec.continuedFrom?.executionDeadline ?? (executionTimeoutMs > 0 ? now + executionTimeoutMs : 0);
  const state: RunState = {
    namespace: spec.namespace,
    workflowId: spec.workflowId,
    runId,
    firstExecutionRunId: spec.continuedFrom?.firstExecutionRunId ?? runId,
    workflowType: spec.workflowType,
    taskQueue: spec.taskQueue,
    status: WorkflowExecutionStatus.RUNNING,
    startedAt: now,
    executionAt: now + delayMs,
    startRequestId: spec.requestId || undefined,
    memo: { ...(spec.memo?.fields ?? {}) },
    searchAttributes: tagSearchAttributes(engine, spec.searchAttributes?.indexedFields),
    parent: spec.parent,
    root: spec.root ?? { workflowId: spec.workflowId, runId },
    runTimeoutMs,
    executionTimeoutMs,
    workflowTaskTimeoutMs,
    runDeadline: runTimeoutMs > 0 ? now + delayMs + runTimeoutMs : 0,
    executionDeadline,
    lastCompletedStartedEventId: 0,
    buffered: [],
    activities: {},
    timers: {},
    children: {},
    cancelRequested: false,
    historySizeBytes: 0,
    attempt,
    retryPolicy,
    cronSchedule: spec.cronSchedule || undefined,
    lastCompletionResult: spec.continuedFrom?.lastCompletionResult ?? spec.lastCompletionResult,
    userMetadata: spec.userMetadata ?? undefined,
    priority: spec.priority ?? undefined,
  };
  const run = new Run(state, []);
  engine.addRun(run);
  engine.append(run, {
    eventType: EventType.WORKFLOW_EXECUTION_STARTED,
    userMetadata: spec.userMetadata as P<temporal.api.sdk.v1.IUserMetadata> | undefined,
    ...withLinks(spec.links),
    workflowExecutionStartedEventAttributes: {
      workflowType: { name: spec.workflowType },
      taskQueue: { name: spec.taskQueue, kind: 1 },
      input: spec.input,
      header: spec.header,
      memo: spec.memo,
      searchAttributes: spec.searchAttributes ? { indexedFields: { ...state.searchAttributes } } : undefined,
      identity: spec.identity,
      workflowExecutionTimeout: duration(executionTimeoutMs),
      workflowRunTimeout: duration(runTimeoutMs),
      workflowTaskTimeout: duration(workflowTaskTimeoutMs),
      originalExecutionRunId: runId,
      firstExecutionRunId: state.firstExecutionRunId,
      continuedExecutionRunId: spec.continuedFrom?.runId,
      initiator: spec.continuedFrom?.initiator,
      lastCompletionResult: spec.continuedFrom?.lastCompletionResult ?? spec.lastCompletionResult,
      continuedFailure: (spec.continuedFrom?.failure ?? spec.continuedFailure) as
        P<temporal.api.failure.v1.IFailure> | undefined,
      attempt,
      retryPolicy,
      cronSchedule: spec.cronSchedule,
      priority: spec.priority as P<temporal.api.common.v1.IPriority> | undefined,
      firstWorkflowTaskBackoff: delayMs > 0 ? duration(delayMs) : undefined,
      workflowExecutionExpirationTime: executionDeadline > 0 ? duration(executionDeadline) : undefined,
      parentWorkflowNamespace: spec.parent?.namespace,
      parentWorkflowExecution: spec.parent
        ? { workflowId: spec.parent.workflowId, runId: spec.parent.runId }
        : undefined,
      parentInitiatedEventId: spec.parent?.initiatedEventId,
      rootWorkflowExecution: state.root,
    },
  });
  for (const event of spec.initialEvents ?? []) engine.append(run, event);
  engine.scheduleWorkflowTask(run, 1, delayMs > 0 ? now + delayMs : undefined);
  engine.later(() => armRunDeadlines(engine, run));
  return run;
}

export function armRunDeadlines(engine: Engine, run: Run): void {
  const deadline = Math.min(run.state.runDeadline || Infinity, run.state.executionDeadline || Infinity);
  if (deadline === Infinity) return;
  engine.deadlines.at(deadline, () => {
    if (!run.open) return;
    engine.transaction(() => {
      // A run timeout may be retried (or followed by the next cron run); the execution timeout ends the chain.
      const executionExpired = run.state.executionDeadline > 0 && Date.now() >= run.state.executionDeadline;
      const plan = executionExpired
        ? { retryState: RetryState.TIMEOUT }
        : planNextRun(run, { kind: 'timedOut' }, () => engine.newRunId());
      engine.append(run, {
        eventType: EventType.WORKFLOW_EXECUTION_TIMED_OUT,
        workflowExecutionTimedOutEventAttributes: {
          retryState: plan.retryState,
          newExecutionRunId: plan.next?.runId,
        },
      });
      closeRunAndContinue(engine, run, WorkflowExecutionStatus.TIMED_OUT, plan.next, {
        failure: {
          message: 'workflow run timed out',
          source: 'LazarusDevserver',
          timeoutFailureInfo: { timeoutType: 1 },
        },
      });
    });
  });
}

/** StartWorkflowExecution's rules, shared by signal-with-start, child workflows and schedules. */
export function startRequestToRun(namespace: string, request: StartRequest): NewRun {
  if (!request.workflowId) throw invalidArgument('WorkflowId is not set on request.');
  if (!request.workflowType?.name) throw invalidArgument('WorkflowType is not set on request.');
  if (!request.taskQueue?.name) throw invalidArgument('TaskQueue is not set on request.');
  for (const field of [
    'workflowExecutionTimeout',
    'workflowRunTimeout',
    'workflowTaskTimeout',
    'workflowStartDelay',
  ] as const) {
    if (durationMs(request[field]) < 0) throw invalidArgument(`${field} must not be negative`);
  }
  refuseUnsupportedStartFields(request);
  normaliseWorkflowRetryPolicy(request.retryPolicy);
  if (request.cronSchedule) {
    cronDelayMs(request.cronSchedule, Date.now());
    if (durationMs(request.workflowStartDelay) > 0)
      throw invalidArgument('CronSchedule and WorkflowStartDelay may not be used together.');
  }
  return {
    namespace,
    workflowId: request.workflowId,
    workflowType: request.workflowType.name,
    taskQueue: request.taskQueue.name,
    input: request.input,
    header: request.header,
    memo: request.memo,
    searchAttributes: request.searchAttributes,
    identity: request.identity,
    requestId: request.requestId,
    executionTimeoutMs: durationMs(request.workflowExecutionTimeout),
    runTimeoutMs: durationMs(request.workflowRunTimeout),
    workflowTaskTimeoutMs: durationMs(request.workflowTaskTimeout),
    startDelayMs: durationMs(request.workflowStartDelay),
    retryPolicy: request.retryPolicy,
    cronSchedule: request.cronSchedule,
    userMetadata: request.userMetadata ?? undefined,
    priority: request.priority ?? undefined,
    links: request.links ?? undefined,
    lastCompletionResult: request.lastCompletionResult,
    continuedFailure: request.continuedFailure ?? undefined,
  };
}

export interface StartOutcome {
  runId: string;
  started: boolean;
}

export function startWorkflow(
  engine: Engine,
  request: StartRequest,
  initialEvents?: NewRun['initialEvents'],
  defaultConflict: number = WorkflowIdConflictPolicy.FAIL,
): StartOutcome {
  const namespace = ensureNamespace(engine, request.namespace);
  const spec = startRequestToRun(namespace, request);
  checkSearchAttributes(engine, request.searchAttributes?.indexedFields);
  return engine.transaction(() => {
    if (request.requestId) {
      const earlier = engine.runs.get(engine.startRequests.get(`${namespace}/${request.requestId}`) ?? '');
      if (earlier) return { runId: earlier.state.runId, started: false };
    }
    const current = engine.currentRun(namespace, spec.workflowId);
    const reuse = request.workflowIdReusePolicy || WorkflowIdReusePolicy.ALLOW_DUPLICATE;
    if (current?.open) {
      const conflict =
        request.workflowIdConflictPolicy ||
        (reuse === WorkflowIdReusePolicy.TERMINATE_IF_RUNNING
          ? WorkflowIdConflictPolicy.TERMINATE_EXISTING
          : defaultConflict);
      if (conflict === WorkflowIdConflictPolicy.USE_EXISTING) {
        for (const event of initialEvents ?? []) engine.appendOrBuffer(current, event);
        if (initialEvents?.length) engine.scheduleWorkflowTask(current);
        return { runId: current.state.runId, started: false };
      }
      if (conflict === WorkflowIdConflictPolicy.TERMINATE_EXISTING) {
        terminateRun(engine, current, 'terminated by a new start with the same workflow id', request.identity ?? '');
      } else {
        throw alreadyStarted(spec.workflowId, current.state.runId, request.requestId ?? '');
      }
    } else if (current) {
      const failedOnly = reuse === WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY;
      const closedCleanly =
        current.state.status === WorkflowExecutionStatus.COMPLETED ||
        current.state.status === WorkflowExecutionStatus.CONTINUED_AS_NEW;
      if (reuse === WorkflowIdReusePolicy.REJECT_DUPLICATE || (failedOnly && closedCleanly)) {
        throw alreadyStarted(
          spec.workflowId,
          current.state.runId,
          request.requestId ?? '',
          `Workflow execution already finished and WorkflowIdReusePolicy does not allow a new run. WorkflowId: ${spec.workflowId}, RunId: ${current.state.runId}.`,
        );
      }
    }
    const run = createRun(engine, { ...spec, initialEvents });
    return { runId: run.state.runId, started: true };
  });
}

function alreadyStarted(workflowId: string, runId: string, startRequestId: string, message?: string) {
  return alreadyExists(
    message ?? `Workflow execution is already running. WorkflowId: ${workflowId}, RunId: ${runId}.`,
    'WorkflowExecutionAlreadyStartedFailure',
    { startRequestId, runId },
  );
}

export function openRun(
  engine: Engine,
  namespace: string,
  execution: P<temporal.api.common.v1.IWorkflowExecution> | null | undefined,
): Run {
  if (!execution?.workflowId) throw invalidArgument('WorkflowId is not set on request.');
  const run = engine.findRun(namespace, execution.workflowId, execution.runId);
  // The real server's texts: the SDK and tests match on "workflow execution already completed".
  if (!run) throw notFound(`workflow not found for ID: ${execution.workflowId}`);
  if (!run.open) throw notFound('workflow execution already completed');
  return run;
}

export interface SignalInput {
  signalName: string;
  input?: Payloads | null;
  header?: Header | null;
  identity?: string | null;
  external?: { namespace: string; workflowId: string; runId: string; initiatedEventId: number };
  links?: Link[] | null;
}

export const signalEvent = (signal: SignalInput) => ({
  eventType: EventType.WORKFLOW_EXECUTION_SIGNALED,
  ...withLinks(signal.links),
  workflowExecutionSignaledEventAttributes: {
    signalName: signal.signalName,
    input: signal.input,
    header: signal.header,
    identity: signal.identity,
    externalWorkflowExecution: signal.external
      ? { workflowId: signal.external.workflowId, runId: signal.external.runId }
      : undefined,
  },
});

/** How many signal request ids a run remembers for deduplication (the most recent ones). */
const SIGNAL_REQUEST_IDS_KEPT = 1000;

/**
 * Delivers a signal, once per request id: a client that retries a signal call (same request id) must not signal
 * twice, as the real server's mutable state remembers the request ids it has seen. Returns whether it was delivered.
 */
export function signalRun(engine: Engine, run: Run, signal: SignalInput, requestId?: string | null): boolean {
  if (requestId) {
    const seen = (run.state.signalRequestIds ??= []);
    if (seen.includes(requestId)) return false;
    seen.push(requestId);
    if (seen.length > SIGNAL_REQUEST_IDS_KEPT) seen.splice(0, seen.length - SIGNAL_REQUEST_IDS_KEPT);
  }
  engine.appendOrBuffer(run, signalEvent(signal));
  engine.scheduleWorkflowTask(run);
  return true;
}

export function requestCancelRun(
  engine: Engine,
  run: Run,
  reason: string,
  identity: string,
  external?: { workflowId: string; runId: string; initiatedEventId: number },
  links?: Link[] | null,
): void {
  if (run.state.cancelRequested) return;
  run.state.cancelRequested = true;
  engine.appendOrBuffer(run, {
    eventType: EventType.WORKFLOW_EXECUTION_CANCEL_REQUESTED,
    ...withLinks(links),
    workflowExecutionCancelRequestedEventAttributes: {
      cause: reason,
      identity,
      externalInitiatedEventId: external?.initiatedEventId,
      externalWorkflowExecution: external ? { workflowId: external.workflowId, runId: external.runId } : undefined,
    },
  });
  engine.scheduleWorkflowTask(run);
}

export function terminateRun(
  engine: Engine,
  run: Run,
  reason: string,
  identity: string,
  details?: Payloads | null,
  links?: Link[] | null,
): void {
  engine.append(run, {
    eventType: EventType.WORKFLOW_EXECUTION_TERMINATED,
    ...withLinks(links),
    workflowExecutionTerminatedEventAttributes: { reason, details, identity },
  });
  closeRun(engine, run, WorkflowExecutionStatus.TERMINATED);
}

/** After the closing event is written: forget pending work, tell the parent, apply parent close policies. */
export function closeRun(engine: Engine, run: Run, status: number): void {
  const state = run.state;
  state.status = status;
  state.closedAt = Date.now();
  state.workflowTask = undefined;
  state.buffered = [];
  state.activities = {};
  state.timers = {};
  state.stickyQueue = undefined;
  failAcceptedUpdates(engine, run);
  engine.touch(run);
  // A run followed by another (continue-as-new, retry, cron) is not the end of the child workflow for its parent.
  if (status !== WorkflowExecutionStatus.CONTINUED_AS_NEW && !state.nextRunId) notifyParentOfClose(engine, run);
  applyParentClosePolicies(engine, run);
  engine.later(() => {
    releaseDeferredQueries(engine, run);
    engine.onRunClosed?.(run);
  });
}

export function continueAsNew(
  engine: Engine,
  run: Run,
  attrs: P<temporal.api.command.v1.IContinueAsNewWorkflowExecutionCommandAttributes>,
  completedEventId: number,
): () => void {
  const state = run.state;
  const nextRunId = engine.newRunId();
  const workflowType = attrs.workflowType?.name || state.workflowType;
  const taskQueue = attrs.taskQueue?.name || state.taskQueue;
  const runTimeoutMs = durationMs(attrs.workflowRunTimeout) || state.runTimeoutMs;
  const workflowTaskTimeoutMs = durationMs(attrs.workflowTaskTimeout) || state.workflowTaskTimeoutMs;
  engine.append(run, {
    eventType: EventType.WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
    workflowExecutionContinuedAsNewEventAttributes: {
      newExecutionRunId: nextRunId,
      workflowType: { name: workflowType },
      taskQueue: { name: taskQueue, kind: 1 },
      input: attrs.input,
      workflowRunTimeout: duration(runTimeoutMs),
      workflowTaskTimeout: duration(workflowTaskTimeoutMs),
      workflowTaskCompletedEventId: completedEventId,
      backoffStartInterval: attrs.backoffStartInterval,
      initiator: attrs.initiator || ContinueAsNewInitiator.WORKFLOW,
      failure: attrs.failure,
      lastCompletionResult: attrs.lastCompletionResult,
      header: attrs.header,
      memo: attrs.memo,
      searchAttributes: attrs.searchAttributes,
    },
  });
  return () => {
    state.nextRunId = nextRunId;
    closeRun(engine, run, WorkflowExecutionStatus.CONTINUED_AS_NEW);
    createRun(engine, {
      runId: nextRunId,
      namespace: state.namespace,
      workflowId: state.workflowId,
      workflowType,
      taskQueue,
      input: attrs.input,
      header: attrs.header,
      memo: attrs.memo ?? { fields: state.memo },
      searchAttributes: attrs.searchAttributes ?? { indexedFields: userSearchAttributes(state.searchAttributes) },
      executionTimeoutMs: state.executionTimeoutMs,
      runTimeoutMs,
      workflowTaskTimeoutMs,
      startDelayMs: durationMs(attrs.backoffStartInterval),
      parent: state.parent,
      root: state.root,
      continuedFrom: {
        runId: state.runId,
        firstExecutionRunId: state.firstExecutionRunId,
        executionDeadline: state.executionDeadline,
        initiator: attrs.initiator || ContinueAsNewInitiator.WORKFLOW,
        lastCompletionResult: attrs.lastCompletionResult,
      },
      // From the command only, as the real server (history service AddContinueAsNewEvent): SDK core puts the run's
      // retry policy on the command when the workflow names none; a cron schedule must be named again.
      retryPolicy: attrs.retryPolicy,
      cronSchedule: attrs.cronSchedule,
      userMetadata: state.userMetadata,
      priority: state.priority,
    });
  };
}

/**
 * Closes a run whose closing event is written and, when `next` is planned (workflow retry or cron), starts the run
 * that follows it with the same workflow, input and options.
 */
export function closeRunAndContinue(
  engine: Engine,
  run: Run,
  status: number,
  next: NextRunPlan | undefined,
  carry: { failure?: unknown; lastCompletionResult?: Payloads | null },
): void {
  const state = run.state;
  if (next) state.nextRunId = next.runId;
  closeRun(engine, run, status);
  if (!next) return;
  const started = run.events[0]?.workflowExecutionStartedEventAttributes;
  createRun(engine, {
    runId: next.runId,
    namespace: state.namespace,
    workflowId: state.workflowId,
    workflowType: state.workflowType,
    taskQueue: state.taskQueue,
    input: started?.input,
    header: started?.header,
    memo: { fields: state.memo },
    searchAttributes: { indexedFields: userSearchAttributes(state.searchAttributes) },
    executionTimeoutMs: state.executionTimeoutMs,
    runTimeoutMs: state.runTimeoutMs,
    workflowTaskTimeoutMs: state.workflowTaskTimeoutMs,
    startDelayMs: next.delayMs,
    parent: state.parent,
    root: state.root,
    attempt: next.attempt,
    continuedFrom: {
      runId: state.runId,
      firstExecutionRunId: state.firstExecutionRunId,
      executionDeadline: state.executionDeadline,
      initiator: next.initiator,
      lastCompletionResult: carry.lastCompletionResult ?? state.lastCompletionResult,
      failure: carry.failure,
    },
    retryPolicy: state.retryPolicy,
    cronSchedule: state.cronSchedule,
    userMetadata: state.userMetadata,
    priority: state.priority,
  });
}

type Link = P<temporal.api.common.v1.ILink>;

/**
 * Links a request carries (Nexus: the caller's operation or workflow event), kept on the event the request writes,
 * as the real server does, so a Nexus caller and the UI can follow them. Absent when there are none.
 */
export function withLinks(links: Link[] | null | undefined): { links?: Link[] } {
  return links && links.length > 0 ? { links } : {};
}

// The WorkflowService RPCs the devserver implements, each a thin adapter from a decoded request to the engine.
// Requests arrive as plain objects (int64 as numbers, bytes as Buffers, enums as numbers).
import type { temporal } from '@temporalio/proto';
import type { P } from './engine/model.js';
import {
  alreadyExists,
  invalidArgument,
  multiOperationError,
  namespaceNotFound,
  notFound,
  RpcError,
} from './errors.js';
import {
  cancelActivity,
  completeActivity,
  dispatchActivityTask,
  failActivity,
  heartbeat,
} from './engine/activities.js';
import type { Engine } from './engine/engine.js';
import { HistoryEventFilterType, NamespaceState, WorkflowIdConflictPolicy } from './engine/enums.js';
import {
  ensureNamespace,
  openRun,
  requestCancelRun,
  signalEvent,
  signalRun,
  startWorkflow,
  terminateRun,
} from './engine/executions.js';
import { queryWorkflow, respondQueryTask } from './engine/queries.js';
import { TaskQueues, type PollAbort, type QueueTask } from './engine/task-queues.js';
import {
  refuseUnsupportedNamespaceFields,
  refuseUnsupportedUpdateFields,
  refuseVersionedPoller,
} from './engine/unsupported.js';
import {
  admittedEvent,
  admitUpdate,
  awaitUpdate,
  noteAdmitted,
  refuseAdmittedWait,
  UpdateStage,
} from './engine/updates.js';
import { countExecutions, describeExecution, listExecutions } from './engine/visibility.js';
import {
  completeWorkflowTask,
  dispatchWorkflowQueueTask,
  failWorkflowTask,
  shutdownWorker,
} from './engine/workflow-tasks.js';
import { duration, durationMs, timestamp, timestampMs } from './engine/values.js';
import type { ScheduleService } from './schedules/types.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Request = any;
export type Handler = (request: Request, abort: PollAbort) => unknown;

export const SERVER_VERSION = '1.27.0';
const HISTORY_LONG_POLL_MS = 20_000;
/** How long a poller stays listed by DescribeTaskQueue (the real server's matching.pollerHistoryTTL: 5 minutes). */
const POLLER_HISTORY_MS = 5 * 60_000;

export function workflowServiceHandlers(
  engine: Engine,
  schedules: () => ScheduleService | undefined,
): Record<string, Handler> {
  const ns = (request: { namespace?: string | null }) => ensureNamespace(engine, request.namespace);
  const scheduleRpc = (name: keyof ScheduleService) => (request: Request) => {
    const service = schedules();
    if (!service) throw invalidArgument('schedules are not available in this build of the devserver');
    ns(request);
    return (service[name] as (r: Request) => Promise<unknown>).call(service, request);
  };

  const namedRun = (
    namespace: string,
    execution: { workflowId?: string | null; runId?: string | null } | null | undefined,
  ) => {
    if (!execution?.workflowId) throw invalidArgument('WorkflowId is not set on request.');
    const run = engine.findRun(namespace, execution.workflowId, execution.runId);
    if (!run)
      throw notFound(
        `workflow execution not found: ${execution.workflowId}${execution.runId ? ` (run ${execution.runId})` : ''}`,
      );
    return run;
  };

  return {
    GetSystemInfo: () => ({
      serverVersion: SERVER_VERSION,
      capabilities: {
        signalAndQueryHeader: true,
        internalErrorDifferentiation: true,
        activityFailureIncludeHeartbeat: true,
        supportsSchedules: true,
        encodedFailureAttributes: true,
        buildIdBasedVersioning: false,
        upsertMemo: true,
        eagerWorkflowStart: false,
        sdkMetadata: true,
        countGroupByExecutionStatus: true,
        nexus: false,
      },
    }),

    DescribeNamespace: (request: P<temporal.api.workflowservice.v1.IDescribeNamespaceRequest>) => {
      const record = request.namespace
        ? engine.namespaces.get(request.namespace)
        : [...engine.namespaces.values()].find((n) => n.id === request.id);
      if (!record) throw namespaceNotFound(request.namespace || request.id || '');
      return namespaceDescription(record);
    },
    ListNamespaces: () => ({
      namespaces: [...engine.namespaces.values()].map(namespaceDescription),
      nextPageToken: Buffer.alloc(0),
    }),
    RegisterNamespace: (request: P<temporal.api.workflowservice.v1.IRegisterNamespaceRequest>) => {
      if (!request.namespace) throw invalidArgument('Namespace is not set on request.');
      if (engine.namespaces.has(request.namespace))
        throw alreadyExists('Namespace already exists.', 'NamespaceAlreadyExistsFailure');
      refuseUnsupportedNamespaceFields(request);
      const days = Math.max(1, Math.round(durationMs(request.workflowExecutionRetentionPeriod) / 86_400_000) || 3);
      const data = Object.fromEntries(Object.entries(request.data ?? {}).map(([k, v]) => [k, String(v ?? '')]));
      const extra = { ownerEmail: request.ownerEmail ?? '', data };
      engine.transaction(() => engine.registerNamespace(request.namespace!, request.description ?? '', days, extra));
      return {};
    },

    StartWorkflowExecution: (request: P<temporal.api.workflowservice.v1.IStartWorkflowExecutionRequest>) => {
      const outcome = startWorkflow(engine, request);
      return { runId: outcome.runId, started: outcome.started };
    },
    SignalWithStartWorkflowExecution: (
      request: P<temporal.api.workflowservice.v1.ISignalWithStartWorkflowExecutionRequest>,
    ) => {
      if (!request.signalName) throw invalidArgument('SignalName is not set on request.');
      // A signal-with-start always signals the running workflow, so the real frontend refuses FAIL outright.
      if (request.workflowIdConflictPolicy === WorkflowIdConflictPolicy.FAIL)
        throw invalidArgument(
          'Invalid WorkflowIDConflictPolicy: WORKFLOW_ID_CONFLICT_POLICY_FAIL is not supported for this operation.',
        );
      const signal = signalEvent({
        signalName: request.signalName,
        input: request.signalInput,
        header: request.header,
        identity: request.identity,
        links: request.links,
      });
      const outcome = startWorkflow(engine, request, [signal], WorkflowIdConflictPolicy.USE_EXISTING as number);
      return { runId: outcome.runId, started: outcome.started };
    },
    SignalWorkflowExecution: (request: P<temporal.api.workflowservice.v1.ISignalWorkflowExecutionRequest>) => {
      const namespace = ns(request);
      if (!request.signalName) throw invalidArgument('SignalName is not set on request.');
      engine.transaction(() => {
        const run = openRun(engine, namespace, request.workflowExecution);
        signalRun(
          engine,
          run,
          {
            signalName: request.signalName!,
            input: request.input,
            header: request.header,
            identity: request.identity,
            links: request.links,
          },
          request.requestId,
        );
      });
      return {};
    },
    RequestCancelWorkflowExecution: (
      request: P<temporal.api.workflowservice.v1.IRequestCancelWorkflowExecutionRequest>,
    ) => {
      const namespace = ns(request);
      engine.transaction(() => {
        const run = openRun(engine, namespace, request.workflowExecution);
        if (request.firstExecutionRunId && run.state.firstExecutionRunId !== request.firstExecutionRunId)
          throw notFound('workflow execution not found');
        requestCancelRun(engine, run, request.reason ?? '', request.identity ?? '', undefined, request.links);
      });
      return {};
    },
    TerminateWorkflowExecution: (request: P<temporal.api.workflowservice.v1.ITerminateWorkflowExecutionRequest>) => {
      const namespace = ns(request);
      engine.transaction(() => {
        const run = openRun(engine, namespace, request.workflowExecution);
        if (request.firstExecutionRunId && run.state.firstExecutionRunId !== request.firstExecutionRunId)
          throw notFound('workflow execution not found');
        terminateRun(engine, run, request.reason ?? '', request.identity ?? '', request.details, request.links);
      });
      return {};
    },
    QueryWorkflow: (request: P<temporal.api.workflowservice.v1.IQueryWorkflowRequest>) =>
      queryWorkflow(engine, ns(request), request),
    DescribeWorkflowExecution: (request: P<temporal.api.workflowservice.v1.IDescribeWorkflowExecutionRequest>) => {
      const run = namedRun(ns(request), request.execution);
      return describeExecution(run);
    },
    GetWorkflowExecutionHistory: async (
      request: P<temporal.api.workflowservice.v1.IGetWorkflowExecutionHistoryRequest>,
      abort: PollAbort,
    ) => {
      const run = namedRun(ns(request), request.execution);
      if (request.historyEventFilterType === HistoryEventFilterType.CLOSE_EVENT) {
        if (run.open && request.waitNewEvent) {
          const deadline = Date.now() + HISTORY_LONG_POLL_MS;
          while (run.open && Date.now() < deadline && !abort.cancelled)
            await engine.waitForHistoryChange(run, deadline - Date.now());
        }
        const last = run.events[run.events.length - 1];
        return { history: { events: run.open || !last ? [] : [last] }, nextPageToken: Buffer.alloc(0) };
      }
      // Pages of maximum_page_size events (all when unset); with wait_new_event on an open run, the call waits for
      // events past the token and the token keeps the caller following until the run closes.
      const offset = pageOffset(request.nextPageToken);
      if (request.waitNewEvent && run.open) {
        const deadline = Date.now() + HISTORY_LONG_POLL_MS;
        while (run.open && run.events.length <= offset && Date.now() < deadline && !abort.cancelled)
          await engine.waitForHistoryChange(run, deadline - Date.now());
      }
      const pageSize = request.maximumPageSize && request.maximumPageSize > 0 ? request.maximumPageSize : Infinity;
      const events = run.events.slice(offset, offset + pageSize);
      const next = offset + events.length;
      const more = next < run.events.length || (request.waitNewEvent === true && run.open);
      return { history: { events }, nextPageToken: more ? Buffer.from(String(next)) : Buffer.alloc(0) };
    },
    GetWorkflowExecutionHistoryReverse: (
      request: P<temporal.api.workflowservice.v1.IGetWorkflowExecutionHistoryReverseRequest>,
    ) => {
      const run = namedRun(ns(request), request.execution);
      const skipped = pageOffset(request.nextPageToken);
      const pageSize = request.maximumPageSize && request.maximumPageSize > 0 ? request.maximumPageSize : Infinity;
      const end = Math.max(0, run.events.length - skipped);
      const events = run.events.slice(Math.max(0, end - pageSize), end).reverse();
      const next = skipped + events.length;
      return {
        history: { events },
        nextPageToken: next < run.events.length ? Buffer.from(String(next)) : Buffer.alloc(0),
      };
    },
    ListWorkflowExecutions: (request: P<temporal.api.workflowservice.v1.IListWorkflowExecutionsRequest>) =>
      listExecutions(engine, ns(request), request),
    ListOpenWorkflowExecutions: (request: P<temporal.api.workflowservice.v1.IListOpenWorkflowExecutionsRequest>) =>
      listExecutions(engine, ns(request), {
        query: legacyListQuery(request),
        pageSize: request.maximumPageSize,
        nextPageToken: request.nextPageToken,
      }),
    CountWorkflowExecutions: (request: P<temporal.api.workflowservice.v1.ICountWorkflowExecutionsRequest>) =>
      countExecutions(engine, ns(request), request),
    GetSearchAttributes: () => ({
      keys: Object.fromEntries([...engine.searchAttributeTypes].map(([name, type]) => [name, indexedValueType(type)])),
    }),

    PollWorkflowTaskQueue: (
      request: P<temporal.api.workflowservice.v1.IPollWorkflowTaskQueueRequest>,
      abort: PollAbort,
    ) => {
      const namespace = ns(request);
      if (!request.taskQueue?.name) throw invalidArgument('TaskQueue is not set on request.');
      refuseVersionedPoller(request, 'PollWorkflowTaskQueue');
      const key = TaskQueues.key(namespace, 'workflow', request.taskQueue.name);
      engine.queues.notePoller(key, request.identity ?? '');
      return pollLoop(engine, key, abort, (task) => dispatchWorkflowQueueTask(engine, task, request));
    },
    RespondWorkflowTaskCompleted: (
      request: P<temporal.api.workflowservice.v1.IRespondWorkflowTaskCompletedRequest>,
    ) => {
      ns(request);
      return completeWorkflowTask(engine, request);
    },
    RespondWorkflowTaskFailed: (request: P<temporal.api.workflowservice.v1.IRespondWorkflowTaskFailedRequest>) => {
      ns(request);
      return failWorkflowTask(engine, request);
    },
    RespondQueryTaskCompleted: (request: P<temporal.api.workflowservice.v1.IRespondQueryTaskCompletedRequest>) => {
      ns(request);
      respondQueryTask(engine, request);
      return {};
    },
    PollActivityTaskQueue: (
      request: P<temporal.api.workflowservice.v1.IPollActivityTaskQueueRequest>,
      abort: PollAbort,
    ) => {
      const namespace = ns(request);
      if (!request.taskQueue?.name) throw invalidArgument('TaskQueue is not set on request.');
      refuseVersionedPoller(request, 'PollActivityTaskQueue');
      const key = TaskQueues.key(namespace, 'activity', request.taskQueue.name);
      const rate = request.taskQueueMetadata?.maxTasksPerSecond;
      if (rate) {
        // A worker's maxTaskQueueActivitiesPerSecond: the server paces dispatch on the whole task queue.
        if (!(Number(rate.value) > 0))
          throw invalidArgument('PollActivityTaskQueue: task_queue_metadata.max_tasks_per_second must be positive');
        engine.queues.setRateLimit(key, Number(rate.value));
      }
      engine.queues.notePoller(key, request.identity ?? '');
      return pollLoop(engine, key, abort, (task) => dispatchActivityTask(engine, task, request), true);
    },
    RespondActivityTaskCompleted: (
      request: P<temporal.api.workflowservice.v1.IRespondActivityTaskCompletedRequest>,
    ) => {
      completeActivity(
        engine,
        { namespace: ns(request), token: request.taskToken },
        request.result,
        request.identity ?? '',
      );
      return {};
    },
    RespondActivityTaskCompletedById: (
      request: P<temporal.api.workflowservice.v1.IRespondActivityTaskCompletedByIdRequest>,
    ) => {
      completeActivity(
        engine,
        {
          namespace: ns(request),
          workflowId: request.workflowId,
          runId: request.runId,
          activityId: request.activityId,
        },
        request.result,
        request.identity ?? '',
      );
      return {};
    },
    RespondActivityTaskFailed: (request: P<temporal.api.workflowservice.v1.IRespondActivityTaskFailedRequest>) => {
      failActivity(
        engine,
        { namespace: ns(request), token: request.taskToken },
        request.failure,
        request.lastHeartbeatDetails,
        request.identity ?? '',
      );
      return {};
    },
    RespondActivityTaskFailedById: (
      request: P<temporal.api.workflowservice.v1.IRespondActivityTaskFailedByIdRequest>,
    ) => {
      failActivity(
        engine,
        {
          namespace: ns(request),
          workflowId: request.workflowId,
          runId: request.runId,
          activityId: request.activityId,
        },
        request.failure,
        request.lastHeartbeatDetails,
        request.identity ?? '',
      );
      return {};
    },
    RespondActivityTaskCanceled: (request: P<temporal.api.workflowservice.v1.IRespondActivityTaskCanceledRequest>) => {
      cancelActivity(
        engine,
        { namespace: ns(request), token: request.taskToken },
        request.details,
        request.identity ?? '',
      );
      return {};
    },
    RespondActivityTaskCanceledById: (
      request: P<temporal.api.workflowservice.v1.IRespondActivityTaskCanceledByIdRequest>,
    ) => {
      cancelActivity(
        engine,
        {
          namespace: ns(request),
          workflowId: request.workflowId,
          runId: request.runId,
          activityId: request.activityId,
        },
        request.details,
        request.identity ?? '',
      );
      return {};
    },
    RecordActivityTaskHeartbeat: (request: P<temporal.api.workflowservice.v1.IRecordActivityTaskHeartbeatRequest>) =>
      heartbeat(engine, { namespace: ns(request), token: request.taskToken }, request.details),
    RecordActivityTaskHeartbeatById: (
      request: P<temporal.api.workflowservice.v1.IRecordActivityTaskHeartbeatByIdRequest>,
    ) =>
      heartbeat(
        engine,
        {
          namespace: ns(request),
          workflowId: request.workflowId,
          runId: request.runId,
          activityId: request.activityId,
        },
        request.details,
      ),
    ShutdownWorker: (request: P<temporal.api.workflowservice.v1.IShutdownWorkerRequest>) => {
      shutdownWorker(engine, ns(request), request.stickyTaskQueue ?? '');
      return {};
    },
    ResetStickyTaskQueue: (request: P<temporal.api.workflowservice.v1.IResetStickyTaskQueueRequest>) => {
      const namespace = ns(request);
      const run = engine.findRun(namespace, request.execution?.workflowId ?? '', request.execution?.runId);
      if (run) engine.transaction(() => engine.clearSticky(run));
      return {};
    },

    UpdateWorkflowExecution: (
      request: P<temporal.api.workflowservice.v1.IUpdateWorkflowExecutionRequest>,
      abort: PollAbort,
    ) => {
      const namespace = ns(request);
      const run = namedRun(namespace, request.workflowExecution);
      if (request.firstExecutionRunId && run.state.firstExecutionRunId !== request.firstExecutionRunId)
        throw notFound('workflow execution not found');
      refuseUnsupportedUpdateFields(request.request);
      refuseAdmittedWait(request.waitPolicy?.lifecycleStage);
      engine.transaction(() => admitUpdate(engine, run, request.request));
      // An unspecified stage means COMPLETED on the update path (SetDefaultUpdateWorkflowExecutionLifecycleStage).
      const stage = request.waitPolicy?.lifecycleStage || UpdateStage.COMPLETED;
      return awaitUpdate(engine, run, request.request!.meta!.updateId!, stage, abort);
    },
    PollWorkflowExecutionUpdate: (
      request: P<temporal.api.workflowservice.v1.IPollWorkflowExecutionUpdateRequest>,
      abort: PollAbort,
    ) => {
      const updateId = request.updateRef?.updateId;
      if (!updateId) throw invalidArgument('Update id is not set on request.');
      const run = namedRun(ns(request), request.updateRef?.workflowExecution);
      if (!run.state.updates?.[updateId]) throw notFound(`update ${updateId} not found`);
      return awaitUpdate(engine, run, updateId, request.waitPolicy?.lifecycleStage ?? 0, abort).then(
        ({ updateRef, stage, outcome }) => ({ updateRef, stage, outcome }),
      );
    },
    ExecuteMultiOperation: async (
      request: P<temporal.api.workflowservice.v1.IExecuteMultiOperationRequest>,
      abort: PollAbort,
    ) => {
      const namespace = ns(request);
      const [first, second, ...rest] = request.operations ?? [];
      const start = first?.startWorkflow;
      const update = second?.updateWorkflow;
      // The only multi-operation Temporal defines today: update-with-start.
      if (!start || !update || rest.length > 0)
        throw invalidArgument(
          'ExecuteMultiOperation: expected exactly a StartWorkflow then an UpdateWorkflow operation',
        );
      if (update.workflowExecution?.workflowId !== start.workflowId)
        throw invalidArgument('ExecuteMultiOperation: the update must name the started workflow id');
      if (update.workflowExecution?.runId || update.firstExecutionRunId)
        throw invalidArgument('ExecuteMultiOperation: the update must not name a run id');
      // A failed operation is answered as the real server does: its own status inside a
      // MultiOperationExecutionFailure, the other operation aborted.
      const asOperation = <T>(index: number, operation: () => T): T => {
        try {
          return operation();
        } catch (err) {
          throw err instanceof RpcError ? multiOperationError(err, index, ['Start', 'Update']) : err;
        }
      };
      // The start fields the real frontend refuses in an update-with-start (errMultiOpStartCronSchedule, …).
      asOperation(0, () => {
        if (start.cronSchedule) throw invalidArgument('CronSchedule is not allowed.');
        if (start.requestEagerExecution) throw invalidArgument('RequestEagerExecution is not supported.');
        if (durationMs(start.workflowStartDelay) > 0) throw invalidArgument('WorkflowStartDelay is not supported.');
      });
      const event = asOperation(1, () => {
        refuseUnsupportedUpdateFields(update.request);
        refuseAdmittedWait(update.waitPolicy?.lifecycleStage);
        return admittedEvent(update.request);
      });
      const updateId = update.request!.meta!.updateId!;
      const { run, started } = engine.transaction(() => {
        const current = engine.currentRun(namespace, start.workflowId!);
        if (current?.state.updates?.[updateId]) return { run: current, started: false };
        const useExisting = start.workflowIdConflictPolicy === WorkflowIdConflictPolicy.USE_EXISTING;
        if (current?.open && useExisting) {
          asOperation(1, () => admitUpdate(engine, current, update.request));
          return { run: current, started: false };
        }
        const outcome = asOperation(0, () => startWorkflow(engine, { ...start, namespace }, [event]));
        const startedRun = engine.findRun(namespace, start.workflowId!, outcome.runId)!;
        if (outcome.started) noteAdmitted(engine, startedRun, updateId);
        else asOperation(1, () => admitUpdate(engine, startedRun, update.request));
        return { run: startedRun, started: outcome.started };
      });
      const stage = update.waitPolicy?.lifecycleStage || UpdateStage.COMPLETED;
      const updateResponse = await awaitUpdate(engine, run, updateId, stage, abort);
      return {
        responses: [{ startWorkflow: { runId: run.state.runId, started } }, { updateWorkflow: updateResponse }],
      };
    },

    DescribeTaskQueue: (request: P<temporal.api.workflowservice.v1.IDescribeTaskQueueRequest>) => {
      const namespace = ns(request);
      if (!request.taskQueue?.name) throw invalidArgument('TaskQueue is not set on request.');
      // The enhanced mode reports worker versioning and per-build-id reachability, which the devserver lacks.
      if (request.apiMode === 1 /* ENHANCED */)
        throw invalidArgument('DescribeTaskQueue: api_mode ENHANCED is not supported by the Lazarus devserver');
      // Statistics (backlog age, add and dispatch rates) and the queue's configuration are not kept.
      for (const [field, set] of [
        ['report_stats', request.reportStats],
        ['report_config', (request as { reportConfig?: boolean }).reportConfig],
      ] as const)
        if (set) throw invalidArgument(`DescribeTaskQueue: ${field} is not supported by the Lazarus devserver`);
      const kind = request.taskQueueType === 2 /* ACTIVITY */ ? 'activity' : 'workflow';
      const key = TaskQueues.key(namespace, kind, request.taskQueue.name);
      const ratePerSecond = engine.queues.rateLimit(key) ?? 0;
      return {
        pollers: engine.queues.recentPollers(key, POLLER_HISTORY_MS).map((p) => ({
          identity: p.identity,
          lastAccessTime: timestamp(p.lastAccessAt),
          ratePerSecond: 0,
        })),
        taskQueueStatus: request.includeTaskQueueStatus
          ? { backlogCountHint: engine.queues.backlog(key), readLevel: 0, ackLevel: 0, ratePerSecond }
          : undefined,
      };
    },

    CreateSchedule: scheduleRpc('CreateSchedule'),
    DescribeSchedule: scheduleRpc('DescribeSchedule'),
    ListSchedules: scheduleRpc('ListSchedules'),
    DeleteSchedule: scheduleRpc('DeleteSchedule'),
    UpdateSchedule: scheduleRpc('UpdateSchedule'),
    PatchSchedule: scheduleRpc('PatchSchedule'),
    ListScheduleMatchingTimes: scheduleRpc('ListScheduleMatchingTimes'),
  };
}

/** The event offset a history page token carries (tokens are this server's decimal offsets). */
function pageOffset(token: Uint8Array | null | undefined): number {
  if (!token || token.length === 0) return 0;
  const offset = Number(Buffer.from(token).toString());
  if (!Number.isSafeInteger(offset) || offset < 0) throw invalidArgument('invalid next_page_token');
  return offset;
}

/** Long-polls a queue until a task that is still current can be handed out, or the poll ends empty. */
async function pollLoop<T>(
  engine: Engine,
  key: string,
  abort: PollAbort,
  dispatch: (task: QueueTask) => T | undefined,
  rateLimited = false,
): Promise<T | object> {
  for (;;) {
    const task = await engine.queues.poll(key, abort);
    if (!task) return {};
    const waitMs = rateLimited ? engine.queues.reserveDispatch(key) : 0;
    if (waitMs > 0) await pause(waitMs, abort);
    if (abort.cancelled) {
      engine.queues.giveBack(key, task);
      return {};
    }
    let response: T | undefined;
    try {
      response = engine.transaction(() => dispatch(task));
    } catch (err) {
      engine.queues.giveBack(key, task); // never lose a task to a failed dispatch
      throw err;
    }
    if (response) return response;
  }
}

/**
 * The visibility query of a legacy ListOpenWorkflowExecutions: open runs, within its start time filter, of its
 * workflow id (and run id) or its workflow type.
 * @throws INVALID_ARGUMENT for a filter value holding both quote characters.
 */
function legacyListQuery(request: P<temporal.api.workflowservice.v1.IListOpenWorkflowExecutionsRequest>): string {
  const quoted = (value: string, field: string) => {
    if (!value.includes("'")) return `'${value}'`;
    if (!value.includes('"')) return `"${value}"`;
    throw invalidArgument(`ListOpenWorkflowExecutions: ${field} holds both quote characters`);
  };
  const clauses = ["ExecutionStatus = 'Running'"];
  const { earliestTime, latestTime } = request.startTimeFilter ?? {};
  if (earliestTime) clauses.push(`StartTime >= '${new Date(timestampMs(earliestTime)).toISOString()}'`);
  if (latestTime) clauses.push(`StartTime <= '${new Date(timestampMs(latestTime)).toISOString()}'`);
  const execution = request.executionFilter;
  if (execution?.workflowId) clauses.push(`WorkflowId = ${quoted(execution.workflowId, 'workflow_id')}`);
  if (execution?.runId) clauses.push(`RunId = ${quoted(execution.runId, 'run_id')}`);
  if (request.typeFilter?.name) clauses.push(`WorkflowType = ${quoted(request.typeFilter.name, 'type_filter.name')}`);
  return clauses.join(' AND ');
}

/** Waits `ms`, or less when the poll is cancelled meanwhile. */
function pause(ms: number, abort: PollAbort): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    abort.onCancel(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function namespaceDescription(record: {
  name: string;
  id: string;
  description: string;
  retentionDays: number;
  ownerEmail?: string;
  data?: Record<string, string>;
}) {
  return {
    namespaceInfo: {
      name: record.name,
      state: NamespaceState.REGISTERED,
      description: record.description,
      ownerEmail: record.ownerEmail ?? '',
      data: record.data ?? {},
      id: record.id,
      capabilities: { eagerWorkflowStart: false, syncUpdate: true, asyncUpdate: true },
      supportsSchedules: true,
    },
    config: {
      workflowExecutionRetentionTtl: duration(record.retentionDays * 86_400_000),
      historyArchivalState: 1,
      visibilityArchivalState: 1,
    },
    replicationConfig: { activeClusterName: 'active', clusters: [{ clusterName: 'active' }], state: 1 },
    failoverVersion: 0,
    isGlobalNamespace: false,
  };
}

const INDEXED_VALUE_TYPES: Record<string, number> = {
  Text: 1,
  Keyword: 2,
  Int: 3,
  Double: 4,
  Bool: 5,
  Datetime: 6,
  KeywordList: 7,
};
export const indexedValueType = (name: string): number => INDEXED_VALUE_TYPES[name] ?? 0;
export const isKnownSearchAttributeType = (name: string): boolean => name in INDEXED_VALUE_TYPES;

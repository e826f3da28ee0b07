// Workflows acting on other workflows: child workflows (start, completion reported to the parent, parent close
// policy) and signals or cancellation requests sent to an external workflow.
import type { temporal } from '@temporalio/proto';
import type { P } from './model.js';
import type { Engine, Run } from './engine.js';
import {
  CancelExternalWorkflowExecutionFailedCause,
  EventType,
  ParentClosePolicy,
  SignalExternalWorkflowExecutionFailedCause,
  StartChildWorkflowExecutionFailedCause,
  WorkflowExecutionStatus,
  WorkflowIdReusePolicy,
} from './enums.js';
import { createRun, requestCancelRun, signalRun, terminateRun } from './executions.js';
import type { ChildState } from './model.js';
import { durationMs } from './values.js';

type StartChildAttributes = P<temporal.api.command.v1.IStartChildWorkflowExecutionCommandAttributes>;

export function startChild(
  engine: Engine,
  parent: Run,
  attrs: StartChildAttributes,
  completedEventId: number,
  /** The command's summary and details (Command.user_metadata), which become the child's. */
  userMetadata?: unknown,
): () => void {
  const namespace = attrs.namespace || parent.state.namespace;
  const initiated = engine.append(parent, {
    eventType: EventType.START_CHILD_WORKFLOW_EXECUTION_INITIATED,
    startChildWorkflowExecutionInitiatedEventAttributes: {
      namespace,
      workflowId: attrs.workflowId,
      workflowType: attrs.workflowType,
      taskQueue: { name: attrs.taskQueue?.name || parent.state.taskQueue, kind: 1 },
      input: attrs.input,
      workflowExecutionTimeout: attrs.workflowExecutionTimeout,
      workflowRunTimeout: attrs.workflowRunTimeout,
      workflowTaskTimeout: attrs.workflowTaskTimeout,
      parentClosePolicy: attrs.parentClosePolicy,
      control: attrs.control,
      workflowTaskCompletedEventId: completedEventId,
      workflowIdReusePolicy: attrs.workflowIdReusePolicy,
      retryPolicy: attrs.retryPolicy,
      cronSchedule: attrs.cronSchedule,
      header: attrs.header,
      memo: attrs.memo,
      searchAttributes: attrs.searchAttributes,
      priority: attrs.priority,
    },
  });
  const initiatedEventId = Number(initiated.eventId);
  const child: ChildState = {
    initiatedEventId,
    namespace,
    workflowId: attrs.workflowId!,
    workflowType: attrs.workflowType!.name!,
    parentClosePolicy: attrs.parentClosePolicy || ParentClosePolicy.TERMINATE,
  };
  parent.state.children[String(initiatedEventId)] = child;
  return () => {
    const existing = engine.currentRun(namespace, child.workflowId);
    const reuse = attrs.workflowIdReusePolicy || WorkflowIdReusePolicy.ALLOW_DUPLICATE;
    const rejected =
      existing &&
      (existing.open ||
        reuse === WorkflowIdReusePolicy.REJECT_DUPLICATE ||
        (reuse === WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY &&
          existing.state.status === WorkflowExecutionStatus.COMPLETED));
    if (rejected) {
      delete parent.state.children[String(initiatedEventId)];
      engine.append(parent, {
        eventType: EventType.START_CHILD_WORKFLOW_EXECUTION_FAILED,
        startChildWorkflowExecutionFailedEventAttributes: {
          namespace,
          workflowId: child.workflowId,
          workflowType: { name: child.workflowType },
          cause: StartChildWorkflowExecutionFailedCause.WORKFLOW_ALREADY_EXISTS,
          control: attrs.control,
          initiatedEventId,
          workflowTaskCompletedEventId: completedEventId,
        },
      });
      return;
    }
    const run = createRun(engine, {
      namespace,
      workflowId: child.workflowId,
      workflowType: child.workflowType,
      taskQueue: attrs.taskQueue?.name || parent.state.taskQueue,
      input: attrs.input,
      header: attrs.header,
      memo: attrs.memo,
      searchAttributes: attrs.searchAttributes,
      executionTimeoutMs: durationMs(attrs.workflowExecutionTimeout),
      runTimeoutMs: durationMs(attrs.workflowRunTimeout),
      workflowTaskTimeoutMs: durationMs(attrs.workflowTaskTimeout),
      parent: {
        namespace: parent.state.namespace,
        workflowId: parent.state.workflowId,
        runId: parent.state.runId,
        initiatedEventId,
      },
      root: parent.state.root,
      retryPolicy: attrs.retryPolicy,
      cronSchedule: attrs.cronSchedule,
      priority: attrs.priority ?? undefined,
      userMetadata: userMetadata ?? undefined,
    });
    const started = engine.append(parent, {
      eventType: EventType.CHILD_WORKFLOW_EXECUTION_STARTED,
      childWorkflowExecutionStartedEventAttributes: {
        namespace,
        initiatedEventId,
        workflowExecution: { workflowId: child.workflowId, runId: run.state.runId },
        workflowType: { name: child.workflowType },
        header: attrs.header,
      },
    });
    child.runId = run.state.runId;
    child.startedEventId = Number(started.eventId);
    engine.touch(parent);
  };
}

const CHILD_CLOSE_EVENTS: Record<number, { type: number; field: string }> = {
  [WorkflowExecutionStatus.COMPLETED]: {
    type: EventType.CHILD_WORKFLOW_EXECUTION_COMPLETED,
    field: 'childWorkflowExecutionCompletedEventAttributes',
  },
  [WorkflowExecutionStatus.FAILED]: {
    type: EventType.CHILD_WORKFLOW_EXECUTION_FAILED,
    field: 'childWorkflowExecutionFailedEventAttributes',
  },
  [WorkflowExecutionStatus.CANCELED]: {
    type: EventType.CHILD_WORKFLOW_EXECUTION_CANCELED,
    field: 'childWorkflowExecutionCanceledEventAttributes',
  },
  [WorkflowExecutionStatus.TERMINATED]: {
    type: EventType.CHILD_WORKFLOW_EXECUTION_TERMINATED,
    field: 'childWorkflowExecutionTerminatedEventAttributes',
  },
  [WorkflowExecutionStatus.TIMED_OUT]: {
    type: EventType.CHILD_WORKFLOW_EXECUTION_TIMED_OUT,
    field: 'childWorkflowExecutionTimedOutEventAttributes',
  },
};

/** A child run closed for good: its parent gets the matching ChildWorkflowExecution* event. */
export function notifyParentOfClose(engine: Engine, run: Run): void {
  const ref = run.state.parent;
  if (!ref) return;
  const parent = engine.runs.get(`${ref.namespace}/${ref.runId}`);
  const child = parent?.state.children[String(ref.initiatedEventId)];
  if (!parent || !parent.open || !child) return;
  const kind = CHILD_CLOSE_EVENTS[run.state.status];
  if (!kind) return;
  const closing = run.events[run.events.length - 1];
  const attributes: Record<string, unknown> = {
    namespace: run.state.namespace,
    workflowExecution: { workflowId: run.state.workflowId, runId: run.state.runId },
    workflowType: { name: run.state.workflowType },
    initiatedEventId: child.initiatedEventId,
    startedEventId: child.startedEventId,
  };
  if (run.state.status === WorkflowExecutionStatus.COMPLETED)
    attributes.result = closing?.workflowExecutionCompletedEventAttributes?.result;
  if (run.state.status === WorkflowExecutionStatus.FAILED) {
    attributes.failure = closing?.workflowExecutionFailedEventAttributes?.failure;
    attributes.retryState = closing?.workflowExecutionFailedEventAttributes?.retryState;
  }
  if (run.state.status === WorkflowExecutionStatus.CANCELED)
    attributes.details = closing?.workflowExecutionCanceledEventAttributes?.details;
  if (run.state.status === WorkflowExecutionStatus.TIMED_OUT) attributes.retryState = 3;
  delete parent.state.children[String(child.initiatedEventId)];
  engine.appendOrBuffer(parent, { eventType: kind.type, [kind.field]: attributes });
  engine.scheduleWorkflowTask(parent);
}

/** The parent closed: each still-running child is terminated, asked to cancel, or left alone, as its policy says. */
export function applyParentClosePolicies(engine: Engine, parent: Run): void {
  const children = Object.values(parent.state.children);
  parent.state.children = {};
  for (const child of children) {
    if (!child.runId || child.parentClosePolicy === ParentClosePolicy.ABANDON) continue;
    const run = engine.currentRun(child.namespace, child.workflowId);
    if (!run || !run.open || run.state.parent?.runId !== parent.state.runId) continue;
    if (child.parentClosePolicy === ParentClosePolicy.REQUEST_CANCEL) {
      requestCancelRun(engine, run, 'by parent close policy', 'lazarus-devserver');
    } else {
      terminateRun(engine, run, 'by parent close policy', 'lazarus-devserver');
    }
  }
}

export function signalExternal(
  engine: Engine,
  source: Run,
  attrs: P<temporal.api.command.v1.ISignalExternalWorkflowExecutionCommandAttributes>,
  completedEventId: number,
): () => void {
  const namespace = attrs.namespace || source.state.namespace;
  const initiated = engine.append(source, {
    eventType: EventType.SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED,
    signalExternalWorkflowExecutionInitiatedEventAttributes: {
      workflowTaskCompletedEventId: completedEventId,
      namespace,
      workflowExecution: attrs.execution,
      signalName: attrs.signalName,
      input: attrs.input,
      control: attrs.control,
      childWorkflowOnly: attrs.childWorkflowOnly,
      header: attrs.header,
    },
  });
  const initiatedEventId = Number(initiated.eventId);
  return () => {
    const target = engine.findRun(namespace, attrs.execution?.workflowId ?? '', attrs.execution?.runId);
    if (!target || !target.open) {
      engine.append(source, {
        eventType: EventType.SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED,
        signalExternalWorkflowExecutionFailedEventAttributes: {
          cause: SignalExternalWorkflowExecutionFailedCause.EXTERNAL_WORKFLOW_EXECUTION_NOT_FOUND,
          workflowTaskCompletedEventId: completedEventId,
          namespace,
          workflowExecution: attrs.execution,
          initiatedEventId,
          control: attrs.control,
        },
      });
      return;
    }
    signalRun(engine, target, {
      signalName: attrs.signalName ?? '',
      input: attrs.input,
      header: attrs.header,
      identity: 'lazarus-devserver',
      external: {
        namespace: source.state.namespace,
        workflowId: source.state.workflowId,
        runId: source.state.runId,
        initiatedEventId,
      },
    });
    engine.append(source, {
      eventType: EventType.EXTERNAL_WORKFLOW_EXECUTION_SIGNALED,
      externalWorkflowExecutionSignaledEventAttributes: {
        initiatedEventId,
        namespace,
        workflowExecution: { workflowId: target.state.workflowId, runId: target.state.runId },
        control: attrs.control,
      },
    });
  };
}

export function requestCancelExternal(
  engine: Engine,
  source: Run,
  attrs: P<temporal.api.command.v1.IRequestCancelExternalWorkflowExecutionCommandAttributes>,
  completedEventId: number,
): () => void {
  const namespace = attrs.namespace || source.state.namespace;
  const execution = { workflowId: attrs.workflowId, runId: attrs.runId };
  const initiated = engine.append(source, {
    eventType: EventType.REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED,
    requestCancelExternalWorkflowExecutionInitiatedEventAttributes: {
      workflowTaskCompletedEventId: completedEventId,
      namespace,
      workflowExecution: execution,
      control: attrs.control,
      childWorkflowOnly: attrs.childWorkflowOnly,
      reason: attrs.reason,
    },
  });
  const initiatedEventId = Number(initiated.eventId);
  return () => {
    const target = engine.findRun(namespace, attrs.workflowId ?? '', attrs.runId);
    if (!target || !target.open) {
      engine.append(source, {
        eventType: EventType.REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED,
        requestCancelExternalWorkflowExecutionFailedEventAttributes: {
          cause: CancelExternalWorkflowExecutionFailedCause.EXTERNAL_WORKFLOW_EXECUTION_NOT_FOUND,
          workflowTaskCompletedEventId: completedEventId,
          namespace,
          workflowExecution: execution,
          initiatedEventId,
          control: attrs.control,
        },
      });
      return;
    }
    requestCancelRun(engine, target, attrs.reason ?? '', 'lazarus-devserver', {
      workflowId: source.state.workflowId,
      runId: source.state.runId,
      initiatedEventId,
    });
    engine.append(source, {
      eventType: EventType.EXTERNAL_WORKFLOW_EXECUTION_CANCEL_REQUESTED,
      externalWorkflowExecutionCancelRequestedEventAttributes: {
        initiatedEventId,
        namespace,
        workflowExecution: { workflowId: target.state.workflowId, runId: target.state.runId },
      },
    });
  };
}

// A completed workflow task's commands: validated as a whole first (nothing is applied when one is bad), then each
// written as its history event in order. Effects on other executions (starting a child, signalling or cancelling
// another workflow) are returned as follow-ups that run after all command events are written.
import type { temporal } from '@temporalio/proto';
import type { P } from './model.js';
import { scheduleActivity, requestActivityCancel } from './activities.js';
import { requestCancelExternal, signalExternal, startChild } from './children.js';
import { CommandType, EventType, WorkflowExecutionStatus, WorkflowTaskFailedCause } from './enums.js';
import { encodedEventSize, type Engine, type Run } from './engine.js';
import { closeRun, closeRunAndContinue, continueAsNew } from './executions.js';
import { checkSearchAttributes, tagSearchAttributes } from './search-attributes.js';
import { unsupportedCommandField } from './unsupported.js';
import { applyMessage } from './updates.js';
import { cronDelayMs, normaliseWorkflowRetryPolicy, planNextRun } from './workflow-retry.js';
import { durationMs } from './values.js';

type Command = P<temporal.api.command.v1.ICommand>;
type Message = P<temporal.api.protocol.v1.IMessage>;
export type FollowUp = () => void;

const TERMINAL = new Set<number>([
  CommandType.COMPLETE_WORKFLOW_EXECUTION,
  CommandType.FAIL_WORKFLOW_EXECUTION,
  CommandType.CANCEL_WORKFLOW_EXECUTION,
  CommandType.CONTINUE_AS_NEW_WORKFLOW_EXECUTION,
]);

export interface CommandProblem {
  cause: number;
  message: string;
}

export function validateCommands(engine: Engine, run: Run, commands: Command[]): CommandProblem | undefined {
  const activityIds = new Set(Object.values(run.state.activities).map((a) => a.activityId));
  const timerIds = new Set(Object.keys(run.state.timers));
  for (const [index, command] of commands.entries()) {
    const type = command.commandType ?? 0;
    if (TERMINAL.has(type) && index !== commands.length - 1) {
      return {
        cause: WorkflowTaskFailedCause.BAD_COMPLETE_WORKFLOW_EXECUTION_ATTRIBUTES,
        message: 'a workflow-closing command must be the last command',
      };
    }
    const searchAttributes =
      command.upsertWorkflowSearchAttributesCommandAttributes?.searchAttributes ??
      command.startChildWorkflowExecutionCommandAttributes?.searchAttributes ??
      command.continueAsNewWorkflowExecutionCommandAttributes?.searchAttributes;
    try {
      checkSearchAttributes(engine, searchAttributes?.indexedFields);
    } catch (err) {
      return { cause: WorkflowTaskFailedCause.BAD_SEARCH_ATTRIBUTES, message: (err as Error).message };
    }
    const unsupported = unsupportedCommandField(command);
    if (unsupported) {
      const cause = command.continueAsNewWorkflowExecutionCommandAttributes
        ? WorkflowTaskFailedCause.BAD_CONTINUE_AS_NEW_ATTRIBUTES
        : WorkflowTaskFailedCause.BAD_START_CHILD_EXECUTION_ATTRIBUTES;
      return { cause, message: unsupported };
    }
    switch (type) {
      case CommandType.SCHEDULE_ACTIVITY_TASK: {
        const a = command.scheduleActivityTaskCommandAttributes;
        const cause = WorkflowTaskFailedCause.BAD_SCHEDULE_ACTIVITY_ATTRIBUTES;
        if (!a?.activityId) return { cause, message: 'ScheduleActivityTask: activity_id is required' };
        if (!a.activityType?.name)
          return { cause, message: `ScheduleActivityTask ${a.activityId}: activity_type is required` };
        if (activityIds.has(a.activityId))
          return {
            cause: WorkflowTaskFailedCause.SCHEDULE_ACTIVITY_DUPLICATE_ID,
            message: `activity id ${a.activityId} is already in use`,
          };
        if (durationMs(a.scheduleToCloseTimeout) <= 0 && durationMs(a.startToCloseTimeout) <= 0) {
          return {
            cause,
            message: `ScheduleActivityTask ${a.activityId}: a positive schedule_to_close_timeout or start_to_close_timeout is required`,
          };
        }
        activityIds.add(a.activityId);
        break;
      }
      case CommandType.START_TIMER: {
        const t = command.startTimerCommandAttributes;
        if (!t?.timerId)
          return {
            cause: WorkflowTaskFailedCause.BAD_START_TIMER_ATTRIBUTES,
            message: 'StartTimer: timer_id is required',
          };
        if (timerIds.has(t.timerId))
          return {
            cause: WorkflowTaskFailedCause.START_TIMER_DUPLICATE_ID,
            message: `timer id ${t.timerId} is already in use`,
          };
        timerIds.add(t.timerId);
        break;
      }
      case CommandType.START_CHILD_WORKFLOW_EXECUTION: {
        const c = command.startChildWorkflowExecutionCommandAttributes;
        const cause = WorkflowTaskFailedCause.BAD_START_CHILD_EXECUTION_ATTRIBUTES;
        if (!c?.workflowId || !c.workflowType?.name)
          return { cause, message: 'StartChildWorkflowExecution: workflow_id and workflow_type are required' };
        if (c.namespace && !engine.namespaces.has(c.namespace))
          return { cause, message: `StartChildWorkflowExecution: namespace ${c.namespace} is not found` };
        const problem = retryAndCronProblem(c.retryPolicy, c.cronSchedule);
        if (problem) return { cause, message: `StartChildWorkflowExecution: ${problem}` };
        break;
      }
      case CommandType.SIGNAL_EXTERNAL_WORKFLOW_EXECUTION:
        if (!command.signalExternalWorkflowExecutionCommandAttributes?.execution?.workflowId) {
          return {
            cause: WorkflowTaskFailedCause.BAD_SIGNAL_WORKFLOW_EXECUTION_ATTRIBUTES,
            message: 'SignalExternalWorkflowExecution: workflow_id is required',
          };
        }
        break;
      case CommandType.REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION:
        if (!command.requestCancelExternalWorkflowExecutionCommandAttributes?.workflowId) {
          return {
            cause: WorkflowTaskFailedCause.BAD_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_ATTRIBUTES,
            message: 'RequestCancelExternalWorkflowExecution: workflow_id is required',
          };
        }
        break;
      case CommandType.PROTOCOL_MESSAGE:
      case CommandType.REQUEST_CANCEL_ACTIVITY_TASK:
      case CommandType.CANCEL_TIMER:
      case CommandType.RECORD_MARKER:
      case CommandType.UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
      case CommandType.MODIFY_WORKFLOW_PROPERTIES:
      case CommandType.COMPLETE_WORKFLOW_EXECUTION:
      case CommandType.FAIL_WORKFLOW_EXECUTION:
      case CommandType.CANCEL_WORKFLOW_EXECUTION:
        break;
      case CommandType.CONTINUE_AS_NEW_WORKFLOW_EXECUTION: {
        const c = command.continueAsNewWorkflowExecutionCommandAttributes;
        const problem = retryAndCronProblem(c?.retryPolicy, c?.cronSchedule);
        if (problem)
          return {
            cause: WorkflowTaskFailedCause.BAD_CONTINUE_AS_NEW_ATTRIBUTES,
            message: `ContinueAsNewWorkflowExecution: ${problem}`,
          };
        break;
      }
      default:
        return {
          cause: WorkflowTaskFailedCause.UNHANDLED_COMMAND,
          message: `command type ${type} is not implemented by the Lazarus devserver`,
        };
    }
  }
  return undefined;
}

/** The message of the INVALID_ARGUMENT a start with this retry policy and cron schedule would get, if any. */
function retryAndCronProblem(
  retryPolicy: P<temporal.api.common.v1.IRetryPolicy> | null | undefined,
  cronSchedule: string | null | undefined,
): string | undefined {
  try {
    normaliseWorkflowRetryPolicy(retryPolicy);
    if (cronSchedule) cronDelayMs(cronSchedule, Date.now());
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

export function applyCommands(
  engine: Engine,
  run: Run,
  commands: Command[],
  completedEventId: number,
  messages: Message[] = [],
): FollowUp[] {
  const followUps: FollowUp[] = [];
  // A message a ProtocolMessage command places is applied there; the others (update rejections) first.
  const placed = new Set(commands.map((c) => c.protocolMessageCommandAttributes?.messageId).filter(Boolean));
  for (const message of messages) if (!placed.has(message.id)) applyMessage(engine, run, message);
  for (const command of commands) {
    if (command.commandType === CommandType.PROTOCOL_MESSAGE) {
      const message = messages.find((m) => m.id === command.protocolMessageCommandAttributes?.messageId);
      if (message) applyMessage(engine, run, message);
      continue;
    }
    const before = run.lastEventId;
    const followUp = applyCommand(engine, run, command, completedEventId);
    if (followUp) followUps.push(followUp);
    // The command's summary/details (an activity's or timer's summary) go on its event, as the real server keeps them.
    const event = run.events[before];
    if (command.userMetadata && event && run.lastEventId > before) {
      const size = encodedEventSize(event);
      event.userMetadata = command.userMetadata;
      run.state.historySizeBytes += encodedEventSize(event) - size;
    }
  }
  return followUps;
}

function applyCommand(engine: Engine, run: Run, command: Command, completedEventId: number): FollowUp | void {
  const state = run.state;
  switch (command.commandType) {
    case CommandType.SCHEDULE_ACTIVITY_TASK:
      return scheduleActivity(engine, run, command.scheduleActivityTaskCommandAttributes!, completedEventId);
    case CommandType.REQUEST_CANCEL_ACTIVITY_TASK:
      return requestActivityCancel(
        engine,
        run,
        Number(command.requestCancelActivityTaskCommandAttributes?.scheduledEventId ?? 0),
        completedEventId,
      );
    case CommandType.START_TIMER: {
      const attrs = command.startTimerCommandAttributes!;
      const event = engine.append(run, {
        eventType: EventType.TIMER_STARTED,
        timerStartedEventAttributes: {
          timerId: attrs.timerId,
          startToFireTimeout: attrs.startToFireTimeout,
          workflowTaskCompletedEventId: completedEventId,
        },
      });
      const timer = {
        timerId: attrs.timerId!,
        startedEventId: Number(event.eventId),
        fireAt: Date.now() + durationMs(attrs.startToFireTimeout),
      };
      state.timers[timer.timerId] = timer;
      engine.later(() => armTimer(engine, run, timer.timerId, timer.startedEventId, timer.fireAt));
      return;
    }
    case CommandType.CANCEL_TIMER: {
      const timerId = command.cancelTimerCommandAttributes?.timerId ?? '';
      const timer = state.timers[timerId];
      if (!timer) return;
      delete state.timers[timerId];
      engine.append(run, {
        eventType: EventType.TIMER_CANCELED,
        timerCanceledEventAttributes: {
          timerId,
          startedEventId: timer.startedEventId,
          workflowTaskCompletedEventId: completedEventId,
        },
      });
      return;
    }
    case CommandType.RECORD_MARKER: {
      const attrs = command.recordMarkerCommandAttributes ?? {};
      engine.append(run, {
        eventType: EventType.MARKER_RECORDED,
        markerRecordedEventAttributes: {
          markerName: attrs.markerName,
          details: attrs.details,
          header: attrs.header,
          failure: attrs.failure,
          workflowTaskCompletedEventId: completedEventId,
        },
      });
      return;
    }
    case CommandType.UPSERT_WORKFLOW_SEARCH_ATTRIBUTES: {
      const fields = tagSearchAttributes(
        engine,
        command.upsertWorkflowSearchAttributesCommandAttributes?.searchAttributes?.indexedFields,
      );
      engine.append(run, {
        eventType: EventType.UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
        upsertWorkflowSearchAttributesEventAttributes: {
          workflowTaskCompletedEventId: completedEventId,
          searchAttributes: { indexedFields: fields },
        },
      });
      mergeFields(state.searchAttributes, fields);
      return;
    }
    case CommandType.MODIFY_WORKFLOW_PROPERTIES: {
      const fields = command.modifyWorkflowPropertiesCommandAttributes?.upsertedMemo?.fields ?? {};
      engine.append(run, {
        eventType: EventType.WORKFLOW_PROPERTIES_MODIFIED,
        workflowPropertiesModifiedEventAttributes: {
          workflowTaskCompletedEventId: completedEventId,
          upsertedMemo: { fields },
        },
      });
      mergeFields(state.memo, fields);
      return;
    }
    case CommandType.START_CHILD_WORKFLOW_EXECUTION:
      return startChild(
        engine,
        run,
        command.startChildWorkflowExecutionCommandAttributes!,
        completedEventId,
        command.userMetadata,
      );
    case CommandType.SIGNAL_EXTERNAL_WORKFLOW_EXECUTION:
      return signalExternal(engine, run, command.signalExternalWorkflowExecutionCommandAttributes!, completedEventId);
    case CommandType.REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION:
      return requestCancelExternal(
        engine,
        run,
        command.requestCancelExternalWorkflowExecutionCommandAttributes!,
        completedEventId,
      );
    case CommandType.COMPLETE_WORKFLOW_EXECUTION: {
      const result = command.completeWorkflowExecutionCommandAttributes?.result;
      const plan = planNextRun(run, { kind: 'completed' }, () => engine.newRunId());
      engine.append(run, {
        eventType: EventType.WORKFLOW_EXECUTION_COMPLETED,
        workflowExecutionCompletedEventAttributes: {
          result,
          workflowTaskCompletedEventId: completedEventId,
          newExecutionRunId: plan.next?.runId,
        },
      });
      return () =>
        closeRunAndContinue(engine, run, WorkflowExecutionStatus.COMPLETED, plan.next, {
          lastCompletionResult: result,
        });
    }
    case CommandType.FAIL_WORKFLOW_EXECUTION: {
      const failure = command.failWorkflowExecutionCommandAttributes?.failure ?? {};
      const plan = planNextRun(run, { kind: 'failed', failure }, () => engine.newRunId());
      engine.append(run, {
        eventType: EventType.WORKFLOW_EXECUTION_FAILED,
        workflowExecutionFailedEventAttributes: {
          failure,
          retryState: plan.retryState,
          workflowTaskCompletedEventId: completedEventId,
          newExecutionRunId: plan.next?.runId,
        },
      });
      return () => closeRunAndContinue(engine, run, WorkflowExecutionStatus.FAILED, plan.next, { failure });
    }
    case CommandType.CANCEL_WORKFLOW_EXECUTION:
      engine.append(run, {
        eventType: EventType.WORKFLOW_EXECUTION_CANCELED,
        workflowExecutionCanceledEventAttributes: {
          details: command.cancelWorkflowExecutionCommandAttributes?.details,
          workflowTaskCompletedEventId: completedEventId,
        },
      });
      return () => closeRun(engine, run, WorkflowExecutionStatus.CANCELED);
    case CommandType.CONTINUE_AS_NEW_WORKFLOW_EXECUTION:
      return continueAsNew(
        engine,
        run,
        command.continueAsNewWorkflowExecutionCommandAttributes ?? {},
        completedEventId,
      );
  }
}

function mergeFields<T>(
  target: Record<string, T | null | undefined>,
  fields: Record<string, T | null | undefined>,
): void {
  for (const [name, value] of Object.entries(fields)) {
    const payload = value as { data?: Uint8Array | null };
    // An upsert with an empty value removes the attribute.
    if (!payload?.data || payload.data.length === 0 || Buffer.from(payload.data).toString() === 'null')
      delete target[name];
    else target[name] = value;
  }
}

export function armTimer(engine: Engine, run: Run, timerId: string, startedEventId: number, fireAt: number): void {
  engine.deadlines.at(fireAt, () => {
    const timer = run.state.timers[timerId];
    if (!run.open || !timer || timer.startedEventId !== startedEventId) return;
    engine.transaction(() => {
      delete run.state.timers[timerId];
      engine.appendOrBuffer(run, {
        eventType: EventType.TIMER_FIRED,
        timerFiredEventAttributes: { timerId, startedEventId },
      });
      engine.scheduleWorkflowTask(run);
    });
  });
}

// Workflow Updates. An admitted update is written to the run's history as a WorkflowExecutionUpdateAdmitted event
// (the real server's "durable update request", which SDK core turns into the update request for the workflow), so an
// update survives a server restart on its database. The worker answers with protocol messages in its workflow task
// completion: an Acceptance (written as WorkflowExecutionUpdateAccepted where its ProtocolMessage command stands), a
// Rejection (no event; the update completes with the validator's failure) or a Response (WorkflowExecutionUpdateCompleted
// with the outcome). UpdateWorkflowExecution and PollWorkflowExecutionUpdate wait for the stage the caller asked for.
import type { temporal } from '@temporalio/proto';
import { invalidArgument, notFound, permissionDenied, root } from '../errors.js';
import type { Engine, Run } from './engine.js';
import { EventType } from './enums.js';
import type { P } from './model.js';
import type { PollAbort } from './task-queues.js';

type UpdateRequest = P<temporal.api.update.v1.IRequest>;
type Outcome = P<temporal.api.update.v1.IOutcome>;
type Message = P<temporal.api.protocol.v1.IMessage>;

/** UpdateWorkflowExecutionLifecycleStage: how far an update got. */
export const UpdateStage = { UNSPECIFIED: 0, ADMITTED: 1, ACCEPTED: 2, COMPLETED: 3 } as const;

/** What the run remembers of one update (persisted with the run's state). */
export interface UpdateState {
  stage: number;
  admittedEventId?: number;
  acceptedEventId?: number;
  outcome?: Outcome;
}

/** How long one UpdateWorkflowExecution / PollWorkflowExecutionUpdate call waits before answering the stage reached. */
const UPDATE_LONG_POLL_MS = 20_000;

const updatesOf = (run: Run): Record<string, UpdateState> => (run.state.updates ??= {});

/** The real server's default `limit.maxIDLength`: the longest workflow, update, request … id it takes. */
export const MAX_ID_LENGTH = 1000;

/**
 * Refuses an update request that waits only for the ADMITTED stage, as the real frontend does
 * (errUpdateWorkflowExecutionAsyncAdmittedNotAllowed): PERMISSION_DENIED. Polling for ADMITTED stays allowed.
 */
export function refuseAdmittedWait(lifecycleStage: number | null | undefined): void {
  if (lifecycleStage === UpdateStage.ADMITTED)
    throw permissionDenied(
      'UpdateWorkflowExecution issued asynchronously and waiting on update admitted is not supported.',
    );
}

/**
 * The admitted-update event for a request (checked: update id and name are required), for a run's history or the
 * initial events of an update-with-start.
 * @throws INVALID_ARGUMENT naming the missing field, or "UpdateId length exceeds limit." above 1000 characters.
 */
export function admittedEvent(request: UpdateRequest | null | undefined) {
  if (!request?.meta?.updateId) throw invalidArgument('Update id is not set on request.');
  if (!request.input?.name) throw invalidArgument('Update name is not set on request.');
  // The real frontend's limit.maxIDLength (dynamicconfig MaxIDLengthLimit, default 1000 characters).
  if (request.meta.updateId.length > MAX_ID_LENGTH) throw invalidArgument('UpdateId length exceeds limit.');
  return {
    eventType: EventType.WORKFLOW_EXECUTION_UPDATE_ADMITTED,
    workflowExecutionUpdateAdmittedEventAttributes: { request, origin: 0 },
  };
}

/** Records an update admitted into `run` (its event is written or buffered by the caller). */
export function noteAdmitted(engine: Engine, run: Run, updateId: string): void {
  updatesOf(run)[updateId] = { stage: UpdateStage.ADMITTED };
  engine.touch(run);
}

/**
 * Admits an update into an open run (idempotent by update id: a known id returns its state).
 * @throws NOT_FOUND "workflow execution already completed" for a closed run with no such update.
 */
export function admitUpdate(engine: Engine, run: Run, request: UpdateRequest | null | undefined): void {
  const event = admittedEvent(request);
  const updateId = request!.meta!.updateId!;
  if (run.state.updates?.[updateId]) return;
  if (!run.open) throw notFound('workflow execution already completed');
  engine.appendOrBuffer(run, event);
  noteAdmitted(engine, run, updateId);
  engine.scheduleWorkflowTask(run);
}

/** Waits until the update reaches `stage` (or the long poll ends), then answers as UpdateWorkflowExecution does. */
export async function awaitUpdate(
  engine: Engine,
  run: Run,
  updateId: string,
  stage: number,
  abort: PollAbort,
): Promise<P<temporal.api.workflowservice.v1.IUpdateWorkflowExecutionResponse>> {
  const deadline = Date.now() + UPDATE_LONG_POLL_MS;
  const wanted = Math.min(stage || UpdateStage.ADMITTED, UpdateStage.COMPLETED);
  for (;;) {
    const update = run.state.updates?.[updateId];
    if (!update) throw notFound(`update ${updateId} not found`);
    if (update.stage >= wanted || Date.now() >= deadline || abort.cancelled) {
      return {
        updateRef: { workflowExecution: { workflowId: run.state.workflowId, runId: run.state.runId }, updateId },
        stage: update.stage,
        outcome: update.stage === UpdateStage.COMPLETED ? update.outcome : undefined,
      };
    }
    if (!run.open) throw notFound('workflow execution already completed');
    await engine.waitForHistoryChange(run, deadline - Date.now());
  }
}

const decodeBody = (body: Message['body']): { kind: string; value: Record<string, unknown> } | undefined => {
  const any = body as { typeUrl?: string; type_url?: string; value?: Uint8Array } | null | undefined;
  const url = any?.typeUrl ?? any?.type_url ?? '';
  const kind = url.slice(url.lastIndexOf('.') + 1);
  if (!['Acceptance', 'Rejection', 'Response'].includes(kind) || !url.includes('temporal.api.update.v1.'))
    return undefined;
  const type = root.lookupType(`temporal.api.update.v1.${kind}`);
  return { kind, value: type.toObject(type.decode(any?.value ?? new Uint8Array()), { longs: Number }) };
};

/**
 * Checks the protocol messages of a workflow task completion: each must be an update Acceptance, Rejection or
 * Response for an update this run admitted. Returns the problem's message, or undefined.
 */
export function messagesProblem(run: Run, messages: Message[]): string | undefined {
  for (const message of messages) {
    const decoded = decodeBody(message.body);
    if (!decoded) return `protocol message ${message.id ?? ''} is not an update Acceptance, Rejection or Response`;
    if (!run.state.updates?.[message.protocolInstanceId ?? ''])
      return `protocol message ${message.id ?? ''} is for update ${message.protocolInstanceId ?? ''}, which this run did not admit`;
  }
  return undefined;
}

/** Applies one message: the accepted or completed event, or a rejection's outcome. */
export function applyMessage(engine: Engine, run: Run, message: Message): void {
  const decoded = decodeBody(message.body);
  const updateId = message.protocolInstanceId ?? '';
  const update = run.state.updates?.[updateId];
  if (!decoded || !update) return;
  const body = decoded.value as Record<string, never>;
  if (decoded.kind === 'Acceptance') {
    if (update.stage >= UpdateStage.ACCEPTED) return;
    const event = engine.append(run, {
      eventType: EventType.WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
      workflowExecutionUpdateAcceptedEventAttributes: {
        protocolInstanceId: updateId,
        acceptedRequestMessageId: body.acceptedRequestMessageId,
        acceptedRequestSequencingEventId: body.acceptedRequestSequencingEventId,
        acceptedRequest: body.acceptedRequest,
      },
    });
    update.stage = UpdateStage.ACCEPTED;
    update.acceptedEventId = Number(event.eventId);
  } else if (decoded.kind === 'Response') {
    if (update.stage >= UpdateStage.COMPLETED) return;
    engine.append(run, {
      eventType: EventType.WORKFLOW_EXECUTION_UPDATE_COMPLETED,
      workflowExecutionUpdateCompletedEventAttributes: {
        meta: body.meta,
        acceptedEventId: update.acceptedEventId,
        outcome: body.outcome,
      },
    });
    update.stage = UpdateStage.COMPLETED;
    update.outcome = body.outcome as unknown as Outcome;
  } else {
    if (update.stage >= UpdateStage.ACCEPTED) return;
    update.stage = UpdateStage.COMPLETED;
    update.outcome = { failure: body.failure };
    // No event is written for a rejection, but its waiters must hear of it.
    engine.later(() => engine.wakeHistoryWaiters(run));
  }
  engine.touch(run);
}

/**
 * A run closed: every update it accepted but did not complete ends with the failure the real server gives it
 * (update.go, AcceptedUpdateCompletedWorkflow), so its caller and later polls get that outcome. Updates only admitted
 * stay as they are: asking for them answers NOT_FOUND "workflow execution already completed", as there.
 */
export function failAcceptedUpdates(engine: Engine, run: Run): void {
  for (const update of Object.values(run.state.updates ?? {})) {
    if (update.stage !== UpdateStage.ACCEPTED) continue;
    update.stage = UpdateStage.COMPLETED;
    update.outcome = {
      failure: {
        message: 'Workflow Update failed because the Workflow completed before the Update completed.',
        applicationFailureInfo: { type: 'AcceptedUpdateCompletedWorkflow', nonRetryable: true },
      },
    };
    engine.touch(run);
  }
}

// Legacy queries: a query becomes a special workflow task on the run's normal queue, answered with
// RespondQueryTaskCompleted. It is held back while a workflow task is in flight (or before the first one completed),
// because the worker could not answer it consistently then.
import { randomUUID } from 'node:crypto';
import type { temporal } from '@temporalio/proto';
import type { P } from './model.js';
import { deadlineExceeded, invalidArgument, notFound, RpcError } from '../errors.js';
import type { Engine, Run } from './engine.js';
import { QueryRejectCondition, QueryResultType, TaskQueueKind, WorkflowExecutionStatus } from './enums.js';
import { TaskQueues } from './task-queues.js';
import { decodeToken, encodeToken } from './tokens.js';
import { status } from '@grpc/grpc-js';

type QueryRequest = P<temporal.api.workflowservice.v1.IQueryWorkflowRequest>;
type QueryResponse = P<temporal.api.workflowservice.v1.IQueryWorkflowResponse>;

export function queryWorkflow(engine: Engine, namespace: string, request: QueryRequest): Promise<QueryResponse> {
  const execution = request.execution;
  if (!execution?.workflowId) throw invalidArgument('WorkflowId is not set on request.');
  if (!request.query?.queryType) throw invalidArgument('query type is required');
  const run = engine.findRun(namespace, execution.workflowId, execution.runId);
  if (!run) throw notFound(`workflow not found: ${execution.workflowId}`);
  const rejectedStatus = rejection(run, request.queryRejectCondition ?? 0);
  if (rejectedStatus) return Promise.resolve({ queryRejected: { status: rejectedStatus } });
  return new Promise((resolve, reject) => {
    const id = randomUUID();
    const timer = setTimeout(() => {
      engine.queries.delete(id);
      reject(
        deadlineExceeded("query timed out: no worker answered it (is a worker polling the workflow's task queue?)"),
      );
    }, engine.queryTimeoutMs);
    engine.queries.set(id, {
      id,
      runKey: run.key,
      request: {
        queryType: request.query!.queryType,
        queryArgs: request.query!.queryArgs,
        header: request.query!.header,
      },
      dispatched: false,
      resolve: (result) => {
        clearTimeout(timer);
        resolve(result as QueryResponse);
      },
      reject: (err) => {
        clearTimeout(timer);
        reject(err);
      },
    });
    offerQuery(engine, run, id);
  });
}

function rejection(run: Run, condition: number): number | undefined {
  if (run.open) return undefined;
  if (condition === QueryRejectCondition.NOT_OPEN) return run.state.status;
  if (
    condition === QueryRejectCondition.NOT_COMPLETED_CLEANLY &&
    run.state.status !== WorkflowExecutionStatus.COMPLETED
  )
    return run.state.status;
  return undefined;
}

function offerQuery(engine: Engine, run: Run, queryId: string): void {
  engine.queries.get(queryId)!.dispatched = false;
  engine.queues.offer(TaskQueues.key(run.state.namespace, 'workflow', run.state.taskQueue), {
    kind: 'query',
    runKey: run.key,
    queryId,
  });
}

export function dispatchQuery(
  engine: Engine,
  queryId: string,
): P<temporal.api.workflowservice.v1.IPollWorkflowTaskQueueResponse> | undefined {
  const query = engine.queries.get(queryId);
  const run = query && engine.runs.get(query.runKey);
  if (!query || !run || query.dispatched) return undefined;
  const state = run.state;
  if (run.open && (state.workflowTask?.startedEventId !== undefined || state.lastCompletedStartedEventId === 0)) {
    run.deferredQueries.push(queryId);
    return undefined;
  }
  query.dispatched = true;
  return {
    taskToken: encodeToken({ kind: 'query', namespace: state.namespace, queryId }),
    workflowExecution: { workflowId: state.workflowId, runId: state.runId },
    workflowType: { name: state.workflowType },
    workflowExecutionTaskQueue: { name: state.taskQueue, kind: TaskQueueKind.NORMAL },
    previousStartedEventId: state.lastCompletedStartedEventId,
    startedEventId: 0,
    attempt: 1,
    // Empty: a worker with the run cached answers from it; any other fetches the history itself.
    history: { events: [] },
    query: {
      queryType: query.request.queryType,
      queryArgs: query.request.queryArgs as never,
      header: query.request.header as never,
    },
  };
}

/** Queries held back by an in-flight workflow task go out again once it is over. */
export function releaseDeferredQueries(engine: Engine, run: Run): void {
  for (const queryId of run.deferredQueries.splice(0)) {
    if (engine.queries.has(queryId)) offerQuery(engine, run, queryId);
  }
}

export function respondQueryTask(
  engine: Engine,
  request: P<temporal.api.workflowservice.v1.IRespondQueryTaskCompletedRequest>,
): void {
  const token = decodeToken(request.taskToken, 'query');
  if (token.kind !== 'query') throw invalidArgument('not a query task token');
  const query = engine.queries.get(token.queryId);
  if (!query) throw notFound('query not found (it may have timed out)');
  engine.queries.delete(token.queryId);
  if (request.completedType === QueryResultType.ANSWERED) {
    query.resolve({ queryResult: request.queryResult ?? { payloads: [] } });
  } else {
    query.reject(
      new RpcError(status.INVALID_ARGUMENT, request.errorMessage || request.failure?.message || 'query failed'),
    );
  }
}

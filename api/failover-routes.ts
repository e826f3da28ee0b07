// The failover routes: start one (or a dry run), list the runs, read one run's progress or report, and the
// operator's signals. `:id` is a failover id only (failover-ids.ts); every run keeps its own report (`?runId=`).
import { randomUUID } from 'node:crypto';
import type express from 'express';
import type { ZodType } from 'zod';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import { ApplicationFailure, type UpdateDefinition } from '@temporalio/common';
import proto from '@temporalio/proto';
import type { InventoryStore } from '../activities/inventory/index.js';
import type { LazarusConfig } from '../domain/config/index.js';
import { innermostMessage } from '../domain/failover/index.js';
import { failoverSettings } from '../workers/lazarus-workers.js';
import {
  DECISION_REFUSED,
  approveSignal,
  approveUpdate,
  cancelRequestedSignal,
  cancelUpdate,
  hostFailoverWorkflowId,
  overrideFenceSignal,
  overrideFenceUpdate,
  progressQuery,
  rejectSignal,
  rejectUpdate,
  type DecisionRefusal,
  type DecisionTaken,
} from '../workflows/failover/messages.js';
import { actorOf, sanitizeLogText } from './access.js';
import { ApiError } from './errors.js';
import { beforeDeadline } from './request-guards.js';
import { checkTimeRange } from './paging.js';
import { failoverIds, failoverTarget } from './failover-ids.js';
import { asyncRoute, parse } from './routing.js';
import { decisionBody, failoverListQuery, failoverRunQuery, overrideFenceBody, startFailoverBody } from './schemas.js';

export interface FailoverRouteOptions {
  client: Client;
  config: LazarusConfig;
  store: InventoryStore;
  log: (line: string) => void;
  taskQueue: string;
}

/** One run of a failover as the list shows it; `outcome` from its stored report once closed. */
export interface FailoverRun {
  id: string;
  runId: string;
  /** running, completed, failed, canceled, terminated, timed_out, continued_as_new */
  status: string;
  startedAt?: string;
  closedAt?: string;
  outcome?: string;
}

/** The part of the workflow's progress the API reads: phase for override-fence, startedAt for a live elapsedMs. */
interface ProgressView {
  phase?: string;
  startedAt?: string;
  elapsedMs?: number;
  [field: string]: unknown;
}

type OperatorDecision = { by: string; reason?: string };

const STATUS = proto.temporal.api.enums.v1.WorkflowExecutionStatus;

export function failoverRoutes(app: express.Express, options: FailoverRouteOptions): void {
  const { client, config, store, log } = options;

  app.post(
    '/v1/failovers',
    asyncRoute(async (req, res) => {
      const body = parse(startFailoverBody, req.body, 'body');
      const policy = failoverSettings(config, body.group);
      if (!policy) throw new ApiError(404, 'unknown_group', `host group ${body.group} is not in the configuration`);
      if (!config.hostGroups.find((g) => g.name === body.group)!.hosts.includes(body.host)) {
        throw new ApiError(404, 'unknown_host', `host ${body.host} is not in host group ${body.group}`);
      }
      const args = [
        {
          group: body.group,
          host: body.host,
          mode: body.mode,
          dryRun: body.dryRun,
          requestedBy: String(res.locals.caller),
          policy,
        },
      ];
      if (body.dryRun) {
        const workflowId = `dry-run/${body.group}/${body.host}/${randomUUID()}`;
        const dry = await client.workflow.start('hostFailover', { taskQueue: options.taskQueue, workflowId, args });
        // Bounded (api/request-guards.ts): a hung device must not hold the request; a dry run changes nothing, so
        // the late one is cancelled rather than left reading devices for no one.
        const plan = await beforeDeadline(res, dry.result(), async () => {
          await dry.cancel().catch(() => undefined);
          return new ApiError(
            504,
            'dry_run_timeout',
            `the dry run of ${body.host} did not finish in time: a device did not answer (GET /v1/hosts shows each ` +
              "host's state and age; the server log names the command); it was cancelled, nothing was changed",
            { workflowId },
          );
        });
        res.status(200).json(plan);
        return;
      }
      const id = hostFailoverWorkflowId(body.group, body.host);
      try {
        await client.workflow.start('hostFailover', {
          taskQueue: options.taskQueue,
          workflowId: id,
          args,
          workflowIdConflictPolicy: 'FAIL',
        });
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError)
          throw new ApiError(409, 'failover_running', `a failover of ${body.host} is already running`, { id });
        throw err;
      }
      res
        .status(202)
        .location(`/v1/failovers/${encodeURIComponent(id)}`)
        .json({ id, status: 'started' });
    }),
  );

  app.get(
    '/v1/failovers',
    asyncRoute(async (req, res) => {
      res.json(await listRuns(options, parse(failoverListQuery, req.query, 'query')));
    }),
  );

  app.get(
    '/v1/failovers/:id',
    asyncRoute(async (req, res) => {
      const target = failoverTarget(config, String(req.params.id));
      const { runId } = parse(failoverRunQuery, req.query, 'query');
      const description = await describeRun(client.workflow.getHandle(target.id, runId), target.id, runId);
      const handle = client.workflow.getHandle(target.id, description.runId);
      const run = { id: target.id, runId: description.runId, status: description.status.name.toLowerCase() };
      if (description.status.name === 'RUNNING') {
        res.json({ ...run, progress: liveProgress(await progressOf(handle)) });
        return;
      }
      const stored = await store.recoveryReport(target.id, description.runId);
      if (stored) {
        res.json({ ...run, report: stored.report });
        return;
      }
      try {
        res.json({ ...run, report: await handle.result() });
      } catch (err) {
        res.json({ ...run, error: innermostMessage(err) });
      }
    }),
  );

  // The operator's decisions are Workflow Updates (operator-gates.ts): the workflow itself says whether a decision
  // can take effect, so a refused one is a 409 with the reason and the phase, and an accepted one a 200 with the
  // phase it led to. A run started before the updates existed has no handler for them: it gets the old signal (202).
  const decisionRoute = (
    action: string,
    update: UpdateDefinition<DecisionTaken, [OperatorDecision]>,
    legacy: (handle: WorkflowHandle, decision: OperatorDecision) => Promise<void>,
    schema: ZodType<{ by?: string; reason?: string }> = decisionBody,
  ) =>
    app.post(
      `/v1/failovers/:id/${action}`,
      asyncRoute(async (req, res) => {
        const target = failoverTarget(config, String(req.params.id));
        const body = parse(schema, req.body ?? {}, 'body');
        // The actor is the token's name; a `by` in the body is a note beside it (it cannot impersonate anyone).
        const decision = { ...body, by: actorOf(res, body.by) };
        const handle = client.workflow.getHandle(target.id);
        await requireRunning(handle, target.id);
        const taken = await decide(client, handle, action, update, decision);
        if (taken === 'no-update-handler') await legacy(handle, decision);
        else if (action === 'cancel') await cancelRun(handle);
        log(
          `failover ${target.id}: ${action} by ${decision.by}` +
            `${decision.reason ? ` (${sanitizeLogText(decision.reason)})` : ''}` +
            `${taken === 'no-update-handler' ? ' (sent as a signal: the run predates decision updates)' : ''}`,
        );
        if (taken === 'no-update-handler') {
          res.status(202).json({ id: target.id, status: `${action} ${action === 'cancel' ? 'requested' : 'sent'}` });
          return;
        }
        res.status(200).json({ id: target.id, status: DECISION_STATUS[taken.decision], phase: taken.phase });
      }),
    );
  decisionRoute('approve', approveUpdate, (handle, decision) => handle.signal(approveSignal, decision));
  decisionRoute('reject', rejectUpdate, (handle, decision) => handle.signal(rejectSignal, decision));
  decisionRoute(
    'override-fence',
    overrideFenceUpdate,
    async (handle, decision) => {
      await requireFenceBlocked(handle);
      await handle.signal(overrideFenceSignal, decision);
    },
    overrideFenceBody,
  );
  decisionRoute('cancel', cancelUpdate, async (handle, decision) => {
    await handle.signal(cancelRequestedSignal, decision);
    await handle.cancel();
  });
}

/**
 * Requests the cancellation the cancel update recorded the actor of.
 * @throws ApiError 409 `not_running` when the run ended in between (the cancel changed nothing).
 */
async function cancelRun(handle: WorkflowHandle): Promise<void> {
  try {
    await handle.cancel();
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    throw new ApiError(409, 'not_running', `failover ${handle.workflowId} ended before the cancel took effect`);
  }
}

/** The `status` a decision's 200 answer carries. */
const DECISION_STATUS: Record<DecisionTaken['decision'], string> = {
  approved: 'approved',
  rejected: 'rejected',
  'fence-overridden': 'fence overridden',
  'cancel-requested': 'cancel requested',
};

/**
 * How long the API waits for a decision's answer (ms). The answer comes with the workflow's next task; a worker that
 * was just killed holds it until its workflow task times out (about 10 s) and another worker takes over.
 */
const DECISION_ANSWER_MS = 20_000;

/**
 * Sends a decision update and waits for its answer. Returns what it led to, or `no-update-handler` for a run whose
 * workflow code predates decision updates.
 * @throws ApiError 409 with the workflow's refusal (`code`, `phase`), 409 `not_running` when the run closed
 *   meanwhile, 400 `invalid_decision` for a decision the workflow cannot read, 503 `failover_not_answering` when no
 *   answer came within DECISION_ANSWER_MS (the decision may still take effect: the server keeps it).
 */
async function decide(
  client: Client,
  handle: WorkflowHandle,
  action: string,
  update: UpdateDefinition<DecisionTaken, [OperatorDecision]>,
  decision: OperatorDecision,
): Promise<DecisionTaken | 'no-update-handler'> {
  const id = handle.workflowId;
  try {
    return await client.withDeadline(Date.now() + DECISION_ANSWER_MS, () =>
      handle.executeUpdate(update, { args: [decision] }),
    );
  } catch (err) {
    if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError)
      throw new ApiError(
        503,
        'failover_not_answering',
        `failover ${id} did not answer the ${action} within ${DECISION_ANSWER_MS / 1000} s (its worker may be ` +
          'restarting); the decision may still take effect: read the failover before deciding again',
        { id },
      );
    if (err instanceof WorkflowNotFoundError)
      throw new ApiError(409, 'not_running', `failover ${id} ended before the ${action} could take effect`);
    if (!(err instanceof WorkflowUpdateFailedError) || !(err.cause instanceof ApplicationFailure)) throw err;
    const failure = err.cause;
    if (/^No registered handler for update/.test(failure.message)) return 'no-update-handler';
    if (failure.type !== DECISION_REFUSED) throw err;
    const refusal = (failure.details?.[0] ?? {}) as Partial<DecisionRefusal>;
    const code = typeof refusal.code === 'string' ? refusal.code : 'decision_refused';
    throw new ApiError(code === 'invalid_decision' ? 400 : 409, code, `failover ${id}: ${failure.message}`, {
      id,
      ...(refusal.phase ? { phase: refusal.phase } : {}),
    });
  }
}

/**
 * One page of failover runs, newest start first, from Temporal's visibility: only `failover/<group>/<host>` ids
 * of the configuration (of `group` and/or `host` when given). `nextCursor` is Temporal's page token, base64url.
 */
async function listRuns(
  options: FailoverRouteOptions,
  query: {
    limit: number;
    cursor?: string;
    group?: string;
    host?: string;
    outcome?: string;
    since?: string;
    until?: string;
  },
) {
  const ids = failoverIds(options.config, query);
  checkTimeRange(query);
  // since/until: the run's start, in Temporal's visibility (validated ISO times, so safe inside the quotes).
  const visibility =
    `WorkflowType = 'hostFailover' AND WorkflowId IN (${ids.map((id) => `'${id}'`).join(', ')})` +
    `${query.since ? ` AND StartTime >= '${query.since}'` : ''}${query.until ? ` AND StartTime <= '${query.until}'` : ''}`;
  let page;
  try {
    page = await options.client.workflowService.listWorkflowExecutions({
      namespace: options.client.options.namespace,
      query: visibility,
      pageSize: query.limit,
      nextPageToken: query.cursor ? Buffer.from(query.cursor, 'base64url') : undefined,
    });
  } catch (err) {
    if ((err as { code?: number }).code === 3)
      throw new ApiError(400, 'invalid_cursor', 'cursor: not a cursor this API returned (ask again without it)');
    throw err;
  }
  // outcome: the stored report's, known only once read, so a filtered page may hold fewer than `limit` runs.
  const failovers = (
    await Promise.all((page.executions ?? []).map((execution) => toRun(options.store, execution)))
  ).filter((run) => query.outcome === undefined || run.outcome === query.outcome);
  const next =
    page.nextPageToken && page.nextPageToken.length > 0
      ? Buffer.from(page.nextPageToken).toString('base64url')
      : undefined;
  return { failovers, ...(next ? { nextCursor: next } : {}) };
}

async function toRun(
  store: InventoryStore,
  execution: proto.temporal.api.workflow.v1.IWorkflowExecutionInfo,
): Promise<FailoverRun> {
  const id = execution.execution?.workflowId ?? '';
  const runId = execution.execution?.runId ?? '';
  const status = (STATUS[execution.status ?? 0] ?? 'WORKFLOW_EXECUTION_STATUS_UNSPECIFIED')
    .replace('WORKFLOW_EXECUTION_STATUS_', '')
    .toLowerCase();
  const started = timestampMs(execution.startTime);
  const closed = timestampMs(execution.closeTime);
  const outcome = closed === undefined ? undefined : (await store.recoveryReport(id, runId))?.outcome;
  return {
    id,
    runId,
    status,
    ...(started !== undefined ? { startedAt: new Date(started).toISOString() } : {}),
    ...(closed !== undefined ? { closedAt: new Date(closed).toISOString() } : {}),
    ...(outcome ? { outcome } : {}),
  };
}

/** A protobuf Timestamp (seconds as a number or a Long) in milliseconds; undefined when absent. */
function timestampMs(ts: proto.google.protobuf.ITimestamp | null | undefined): number | undefined {
  if (!ts || ts.seconds === null || ts.seconds === undefined) return undefined;
  const seconds = typeof ts.seconds === 'number' ? ts.seconds : ts.seconds.toNumber();
  return seconds * 1000 + Math.floor((ts.nanos ?? 0) / 1e6);
}

/** The progress with `elapsedMs` computed now from `startedAt`, so it moves while a step runs. */
function liveProgress(progress: ProgressView): ProgressView {
  const started = typeof progress.startedAt === 'string' ? Date.parse(progress.startedAt) : NaN;
  return Number.isNaN(started) ? progress : { ...progress, elapsedMs: Math.max(0, Date.now() - started) };
}

async function describeRun(handle: WorkflowHandle, id: string, runId: string | undefined) {
  try {
    return await handle.describe();
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    throw new ApiError(
      404,
      'not_found',
      runId ? `failover ${id} has no run ${runId}` : `no failover ${id} has run yet`,
    );
  }
}

async function requireRunning(handle: WorkflowHandle, id: string): Promise<void> {
  const description = await describeRun(handle, id, undefined);
  if (description.status.name !== 'RUNNING')
    throw new ApiError(409, 'not_running', `failover ${id} is ${description.status.name.toLowerCase()}`);
}

/** How long the API waits for a running failover to answer its progress query. */
const PROGRESS_QUERY_MS = 5_000;

/**
 * The failover's progress, or a prompt 503 when it does not answer in PROGRESS_QUERY_MS: a query waits for the
 * workflow's worker, and one that was just killed holds it until its workflow task times out (about 10 s).
 */
async function progressOf(handle: WorkflowHandle): Promise<ProgressView> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const query = handle.query(progressQuery) as unknown as Promise<ProgressView>;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new ApiError(
            503,
            'failover_not_answering',
            `failover ${handle.workflowId} did not answer within ${PROGRESS_QUERY_MS / 1000} s ` +
              '(its worker may be restarting): try again in a few seconds',
          ),
        ),
      PROGRESS_QUERY_MS,
    );
  });
  query.catch(() => undefined);
  try {
    return await Promise.race([query, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** An override stands in for a power proof that cannot be had; it is accepted only while the fence waits for one. */
async function requireFenceBlocked(handle: WorkflowHandle): Promise<void> {
  const { phase } = await progressOf(handle);
  if (phase !== 'fence-blocked') {
    throw new ApiError(
      409,
      'fence_not_blocked',
      `failover ${handle.workflowId} is in phase ${phase ?? 'unknown'}; ` +
        'override-fence is accepted only while the fence is blocked (phase fence-blocked)',
    );
  }
}

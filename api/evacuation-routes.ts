// The planned-operation routes (issue 14): evacuate a host by LPM, restore its LPARs home, fail back a host that
// returned after a failover; each operation's progress or last report, and cancel. A host names its group (a host
// belongs to one group of the configuration).
import { extendZodWithOpenApi, type OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type express from 'express';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { z } from 'zod';
import type { InventoryStore } from '../activities/inventory/index.js';
import type { LazarusConfig } from '../domain/config/index.js';
import { evacuationPolicy, type EvacuationPolicy, type EvacuationReport } from '../domain/evacuation/index.js';
import type { evacuateHost, failbackHost, restoreHost } from '../workflows/evacuation/index.js';
import {
  evacuationCancelSignal,
  evacuationProgressQuery,
  evacuationWorkflowId,
  failbackWorkflowId,
  restoreWorkflowId,
} from '../workflows/evacuation/messages.js';
import { actorOf, sanitizeLogText } from './access.js';
import { ApiError } from './errors.js';
import { asyncRoute, parse, type OpenApiShared } from './routing.js';

extendZodWithOpenApi(z);

const hostName = z.string().min(1).max(200);

export const evacuateBody = z
  .object({
    destinations: z
      .array(hostName)
      .min(1)
      .max(64)
      .optional()
      .openapi({ description: 'only these hosts of the group receive LPARs (default: every Operating host)' }),
    allowShutdownRestart: z.boolean().default(false).openapi({
      description: 'an LPAR that fails LPM validation is shut down, moved inactive and started on its destination',
    }),
    advisory: z.boolean().default(false).openapi({ description: 'the plan only; nothing changes' }),
  })
  .strict()
  .openapi('EvacuateRequest');

export const restoreBody = z
  .object({
    endMaintenance: z
      .boolean()
      .default(true)
      .openapi({ description: 'take the host out of maintenance once every LPAR is home' }),
  })
  .strict()
  .openapi('RestoreRequest');

export const cancelBody = z
  .object({ by: z.string().max(200).optional(), reason: z.string().max(1000).optional() })
  .strict()
  .openapi('PlannedOperationCancel');

export interface EvacuationRouteOptions {
  client: Client;
  config: LazarusConfig;
  store: InventoryStore;
  log: (line: string) => void;
  taskQueue: string;
}

type Operation = 'evacuate' | 'restore';

export function evacuationRoutes(app: express.Express, options: EvacuationRouteOptions): void {
  const { client, config, store, log, taskQueue } = options;
  const workflowIdOf = (operation: Operation, group: string, host: string) =>
    operation === 'evacuate' ? evacuationWorkflowId(group, host) : restoreWorkflowId(group, host);

  app.post(
    '/v1/hosts/:host/evacuate',
    asyncRoute(async (req, res) => {
      const { group, host, policy } = hostOf(config, String(req.params.host));
      const body = parse(evacuateBody, req.body ?? {}, 'body');
      const unknown = (body.destinations ?? []).filter((d) => d === host || !groupHosts(config, group).includes(d));
      if (unknown.length > 0)
        throw new ApiError(
          400,
          'invalid_destinations',
          `destinations: ${unknown.join(', ')} not another host of ${group}`,
        );
      // An explicit destination in maintenance receives nothing: said here rather than as "no surviving host".
      const resting = body.destinations?.length ? await store.hostMonitoring().maintenance(body.destinations) : [];
      if (resting.length > 0)
        throw new ApiError(
          409,
          'destinations_in_maintenance',
          `destinations: ${resting.map((m) => `${m.host} is in maintenance (${m.reason})`).join(', ')}: ` +
            'a host in maintenance receives no LPARs',
          { hosts: resting.map((m) => m.host) },
        );
      const input = { group, host, ...body, requestedBy: actorOf(res), policy };
      if (body.advisory) {
        const workflowId = `evacuate-advisory/${group}/${host}/${Date.now()}`;
        res.json(
          await client.workflow.execute<typeof evacuateHost>('evacuateHost', { taskQueue, workflowId, args: [input] }),
        );
        return;
      }
      const id = evacuationWorkflowId(group, host);
      await refuseWhileRunning(client, restoreWorkflowId(group, host), `a restore of ${host} is running`);
      await startOnce(
        () =>
          client.workflow.start<typeof evacuateHost>('evacuateHost', {
            taskQueue,
            workflowId: id,
            args: [input],
            workflowIdConflictPolicy: 'FAIL',
          }),
        `an evacuation of ${host} is already running`,
        id,
      );
      log(`host ${host}: evacuation ${id} started by ${input.requestedBy}`);
      const refused = await refusedAtRoster(client, id);
      if (refused)
        throw new ApiError(
          409,
          'host_not_operating',
          `${refused.stoppedBy}; a failed host is failed over (POST /v1/failovers), not evacuated`,
          { id, report: refused },
        );
      res.status(202).json({ id, status: 'started' });
    }),
  );

  app.post(
    '/v1/hosts/:host/restore',
    asyncRoute(async (req, res) => {
      const { group, host, policy } = hostOf(config, String(req.params.host));
      const body = parse(restoreBody, req.body ?? {}, 'body');
      const id = restoreWorkflowId(group, host);
      const input = { group, host, endMaintenance: body.endMaintenance, requestedBy: actorOf(res), policy };
      await refuseWhileRunning(client, evacuationWorkflowId(group, host), `an evacuation of ${host} is running`);
      await startOnce(
        () =>
          client.workflow.start<typeof restoreHost>('restoreHost', {
            taskQueue,
            workflowId: id,
            args: [input],
            workflowIdConflictPolicy: 'FAIL',
          }),
        `a restore of ${host} is already running`,
        id,
      );
      log(`host ${host}: restore ${id} started by ${input.requestedBy}`);
      res.status(202).json({ id, status: 'started' });
    }),
  );

  app.post(
    '/v1/hosts/:host/failback',
    asyncRoute(async (req, res) => {
      const { group, host, policy } = hostOf(config, String(req.params.host));
      const id = failbackWorkflowId(group, host);
      let report;
      try {
        report = await client.workflow.execute<typeof failbackHost>('failbackHost', {
          taskQueue,
          workflowId: id,
          args: [{ group, host, requestedBy: actorOf(res), policy }],
          workflowIdConflictPolicy: 'FAIL',
        });
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError)
          throw new ApiError(409, 'failback_running', `a failback of ${host} is already running`, { id });
        throw err;
      }
      log(`host ${host}: failback ${report.outcome}${report.reason ? ` (${sanitizeLogText(report.reason)})` : ''}`);
      if (report.outcome === 'refused') {
        const nothing = report.reason?.startsWith('nothing to fail back') === true;
        const code = nothing ? 'nothing_to_fail_back' : 'failback_refused';
        throw new ApiError(409, code, `failback of ${host} refused: ${report.reason}`, { report });
      }
      res.status(report.outcome === 'succeeded' ? 200 : 502).json(report);
    }),
  );

  for (const operation of ['evacuate', 'restore'] as const) {
    app.get(
      `/v1/hosts/:host/${operation}`,
      asyncRoute(async (req, res) => {
        const { group, host } = hostOf(config, String(req.params.host));
        const id = workflowIdOf(operation, group, host);
        const handle = client.workflow.getHandle(id);
        let description;
        try {
          description = await handle.describe();
        } catch (err) {
          if (!(err instanceof WorkflowNotFoundError)) throw err;
          throw new ApiError(404, 'not_found', `no ${operation} of ${host} has run yet`);
        }
        const run = { id, runId: description.runId, status: description.status.name.toLowerCase() };
        if (description.status.name === 'RUNNING') {
          res.json({ ...run, progress: await handle.query(evacuationProgressQuery) });
          return;
        }
        const stored = await store.recoveryReport(id, description.runId);
        res.json(stored ? { ...run, report: stored.report } : run);
      }),
    );

    app.post(
      `/v1/hosts/:host/${operation}/cancel`,
      asyncRoute(async (req, res) => {
        const { group, host } = hostOf(config, String(req.params.host));
        const body = parse(cancelBody, req.body ?? {}, 'body');
        const id = workflowIdOf(operation, group, host);
        const handle = client.workflow.getHandle(id);
        const description = await handle.describe().catch((err: unknown) => {
          if (err instanceof WorkflowNotFoundError)
            throw new ApiError(404, 'not_found', `no ${operation} of ${host} has run yet`);
          throw err;
        });
        if (description.status.name !== 'RUNNING')
          throw new ApiError(409, 'not_running', `${id} is ${description.status.name.toLowerCase()}`);
        const by = actorOf(res, body.by);
        await handle.signal(evacuationCancelSignal, { by, ...(body.reason && { reason: body.reason }) });
        await handle.cancel();
        log(`${id}: cancel by ${by}${body.reason ? ` (${sanitizeLogText(body.reason)})` : ''}`);
        res.status(202).json({ id, status: 'cancel requested' });
      }),
    );
  }
}

/** The host's group and its evacuation policy; 404 when no configured group has the host. */
function hostOf(config: LazarusConfig, host: string): { group: string; host: string; policy: EvacuationPolicy } {
  const group = config.hostGroups.find((g) => g.hosts.includes(host));
  if (!group) throw new ApiError(404, 'unknown_host', `host ${host} is not in any configured host group`);
  return { group: group.name, host, policy: evacuationPolicy(config, group.name)! };
}

function groupHosts(config: LazarusConfig, group: string): string[] {
  return config.hostGroups.find((g) => g.name === group)?.hosts ?? [];
}

async function startOnce(start: () => Promise<unknown>, conflict: string, id: string): Promise<void> {
  try {
    await start();
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError)
      throw new ApiError(409, 'operation_running', conflict, { id });
    throw err;
  }
}

/**
 * 409 `operation_running` (the other's id in the answer) when `id` runs now: an evacuation and a restore of one host
 * never run at once (each would move the other's LPARs, and a restore ends the maintenance the evacuation set).
 */
async function refuseWhileRunning(client: Client, id: string, conflict: string): Promise<void> {
  try {
    if ((await client.workflow.getHandle(id).describe()).status.name !== 'RUNNING') return;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return;
    throw err;
  }
  throw new ApiError(409, 'operation_running', conflict, { id });
}

/** How long the API waits for a started evacuation to read its roster (one HMC read) before answering 202 anyway. */
const ROSTER_WAIT_MS = 30_000;
const ROSTER_POLL_MS = 200;

/**
 * Waits until the evacuation `id` has read its roster: its report when it stopped there (the host is not Operating:
 * nothing moved, no maintenance), undefined when it goes on (or after ROSTER_WAIT_MS: it then refuses on its own).
 */
async function refusedAtRoster(client: Client, id: string): Promise<EvacuationReport | undefined> {
  const handle = client.workflow.getHandle<typeof evacuateHost>(id);
  const deadline = Date.now() + ROSTER_WAIT_MS;
  while (Date.now() < deadline) {
    const status = (await handle.describe()).status.name;
    if (status !== 'RUNNING') {
      if (status !== 'COMPLETED') return undefined;
      const report = await handle.result();
      return report.lpars.length === 0 && report.stoppedBy?.startsWith('roster:') ? report : undefined;
    }
    // A query before the run's first task completes is refused: asked again.
    const progress = await handle.query(evacuationProgressQuery).catch(() => undefined);
    if (progress && progress.phase !== 'roster') return undefined;
    await new Promise((resolve) => setTimeout(resolve, ROSTER_POLL_MS));
  }
  return undefined;
}

/** The OpenAPI entries of these routes. */
export function registerEvacuationPaths(registry: OpenAPIRegistry, shared: OpenApiShared): void {
  const { security, json, errors, errorResponse } = shared;
  const params = z.object({ host: hostName.openapi({ description: 'a host (managed system) of a configured group' }) });
  const started = z.object({ id: z.string(), status: z.literal('started') });
  const report = z.record(z.string(), z.unknown()).openapi('PlannedOperationReport');
  const body = (schema: z.ZodType) => ({ content: { 'application/json': { schema } } });
  registry.registerPath({
    method: 'post',
    path: '/v1/hosts/{host}/evacuate',
    security,
    request: { params, body: body(evacuateBody) },
    responses: {
      200: json(report, 'advisory: the plan (each LPAR and its destination); nothing changed'),
      202: json(started, 'the evacuation started: the host is put in maintenance and its LPARs move by LPM'),
      409: json(
        errorResponse,
        'an evacuation or a restore of the host runs (its id in the answer), the host is not Operating ' +
          '(`host_not_operating`: a failed host is failed over, not evacuated; the report in the answer), or a ' +
          'destination named is in maintenance (`destinations_in_maintenance`)',
      ),
      ...errors,
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/v1/hosts/{host}/restore',
    security,
    request: { params, body: body(restoreBody) },
    responses: {
      202: json(started, 'every LPAR moved away from the host goes back to it by LPM'),
      409: json(errorResponse, 'a restore or an evacuation of the host runs (its id in the answer)'),
      ...errors,
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/v1/hosts/{host}/failback',
    security,
    request: { params },
    responses: {
      200: json(report, 'stale definitions and volume mappings removed: the host may be a destination again'),
      409: json(errorResponse, 'refused (an LPAR elsewhere in doubt, the host not back) or already running'),
      502: json(report, 'a device step failed; the report says what was cleaned so far'),
      ...errors,
    },
  });
  for (const operation of ['evacuate', 'restore']) {
    registry.registerPath({
      method: 'get',
      path: `/v1/hosts/{host}/${operation}`,
      security,
      request: { params },
      responses: { 200: json(report, `the running ${operation}'s progress, or the last one's report`), ...errors },
    });
    registry.registerPath({
      method: 'post',
      path: `/v1/hosts/{host}/${operation}/cancel`,
      security,
      request: { params, body: body(cancelBody) },
      responses: {
        202: json(z.object({ id: z.string(), status: z.string() }), 'nothing new starts; migrations in flight finish'),
        409: json(errorResponse, 'it is not running'),
        ...errors,
      },
    });
  }
}

// The host monitoring routes: a host's maintenance flag (the monitor does not fail over a host in maintenance), a
// group monitor's current view (its query, with a bounded wait) and the detections it recorded.
import { extendZodWithOpenApi, type OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type express from 'express';
import type { Response } from 'express';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { z } from 'zod';
import type { InventoryStore } from '../activities/inventory/index.js';
import type { LazarusConfig } from '../domain/config/index.js';
import type { MonitorView } from '../domain/monitoring/index.js';
import { hostMonitorWorkflowId, monitorViewQuery } from '../workflows/monitoring/messages.js';
import { ApiError } from './errors.js';
import { checkTimeRange, cursorParam, inTimeRange, limitParam, pageOf, timeRangeParams } from './paging.js';
import { asyncRoute, parse, type OpenApiShared } from './routing.js';

extendZodWithOpenApi(z);

export interface MonitoringRouteOptions {
  client: Client;
  config: LazarusConfig;
  store: InventoryStore;
  log?: (line: string) => void;
}

const name = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, 'letters, digits, _ . - only')
  .max(128);

export const maintenanceBody = z
  .strictObject({
    reason: z.string().trim().min(1, 'why the host is in maintenance').max(1000).openapi({ example: 'DIMM swap' }),
    by: z.string().trim().min(1).max(200).optional().openapi({ description: 'who; default: the caller' }),
  })
  .openapi('HostMaintenanceRequest');

export const maintenanceResponse = z
  .object({ host: z.string(), reason: z.string(), by: z.string(), since: z.string() })
  .openapi('HostMaintenance');

export const detectionsQuery = z
  .strictObject({
    limit: limitParam(50, 1000),
    cursor: cursorParam.optional(),
    host: name.optional().openapi({ description: 'only detections of this host' }),
    ...timeRangeParams,
  })
  .openapi('DetectionsQuery');

/** How many of a group's newest detections the filters and pages reach (the store's own bound). */
const DETECTIONS_SCANNED = 1000;

export const detectionsResponse = z
  .object({
    detections: z.array(
      z.object({
        group: z.string(),
        host: z.string(),
        firstBadAt: z.string(),
        confirmedAt: z.string(),
        verdict: z.enum(['failed', 'failed-unproven']),
        action: z.string(),
        failoverId: z.string().optional(),
        mode: z.enum(['auto', 'advisory']).optional(),
        reason: z.string(),
        monitorId: z.string(),
      }),
    ),
    nextCursor: z.string().optional().openapi({ description: 'pass as cursor for the next page; absent on the last' }),
  })
  .openapi('HostDetections');

export const monitorViewResponse = z
  .object({
    group: z.string(),
    workflowId: z.string(),
    observations: z.number(),
    lastObservedAt: z.string().optional(),
    unreachableHmcs: z.array(z.string()),
    hosts: z.array(
      z
        .object({
          host: z.string(),
          verdict: z.string().optional(),
          consecutive: z.number(),
          quarantinedUntil: z.string().optional(),
          lastObservedAt: z.string().optional(),
        })
        .passthrough(),
    ),
  })
  .passthrough()
  .openapi('MonitorView');

/** How long the API waits for a monitor to answer its query (it waits for the monitor's worker). */
const MONITOR_QUERY_MS = 5_000;

export function monitoringRoutes(app: express.Express, options: MonitoringRouteOptions): void {
  const { client, config, store } = options;
  const log = options.log ?? (() => undefined);

  app.put(
    '/v1/hosts/:host/maintenance',
    asyncRoute(async (req, res) => {
      requireOperator(res);
      const host = knownHost(config, String(req.params.host));
      const body = parse(maintenanceBody, req.body ?? {}, 'body');
      const stored = await store.hostMonitoring().setMaintenance({
        host,
        reason: body.reason,
        by: body.by ?? String(res.locals.caller ?? 'api'),
        since: new Date().toISOString(),
      });
      log(`host ${host}: maintenance on by ${stored.by} (${stored.reason})`);
      res.status(200).json(stored);
    }),
  );

  app.delete(
    '/v1/hosts/:host/maintenance',
    asyncRoute(async (req, res) => {
      requireOperator(res);
      const host = knownHost(config, String(req.params.host));
      if (!(await store.hostMonitoring().clearMaintenance(host)))
        throw new ApiError(404, 'not_in_maintenance', `host ${host} is not in maintenance`);
      log(`host ${host}: maintenance off`);
      res.status(200).json({ host, maintenance: false });
    }),
  );

  app.get(
    '/v1/groups/:group/monitor',
    asyncRoute(async (req, res) => {
      const group = knownGroup(config, String(req.params.group));
      res.json(await monitorView(client, group));
    }),
  );

  app.get(
    '/v1/groups/:group/detections',
    asyncRoute(async (req, res) => {
      const group = knownGroup(config, String(req.params.group));
      const query = parse(detectionsQuery, req.query, 'query');
      checkTimeRange(query);
      const detections = (await store.hostMonitoring().detections(group, DETECTIONS_SCANNED)).filter(
        (d) => (query.host === undefined || d.host === query.host) && inTimeRange(d.confirmedAt, query),
      );
      // Newest confirmation first; the key also orders two confirmed at the same instant, so the cursor is exact.
      const key = (d: (typeof detections)[number]) => `${d.confirmedAt}\u0000${d.host}\u0000${d.firstBadAt}`;
      detections.sort((a, b) => (key(a) < key(b) ? 1 : key(a) > key(b) ? -1 : 0));
      const page = pageOf(detections, query, key, 'descending');
      res.json({ detections: page.items, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) });
    }),
  );
}

/** Changing what the monitor may do is an operator's act; a viewer token (when the API knows roles) may only read. */
function requireOperator(res: Response): void {
  const role = res.locals.role as string | undefined;
  if (role === 'viewer')
    throw new ApiError(403, 'forbidden', `this needs an operator token (the caller's role is ${role})`);
}

function knownGroup(config: LazarusConfig, group: string): string {
  if (!config.hostGroups.some((g) => g.name === group))
    throw new ApiError(404, 'unknown_group', `host group ${group} is not in the configuration`);
  return group;
}

function knownHost(config: LazarusConfig, host: string): string {
  if (!config.hostGroups.some((g) => g.hosts.includes(host)))
    throw new ApiError(404, 'unknown_host', `host ${host} is not in any host group`);
  return host;
}

/**
 * The monitor's current view; 404 `no_monitor` when the group's monitor is not running (monitoring disabled, or
 * Lazarus not started), a prompt 503 `monitor_not_answering` when it does not answer within MONITOR_QUERY_MS (its
 * worker may be restarting).
 */
async function monitorView(client: Client, group: string): Promise<MonitorView> {
  const handle = client.workflow.getHandle(hostMonitorWorkflowId(group));
  try {
    const description = await handle.describe();
    if (description.status.name !== 'RUNNING')
      throw new ApiError(
        404,
        'no_monitor',
        `the monitor of ${group} is ${description.status.name.toLowerCase()} (monitoring disabled?)`,
      );
  } catch (err) {
    if (err instanceof WorkflowNotFoundError)
      throw new ApiError(404, 'no_monitor', `no monitor of ${group} has run (monitoring disabled, or not started)`);
    throw err;
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const query = handle.query(monitorViewQuery);
  query.catch(() => undefined);
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new ApiError(
            503,
            'monitor_not_answering',
            `the monitor of ${group} did not answer within ${MONITOR_QUERY_MS / 1000} s ` +
              '(its worker may be restarting): try again in a few seconds',
          ),
        ),
      MONITOR_QUERY_MS,
    );
  });
  try {
    return await Promise.race([query, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The OpenAPI entries of these routes. */
export function registerMonitoringPaths(registry: OpenAPIRegistry, shared: OpenApiShared): void {
  const { security, json, errors, errorResponse } = shared;
  const host = z.object({ host: name.openapi({ description: 'a host (managed system) of a configured group' }) });
  const group = z.object({ group: name.openapi({ description: 'a configured host group' }) });
  registry.registerPath({
    method: 'put',
    path: '/v1/hosts/{host}/maintenance',
    security,
    request: { params: host, body: { content: { 'application/json': { schema: maintenanceBody } } } },
    responses: {
      200: json(maintenanceResponse, 'the host is in maintenance: the monitor does not fail it over'),
      403: json(errorResponse, 'an operator token is needed'),
      ...errors,
    },
  });
  registry.registerPath({
    method: 'delete',
    path: '/v1/hosts/{host}/maintenance',
    security,
    request: { params: host },
    responses: {
      200: json(
        z.object({ host: z.string(), maintenance: z.literal(false) }),
        'maintenance ended: the monitor acts on its failures again',
      ),
      403: json(errorResponse, 'an operator token is needed'),
      ...errors,
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/v1/groups/{group}/monitor',
    security,
    request: { params: group },
    responses: {
      200: json(monitorViewResponse, "the monitor's view: per host its verdict, consecutive count, quarantine"),
      503: json(errorResponse, 'the monitor did not answer in 5 s (its worker may be restarting)'),
      ...errors,
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/v1/groups/{group}/detections',
    security,
    request: { params: group, query: detectionsQuery },
    responses: {
      200: json(detectionsResponse, 'confirmed host failures and what the monitor did, newest first'),
      ...errors,
    },
  });
}

// Reduced-size restarts (issue 14 item 4): which LPARs run at reduced size, and a later resize that gives one its
// full size back where it runs now (workflow full-size/<group>/<lpar>: DLPAR while it runs, then its profile).
import { extendZodWithOpenApi, type OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type express from 'express';
import { z } from 'zod';
import type { InventoryStore } from '../activities/inventory/index.js';
import type { LazarusConfig } from '../domain/config/index.js';
import { failoverPolicy, innermostMessage } from '../domain/failover/index.js';
import { fullSizeWorkflowId, type returnLparToFullSize } from '../workflows/failover/index.js';
import { actorOf, sanitizeLogText } from './access.js';
import { ApiError } from './errors.js';
import { asyncRoute, parse } from './routing.js';
import { checkTimeRange, cursorParam, inTimeRange, limitParam, pageOf, timeRangeParams } from './paging.js';

extendZodWithOpenApi(z);

/** GET /v1/reduced-lpars: filters (group, host it runs on, when it was reduced) and paging. */
const reducedListQuery = z.strictObject({
  limit: limitParam(1000, 1000),
  cursor: cursorParam.optional(),
  group: z.string().max(128).optional().openapi({ description: 'only LPARs of this host group' }),
  host: z.string().max(128).optional().openapi({ description: 'only LPARs restarted on this host' }),
  ...timeRangeParams,
});

export interface ResizeRouteOptions {
  client: Client;
  config: LazarusConfig;
  store: InventoryStore;
  log: (line: string) => void;
  taskQueue: string;
}

/** Error classes (activities/ssh/error-classes.ts) that mean the host has no room yet: try again later. */
const NO_ROOM = /HSCL0622|HSCL0623|not enough (memory|processing units)/;

export function resizeRoutes(app: express.Express, options: ResizeRouteOptions): void {
  const { client, config, store, log, taskQueue } = options;

  app.get(
    '/v1/reduced-lpars',
    asyncRoute(async (req, res) => {
      // Filters and paging as every list (api/paging.ts): in (group, LPAR) order.
      const query = parse(reducedListQuery, req.query, 'query');
      checkTimeRange(query);
      const lpars = [];
      for (const group of config.hostGroups)
        if (query.group === undefined || group.name === query.group)
          lpars.push(...(await store.reducedSizes().inGroup(group.name)));
      const key = (r: { group: string; lpar: string }) => `${r.group}\u0000${r.lpar}`;
      const shown = lpars
        .filter((r) => (query.host === undefined || r.host === query.host) && inTimeRange(r.reducedAt, query))
        .sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
      const page = pageOf(shown, query, key);
      res.json({ lpars: page.items, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) });
    }),
  );

  app.post(
    '/v1/lpars/:lpar/full-size',
    asyncRoute(async (req, res) => {
      const lpar = String(req.params.lpar);
      const groups = [];
      for (const group of config.hostGroups)
        if (await store.reducedSizes().of(group.name, lpar)) groups.push(group.name);
      if (groups.length === 0)
        throw new ApiError(404, 'not_reduced', `${lpar} is not recorded as running at reduced size`);
      const group = groups[0]!;
      // The group comes from config.hostGroups above, so it has a policy.
      const policy = failoverPolicy(config, group)!;
      const id = fullSizeWorkflowId(group, lpar);
      const input = {
        group,
        lpar,
        hmc: policy.devices.hmc,
        heartbeatMs: policy.timing.heartbeatMs,
        requestedBy: actorOf(res),
      };
      let result;
      try {
        result = await client.workflow.execute<typeof returnLparToFullSize>('returnLparToFullSize', {
          taskQueue,
          workflowId: id,
          args: [input],
          workflowIdConflictPolicy: 'FAIL',
        });
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError)
          throw new ApiError(409, 'resize_running', `${lpar} is already being returned to full size`, { id });
        const why = innermostMessage(err);
        if (NO_ROOM.test(why)) throw new ApiError(409, 'no_capacity', `${lpar}: no room yet on its host: ${why}`);
        throw new ApiError(502, 'device_error', `${lpar}: ${why}`);
      }
      log(`lpar ${lpar}: full size by ${input.requestedBy}: ${sanitizeLogText(result.detail)}`);
      res.json(result);
    }),
  );
}

/** The routes' OpenAPI paths (api/openapi.ts calls this; the words are in api/openapi-text.ts). */
export function registerResizePaths(
  registry: OpenAPIRegistry,
  parts: {
    security: Array<Record<string, string[]>>;
    json: (schema: z.ZodType, description: string) => object;
    errors: Record<number, object>;
    errorResponse: z.ZodType;
  },
): void {
  const { security, json, errors, errorResponse } = parts;
  const size = (what: string) =>
    z
      .object({
        procUnits: z.number().openapi({ description: 'processing units (a dedicated core counts 1.0)' }),
        memoryMb: z.number().int().openapi({ description: 'memory in MB' }),
      })
      .openapi({ description: what });
  const record = z
    .object({
      group: z.string().openapi({ description: 'a configured host group' }),
      lpar: z.string().openapi({ description: 'an LPAR (VM) name' }),
      profile: z.string().openapi({ description: 'the profile changed to the reduced size' }),
      full: size('its size before the reduction (its profile desired size then)'),
      reduced: size('the size it was restarted with'),
      host: z.string().openapi({ description: 'the host it was restarted on' }),
      reducedBy: z.string().openapi({ description: 'the failover that reduced it, failover/<group>/<host>' }),
      reducedAt: z.string().openapi({ description: 'when (ISO 8601)' }),
    })
    .openapi('ReducedLpar');
  registry.registerPath({
    method: 'get',
    path: '/v1/reduced-lpars',
    summary: 'List LPARs running at reduced size',
    description:
      'Every LPAR a failover restarted at reduced size (policy reducedSize or allowReducedSize) and not yet ' +
      'returned to full size, with its full and reduced sizes (inventory, migration 007).',
    security,
    request: { query: reducedListQuery },
    responses: {
      200: json(
        z.object({
          lpars: z.array(record).openapi({ description: 'LPARs at reduced size, by group and name' }),
          nextCursor: z
            .string()
            .optional()
            .openapi({ description: 'pass as cursor for the next page; absent on the last' }),
        }),
        'every LPAR recorded at reduced size',
      ),
      ...errors,
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/v1/lpars/{lpar}/full-size',
    summary: 'Return an LPAR to its full size',
    description:
      'Runs full-size/<group>/<lpar>: on the host where the HMC shows the LPAR active, grows it by DLPAR (chhwres) ' +
      'to its recorded full size and sets its profile back to full; the record is forgotten once the HMC shows the ' +
      'full size. 409 no_capacity when the host has no room yet (the record is kept). Operator role.',
    security,
    request: { params: z.object({ lpar: z.string().openapi({ description: 'an LPAR (VM) name' }) }) },
    responses: {
      200: json(
        z
          .object({
            lpar: z.string().openapi({ description: 'an LPAR (VM) name' }),
            changed: z.boolean().openapi({ description: 'false: it was not recorded as reduced, or already full' }),
            host: z.string().optional().openapi({ description: 'the host it runs on' }),
            full: size('its full size, now given back').optional(),
            detail: z.string().openapi({ description: 'what was done, in words' }),
          })
          .openapi('FullSizeReturn'),
        'back to its full size (or already so)',
      ),
      404: json(errorResponse, 'not recorded as running at reduced size'),
      409: json(errorResponse, 'no room yet on its host, or already being resized'),
      502: json(errorResponse, 'a device refused or could not be reached; the record is kept'),
      ...errors,
    },
  });
}

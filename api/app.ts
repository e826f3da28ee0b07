// The HTTP API (express + zod): trigger and steer failovers, read progress and reports, read the inventory.
// Bearer-token authentication (tokens from the configuration, compared in constant time); JSON errors with a code.
import { randomUUID } from 'node:crypto';
import express from 'express';
import type { Client } from '@temporalio/client';
import type { InventoryStore } from '../activities/inventory/index.js';
import type { LazarusConfig } from '../domain/config/index.js';
import { MAIN_TASK_QUEUE } from '../workers/lazarus-workers.js';
import { authenticate, authorize, normalizeTokens, type ApiToken } from './access.js';
import { ApiError, errorHandler } from './errors.js';
import { consoleRoutes } from './console/routes.js';
import { createApiMetrics } from './metrics.js';
import { failoverRoutes } from './failover-routes.js';
import { drRoutes } from './dr-routes.js';
import { agentRoutes, resolveAgentTokens, vmHealthRoutes, type AgentToken } from './agent-routes.js';
import { groupRoutes } from './group-routes.js';
import { inventoryRoutes } from './inventory-routes.js';
import { monitoringRoutes } from './monitoring-routes.js';
import { evacuationRoutes } from './evacuation-routes.js';
import { resizeRoutes } from './resize-routes.js';
import { notificationRoutes } from './notification-routes.js';
import { openApiDocument } from './openapi.js';
import { auditRoutes, auditTrail } from './audit.js';
import { declaredQueryGuard, jsonBodyGuard, requestTimeout } from './request-guards.js';
import { asyncRoute } from './routing.js';

export interface ApiOptions {
  client: Client;
  config: LazarusConfig;
  store: InventoryStore;
  /**
   * Bearer tokens that may call the API, already resolved from their references: with their name and role, or bare
   * strings (named `api`, every right; tests and embedded use).
   */
  tokens: Array<string | ApiToken>;
  /** Agent tokens for POST /v1/agents/heartbeat; default: `config.agents.tokens` resolved from their references. */
  agentTokens?: AgentToken[];
  log?: (line: string) => void;
  taskQueue?: string;
  /**
   * Milliseconds a request may wait on a device or Temporal before a 504 `request_timeout` (api/request-guards.ts);
   * default `config.api.requestTimeout` when the configuration has it, else 30 s.
   */
  requestTimeoutMs?: number;
}

export function createApi(options: ApiOptions): express.Express {
  const log = options.log ?? ((line: string) => console.log(line));
  const app = express();
  app.disable('x-powered-by');
  // Observability and the web console (api/metrics.ts, api/console/): requests counted by route and status.
  const metrics = createApiMetrics({ store: options.store, config: options.config });
  app.use(metrics.requests);
  app.use((req, res, next) => {
    res.locals.requestId = randomUUID().slice(0, 8);
    const started = Date.now();
    res.on('finish', () =>
      log(`api ${res.locals.requestId} ${req.method} ${req.path} ${res.statusCode} ${Date.now() - started}ms`),
    );
    next();
  });
  // Hardening and the audit trail (api/request-guards.ts, api/audit.ts): a bound on every request, bodies only as
  // UTF-8 JSON, only documented query parameters, every state-changing call recorded.
  // A configuration built by hand (tests) may have no api section.
  const requestTimeoutMs = options.requestTimeoutMs ?? options.config.api?.requestTimeout;
  app.use(requestTimeout(requestTimeoutMs ?? 30_000, (req) => whereToLook(options.config, req.method, req.path)));
  app.use(auditTrail({ store: options.store, log, document: openApiDocument() }));
  app.use(jsonBodyGuard());
  app.use(declaredQueryGuard(openApiDocument()));
  app.get(
    '/v1/healthz',
    asyncRoute(async (_req, res) => {
      const checks = {
        temporal: await ok(() => options.client.workflowService.getSystemInfo({})),
        inventory: await ok(() => options.store.recentNotifications(1)),
      };
      res
        .status(checks.temporal && checks.inventory ? 200 : 503)
        .json({ status: checks.temporal && checks.inventory ? 'ok' : 'degraded', checks });
    }),
  );
  app.get('/v1/openapi.json', (_req, res) => void res.json(openApiDocument()));
  // Agents: their own door and tokens, before the operator-token middleware (which never sees agent tokens).
  const apiTokens = normalizeTokens(options.tokens);
  metrics.mount(app, apiTokens);
  consoleRoutes(app, apiTokens);
  agentRoutes(app, {
    ...options,
    tokens: apiTokens.map((t) => t.token),
    agentTokens: options.agentTokens ?? resolveAgentTokens(options.config),
    taskQueue: options.taskQueue ?? MAIN_TASK_QUEUE,
    log,
  });
  app.use('/v1', authenticate(apiTokens), authorize());
  app.use(express.json({ limit: '64kb' }));

  failoverRoutes(app, {
    client: options.client,
    config: options.config,
    store: options.store,
    log,
    taskQueue: options.taskQueue ?? MAIN_TASK_QUEUE,
  });
  inventoryRoutes(app, options);
  monitoringRoutes(app, { ...options, log });
  evacuationRoutes(app, { ...options, log, taskQueue: options.taskQueue ?? MAIN_TASK_QUEUE });
  resizeRoutes(app, { ...options, log, taskQueue: options.taskQueue ?? MAIN_TASK_QUEUE });
  drRoutes(app, { ...options, taskQueue: options.taskQueue ?? MAIN_TASK_QUEUE });
  notificationRoutes(app, options);
  groupRoutes(app, { ...options, taskQueue: options.taskQueue ?? MAIN_TASK_QUEUE });
  vmHealthRoutes(app, options);
  auditRoutes(app, options);

  app.use((req, _res, next) => next(new ApiError(404, 'not_found', `no route ${req.method} ${req.path}`)));
  app.use(errorHandler(log));
  return app;
}

/** Where a caller whose request timed out finds what it started: the routes that wait on a workflow's end. */
function whereToLook(config: LazarusConfig, method: string, path: string): string | undefined {
  const failback = method === 'POST' ? /^\/v1\/hosts\/([^/]+)\/failback\/?$/i.exec(path) : null;
  if (!failback) return undefined;
  const host = safeDecode(failback[1]!);
  const group = config.hostGroups.find((g) => g.hosts.includes(host))?.name ?? '<group>';
  return `The failback goes on as workflow failback/${group}/${host} (Temporal UI or CLI); a POST while it runs is 409.`;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

async function ok(check: () => Promise<unknown>): Promise<boolean> {
  try {
    await check();
    return true;
  } catch {
    return false;
  }
}

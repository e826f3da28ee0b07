// The HTTP API (express + zod): trigger and steer failovers, read progress and reports, read the inventory.
// Bearer-token authentication (tokens from the configuration, compared in constant time); JSON errors with a code.
import { randomUUID, timingSafeEqual } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { InventoryStore } from '../activities/inventory/index.js';
import type { LazarusConfig } from '../domain/config/index.js';
import { failoverSettings, MAIN_TASK_QUEUE } from '../workers/lazarus-workers.js';
import { hostFailoverWorkflowId } from '../workflows/failover/messages.js';
import { ApiError, errorHandler, validationError } from './errors.js';
import { openApiDocument } from './openapi.js';
import { decisionBody, overrideFenceBody, startFailoverBody } from './schemas.js';
import type { ZodType } from 'zod';

export interface ApiOptions {
  client: Client;
  config: LazarusConfig;
  store: InventoryStore;
  /** Bearer tokens that may call the API (already resolved from their references). */
  tokens: string[];
  log?: (line: string) => void;
  taskQueue?: string;
}

export function createApi(options: ApiOptions): express.Express {
  const log = options.log ?? ((line: string) => console.log(line));
  const app = express();
  app.disable('x-powered-by');
  app.use((req, res, next) => {
    res.locals.requestId = randomUUID().slice(0, 8);
    const started = Date.now();
    res.on('finish', () => log(`api ${res.locals.requestId} ${req.method} ${req.path} ${res.statusCode} ${Date.now() - started}ms`));
    next();
  });
  app.get('/v1/healthz', asyncRoute(async (_req, res) => {
    const checks = { temporal: await ok(() => options.client.workflowService.getSystemInfo({})), inventory: await ok(() => options.store.recentNotifications(1)) };
    res.status(checks.temporal && checks.inventory ? 200 : 503).json({ status: checks.temporal && checks.inventory ? 'ok' : 'degraded', checks });
  }));
  app.get('/v1/openapi.json', (_req, res) => void res.json(openApiDocument()));
  app.use('/v1', authenticate(options.tokens));
  app.use(express.json({ limit: '64kb' }));

  app.post('/v1/failovers', asyncRoute(async (req, res) => {
    const body = parse(startFailoverBody, req.body, 'body');
    const settings = failoverSettings(options.config, body.group);
    if (!settings) throw new ApiError(404, 'unknown_group', `host group ${body.group} is not in the configuration`);
    if (!options.config.hostGroups.find((g) => g.name === body.group)!.hosts.includes(body.host)) {
      throw new ApiError(404, 'unknown_host', `host ${body.host} is not in host group ${body.group}`);
    }
    const args = [{ group: body.group, host: body.host, mode: body.mode, dryRun: body.dryRun, requestedBy: String(res.locals.caller), settings }];
    if (body.dryRun) {
      const report = await options.client.workflow.execute('hostFailover', { taskQueue: options.taskQueue ?? MAIN_TASK_QUEUE, workflowId: `dry-run/${body.group}/${body.host}/${randomUUID()}`, args });
      res.status(200).json(report);
      return;
    }
    const id = hostFailoverWorkflowId(body.group, body.host);
    try {
      await options.client.workflow.start('hostFailover', { taskQueue: options.taskQueue ?? MAIN_TASK_QUEUE, workflowId: id, args, workflowIdConflictPolicy: 'FAIL' });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) throw new ApiError(409, 'failover_running', `a failover of ${body.host} is already running`, { id });
      throw err;
    }
    res.status(202).location(`/v1/failovers/${encodeURIComponent(id)}`).json({ id, status: 'started' });
  }));

  app.get('/v1/failovers', asyncRoute(async (_req, res) => {
    const failovers = [];
    for await (const execution of options.client.workflow.list({ query: "WorkflowType = 'hostFailover'" })) {
      failovers.push({ id: execution.workflowId, runId: execution.runId, status: execution.status.name, startedAt: execution.startTime, closedAt: execution.closeTime });
      if (failovers.length >= 50) break;
    }
    res.json({ failovers });
  }));

  app.get('/v1/failovers/:id', asyncRoute(async (req, res) => {
    const handle = options.client.workflow.getHandle(String(req.params.id));
    const description = await describe(handle, String(req.params.id));
    if (description.status.name === 'RUNNING') {
      res.json({ id: handle.workflowId, status: 'running', progress: await handle.query('progress') });
      return;
    }
    const stored = await options.store.recoveryReport(handle.workflowId);
    if (stored) {
      res.json({ id: handle.workflowId, status: description.status.name.toLowerCase(), report: stored.report });
      return;
    }
    try {
      res.json({ id: handle.workflowId, status: description.status.name.toLowerCase(), report: await handle.result() });
    } catch (err) {
      res.json({ id: handle.workflowId, status: description.status.name.toLowerCase(), error: innermostMessage(err) });
    }
  }));

  const signalRoute = (path: string, signal: string, schema: ZodType<{ by: string; reason?: string }>) =>
    app.post(`/v1/failovers/:id/${path}`, asyncRoute(async (req, res) => {
      const body = parse(schema, req.body ?? {}, 'body');
      const handle = options.client.workflow.getHandle(String(req.params.id));
      await requireRunning(handle, String(req.params.id));
      await handle.signal(signal, body);
      log(`failover ${handle.workflowId}: ${signal} by ${body.by}${body.reason ? ` (${body.reason})` : ''}`);
      res.status(202).json({ id: handle.workflowId, status: `${path} sent` });
    }));
  signalRoute('approve', 'approve', decisionBody);
  signalRoute('reject', 'reject', decisionBody);
  signalRoute('override-fence', 'overrideFence', overrideFenceBody);
  app.post('/v1/failovers/:id/cancel', asyncRoute(async (req, res) => {
    const body = parse(decisionBody, req.body ?? {}, 'body');
    const handle = options.client.workflow.getHandle(String(req.params.id));
    await requireRunning(handle, String(req.params.id));
    await handle.signal('cancelRequested', body);
    await handle.cancel();
    log(`failover ${handle.workflowId}: cancel by ${body.by}${body.reason ? ` (${body.reason})` : ''}`);
    res.status(202).json({ id: handle.workflowId, status: 'cancel requested' });
  }));

  app.get('/v1/hosts', asyncRoute(async (_req, res) => {
    const hosts = [];
    for (const group of options.config.hostGroups) {
      const latest = await options.store.latestGoodSnapshot(group.name);
      for (const m of latest?.snapshot.managedSystems ?? []) hosts.push({ group: group.name, ...m, discoveredAt: latest!.snapshot.takenAt });
    }
    res.json({ hosts });
  }));
  app.get('/v1/lpars', asyncRoute(async (_req, res) => {
    const lpars = [];
    for (const group of options.config.hostGroups) {
      const latest = await options.store.latestGoodSnapshot(group.name);
      for (const l of latest?.snapshot.lpars ?? []) lpars.push({ group: group.name, name: l.name, host: l.host, state: l.state, priority: l.priority, processorUnits: l.processorUnits, memoryMb: l.memoryMb, volumes: l.volumes.map((v) => v.vdiskName) });
    }
    res.json({ lpars });
  }));

  app.use((req, _res, next) => next(new ApiError(404, 'not_found', `no route ${req.method} ${req.path}`)));
  app.use(errorHandler(log));
  return app;
}

function asyncRoute(handler: (req: Request, res: Response) => Promise<void>) {
  return (req: Request, res: Response, next: NextFunction) => void handler(req, res).catch(next);
}

function parse<T>(schema: ZodType<T>, value: unknown, where: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(result.error, where);
  return result.data;
}

async function ok(check: () => Promise<unknown>): Promise<boolean> {
  try {
    await check();
    return true;
  } catch {
    return false;
  }
}

async function describe(handle: ReturnType<Client['workflow']['getHandle']>, id: string) {
  try {
    return await handle.describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new ApiError(404, 'not_found', `no failover ${id}`);
    throw err;
  }
}

async function requireRunning(handle: ReturnType<Client['workflow']['getHandle']>, id: string): Promise<void> {
  const description = await describe(handle, id);
  if (description.status.name !== 'RUNNING') throw new ApiError(409, 'not_running', `failover ${id} is ${description.status.name.toLowerCase()}`);
}

function authenticate(tokens: string[]) {
  const expected = tokens.map((t) => Buffer.from(t));
  return (req: Request, res: Response, next: NextFunction) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer (\S+)$/.exec(header);
    const presented = match ? Buffer.from(match[1]!) : undefined;
    const valid = presented !== undefined && expected.some((e) => e.length === presented.length && timingSafeEqual(e, presented));
    if (!valid) {
      next(new ApiError(401, 'unauthorized', 'a valid bearer token is required (Authorization: Bearer <token>)'));
      return;
    }
    res.locals.caller = 'api';
    next();
  };
}

/** A failed workflow's cause as the device or activity said it, not the SDK's "Workflow execution failed". */
function innermostMessage(err: unknown): string {
  let inner = err as Error;
  while (inner.cause instanceof Error) inner = inner.cause;
  return inner?.message ?? String(err);
}

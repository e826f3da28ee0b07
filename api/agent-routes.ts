// VM and application health over HTTP. `POST /v1/agents/heartbeat` is the agents' only door: it is mounted before
// the operator-token middleware, accepts agent tokens only (config `agents.tokens`, compared in constant time), and
// each token reports only for its VMs (403 otherwise). `GET /v1/vms/:vm/health` (operator or viewer token) shows
// the last heartbeat, the applications and the restarts. The first heartbeat of a group makes sure its health
// monitor (`vm-health/<group>`) runs; heartbeats themselves are only stored, never signalled to a workflow.
import { timingSafeEqual } from 'node:crypto';
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import express, { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Client } from '@temporalio/client';
import type { InventoryStore } from '../activities/inventory/index.js';
import { resolveCredential } from '../activities/ssh/credentials.js';
import type { LazarusConfig } from '../domain/config/index.js';
import {
  heartbeatBodySchema,
  tokenCovers,
  vmHealthMonitorWorkflowId,
  vmHealthPolicy,
  type AgentTokenScope,
} from '../domain/vm-health/index.js';
import { ApiError } from './errors.js';
import { ageSeconds, asyncRoute, parse, type OpenApiShared } from './routing.js';

/** An agent token with its secret resolved (kept in the API process only). */
export interface AgentToken extends AgentTokenScope {
  secret: Buffer;
}

/** Largest heartbeat body accepted (64 applications with short details fit well inside). */
export const HEARTBEAT_BODY_LIMIT = '32kb';
/** How often the API makes sure a group's health monitor runs (one Temporal call per group per interval). */
const MONITOR_ENSURE_MS = 60_000;
/** How long the VM → host group index built from the inventory is reused before it is read again. */
const INDEX_TTL_MS = 30_000;

/**
 * Resolves `agents.tokens` (env:, file: or secret: references). A `file:` holds the token as text (trimmed). An
 * unresolvable reference throws (Lazarus refuses to start rather than refuse every agent later).
 */
export function resolveAgentTokens(config: LazarusConfig, env: NodeJS.ProcessEnv = process.env): AgentToken[] {
  return config.agents.tokens.map((t) => {
    const credential = resolveCredential(t.token, env);
    const value = 'password' in credential ? credential.password : credential.privateKey.toString('utf8').trim();
    if (value.length < 16) throw new Error(`agent token ${t.name}: the token must be at least 16 characters`);
    return {
      name: t.name,
      ...(t.vms ? { vms: t.vms } : {}),
      ...(t.group ? { group: t.group } : {}),
      secret: Buffer.from(value),
    };
  });
}

export interface AgentRouteOptions {
  client: Client;
  /** The operator/viewer tokens, only to refuse an agent token equal to one of them. */
  tokens: string[];
  config: LazarusConfig;
  store: InventoryStore;
  agentTokens: AgentToken[];
  taskQueue: string;
  log: (line: string) => void;
}

/** Mounts `POST /v1/agents/heartbeat`; call before the operator-token middleware. */
export function agentRoutes(app: express.Express, options: AgentRouteOptions): void {
  // A secret that opened both doors would let a VM act as an operator (or the reverse): refuse to start instead.
  const shared = options.agentTokens.find((a) => options.tokens.some((t) => a.secret.equals(Buffer.from(t))));
  if (shared) throw new Error(`agent token ${shared.name} is also an API token: give agents their own tokens`);
  const groups = vmGroupIndex(options.config, options.store);
  const ensured = new Map<string, number>();
  const ensureMonitor = async (group: string) => {
    if (Date.now() - (ensured.get(group) ?? 0) < MONITOR_ENSURE_MS) return;
    try {
      await options.client.workflow.start('vmHealthMonitor', {
        taskQueue: options.taskQueue,
        workflowId: vmHealthMonitorWorkflowId(group),
        args: [{ group }],
        workflowIdConflictPolicy: 'USE_EXISTING',
      });
      ensured.set(group, Date.now());
    } catch (err) {
      // The heartbeat is stored either way; the next one tries again.
      options.log(`vm-health: cannot start the monitor of ${group}: ${(err as Error).message}`);
    }
  };

  app.post(
    '/v1/agents/heartbeat',
    authenticateAgent(options.agentTokens),
    express.json({ limit: HEARTBEAT_BODY_LIMIT }),
    asyncRoute(async (req, res) => {
      const token = res.locals.agent as AgentToken;
      const body = parse(heartbeatBodySchema, req.body, 'body');
      if (token.vms && !tokenCovers(token, body.vm, undefined)) throw outOfScope(token, body.vm);
      const group = await groups.groupOf(body.vm);
      if (!tokenCovers(token, body.vm, group)) throw outOfScope(token, body.vm);
      if (group === undefined)
        throw new ApiError(
          404,
          'unknown_vm',
          `${body.vm} is in the inventory of no host group (run discovery, or check the agent's VM name)`,
        );
      const receivedAt = new Date().toISOString();
      const stored = await options.store.recordAgentHeartbeat({
        vm: body.vm,
        group,
        agent: token.name,
        receivedAt,
        ...(body.sentAt ? { sentAt: body.sentAt } : {}),
        apps: body.apps,
      });
      await ensureMonitor(group);
      res.status(202).json({
        vm: stored.vm,
        group,
        receivedAt: stored.receivedAt,
        apps: stored.apps.map((a) => ({ name: a.name, status: a.status, consecutiveFailures: a.consecutiveFailures })),
      });
    }),
  );
}

/**
 * Mounts `GET /v1/vms/:vm/health` and `DELETE /v1/vms/:vm/health` (stop watching a VM until its agent reports again:
 * an agent uninstalled, a VM retired, a heartbeat sent by hand); call after the operator-token middleware.
 */
export function vmHealthRoutes(app: express.Express, options: { config: LazarusConfig; store: InventoryStore }): void {
  const groups = vmGroupIndex(options.config, options.store);
  app.delete(
    '/v1/vms/:vm/health',
    asyncRoute(async (req, res) => {
      const vm = String(req.params.vm);
      if (!(await options.store.forgetAgentHeartbeat(vm)))
        throw new ApiError(404, 'not_watched', `${vm} is not watched: no heartbeat of it is stored`);
      res.json({ vm, watched: false, message: `${vm} is no longer watched until its agent reports again` });
    }),
  );
  app.get(
    '/v1/vms/:vm/health',
    asyncRoute(async (req, res) => {
      const vm = String(req.params.vm);
      const beat = await options.store.agentHeartbeat(vm);
      const group = beat?.group ?? (await groups.groupOf(vm));
      if (group === undefined)
        throw new ApiError(404, 'unknown_vm', `${vm} has never reported and is not in the inventory`);
      const policy = vmHealthPolicy(options.config, { name: vm, group });
      const now = Date.now();
      const restarts = await options.store.vmRestarts(vm, 20);
      res.json({
        vm,
        group,
        reported: beat !== undefined,
        policy,
        ...(beat && {
          agent: beat.agent,
          lastHeartbeat: {
            receivedAt: beat.receivedAt,
            ...(beat.sentAt ? { sentAt: beat.sentAt } : {}),
            ageSeconds: ageSeconds(beat.receivedAt, now),
          },
          silent: now - Date.parse(beat.receivedAt) > policy.heartbeatTimeoutMs,
          firstReceivedAt: beat.firstReceivedAt,
          apps: beat.apps,
        }),
        restartsLastHour: restarts.filter((r) => now - Date.parse(r.startedAt) < 3_600_000).length,
        restarts,
      });
    }),
  );
}

function outOfScope(token: AgentToken, vm: string): ApiError {
  return new ApiError(403, 'out_of_scope', `agent token ${token.name} may not report for ${vm}`);
}

/** Bearer agent tokens only; every configured token is compared (in constant time) so timing tells nothing. */
function authenticateAgent(tokens: AgentToken[]) {
  return (req: Request, res: Response, next: NextFunction) => {
    const match = /^Bearer (\S+)$/.exec(req.get('authorization') ?? '');
    const presented = match ? Buffer.from(match[1]!) : undefined;
    let found: AgentToken | undefined;
    for (const token of tokens) {
      const equal =
        presented !== undefined && token.secret.length === presented.length && timingSafeEqual(token.secret, presented);
      if (equal) found = token;
    }
    if (!found) {
      next(new ApiError(401, 'unauthorized', 'an agent token is required (Authorization: Bearer <agent token>)'));
      return;
    }
    res.locals.agent = found;
    res.locals.caller = `agent ${found.name}`;
    next();
  };
}

/**
 * Which host group each VM belongs to, from the inventory (the newest discovery merged with what was observed since),
 * read again at most every INDEX_TTL_MS, and at once (at most every 5 s) for a VM it does not know yet.
 */
function vmGroupIndex(config: LazarusConfig, store: InventoryStore) {
  let index = new Map<string, string>();
  let readAt = 0;
  let reading: Promise<void> | undefined;
  const refresh = () => {
    reading ??= (async () => {
      const next = new Map<string, string>();
      for (const group of config.hostGroups) {
        const fleet = await store.currentFleet(group.name);
        for (const lpar of [...fleet.lpars, ...fleet.undescribedLpars]) next.set(lpar.name, group.name);
      }
      index = next;
      readAt = Date.now();
    })().finally(() => (reading = undefined));
    return reading;
  };
  return {
    async groupOf(vm: string): Promise<string | undefined> {
      const age = Date.now() - readAt;
      if (age > INDEX_TTL_MS || (!index.has(vm) && age > 5_000)) await refresh();
      return index.get(vm);
    },
  };
}

/** The agent and VM health paths in the OpenAPI document (the agent endpoint with its own bearer scheme). */
export function registerVmHealthPaths(registry: OpenAPIRegistry, shared: OpenApiShared): void {
  const { security, json, errors, errorResponse } = shared;
  const agentBearer = registry.registerComponent('securitySchemes', 'agentBearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'an agent token (agents.tokens); operator tokens are refused here, agent tokens everywhere else',
  });
  registry.registerPath({
    method: 'post',
    path: '/v1/agents/heartbeat',
    security: [{ [agentBearer.name]: [] }],
    request: { body: { content: { 'application/json': { schema: heartbeatBodySchema } } } },
    responses: {
      202: json(
        z.record(z.string(), z.unknown()),
        'stored: { vm, group, receivedAt, apps: [{ name, status, consecutiveFailures }] }',
      ),
      400: json(errorResponse, 'invalid body; the message names the field'),
      401: json(errorResponse, 'missing token, or not an agent token'),
      403: json(errorResponse, "the VM is outside the token's scope (out_of_scope)"),
      404: json(errorResponse, 'a VM the inventory of no host group knows (unknown_vm)'),
      413: json(errorResponse, `a body larger than ${HEARTBEAT_BODY_LIMIT}`),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/v1/vms/{vm}/health',
    security,
    request: { params: z.object({ vm: z.string() }) },
    responses: {
      200: json(
        z.record(z.string(), z.unknown()),
        '{ vm, group, reported, policy, agent?, lastHeartbeat?: { receivedAt, sentAt?, ageSeconds }, silent?, apps?, ' +
          'restartsLastHour, restarts: newest first (outcome, reason, report) }',
      ),
      ...errors,
    },
  });
}

// The API's audit trail (issue 15 item 3): every state-changing call (POST, PUT, PATCH, DELETE under /v1, agents'
// heartbeats aside: they are telemetry, not decisions) is written, once answered, to the store (api_audit, migration
// 008) and to the log, with the actor (the token's name, `anonymous` without a valid one), its role, the ids the call
// named, the HTTP status and error code, and the caller's `by`/`reason` with control characters escaped. `GET
// /v1/audit` (admin) reads it back, newest first, filtered and paged.
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type express from 'express';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import type { AuditEntryInput } from '../activities/inventory/audit-log.js';
import type { InventoryStore } from '../activities/inventory/index.js';
import { sanitizeLogText } from './access.js';
import { ApiError } from './errors.js';
import { checkTimeRange, cursorParam, limitParam, timeRangeParams } from './paging.js';
import type { OpenApiPaths } from './request-guards.js';
import { asyncRoute, parse, type OpenApiShared } from './routing.js';

const AUDITED_METHODS = ['POST', 'PUT', 'PATCH', 'DELETE'] as const;
type AuditedMethod = (typeof AUDITED_METHODS)[number];
/** Not decisions: an agent reports every few seconds; its heartbeats are stored as such (agent-routes.ts). */
const NOT_AUDITED = [/^\/v1\/agents\/heartbeat\/?$/i];
/** Body fields that name what a call acts on, recorded beside the path's ids. */
const BODY_TARGETS = ['group', 'host', 'site', 'to', 'vm'] as const;

/**
 * Middleware recording each state-changing call under /v1 when its answer is finished (or the client went away):
 * in the store (errors logged, never thrown at the caller: the call itself already happened) and as one log line
 * `audit <requestId> <METHOD> <path> by <actor> (<role>) -> <status> [<code>] targets=<json> [note=<text>]`.
 * `document` gives the routes' path templates, from which the ids a call named are read.
 */
export function auditTrail(options: {
  store: InventoryStore;
  log: (line: string) => void;
  document: OpenApiPaths;
}): RequestHandler {
  const templates = Object.keys(options.document.paths ?? {}).map((template) => ({
    template,
    names: [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!),
    pattern: new RegExp(
      `^${template
        .split(/\{[^}]+\}/)
        .map((literal) => literal.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))
        .join('([^/]+)')}/?$`,
      'i',
    ),
  }));
  templates.sort((a, b) => b.template.replace(/\{[^}]+\}/g, '').length - a.template.replace(/\{[^}]+\}/g, '').length);
  return (req: Request, res: Response, next: NextFunction) => {
    const method = req.method.toUpperCase() as AuditedMethod;
    if (!AUDITED_METHODS.includes(method) || !/^\/v1\//i.test(req.path) || NOT_AUDITED.some((p) => p.test(req.path)))
      return next();
    const at = new Date().toISOString();
    const json = res.json.bind(res);
    res.json = (body: unknown) => {
      const code = (body as { code?: unknown } | null)?.code;
      if (res.statusCode >= 400 && typeof code === 'string') res.locals.auditCode = code;
      return json(body);
    };
    let written = false;
    const write = () => {
      if (written) return;
      written = true;
      const matched = templates.find((t) => t.pattern.test(req.path));
      const targets: Record<string, string> = {};
      if (matched) {
        const values = matched.pattern.exec(req.path)!.slice(1);
        matched.names.forEach((name, i) => (targets[name] = decodeSafely(values[i]!)));
      }
      const body = (req.body ?? {}) as Record<string, unknown>;
      if (typeof body === 'object' && !Array.isArray(body))
        for (const field of BODY_TARGETS)
          if (typeof body[field] === 'string' && targets[field] === undefined)
            targets[field] = sanitizeLogText(String(body[field]).slice(0, 200));
      const note = noteOf(body);
      const status = res.headersSent ? res.statusCode : 499;
      const entry: AuditEntryInput = {
        at,
        requestId: String(res.locals.requestId ?? '-').slice(0, 64) || '-',
        method,
        route: matched ? matched.template : 'unmatched',
        path: sanitizeLogText(req.originalUrl.split('?')[0] ?? req.path).slice(0, 1000),
        actor: String(res.locals.caller ?? 'anonymous').slice(0, 200),
        ...(typeof res.locals.role === 'string' ? { role: res.locals.role as AuditEntryInput['role'] } : {}),
        targets,
        status,
        ...(typeof res.locals.auditCode === 'string'
          ? { code: String(res.locals.auditCode).slice(0, 100) }
          : status === 499
            ? { code: 'client_closed' }
            : {}),
        ...(note ? { note } : {}),
      };
      options.log(
        `audit ${entry.requestId} ${method} ${entry.path} by ${sanitizeLogText(entry.actor)}` +
          `${entry.role ? ` (${entry.role})` : ''} -> ${status}${entry.code ? ` ${entry.code}` : ''}` +
          ` targets=${JSON.stringify(targets)}${note ? ` note=${note}` : ''}`,
      );
      options.store
        .auditLog()
        .record(entry)
        .catch((err: unknown) =>
          options.log(`audit ${entry.requestId}: not stored: ${sanitizeLogText(String((err as Error)?.message))}`),
        );
    };
    res.on('finish', write);
    res.on('close', write);
    next();
  };
}

/** `by: …; reason: …` from the body, control characters escaped, at most 4000 characters; undefined when neither. */
function noteOf(body: Record<string, unknown>): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const parts = (['by', 'reason'] as const)
    .filter((field) => typeof body[field] === 'string' && body[field] !== '')
    .map((field) => `${field}: ${sanitizeLogText(String(body[field]))}`);
  return parts.length ? parts.join('; ').slice(0, 4000) : undefined;
}

function decodeSafely(segment: string): string {
  try {
    return sanitizeLogText(decodeURIComponent(segment)).slice(0, 1000);
  } catch {
    return sanitizeLogText(segment).slice(0, 1000);
  }
}

export const auditQuery = z
  .strictObject({
    limit: limitParam(50, 500),
    cursor: cursorParam.optional(),
    actor: z.string().min(1).max(200).optional().openapi({ description: "only calls by this token's name" }),
    method: z.enum(AUDITED_METHODS).optional().openapi({ description: 'only calls with this HTTP method' }),
    target: z
      .string()
      .min(1)
      .max(1000)
      .optional()
      .openapi({ description: 'only calls that named this id: a failover id, host, group, site, VM or delivery' }),
    ...timeRangeParams,
  })
  .openapi('AuditQuery');

const auditEntryView = z
  .object({
    id: z.number().int().openapi({ description: 'the entry number, increasing in the order calls were answered' }),
    at: z.string().openapi({ description: 'when the call arrived (ISO 8601)' }),
    requestId: z.string().openapi({ description: "the request id, as in the API's log lines" }),
    method: z.enum(AUDITED_METHODS).openapi({ description: 'the HTTP method' }),
    route: z
      .string()
      .openapi({ description: "the route's template, e.g. /v1/failovers/{id}/approve; unmatched for no route" }),
    path: z.string().openapi({ description: 'the path as called (control characters escaped)' }),
    actor: z.string().openapi({ description: "the token's name; anonymous without a valid token" }),
    role: z
      .enum(['viewer', 'operator', 'admin'])
      .optional()
      .openapi({ description: "the token's role; absent without a valid token" }),
    targets: z
      .record(z.string(), z.string())
      .openapi({ description: 'the ids the call named, by parameter: id, host, group, site, vm, to' }),
    status: z.number().int().openapi({ description: 'the HTTP status answered (499: the client went away first)' }),
    code: z.string().optional().openapi({ description: "the error's code when the call was refused or failed" }),
    note: z
      .string()
      .optional()
      .openapi({ description: "the body's by and reason, control characters escaped as \\uXXXX" }),
  })
  .openapi('AuditEntry');

export const auditResponse = z
  .object({
    entries: z.array(auditEntryView).openapi({ description: 'newest first' }),
    nextCursor: z.string().optional().openapi({ description: 'pass as cursor for the next page; absent on the last' }),
  })
  .openapi('AuditLog');

/** Mounts `GET /v1/audit`: admin tokens only (403 `forbidden` otherwise), after the operator-token middleware. */
export function auditRoutes(app: express.Express, options: { store: InventoryStore }): void {
  app.get(
    '/v1/audit',
    asyncRoute(async (req, res) => {
      if (res.locals.role !== 'admin')
        throw new ApiError(
          403,
          'forbidden',
          `GET /v1/audit needs the admin role; token ${String(res.locals.caller)} has ${String(res.locals.role)}`,
        );
      const query = parse(auditQuery, req.query, 'query');
      checkTimeRange(query);
      const beforeId = query.cursor === undefined ? undefined : auditCursorId(query.cursor);
      const rows = await options.store.auditLog().entries({
        limit: query.limit + 1,
        ...(beforeId !== undefined ? { beforeId } : {}),
        ...(query.actor !== undefined ? { actor: query.actor } : {}),
        ...(query.method !== undefined ? { method: query.method } : {}),
        ...(query.target !== undefined ? { target: query.target } : {}),
        ...(query.since !== undefined ? { since: query.since } : {}),
        ...(query.until !== undefined ? { until: query.until } : {}),
      });
      const shown = rows.slice(0, query.limit);
      res.json({
        entries: shown,
        ...(rows.length > query.limit
          ? { nextCursor: Buffer.from(`audit:${shown.at(-1)!.id}`).toString('base64url') }
          : {}),
      });
    }),
  );
}

function auditCursorId(cursor: string): number {
  const match = /^audit:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match)
    throw new ApiError(400, 'invalid_cursor', 'cursor: not a cursor this API returned (ask again without it)');
  return Number(match[1]);
}

/** The OpenAPI entry of GET /v1/audit (called from api/openapi.ts). */
export function registerAuditPaths(registry: OpenAPIRegistry, shared: OpenApiShared): void {
  registry.registerPath({
    method: 'get',
    path: '/v1/audit',
    summary: 'Read the audit log',
    description:
      'Every state-changing call (POST, PUT, PATCH, DELETE; agent heartbeats aside) with its actor (the token name), ' +
      'role, the ids it named, its status and error code and the escaped note; newest first, filtered and paged. ' +
      'Admin tokens only.',
    security: shared.security,
    request: { query: auditQuery },
    responses: {
      200: shared.json(auditResponse, 'one page of the audit log, newest first'),
      403: shared.json(shared.errorResponse, 'the token is not an admin token'),
      ...shared.errors,
    },
  });
}

// The OpenAPI document, generated from the same zod schemas that validate requests.
import { OpenAPIRegistry, OpenApiGeneratorV3 } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { registerVmHealthPaths } from './agent-routes.js';
import { registerMonitoringPaths } from './monitoring-routes.js';
import { registerEvacuationPaths } from './evacuation-routes.js';
import { registerResizePaths } from './resize-routes.js';
import { registerNotificationPaths } from './notification-routes.js';
import { registerDrPaths } from './dr-routes.js';
import { registerAuditPaths } from './audit.js';
import { hostListQuery, lparListQuery } from './inventory-routes.js';
import { describeDocument } from './openapi-text.js';
import {
  acceptedResponse,
  capacityResponse,
  decisionBody,
  errorResponse,
  failoverListQuery,
  failoverListResponse,
  failoverResponse,
  failoverRunQuery,
  groupsResponse,
  hostsResponse,
  lparsResponse,
  overrideFenceBody,
  startFailoverBody,
} from './schemas.js';

let cached: ReturnType<OpenApiGeneratorV3['generateDocument']> | undefined;

export function openApiDocument() {
  if (cached) return cached;
  const registry = new OpenAPIRegistry();
  const bearer = registry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
  const security = [{ [bearer.name]: [] }];
  const json = (schema: z.ZodType, description: string) => ({
    description,
    content: { 'application/json': { schema } },
  });
  const errors = {
    400: json(errorResponse, 'invalid request (a field, a query parameter, or percent-encoding in the path)'),
    401: json(errorResponse, 'missing or wrong token'),
    403: json(errorResponse, "the token's role may not do this (forbidden)"),
    415: json(errorResponse, 'a body that is not UTF-8 JSON, or in an unsupported content-encoding'),
    504: json(errorResponse, 'request_timeout: not answered within api.requestTimeout; what it started goes on'),
    404: json(
      errorResponse,
      'not found: no such route, run or failover; an id that is not failover/<group>/<host> (a stream, a dry run)',
    ),
  };
  const id = z.object({
    id: z.string().openapi({
      description: 'failover/<group>/<host> of a configured group and host, URL-encoded (failover%2F<group>%2F<host>)',
    }),
  });
  registry.registerPath({
    method: 'post',
    path: '/v1/failovers',
    security,
    request: { body: { content: { 'application/json': { schema: startFailoverBody } } } },
    responses: {
      202: json(acceptedResponse, 'failover started'),
      200: json(z.record(z.string(), z.unknown()), 'dry run: the plan'),
      409: json(errorResponse, 'a failover of that host is already running'),
      ...errors,
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/v1/failovers',
    security,
    request: { query: failoverListQuery },
    responses: { 200: json(failoverListResponse, 'failover runs, newest first, one page (limit + cursor)'), ...errors },
  });
  registry.registerPath({
    method: 'get',
    path: '/v1/failovers/{id}',
    security,
    request: { params: id, query: failoverRunQuery },
    responses: {
      200: json(failoverResponse, 'the latest run (or ?runId=): progress while running, its report when done'),
      ...errors,
    },
  });
  for (const [action, body] of [
    ['approve', decisionBody],
    ['reject', decisionBody],
    ['cancel', decisionBody],
    ['override-fence', overrideFenceBody],
  ] as const) {
    // Decisions are Workflow Updates: 200 once taken, 409 with the workflow's reason and phase when refused.
    const conflict = {
      approve: 'not_running, already_decided, not_waiting_for_approval (with the current phase)',
      reject: 'not_running, already_decided, not_waiting_for_approval (with the current phase)',
      cancel: 'not_running, already_cancelled, finishing (with the current phase)',
      'override-fence': 'not_running, fence_not_blocked unless the phase is fence-blocked (with the current phase)',
    }[action];
    const taken = acceptedResponse.extend({ phase: z.string() }).openapi('DecisionTaken');
    registry.registerPath({
      method: 'post',
      path: `/v1/failovers/{id}/${action}`,
      security,
      request: { params: id, body: { content: { 'application/json': { schema: body } } } },
      responses: {
        200: json(taken, `${action} took effect; \`phase\` is where the failover is now`),
        202: json(acceptedResponse, `${action} sent as a signal (a run started before decisions were updates)`),
        409: json(errorResponse, conflict),
        503: json(errorResponse, 'failover_not_answering: no answer within 20 s; the decision may still take effect'),
        ...errors,
      },
    });
  }
  registerNotificationPaths(registry, { security, json, errors, errorResponse });
  registerDrPaths(registry, { security, json, errors, errorResponse });
  registerMonitoringPaths(registry, { security, json, errors, errorResponse });
  registerEvacuationPaths(registry, { security, json, errors, errorResponse });
  registerResizePaths(registry, { security, json, errors, errorResponse });
  registerVmHealthPaths(registry, { security, json, errors, errorResponse });
  registerAuditPaths(registry, { security, json, errors, errorResponse });
  registry.registerPath({
    method: 'get',
    path: '/v1/hosts',
    security,
    request: { query: hostListQuery },
    responses: { 200: json(hostsResponse, 'hosts as known now, with age and source; stale ones marked'), ...errors },
  });
  registry.registerPath({
    method: 'get',
    path: '/v1/groups',
    security,
    responses: { 200: json(groupsResponse, 'host groups as configured: hosts, HMCs, storage, modes'), ...errors },
  });
  const group = z.object({ group: z.string().openapi({ description: 'a configured host group' }) });
  registry.registerPath({
    method: 'get',
    path: '/v1/groups/{group}/capacity',
    security,
    request: { params: group },
    responses: {
      200: json(capacityResponse, "the newest check: each host's failure, and the LPARs it would leave without room"),
      ...errors,
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/v1/groups/{group}/capacity',
    security,
    request: { params: group },
    responses: { 202: json(z.record(z.string(), z.unknown()), 'a capacity check started'), ...errors },
  });
  registry.registerPath({
    method: 'get',
    path: '/v1/lpars',
    security,
    request: { query: lparListQuery },
    responses: { 200: json(lparsResponse, 'LPARs where and as last observed, with age and source'), ...errors },
  });
  registry.registerPath({
    method: 'get',
    path: '/v1/healthz',
    responses: {
      200: json(z.object({ status: z.string() }), 'healthy'),
      503: json(z.object({ status: z.string() }), 'degraded'),
    },
  });
  registry.registerPath({
    method: 'delete',
    path: '/v1/vms/{vm}/health',
    security,
    request: { params: z.object({ vm: z.string().openapi({ description: 'a VM (LPAR) name' }) }) },
    responses: {
      200: json(
        z.object({ vm: z.string(), watched: z.literal(false), message: z.string() }),
        'the VM is no longer watched until its agent reports again',
      ),
      ...errors,
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/v1/openapi.json',
    responses: { 200: json(z.record(z.string(), z.unknown()), 'this document') },
  });
  cached = new OpenApiGeneratorV3(registry.definitions).generateDocument({
    openapi: '3.0.3',
    info: { title: 'Lazarus API', version: '0.2.0' },
    servers: [{ url: '/' }],
  });
  // Summaries, descriptions and field descriptions the route modules leave out (api/openapi-text.ts).
  describeDocument(cached as unknown as Parameters<typeof describeDocument>[0]);
  return cached;
}

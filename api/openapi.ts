// The OpenAPI document, generated from the same zod schemas that validate requests.
import { OpenAPIRegistry, OpenApiGeneratorV3 } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { acceptedResponse, decisionBody, errorResponse, failoverResponse, overrideFenceBody, startFailoverBody } from './schemas.js';

let cached: ReturnType<OpenApiGeneratorV3['generateDocument']> | undefined;

export function openApiDocument() {
  if (cached) return cached;
  const registry = new OpenAPIRegistry();
  const bearer = registry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
  const security = [{ [bearer.name]: [] }];
  const json = (schema: z.ZodType, description: string) => ({ description, content: { 'application/json': { schema } } });
  const errors = { 400: json(errorResponse, 'invalid request'), 401: json(errorResponse, 'missing or wrong token'), 404: json(errorResponse, 'not found') };
  const id = z.object({ id: z.string().openapi({ description: 'the failover workflow id, URL-encoded (failover%2F<group>%2F<host>)' }) });
  registry.registerPath({ method: 'post', path: '/v1/failovers', security, request: { body: { content: { 'application/json': { schema: startFailoverBody } } } }, responses: { 202: json(acceptedResponse, 'failover started'), 200: json(failoverResponse, 'dry run: the plan'), 409: json(errorResponse, 'a failover of that host is already running'), ...errors } });
  registry.registerPath({ method: 'get', path: '/v1/failovers', security, responses: { 200: json(z.object({ failovers: z.array(z.record(z.string(), z.unknown())) }), 'recent failovers'), ...errors } });
  registry.registerPath({ method: 'get', path: '/v1/failovers/{id}', security, request: { params: id }, responses: { 200: json(failoverResponse, 'progress while running, the report when done'), ...errors } });
  for (const [action, body] of [['approve', decisionBody], ['reject', decisionBody], ['cancel', decisionBody], ['override-fence', overrideFenceBody]] as const) {
    registry.registerPath({ method: 'post', path: `/v1/failovers/{id}/${action}`, security, request: { params: id, body: { content: { 'application/json': { schema: body } } } }, responses: { 202: json(acceptedResponse, `${action} accepted`), 409: json(errorResponse, 'the failover is not running'), ...errors } });
  }
  registry.registerPath({ method: 'get', path: '/v1/hosts', security, responses: { 200: json(z.object({ hosts: z.array(z.record(z.string(), z.unknown())) }), 'hosts from the last good inventory'), ...errors } });
  registry.registerPath({ method: 'get', path: '/v1/lpars', security, responses: { 200: json(z.object({ lpars: z.array(z.record(z.string(), z.unknown())) }), 'LPARs from the last good inventory'), ...errors } });
  registry.registerPath({ method: 'get', path: '/v1/healthz', responses: { 200: json(z.object({ status: z.string() }), 'healthy'), 503: json(z.object({ status: z.string() }), 'degraded') } });
  cached = new OpenApiGeneratorV3(registry.definitions).generateDocument({ openapi: '3.0.3', info: { title: 'Lazarus API', version: '0.1.0' }, servers: [{ url: '/' }] });
  return cached;
}

// Request and response shapes of the HTTP API, in zod: they validate requests and generate the OpenAPI document.
import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

extendZodWithOpenApi(z);

const name = z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, 'letters, digits, _ . - only').max(128);

export const startFailoverBody = z
  .strictObject({
    group: name.openapi({ example: 'dc1-prod' }),
    host: name.openapi({ example: 'dc1-s01' }),
    mode: z.enum(['auto', 'advisory']).default('advisory'),
    dryRun: z.boolean().default(false),
  })
  .openapi('StartFailover');

export const decisionBody = z
  .strictObject({
    by: z.string().trim().min(1, 'who decides').max(200).openapi({ example: 'alice' }),
    reason: z.string().max(2000).optional(),
  })
  .openapi('OperatorDecision');

export const overrideFenceBody = decisionBody.extend({ reason: z.string().trim().min(1, 'why the fence may be overridden').max(2000) }).openapi('FenceOverride');

export const failoverIdParam = z.object({ id: z.string().min(1).max(300) });

export const errorResponse = z
  .object({
    code: z.string(),
    message: z.string(),
    fields: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    id: z.string().optional(),
  })
  .openapi('Error');

export const acceptedResponse = z.object({ id: z.string(), status: z.string() }).openapi('FailoverAccepted');
export const failoverResponse = z.record(z.string(), z.unknown()).openapi('FailoverProgressOrReport');

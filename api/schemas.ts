// Request and response shapes of the HTTP API, in zod: they validate requests and generate the OpenAPI document.
import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import type { FailoverOutcome } from '../domain/failover/index.js';
import { timeRangeParams } from './paging.js';

extendZodWithOpenApi(z);

/** Every outcome a failover report can have (domain/failover/contracts.ts FailoverOutcome). */
const FAILOVER_OUTCOMES = [
  'succeeded',
  'partial',
  'failed',
  'not-failed',
  'host-returned',
  'already-recovered',
  'rejected',
  'cancelled',
  'dry-run',
] as const satisfies readonly FailoverOutcome[];

const name = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, 'letters, digits, _ . - only')
  .max(128);

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
    by: z.string().trim().min(1, 'a note on who decides, or leave it out').max(200).optional().openapi({
      example: 'alice',
      description: "a note recorded beside the token's name, which is always the decision's actor",
    }),
    reason: z.string().max(2000).optional(),
  })
  .openapi('OperatorDecision');

export const overrideFenceBody = decisionBody
  .extend({ reason: z.string().trim().min(1, 'why the fence may be overridden').max(2000) })
  .openapi('FenceOverride');

export const failoverIdParam = z.object({ id: z.string().min(1).max(300) });

/** A Temporal run id: a UUID (8-4-4-4-12 hex digits). */
const runId = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'a Temporal run id (a UUID)');

export const failoverRunQuery = z
  .strictObject({ runId: runId.optional().openapi({ description: 'one run of the failover; absent: the latest run' }) })
  .openapi('FailoverRunQuery');

export const failoverListQuery = z
  .strictObject({
    limit: z.coerce
      .number()
      .int()
      .min(1)
      .max(100)
      .default(20)
      .openapi({ description: 'runs per page (1-100, default 20)' }),
    cursor: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/, 'the nextCursor of a previous page')
      .max(4096)
      .optional()
      .openapi({ description: 'nextCursor of the previous page' }),
    group: name.optional().openapi({ description: 'only failovers of this host group' }),
    host: name.optional().openapi({ description: 'only failovers of this host' }),
    outcome: z
      .enum(FAILOVER_OUTCOMES)
      .optional()
      .openapi({ description: 'only closed runs whose stored report has this outcome (a page may then be short)' }),
    ...timeRangeParams,
  })
  .openapi('FailoverListQuery');

export const errorResponse = z
  .object({
    code: z.string(),
    message: z.string(),
    fields: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    id: z.string().optional(),
  })
  .openapi('Error');

export const acceptedResponse = z.object({ id: z.string(), status: z.string() }).openapi('FailoverAccepted');
export const failoverResponse = z
  .object({
    id: z.string().openapi({ example: 'failover/dc1-prod/dc1-s01' }),
    runId: z.string(),
    status: z.string().openapi({ description: 'running, completed, failed, canceled, terminated, timed_out' }),
    progress: z
      .record(z.string(), z.unknown())
      .optional()
      .openapi({ description: 'while running; elapsedMs computed from progress.startedAt at the time of the request' }),
    report: z
      .record(z.string(), z.unknown())
      .optional()
      .openapi({ description: "when closed: this run's stored report" }),
    error: z.string().optional().openapi({ description: 'when closed without a report: why' }),
  })
  .openapi('FailoverRun');

export const failoverListResponse = z
  .object({
    failovers: z.array(
      z.object({
        id: z.string(),
        runId: z.string(),
        status: z.string(),
        startedAt: z.string().optional(),
        closedAt: z.string().optional(),
        outcome: z.string().optional().openapi({ description: "the stored report's outcome, once closed" }),
      }),
    ),
    nextCursor: z
      .string()
      .optional()
      .openapi({ description: 'pass as cursor for the next page; absent on the last page' }),
  })
  .openapi('FailoverRuns');

const provenance = {
  observedAt: z.string().openapi({ description: 'when the state was observed (ISO 8601)' }),
  ageSeconds: z.number().int().openapi({ description: 'seconds since observedAt, at the time of the request' }),
  source: z
    .string()
    .openapi({ example: 'discovery run 12', description: "'discovery run N', 'failover <id>/<runId>' or 'live read'" }),
  stale: z
    .boolean()
    .openapi({ description: 'the newest discovery could not describe it: what is shown is its last description' }),
};

export const hostsResponse = z
  .object({
    hosts: z.array(
      z.object({
        group: z.string(),
        name: z.string(),
        state: z.string(),
        ...provenance,
        staleReason: z.string().optional(),
        describedAt: z.string().optional().openapi({ description: 'when capacity and LPARs were last read' }),
        fenced: z.boolean(),
        maintenance: z
          .object({ reason: z.string(), by: z.string(), since: z.string() })
          .nullable()
          .openapi({ description: 'set through PUT /v1/hosts/{host}/maintenance; null when not in maintenance' }),
        quarantine: z
          .object({
            since: z.string().openapi({ description: 'when the quarantine began (ISO 8601)' }),
            until: z.string().openapi({ description: 'when it ends unless the host flaps again (ISO 8601)' }),
            reason: z.string().openapi({ description: 'how many up/down changes within the flap window' }),
          })
          .nullable()
          .openapi({
            description:
              'set by the host monitor for a flapping host: no failover, evacuation or VM restart places anything on ' +
              'it, and its own next failover is advisory; null when not quarantined',
          }),
        serial: z.string().optional(),
        typeModel: z.string().optional(),
        hmc: z.string().optional(),
        processorUnits: z.record(z.string(), z.number()).optional(),
        memoryMb: z.record(z.string(), z.number()).optional(),
      }),
    ),
  })
  .openapi('Hosts');

export const lparsResponse = z
  .object({
    lpars: z.array(
      z.object({
        group: z.string(),
        name: z.string(),
        host: z.string(),
        state: z.string(),
        ...provenance,
        described: z
          .boolean()
          .openapi({ description: 'false: seen by a failover or live read only; no sizes or volumes known' }),
        priority: z.string().optional(),
        processorUnits: z.record(z.string(), z.number()).optional(),
        memoryMb: z.record(z.string(), z.number()).optional(),
        volumes: z.array(z.string()).optional(),
      }),
    ),
  })
  .openapi('Lpars');

export const groupsResponse = z
  .object({
    groups: z.array(
      z.object({
        name: z.string(),
        site: z.string(),
        hosts: z.array(z.string()),
        hmcs: z.array(z.string()).openapi({ description: 'the HMCs managing the group, preferred first' }),
        storage: z.string(),
        recoveryMode: z.enum(['auto', 'advisory']),
        monitoring: z.object({
          action: z.enum(['auto', 'advisory', 'off']),
          enabled: z.boolean(),
          interval: z.number().openapi({ description: 'milliseconds between observations' }),
          confirmations: z.number(),
          flapLimit: z.number(),
          flapWindow: z.number().openapi({ description: 'milliseconds' }),
        }),
      }),
    ),
  })
  .openapi('Groups');

export const capacityResponse = z
  .object({
    group: z.string(),
    checkedAt: z.string(),
    ageSeconds: z.number(),
    fits: z.boolean().openapi({ description: "true when any one host's failure leaves room for all its LPARs" }),
    hostsWithShortfall: z.array(z.string()),
    hosts: z.array(
      z.object({
        failedHost: z.string(),
        fits: z.boolean(),
        shortfalls: z.array(
          z.object({
            resource: z.enum(['processorUnits', 'memoryMb']),
            needed: z.number(),
            available: z.number(),
            lpars: z.array(z.string()),
          }),
        ),
        withoutRoom: z
          .array(z.object({ lpar: z.string(), reason: z.string(), detail: z.string() }))
          .openapi({ description: 'LPARs the planner could not place if this host failed, with its reason' }),
      }),
    ),
  })
  .openapi('Capacity');

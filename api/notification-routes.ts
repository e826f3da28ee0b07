// The notification routes: each notification with its deliveries (per channel: status, attempts, every result), the
// dead letters (deliveries given up on), and an operator's retry of a dead letter. Paging as the other lists: `limit`
// and the `nextCursor` of the previous page.
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type express from 'express';
import { z } from 'zod';
import type { InventoryStore } from '../activities/inventory/index.js';
import type { Delivery } from '../activities/notifications/outbox.js';
import { NOTIFICATION_SEVERITIES } from '../domain/notifications/index.js';
import { ApiError } from './errors.js';
import { checkTimeRange, inTimeRange, timeRangeParams } from './paging.js';
import { asyncRoute, parse, type OpenApiShared } from './routing.js';
import './schemas.js'; // extends zod with .openapi()

/** A page cursor: the id to continue below, base64url-encoded so that clients treat it as opaque. */
const cursor = z
  .string()
  .max(64)
  .transform((value, ctx) => {
    const id = /^[0-9]+$/.test(Buffer.from(value, 'base64url').toString())
      ? Number(Buffer.from(value, 'base64url').toString())
      : NaN;
    if (!Number.isSafeInteger(id) || id < 1) {
      ctx.addIssue({ code: 'custom', message: 'the nextCursor of a previous page' });
      return z.NEVER;
    }
    return id;
  })
  .openapi({ type: 'string', description: 'nextCursor of the previous page' });
const limit = z.coerce
  .number()
  .int()
  .min(1)
  .max(100)
  .default(20)
  .openapi({ description: 'items per page (1-100, default 20)' });
const channelName = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, 'letters, digits, _ . - only')
  .max(128);

export const notificationListQuery = z
  .strictObject({
    limit,
    cursor: cursor.optional(),
    severity: z.enum(NOTIFICATION_SEVERITIES).optional().openapi({ description: 'only this severity' }),
    kind: channelName.optional().openapi({ description: 'only this event kind, e.g. host-failed' }),
    ...timeRangeParams,
  })
  .openapi('NotificationListQuery');

export const deadLetterListQuery = z
  .strictObject({
    limit,
    cursor: cursor.optional(),
    channel: channelName.optional().openapi({ description: 'only this channel' }),
    ...timeRangeParams,
  })
  .openapi('DeadLetterListQuery');

export const deliveryIdParam = z.object({
  id: z.coerce.number().int().min(1).openapi({ type: 'integer', description: 'a delivery id (dead letter)' }),
});

const attemptView = z.object({
  at: z.string(),
  ok: z.boolean(),
  result: z.string().openapi({ description: 'HTTP status and body start, the SMTP reply, or the error' }),
});
const deliveryView = z
  .object({
    id: z.number().int(),
    channel: z.string(),
    status: z.enum(['pending', 'sent', 'dead', 'suppressed', 'held', 'summarized']),
    reason: z.string().optional().openapi({ description: 'why suppressed, held, summarized or dead' }),
    attempts: z.number().int().openapi({ description: 'attempts in the current series' }),
    nextAttemptAt: z.string().optional(),
    finishedAt: z.string().optional(),
    lastResult: attemptView.optional(),
    results: z.array(attemptView).openapi({ description: 'every attempt, oldest first' }),
  })
  .openapi('NotificationDelivery');
const notificationView = z
  .object({
    id: z.number().int(),
    severity: z.enum(NOTIFICATION_SEVERITIES),
    kind: z.string(),
    message: z.string(),
    raisedAt: z.string(),
    workflowId: z.string().optional(),
    subject: z.string().optional().openapi({ description: 'what it is about, e.g. dc1-prod/dc1-s01' }),
    key: z.string().optional().openapi({ description: "the raiser's dedupe key, when the message varies" }),
    routed: z.boolean().openapi({ description: 'false until the dispatcher has routed it to the channels' }),
    deliveries: z.array(deliveryView),
  })
  .openapi('Notification');
export const notificationListResponse = z
  .object({ notifications: z.array(notificationView), nextCursor: z.string().optional() })
  .openapi('Notifications');
export const deadLetterListResponse = z
  .object({
    deadLetters: z.array(deliveryView.extend({ notification: notificationView.omit({ deliveries: true }) })),
    nextCursor: z.string().optional(),
  })
  .openapi('DeadLetters');
export const retryResponse = z
  .object({ id: z.number().int(), status: z.literal('pending') })
  .openapi('DeadLetterRetry');

export function notificationRoutes(app: express.Express, options: { store: InventoryStore }): void {
  const outbox = options.store.notificationOutbox();
  app.get(
    '/v1/notifications',
    asyncRoute(async (req, res) => {
      const query = parse(notificationListQuery, req.query, 'query');
      checkTimeRange(query);
      const { shown, lastId } = await scanPages(
        (beforeId, limit) => outbox.notifications({ limit, beforeId, severity: query.severity, kind: query.kind }),
        (n) => inTimeRange(n.raisedAt, query),
        query.limit,
        query.cursor,
        query.since === undefined && query.until === undefined,
      );
      res.json({
        notifications: shown.map(({ routedAt, deliveries, ...n }) => ({
          ...n,
          routed: routedAt !== undefined,
          deliveries: deliveries.map(deliveryJson),
        })),
        ...nextCursor(lastId),
      });
    }),
  );
  app.get(
    '/v1/notifications/dead-letters',
    asyncRoute(async (req, res) => {
      const query = parse(deadLetterListQuery, req.query, 'query');
      checkTimeRange(query);
      // The time range is the notification's (when it was raised), as in GET /v1/notifications.
      const { shown, lastId } = await scanPages(
        (beforeId, limit) => outbox.deadLetters({ limit, beforeId, channel: query.channel }),
        (letter) => inTimeRange(letter.notification.raisedAt, query),
        query.limit,
        query.cursor,
        query.since === undefined && query.until === undefined,
      );
      res.json({
        deadLetters: shown.map(({ notification: { routedAt, ...n }, ...delivery }) => ({
          ...deliveryJson(delivery),
          notification: { ...n, routed: routedAt !== undefined },
        })),
        ...nextCursor(lastId),
      });
    }),
  );
  app.post(
    '/v1/notifications/dead-letters/:id/retry',
    asyncRoute(async (req, res) => {
      // Roles, once the API knows them (res.locals.role): a viewer may read the dead letters, not resend them.
      if (res.locals.role === 'viewer')
        throw new ApiError(403, 'forbidden', 'retrying a dead letter needs an operator token');
      const { id } = parse(deliveryIdParam, req.params, 'path');
      const outcome = await outbox.retryDeadLetter(id, new Date());
      if (outcome === 'not-found') throw new ApiError(404, 'not_found', `no delivery ${id}`);
      if (outcome === 'not-dead') {
        const delivery = await outbox.delivery(id);
        throw new ApiError(409, 'not_dead', `delivery ${id} is ${delivery?.status ?? 'gone'}, not a dead letter`);
      }
      res.status(202).json({ id, status: 'pending' });
    }),
  );
}

/** The OpenAPI entries of these routes (called from api/openapi.ts). */
export function registerNotificationPaths(registry: OpenAPIRegistry, shared: OpenApiShared): void {
  const { security, json, errors, errorResponse } = shared;
  registry.registerPath({
    method: 'get',
    path: '/v1/notifications',
    security,
    request: { query: notificationListQuery },
    responses: {
      200: json(notificationListResponse, 'notifications, newest first, each with its deliveries per channel'),
      ...errors,
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/v1/notifications/dead-letters',
    security,
    request: { query: deadLetterListQuery },
    responses: { 200: json(deadLetterListResponse, 'deliveries given up on, newest first'), ...errors },
  });
  registry.registerPath({
    method: 'post',
    path: '/v1/notifications/dead-letters/{id}/retry',
    security,
    request: { params: deliveryIdParam },
    responses: {
      202: json(retryResponse, 'queued again: the dispatcher sends it with a fresh series of attempts'),
      403: json(errorResponse, 'a viewer token'),
      409: json(errorResponse, 'the delivery is not a dead letter'),
      ...errors,
    },
  });
}

function deliveryJson({ notificationId: _n, createdAt: _c, queuedAt: _q, ...delivery }: Delivery) {
  return { ...delivery, ...(delivery.results.length ? { lastResult: delivery.results.at(-1) } : {}) };
}

/** How many rows one filtered page may read (batches of SCAN_BATCH) before it answers with what it found. */
const SCAN_BATCH = 200;
const SCAN_ROUNDS = 20;

/**
 * One page of a list paged by id (newest first) with a filter the store cannot apply (`keep`): reads batches until
 * `limit` items are kept or the list ends, at most SCAN_ROUNDS batches; `lastId` continues the list (set when more may
 * follow — a page can then hold fewer than `limit` items). `unfiltered`: one read of `limit + 1`, as before.
 */
async function scanPages<T extends { id: number }>(
  read: (beforeId: number | undefined, limit: number) => Promise<T[]>,
  keep: (item: T) => boolean,
  limit: number,
  cursor: number | undefined,
  unfiltered: boolean,
): Promise<{ shown: T[]; lastId?: number }> {
  if (unfiltered) {
    const page = await read(cursor, limit + 1);
    const shown = page.slice(0, limit);
    return { shown, ...(page.length > limit ? { lastId: shown.at(-1)!.id } : {}) };
  }
  const shown: T[] = [];
  let beforeId = cursor;
  for (let round = 0; round < SCAN_ROUNDS; round++) {
    const batch = await read(beforeId, SCAN_BATCH);
    for (const item of batch) {
      beforeId = item.id;
      if (!keep(item)) continue;
      if (shown.length === limit) return { shown, lastId: shown.at(-1)!.id };
      shown.push(item);
    }
    if (batch.length < SCAN_BATCH) return { shown };
  }
  return { shown, ...(beforeId !== undefined ? { lastId: beforeId } : {}) };
}

function nextCursor(lastId: number | undefined): { nextCursor?: string } {
  return lastId === undefined ? {} : { nextCursor: Buffer.from(String(lastId)).toString('base64url') };
}

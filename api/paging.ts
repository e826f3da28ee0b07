// Paging and filters shared by the list routes: `limit`, an opaque `cursor` (the `nextCursor` of the previous page),
// a time range (`since`, `until`) and the zod fields that validate them and document them in the OpenAPI document.
import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { ApiError } from './errors.js';

extendZodWithOpenApi(z);

/** `limit`: items per page, an integer 1–`max` (default `fallback`). */
export function limitParam(fallback: number, max: number) {
  return z.coerce
    .number()
    .int()
    .min(1)
    .max(max)
    .default(fallback)
    .openapi({ description: `items per page (1-${max}, default ${fallback})` });
}

/** `cursor`: the `nextCursor` of the previous page, opaque to the client (base64url). */
export const cursorParam = z
  .string()
  .regex(/^[A-Za-z0-9_-]+$/, 'the nextCursor of a previous page')
  .max(2048)
  .openapi({ description: 'the nextCursor of the previous page; absent: the first page' });

const isoTime = (what: string) =>
  z
    .string()
    .max(64)
    .refine((value) => /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value), {
      message: 'an ISO 8601 time, e.g. 2026-11-30T05:00:00Z',
    })
    .refine((value) => !Number.isNaN(Date.parse(value)), { message: 'not a real date' })
    .transform((value) => new Date(value).toISOString())
    .openapi({ type: 'string', format: 'date-time', description: what });

/** `since` and `until`: ISO 8601 times, inclusive; normalized to UTC ISO strings. */
export const timeRangeParams = {
  since: isoTime('only items at or after this time (ISO 8601)').optional(),
  until: isoTime('only items at or before this time (ISO 8601)').optional(),
};

/** 400 `invalid_request` when `since` is after `until` (an empty range is a mistake, not a question). */
export function checkTimeRange(range: { since?: string; until?: string }): void {
  if (range.since !== undefined && range.until !== undefined && range.since > range.until)
    throw new ApiError(400, 'invalid_request', `since (${range.since}) is after until (${range.until})`, {
      fields: [{ path: 'since', message: 'after until' }],
    });
}

/** Whether the ISO time `at` is inside the (inclusive) range; UTC ISO strings compare as times. */
export function inTimeRange(at: string | undefined, range: { since?: string; until?: string }): boolean {
  if (range.since === undefined && range.until === undefined) return true;
  if (at === undefined || Number.isNaN(Date.parse(at))) return false;
  const time = new Date(at).toISOString();
  return (range.since === undefined || time >= range.since) && (range.until === undefined || time <= range.until);
}

/** An opaque cursor for `key` (the sort key of the last item shown). */
export function encodeCursor(key: string): string {
  return Buffer.from(JSON.stringify({ after: key })).toString('base64url');
}

/** The sort key a cursor of encodeCursor carries; 400 `invalid_cursor` for anything else. */
export function decodeCursor(cursor: string): string {
  try {
    const decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { after?: unknown };
    if (typeof decoded?.after === 'string') return decoded.after;
  } catch {
    // falls through to the refusal
  }
  throw new ApiError(400, 'invalid_cursor', 'cursor: not a cursor this API returned (ask again without it)');
}

/**
 * One page of `items`, which are in the list's order with strictly monotonic, unique `keyOf` (ascending or
 * descending, `order`): the items after the cursor's key, at most `limit`, and `nextCursor` when more follow. An item
 * removed since the previous page does not shift the next one (the cursor is a key, not an offset).
 */
export function pageOf<T>(
  items: readonly T[],
  query: { limit: number; cursor?: string },
  keyOf: (item: T) => string,
  order: 'ascending' | 'descending' = 'ascending',
): { items: T[]; nextCursor?: string } {
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
  const rest =
    after === undefined
      ? items
      : items.filter((item) => (order === 'ascending' ? keyOf(item) > after : keyOf(item) < after));
  const shown = rest.slice(0, query.limit);
  return rest.length > query.limit
    ? { items: shown, nextCursor: encodeCursor(keyOf(shown.at(-1)!)) }
    : { items: shown };
}

// The store's part of the API audit log (migration 008): one row per state-changing API call — who (the token's name
// and role), what (method, route, the ids it named), how it ended (HTTP status, error code), the caller's note — in
// the order they were made. Portable SQL over the SqlDriver; every input validated (InventoryStoreError naming the
// field), every row read back checked.
import { z } from 'zod';
import { RowReader } from './row-decoding.js';
import type { SqlDriver, SqlRow, SqlValue } from './sql-driver.js';
import { InventoryStoreError, validStoreInput } from './store-errors.js';

const timestamp = z.string().refine((v) => !Number.isNaN(Date.parse(v)), 'must be an ISO 8601 time');

/** The ids a call named (path parameters and the body's `group`/`host`), by their parameter name. */
const targetsSchema = z.record(z.string().min(1).max(64), z.string().max(1000));

export const auditEntryInputSchema = z.strictObject({
  at: timestamp,
  requestId: z.string().min(1).max(64),
  method: z.enum(['POST', 'PUT', 'PATCH', 'DELETE']),
  /** The route's pattern, e.g. `/v1/failovers/:id/approve` (`unmatched` when no route took the call). */
  route: z.string().min(1).max(300),
  /** The path as called (raw, as the client sent it; at most 1000 characters kept). */
  path: z.string().min(1).max(1000),
  /** The token's name; `anonymous` when no valid token was presented. */
  actor: z.string().min(1).max(200),
  role: z.enum(['viewer', 'operator', 'admin']).optional(),
  targets: targetsSchema,
  status: z.number().int().min(100).max(599),
  /** The error's code when the call was refused or failed. */
  code: z.string().min(1).max(100).optional(),
  /** The caller's `by` and `reason`, control characters escaped (api/access.ts sanitizeLogText). */
  note: z.string().max(4000).optional(),
});

export type AuditEntryInput = z.infer<typeof auditEntryInputSchema>;
export type AuditEntry = AuditEntryInput & { id: number };

/** What `entries` selects: every field optional but `limit`; times inclusive ISO 8601. */
export interface AuditQuery {
  /** 1–1000 */
  limit: number;
  /** Only entries with a smaller id (the previous page's last id): newest first. */
  beforeId?: number;
  actor?: string;
  method?: AuditEntryInput['method'];
  /** Only calls that named this id under any parameter (a failover id, a host, a group, a site, a VM). */
  target?: string;
  since?: string;
  until?: string;
}

/** The audit log over the store's database (InventoryStore.auditLog()). */
export interface AuditLogStore {
  /** Appends an entry; returns its id. InventoryStoreError on a bad field. */
  record(entry: AuditEntryInput): Promise<number>;
  /** Entries newest first (by id), filtered; the filter on `target` looks inside the stored targets. */
  entries(query: AuditQuery): Promise<AuditEntry[]>;
}

export function sqlAuditLogStore(db: SqlDriver): AuditLogStore {
  return {
    record: (entry) => recordAuditEntry(db, entry),
    entries: (query) => auditEntries(db, query),
  };
}

async function recordAuditEntry(db: SqlDriver, input: AuditEntryInput): Promise<number> {
  const e = validStoreInput(auditEntryInputSchema, input, 'audit entry');
  const [row] = await db.query(
    'INSERT INTO api_audit (at, request_id, method, route, path, actor, role, targets, status, code, note) ' +
      'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id',
    [
      new Date(e.at).toISOString(),
      e.requestId,
      e.method,
      e.route,
      e.path,
      e.actor,
      e.role ?? null,
      JSON.stringify(e.targets),
      e.status,
      e.code ?? null,
      e.note ?? null,
    ],
  );
  return new RowReader('api_audit', row ?? {}).integer('id');
}

async function auditEntries(db: SqlDriver, query: AuditQuery): Promise<AuditEntry[]> {
  if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > 1000)
    throw new InventoryStoreError(`limit must be an integer from 1 to 1000, not ${query.limit}`);
  const where: string[] = [];
  const params: SqlValue[] = [];
  const add = (condition: string, value: SqlValue) => {
    where.push(condition);
    params.push(value);
  };
  if (query.beforeId !== undefined) add('id < ?', query.beforeId);
  if (query.actor !== undefined) add('actor = ?', query.actor);
  if (query.method !== undefined) add('method = ?', query.method);
  if (query.since !== undefined) add('at >= ?', new Date(query.since).toISOString());
  if (query.until !== undefined) add('at <= ?', new Date(query.until).toISOString());
  // The target filter is applied on the decoded rows (JSON functions differ between SQLite and PostgreSQL), so the
  // database is read in batches until the page is full or the log is exhausted.
  const entries: AuditEntry[] = [];
  let beforeId: number | undefined;
  const batch = query.target === undefined ? query.limit : 500;
  for (;;) {
    const conditions = beforeId === undefined ? where : [...where, 'id < ?'];
    const values = beforeId === undefined ? params : [...params, beforeId];
    const rows = await db.query(
      `SELECT * FROM api_audit${conditions.length ? ` WHERE ${conditions.join(' AND ')}` : ''} ` +
        'ORDER BY id DESC LIMIT ?',
      [...values, batch],
    );
    const decoded = rows.map(auditRow);
    for (const entry of decoded) {
      if (query.target === undefined || Object.values(entry.targets).includes(query.target)) entries.push(entry);
      if (entries.length === query.limit) return entries;
    }
    if (rows.length < batch) return entries;
    beforeId = decoded.at(-1)!.id;
  }
}

function auditRow(row: SqlRow): AuditEntry {
  const r = new RowReader('api_audit', row);
  const role = r.optionalText('role');
  const code = r.optionalText('code');
  const note = r.optionalText('note');
  return {
    id: r.integer('id'),
    at: r.timestamp('at'),
    requestId: r.text('request_id'),
    method: r.oneOf('method', ['POST', 'PUT', 'PATCH', 'DELETE'] as const),
    route: r.text('route'),
    path: r.text('path'),
    actor: r.text('actor'),
    ...(role ? { role: r.oneOf('role', ['viewer', 'operator', 'admin'] as const) } : {}),
    targets: r.json('targets', targetsSchema),
    status: r.integer('status'),
    ...(code ? { code } : {}),
    ...(note !== undefined ? { note } : {}),
  };
}

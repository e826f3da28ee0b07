// The store's part of host monitoring (migration 005): detections the monitors recorded and hosts in maintenance;
// (migration 009) hosts the monitors quarantined for flapping.
// Portable SQL over the SqlDriver; every input validated (InventoryStoreError naming the field), every row read back
// checked.
import { z } from 'zod';
import type { HostDetection, HostMaintenance, HostQuarantine } from '../../domain/monitoring/index.js';
import { RowReader } from './row-decoding.js';
import type { SqlDriver, SqlRow } from './sql-driver.js';
import { InventoryStoreError, validStoreInput as valid } from './store-errors.js';

const text = z.string().min(1).max(1000);
const timestamp = z.string().refine((v) => !Number.isNaN(Date.parse(v)), 'must be an ISO 8601 time');
const ACTIONS = [
  'failover-auto',
  'failover-advisory',
  'failover-already-running',
  'alert-only',
  'maintenance',
  'failover-start-failed',
] as const;

export const hostDetectionSchema = z.strictObject({
  group: text,
  host: text,
  firstBadAt: timestamp,
  confirmedAt: timestamp,
  verdict: z.enum(['failed', 'failed-unproven']),
  action: z.enum(ACTIONS),
  failoverId: text.optional(),
  mode: z.enum(['auto', 'advisory']).optional(),
  reason: z.string().min(1).max(4000),
  monitorId: text,
});

export const hostMaintenanceSchema = z.strictObject({
  host: text,
  reason: z.string().min(1).max(1000),
  by: text,
  since: timestamp,
});

export const hostQuarantineSchema = z
  .strictObject({
    group: text,
    host: text,
    since: timestamp,
    until: timestamp,
    reason: z.string().min(1).max(1000),
    monitorId: text,
  })
  .refine((q) => Date.parse(q.until) > Date.parse(q.since), { message: 'must be after since', path: ['until'] });

/** Host monitoring's records over the store's database (InventoryStore.hostMonitoring()). */
export interface HostMonitoringStore {
  /**
   * Records a detection; the same (group, host, firstBadAt) again replaces the earlier record (a retried activity, or
   * a failure skipped for maintenance and acted on once maintenance ended). InventoryStoreError on a bad field.
   */
  recordDetection(detection: HostDetection): Promise<void>;
  /** The group's detections, the newest confirmation first (limit 1–1000, default 50). */
  detections(group: string, limit?: number): Promise<HostDetection[]>;
  /** Puts a host in maintenance (replacing an earlier reason); returns what is stored. */
  setMaintenance(maintenance: HostMaintenance): Promise<HostMaintenance>;
  /** Takes a host out of maintenance; false when it was not in maintenance. */
  clearMaintenance(host: string): Promise<boolean>;
  /** The hosts in maintenance among `hosts` (all when absent). */
  maintenance(hosts?: string[]): Promise<HostMaintenance[]>;
  /**
   * Records that the monitor quarantined a host (or moved its end); returns what is stored. A quarantine still in
   * force keeps its `since`; one that had ended is replaced whole. InventoryStoreError on a bad field.
   */
  recordQuarantine(quarantine: HostQuarantine): Promise<HostQuarantine>;
  /** Ends a host's quarantine; false when none was recorded. */
  clearQuarantine(host: string): Promise<boolean>;
  /** The quarantines in force at `at` (default now) among `hosts` (all when absent), by host name. */
  quarantines(hosts?: string[], at?: Date): Promise<HostQuarantine[]>;
}

export function sqlHostMonitoringStore(db: SqlDriver): HostMonitoringStore {
  return {
    recordDetection: (detection) => recordHostDetection(db, detection),
    detections: (group, limit = 50) => hostDetections(db, group, limit),
    setMaintenance: (maintenance) => setHostMaintenance(db, maintenance),
    clearMaintenance: (host) => clearHostMaintenance(db, host),
    maintenance: (hosts) => hostsInMaintenance(db, hosts),
    recordQuarantine: (quarantine) => recordHostQuarantine(db, quarantine),
    clearQuarantine: (host) => clearHostQuarantine(db, host),
    quarantines: (hosts, at) => hostQuarantines(db, hosts, at),
  };
}

/**
 * Records a detection; the same (group, host, firstBadAt) again replaces the earlier record (a retried activity, or
 * a failure skipped for maintenance and acted on once maintenance ended).
 */
export async function recordHostDetection(db: SqlDriver, input: HostDetection): Promise<void> {
  const d = valid(hostDetectionSchema, input, 'host detection');
  await db.query(
    'INSERT INTO host_detections (host_group, host, first_bad_at, confirmed_at, verdict, action, failover_id, mode, ' +
      'reason, monitor_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (host_group, host, first_bad_at) DO UPDATE ' +
      'SET confirmed_at = excluded.confirmed_at, verdict = excluded.verdict, action = excluded.action, ' +
      'failover_id = excluded.failover_id, mode = excluded.mode, reason = excluded.reason, monitor_id = excluded.monitor_id',
    [
      d.group,
      d.host,
      iso(d.firstBadAt),
      iso(d.confirmedAt),
      d.verdict,
      d.action,
      d.failoverId ?? null,
      d.mode ?? null,
      d.reason,
      d.monitorId,
    ],
  );
}

/** The group's detections, the newest confirmation first (at most `limit`, 1–1000). */
export async function hostDetections(db: SqlDriver, group: string, limit: number): Promise<HostDetection[]> {
  const rows = await db.query(
    'SELECT * FROM host_detections WHERE host_group = ? ORDER BY confirmed_at DESC, id DESC LIMIT ?',
    [group, validLimit(limit)],
  );
  return rows.map(detectionRow);
}

/** Puts a host in maintenance (replacing an earlier reason); returns what is stored. */
export async function setHostMaintenance(db: SqlDriver, input: HostMaintenance): Promise<HostMaintenance> {
  const m = valid(hostMaintenanceSchema, input, 'host maintenance');
  await db.query(
    'INSERT INTO host_maintenance (host, reason, set_by, since) VALUES (?, ?, ?, ?) ON CONFLICT (host) DO UPDATE ' +
      'SET reason = excluded.reason, set_by = excluded.set_by, since = excluded.since',
    [m.host, m.reason, m.by, iso(m.since)],
  );
  return { ...m, since: iso(m.since) };
}

/** Takes a host out of maintenance; false when it was not in maintenance. */
export async function clearHostMaintenance(db: SqlDriver, host: string): Promise<boolean> {
  const rows = await db.query('DELETE FROM host_maintenance WHERE host = ? RETURNING host', [host]);
  return rows.length > 0;
}

/** The hosts in maintenance among `hosts` (all when absent), by host name. */
export async function hostsInMaintenance(db: SqlDriver, hosts?: string[]): Promise<HostMaintenance[]> {
  const rows = await db.query('SELECT * FROM host_maintenance ORDER BY host');
  return rows.map(maintenanceRow).filter((m) => !hosts || hosts.includes(m.host));
}

/**
 * Records a quarantine (or its moved end). A row still in force when this one begins keeps its `since`, so the
 * record says when the host was first held back; one that had ended (a clear that never came) is replaced whole.
 */
export async function recordHostQuarantine(db: SqlDriver, input: HostQuarantine): Promise<HostQuarantine> {
  const q = valid(hostQuarantineSchema, input, 'host quarantine');
  const [row] = await db.query(
    'INSERT INTO host_quarantine (host, host_group, since, ends_at, reason, monitor_id) VALUES (?, ?, ?, ?, ?, ?) ' +
      'ON CONFLICT (host) DO UPDATE SET since = CASE WHEN host_quarantine.ends_at > excluded.since ' +
      'THEN host_quarantine.since ELSE excluded.since END, host_group = excluded.host_group, ' +
      'ends_at = excluded.ends_at, reason = excluded.reason, monitor_id = excluded.monitor_id RETURNING *',
    [q.host, q.group, iso(q.since), iso(q.until), q.reason, q.monitorId],
  );
  return quarantineRow(row!);
}

/** Ends a host's quarantine; false when none was recorded. */
export async function clearHostQuarantine(db: SqlDriver, host: string): Promise<boolean> {
  const rows = await db.query('DELETE FROM host_quarantine WHERE host = ? RETURNING host', [host]);
  return rows.length > 0;
}

/** The quarantines in force at `at` among `hosts` (all when absent), by host name. */
export async function hostQuarantines(db: SqlDriver, hosts?: string[], at = new Date()): Promise<HostQuarantine[]> {
  if (Number.isNaN(at.getTime())) throw new InventoryStoreError('at must be a valid time');
  const rows = await db.query('SELECT * FROM host_quarantine WHERE ends_at > ? ORDER BY host', [at.toISOString()]);
  return rows.map(quarantineRow).filter((q) => !hosts || hosts.includes(q.host));
}

function quarantineRow(row: SqlRow): HostQuarantine {
  const r = new RowReader('host_quarantine', row);
  return {
    group: r.text('host_group'),
    host: r.text('host'),
    since: r.timestamp('since'),
    until: r.timestamp('ends_at'),
    reason: r.text('reason'),
    monitorId: r.text('monitor_id'),
  };
}

function detectionRow(row: SqlRow): HostDetection {
  const r = new RowReader('host_detections', row);
  const failoverId = r.optionalText('failover_id');
  const mode = r.optionalText('mode');
  return {
    group: r.text('host_group'),
    host: r.text('host'),
    firstBadAt: r.timestamp('first_bad_at'),
    confirmedAt: r.timestamp('confirmed_at'),
    verdict: r.oneOf('verdict', ['failed', 'failed-unproven'] as const),
    action: r.oneOf('action', ACTIONS),
    ...(failoverId ? { failoverId } : {}),
    ...(mode ? { mode: mode === 'auto' ? ('auto' as const) : ('advisory' as const) } : {}),
    reason: r.text('reason'),
    monitorId: r.text('monitor_id'),
  };
}

function maintenanceRow(row: SqlRow): HostMaintenance {
  const r = new RowReader('host_maintenance', row);
  return { host: r.text('host'), reason: r.text('reason'), by: r.text('set_by'), since: r.timestamp('since') };
}

function validLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    throw new InventoryStoreError(`limit must be an integer from 1 to 1000, not ${limit}`);
  return limit;
}

/** Stored normalized, so text order is time order in SQLite too. */
function iso(value: string): string {
  return new Date(value).toISOString();
}

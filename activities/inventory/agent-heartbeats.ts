// Agent heartbeats in SQL (migration 004): the latest heartbeat per VM, each application's last status with its run
// of consecutive failures, and the VM restarts Lazarus started. A heartbeat carries the agent's complete list of
// applications, so an application it no longer reports is forgotten (a removed check cannot restart a VM forever).
import { z } from 'zod';
import {
  APP_STATUSES,
  VM_RESTART_OUTCOMES,
  type AppHealth,
  type AppStatus,
  type RestartReason,
  type VmHeartbeat,
  type VmRestartOutcome,
} from '../../domain/vm-health/index.js';
import { RowReader } from './row-decoding.js';
import type { SqlDriver, SqlRow } from './sql-driver.js';
import { InventoryStoreError } from './store-errors.js';

/** Restarts kept per VM; older ones are pruned when a new one starts. */
export const VM_RESTARTS_KEPT = 100;

/** What `recordAgentHeartbeat` stores: an API-validated heartbeat with the VM's group and the token's name. */
export interface AgentHeartbeatInput {
  vm: string;
  group: string;
  /** The agent token's name (never the token). */
  agent: string;
  receivedAt: string;
  sentAt?: string;
  apps: Array<{ name: string; status: AppStatus; detail?: string }>;
}

/** One VM restart as stored: started when admitted, finished with its outcome and report. */
export interface VmRestartRecord {
  workflowId: string;
  runId: string;
  group: string;
  vm: string;
  reason: RestartReason;
  startedAt: string;
  finishedAt?: string;
  outcome?: VmRestartOutcome;
  report?: Record<string, unknown>;
}

const reasonSchema = z.looseObject({ kind: z.enum(['heartbeat-lost', 'app-failed']) });
const reportSchema = z.record(z.string(), z.unknown());

/** Stores the heartbeat and updates the application counters in one transaction; returns the VM's heartbeat now. */
export async function recordAgentHeartbeat(db: SqlDriver, input: AgentHeartbeatInput): Promise<VmHeartbeat> {
  const receivedAt = isoTime(input.receivedAt, 'receivedAt');
  const sentAt = input.sentAt === undefined ? null : isoTime(input.sentAt, 'sentAt');
  await db.transaction(
    async (tx) => {
      await tx.query(
        `INSERT INTO agent_heartbeats (vm, host_group, agent, received_at, sent_at, first_received_at)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (vm) DO UPDATE SET host_group = excluded.host_group, agent = excluded.agent,
           received_at = excluded.received_at, sent_at = excluded.sent_at`,
        [input.vm, input.group, input.agent, receivedAt, sentAt, receivedAt],
      );
      const previous = new Map(
        (await tx.query('SELECT * FROM agent_app_states WHERE vm = ?', [input.vm])).map((row) => {
          const app = toAppHealth(row);
          return [app.name, app];
        }),
      );
      for (const name of previous.keys())
        if (!input.apps.some((a) => a.name === name))
          await tx.query('DELETE FROM agent_app_states WHERE vm = ? AND app = ?', [input.vm, name]);
      for (const app of input.apps) {
        const before = previous.get(app.name);
        const failed = app.status === 'failed';
        const failures = failed ? (before?.consecutiveFailures ?? 0) + 1 : 0;
        const failingSince = failed ? (before?.failingSince ?? receivedAt) : null;
        await tx.query(
          `INSERT INTO agent_app_states (vm, app, status, detail, consecutive_failures, failing_since, reported_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (vm, app) DO UPDATE SET status = excluded.status, detail = excluded.detail,
             consecutive_failures = excluded.consecutive_failures, failing_since = excluded.failing_since,
             reported_at = excluded.reported_at`,
          [input.vm, app.name, app.status, app.detail ?? null, failures, failingSince, receivedAt],
        );
      }
    },
    { lock: `agent_heartbeat ${input.vm}` },
  );
  return (await readHeartbeats(db, 'vm = ?', [input.vm]))[0]!;
}

/** The latest heartbeat of every VM of the group that ever reported, by VM name. */
export function groupHeartbeats(db: SqlDriver, group: string): Promise<VmHeartbeat[]> {
  return readHeartbeats(db, 'host_group = ?', [group]);
}

/** The latest heartbeat of one VM, or undefined when it never reported. */
export async function vmHeartbeat(db: SqlDriver, vm: string): Promise<VmHeartbeat | undefined> {
  return (await readHeartbeats(db, 'vm = ?', [vm]))[0];
}

/**
 * Forgets the VM's heartbeats and application states, so health monitoring no longer watches it (an agent uninstalled,
 * a VM retired, a heartbeat sent by hand). Its restart history stays. Returns whether it was watched.
 */
export async function forgetAgentHeartbeat(db: SqlDriver, vm: string): Promise<boolean> {
  const watched = (await readHeartbeats(db, 'vm = ?', [vm])).length > 0;
  await db.query('DELETE FROM agent_app_states WHERE vm = ?', [vm]);
  await db.query('DELETE FROM agent_heartbeats WHERE vm = ?', [vm]);
  return watched;
}

/** Starts every application's failure count of the VM again from 0 (its restart answered those failures). */
export async function clearAppFailures(db: SqlDriver, vm: string): Promise<void> {
  await db.query('UPDATE agent_app_states SET consecutive_failures = 0, failing_since = NULL WHERE vm = ?', [vm]);
}

/**
 * Records an admitted restart (idempotent per workflow run) and prunes the VM's history to VM_RESTARTS_KEPT; returns
 * how many restarts of the VM started at or after `since` (ISO), this one included.
 */
export async function startVmRestart(
  db: SqlDriver,
  input: Omit<VmRestartRecord, 'finishedAt' | 'outcome' | 'report'>,
  since: string,
): Promise<number> {
  return db.transaction(
    async (tx) => {
      await tx.query(
        `INSERT INTO vm_restarts (workflow_id, run_id, host_group, vm, reason, started_at)
         VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (workflow_id, run_id) DO NOTHING`,
        [
          input.workflowId,
          input.runId,
          input.group,
          input.vm,
          JSON.stringify(input.reason),
          isoTime(input.startedAt, 'startedAt'),
        ],
      );
      const [oldestKept] = await tx.query(
        'SELECT started_at FROM vm_restarts WHERE vm = ? ORDER BY started_at DESC LIMIT 1 OFFSET ?',
        [input.vm, VM_RESTARTS_KEPT - 1],
      );
      if (oldestKept)
        await tx.query('DELETE FROM vm_restarts WHERE vm = ? AND started_at < ?', [
          input.vm,
          new RowReader('vm_restarts', oldestKept).timestamp('started_at'),
        ]);
      return countSince(tx, input.vm, since);
    },
    { lock: `vm_restart ${input.vm}` },
  );
}

/** How many restarts of the VM started at or after `since` (ISO). */
export async function countVmRestarts(db: SqlDriver, vm: string, since: string): Promise<number> {
  return countSince(db, vm, since);
}

/** Stores a restart's outcome and report (replacing an earlier attempt of the same run). */
export async function finishVmRestart(
  db: SqlDriver,
  input: { workflowId: string; runId: string; finishedAt: string; outcome: VmRestartOutcome; report: object },
): Promise<void> {
  if (!VM_RESTART_OUTCOMES.includes(input.outcome))
    throw new InventoryStoreError(`invalid VM restart: outcome "${String(input.outcome)}" is not known`);
  await db.query(
    'UPDATE vm_restarts SET finished_at = ?, outcome = ?, report = ? WHERE workflow_id = ? AND run_id = ?',
    [
      isoTime(input.finishedAt, 'finishedAt'),
      input.outcome,
      JSON.stringify(input.report),
      input.workflowId,
      input.runId,
    ],
  );
}

/** The VM's restarts, newest first. */
export async function vmRestarts(db: SqlDriver, vm: string, limit: number): Promise<VmRestartRecord[]> {
  const rows = await db.query('SELECT * FROM vm_restarts WHERE vm = ? ORDER BY started_at DESC, run_id LIMIT ?', [
    vm,
    limit,
  ]);
  return rows.map((row) => {
    const r = new RowReader('vm_restarts', row, `${String(row.workflow_id)} run ${String(row.run_id)}`);
    const finishedAt =
      row.finished_at === null || row.finished_at === undefined ? undefined : r.timestamp('finished_at');
    const outcome = r.optionalText('outcome');
    const report = r.optionalJson('report', reportSchema);
    return {
      workflowId: r.text('workflow_id'),
      runId: r.text('run_id'),
      group: r.text('host_group'),
      vm: r.text('vm'),
      reason: r.json('reason', reasonSchema) as RestartReason,
      startedAt: r.timestamp('started_at'),
      ...(finishedAt ? { finishedAt } : {}),
      ...(outcome ? { outcome: r.oneOf('outcome', VM_RESTART_OUTCOMES) } : {}),
      ...(report ? { report } : {}),
    };
  });
}

async function countSince(db: SqlDriver, vm: string, since: string): Promise<number> {
  const [row] = await db.query('SELECT COUNT(*) AS n FROM vm_restarts WHERE vm = ? AND started_at >= ?', [
    vm,
    isoTime(since, 'since'),
  ]);
  return Number(row?.n ?? 0);
}

async function readHeartbeats(db: SqlDriver, where: string, params: string[]): Promise<VmHeartbeat[]> {
  const beats = await db.query(`SELECT * FROM agent_heartbeats WHERE ${where} ORDER BY vm`, params);
  if (beats.length === 0) return [];
  const apps = await db.query(
    `SELECT * FROM agent_app_states WHERE vm IN (SELECT vm FROM agent_heartbeats WHERE ${where}) ORDER BY vm, app`,
    params,
  );
  return beats.map((row) => {
    const r = new RowReader('agent_heartbeats', row, String(row.vm));
    const vm = r.text('vm');
    const sentAt = row.sent_at === null || row.sent_at === undefined ? undefined : r.timestamp('sent_at');
    return {
      vm,
      group: r.text('host_group'),
      agent: r.text('agent'),
      receivedAt: r.timestamp('received_at'),
      ...(sentAt ? { sentAt } : {}),
      firstReceivedAt: r.timestamp('first_received_at'),
      apps: apps.filter((a) => a.vm === vm).map(toAppHealth),
    };
  });
}

function toAppHealth(row: SqlRow): AppHealth {
  const r = new RowReader('agent_app_states', row, `${String(row.vm)}/${String(row.app)}`);
  const detail = r.optionalText('detail');
  const failingSince =
    row.failing_since === null || row.failing_since === undefined ? undefined : r.timestamp('failing_since');
  return {
    name: r.text('app'),
    status: r.oneOf('status', APP_STATUSES),
    ...(detail !== undefined ? { detail } : {}),
    consecutiveFailures: r.integer('consecutive_failures'),
    ...(failingSince ? { failingSince } : {}),
    reportedAt: r.timestamp('reported_at'),
  };
}

function isoTime(value: string, field: string): string {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new InventoryStoreError(`invalid ${field}: "${value}" is not a time`);
  return date.toISOString();
}

// The InventoryStore over any SqlDriver: the SQL is portable between SQLite and PostgreSQL, and every row read back
// is validated (snapshots with the inventory schema itself).
import { z } from 'zod';
import {
  carryOverStaleHosts,
  diffInventory,
  inventoryDiffSchema,
  inventorySnapshotSchema,
  parseInventorySnapshot,
  type Fleet,
  type FleetObservations,
} from '../../domain/inventory/index.js';
import type { NotificationOutbox } from '../notifications/outbox.js';
import { SqlNotificationOutbox } from '../notifications/sql-outbox.js';
import { insertObservations, readFleet } from './fleet-observations.js';
import { sqlHostMonitoringStore, type HostMonitoringStore } from './host-monitoring.js';
import { sqlLparOriginStore, type LparOriginStore } from './lpar-origins.js';
import { sqlReducedSizeStore, type ReducedSizeStore } from './reduced-sizes.js';
import * as heartbeats from './agent-heartbeats.js';
import type { AgentHeartbeatInput, VmRestartRecord } from './agent-heartbeats.js';
import type { VmHeartbeat } from '../../domain/vm-health/index.js';
import type { InventoryStore } from './inventory-store.js';
import { migrate } from './migrations.js';
import { sqlAuditLogStore, type AuditLogStore } from './audit-log.js';
import {
  capacityCheckInputSchema,
  DISCOVERY_STATUSES,
  discoveryRunInputSchema,
  fleetObservationsSchema,
  hostFailureCheckSchema,
  notificationInputSchema,
  recoveryReportSchema,
  verificationResultInputSchema,
  type CapacityCheck,
  type DiscoveryRun,
  type DiscoveryRunInput,
  type Notification,
  type RecoveryReport,
  type VerificationResult,
} from './records.js';
import { RowReader } from './row-decoding.js';
import type { SqlDriver, SqlRow } from './sql-driver.js';
import { InventoryStoreError, validStoreInput as validInput } from './store-errors.js';

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 1000;
const findingsSchema = verificationResultInputSchema.shape.findings;
const reportBodySchema = recoveryReportSchema.shape.report;

export async function openSqlInventoryStore(db: SqlDriver, description: string): Promise<InventoryStore> {
  const schemaVersion = await migrate(db);
  return new SqlInventoryStore(db, description, schemaVersion);
}

class SqlInventoryStore implements InventoryStore {
  constructor(
    private readonly db: SqlDriver,
    readonly description: string,
    readonly schemaVersion: number,
  ) {}

  async recordDiscoveryRun(input: DiscoveryRunInput): Promise<DiscoveryRun> {
    const run = validInput(discoveryRunInputSchema, input, 'discovery run');
    const fresh =
      run.snapshot === undefined ? undefined : parseInventorySnapshot(run.snapshot, 'discovery run snapshot');
    if (fresh && fresh.group !== run.group)
      throw new InventoryStoreError(
        `discovery run: snapshot.group "${fresh.group}" is not the run's group "${run.group}"`,
      );
    // Locked per group, so concurrent runs of a group each diff against (and carry stale hosts over from) the one
    // committed before them.
    return this.db.transaction(
      async (tx) => {
        const previous = fresh ? await latestGood(tx, run.group) : undefined;
        const snapshot = fresh && carryOverStaleHosts(previous?.snapshot, fresh, run.undescribedHosts ?? []);
        const diff = snapshot && previous ? diffInventory(previous.snapshot, snapshot) : undefined;
        const [row] = await tx.query(
          'INSERT INTO discovery_runs (host_group, started_at, finished_at, status, error, snapshot, diff) ' +
            'VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id',
          [
            run.group,
            isoTime(run.startedAt),
            isoTime(run.finishedAt),
            run.status,
            run.error ?? null,
            jsonOrNull(snapshot),
            jsonOrNull(diff),
          ],
        );
        const id = new RowReader('discovery_runs', row!).integer('id');
        return {
          id,
          group: run.group,
          startedAt: isoTime(run.startedAt),
          finishedAt: isoTime(run.finishedAt),
          status: run.status,
          ...(run.error !== undefined ? { error: run.error } : {}),
          ...(snapshot ? { snapshot } : {}),
          ...(diff ? { diff } : {}),
        };
      },
      { lock: `discovery_runs:${run.group}` },
    );
  }

  async discoveryRun(id: number): Promise<DiscoveryRun | undefined> {
    const [row] = await this.db.query('SELECT * FROM discovery_runs WHERE id = ?', [id]);
    return row ? toDiscoveryRun(row) : undefined;
  }

  async discoveryRuns(group: string, limit = DEFAULT_LIMIT): Promise<DiscoveryRun[]> {
    const rows = await this.db.query('SELECT * FROM discovery_runs WHERE host_group = ? ORDER BY id DESC LIMIT ?', [
      group,
      validLimit(limit),
    ]);
    return rows.map(toDiscoveryRun);
  }

  latestGoodSnapshot(group: string) {
    return latestGood(this.db, group);
  }

  async recordVerification(input: VerificationResult | Omit<VerificationResult, 'id'>): Promise<VerificationResult> {
    const result = validInput(verificationResultInputSchema, stripId(input), 'verification result');
    const [row] = await this.db.query(
      'INSERT INTO verification_results (host_group, verified_at, ok, findings) VALUES (?, ?, ?, ?) RETURNING id',
      [result.group, isoTime(result.verifiedAt), result.ok, JSON.stringify(result.findings)],
    );
    return {
      id: new RowReader('verification_results', row!).integer('id'),
      ...result,
      verifiedAt: isoTime(result.verifiedAt),
    };
  }

  async verifications(group: string, limit = DEFAULT_LIMIT): Promise<VerificationResult[]> {
    const rows = await this.db.query(
      'SELECT * FROM verification_results WHERE host_group = ? ORDER BY id DESC LIMIT ?',
      [group, validLimit(limit)],
    );
    return rows.map((row) => {
      const r = new RowReader('verification_results', row);
      return {
        id: r.integer('id'),
        group: r.text('host_group'),
        verifiedAt: r.timestamp('verified_at'),
        ok: r.boolean('ok'),
        findings: r.json('findings', findingsSchema),
      };
    });
  }

  async recordCapacityCheck(input: Omit<CapacityCheck, 'id'>): Promise<CapacityCheck> {
    const check = validInput(capacityCheckInputSchema, stripId(input), 'capacity check');
    const [row] = await this.db.query(
      'INSERT INTO capacity_checks (host_group, checked_at, results) VALUES (?, ?, ?) RETURNING id',
      [check.group, isoTime(check.checkedAt), JSON.stringify(check.hosts)],
    );
    return { id: new RowReader('capacity_checks', row!).integer('id'), ...check, checkedAt: isoTime(check.checkedAt) };
  }

  async latestCapacityCheck(group: string): Promise<CapacityCheck | undefined> {
    const [row] = await this.db.query('SELECT * FROM capacity_checks WHERE host_group = ? ORDER BY id DESC LIMIT 1', [
      group,
    ]);
    if (!row) return undefined;
    const r = new RowReader('capacity_checks', row);
    return {
      id: r.integer('id'),
      group: r.text('host_group'),
      checkedAt: r.timestamp('checked_at'),
      hosts: r.json('results', z.array(hostFailureCheckSchema)),
    };
  }

  async saveRecoveryReport(input: RecoveryReport): Promise<void> {
    const report = validInput(recoveryReportSchema, input, 'recovery report');
    await this.db.query(
      `INSERT INTO recovery_reports (workflow_id, run_id, kind, host_group, started_at, finished_at, outcome, report)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (workflow_id, run_id) DO UPDATE SET kind = excluded.kind, host_group = excluded.host_group,
         started_at = excluded.started_at, finished_at = excluded.finished_at, outcome = excluded.outcome,
         report = excluded.report`,
      [
        report.workflowId,
        report.runId,
        report.kind,
        report.group,
        isoTime(report.startedAt),
        isoTime(report.finishedAt),
        report.outcome,
        JSON.stringify(report.report),
      ],
    );
  }

  async recoveryReport(workflowId: string, runId?: string): Promise<RecoveryReport | undefined> {
    if (runId !== undefined) {
      const [row] = await this.db.query('SELECT * FROM recovery_reports WHERE workflow_id = ? AND run_id = ?', [
        workflowId,
        runId,
      ]);
      return row ? toRecoveryReport(row) : undefined;
    }
    return (await this.recoveryReportRuns(workflowId, 1))[0];
  }

  async recoveryReportRuns(workflowId: string, limit = DEFAULT_LIMIT): Promise<RecoveryReport[]> {
    const rows = await this.db.query(
      'SELECT * FROM recovery_reports WHERE workflow_id = ? ORDER BY started_at DESC, finished_at DESC, run_id LIMIT ?',
      [workflowId, validLimit(limit)],
    );
    return rows.map(toRecoveryReport);
  }

  async recentRecoveryReports(limit = DEFAULT_LIMIT): Promise<RecoveryReport[]> {
    const rows = await this.db.query(
      'SELECT * FROM recovery_reports ORDER BY finished_at DESC, workflow_id, run_id LIMIT ?',
      [validLimit(limit)],
    );
    return rows.map(toRecoveryReport);
  }

  async recordFleetObservations(input: FleetObservations): Promise<{ hosts: number; lpars: number }> {
    return insertObservations(this.db, validInput(fleetObservationsSchema, input, 'fleet observations'));
  }

  async currentFleet(group: string): Promise<Fleet> {
    return readFleet(this.db, group, await latestGood(this.db, group));
  }

  async raiseNotification(input: Omit<Notification, 'id'>): Promise<Notification> {
    const n = validInput(notificationInputSchema, stripId(input), 'notification');
    const [row] = await this.db.query(
      'INSERT INTO notifications (severity, kind, message, raised_at, workflow_id, subject, message_key) ' +
        'VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id',
      [n.severity, n.kind, n.message, isoTime(n.raisedAt), n.workflowId ?? null, n.subject ?? null, n.key ?? null],
    );
    return { id: new RowReader('notifications', row!).integer('id'), ...n, raisedAt: isoTime(n.raisedAt) };
  }

  async recentNotifications(limit = DEFAULT_LIMIT): Promise<Notification[]> {
    const rows = await this.db.query('SELECT * FROM notifications ORDER BY id DESC LIMIT ?', [validLimit(limit)]);
    return rows.map((row) => {
      const r = new RowReader('notifications', row);
      const workflowId = r.optionalText('workflow_id');
      const subject = r.optionalText('subject');
      const key = r.optionalText('message_key');
      return {
        id: r.integer('id'),
        severity: r.oneOf('severity', ['info', 'warning', 'critical'] as const),
        kind: r.text('kind'),
        message: r.text('message'),
        raisedAt: r.timestamp('raised_at'),
        ...(workflowId ? { workflowId } : {}),
        ...(subject ? { subject } : {}),
        ...(key ? { key } : {}),
      };
    });
  }

  // ---- VM and application health (agent heartbeats, migration 004) ----
  recordAgentHeartbeat(input: AgentHeartbeatInput): Promise<VmHeartbeat> {
    return heartbeats.recordAgentHeartbeat(this.db, input);
  }

  forgetAgentHeartbeat(vm: string): Promise<boolean> {
    return heartbeats.forgetAgentHeartbeat(this.db, vm);
  }

  agentHeartbeats(group: string): Promise<VmHeartbeat[]> {
    return heartbeats.groupHeartbeats(this.db, group);
  }

  agentHeartbeat(vm: string): Promise<VmHeartbeat | undefined> {
    return heartbeats.vmHeartbeat(this.db, vm);
  }

  clearAppFailures(vm: string): Promise<void> {
    return heartbeats.clearAppFailures(this.db, vm);
  }

  startVmRestart(restart: Omit<VmRestartRecord, 'finishedAt' | 'outcome' | 'report'>, since: string): Promise<number> {
    return heartbeats.startVmRestart(this.db, restart, since);
  }

  countVmRestarts(vm: string, since: string): Promise<number> {
    return heartbeats.countVmRestarts(this.db, vm, since);
  }

  finishVmRestart(result: Parameters<InventoryStore['finishVmRestart']>[0]): Promise<void> {
    return heartbeats.finishVmRestart(this.db, result);
  }

  vmRestarts(vm: string, limit = DEFAULT_LIMIT): Promise<VmRestartRecord[]> {
    return heartbeats.vmRestarts(this.db, vm, validLimit(limit));
  }

  /** Routing and delivery of notifications (activities/notifications/sql-outbox.ts), over the same database. */
  notificationOutbox(): NotificationOutbox {
    return new SqlNotificationOutbox(this.db);
  }

  hostMonitoring(): HostMonitoringStore {
    return sqlHostMonitoringStore(this.db);
  }

  lparOrigins(): LparOriginStore {
    return sqlLparOriginStore(this.db);
  }

  reducedSizes(): ReducedSizeStore {
    return sqlReducedSizeStore(this.db);
  }

  auditLog(): AuditLogStore {
    return sqlAuditLogStore(this.db);
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

async function latestGood(db: SqlDriver, group: string) {
  const [row] = await db.query(
    "SELECT id, snapshot FROM discovery_runs WHERE host_group = ? AND status = 'ok' ORDER BY id DESC LIMIT 1",
    [group],
  );
  if (!row) return undefined;
  const r = new RowReader('discovery_runs', row);
  return { runId: r.integer('id'), snapshot: r.json('snapshot', inventorySnapshotSchema) };
}

function toDiscoveryRun(row: SqlRow): DiscoveryRun {
  const r = new RowReader('discovery_runs', row);
  const error = r.optionalText('error');
  const snapshot = r.optionalJson('snapshot', inventorySnapshotSchema);
  const diff = r.optionalJson('diff', inventoryDiffSchema);
  return {
    id: r.integer('id'),
    group: r.text('host_group'),
    startedAt: r.timestamp('started_at'),
    finishedAt: r.timestamp('finished_at'),
    status: r.oneOf('status', DISCOVERY_STATUSES),
    ...(error !== undefined ? { error } : {}),
    ...(snapshot ? { snapshot } : {}),
    ...(diff ? { diff } : {}),
  };
}

function toRecoveryReport(row: SqlRow): RecoveryReport {
  const r = new RowReader('recovery_reports', row, `${String(row.workflow_id)} run ${String(row.run_id)}`);
  return {
    workflowId: r.text('workflow_id'),
    runId: r.text('run_id'),
    kind: r.text('kind'),
    group: r.text('host_group'),
    startedAt: r.timestamp('started_at'),
    finishedAt: r.timestamp('finished_at'),
    outcome: r.oneOf('outcome', recoveryReportSchema.shape.outcome.options),
    report: r.json('report', reportBodySchema),
  };
}

function validLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT)
    throw new InventoryStoreError(`limit must be an integer from 1 to ${MAX_LIMIT}, not ${limit}`);
  return limit;
}

function stripId<T extends object>(value: T): Omit<T, 'id'> {
  const { id: _id, ...rest } = value as T & { id?: unknown };
  return rest;
}

/** Timestamps are stored normalized, so text order is time order in SQLite too. */
function isoTime(value: string): string {
  return new Date(value).toISOString();
}

function jsonOrNull(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

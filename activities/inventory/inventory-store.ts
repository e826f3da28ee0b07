// The inventory store: what the controller remembers between runs. Async at the interface so SQLite and
// PostgreSQL are interchangeable.
import type { Fleet, FleetObservations, InventorySnapshot } from '../../domain/inventory/index.js';
import type { HostMonitoringStore } from './host-monitoring.js';
import type { LparOriginStore } from './lpar-origins.js';
import type { AuditLogStore } from './audit-log.js';
import type { ReducedSizeStore } from './reduced-sizes.js';
import type { NotificationOutbox } from '../notifications/outbox.js';
import type {
  CapacityCheck,
  CapacityCheckInput,
  DiscoveryRun,
  DiscoveryRunInput,
  Notification,
  NotificationInput,
  RecoveryReport,
  VerificationResult,
  VerificationResultInput,
} from './records.js';
import type { VmHeartbeat, VmRestartOutcome } from '../../domain/vm-health/index.js';
import type { AgentHeartbeatInput, VmRestartRecord } from './agent-heartbeats.js';

export interface InventoryStore {
  /** "SQLite <path>" or "PostgreSQL <user>@<host>:<port>/<db>" — never a password. */
  readonly description: string;
  readonly schemaVersion: number;

  /** Records a finished discovery run; an ok run's diff is taken against the group's previous good snapshot. */
  recordDiscoveryRun(run: DiscoveryRunInput): Promise<DiscoveryRun>;
  discoveryRun(id: number): Promise<DiscoveryRun | undefined>;
  /** Newest first. */
  discoveryRuns(group: string, limit?: number): Promise<DiscoveryRun[]>;
  /** The snapshot of the group's newest ok run; partial and failed runs never replace it. */
  latestGoodSnapshot(group: string): Promise<{ runId: number; snapshot: InventorySnapshot } | undefined>;

  recordVerification(result: VerificationResultInput): Promise<VerificationResult>;
  verifications(group: string, limit?: number): Promise<VerificationResult[]>;

  recordCapacityCheck(check: CapacityCheckInput): Promise<CapacityCheck>;
  latestCapacityCheck(group: string): Promise<CapacityCheck | undefined>;

  /**
   * Saves one run's final report, keyed on (workflowId, runId): every run keeps its own; saving again for the same
   * run replaces it (activities are retried).
   */
  saveRecoveryReport(report: RecoveryReport): Promise<void>;
  /** The report of that run; without `runId`, of the workflow id's latest run (the newest startedAt). */
  recoveryReport(workflowId: string, runId?: string): Promise<RecoveryReport | undefined>;
  /** Every stored run's report of one workflow id, the newest startedAt first. */
  recoveryReportRuns(workflowId: string, limit?: number): Promise<RecoveryReport[]>;
  /** Most recently finished first, all workflow ids. */
  recentRecoveryReports(limit?: number): Promise<RecoveryReport[]>;

  /**
   * Records what Lazarus changed or saw itself between discoveries — a failover's write-back (where each LPAR now
   * runs, which host it fenced) or a live read — so the next decision starts from it:
   * `{ group, source: 'failover <workflowId>/<runId>', observedAt, hosts: [{ name, state, fenced? }], lpars: [{ name,
   * host, state }] }`. Validated (InventoryStoreError naming the field); returns how many of each were stored.
   */
  recordFleetObservations(observations: FleetObservations): Promise<{ hosts: number; lpars: number }>;
  /**
   * The group as Lazarus knows it now: the newest good discovery merged with the observations made since (rules in
   * domain/inventory/fleet.ts `currentFleet`): hosts `{ name, state, observedAt, source, staleReason?, describedAt?,
   * fenced?, system? }`, LPARs (snapshot LPAR fields plus `observedAt`, `source`, `stale?`) on their current hosts,
   * and `undescribedLpars` seen by a failover or live read but never described. Empty lists when nothing is known.
   */
  currentFleet(group: string): Promise<Fleet>;

  raiseNotification(notification: NotificationInput): Promise<Notification>;
  /** Newest first. */
  recentNotifications(limit?: number): Promise<Notification[]>;
  /** Routing, delivery and the delivery record of notifications to the configured channels (NotificationOutbox). */
  notificationOutbox(): NotificationOutbox;

  // ---- VM and application health (agent heartbeats, migration 004; see agent-heartbeats.ts) ----
  /** Stores a VM's heartbeat and counts its applications' consecutive failures; returns the VM's heartbeat now. */
  recordAgentHeartbeat(heartbeat: AgentHeartbeatInput): Promise<VmHeartbeat>;
  /** The latest heartbeat of every VM of the group that ever reported. */
  agentHeartbeats(group: string): Promise<VmHeartbeat[]>;
  /** Stops watching the VM: its heartbeats and application states are forgotten (restarts kept); false if unknown. */
  forgetAgentHeartbeat(vm: string): Promise<boolean>;
  /** The latest heartbeat of one VM; undefined when it never reported. */
  agentHeartbeat(vm: string): Promise<VmHeartbeat | undefined>;
  /** Starts the VM's application failure counts again from 0 (a restart answered them). */
  clearAppFailures(vm: string): Promise<void>;
  /** Records an admitted VM restart (idempotent per run); returns the VM's restarts started since `since`, this one included. */
  startVmRestart(restart: Omit<VmRestartRecord, 'finishedAt' | 'outcome' | 'report'>, since: string): Promise<number>;
  /** The VM's restarts started since `since` (ISO). */
  countVmRestarts(vm: string, since: string): Promise<number>;
  finishVmRestart(result: {
    workflowId: string;
    runId: string;
    finishedAt: string;
    outcome: VmRestartOutcome;
    report: object;
  }): Promise<void>;
  /** Newest first (at most 100 are kept per VM). */
  vmRestarts(vm: string, limit?: number): Promise<VmRestartRecord[]>;

  /** Host monitoring's detections and hosts in maintenance (migration 005; host-monitoring.ts). */
  hostMonitoring(): HostMonitoringStore;

  /** Where each LPAR an evacuation moved away came from, for restore (migration 006; lpar-origins.ts). */
  lparOrigins(): LparOriginStore;

  /** LPARs restarted at reduced size, with their full size, for their return to it (migration 007; reduced-sizes.ts). */
  reducedSizes(): ReducedSizeStore;

  /** The API's audit log: every state-changing call, who made it and how it ended (migration 008; audit-log.ts). */
  auditLog(): AuditLogStore;

  close(): Promise<void>;
}

// The inventory store: what the controller remembers between runs. Async at the interface so SQLite and
// PostgreSQL are interchangeable.
import type { InventorySnapshot } from '../../domain/inventory/index.js';
import type {
  CapacityCheck, CapacityCheckInput, DiscoveryRun, DiscoveryRunInput, Notification, NotificationInput, RecoveryReport,
  VerificationResult, VerificationResultInput,
} from './records.js';

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

  /** Saves a recovery's final report; saving again for the same workflow id replaces it (activities are retried). */
  saveRecoveryReport(report: RecoveryReport): Promise<void>;
  recoveryReport(workflowId: string): Promise<RecoveryReport | undefined>;
  /** Most recently finished first. */
  recentRecoveryReports(limit?: number): Promise<RecoveryReport[]>;

  raiseNotification(notification: NotificationInput): Promise<Notification>;
  /** Newest first. */
  recentNotifications(limit?: number): Promise<Notification[]>;

  close(): Promise<void>;
}

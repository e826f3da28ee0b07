// What the store keeps besides snapshots, as zod schemas: the same schemas check what callers write and what is
// read back from the database.
import { z } from 'zod';
import {
  undescribedHostSchema,
  type InventoryChange,
  type InventorySnapshot,
  type UndescribedHost,
} from '../../domain/inventory/index.js';

const name = z.string().min(1);
const timestamp = z.iso.datetime();

export const DISCOVERY_STATUSES = ['ok', 'partial', 'failed'] as const;
export type DiscoveryStatus = (typeof DISCOVERY_STATUSES)[number];

export interface DiscoveryRunInput {
  group: string;
  startedAt: string;
  finishedAt: string;
  status: DiscoveryStatus;
  error?: string;
  /**
   * Required when status is ok; not stored otherwise (a partial view must not pass for the fleet). It may hold only
   * the hosts the discovery could describe: see `undescribedHosts`.
   */
  snapshot?: InventorySnapshot;
  /**
   * Hosts of the group the discovery could not describe (ok runs only), each with the state the HMC lists
   * (`unknown` when it does not) and why. The stored snapshot keeps each one's last description, marked stale.
   */
  undescribedHosts?: UndescribedHost[];
}

export interface DiscoveryRun {
  id: number;
  group: string;
  startedAt: string;
  finishedAt: string;
  status: DiscoveryStatus;
  error?: string;
  /** As stored: described hosts fresh, the others carried over from the previous good snapshot with `staleReason`. */
  snapshot?: InventorySnapshot;
  /** Changes against the previous good snapshot of the group; undefined for the first good run and bad runs. */
  diff?: InventoryChange[];
}

export const discoveryRunInputSchema = z
  .strictObject({
    group: name,
    startedAt: timestamp,
    finishedAt: timestamp,
    status: z.enum(DISCOVERY_STATUSES),
    error: z.string().optional(),
    snapshot: z.unknown().optional(),
    undescribedHosts: z.array(undescribedHostSchema).optional(),
  })
  .refine((run) => (run.status === 'ok') === (run.snapshot !== undefined), {
    message: 'a snapshot is required for an ok run and only for one',
    path: ['snapshot'],
  })
  .refine((run) => run.status === 'ok' || run.undescribedHosts === undefined, {
    message: 'only an ok run names undescribed hosts',
    path: ['undescribedHosts'],
  });

export const verificationResultInputSchema = z.strictObject({
  group: name,
  verifiedAt: timestamp,
  ok: z.boolean(),
  findings: z.array(z.strictObject({ severity: z.enum(['info', 'warning', 'error']), subject: name, message: name })),
});
export type VerificationResultInput = z.infer<typeof verificationResultInputSchema>;
export type VerificationResult = VerificationResultInput & { id: number };

export const shortfallSchema = z.strictObject({
  resource: z.enum(['processorUnits', 'memoryMb']),
  needed: z.number().nonnegative(),
  available: z.number().nonnegative(),
  lpars: z.array(name),
});
/** An LPAR the what-if plan left out, with the planner's reason (capacity, anti-collocation, ...) and its detail. */
export const unplacedCheckSchema = z.strictObject({ lpar: name, reason: name, detail: z.string() });
export const hostFailureCheckSchema = z.strictObject({
  failedHost: name,
  fits: z.boolean(),
  shortfalls: z.array(shortfallSchema),
  unplaced: z.array(unplacedCheckSchema).optional(),
});
export const capacityCheckInputSchema = z.strictObject({
  group: name,
  checkedAt: timestamp,
  hosts: z.array(hostFailureCheckSchema),
});
export type CapacityCheckInput = z.infer<typeof capacityCheckInputSchema>;
export type CapacityCheck = CapacityCheckInput & { id: number };

/** Final outcomes a recovery stores (a dry run stores nothing); see FailoverOutcome in domain/failover for each. */
export const RECOVERY_OUTCOMES = [
  'succeeded',
  'partial',
  'failed',
  'cancelled',
  'rejected',
  'not-failed',
  'host-returned',
  'already-recovered',
] as const;

/**
 * One run's final report, keyed on (workflowId, runId): every run of `failover/<group>/<host>` keeps its own; saving
 * again for the same run replaces it (activities are retried). Rows stored before migration 002 have runId `unknown`.
 */
export const recoveryReportSchema = z.strictObject({
  workflowId: name,
  /** The Temporal run id of the workflow run that wrote the report. */
  runId: name,
  kind: name,
  group: name,
  startedAt: timestamp,
  finishedAt: timestamp,
  outcome: z.enum(RECOVERY_OUTCOMES),
  /** The workflow's final report as it returned it (per-LPAR timings, RTO, what was not restarted and why). */
  report: z.record(z.string(), z.unknown()),
});
export type RecoveryReport = z.infer<typeof recoveryReportSchema>;

export const notificationInputSchema = z.strictObject({
  severity: z.enum(['info', 'warning', 'critical']),
  kind: name,
  message: name,
  raisedAt: timestamp,
  workflowId: name.optional(),
  /** What it is about, for deduplication and the receivers: `<group>/<host>`, `<group>/<lpar>`, an HMC's name. */
  subject: name.max(300).optional(),
  /** A stable key for "the same event" when the message varies (counts, times); default: the message itself. */
  key: name.max(300).optional(),
});
export type NotificationInput = z.infer<typeof notificationInputSchema>;
export type Notification = NotificationInput & { id: number };

const hostObservationSchema = z.strictObject({ name, state: name, fenced: z.boolean().optional() });
const lparObservationSchema = z.strictObject({ name, host: name, state: name });

/** What `recordFleetObservations` accepts: FleetObservations (domain/inventory/fleet.ts), at least one host or LPAR. */
export const fleetObservationsSchema = z
  .strictObject({
    group: name,
    source: name.max(500),
    observedAt: timestamp,
    hosts: z.array(hostObservationSchema).optional(),
    lpars: z.array(lparObservationSchema).optional(),
  })
  .refine((o) => (o.hosts?.length ?? 0) + (o.lpars?.length ?? 0) > 0, {
    message: 'at least one host or LPAR observation',
    path: ['hosts'],
  });

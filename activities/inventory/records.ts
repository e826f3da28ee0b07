// What the store keeps besides snapshots, as zod schemas: the same schemas check what callers write and what is
// read back from the database.
import { z } from 'zod';
import type { InventoryChange, InventorySnapshot } from '../../domain/inventory/index.js';

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
  /** Required when status is ok; not stored otherwise (a partial view must not pass for the fleet). */
  snapshot?: InventorySnapshot;
}

export interface DiscoveryRun {
  id: number;
  group: string;
  startedAt: string;
  finishedAt: string;
  status: DiscoveryStatus;
  error?: string;
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
  })
  .refine((run) => (run.status === 'ok') === (run.snapshot !== undefined), { message: 'a snapshot is required for an ok run and only for one', path: ['snapshot'] });

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
export const hostFailureCheckSchema = z.strictObject({ failedHost: name, fits: z.boolean(), shortfalls: z.array(shortfallSchema) });
export const capacityCheckInputSchema = z.strictObject({ group: name, checkedAt: timestamp, hosts: z.array(hostFailureCheckSchema) });
export type CapacityCheckInput = z.infer<typeof capacityCheckInputSchema>;
export type CapacityCheck = CapacityCheckInput & { id: number };

export const recoveryReportSchema = z.strictObject({
  workflowId: name,
  kind: name,
  group: name,
  startedAt: timestamp,
  finishedAt: timestamp,
  outcome: z.enum(['succeeded', 'partial', 'failed', 'cancelled', 'rejected', 'not-failed']),
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
});
export type NotificationInput = z.infer<typeof notificationInputSchema>;
export type Notification = NotificationInput & { id: number };

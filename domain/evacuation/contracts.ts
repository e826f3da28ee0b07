// Planned operations (issue 14): evacuate a host by Live Partition Mobility, restore its LPARs home, and fail back a
// host that returns after a failover. The shapes the workflows, the API and the store share, and the pure rules.

/** Who asked, and why (an operator's name from the API token). */
export interface Requester {
  by: string;
  reason?: string;
}

/**
 * Concurrent migrations at once. `perSystem` counts every migration a managed system takes part in (as source or as
 * destination); `perHmc` every migration one workflow drives through its HMC. Defaults from IBM's "Firmware support
 * matrix for partition mobility", table "Concurrent migrations": 16 per system (firmware 760+, HMC V7R7.6+, VIOS
 * 2.2.2.0+), at most 8 per VIOS mover service partition, so 16 with the two VIOS a system usually has. `perHmc` is
 * further capped at half the HMC's device-queue slots (evacuationPolicy), which failovers share.
 */
export interface MigrationLimits {
  perSystem: number;
  perHmc: number;
}

export const DEFAULT_MIGRATION_LIMITS: MigrationLimits = { perSystem: 16, perHmc: 16 };

/** A group's evacuation policy, worked out once from the configuration (domain/evacuation/policy.ts). */
export interface EvacuationPolicy {
  /** The group's preferred HMC: its device queue takes the HMC changes. */
  hmc: string;
  storage: string;
  limits: MigrationLimits;
  pollMs: number;
  /** Deadline of one migration, retries included (ms). */
  migrationDeadlineMs: number;
  /** Deadline of a shutdown or a boot wait (ms). */
  waitDeadlineMs: number;
  heartbeatMs: number;
}

export interface EvacuateInput {
  group: string;
  host: string;
  /** Only these hosts of the group may receive LPARs (all Operating hosts not in maintenance when absent). */
  destinations?: string[];
  /** An LPAR that fails LPM validation is shut down, moved inactive and started on its destination. */
  allowShutdownRestart: boolean;
  /** The plan only: nothing changes (no maintenance, no mapping, no validation, no move). */
  advisory: boolean;
  requestedBy: string;
  policy: EvacuationPolicy;
}

export interface RestoreInput {
  group: string;
  host: string;
  /** Take the host out of maintenance once every LPAR is home. */
  endMaintenance: boolean;
  requestedBy: string;
  policy: EvacuationPolicy;
}

export interface FailbackInput {
  group: string;
  host: string;
  requestedBy: string;
  policy: EvacuationPolicy;
}

/** The automatic failback the host monitor starts when a host it saw down is up again (workflow `autoFailback`). */
export interface AutoFailbackInput {
  group: string;
  host: string;
  /** The monitor's workflow id. */
  requestedBy: string;
}

/** What an automatic failback did: skipped (with why), or the report of its last attempt. */
export interface AutoFailbackResult {
  group: string;
  host: string;
  /** Decisions taken (a refused one is taken again after a wait). */
  attempts: number;
  skipped?: string;
  report?: FailbackReport;
}

/**
 * One LPAR's move. `pending` → `validating` → `migrating` → `moved`; `invalid` (LPM validation refused it, not
 * moved); `shutting-down` → `restarting` → `restarted` (only with allowShutdownRestart); `failed` (named with the
 * device's message and where the HMC shows it now); `cancelled` (never started); `unplaced`; `skipped` (not running:
 * nothing to protect, its definition stays).
 */
export type MoveStep =
  | 'pending'
  | 'validating'
  | 'migrating'
  | 'moved'
  | 'invalid'
  | 'shutting-down'
  | 'restarting'
  | 'restarted'
  | 'failed'
  | 'cancelled'
  | 'unplaced'
  | 'skipped';

export const FINAL_MOVE_STEPS: ReadonlySet<MoveStep> = new Set([
  'moved',
  'invalid',
  'restarted',
  'failed',
  'cancelled',
  'unplaced',
  'skipped',
]);

export interface LparMove {
  lpar: string;
  from: string;
  to?: string;
  priority?: string;
  step: MoveStep;
  /** How it moved: live (LPM of a running LPAR) or shutdown, inactive migration and start. */
  how?: 'lpm' | 'shutdown-restart';
  /** Milliseconds since the operation started, when the move started and when it ended. */
  startedMs?: number;
  finishedMs?: number;
  /** What `migrlpar -o v` said, when it refused. */
  validation?: string;
  error?: string;
  /** Where the HMC showed it at the end (host and state). */
  finalHost?: string;
  finalState?: string;
  /**
   * The clean-up of its volume mappings at the end: those to the host it left (moved), or the shares made at a
   * destination it never reached; what was removed or kept and why.
   */
  mappings?: string;
}

export type EvacuationPhase = 'maintenance' | 'roster' | 'plan' | 'validate' | 'migrate' | 'verify' | 'done';
export type EvacuationKind = 'evacuate' | 'restore';
export type EvacuationOutcome = 'succeeded' | 'partial' | 'failed' | 'cancelled';

export interface EvacuationProgress {
  workflowId: string;
  kind: EvacuationKind;
  group: string;
  host: string;
  phase: EvacuationPhase;
  /** ISO 8601. */
  startedAt: string;
  elapsedMs: number;
  limits: MigrationLimits;
  lpars: LparMove[];
  totals: Record<MoveStep, number>;
}

export interface EvacuationReport extends EvacuationProgress {
  outcome: EvacuationOutcome;
  advisory: boolean;
  /** The host is in maintenance when the report is written. */
  maintenance: boolean;
  cancelledBy?: Requester;
  stoppedBy?: string;
}

/** Failback: stale definitions removed (`rrstartlpar -o cleanup`), or refused with the reason; nothing half done. */
export interface FailbackReport {
  workflowId: string;
  group: string;
  host: string;
  startedAt: string;
  outcome: 'succeeded' | 'refused' | 'failed';
  /** Why it was refused or failed, for an operator. */
  reason?: string;
  cleaned: Array<{ lpar: string; runsOn: string }>;
  /** After a host-level fence: what putting the storage host's ports back did (stale mappings dropped first). */
  storageCleanup?: string[];
  /** Volume mappings removed from the returned host (volumes of the cleaned LPARs). */
  unmappedVolumes: string[];
  /** Partitions left on the host, with why (not running elsewhere: its only definition). */
  kept: Array<{ lpar: string; reason: string }>;
}

/** The count of LPARs per step. */
export function moveTotals(lpars: readonly LparMove[]): Record<MoveStep, number> {
  const totals = Object.fromEntries(
    [
      'pending',
      'validating',
      'migrating',
      'moved',
      'invalid',
      'shutting-down',
      'restarting',
      'restarted',
      'failed',
      'cancelled',
      'unplaced',
      'skipped',
    ].map((s) => [s, 0]),
  ) as Record<MoveStep, number>;
  for (const l of lpars) totals[l.step] += 1;
  return totals;
}

/**
 * The outcome from the final steps: `succeeded` when every LPAR to move moved (skipped ones count as done),
 * `cancelled` when a cancel stopped it, else `partial` when some moved and `failed` when none did.
 */
export function evacuationOutcome(lpars: readonly LparMove[], cancelled: boolean): EvacuationOutcome {
  if (cancelled) return 'cancelled';
  const done = lpars.filter((l) => l.step === 'moved' || l.step === 'restarted' || l.step === 'skipped').length;
  if (done === lpars.length) return 'succeeded';
  return lpars.some((l) => l.step === 'moved' || l.step === 'restarted') ? 'partial' : 'failed';
}

const PRIORITY_RANK: Record<string, number> = { critical: 0, high: 1, medium: 2, low: 3 };

/** Orders moves highest priority first, keeping the plan's order within a class (a stable sort). */
export function inPriorityOrder<T extends { priority?: string }>(moves: readonly T[]): T[] {
  const rank = (m: T) => PRIORITY_RANK[m.priority ?? 'medium'] ?? 2;
  return moves
    .map((m, i) => ({ m, i }))
    .sort((a, b) => rank(a.m) - rank(b.m) || a.i - b.i)
    .map(({ m }) => m);
}

/**
 * The migration slots in use, per managed system and for the HMC: a move may start only when its source, its
 * destination and the HMC are all under their limits. Pure and deterministic (used inside workflows).
 */
export class MigrationSlots {
  private readonly perSystem = new Map<string, number>();
  private hmc = 0;

  constructor(private readonly limits: MigrationLimits) {}

  canStart(source: string, destination: string): boolean {
    return (
      this.hmc < this.limits.perHmc &&
      (this.perSystem.get(source) ?? 0) < this.limits.perSystem &&
      (this.perSystem.get(destination) ?? 0) < this.limits.perSystem
    );
  }

  take(source: string, destination: string): void {
    this.hmc += 1;
    for (const s of [source, destination]) this.perSystem.set(s, (this.perSystem.get(s) ?? 0) + 1);
  }

  give(source: string, destination: string): void {
    this.hmc -= 1;
    for (const s of [source, destination]) this.perSystem.set(s, (this.perSystem.get(s) ?? 1) - 1);
  }

  get inFlight(): number {
    return this.hmc;
  }
}

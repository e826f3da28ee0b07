// The public contract of a host failover, shared by the workflow, its activities, the API, the CLI and the tests:
// input, plan, per-LPAR progress, fence proof, progress and report. Names and references only, never secrets.

export interface HostFailoverInput {
  group: string;
  host: string;
  mode: 'auto' | 'advisory';
  /** Plan only: nothing is fenced, mapped or started. */
  dryRun?: boolean;
  requestedBy: string;
}

export interface OperatorDecision {
  by: string;
  reason?: string;
}

/** Where a failover is. `fence-blocked` waits for an operator's override; the last five are final. */
export type FailoverPhase =
  | 'confirm'
  | 'inventory'
  | 'approve'
  | 'fence'
  | 'fence-blocked'
  | 'plan'
  | 'execute'
  | 'verify'
  | 'report'
  | 'done'
  | 'not-failed'
  | 'rejected'
  | 'cancelled'
  | 'host-returned';

/**
 * One LPAR's step. Beyond the restart steps: `blocked` — evidence says it may be running somewhere (or its state
 * cannot be known), so it is neither restarted nor are its disks cut; `not-restarted` — it was not running before the
 * failure (its owner's intent), so it is left as it was.
 */
export type LparStep =
  | 'pending'
  | 'mapping'
  | 'vios'
  | 'activating'
  | 'waiting-running'
  | 'running'
  | 'failed'
  | 'unplaced'
  | 'cancelled'
  | 'blocked'
  | 'not-restarted';

/** Steps after which nothing more happens to the LPAR in this failover. */
export const FINAL_STEPS: ReadonlySet<LparStep> = new Set([
  'running',
  'failed',
  'unplaced',
  'cancelled',
  'blocked',
  'not-restarted',
]);

export interface LparProgress {
  lpar: string;
  destination?: string;
  step: LparStep;
  attempts: number;
  /** Milliseconds since the failover started, per step reached. */
  timings: Partial<Record<LparStep, number>>;
  /** Why it is not running (failed, blocked, unplaced, cancelled, not-restarted), in words for an operator. */
  error?: string;
  /** false when a failed LPAR may still be active where it failed, so restarting it elsewhere could run it twice */
  replannable?: boolean;
  /** The effective (policy) priority class. */
  priority?: string;
  /** Restarted at a reduced size: its profile was set to this size for the restart (the full size is recorded). */
  reducedSize?: ReducedSize;
}

/**
 * A reduced-size restart (issue 14, flex capacity): the size it restarts with and its full (desired) size, in
 * processing units (a dedicated core counts 1.0) and MB.
 */
export interface ReducedSize {
  procUnits: number;
  memoryMb: number;
  fullProcUnits: number;
  fullMemoryMb: number;
}

/**
 * What fenced the host. `poweredOff`: the HMC confirmed Power Off (the whole host may then be cut off its storage).
 * Otherwise `override` says who vouched for it, and only LPARs proven not active there lose their mappings.
 * Storage is cut one of two ways: at the host object (`hostPortsRemoved`: the failed host's storage host object lost
 * these FC ports in one `rmhostport`, its mappings kept but unreachable; only for a host proven powered off; cleanup
 * puts the ports back with `addhostport`), or volume by volume (`unmappedVolumes`: after an override, or where the
 * host has no host object of its name). `unmappedVolumes` is empty after a host-level cut.
 */
export interface FenceProof {
  host: string;
  powerState: string;
  poweredOff: boolean;
  unmappedVolumes: string[];
  hostPortsRemoved?: { storageHost: string; wwpns: string[] };
  override?: OperatorDecision;
  /** NPIV-attached LPARs whose client WWPNs the storage showed logged out before their restart (their fence). */
  npivLoggedOut?: string[];
  /** When the fence began (power off) and when its storage cut ended: ms after the failover's start. */
  timings?: { startMs: number; storageCutMs: number };
}

export interface FailoverProgress {
  workflowId: string;
  group: string;
  host: string;
  phase: FailoverPhase;
  /** When the failover started (ISO 8601); clients compute elapsed time from it. */
  startedAt: string;
  /** Milliseconds since start, as of the last workflow task (use startedAt for a live figure). */
  elapsedMs: number;
  rtoBudgetMs: number;
  fence?: FenceProof;
  planSummary?: { placed: number; unplaced: number; streams: number; estimatedRtoMs: number };
  lpars: LparProgress[];
  totals: LparTotals;
}

export interface LparTotals {
  running: number;
  failed: number;
  unplaced: number;
  cancelled: number;
  blocked: number;
  notRestarted: number;
  pending: number;
}

/**
 * - `succeeded`: every LPAR known to have been on the host is Running exactly once, as the HMC said at the end.
 * - `partial` / `failed`: some / none of them run; each other LPAR names its step and reason.
 * - `not-failed`: the host was up when confirmed. `host-returned`: it came back before its storage was cut; nothing
 *   was touched after that. `already-recovered`: every LPAR of the host already ran elsewhere; nothing was done.
 * - `rejected`: an operator said no (or nobody answered and the policy aborts). `cancelled`. `dry-run`: a plan only.
 */
export type FailoverOutcome =
  | 'succeeded'
  | 'partial'
  | 'failed'
  | 'not-failed'
  | 'host-returned'
  | 'already-recovered'
  | 'rejected'
  | 'cancelled'
  | 'dry-run';

export interface FailoverReport extends FailoverProgress {
  outcome: FailoverOutcome;
  rtoMs: number;
  withinBudget: boolean;
  unplaced: Array<{ lpar: string; reason: string; detail: string }>;
  approval?: { decision: 'approved' | 'rejected' | 'timed-out'; by?: string; reason?: string };
  plan?: FailoverPlan;
  /** the phase a cancelled failover was in when the cancel request arrived */
  cancelledDuring?: FailoverPhase;
  cancelledBy?: OperatorDecision;
  /** Why the failover stopped before its end: the phase and the step's last error (a device unreachable, no inventory). */
  stoppedBy?: string;
}

/** The plan as the workflow executes it: per destination stream, the LPARs in order with what they need. */
export interface FailoverPlan {
  streams: Array<{ destination: string; lpars: PlannedLpar[]; estimatedMs: number }>;
  unplaced: Array<{ lpar: string; reason: string; detail: string }>;
  estimatedRtoMs: number;
  /** The group's other hosts that were not destinations, and why (absent in plans made before this field). */
  excludedDestinations?: ExcludedDestination[];
}

/**
 * A host of the group a plan did not place anything on, whatever its free capacity: in maintenance (an operator's or
 * an evacuation's), quarantined by the host monitor for flapping, not `Operating` on the HMC, or cut at its storage
 * (a failover's fence not failed back). The failed host itself is not listed.
 */
export interface ExcludedDestination {
  host: string;
  reason: 'maintenance' | 'quarantined' | 'not-operating' | 'storage-cut';
  /** In words: the maintenance reason and who set it, the quarantine's end and cause, the HMC's state, or the cut. */
  detail: string;
}

export interface PlannedLpar {
  name: string;
  /** The effective (policy) priority class. */
  priority: string;
  volumes: string[];
  reduced: boolean;
  /** When `reduced`: the size it restarts with (its profile is changed to it right before the restart). */
  reducedSize?: ReducedSize;
  /**
   * Restarted reduced by an earlier failover and placed at full size now: its profile is set back to this size
   * (processing units, MB) right before the restart.
   */
  fullSize?: { procUnits: number; memoryMb: number };
  /** `npiv`: its volumes are mapped to its own virtual WWPNs and follow it; the restart maps nothing. */
  attachment?: 'npiv';
}

/**
 * An LPAR known to have been on the failed host: from the inventory (the last observation of it, with the state it
 * had then: the owner's intent) and/or from the HMC's live listing of the failed host.
 */
export interface RosterLpar {
  name: string;
  /** Its state when last observed before the failure ('unknown' when only the live listing knows it). */
  lastKnownState: string;
  /** Where that observation came from (discovery run, failover, live read) and when (ISO 8601). */
  source: string;
  /**
   * The host Lazarus last knew it on, when that is not the failed host (the HMC still lists a definition of it
   * there: one a remote restart left behind, or a move Lazarus never saw). Absent: last known on the failed host.
   */
  lastKnownHost?: string;
  observedAt?: string;
  volumes: string[];
  priority: string;
  /**
   * For an LPAR whose volumes are mapped to its own virtual WWPNs (inventory `attachment: npiv`): those storage host
   * objects. Its storage fence is that their ports are logged out of the storage before it is restarted.
   */
  npivHostObjects?: string[];
}

/**
 * What the HMC shows now on every host of the group: per host its state and, when it can list them, its partitions'
 * states (`partitions` absent with `error` when it cannot).
 */
export interface GroupEvidence {
  readAt: string;
  hosts: Array<{ host: string; state: string; partitions?: Record<string, string>; error?: string }>;
}

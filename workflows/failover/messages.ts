// The public contract of a host failover: its id, its input, the signals an operator sends, the progress query
// and the final report. Workflow inputs and results carry names and references only, never secrets.
import { defineQuery, defineSignal } from '@temporalio/workflow';

export const hostFailoverWorkflowId = (group: string, host: string) => `failover/${group}/${host}`;
export const restartStreamWorkflowId = (parentId: string, round: number, destination: string) => `${parentId}/round-${round}/stream/${destination}`;

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

export const approveSignal = defineSignal<[OperatorDecision]>('approve');
export const rejectSignal = defineSignal<[OperatorDecision]>('reject');
export const overrideFenceSignal = defineSignal<[OperatorDecision]>('overrideFence');
/** Who cancelled and why; sent just before the cancel request so the report can say it. */
export const cancelRequestedSignal = defineSignal<[OperatorDecision]>('cancelRequested');
export const lparProgressSignal = defineSignal<[LparProgress]>('lparProgress');
export const progressQuery = defineQuery<FailoverProgress>('progress');

export type FailoverPhase = 'confirm' | 'fence' | 'fence-blocked' | 'plan' | 'approve' | 'execute' | 'report' | 'done' | 'not-failed' | 'rejected' | 'cancelled';

export type LparStep = 'pending' | 'mapping' | 'vios' | 'activating' | 'waiting-running' | 'running' | 'failed' | 'unplaced' | 'cancelled';

export interface LparProgress {
  lpar: string;
  destination?: string;
  step: LparStep;
  attempts: number;
  /** Milliseconds since the failover started, per step reached. */
  timings: Partial<Record<LparStep, number>>;
  error?: string;
  /** false when a failed LPAR may still be active where it failed, so restarting it elsewhere could run it twice */
  replannable?: boolean;
}

export interface FenceProof {
  host: string;
  powerState: string;
  poweredOff: boolean;
  unmappedVolumes: string[];
  override?: OperatorDecision;
}

export interface FailoverProgress {
  workflowId: string;
  group: string;
  host: string;
  phase: FailoverPhase;
  elapsedMs: number;
  rtoBudgetMs: number;
  fence?: FenceProof;
  planSummary?: { placed: number; unplaced: number; streams: number; estimatedRtoMs: number };
  lpars: LparProgress[];
  totals: { running: number; failed: number; unplaced: number; cancelled: number; pending: number };
}

export interface FailoverReport extends FailoverProgress {
  outcome: 'succeeded' | 'partial' | 'failed' | 'not-failed' | 'rejected' | 'cancelled' | 'dry-run';
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
}

export interface PlannedLpar {
  name: string;
  priority: string;
  volumes: string[];
  reduced: boolean;
}

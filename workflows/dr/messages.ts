// Signals and queries of the site moves (workflow id `dr-move/<site>`), defined once and used typed by the API.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { DrMoveReport } from './move-steps.js';

/** Who decided and why (recorded in the report). */
export interface DrOperatorDecision {
  by: string;
  reason?: string;
}

/** Advisory move: go ahead with the plan shown in the progress. */
export const approveMoveSignal = defineSignal<[DrOperatorDecision]>('approveMove');
/** Advisory move: do not move; nothing is touched. */
export const rejectMoveSignal = defineSignal<[DrOperatorDecision]>('rejectMove');
/**
 * Stop the move at the next safe point: the device step under way finishes, nothing new starts; the report says
 * what was done (VMs already stopped stay stopped, VMs already started keep running: never one at both sites).
 */
export const cancelMoveSignal = defineSignal<[DrOperatorDecision]>('cancelMove');
/** The report so far: steps, per-VM state, whether it waits for approval and the plan. */
export const moveProgressQuery = defineQuery<DrMoveReport>('moveProgress');
/** A DR test: stop the test VMs and remove the FlashCopy copies now (ksysmgr cleanup site ... dr_test=yes). */
export const cleanupTestSignal = defineSignal<[DrOperatorDecision]>('cleanupTest');

/** DRaaS: a tenant's move onto the shared recovery site, asked of the provider coordinator (`dr-provider/<site>`). */
export interface DrMoveRequest {
  tenant: string;
  site: string;
  mode: 'planned' | 'unplanned';
  contractPriority: number;
  /** ISO time the API received the request. */
  requestedAt: string;
  /** Planned only: the move's options (advisory, shutdown timeout). */
  options?: { advisory?: boolean; shutdownTimeoutMs?: number };
}
/** What the coordinator does now: the moves running, the requests waiting, the last moves done (oldest first). */
export interface DrProviderQueue {
  site: string;
  running: Array<{ tenant: string; site: string; startedAt: string }>;
  queued: Array<{ tenant: string; site: string; contractPriority: number; requestedAt: string }>;
  done: Array<{ tenant: string; site: string; outcome: string; startedAt: string }>;
}
export const requestMoveSignal = defineSignal<[DrMoveRequest]>('requestMove');
export const providerQueueQuery = defineQuery<DrProviderQueue>('providerQueue');

/**
 * Unplanned move blocked at its fence (report.awaitingFenceOverride): an admin states that the active site's hosts no
 * HMC could prove off are down (reason required; `by` is the token's name). It stands in for the missing proof: only
 * then are the backup copies made writable. Ignored while the move does not wait for one.
 */
export const overrideFenceMoveSignal = defineSignal<[DrOperatorDecision]>('overrideFenceMove');

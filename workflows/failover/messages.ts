// How clients and the workflows talk to a host failover: its ids, the operator signals and the progress query.
// The shapes they carry live in domain/failover/contracts.ts.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { FailoverPhase, FailoverProgress, LparProgress, OperatorDecision } from '../../domain/failover/index.js';

export const hostFailoverWorkflowId = (group: string, host: string) => `failover/${group}/${host}`;
export const restartStreamWorkflowId = (parentId: string, round: number, destination: string) =>
  `${parentId}/round-${round}/stream/${destination}`;

export const approveSignal = defineSignal<[OperatorDecision]>('approve');
export const rejectSignal = defineSignal<[OperatorDecision]>('reject');
/** Accepted only while the fence is blocked (phase `fence-blocked`); the API answers 409 otherwise. */
export const overrideFenceSignal = defineSignal<[OperatorDecision]>('overrideFence');
/** Who cancelled and why; sent just before the cancel request so the report can say it. */
export const cancelRequestedSignal = defineSignal<[OperatorDecision]>('cancelRequested');
export const lparProgressSignal = defineSignal<[LparProgress]>('lparProgress');
export const progressQuery = defineQuery<FailoverProgress>('progress');

// The operator's decisions as Workflow Updates (issue 16): the workflow's validator says at once whether a decision
// can take effect, so the caller learns it (a reject after an approve is refused with the phase). The signals above
// stay for runs started before the updates existed and for the histories that hold them.
/** What a decision update answers once the decision took effect: the decision and the phase the failover is in. */
export interface DecisionTaken {
  decision: 'approved' | 'rejected' | 'fence-overridden' | 'cancel-requested';
  phase: FailoverPhase;
}
/**
 * The ApplicationFailure type with which a decision update's validator refuses; its first detail is a
 * `DecisionRefusal`. Nothing is recorded in the history for a refused update.
 */
export const DECISION_REFUSED = 'DecisionRefused';
export interface DecisionRefusal {
  /** `already_decided`, `not_waiting_for_approval`, `fence_not_blocked`, `already_cancelled`, `finishing`,
   *  `invalid_decision` */
  code: string;
  phase: FailoverPhase;
}
export const approveUpdate = defineUpdate<DecisionTaken, [OperatorDecision]>('approve');
export const rejectUpdate = defineUpdate<DecisionTaken, [OperatorDecision]>('reject');
/** Accepted only while the fence is blocked (phase `fence-blocked`), with a reason. */
export const overrideFenceUpdate = defineUpdate<DecisionTaken, [OperatorDecision]>('overrideFence');
/** Records who cancels and why; the caller then requests the workflow's cancellation. */
export const cancelUpdate = defineUpdate<DecisionTaken, [OperatorDecision]>('cancel');

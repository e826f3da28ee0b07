// How clients and the workflows talk to a host failover: its ids, the operator signals and the progress query.
// The shapes they carry live in domain/failover/contracts.ts.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { FailoverProgress, LparProgress, OperatorDecision } from '../../domain/failover/index.js';

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

// How clients talk to the planned operations: their ids, the cancel signal and the progress query. The shapes they
// carry live in domain/evacuation/contracts.ts.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { EvacuationProgress, Requester } from '../../domain/evacuation/index.js';

export const evacuationWorkflowId = (group: string, host: string) => `evacuate/${group}/${host}`;
export const restoreWorkflowId = (group: string, host: string) => `restore/${group}/${host}`;
export const failbackWorkflowId = (group: string, host: string) => `failback/${group}/${host}`;

/** Who cancelled and why; sent just before the cancel request so the report can say it. */
export const evacuationCancelSignal = defineSignal<[Requester]>('cancelRequested');
export const evacuationProgressQuery = defineQuery<EvacuationProgress>('progress');

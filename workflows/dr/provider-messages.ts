// Signals of the provider coordinator (`dr-provider/<site>`) beyond messages.ts's request and queue query.
import { defineSignal } from '@temporalio/workflow';
import type { DrOperatorDecision } from './messages.js';

/**
 * A tenant withdraws its move while it waits at the coordinator (QUEUED): the request leaves the queue and never
 * starts; the coordinator's `done` records it as `cancelled` with who asked. A move already started by then is sent
 * the move's own cancel (messages.ts cancelMoveSignal) instead.
 */
export const cancelQueuedMoveSignal = defineSignal<[DrOperatorDecision & { site: string }]>('cancelQueuedMove');

// The provider coordinator of a shared recovery site (DRaaS), workflow id `dr-provider/<site>`: several tenants, each
// with its own active site, HMCs, storage and host pairs, recover to one provider site. Every move onto that site is
// asked of it (the API signals `requestMove`) and it decides when each runs:
//   - requests that arrive together (within `gatherWindowMs` of each other) are ordered by contract priority, the
//     highest first (ties: the earliest request); the head of the queue is never overtaken;
//   - the head starts when nothing runs at the shared site, or when it and every move already running each fit the
//     capacity their contract reserves there (`reservedCapacity`, checked by the drMoveNeed activity: the standby
//     definitions it would start, against the reservation) — otherwise it waits for the running moves to end;
//   - each move runs as the tenant's usual move workflow (`dr-move/<site>`: moveDrSite or failoverDrSite) with
//     `coordination` in its input, so its report says when it was asked, when it started, whether it fitted its
//     reservation and whose moves it waited for.
// It runs for as long as the site is shared: after `movesPerRun` moves (default 50), or when Temporal suggests it,
// and with nothing running, it continues as new carrying its queue and the last moves done. Discovery and
// verification at the tenants' own sites do not come through here: scheduled verifications are staggered per tenant
// instead (domain/dr/verification-slots.ts).
import {
  ParentClosePolicy,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  proxyActivities,
  setHandler,
  sleep,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type { DrMoveControlActivities } from '../../activities/dr/move-activities.js';
import {
  cancelMoveSignal,
  providerQueueQuery,
  requestMoveSignal,
  type DrMoveRequest,
  type DrProviderQueue,
} from './messages.js';
import { cancelQueuedMoveSignal } from './provider-messages.js';
import type { DrCoordination, DrMoveReport } from './move-steps.js';
import { moveDrSite } from './planned-move.js';
import { failoverDrSite } from './unplanned-move.js';

export interface DrProviderInput {
  /** The shared recovery site. */
  site: string;
  /** How long requests are gathered before a choice (ms): tenants declaring together are ordered by priority. */
  gatherWindowMs: number;
  /** Continue as new after this many moves started (default 50; Temporal's suggestion also counts). */
  movesPerRun?: number;
  /** Carried over a continue-as-new: the requests still waiting and the last moves done. */
  carried?: { queue: QueuedMove[]; done: DrProviderQueue['done'] };
}

/** A request waiting at the coordinator, with what it waited for so far and whether it fits its reservation. */
export type QueuedMove = DrMoveRequest & { waitedFor: DrCoordination['waitedFor']; fit?: DrCoordination['capacity'] };

const { drMoveNeed } = proxyActivities<Pick<DrMoveControlActivities, 'drMoveNeed'>>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 3 },
});

/** How many moves done the coordinator keeps for its query (and carries over a continue-as-new). */
const DONE_KEPT = 50;

export async function drProviderCoordinator(input: DrProviderInput): Promise<void> {
  const queue: QueuedMove[] = [...(input.carried?.queue ?? [])];
  const done: DrProviderQueue['done'] = [...(input.carried?.done ?? [])];
  const running = new Map<string, { tenant: string; site: string; startedAt: string; fits: boolean }>();
  let arrived = queue.length > 0;
  let finished = false;
  let started = 0;
  setHandler(requestMoveSignal, (request) => {
    // One request per site: a second one while the first waits or runs changes nothing.
    if (running.has(request.site) || queue.some((q) => q.site === request.site)) return;
    queue.push({ ...request, waitedFor: [] });
    arrived = true;
  });
  setHandler(cancelQueuedMoveSignal, async ({ site, by, reason }) => {
    const index = queue.findIndex((q) => q.site === site);
    if (index >= 0) {
      const [withdrawn] = queue.splice(index, 1);
      done.push({ tenant: withdrawn!.tenant, site, outcome: 'cancelled', startedAt: new Date().toISOString() });
      done.splice(0, Math.max(0, done.length - DONE_KEPT));
      return;
    }
    // Started between the caller's look at the queue and this signal: the move itself stops at its next safe point.
    if (running.has(site))
      await getExternalWorkflowHandle(`dr-move/${site}`).signal(cancelMoveSignal, {
        by,
        ...(reason ? { reason } : {}),
      });
  });
  setHandler(providerQueueQuery, () => ({
    site: input.site,
    running: [...running.values()].map(({ tenant, site, startedAt }) => ({ tenant, site, startedAt })),
    // In the order they will start (contract priority, then the earliest request), as the loop below sorts them.
    queued: [...queue].sort(byPriority).map(({ tenant, site, contractPriority, requestedAt }) => ({
      tenant,
      site,
      contractPriority,
      requestedAt,
    })),
    done,
  }));

  const start = (next: QueuedMove) => {
    const startedAt = new Date().toISOString();
    const fits = next.fit?.fits ?? false;
    running.set(next.site, { tenant: next.tenant, site: next.site, startedAt, fits });
    started++;
    const coordination: DrCoordination = {
      providerSite: input.site,
      tenant: next.tenant,
      contractPriority: next.contractPriority,
      requestedAt: next.requestedAt,
      startedAt,
      waitedFor: next.waitedFor,
      ...(next.fit ? { capacity: next.fit } : {}),
    };
    const options = { workflowId: `dr-move/${next.site}`, parentClosePolicy: ParentClosePolicy.ABANDON };
    const child =
      next.mode === 'planned'
        ? startChild(moveDrSite, {
            ...options,
            args: [{ site: next.site, to: input.site, coordination, ...next.options }],
          })
        : startChild(failoverDrSite, { ...options, args: [{ site: next.site, to: input.site, coordination }] });
    const settle = (outcome: string) => {
      done.push({ tenant: next.tenant, site: next.site, outcome, startedAt });
      done.splice(0, Math.max(0, done.length - DONE_KEPT));
      running.delete(next.site);
      finished = true;
    };
    // The move's own workflow keeps its failure; the shared site is free again for the next tenant.
    void child
      .then((handle) => handle.result())
      .then(
        (report: DrMoveReport) => settle(report.outcome),
        () => settle('failed'),
      );
  };

  for (;;) {
    const rollOver = () => started >= (input.movesPerRun ?? 50) || workflowInfo().continueAsNewSuggested;
    await condition(() => arrived || finished || (rollOver() && running.size === 0));
    if (rollOver() && running.size === 0)
      await continueAsNew<typeof drProviderCoordinator>({ ...input, carried: { queue, done } });
    if (arrived) {
      arrived = false;
      await sleep(input.gatherWindowMs);
    }
    finished = false;
    queue.sort(byPriority);
    // Whether a move fits its reservation is asked once per request (a move that runs alone has the whole site, but
    // whether others may join it depends on it too).
    while (queue.length > 0) {
      const head = queue[0]!;
      head.fit ??= await fitOf(head.site);
      // Withdrawn (cancelQueuedMove) while its need was read: the next one is considered afresh.
      if (queue[0] !== head) continue;
      const together = head.fit.fits && [...running.values()].every((r) => r.fits);
      if (running.size > 0 && !together) break;
      start(queue.shift()!);
    }
    for (const waiting of queue)
      for (const move of running.values())
        if (!waiting.waitedFor.some((w) => w.site === move.site))
          waiting.waitedFor.push({ tenant: move.tenant, site: move.site });
  }
}

/** Start order: the highest contract priority first, ties by the earliest request. */
function byPriority(a: QueuedMove, b: QueuedMove): number {
  return b.contractPriority - a.contractPriority || (a.requestedAt < b.requestedAt ? -1 : 1);
}

async function fitOf(site: string): Promise<NonNullable<DrCoordination['capacity']>> {
  try {
    const need = await drMoveNeed(site);
    return { fits: need.fits, detail: need.detail };
  } catch (err) {
    // Unknown need: the move runs alone (the safe choice), and the report says why.
    return { fits: false, detail: `its need could not be read: ${err instanceof Error ? err.message : String(err)}` };
  }
}

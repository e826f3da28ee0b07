// The provider coordinator of a shared recovery site (DRaaS), workflow id `dr-provider/<site>`: several tenants, each
// with its own active site, HMCs, storage and host pairs, recover to one provider site. Moves onto that site are
// serialized here: one tenant's move at a time; when several are declared together (within the gather window), the
// highest contract priority goes first (ties: the earliest request). Each move runs as the tenant's usual move
// workflow (`dr-move/<site>`: moveDrSite or failoverDrSite) with `coordination` in its input, so its report says when it
// was asked, when it started and whose moves it waited for. Discovery and verification at the tenants' own sites do
// not come through here; they run in parallel.
import { ParentClosePolicy, condition, executeChild, setHandler, sleep } from '@temporalio/workflow';
import { providerQueueQuery, requestMoveSignal, type DrMoveRequest, type DrProviderQueue } from './messages.js';
import type { DrCoordination } from './move-steps.js';
import { moveDrSite } from './planned-move.js';
import { failoverDrSite } from './unplanned-move.js';

export interface DrProviderInput {
  /** The shared recovery site. */
  site: string;
  /** How long requests are gathered before the first choice (ms): tenants declaring together are ordered by priority. */
  gatherWindowMs: number;
}

export async function drProviderCoordinator(input: DrProviderInput): Promise<void> {
  const queue: Array<DrMoveRequest & { waitedFor: DrCoordination['waitedFor'] }> = [];
  const done: DrProviderQueue['done'] = [];
  let running: DrProviderQueue['running'];
  setHandler(requestMoveSignal, (request) => {
    // One request per site: a second one while the first waits or runs changes nothing.
    if (running?.site === request.site || queue.some((q) => q.site === request.site)) return;
    queue.push({ ...request, waitedFor: [] });
  });
  setHandler(providerQueueQuery, () => ({
    site: input.site,
    running,
    queued: queue.map(({ tenant, site, contractPriority, requestedAt }) => ({
      tenant,
      site,
      contractPriority,
      requestedAt,
    })),
    done,
  }));
  for (;;) {
    await condition(() => queue.length > 0);
    await sleep(input.gatherWindowMs);
    queue.sort((a, b) => b.contractPriority - a.contractPriority || (a.requestedAt < b.requestedAt ? -1 : 1));
    const next = queue.shift()!;
    for (const other of queue) other.waitedFor.push({ tenant: next.tenant, site: next.site });
    const startedAt = new Date().toISOString();
    running = { tenant: next.tenant, site: next.site, startedAt };
    const coordination: DrCoordination = {
      providerSite: input.site,
      tenant: next.tenant,
      contractPriority: next.contractPriority,
      requestedAt: next.requestedAt,
      startedAt,
      waitedFor: next.waitedFor,
    };
    const options = {
      workflowId: `dr-move/${next.site}`,
      parentClosePolicy: ParentClosePolicy.ABANDON,
    };
    try {
      const report =
        next.mode === 'planned'
          ? await executeChild(moveDrSite, {
              ...options,
              args: [{ site: next.site, to: input.site, coordination, ...next.options }],
            })
          : await executeChild(failoverDrSite, {
              ...options,
              args: [{ site: next.site, to: input.site, coordination }],
            });
      done.push({ tenant: next.tenant, site: next.site, outcome: report.outcome, startedAt });
    } catch {
      // The move's own workflow keeps its failure; the shared site is free again for the next tenant.
      done.push({ tenant: next.tenant, site: next.site, outcome: 'failed', startedAt });
    }
    running = undefined;
  }
}

// Failover activities on the main queue: reads of the HMC that its operation limit does not count (states and
// partition listings, boot waits), planning, the record of what happened, notifications. Reads are idempotent;
// writes to the store replace their own earlier attempt.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import {
  HOST_POWERED_OFF_STATE,
  type FailoverPlan,
  type FailoverReport,
  type GroupEvidence,
  type RosterLpar,
} from '../../domain/failover/index.js';
import { policyFor } from '../../domain/config/index.js';
import type { Lpar } from '../../domain/inventory/index.js';
import { deviceCall, toActivityFailure } from '../device-failure.js';
import { activityCancelled, pause, whileHeartbeating } from '../heartbeat.js';
import { excludedDestinations } from '../monitoring/destinations.js';
import { storageCutHosts } from '../monitoring/storage-cut.js';
import { DeviceError } from '../ssh/device-errors.js';
import type { FailoverContext } from './context.js';
import { planFailover } from './planning.js';

export function createControlActivities(ctx: FailoverContext) {
  return {
    /** The host's state as the HMC reports it now (`lssyscfg -r sys`), e.g. Operating, Error, Power Off, No Connection. */
    async hostState(input: { group: string; host: string }): Promise<string> {
      return whileHeartbeating(() => deviceCall(() => ctx.hmc(input.group).systemState(input.host)));
    },

    /**
     * Fencing by power, second half: waits until the HMC shows the host `Power Off`, polling every `pollMs`, until
     * `timeoutMs`. A read that fails transiently is tried again at the next poll. Not confirmed in time: a
     * non-retryable `FenceNotConfirmed` naming the last state seen.
     */
    async waitHostPowerOff(input: { group: string; host: string; pollMs: number; timeoutMs: number }): Promise<string> {
      return whileHeartbeating(() => waitPowerOff(input));
    },

    /**
     * What the HMC shows now on every host of the group: each host's state and, where it can list them, its client
     * partitions' states (VIOS excluded). A host it cannot list is reported with the error, not thrown.
     */
    async groupEvidence(input: { group: string }): Promise<GroupEvidence> {
      return whileHeartbeating(() => readEvidence(input.group));
    },

    /**
     * Every LPAR known to have been on the failed host: the inventory's LPARs on it (with the state last observed
     * before the failure, the owner's intent) united with the partitions the HMC lists on it now (an LPAR moved there
     * after the last discovery). VIOS partitions are not restarted and are left out.
     */
    async failoverRoster(input: { group: string; host: string; evidence: GroupEvidence }): Promise<RosterLpar[]> {
      return whileHeartbeating(() => roster(input));
    },

    /**
     * Plans the given LPARs onto the group's Operating hosts (capacity read from the HMC now; residents from
     * `evidence`), each LPAR kept off the hosts that already failed for it.
     */
    async planFailover(input: {
      group: string;
      host: string;
      lpars: Array<{ name: string; excludeHosts: string[] }>;
      evidence: GroupEvidence;
    }): Promise<FailoverPlan> {
      return whileHeartbeating(() => plan(input));
    },

    /**
     * Waits until the HMC reports the LPAR Running on the destination, polling every `pollMs`, for at most
     * `timeoutMs`. `Not Activated` after a restart means it did not start (non-retryable `LparDidNotStart`); any
     * other state is waited on until the deadline (`LparStartTimeout`). Stops polling when cancelled or timed out.
     */
    async waitLparRunning(input: {
      group: string;
      destination: string;
      lpar: string;
      pollMs: number;
      timeoutMs: number;
    }): Promise<string> {
      return whileHeartbeating(() => waitRunning(input));
    },

    /** The LPAR's state on a host as the HMC reports it now ('absent' when the host has no such partition). */
    async lparState(input: { group: string; host: string; lpar: string }): Promise<string> {
      return whileHeartbeating(
        async () => (await deviceCall(() => ctx.hmc(input.group).partition(input.host, input.lpar)))?.state ?? 'absent',
      );
    },

    /** Stores the report of this run (each run of a failover id keeps its own). */
    async recordFailoverReport(report: FailoverReport): Promise<void> {
      if (report.outcome === 'dry-run') return;
      await ctx.deps.store.saveRecoveryReport({
        workflowId: report.workflowId,
        runId: currentRunId(),
        kind: 'host-failover',
        group: report.group,
        startedAt: report.startedAt,
        finishedAt: new Date().toISOString(),
        outcome: report.outcome,
        report: report as unknown as Record<string, unknown>,
      });
    },

    /**
     * Writes back what the failover changed and saw, so the next decision starts from it: where each LPAR runs now
     * (as the HMC showed at the end), and that the host is fenced.
     */
    async recordFailoverObservations(input: {
      group: string;
      host: string;
      workflowId: string;
      fenced: boolean;
      hostState: string;
      lpars: Array<{ name: string; host: string; state: string }>;
    }): Promise<void> {
      const runId = currentRunId();
      await ctx.deps.store.recordFleetObservations({
        group: input.group,
        source: `failover ${input.workflowId}/${runId}`,
        observedAt: new Date().toISOString(),
        hosts: [{ name: input.host, state: input.hostState, fenced: input.fenced }],
        lpars: input.lpars,
      });
    },

    /**
     * Raises a notification. `subject` (`<group>/<host>`, `<group>/<vm>`, a group) and `key` (the event within its
     * kind) make "the same event" for the channels' dedupe window whatever the message's wording (events.ts).
     */
    async notify(input: {
      severity: 'info' | 'warning' | 'critical';
      kind: string;
      message: string;
      workflowId: string;
      subject?: string;
      key?: string;
    }): Promise<void> {
      ctx.log(`[${input.severity}] ${input.kind}: ${input.message}`);
      await ctx.deps.store.raiseNotification({ ...input, raisedAt: new Date().toISOString() });
    },
  };

  async function waitPowerOff(input: {
    group: string;
    host: string;
    pollMs: number;
    timeoutMs: number;
  }): Promise<string> {
    const hmc = ctx.hmc(input.group);
    const deadline = Date.now() + input.timeoutMs;
    let last = 'not read yet';
    while (!activityCancelled()) {
      try {
        last = await hmc.systemState(input.host);
        if (last === HOST_POWERED_OFF_STATE) return last;
      } catch (err) {
        if (!(err instanceof DeviceError) || !err.retryable) throw toActivityFailure(err);
        last = `unreadable (${err.message})`;
      }
      if (Date.now() + input.pollMs > deadline) break;
      await pause(input.pollMs);
    }
    throw ApplicationFailure.nonRetryable(
      `${input.host} did not reach Power Off in time (last: ${last})`,
      'FenceNotConfirmed',
    );
  }

  async function readEvidence(groupName: string): Promise<GroupEvidence> {
    const group = ctx.group(groupName);
    const hmc = ctx.hmc(groupName);
    const hosts = await Promise.all(
      group.hosts.map(async (host) => {
        const state = await hmc.systemState(host).catch((err: Error) => `unknown (${err.message})`);
        try {
          const partitions = await hmc.listPartitions(host);
          const clients = partitions.filter((p) => p.env !== 'vioserver');
          return { host, state, partitions: Object.fromEntries(clients.map((p) => [p.name, p.state])) };
        } catch (err) {
          return { host, state, error: (err as Error).message };
        }
      }),
    );
    return { readAt: new Date().toISOString(), hosts };
  }

  async function roster(input: { group: string; host: string; evidence: GroupEvidence }): Promise<RosterLpar[]> {
    const { known, undescribed } = await inventoryOf(input.group);
    const lastSeenHere = [...known.values()].filter((l) => l.lpar.host === input.host);
    const byName = new Map<string, RosterLpar>();
    for (const { lpar, source, observedAt } of lastSeenHere) {
      byName.set(lpar.name, rosterEntry(input.group, lpar, lpar.state, source, observedAt));
    }
    // Seen on the host by a failover or a live read but never described by a discovery: sizes and volumes unknown,
    // so it cannot be placed, but it is reported.
    for (const seen of undescribed.filter((l) => l.host === input.host)) {
      if (!byName.has(seen.name))
        byName.set(seen.name, {
          ...unknownEntry(seen.name, seen.observedAt),
          lastKnownState: seen.state,
          source: seen.source,
        });
    }
    const live = input.evidence.hosts.find((h) => h.host === input.host)?.partitions ?? {};
    for (const name of Object.keys(live)) {
      if (byName.has(name)) continue;
      // Listed on the failed host but last seen elsewhere (moved after the last discovery, or a stale definition of
      // one a failover moved away): it is on the roster with what is known of it, and the gate decides from where it
      // runs now. One the inventory never saw is on the roster too, to be reported, never dropped.
      const record = known.get(name);
      const entry =
        record && rosterEntry(input.group, record.lpar, record.lpar.state, record.source, record.observedAt);
      byName.set(
        name,
        entry ? { ...entry, lastKnownHost: record.lpar.host } : unknownEntry(name, input.evidence.readAt),
      );
    }
    return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  function rosterEntry(group: string, lpar: Lpar, state: string, source: string, observedAt?: string): RosterLpar {
    const priority = plannerPriority(group, lpar);
    return {
      name: lpar.name,
      lastKnownState: state,
      source,
      observedAt,
      volumes: lpar.volumes.map((v) => v.vdiskName),
      priority,
      ...(lpar.attachment === 'npiv' && { npivHostObjects: lpar.npivHostObjects ?? [] }),
    };
  }

  function unknownEntry(name: string, observedAt: string): RosterLpar {
    return { name, lastKnownState: 'unknown', source: 'live read', observedAt, volumes: [], priority: 'medium' };
  }

  /** The effective priority class: the policy's when one sets it, else the inventory's. */
  function plannerPriority(group: string, lpar: Lpar): string {
    return policyFor(ctx.deps.config, { name: lpar.name, group, priority: lpar.priority }).priority;
  }

  async function plan(input: {
    group: string;
    host: string;
    lpars: Array<{ name: string; excludeHosts: string[] }>;
    evidence: GroupEvidence;
  }): Promise<FailoverPlan> {
    const group = ctx.group(input.group);
    const hmc = ctx.hmc(input.group);
    const known = new Map([...(await inventoryOf(input.group)).known].map(([name, record]) => [name, record.lpar]));
    // LPARs an earlier failover left at reduced size: planned from their full size (planning.ts).
    const reducedEarlier = new Map(
      (await ctx.deps.store.reducedSizes().inGroup(input.group)).map((r) => [r.lpar, r.full] as const),
    );
    // A host in maintenance (being evacuated, repaired) or quarantined for flapping is never a destination, whatever
    // the HMC shows; the plan (and so the report) names every host it did not use, and why.
    const excluded = await excludedDestinations(ctx.deps.store, input.evidence, input.host);
    // Nor is a host cut at its storage (a fence not failed back): its LPARs would find no disk.
    const others = input.evidence.hosts.map((h) => h.host).filter((h) => h !== input.host);
    const cut = await deviceCall(() => storageCutHosts(ctx.storage(input.group), ctx.deps.store, input.group, others));
    for (const [host, detail] of cut)
      if (!excluded.has(host)) excluded.set(host, { host, reason: 'storage-cut', detail });
    const destinations = input.evidence.hosts.filter((h) => h.host !== input.host && !excluded.has(h.host));
    // Every survivor's capacity at once: one after the other, these reads cost a failover seconds per host before its
    // restarts can begin (bench:failover's NPIV PoD: 22 serial HMC reads, ~20 s of its path).
    const capacities = await Promise.all(destinations.map((h) => deviceCall(() => hmc.systemCapacity(h.host))));
    const survivors = destinations.map((host, i) => ({
      name: host.host,
      freeProcUnits: capacities[i]!.availableProcUnits,
      freeMemoryMb: capacities[i]!.availableMemoryMb,
    }));
    const plan = planFailover({
      group,
      config: ctx.deps.config,
      failedHost: input.host,
      lpars: input.lpars,
      known,
      survivors,
      evidence: input.evidence,
      reducedEarlier,
    });
    return { ...plan, excludedDestinations: [...excluded.values()] };
  }

  /**
   * The inventory's latest record of every LPAR of the group, by name: the newest discovery merged with what
   * failovers and live reads observed since, each with where and when it was observed; and the LPARs a failover or
   * live read saw that no discovery described. One read of the store.
   */
  async function inventoryOf(group: string) {
    const fleet = await ctx.deps.store.currentFleet(group);
    if (fleet.discoveryRunId === undefined)
      throw ApplicationFailure.nonRetryable(`no inventory of ${group} yet: run discovery first`, 'NoInventory');
    const known = new Map<string, { lpar: Lpar; source: string; observedAt?: string }>(
      fleet.lpars.map(({ observedAt, source, stale: _stale, ...lpar }) => [lpar.name, { lpar, source, observedAt }]),
    );
    return { known, undescribed: fleet.undescribedLpars };
  }

  async function waitRunning(input: {
    group: string;
    destination: string;
    lpar: string;
    pollMs: number;
    timeoutMs: number;
  }): Promise<string> {
    const hmc = ctx.hmc(input.group);
    const deadline = Date.now() + input.timeoutMs;
    let last = 'not read yet';
    while (!activityCancelled()) {
      const partition = await deviceCall(() => hmc.partition(input.destination, input.lpar));
      last = partition?.state ?? 'absent';
      if (last === 'Running') return last;
      if (last === 'Not Activated') {
        throw ApplicationFailure.nonRetryable(
          `${input.lpar} is Not Activated on ${input.destination}: it did not start`,
          'LparDidNotStart',
        );
      }
      if (Date.now() + input.pollMs > deadline) break;
      await pause(input.pollMs);
    }
    throw ApplicationFailure.nonRetryable(
      `${input.lpar} not Running on ${input.destination} in time (last: ${last})`,
      'LparStartTimeout',
    );
  }
}

/** The run of the workflow that called this activity (failover activities always have one). */
function currentRunId(): string {
  const execution = Context.current().info.workflowExecution;
  if (!execution) throw ApplicationFailure.nonRetryable('this activity must be called from a workflow', 'NoWorkflow');
  return execution.runId;
}

export type ControlActivities = ReturnType<typeof createControlActivities>;

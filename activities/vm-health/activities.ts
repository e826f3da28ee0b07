// VM and application health activities. On the main queue: the monitor's check (heartbeat ages from the store, never
// the workflow's own memory), the restart's admission (restart limit per hour), evidence read from the HMC (listing
// does not count against the HMC's operation limit), waits, placement and records. On the HMC's device queue: the
// changes — immediate shutdown, activation (refused while the LPAR may be active on any other host of the group) and
// inactive partition mobility (refused unless the LPAR is proven Not Activated on its source). Each is idempotent.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { failoverPolicy, partitionEvidence, type GroupEvidence } from '../../domain/failover/index.js';
import type { Lpar } from '../../domain/inventory/index.js';
import {
  healthCandidates,
  vmHealthPolicy,
  type HealthCandidate,
  type RestartReason,
  type VmHealthPolicy,
  type VmRestartReport,
} from '../../domain/vm-health/index.js';
import { deviceCall, toActivityFailure } from '../device-failure.js';
import { failoverContext, type FailoverContext, type FailoverDependencies } from '../failover/context.js';
import { planFailover } from '../failover/planning.js';
import { activityCancelled, pause, whileHeartbeating } from '../heartbeat.js';
import { excludedDestinations } from '../monitoring/destinations.js';
import { storageCutHosts } from '../monitoring/storage-cut.js';
import { DeviceError } from '../ssh/device-errors.js';

/** What the monitor needs at each check: the candidates with their policy, and when to look again. */
export interface HealthCheck {
  checkedAt: string;
  /** VMs of the group that ever reported (the ones watched). */
  watched: number;
  /** The newest heartbeat of any VM of the group (ISO), and the shortest heartbeat timeout among them (ms). */
  newestHeartbeatAt?: string;
  shortestTimeoutMs: number;
  checkIntervalMs: number;
  /** After a start or an outage, how long before silence counts (ms; `agents.resumeGrace`). */
  resumeGraceMs: number;
  candidates: Array<HealthCandidate & { policy: VmHealthPolicy }>;
  /** The group's devices and poll interval, handed to a restart unchanged. */
  devices: { hmc: string; storage: string };
  pollMs: number;
}

/** One host of the group as the HMC shows it now, with the VM's partition there when it is defined there. */
export interface VmHostEvidence {
  host: string;
  state: string;
  /** The VM's partition on this host: its state and current profile; absent when the host does not define it. */
  partition?: { state: string; profile: string };
  /** Why the host's partitions could not be listed (its VM state is then unknown). */
  error?: string;
}

export interface VmEvidence {
  readAt: string;
  hosts: VmHostEvidence[];
}

export type Admission =
  | { status: 'admitted'; restartsLastHour: number }
  | { status: 'limit-reached'; restartsLastHour: number }
  | { status: 'recovered'; detail: string };

const HOUR_MS = 3_600_000;

/**
 * `startedAt` (epoch ms, default now): when this process started. With `npm start` or the image the worker and the
 * API that receives heartbeats are one process, so its restart is an outage of Lazarus, however short: agents that
 * backed off meanwhile get `agents.resumeGrace` from it to report again before their silence counts.
 */
export function createVmHealthActivities(deps: FailoverDependencies, options: { startedAt?: number } = {}) {
  const ctx = failoverContext(deps);
  return {
    control: controlActivities(ctx, options.startedAt ?? Date.now()),
    hmc: hmcActivities(ctx),
    storage: storageActivities(ctx),
  };
}

function controlActivities(ctx: FailoverContext, startedAt: number) {
  const store = ctx.deps.store;
  return {
    /**
     * The group's health at this moment: every VM that ever reported, judged against its policy on the controller's
     * clock (silent longer than `heartbeatTimeout`, or an application failed `appFailureThreshold` times in a row);
     * silence counted from no earlier than `heardFrom` (ISO) when the monitor gives one (domain/vm-health/outage-guard),
     * nor than `agents.resumeGrace` after this process started (a restart of Lazarus is an outage of the receiver).
     */
    async vmHealthCheck(input: { group: string; heardFrom?: string }): Promise<HealthCheck> {
      const group = ctx.group(input.group);
      const beats = await store.agentHeartbeats(group.name);
      const policies = new Map(
        beats.map((b) => [b.vm, vmHealthPolicy(ctx.deps.config, { name: b.vm, group: group.name })]),
      );
      const now = Date.now();
      const policy = failoverPolicy(ctx.deps.config, group.name)!;
      const restartGrace = new Date(startedAt + ctx.deps.config.agents.resumeGrace).toISOString();
      const heardFrom =
        input.heardFrom === undefined || input.heardFrom < restartGrace ? restartGrace : input.heardFrom;
      return {
        checkedAt: new Date(now).toISOString(),
        watched: beats.length,
        checkIntervalMs: ctx.deps.config.agents.checkInterval,
        resumeGraceMs: ctx.deps.config.agents.resumeGrace,
        ...(beats.length > 0 && {
          newestHeartbeatAt: new Date(Math.max(...beats.map((b) => Date.parse(b.receivedAt)))).toISOString(),
        }),
        shortestTimeoutMs: beats.length ? Math.min(...[...policies.values()].map((p) => p.heartbeatTimeoutMs)) : 0,
        candidates: healthCandidates(beats, (vm) => policies.get(vm)!, now, heardFrom).map((c) => ({
          ...c,
          policy: policies.get(c.vm)!,
        })),
        devices: policy.devices,
        pollMs: policy.timing.pollMs,
      };
    },

    /**
     * Whether the reason still holds: a heartbeat received after the silence began, or the application no longer
     * failing, means the VM recovered by itself (`detail` says how); undefined when it still holds.
     */
    async vmRecovered(input: { vm: string; reason: RestartReason }): Promise<string | undefined> {
      const beat = await store.agentHeartbeat(input.vm);
      if (!beat) return undefined;
      if (input.reason.kind === 'heartbeat-lost')
        return Date.parse(beat.receivedAt) > Date.parse(input.reason.lastHeartbeatAt)
          ? `${input.vm} reported again at ${beat.receivedAt}`
          : undefined;
      const app = beat.apps.find((a) => a.name === (input.reason as { app: string }).app);
      return app?.status === 'failed'
        ? undefined
        : `${(input.reason as { app: string }).app} is ${app?.status ?? 'no longer reported'}`;
    },

    /**
     * Admits a restart under the VM's limit: restarts started in the last hour (this run's own, on a retry, counts
     * as admitted). Admitted restarts are recorded; a refused one is not.
     */
    async vmAdmitRestart(input: {
      group: string;
      vm: string;
      reason: RestartReason;
      limit: number;
    }): Promise<Admission> {
      const { workflowId, runId } = currentRun();
      const since = new Date(Date.now() - HOUR_MS).toISOString();
      const own = (await store.vmRestarts(input.vm, 1))[0];
      if (own?.workflowId === workflowId && own.runId === runId)
        return { status: 'admitted', restartsLastHour: await store.countVmRestarts(input.vm, since) };
      const before = await store.countVmRestarts(input.vm, since);
      if (before >= input.limit) return { status: 'limit-reached', restartsLastHour: before };
      const count = await store.startVmRestart(
        {
          workflowId,
          runId,
          group: input.group,
          vm: input.vm,
          reason: input.reason,
          startedAt: new Date().toISOString(),
        },
        since,
      );
      return { status: 'admitted', restartsLastHour: count };
    },

    /** Every host of the group with its state and the VM's partition there (state, current profile). */
    async vmEvidence(input: { group: string; vm: string }): Promise<VmEvidence> {
      return whileHeartbeating(() => readVmEvidence(ctx, input.group, input.vm));
    },

    /**
     * Waits until the HMC shows the VM's partition on `host` in one of `states` (polling every `pollMs`, at most
     * `timeoutMs`); `failOn` states end the wait at once. Non-retryable `LparStateTimeout` / `LparStateRefused`
     * naming the last state seen.
     */
    async vmWaitState(input: {
      group: string;
      host: string;
      vm: string;
      states: string[];
      failOn?: string[];
      pollMs: number;
      timeoutMs: number;
    }): Promise<string> {
      return whileHeartbeating(async () => {
        const hmc = ctx.hmc(input.group);
        const deadline = Date.now() + input.timeoutMs;
        let last = 'not read yet';
        while (!activityCancelled()) {
          try {
            last = (await hmc.partition(input.host, input.vm))?.state ?? 'absent';
            if (input.states.includes(last)) return last;
            if (input.failOn?.includes(last))
              throw ApplicationFailure.nonRetryable(`${input.vm} is ${last} on ${input.host}`, 'LparStateRefused');
          } catch (err) {
            if (!(err instanceof DeviceError) || !err.retryable) throw toActivityFailure(err);
            last = `unreadable (${err.message})`;
          }
          if (Date.now() + input.pollMs > deadline) break;
          await pause(input.pollMs);
        }
        throw ApplicationFailure.nonRetryable(
          `${input.vm} did not reach ${input.states.join(' or ')} on ${input.host} in time (last: ${last})`,
          'LparStateTimeout',
        );
      });
    },

    /**
     * Waits for a heartbeat of the VM received after `after` (ISO), polling the store every `pollMs`, at most
     * `timeoutMs`; returns its time. Non-retryable `NoHeartbeat` when none came.
     */
    async vmWaitHeartbeat(input: { vm: string; after: string; pollMs: number; timeoutMs: number }): Promise<string> {
      return whileHeartbeating(async () => {
        const deadline = Date.now() + input.timeoutMs;
        while (!activityCancelled()) {
          const beat = await store.agentHeartbeat(input.vm);
          if (beat && Date.parse(beat.receivedAt) > Date.parse(input.after)) return beat.receivedAt;
          if (Date.now() + input.pollMs > deadline) break;
          await pause(input.pollMs);
        }
        throw ApplicationFailure.nonRetryable(
          `no heartbeat from ${input.vm} since ${input.after} within ${Math.round(input.timeoutMs / 1000)} s`,
          'NoHeartbeat',
        );
      });
    },

    /**
     * Where the VM goes when it cannot be restarted in place: the failover planner's placement (capacity read from
     * the HMC now, residents from `evidence`, the VM's priority and (anti-)collocation rules) over the group's
     * Operating hosts other than `source` that are not in maintenance or quarantined for flapping. Returns the
     * destination and the VM's volumes, or why it has none (naming the hosts that were not destinations).
     */
    async vmPlanMove(input: {
      group: string;
      vm: string;
      source: string;
      evidence: GroupEvidence;
    }): Promise<{ destination?: string; volumes: string[]; reason?: string }> {
      return whileHeartbeating(async () => {
        const group = ctx.group(input.group);
        const fleet = await store.currentFleet(group.name);
        const known = new Map<string, Lpar>(
          fleet.lpars.map(({ observedAt: _o, source: _s, stale: _st, ...lpar }) => [lpar.name, lpar]),
        );
        // A host cut at its storage (a fence not failed back) is no destination: the VM would find no disk.
        const others = input.evidence.hosts.map((h) => h.host).filter((h) => h !== input.source);
        const cut = await deviceCall(() => storageCutHosts(ctx.storage(group.name), store, group.name, others));
        const excluded = await excludedDestinations(store, input.evidence, input.source);
        for (const [host, detail] of cut)
          if (!excluded.has(host)) excluded.set(host, { host, reason: 'storage-cut', detail });
        const survivors = [];
        for (const host of input.evidence.hosts.filter((h) => h.host !== input.source && !excluded.has(h.host))) {
          const capacity = await deviceCall(() => ctx.hmc(group.name).systemCapacity(host.host));
          survivors.push({
            name: host.host,
            freeProcUnits: capacity.availableProcUnits,
            freeMemoryMb: capacity.availableMemoryMb,
          });
        }
        const plan = planFailover({
          group,
          config: ctx.deps.config,
          failedHost: input.source,
          lpars: [{ name: input.vm, excludeHosts: [] }],
          known,
          survivors,
          evidence: input.evidence,
        });
        const placed = plan.streams.find((s) => s.lpars.some((l) => l.name === input.vm));
        const lpar = placed?.lpars.find((l) => l.name === input.vm);
        if (placed && lpar) return { destination: placed.destination, volumes: lpar.volumes };
        const unplaced = plan.unplaced.find((u) => u.lpar === input.vm);
        return {
          volumes: known.get(input.vm)?.volumes.map((v) => v.vdiskName) ?? [],
          reason:
            (unplaced ? `${unplaced.reason}: ${unplaced.detail}` : 'no Operating host of the group can take it') +
            [...excluded.values()].map((e) => `; ${e.host} is no destination: ${e.detail}`).join(''),
        };
      });
    },

    /** Starts the VM's application failure counts again (its restart answers them). */
    async vmClearAppFailures(input: { vm: string }): Promise<void> {
      await store.clearAppFailures(input.vm);
    },

    /** Tells the inventory where the VM runs now, so a later failover's roster finds it there. */
    async vmRecordLocation(input: { group: string; vm: string; host: string; state: string }): Promise<void> {
      const { workflowId, runId } = currentRun();
      await store.recordFleetObservations({
        group: input.group,
        source: `vm-restart ${workflowId}/${runId}`,
        observedAt: new Date().toISOString(),
        lpars: [{ name: input.vm, host: input.host, state: input.state }],
      });
    },

    /** Stores the restart's outcome and report with its admission record (nothing when it was never admitted). */
    async vmFinishRestart(report: VmRestartReport): Promise<void> {
      const { workflowId, runId } = currentRun();
      await store.finishVmRestart({
        workflowId,
        runId,
        finishedAt: new Date().toISOString(),
        outcome: report.outcome,
        report,
      });
    },
  };
}

function hmcActivities(ctx: FailoverContext) {
  return {
    /** `chsysstate -r lpar -o shutdown --immed` of the VM on `host`; Not Activated or Shutting Down is success. */
    async vmShutdownImmediate(input: { group: string; host: string; vm: string }): Promise<string> {
      return whileHeartbeating(
        async () => (await deviceCall(() => ctx.hmc(input.group).shutdownPartition(input.host, input.vm))).detail,
      );
    },

    /**
     * Activates the VM on `host` with `profile` (`chsysstate -r lpar -o on -f PROFILE`); returns when it was asked
     * (ISO), so a heartbeat after it proves the boot. Refused (non-retryable `MayBeRunningElsewhere`) while any other
     * host of the group shows the VM in a state other than Not Activated, or cannot be listed: a VM never runs twice.
     */
    async vmActivate(input: { group: string; host: string; vm: string; profile: string }): Promise<string> {
      return whileHeartbeating(async () => {
        const evidence = await readVmEvidence(ctx, input.group, input.vm);
        for (const other of evidence.hosts.filter((h) => h.host !== input.host)) {
          if (other.error)
            throw ApplicationFailure.nonRetryable(
              `${input.vm} is not activated on ${input.host}: ${other.host} cannot be listed (${other.error})`,
              'MayBeRunningElsewhere',
            );
          const seen = partitionEvidence(other.partition?.state ?? 'absent');
          if (seen === 'running' || seen === 'may-be-running')
            throw ApplicationFailure.nonRetryable(
              `${input.vm} is not activated on ${input.host}: it is ${other.partition!.state} on ${other.host}`,
              'MayBeRunningElsewhere',
            );
        }
        const requestedAt = new Date().toISOString();
        await deviceCall(() => ctx.hmc(input.group).activatePartition(input.host, input.vm, input.profile));
        return requestedAt;
      });
    },

    /**
     * Inactive partition mobility (`migrlpar -o m -m SOURCE -t DESTINATION -p VM`): the definition moves while the
     * LPAR is off. Proven Not Activated on the source first (non-retryable `MayBeRunning` otherwise); already on the
     * destination and gone from the source is success (a retry after a lost answer).
     */
    async vmMigrateInactive(input: {
      group: string;
      source: string;
      destination: string;
      vm: string;
    }): Promise<string> {
      return whileHeartbeating(async () => {
        const hmc = ctx.hmc(input.group);
        const [onSource, onDestination] = await Promise.all([
          deviceCall(() => hmc.partition(input.source, input.vm)),
          deviceCall(() => hmc.partition(input.destination, input.vm)),
        ]);
        if (!onSource && onDestination) return `${input.vm} is already defined on ${input.destination}`;
        if (onSource?.state !== 'Not Activated')
          throw ApplicationFailure.nonRetryable(
            `${input.vm} is ${onSource?.state ?? 'absent'} on ${input.source}: only a Not Activated partition is moved`,
            'MayBeRunning',
          );
        return (await deviceCall(() => hmc.migratePartition('m', input.source, input.vm, input.destination))).detail;
      });
    },
  };
}

function storageActivities(ctx: FailoverContext) {
  return {
    /**
     * Maps a volume to the destination's host object too (`mkvdiskhostmap -force`: shared with the source, as
     * partition mobility needs the disks visible from both hosts). Already mapped is success.
     */
    async vmMapVolumeShared(input: { group: string; volume: string; destination: string }): Promise<string> {
      return whileHeartbeating(
        async () =>
          (
            await deviceCall(() =>
              ctx.storage(input.group).mapVolume(input.volume, input.destination, { shared: true }),
            )
          ).detail,
      );
    },
  };
}

async function readVmEvidence(ctx: FailoverContext, groupName: string, vm: string): Promise<VmEvidence> {
  const group = ctx.group(groupName);
  const hmc = ctx.hmc(groupName);
  const hosts = await Promise.all(
    group.hosts.map(async (host): Promise<VmHostEvidence> => {
      const state = await hmc.systemState(host).catch((err: Error) => `unknown (${err.message})`);
      try {
        const partition = (await hmc.listPartitions(host)).find((p) => p.name === vm);
        return {
          host,
          state,
          ...(partition && { partition: { state: partition.state, profile: partition.currentProfile } }),
        };
      } catch (err) {
        return { host, state, error: (err as Error).message };
      }
    }),
  );
  return { readAt: new Date().toISOString(), hosts };
}

function currentRun(): { workflowId: string; runId: string } {
  const execution = Context.current().info.workflowExecution;
  if (!execution) throw ApplicationFailure.nonRetryable('this activity must be called from a workflow', 'NoWorkflow');
  return { workflowId: execution.workflowId, runId: execution.runId };
}

export type VmHealthControlActivities = ReturnType<typeof controlActivities>;
export type VmHealthHmcActivities = ReturnType<typeof hmcActivities>;
export type VmHealthStorageActivities = ReturnType<typeof storageActivities>;

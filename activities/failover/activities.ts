// The activities of a host failover, over the HMC and storage drivers and the inventory store. Each one is
// idempotent (re-running after a crash converges: powered off stays off, mapped stays mapped, a running LPAR is
// left running) and reports device errors as classified ApplicationFailures.
import { ApplicationFailure } from '@temporalio/common';
import type { LazarusConfig } from '../../domain/config/index.js';
import { DEFAULT_LATENCY, planPlacement } from '../../domain/planner/index.js';
import type { FailoverPlan, FailoverReport } from '../../workflows/failover/messages.js';
import { plannerLpars } from '../discovery/capacity-check.js';
import { deviceCall } from '../device-failure.js';
import type { DeviceRegistry } from '../devices.js';
import { whileHeartbeating } from '../heartbeat.js';
import { ViosClient } from '../hmc/vios.js';
import type { InventoryStore } from '../inventory/index.js';

export interface FailoverDependencies {
  config: LazarusConfig;
  devices: DeviceRegistry;
  store: InventoryStore;
  log?: (line: string) => void;
}

const HEALTHY_STATES = new Set(['Operating', 'Standby']);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function createFailoverActivities(deps: FailoverDependencies) {
  const log = deps.log ?? ((line: string) => console.log(line));
  const groupOf = (name: string) => {
    const group = deps.config.hostGroups.find((g) => g.name === name);
    if (!group) throw ApplicationFailure.nonRetryable(`host group ${name} is not in the configuration`, 'UnknownHostGroup');
    return group;
  };
  const hmcOf = (group: string) => deps.devices.hmc(groupOf(group).hmc);
  const storageOf = (group: string) => deps.devices.storageSystem(groupOf(group).storage);

  return {
    /** Re-reads the host's state from its HMC: a host that is Operating again is not failed over. */
    async confirmHostFailure(input: { group: string; host: string }): Promise<{ failed: boolean; state: string }> {
      const state = await whileHeartbeating(() => deviceCall(() => hmcOf(input.group).systemState(input.host)));
      return { failed: !HEALTHY_STATES.has(state), state };
    },

    /**
     * Fencing by power: off immediately, and wait until the HMC confirms Power Off. Fails (so the workflow waits for
     * an operator) when that cannot be confirmed, e.g. a host the HMC has no connection to.
     */
    async fenceHost(input: { group: string; host: string; pollMs?: number; confirmTimeoutMs?: number }): Promise<{ powerState: string }> {
      return whileHeartbeating(() => powerOffConfirmed(input));
    },

    /** The host's power state for the record, when it could not be fenced ('unknown (…)' when the HMC cannot say). */
    async hostPowerState(input: { group: string; host: string }): Promise<string> {
      return whileHeartbeating(() => deviceCall(() => hmcOf(input.group).systemState(input.host)).catch((err: unknown) => `unknown (${(err as Error).message})`));
    },

    /** Storage fencing's first half: the volumes mapped to the host's storage host object. */
    async listHostMappings(input: { group: string; host: string }): Promise<string[]> {
      return whileHeartbeating(async () => (await deviceCall(() => storageOf(input.group).hostMappings(input.host))).map((m) => m.volume));
    },

    /** Plans from the last good inventory, with the survivors' current capacity read from the HMC. */
    async planFailover(input: { group: string; host: string; lpars?: string[]; excludeDestinations?: string[] }): Promise<FailoverPlan> {
      return whileHeartbeating(() => planFromInventory(input));
    },

    /** Maps one volume to the destination's storage host object. Already mapped is success. */
    async mapVolume(input: { group: string; volume: string; destination: string }): Promise<string> {
      return whileHeartbeating(async () => (await deviceCall(() => storageOf(input.group).mapVolume(input.volume, input.destination))).detail);
    },

    /** Removes one volume's mapping to a host (a fenced host, or a destination whose restart failed). Not mapped is success. */
    async unmapVolume(input: { group: string; volume: string; host: string }): Promise<string> {
      return whileHeartbeating(async () => (await deviceCall(() => storageOf(input.group).unmapVolume(input.volume, input.host))).detail);
    },

    /** Makes the destination's VIOS see newly mapped disks (cfgdev on each running VIOS). */
    async configureVios(input: { group: string; destination: string }): Promise<number> {
      return whileHeartbeating(async () => {
        const hmc = hmcOf(input.group);
        const vioses = (await deviceCall(() => hmc.listPartitions(input.destination))).filter((p) => p.env === 'vioserver' && p.state === 'Running');
        for (const vios of vioses) await deviceCall(() => new ViosClient(hmc, input.destination, vios.name).configureDevices());
        return vioses.length;
      });
    },

    /** Simplified remote restart of the LPAR from the fenced source onto the destination. Already running there is success. */
    async restartLpar(input: { group: string; source: string; destination: string; lpar: string }): Promise<string> {
      return whileHeartbeating(async () => {
        const hmc = hmcOf(input.group);
        const sourceState = await deviceCall(() => hmc.systemState(input.source)).catch(() => 'No Connection');
        const outcome = await deviceCall(() => hmc.remoteRestart('restart', input.source, input.lpar, { target: input.destination, noConnection: sourceState === 'No Connection' }));
        return outcome.detail;
      });
    },

    /** The LPAR's state on a host as the HMC reports it now ('absent' when the host has no such partition). */
    async lparState(input: { group: string; host: string; lpar: string }): Promise<string> {
      return whileHeartbeating(async () => (await deviceCall(() => hmcOf(input.group).partition(input.host, input.lpar)))?.state ?? 'absent');
    },

    /** Waits until the HMC reports the LPAR Running on the destination. */
    async waitLparRunning(input: { group: string; destination: string; lpar: string; pollMs?: number; timeoutMs?: number }): Promise<string> {
      return whileHeartbeating(() => waitRunning(input));
    },

    async recordFailoverReport(report: FailoverReport & { startedAt: string }): Promise<void> {
      if (report.outcome === 'dry-run') return; // a dry run changes nothing, so there is nothing to record
      const outcome = report.outcome;
      await deps.store.saveRecoveryReport({
        workflowId: report.workflowId,
        kind: 'host-failover',
        group: report.group,
        startedAt: report.startedAt,
        finishedAt: new Date().toISOString(),
        outcome,
        report: report as unknown as Record<string, unknown>,
      });
    },

    async notify(input: { severity: 'info' | 'warning' | 'critical'; kind: string; message: string; workflowId: string }): Promise<void> {
      log(`[${input.severity}] ${input.kind}: ${input.message}`);
      await deps.store.raiseNotification({ ...input, raisedAt: new Date().toISOString() });
    },
  };

  /** Fencing by power: off immediately, then wait until the HMC confirms Power Off. */
  async function powerOffConfirmed(input: { group: string; host: string; pollMs?: number; confirmTimeoutMs?: number }): Promise<{ powerState: string }> {
    const hmc = hmcOf(input.group);
    await deviceCall(() => hmc.powerOffSystem(input.host)).catch((err: unknown) => {
      throw ApplicationFailure.nonRetryable(`cannot power off ${input.host}: ${(err as Error).message}`, 'FenceFailed');
    });
    const deadline = Date.now() + (input.confirmTimeoutMs ?? 300_000);
    let state = await deviceCall(() => hmc.systemState(input.host));
    while (state !== 'Power Off') {
      if (Date.now() > deadline) throw ApplicationFailure.nonRetryable(`${input.host} did not reach Power Off (still ${state})`, 'FenceFailed');
      await sleep(input.pollMs ?? 2000);
      state = await deviceCall(() => hmc.systemState(input.host));
    }
    log(`fence ${input.host}: Power Off confirmed`);
    return { powerState: state };
  }

  async function planFromInventory(input: { group: string; host: string; lpars?: string[]; excludeDestinations?: string[] }): Promise<FailoverPlan> {
    const group = groupOf(input.group);
    const latest = await deps.store.latestGoodSnapshot(group.name);
    if (!latest) throw ApplicationFailure.nonRetryable(`no good inventory of ${group.name} yet: run discovery first`, 'NoInventory');
    const hmc = hmcOf(input.group);
    const survivors = [];
    for (const name of group.hosts.filter((h) => h !== input.host && !(input.excludeDestinations ?? []).includes(h))) {
      const state = await deviceCall(() => hmc.systemState(name)).catch(() => 'unknown');
      if (state !== 'Operating') continue;
      const capacity = await deviceCall(() => hmc.systemCapacity(name));
      survivors.push({ name, freeProcUnits: capacity.availableProcUnits, freeMemoryMb: capacity.availableMemoryMb });
    }
    // Restarting at a reduced size needs the LPAR's profile changed on the HMC first (chsyscfg), which the driver
    // does not do yet; until it does, the plan only uses desired sizes, so it never plans a restart that must fail.
    const lpars = plannerLpars(latest.snapshot, deps.config, input.host)
      .filter((l) => !input.lpars || input.lpars.includes(l.name))
      .map((l) => ({ ...l, allowReducedSize: false }));
    const measured = group.recovery.stepDurations;
    const latency = {
      ...DEFAULT_LATENCY,
      ...(measured && { viosConfigMs: measured.viosConfig, volumeMappingMs: measured.volumeMapping, activateMs: measured.activate, bootMs: measured.boot }),
      parallelMappings: group.recovery.parallelMappingsPerStream,
    };
    const plan = planPlacement(lpars, survivors, latency);
    const snapshotLpars = new Map(latest.snapshot.lpars.map((l) => [l.name, l]));
    const placement = new Map(plan.placements.map((p) => [p.lpar, p]));
    return {
      streams: plan.streams.map((s) => ({
        destination: s.host,
        estimatedMs: s.estimatedMs,
        lpars: s.order.map((name) => ({
          name,
          priority: snapshotLpars.get(name)?.priority ?? 'medium',
          volumes: snapshotLpars.get(name)?.volumes.map((v) => v.vdiskName) ?? [],
          reduced: placement.get(name)?.reduced ?? false,
        })),
      })),
      unplaced: plan.unplaced,
      estimatedRtoMs: plan.estimatedRtoMs,
    };
  }

  async function waitRunning(input: { group: string; destination: string; lpar: string; pollMs?: number; timeoutMs?: number }): Promise<string> {
    const hmc = hmcOf(input.group);
    const deadline = Date.now() + (input.timeoutMs ?? 30 * 60_000);
    for (;;) {
      const partition = await deviceCall(() => hmc.partition(input.destination, input.lpar));
      if (partition?.state === 'Running') return 'Running';
      if (partition && ['Error', 'Not Activated'].includes(partition.state)) {
        throw ApplicationFailure.retryable(`${input.lpar} is ${partition.state} on ${input.destination}`, 'LparDidNotStart');
      }
      if (Date.now() > deadline) throw ApplicationFailure.nonRetryable(`${input.lpar} not Running on ${input.destination} in time`, 'LparStartTimeout');
      await sleep(input.pollMs ?? 2000);
    }
  }
}

export type FailoverActivities = ReturnType<typeof createFailoverActivities>;

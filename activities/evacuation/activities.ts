// Planned operations' activities (issue 14) in two groups, each registered only on its own worker: HMC changes
// (`migrlpar`, shutdown, activation, `rrstartlpar -o cleanup`) on the HMC's device queue, reads, planning, records and
// the maintenance flag on the main queue. Every change is idempotent: re-run after a crash it converges (an LPAR
// already on its destination is moved; an absent stale definition is cleaned up).
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { policyFor } from '../../domain/config/index.js';
import {
  evacuationPolicy,
  type EvacuationPolicy,
  type EvacuationReport,
  type FailbackReport,
} from '../../domain/evacuation/index.js';
import type { FailoverPlan, GroupEvidence } from '../../domain/failover/index.js';
import { deviceCall, toActivityFailure } from '../device-failure.js';
import { failoverContext, type FailoverContext, type FailoverDependencies } from '../failover/context.js';
import { planFailover } from '../failover/planning.js';
import { activityCancelled, pause, whileHeartbeating } from '../heartbeat.js';
import { DeviceError } from '../ssh/device-errors.js';
import { excludedDestinations } from '../monitoring/destinations.js';
import { storageCutHosts } from '../monitoring/storage-cut.js';
import {
  lparsRestartedAway,
  newestFencingFailover,
  nothingToFailBack,
  standingPortsRemoved,
  type PortsRemoved,
} from './failback-activities.js';

/** A partition the HMC shows in the middle of a migration (IBM HMC partition states). */
const MIGRATING = /^Migrating/;

/** One LPAR to bring home: where it runs now, its original host, its volumes and effective priority. */
export interface HomecomingLpar {
  lpar: string;
  from: string;
  to: string;
  priority: string;
  volumes: string[];
  /** The workflow whose record says where it came from (an evacuation or a failover). */
  movedBy: string;
}

export function createEvacuationActivities(deps: FailoverDependencies) {
  const ctx = failoverContext(deps);
  return {
    control: createControlActivities(ctx),
    hmc: createHmcActivities(ctx),
    storage: createStorageActivities(ctx),
  };
}

function createStorageActivities(ctx: FailoverContext) {
  return {
    /**
     * Maps a volume to the LPM destination's storage host while it stays mapped to the source (`mkvdiskhostmap
     * -force`: a shared mapping; IBM LPM needs both systems' VIOS to reach every disk, and only one runs the LPAR).
     * Already mapped there is success.
     */
    async shareVolume(input: { group: string; volume: string; destination: string }): Promise<string> {
      return whileHeartbeating(
        async () =>
          (
            await deviceCall(() =>
              ctx.storage(input.group).mapVolume(input.volume, input.destination, { shared: true }),
            )
          ).detail,
      );
    },

    /**
     * Removes the mappings of a moved LPAR's volumes to the storage host object of `host`, a system it does not run
     * on: the source it left by LPM (a mapping there would make the next failover's `mkvdiskhostmap` refuse,
     * CMMVC6071E), or the destination it never reached (the shares `shareVolume` made for a move that did not
     * happen). Proof first, read from the HMC now: the LPAR is absent from `host` or Not Activated there, and defined
     * on `keeps` (the other end of the move) in a state that is not `Migrating*`. A volume keeps its mapping to
     * `host` when it is its only mapping (the LPAR would lose its disk; an NPIV client's own host object counts as
     * another) or when another LPAR defined on `host` uses it by the inventory (a shared disk). Idempotent: a
     * mapping already gone is no change. Returns `{ removed, kept }` (volume names; kept with the reason). Not
     * proven: non-retryable `NotProven`.
     */
    async releaseVolumes(input: {
      group: string;
      lpar: string;
      volumes: string[];
      host: string;
      keeps: string;
    }): Promise<{ removed: string[]; kept: string[] }> {
      return whileHeartbeating(async () => {
        const hmc = ctx.hmc(input.group);
        const storage = ctx.storage(input.group);
        const here = await deviceCall(() => hmc.partition(input.host, input.lpar));
        const there = await deviceCall(() => hmc.partition(input.keeps, input.lpar));
        if ((here && here.state !== 'Not Activated') || !there || MIGRATING.test(there.state)) {
          const seen = `${here?.state ?? 'absent'} on ${input.host}, ${there?.state ?? 'absent'} on ${input.keeps}`;
          throw ApplicationFailure.nonRetryable(
            `${input.lpar}'s mappings to ${input.host} stay: the HMC shows it ${seen}`,
            'NotProven',
          );
        }
        const fleet = await ctx.deps.store.currentFleet(input.group);
        const neighbours = new Set(
          (await deviceCall(() => hmc.listPartitions(input.host))).map((p) => p.name).filter((n) => n !== input.lpar),
        );
        const shared = new Set(
          fleet.lpars.filter((l) => neighbours.has(l.name)).flatMap((l) => l.volumes.map((v) => v.vdiskName)),
        );
        const removed: string[] = [];
        const kept: string[] = [];
        for (const volume of input.volumes) {
          const mappings = await deviceCall(() => storage.volumeMappings(volume));
          if (!mappings.some((m) => m.host === input.host)) continue;
          if (!mappings.some((m) => m.host !== input.host)) kept.push(`${volume} (its only mapping)`);
          else if (shared.has(volume)) kept.push(`${volume} (used by another LPAR on ${input.host})`);
          else {
            await deviceCall(() => storage.unmapVolume(volume, input.host));
            removed.push(volume);
          }
        }
        return { removed, kept };
      });
    },
  };
}

function createControlActivities(ctx: FailoverContext) {
  return {
    /** Puts the host in maintenance (the monitor does not fail it over; no plan places onto it). */
    async setHostMaintenance(input: { host: string; reason: string; by: string }): Promise<void> {
      await ctx.deps.store
        .hostMonitoring()
        .setMaintenance({ host: input.host, reason: input.reason, by: input.by, since: new Date().toISOString() });
    },

    /** Takes the host out of maintenance; false when it was not in maintenance. */
    async endHostMaintenance(input: { host: string }): Promise<boolean> {
      return ctx.deps.store.hostMonitoring().clearMaintenance(input.host);
    },

    /** Whether the host is in maintenance now. */
    async inMaintenance(input: { host: string }): Promise<boolean> {
      return (await ctx.deps.store.hostMonitoring().maintenance([input.host])).length > 0;
    },

    /**
     * Plans the LPARs of `host` onto the group's Operating hosts that are not in maintenance or quarantined (and among
     * `destinations` when given): capacity read from the HMC now, residents from `evidence`, the failover planner's
     * rules (priority, collocation, anti-collocation). An LPAR the inventory does not know is unplaced.
     */
    async planEvacuation(input: {
      group: string;
      host: string;
      lpars: string[];
      destinations?: string[];
      evidence: GroupEvidence;
    }): Promise<FailoverPlan> {
      return whileHeartbeating(async () => {
        const group = ctx.group(input.group);
        const hmc = ctx.hmc(input.group);
        // Maintenance, a flapping host's quarantine, a state other than Operating: not a destination.
        const excluded = await excludedDestinations(ctx.deps.store, input.evidence, input.host);
        // A host cut at its storage (a fence not failed back) is no destination: its LPARs would find no disk.
        const others = input.evidence.hosts.map((h) => h.host).filter((h) => h !== input.host);
        const cut = await deviceCall(() =>
          storageCutHosts(ctx.storage(input.group), ctx.deps.store, input.group, others),
        );
        const survivors = [];
        for (const host of input.evidence.hosts) {
          if (host.host === input.host || excluded.has(host.host)) continue;
          if (cut.has(host.host)) continue;
          if (input.destinations && !input.destinations.includes(host.host)) continue;
          const capacity = await deviceCall(() => hmc.systemCapacity(host.host));
          survivors.push({
            name: host.host,
            freeProcUnits: capacity.availableProcUnits,
            freeMemoryMb: capacity.availableMemoryMb,
          });
        }
        const fleet = await ctx.deps.store.currentFleet(input.group);
        if (fleet.discoveryRunId === undefined)
          throw ApplicationFailure.nonRetryable(
            `no inventory of ${input.group} yet: run discovery first`,
            'NoInventory',
          );
        const known = new Map(
          fleet.lpars.map(({ observedAt: _o, source: _s, stale: _st, ...lpar }) => [lpar.name, lpar]),
        );
        for (const [host, detail] of cut)
          if (!excluded.has(host)) excluded.set(host, { host, reason: 'storage-cut', detail });
        const plan = planFailover({
          group,
          config: ctx.deps.config,
          failedHost: input.host,
          lpars: input.lpars.map((name) => ({ name, excludeHosts: [] })),
          known,
          survivors,
          evidence: input.evidence,
          // LPM moves an LPAR at the size it runs with: never plan one reduced.
          fullSizeOnly: true,
        });
        return { ...plan, excludedDestinations: [...excluded.values()] };
      });
    },

    /**
     * Every LPAR that was moved away from `host` and should go home: the evacuation record (lpar_origins) united with
     * the newest failover report of the host (LPARs it restarted elsewhere); each with where the HMC shows it now
     * (`evidence`), its volumes and effective priority. One that runs nowhere, or already runs at home, is left out.
     * A home whose storage is cut (monitoring/storage-cut.ts) is a non-retryable `StorageCut`: nothing goes home.
     */
    async homecomingOf(input: { group: string; host: string; evidence: GroupEvidence }): Promise<HomecomingLpar[]> {
      // Home cut at its storage (a failover's fence not failed back): an LPAR moved there would find no disk.
      const cut = await deviceCall(() =>
        storageCutHosts(ctx.storage(input.group), ctx.deps.store, input.group, [input.host]),
      );
      if (cut.has(input.host))
        throw ApplicationFailure.nonRetryable(
          `${input.host} is cut at its storage: ${cut.get(input.host)}; fail it back first ` +
            `(POST /v1/hosts/${input.host}/failback)`,
          'StorageCut',
        );
      const origins = new Map<string, string>();
      for (const o of await ctx.deps.store.lparOrigins().movedAwayFrom(input.group, input.host))
        origins.set(o.lpar, o.movedBy);
      const failoverId = `failover/${input.group}/${input.host}`;
      // Every run of the last incident, not only the newest: a later `not-failed` run would hide what it restarted.
      for (const lpar of await lparsRestartedAway(ctx.deps.store, input.group, input.host))
        if (!origins.has(lpar)) origins.set(lpar, failoverId);
      const fleet = await ctx.deps.store.currentFleet(input.group);
      const known = new Map(fleet.lpars.map((l) => [l.name, l]));
      const result: HomecomingLpar[] = [];
      for (const [lpar, movedBy] of [...origins.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
        const runningOn = input.evidence.hosts.filter((h) => h.partitions?.[lpar] === 'Running').map((h) => h.host);
        if (runningOn.length !== 1 || runningOn[0] === input.host) continue;
        const record = known.get(lpar);
        result.push({
          lpar,
          from: runningOn[0]!,
          to: input.host,
          movedBy,
          volumes: record?.volumes.map((v) => v.vdiskName) ?? [],
          priority: policyFor(ctx.deps.config, { name: lpar, group: input.group, priority: record?.priority }).priority,
        });
      }
      return result;
    },

    /** Records where each moved LPAR came from (a second move keeps the first origin). */
    async recordLparOrigins(input: {
      group: string;
      movedBy: string;
      moves: Array<{ lpar: string; from: string; to: string }>;
    }): Promise<void> {
      const movedAt = new Date().toISOString();
      await ctx.deps.store.lparOrigins().recordMoves(
        input.moves.map((m) => ({
          group: input.group,
          lpar: m.lpar,
          originHost: m.from,
          movedTo: m.to,
          movedBy: input.movedBy,
          movedAt,
        })),
      );
      await recordWhereTheyRun(ctx, input.group, input.movedBy, input.moves);
    },

    /** Forgets the origin of LPARs that are home again, and tells the inventory where they run. */
    async forgetLparOrigins(input: {
      group: string;
      movedBy: string;
      moves: Array<{ lpar: string; from: string; to: string }>;
    }): Promise<number> {
      await recordWhereTheyRun(ctx, input.group, input.movedBy, input.moves);
      return ctx.deps.store.lparOrigins().forget(
        input.group,
        input.moves.map((m) => m.lpar),
      );
    },

    /**
     * Waits until the HMC shows the LPAR in one of `states` on `host` ('absent' counts when listed), polling every
     * `pollMs` for at most `timeoutMs`; then a non-retryable `LparStateTimeout` naming the last state.
     */
    async waitLparState(input: {
      group: string;
      host: string;
      lpar: string;
      states: string[];
      pollMs: number;
      timeoutMs: number;
    }): Promise<string> {
      return whileHeartbeating(async () => {
        const hmc = ctx.hmc(input.group);
        const deadline = Date.now() + input.timeoutMs;
        let last = 'not read yet';
        while (!activityCancelled()) {
          try {
            last = (await hmc.partition(input.host, input.lpar))?.state ?? 'absent';
            if (input.states.includes(last)) return last;
          } catch (err) {
            if (!(err instanceof DeviceError) || !err.retryable) throw toActivityFailure(err);
            last = `unreadable (${err.message})`;
          }
          if (Date.now() + input.pollMs > deadline) break;
          await pause(input.pollMs);
        }
        throw ApplicationFailure.nonRetryable(
          `${input.lpar} on ${input.host} did not reach ${input.states.join(' or ')} in time (last: ${last})`,
          'LparStateTimeout',
        );
      });
    },

    /** Stores the report of this run of an evacuation or a restore (each run keeps its own). */
    async recordEvacuationReport(report: EvacuationReport): Promise<void> {
      if (report.advisory) return;
      await ctx.deps.store.saveRecoveryReport({
        workflowId: report.workflowId,
        runId: currentRunId(),
        kind: report.kind === 'restore' ? 'host-restore' : 'host-evacuation',
        group: report.group,
        startedAt: report.startedAt,
        finishedAt: new Date().toISOString(),
        outcome: report.outcome,
        report: report as unknown as Record<string, unknown>,
      });
    },

    /**
     * The storage ports every stored failover run of the host removed at its storage host objects (fence proofs'
     * `hostPortsRemoved`), for the failback to put back: one entry per storage host object, empty when no run cut
     * the host at its storage (failback-activities.ts: never only the newest run).
     */
    async failoverPortsRemoved(input: { group: string; host: string }): Promise<PortsRemoved[]> {
      return standingPortsRemoved(ctx.deps.store, input.group, input.host);
    },

    /**
     * Why a failback of `host` has nothing to undo by the store (no failover run fenced it or cut its storage; the
     * reason starts with "nothing to fail back"), or undefined when a failover did.
     */
    async nothingToFailBack(input: { group: string; host: string }): Promise<string | undefined> {
      return nothingToFailBack(ctx.deps.store, input.group, input.host);
    },

    /**
     * Whether an automatic failback of `host` is due: the group's `evacuation.failback` is `automatic`, a stored
     * failover run of the host has a fence proof (it powered the host off; a later `not-failed` run does not hide
     * it), and no failback of the host succeeded after that failover finished. When due, with the group's evacuation
     * policy the failback runs with; when not, `reason` says why (for the monitor's record, not an error).
     */
    async failbackDue(input: {
      group: string;
      host: string;
    }): Promise<{ due: true; policy: EvacuationPolicy } | { due: false; reason: string }> {
      const group = ctx.deps.config.hostGroups.find((g) => g.name === input.group);
      const policy = evacuationPolicy(ctx.deps.config, input.group);
      if (!group || !policy) return { due: false, reason: `${input.group} is not a configured host group` };
      if ((group.evacuation?.failback ?? 'on-request') !== 'automatic')
        return { due: false, reason: `${input.group}'s failback policy is on-request` };
      const failover = await newestFencingFailover(ctx.deps.store, input.group, input.host);
      if (!failover) return { due: false, reason: `no failover of ${input.host} fenced it: nothing to fail back` };
      const failbacks = await ctx.deps.store.recoveryReportRuns(`failback/${input.group}/${input.host}`, 20);
      const done = failbacks.find((f) => f.outcome === 'succeeded' && f.finishedAt >= failover.finishedAt);
      if (done)
        return { due: false, reason: `${input.host} was failed back at ${done.finishedAt} after its last failover` };
      return { due: true, policy };
    },

    /** The inventory's volumes of each LPAR by name (none when it does not know the LPAR). */
    async lparVolumes(input: { group: string; lpars: string[] }): Promise<Record<string, string[]>> {
      const fleet = await ctx.deps.store.currentFleet(input.group);
      const known = new Map(fleet.lpars.map((l) => [l.name, l.volumes.map((v) => v.vdiskName)]));
      return Object.fromEntries(input.lpars.map((name) => [name, known.get(name) ?? []]));
    },

    /** After a failback: the host is no longer fenced in the inventory, so plans may place onto it again. */
    async recordHostReturned(input: { group: string; host: string; state: string; workflowId: string }): Promise<void> {
      await ctx.deps.store.recordFleetObservations({
        group: input.group,
        source: `${input.workflowId}/${currentRunId()}`,
        observedAt: new Date().toISOString(),
        hosts: [{ name: input.host, state: input.state, fenced: false }],
      });
    },

    /** Stores the report of a failback (a refusal too: it says why). */
    async recordFailbackReport(report: FailbackReport): Promise<void> {
      await ctx.deps.store.saveRecoveryReport({
        workflowId: report.workflowId,
        runId: currentRunId(),
        kind: 'host-failback',
        group: report.group,
        startedAt: report.startedAt,
        finishedAt: new Date().toISOString(),
        outcome: report.outcome === 'refused' ? 'rejected' : report.outcome,
        report: report as unknown as Record<string, unknown>,
      });
    },
  };
}

function createHmcActivities(ctx: FailoverContext) {
  return {
    /**
     * `migrlpar -o v`: may the LPAR move to the destination by LPM? A refusal of the HMC (not enough memory on the
     * target, storage not visible there, a partition state that cannot move) is the answer `{ ok: false, message }`;
     * a transient device error is retried.
     */
    async validateMigration(input: {
      group: string;
      source: string;
      destination: string;
      lpar: string;
    }): Promise<{ ok: boolean; message?: string }> {
      return whileHeartbeating(async () => {
        try {
          await ctx.hmc(input.group).migratePartition('v', input.source, input.lpar, input.destination);
          return { ok: true };
        } catch (err) {
          if (err instanceof DeviceError && !err.retryable) return { ok: false, message: err.message };
          throw toActivityFailure(err);
        }
      });
    },

    /**
     * `migrlpar -o m` (live for a running LPAR, inactive for a Not Activated one). Already on the destination and
     * gone from the source is success (a retry after a lost answer). A migration that fails and leaves the partition
     * `Migrating*` on the source is recovered with `migrlpar -o r` before the non-retryable `MigrationFailed`, so
     * nothing is left half moved unreported.
     */
    async migrateLpar(input: {
      group: string;
      source: string;
      destination: string;
      lpar: string;
      /** How often a migration left in flight by an earlier attempt is read until it ends (ms; default 2 s). */
      pollMs?: number;
    }): Promise<string> {
      return whileHeartbeating(async () => {
        const hmc = ctx.hmc(input.group);
        let onSource = await deviceCall(() => hmc.partition(input.source, input.lpar));
        // An earlier attempt (its worker killed) started a migration that is still in flight: never start a second
        // one, never recover a healthy one: wait for it to end, then decide from where the LPAR is.
        while (onSource && MIGRATING.test(onSource.state) && !activityCancelled()) {
          await pause(input.pollMs ?? 2_000);
          onSource = await deviceCall(() => hmc.partition(input.source, input.lpar));
        }
        const onTarget = await deviceCall(() => hmc.partition(input.destination, input.lpar));
        if (!onSource && onTarget) return `${input.lpar} is already ${onTarget.state} on ${input.destination}`;
        try {
          return (await hmc.migratePartition('m', input.source, input.lpar, input.destination)).detail;
        } catch (err) {
          const after = await hmc.partition(input.source, input.lpar).catch(() => undefined);
          let recovered = '';
          if (after && MIGRATING.test(after.state)) {
            await deviceCall(() => hmc.migratePartition('r', input.source, input.lpar));
            recovered = `; recovered with migrlpar -o r, it stays on ${input.source}`;
          }
          if (err instanceof DeviceError && err.retryable && !recovered) throw toActivityFailure(err);
          throw ApplicationFailure.nonRetryable(`${(err as Error).message}${recovered}`, 'MigrationFailed');
        }
      });
    },

    /**
     * After a migration that failed, outlived its deadline (hung) or was lost: recovers it with `migrlpar -o r` (IBM
     * migrlpar man page: "r to recover from a failed partition migration") when the HMC shows the partition
     * `Migrating*` on either system, then proves where the LPAR is before anything else is done to it: reads both
     * systems every `pollMs` (ms) until neither shows it `Migrating*` and exactly one defines it, for at most
     * `timeoutMs` (ms). Returns that host, the LPAR's state there and whether a recovery ran. A non-retryable
     * `MigrationInDoubt` names what the HMC showed last when no proof came in time. Idempotent: a partition no
     * longer migrating (recovered by an earlier attempt, HSCLA31A) is only read.
     */
    async recoverMigration(input: {
      group: string;
      source: string;
      destination: string;
      lpar: string;
      pollMs: number;
      timeoutMs: number;
    }): Promise<{ host: string; state: string; recovered: boolean }> {
      return whileHeartbeating(async () => {
        const hmc = ctx.hmc(input.group);
        const read = async () => {
          const seen: Array<{ host: string; state: string }> = [];
          for (const host of [input.source, input.destination]) {
            const partition = await deviceCall(() => hmc.partition(host, input.lpar));
            if (partition) seen.push({ host, state: partition.state });
          }
          return seen;
        };
        let seen = await read();
        let recovered = false;
        const stuck = seen.find((s) => MIGRATING.test(s.state));
        if (stuck) {
          try {
            await hmc.migratePartition('r', stuck.host, input.lpar);
            recovered = true;
          } catch (err) {
            // HSCLA31A: no migration in progress any more (it ended meanwhile): the reads below decide.
            if (!(err instanceof DeviceError) || err.code !== 'HSCLA31A') throw toActivityFailure(err);
          }
        }
        const deadline = Date.now() + input.timeoutMs;
        for (;;) {
          seen = await read();
          if (seen.length === 1 && !MIGRATING.test(seen[0]!.state)) return { ...seen[0]!, recovered };
          if (Date.now() + input.pollMs > deadline || activityCancelled()) break;
          await pause(input.pollMs);
        }
        const where = seen.map((s) => `${s.state} on ${s.host}`).join(', ') || 'defined on neither system';
        throw ApplicationFailure.nonRetryable(
          `${input.lpar} is in doubt after its migration from ${input.source} to ${input.destination}: ${where}`,
          'MigrationInDoubt',
        );
      });
    },

    /** Immediate shutdown of the LPAR (already Not Activated is success); returns the profile it ran with. */
    async shutdownLpar(input: { group: string; host: string; lpar: string }): Promise<{ profile: string }> {
      return whileHeartbeating(async () => {
        const hmc = ctx.hmc(input.group);
        const before = await deviceCall(() => hmc.partition(input.host, input.lpar));
        await deviceCall(() => hmc.shutdownPartition(input.host, input.lpar));
        const profile =
          before?.currentProfile ||
          (await deviceCall(() => hmc.profiles(input.host))).find((p) => p.lparName === input.lpar)?.name;
        if (!profile)
          throw ApplicationFailure.nonRetryable(`${input.lpar} has no profile on ${input.host}`, 'NoProfile');
        return { profile };
      });
    },

    /** Activates the LPAR with `profile` on `host`. Already Running or Starting is success. */
    async activateLpar(input: { group: string; host: string; lpar: string; profile: string }): Promise<string> {
      return whileHeartbeating(
        async () =>
          (await deviceCall(() => ctx.hmc(input.group).activatePartition(input.host, input.lpar, input.profile)))
            .detail,
      );
    },

    /**
     * `rrstartlpar -o cleanup` of a stale definition left on a returned host by a remote restart. Already gone is
     * success. The workflow calls it only for an LPAR proven running on exactly one other host.
     */
    async cleanupStaleDefinition(input: { group: string; host: string; lpar: string }): Promise<string> {
      return whileHeartbeating(async () => {
        const hmc = ctx.hmc(input.group);
        const here = await deviceCall(() => hmc.partition(input.host, input.lpar));
        if (!here) return `${input.lpar} is no longer defined on ${input.host}`;
        if (here.state !== 'Not Activated')
          throw ApplicationFailure.nonRetryable(
            `${input.lpar} is ${here.state} on ${input.host}: its definition is not stale`,
            'NotStale',
          );
        return (await deviceCall(() => hmc.remoteRestart('cleanup', input.host, input.lpar))).detail;
      });
    },
  };
}

/** Tells the inventory where the moved LPARs run now (so the next failover plans from it). */
async function recordWhereTheyRun(
  ctx: FailoverContext,
  group: string,
  movedBy: string,
  moves: Array<{ lpar: string; to: string }>,
): Promise<void> {
  if (moves.length === 0) return;
  await ctx.deps.store.recordFleetObservations({
    group,
    source: `${movedBy}/${currentRunId()}`,
    observedAt: new Date().toISOString(),
    lpars: moves.map((m) => ({ name: m.lpar, host: m.to, state: 'Running' })),
  });
}

/** The run of the workflow that called this activity. */
function currentRunId(): string {
  const execution = Context.current().info.workflowExecution;
  if (!execution) throw ApplicationFailure.nonRetryable('this activity must be called from a workflow', 'NoWorkflow');
  return execution.runId;
}

export type EvacuationActivities = ReturnType<typeof createEvacuationActivities>;
export type EvacuationControlActivities = EvacuationActivities['control'];
export type EvacuationHmcActivities = EvacuationActivities['hmc'];
export type EvacuationStorageActivities = EvacuationActivities['storage'];

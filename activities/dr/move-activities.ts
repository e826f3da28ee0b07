// Activities of a planned site move. Reads (a VM's state, groups' states) run on the main queue; every change runs
// on its device's queue (`device/<hmc>`, `device/<storage>`), whose worker holds the device's limit. Each change is
// idempotent: stopping a VM that is Not Activated, starting one that runs, switching a group that already has that
// primary all succeed with `changed: false`.
import { ApplicationFailure } from '@temporalio/common';
import type { DrMovePlan } from '../../domain/dr/move-plan.js';
import { planDrMove, startWaves } from '../../domain/dr/move-plan.js';
import { drPolicyFor } from '../../domain/dr/policy.js';
import { verifyDrSite } from '../../domain/dr/verify.js';
import { toActivityFailure } from '../device-failure.js';
import { whileHeartbeating } from '../heartbeat.js';
import { shellWord } from '../hmc/names.js';
import type { DrDependencies } from './activities.js';
import { DrSiteError, discoverDrSite, drSitePair, hostsOf, readGroups, readSite } from './discover-site.js';
import { DeviceError } from '../ssh/device-errors.js';
import { decodeDrVerification, drVerificationKey, encodeDrVerification, lastInSync } from './verification-records.js';
import { createDrTestActivities } from './test-activities.js';
import { drReadHmc, drReadHmcOf, useDrLimits } from './paced-hmc.js';
import { createDrCleanupActivities, restorableMappingsAt } from './cleanup-activities.js';
import { createDrProviderActivities } from './provider-activities.js';

/** What an unplanned move works from (see prepareDrFailover). */
export interface DrFailoverPreparation {
  verificationId: number;
  verifiedAt: string;
  waves: DrMovePlan['waves'];
  groups: Array<{ storage: string; name: string; state: string; primary: string; recoveryPoint?: string }>;
  /** Production hosts an HMC of the active site still lists: fenced (powered off) before anything starts. */
  fence: Array<{ hmc: string; host: string }>;
  /** Every production host of the active site. */
  activeHosts: string[];
  /** The active site's HMCs that did not answer, with the error. */
  unreachable: string[];
  /** The VMs to start, each with the production host the last verification saw it on (to check it is not running). */
  movers: Array<{ vm: string; productionHost: string }>;
}

/** What a batched change did to one VM: `error` when the HMC refused it for good (the VM is not started). */
export interface DrVmOutcome {
  vm: string;
  changed: boolean;
  detail: string;
  error?: string;
}

/** The move's first step: verify now; `plan` only when every protected VM is READY_TO_MOVE. */
export interface DrMovePreparation {
  verificationId: number;
  ready: boolean;
  notReady: Array<{ vm: string; codes: string[] }>;
  plan?: DrMovePlan;
  /** The storage systems holding the VMs' copies at the site they leave and at the one they go to. */
  storage?: { from: string; to: string };
}

async function guard<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await whileHeartbeating(work);
  } catch (err) {
    if (err instanceof DrSiteError) throw ApplicationFailure.nonRetryable(err.message, 'DrSiteError');
    throw toActivityFailure(err, { retryUnknown: true });
  }
}

export function createDrMoveActivities(deps: DrDependencies) {
  useDrLimits(deps.config, deps.devices);
  // Reads go to the HMC that described the host, or its site's other HMC when that one is out of reach, within the
  // HMC's operation limit (paced-hmc.ts); changes run on the named HMC's device queue.
  const readHmc = (hmc: string) => drReadHmcOf(deps.config, deps.devices, hmc);
  const hmc = {
    /**
     * Stops a VM: `os` asks its operating system to shut down (chsysstate -o osshutdown, IBM HMC CLI: a clean
     * shutdown through RMC), `immediate` stops it at once. Not Activated or Shutting Down already: no change.
     */
    async drShutdownVm(input: { hmc: string; host: string; vm: string; mode: 'os' | 'immediate' }) {
      return guard(async () => {
        const client = deps.devices.hmc(input.hmc);
        if (input.mode === 'immediate') return client.shutdownPartition(input.host, input.vm);
        const before = await client.partition(input.host, input.vm);
        if (!before || before.state === 'Not Activated' || before.state === 'Shutting Down')
          return { changed: false, detail: `${input.vm} is ${before?.state ?? 'not defined'} on ${input.host}` };
        const word = (what: string, value: string) => shellWord(input.hmc, what, value);
        await client.run(
          `chsysstate -m ${word('managed system', input.host)} -r lpar -o osshutdown -n ${word('partition', input.vm)}`,
        );
        return { changed: true, detail: `${input.vm}: operating system shutdown requested on ${input.host}` };
      });
    },
    /**
     * Asks several VMs of one host for an OS shutdown, one after another in the order given (least important first):
     * one listing of the host's partitions, then `chsysstate -o osshutdown` for each VM still up; Not Activated,
     * Shutting Down or not defined: no change. One request per host stream instead of one per VM because at scale the
     * orchestration of a request and the state read before each change cost more than the HMC's change itself
     * (bench:dr, 100 VMs a host). A failure throws (the retry lists again and skips what is already down).
     */
    async drShutdownVms(input: { hmc: string; host: string; vms: string[] }): Promise<DrVmOutcome[]> {
      return guard(async () => {
        const client = deps.devices.hmc(input.hmc);
        const listed = new Map((await client.listPartitions(input.host)).map((p) => [p.name, p.state]));
        const word = (what: string, value: string) => shellWord(input.hmc, what, value);
        const outcomes: DrVmOutcome[] = [];
        for (const vm of input.vms) {
          const state = listed.get(vm);
          if (!state || state === 'Not Activated' || state === 'Shutting Down') {
            outcomes.push({ vm, changed: false, detail: `${vm} is ${state ?? 'not defined'} on ${input.host}` });
            continue;
          }
          await client.run(
            `chsysstate -m ${word('managed system', input.host)} -r lpar -o osshutdown -n ${word('partition', vm)}`,
          );
          outcomes.push({ vm, changed: true, detail: `${vm}: operating system shutdown requested on ${input.host}` });
        }
        return outcomes;
      });
    },
    /**
     * Activates several VMs' shadow definitions on one host, one after another in the order given (most important
     * first): one listing, then `chsysstate -o on -f PROFILE` for each VM not Running or Starting. A VM the HMC refuses
     * for good (not retryable: not defined, not enough resources) gets its error and the others go on; a retryable
     * failure throws, and the retry lists again and skips what already runs. Why batched: see drShutdownVms.
     */
    async drActivateVms(input: {
      hmc: string;
      host: string;
      vms: Array<{ vm: string; profile: string }>;
    }): Promise<DrVmOutcome[]> {
      return guard(async () => {
        const client = deps.devices.hmc(input.hmc);
        const listed = new Map((await client.listPartitions(input.host)).map((p) => [p.name, p.state]));
        const word = (what: string, value: string) => shellWord(input.hmc, what, value);
        const outcomes: DrVmOutcome[] = [];
        for (const { vm, profile } of input.vms) {
          const state = listed.get(vm);
          if (state === 'Running' || state === 'Starting') {
            outcomes.push({ vm, changed: false, detail: `${vm} is already ${state} on ${input.host}` });
            continue;
          }
          if (state === undefined || !profile) {
            // No shadow definition (or no profile) on the backup host: this VM cannot start there, the others can.
            const error = `SHADOW_MISSING: ${input.host} has no shadow definition of ${vm}${state ? ' profile' : ''}`;
            outcomes.push({ vm, changed: false, detail: `${error}; not started`, error });
            continue;
          }
          try {
            await client.run(
              `chsysstate -m ${word('managed system', input.host)} -r lpar -o on -n ${word('partition', vm)} ` +
                `-f ${word('profile', profile)}`,
            );
            outcomes.push({ vm, changed: true, detail: `${vm} activated on ${input.host} with profile ${profile}` });
          } catch (err) {
            if (!(err instanceof DeviceError) || err.retryable) throw err;
            // HSCL1529: not in a state that allows it — already Running or Starting after a lost answer is success.
            const after = err.code === 'HSCL1529' ? await client.partition(input.host, vm) : undefined;
            if (after && (after.state === 'Running' || after.state === 'Starting'))
              outcomes.push({ vm, changed: false, detail: `${vm} is already ${after.state} on ${input.host}` });
            else outcomes.push({ vm, changed: false, detail: err.message, error: err.message });
          }
        }
        return outcomes;
      });
    },
    /**
     * Fences a production host for an unplanned move: immediate power off (chsysstate -r sys -o off --immed).
     * Already off is success.
     */
    async drFenceHost(input: { hmc: string; host: string }) {
      return guard(() => deps.devices.hmc(input.hmc).powerOffSystem(input.host));
    },
    /** Activates a VM's shadow definition on the backup host with its profile; Running or Starting: no change. */
    async drActivateVm(input: { hmc: string; host: string; vm: string; profile: string }) {
      return guard(() => deps.devices.hmc(input.hmc).activatePartition(input.host, input.vm, input.profile));
    },
  };
  const storage = {
    /**
     * Switches a group's replication direction: `aux` (default) makes the backup site primary, `master` the active
     * site again (the move back): switchrcconsistgrp -primary. Already that primary: no change.
     */
    async drSwitchGroup(input: { storage: string; group: string; primary?: 'aux' | 'master' }) {
      const storage = deps.devices.storageSystem(input.storage);
      return guard(() => storage.switchConsistencyGroup(input.group, input.primary ?? 'aux'));
    },
    /**
     * Makes the backup site's copies writable when the active site is gone: stoprcconsistgrp -access on the aux
     * storage system (IBM: the group goes idling — or idling_disconnected while the link is down). Already idling:
     * no change.
     */
    /**
     * Restarts replication from the backup site after an unplanned move: startrcconsistgrp -primary aux -force (IBM:
     * -force because both copies may have been written since the group stopped; the active site's copy becomes the
     * secondary and is overwritten). Already copying with that primary: no change.
     */
    async drStartGroupFromBackup(input: { storage: string; group: string }) {
      const storage = deps.devices.storageSystem(input.storage);
      return guard(() => storage.startConsistencyGroup(input.group, { primary: 'aux', force: true }));
    },
    async drStopGroupWithAccess(input: { storage: string; group: string }) {
      return guard(() => deps.devices.storageSystem(input.storage).stopConsistencyGroup(input.group, { access: true }));
    },
  };
  const control = {
    async prepareDrMove(site: string): Promise<DrMovePreparation> {
      return guard(async () => {
        const { dr, active, backup } = drSitePair(deps.config, site);
        const discovery = await discoverDrSite(deps.config, deps.devices, site);
        const history = (await deps.store.verifications(drVerificationKey(site), 50)).map(decodeDrVerification);
        const verification = verifyDrSite(discovery, dr, {
          now: new Date(),
          lastInSync: lastInSync(history),
          previous: history[0],
          restorable: await restorableMappingsAt(deps.store, [site, discovery.backupSite], discovery.backupSite),
        });
        const stored = await deps.store.recordVerification(encodeDrVerification(verification));
        const notReady = verification.vms
          .filter((v) => v.state === 'NOT_READY')
          .map((v) => ({ vm: v.vm, codes: [...new Set(v.reasons.map((r) => r.code))] }));
        return {
          verificationId: stored.id,
          ready: verification.ready,
          notReady,
          ...(verification.ready ? { plan: planDrMove(discovery, dr) } : {}),
          storage: {
            from: active.storage[0] ?? dr.consistencyGroups[0]!.master,
            to: backup.storage[0] ?? dr.consistencyGroups[0]!.aux,
          },
        };
      });
    },
    /**
     * An unplanned move's plan, read from the backup site only (the active site may be gone): the VMs of the latest
     * verification that were active at the active site, their start waves on the paired backup hosts as the backup
     * HMCs show them now, the groups on the aux storage system with the recovery point each can prove (the device's
     * freeze time, else the last verification that saw it synchronized), and which production hosts their HMC still
     * answers for (to be fenced).
     */
    async prepareDrFailover(site: string): Promise<DrFailoverPreparation> {
      return guard(async () => {
        const pair = drSitePair(deps.config, site);
        const history = (await deps.store.verifications(drVerificationKey(site), 50)).map(decodeDrVerification);
        const latest = history[0];
        if (!latest)
          throw new DrSiteError(`no verification of ${site} is stored: an unplanned move needs the last known VMs`);
        const auxStorage = pair.dr.consistencyGroups[0]!.aux;
        const reading = await readSite(deps.devices, pair.backup, pair.backup.storage[0] ?? auxStorage, 'definitions');
        const backupHosts = hostsOf(reading, pair.backup.hosts);
        const shadows = reading.snapshot.lpars.map((l) => ({ name: l.name, host: l.host, profile: l.profile }));
        const movers = latest.vms
          .filter((v) => v.backupHost && v.productionState !== 'Not Activated')
          .map((v) => ({
            vm: v.vm,
            backupHost: v.backupHost!,
            policy: drPolicyFor(pair.dr, { name: v.vm, priority: 'medium' }),
          }));
        const seenInSync = lastInSync(history);
        // A site that already moved has its backup copies primary: an unplanned move would power off a healthy site
        // and stop replication the other way round. Refused before anything is touched.
        const reversedBefore = latest.groups.filter((g) => g.primary === 'aux').map((g) => g.name);
        const groups = await Promise.all(
          pair.dr.consistencyGroups.map(async (g) => {
            const state = (await readGroups(deps.devices.storageSystem(g.aux))).find((x) => x.name === g.name);
            return {
              storage: g.aux,
              name: g.name,
              state: state?.state ?? 'absent',
              primary: state?.primary ?? '',
              recoveryPoint: state?.freezeTime ?? seenInSync[g.name],
            };
          }),
        );
        const reversed = [
          ...new Set([...reversedBefore, ...groups.filter((g) => g.primary === 'aux').map((g) => g.name)]),
        ];
        if (reversed.length > 0)
          throw new DrSiteError(
            `REPLICATION_REVERSED: consistency group(s) ${reversed.join(', ')} already have ${pair.backup.name} as ` +
              `primary (the last verification or ${auxStorage} says so): ${site} has already moved; nothing was ` +
              `touched. Use the move back (POST /v1/sites/${site}/move-back) to return`,
          );
        const fence: Array<{ hmc: string; host: string }> = [];
        const unreachable: string[] = [];
        for (const hmc of pair.active.hmcs) {
          try {
            const systems = await drReadHmc(deps.devices, [hmc]).listSystems();
            for (const system of systems)
              if (pair.active.hosts.includes(system.name) && !fence.some((f) => f.host === system.name))
                fence.push({ hmc, host: system.name });
          } catch (err) {
            if (!(err instanceof DeviceError)) throw err;
            unreachable.push(`${hmc}: ${err.message}`);
          }
        }
        const waves = startWaves(movers, { backupHosts, shadows });
        // A backup host the backup HMCs could not describe has no HMC to start its VMs with: say so and stop here
        // (nothing is touched yet) rather than send start requests to no device.
        const unread = [
          ...new Set(
            waves
              .flat()
              .filter((w) => !w.hmc)
              .map((w) => w.host),
          ),
        ];
        if (unread.length > 0)
          throw new DrSiteError(
            `backup host(s) ${unread.join(', ')} could not be read through ${pair.backup.hmcs.join(', ')}: ` +
              'no VM can be started there; check the backup site HMCs and the host state, then move again',
          );
        return {
          verificationId: latest.id,
          verifiedAt: latest.verifiedAt,
          waves,
          groups,
          fence,
          activeHosts: pair.active.hosts,
          unreachable,
          movers: latest.vms
            .filter((v) => movers.some((m) => m.vm === v.vm))
            .map((v) => ({ vm: v.vm, productionHost: v.productionHost })),
        };
      });
    },
    /**
     * The move back's plan (backup → active, after a planned or unplanned move): the VMs of the latest verification
     * that run at the backup site now, stopped there least important first; the groups, which must have the backup
     * site as primary and be consistent; the VMs started again on their production hosts, whose definitions must be
     * there and Not Activated, on hosts that are Operating. Anything else is NOT_READY and nothing is touched.
     */
    async prepareDrMoveBack(site: string): Promise<DrMovePreparation> {
      return guard(async () => {
        const pair = drSitePair(deps.config, site);
        const [latest] = (await deps.store.verifications(drVerificationKey(site), 1)).map(decodeDrVerification);
        if (!latest) throw new DrSiteError(`no verification of ${site} is stored: nothing is known to move back`);
        const masterStorage = pair.dr.consistencyGroups[0]!.master;
        const [backup, active] = await Promise.all([
          readSite(
            deps.devices,
            pair.backup,
            pair.backup.storage[0] ?? pair.dr.consistencyGroups[0]!.aux,
            'definitions',
          ),
          readSite(deps.devices, pair.active, pair.active.storage[0] ?? masterStorage, 'definitions'),
        ]);
        const backupHosts = hostsOf(backup, pair.backup.hosts);
        const activeHosts = hostsOf(active, pair.active.hosts);
        const groups = await readGroups(deps.devices.storageSystem(masterStorage));
        const notReady: Array<{ vm: string; codes: string[] }> = [];
        const movers = latest.vms.filter((v) =>
          backup.snapshot.lpars.some((l) => l.name === v.vm && l.host === v.backupHost && l.state === 'Running'),
        );
        for (const vm of movers) {
          const codes: string[] = [];
          const definition = active.snapshot.lpars.find((l) => l.name === vm.vm && l.host === vm.productionHost);
          if (!definition) codes.push('SHADOW_MISSING');
          else if (definition.state !== 'Not Activated') codes.push('SHADOW_ACTIVE');
          if (activeHosts.find((h) => h.name === vm.productionHost)?.state !== 'Operating')
            codes.push('BACKUP_HOST_UNAVAILABLE');
          if (codes.length > 0) notReady.push({ vm: vm.vm, codes });
        }
        for (const group of pair.dr.consistencyGroups) {
          const seen = groups.find((g) => g.name === group.name);
          const code = !seen
            ? 'CONSISTENCY_GROUP_NOT_CONFIGURED'
            : seen.primary !== 'aux'
              ? 'REPLICATION_REVERSED'
              : !['consistent_synchronized', 'consistent_copying'].includes(seen.state)
                ? 'REPLICATION_NOT_CONSISTENT'
                : undefined;
          if (code) notReady.push({ vm: `consistency-group/${group.name}`, codes: [code] });
        }
        const policy = (vm: string) => drPolicyFor(pair.dr, { name: vm, priority: 'medium' });
        const rank = { critical: 0, high: 1, medium: 2, low: 3 } as const;
        const shutdown = [...new Set(movers.map((m) => m.backupHost!))].sort().map((host) => ({
          hmc: backupHosts.find((h) => h.name === host)?.hmc ?? '',
          host,
          vms: movers
            .filter((m) => m.backupHost === host)
            .sort((a, b) => rank[policy(b.vm).priority] - rank[policy(a.vm).priority] || (a.vm < b.vm ? 1 : -1))
            .map((m) => m.vm),
        }));
        const waves = startWaves(
          movers.map((m) => ({ vm: m.vm, backupHost: m.productionHost, policy: policy(m.vm) })),
          {
            backupHosts: activeHosts,
            shadows: active.snapshot.lpars.map((l) => ({ name: l.name, host: l.host, profile: l.profile })),
          },
        );
        const ready = notReady.length === 0 && movers.length > 0;
        return {
          verificationId: latest.id,
          ready,
          storage: { from: pair.backup.storage[0] ?? pair.dr.consistencyGroups[0]!.aux, to: masterStorage },
          notReady: movers.length === 0 ? [{ vm: '(none)', codes: ['NO_VMS_AT_BACKUP_SITE'] }] : notReady,
          ...(ready
            ? {
                plan: {
                  site: pair.backup.name,
                  backupSite: pair.active.name,
                  shutdown,
                  groups: pair.dr.consistencyGroups.map((g) => ({ storage: g.master, name: g.name })),
                  waves,
                  networks: [],
                },
              }
            : {}),
        };
      });
    },
    /**
     * Before the backup site's copies overwrite the active site's (resync after an unplanned move): every protected VM
     * of the latest verification must be proven not active at the active site (its HMC answers and shows it Not
     * Activated or absent) — a VM running there would lose its disks' contents — and each group's link must be up.
     * Returns the groups on the aux storage system still to restart, or why not.
     */
    async prepareDrResync(site: string) {
      return guard(async () => {
        const pair = drSitePair(deps.config, site);
        const [latest] = (await deps.store.verifications(drVerificationKey(site), 1)).map(decodeDrVerification);
        if (!latest) throw new DrSiteError(`no verification of ${site} is stored`);
        const active = await readSite(
          deps.devices,
          pair.active,
          pair.active.storage[0] ?? pair.dr.consistencyGroups[0]!.master,
          'definitions',
        );
        const notReady: Array<{ vm: string; codes: string[] }> = [];
        for (const vm of latest.vms) {
          const seen = active.snapshot.lpars.find((l) => l.name === vm.vm);
          const hostUnknown = active.undescribed.some((h) => h.name === vm.productionHost);
          if (hostUnknown) notReady.push({ vm: vm.vm, codes: ['PRODUCTION_HOST_UNAVAILABLE'] });
          else if (seen && seen.state !== 'Not Activated') notReady.push({ vm: vm.vm, codes: ['SHADOW_ACTIVE'] });
        }
        const groups: Array<{ storage: string; name: string; state: string }> = [];
        for (const group of pair.dr.consistencyGroups) {
          const seen = (await readGroups(deps.devices.storageSystem(group.aux))).find((g) => g.name === group.name);
          const state = seen?.state ?? 'absent';
          if (state.endsWith('disconnected') || state === 'absent')
            notReady.push({ vm: `consistency-group/${group.name}`, codes: ['REPLICATION_NOT_CONSISTENT'] });
          else if (!(seen?.primary === 'aux' && state === 'consistent_synchronized'))
            groups.push({ storage: group.aux, name: group.name, state });
        }
        // The VMs the unplanned move started at the backup site (those active at the last verification): cleaned up
        // at the active site once it is resynchronized.
        const moved = latest.vms.filter((v) => v.backupHost && v.productionState !== 'Not Activated').map((v) => v.vm);
        const activeStorage = pair.active.storage[0] ?? pair.dr.consistencyGroups[0]!.master;
        return { ready: notReady.length === 0, notReady, groups, moved, activeStorage };
      });
    },
    /** A VM's state on a host as its HMC shows it now; `absent` when the host has no such partition. */
    async drVmState(input: { hmc: string; host: string; vm: string }): Promise<string> {
      return guard(async () => (await readHmc(input.hmc).partition(input.host, input.vm))?.state ?? 'absent');
    },
    /**
     * The states of several VMs on one host, from one listing (lssyscfg -r lpar): `{ vm: state }`, `absent` for a VM
     * the host does not define. One read per host and poll instead of one per VM keeps the HMC's load flat at scale.
     */
    async drVmStates(input: { hmc: string; host: string; vms: string[] }): Promise<Record<string, string>> {
      return guard(async () => {
        const partitions = await readHmc(input.hmc).listPartitions(input.host);
        return Object.fromEntries(
          input.vms.map((vm) => [vm, partitions.find((p) => p.name === vm)?.state ?? 'absent']),
        );
      });
    },
    /**
     * Raises a DR notification (the notification store's channels deliver it): `kind` e.g. `dr-fence-blocked`,
     * `workflowId` the move's (`dr-move/<site>`), `subject` the site.
     */
    async drNotify(input: {
      severity: 'info' | 'warning' | 'critical';
      kind: string;
      message: string;
      workflowId: string;
      subject: string;
    }): Promise<void> {
      await deps.store.raiseNotification({ ...input, raisedAt: new Date().toISOString() });
    },
    /** A managed system's state as its HMC shows it now (`Power Off` once fenced). */
    async drHostState(input: { hmc: string; host: string }): Promise<string> {
      return guard(() => readHmc(input.hmc).systemState(input.host));
    },
    /** The state and primary of each named group on its master storage system. */
    async drGroupStates(input: { storage: string; groups: string[] }) {
      return guard(async () => {
        const all = await deps.devices.storageSystem(input.storage).consistencyGroups();
        return input.groups.map((name) => {
          const group = all.find((g) => g.name === name);
          return { name, state: group?.state ?? 'absent', primary: group?.primary ?? '' };
        });
      });
    },
  };
  // The DR test's activities ride on the same queues (its storage steps on the aux storage system's).
  const test = createDrTestActivities(deps, guard);
  const cleanup = createDrCleanupActivities(deps, guard);
  return {
    hmc,
    storage: { ...storage, ...test.storage, ...cleanup.storage },
    control: { ...control, ...test.control, ...cleanup.control, ...createDrProviderActivities(deps, guard) },
  };
}

export type DrMoveActivities = ReturnType<typeof createDrMoveActivities>;
export type DrMoveHmcActivities = DrMoveActivities['hmc'];
export type DrMoveStorageActivities = DrMoveActivities['storage'];
export type DrMoveControlActivities = DrMoveActivities['control'];

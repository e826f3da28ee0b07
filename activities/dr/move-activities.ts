// Activities of a planned site move. Reads (a VM's state, groups' states) run on the main queue; every change runs
// on its device's queue (`device/<hmc>`, `device/<storage>`), whose worker holds the device's limit. Each change is
// idempotent: stopping a VM that is Not Activated, starting one that runs, switching a group that already has that
// primary all succeed with `changed: false`.
import { ApplicationFailure } from '@temporalio/common';
import type { DrMovePlan } from '../../domain/dr/move-plan.js';
import { planDrMove } from '../../domain/dr/move-plan.js';
import { verifyDrSite } from '../../domain/dr/verify.js';
import { toActivityFailure } from '../device-failure.js';
import { whileHeartbeating } from '../heartbeat.js';
import { shellWord } from '../hmc/names.js';
import type { DrDependencies } from './activities.js';
import { DrSiteError, discoverDrSite, drSitePair } from './discover-site.js';
import { decodeDrVerification, drVerificationKey, encodeDrVerification, lastInSync } from './verification-records.js';

/** The move's first step: verify now; `plan` only when every protected VM is READY_TO_MOVE. */
export interface DrMovePreparation {
  verificationId: number;
  ready: boolean;
  notReady: Array<{ vm: string; codes: string[] }>;
  plan?: DrMovePlan;
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
    /** Activates a VM's shadow definition on the backup host with its profile; Running or Starting: no change. */
    async drActivateVm(input: { hmc: string; host: string; vm: string; profile: string }) {
      return guard(() => deps.devices.hmc(input.hmc).activatePartition(input.host, input.vm, input.profile));
    },
  };
  const storage = {
    /** Makes the aux (backup site) side primary: switchrcconsistgrp -primary aux. Already aux: no change. */
    async drSwitchGroup(input: { storage: string; group: string }) {
      return guard(() => deps.devices.storageSystem(input.storage).switchConsistencyGroup(input.group, 'aux'));
    },
  };
  const control = {
    async prepareDrMove(site: string): Promise<DrMovePreparation> {
      return guard(async () => {
        const { dr } = drSitePair(deps.config, site);
        const discovery = await discoverDrSite(deps.config, deps.devices, site);
        const history = (await deps.store.verifications(drVerificationKey(site), 50)).map(decodeDrVerification);
        const verification = verifyDrSite(discovery, dr, { now: new Date(), lastInSync: lastInSync(history) });
        const stored = await deps.store.recordVerification(encodeDrVerification(verification));
        const notReady = verification.vms
          .filter((v) => v.state === 'NOT_READY')
          .map((v) => ({ vm: v.vm, codes: [...new Set(v.reasons.map((r) => r.code))] }));
        return {
          verificationId: stored.id,
          ready: verification.ready,
          notReady,
          ...(verification.ready ? { plan: planDrMove(discovery, dr) } : {}),
        };
      });
    },
    /** A VM's state on a host as its HMC shows it now; `absent` when the host has no such partition. */
    async drVmState(input: { hmc: string; host: string; vm: string }): Promise<string> {
      return guard(async () => (await deps.devices.hmc(input.hmc).partition(input.host, input.vm))?.state ?? 'absent');
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
  return { hmc, storage, control };
}

export type DrMoveActivities = ReturnType<typeof createDrMoveActivities>;
export type DrMoveHmcActivities = DrMoveActivities['hmc'];
export type DrMoveStorageActivities = DrMoveActivities['storage'];
export type DrMoveControlActivities = DrMoveActivities['control'];

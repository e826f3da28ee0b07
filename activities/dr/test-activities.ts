// Activities of a DR test (rehearsal; VMRM DR's `ksysmgr test site` and `ksysmgr cleanup site ... dr_test=yes`):
// FlashCopy each secondary volume at the backup site onto its pre-created test target, present the targets where the
// secondaries are presented, start the shadow definitions on them, and clean all of it up again. Nothing here
// touches the active site or the replication: the only storage commands are mkfcmap/startfcmap/stopfcmap/rmfcmap and
// mkvdiskhostmap/rmvdiskhostmap of test targets on the aux storage system.
//
// IBM Spectrum Virtualize, "FlashCopy mappings" (IBM Docs): the target must exist and have the source's size; a
// mapping with copy rate 0 is a no-copy snapshot whose target is usable as soon as the mapping is copying; stopfcmap
// -force then rmfcmap -force removes it (the target's data is then discarded).
import type { DrConfig } from '../../domain/config/schema.js';
import type { DrMovePlan } from '../../domain/dr/move-plan.js';
import { planDrMove } from '../../domain/dr/move-plan.js';
import type { DeviceRegistry } from '../devices.js';
import type { DrDependencies } from './activities.js';
import { discoverDrSite, drSitePair } from './discover-site.js';

/** One secondary volume of a tested VM and the test target it is copied onto (both on the aux storage system). */
export interface DrTestCopy {
  vm: string;
  storage: string;
  source: string;
  target: string;
  /** FlashCopy mapping name: `lzt-<n>`, stable for the test so a retried step finds its own mapping. */
  map: string;
}

/** What a DR test works from: per VM its copies, the start waves of the shadows, the test network mapping. */
export interface DrTestPreparation {
  ready: boolean;
  backupSite: string;
  /** The replicated groups of the tested VMs on their master storage system: read before and after, never changed. */
  groups: Array<{ storage: string; name: string }>;
  /** Why a VM cannot be tested: TEST_TARGET_MISSING, TEST_TARGET_SIZE, SHADOW_MISSING, SHADOW_ACTIVE, ... */
  notReady: Array<{ vm: string; codes: string[]; detail?: string }>;
  copies: DrTestCopy[];
  waves: DrMovePlan['waves'];
  networks: DrConfig['test']['networks'];
}

/** The plan of a test (pure): the VMs a planned move would start, each secondary with its target `<aux><suffix>`. */
export function planDrTest(
  discovery: Awaited<ReturnType<typeof discoverDrSite>>,
  dr: DrConfig,
  auxStorage: string,
): Omit<DrTestPreparation, 'ready' | 'notReady'> {
  const plan = planDrMove(discovery, dr);
  const auxOf = new Map(discovery.relationships.map((r) => [r.masterVolume, r.auxVolume]));
  const copies: DrTestCopy[] = [];
  for (const vm of plan.waves.flat().flatMap((stream) => stream.vms.map((v) => v.vm))) {
    for (const volume of discovery.vms.find((v) => v.name === vm)?.volumes ?? []) {
      const source = auxOf.get(volume);
      if (!source) continue;
      copies.push({ vm, storage: auxStorage, source, target: `${source}${dr.test.targetSuffix}`, map: '' });
    }
  }
  copies.forEach((copy, index) => (copy.map = `lzt-${index}`));
  return { backupSite: plan.backupSite, groups: plan.groups, copies, waves: plan.waves, networks: dr.test.networks };
}

async function checkTargets(devices: DeviceRegistry, prep: DrTestPreparation): Promise<void> {
  const byStorage = new Map<string, DrTestCopy[]>();
  for (const c of prep.copies) byStorage.set(c.storage, [...(byStorage.get(c.storage) ?? []), c]);
  for (const [storage, copies] of byStorage) {
    const volumes = new Map((await devices.storageSystem(storage).listVolumes()).map((v) => [v.name, v]));
    for (const copy of copies) {
      const source = volumes.get(copy.source);
      const target = volumes.get(copy.target);
      const code = !target ? 'TEST_TARGET_MISSING' : source?.capacity !== target.capacity ? 'TEST_TARGET_SIZE' : '';
      if (!code) continue;
      const entry = prep.notReady.find((n) => n.vm === copy.vm);
      const detail = `${storage}/${copy.target}: ${code === 'TEST_TARGET_MISSING' ? 'absent' : 'size differs'}`;
      if (entry) entry.codes = [...new Set([...entry.codes, code])];
      else prep.notReady.push({ vm: copy.vm, codes: [code], detail });
    }
  }
}

export function createDrTestActivities(deps: DrDependencies, guard: <T>(work: () => Promise<T>) => Promise<T>) {
  const storage = {
    /** mkfcmap -copyrate 0 (no-copy snapshot) then startfcmap -prep; an existing mapping of this pair is reused. */
    async drTestCopy(input: { storage: string; source: string; target: string; map: string }) {
      return guard(async () => {
        const svc = deps.devices.storageSystem(input.storage);
        const { id, changed } = await svc.createFlashCopy(input.source, input.target, { copyRate: 0, name: input.map });
        const started = await svc.startFlashCopy(id);
        return { changed: changed || started.changed, detail: `${input.source} → ${input.target}: ${started.detail}` };
      });
    },
    /** Presents a test target to every host object the secondary is mapped to (mkvdiskhostmap; mapped: no change). */
    async drTestPresent(input: { storage: string; source: string; target: string }) {
      return guard(async () => {
        const svc = deps.devices.storageSystem(input.storage);
        const hosts = (await svc.volumeMappings(input.source)).map((m) => m.host);
        const details: string[] = [];
        for (const host of hosts) details.push((await svc.mapVolume(input.target, host)).detail);
        return { changed: true, detail: details.join('; ') || `${input.source} is mapped to no host` };
      });
    },
    /** Removes a test target's host mappings, then its FlashCopy mapping (stopfcmap -force, rmfcmap -force). */
    async drTestRemove(input: { storage: string; target: string; map: string }) {
      return guard(async () => {
        const svc = deps.devices.storageSystem(input.storage);
        for (const mapping of await svc.volumeMappings(input.target)) await svc.unmapVolume(input.target, mapping.host);
        const fc = (await svc.flashCopyMappings()).find((m) => m.name === input.map || m.target === input.target);
        if (!fc) return { changed: false, detail: `${input.target}: no FlashCopy mapping left` };
        await svc.stopFlashCopy(fc.id);
        return svc.removeFlashCopy(fc.id);
      });
    },
  };
  const control = {
    /**
     * A test's plan, read now: discovery of both sites; the VMs a planned move would start (active at the active
     * site, protected, paired), each secondary volume with its test target, which must exist with the same size; each
     * shadow definition must exist and be Not Activated. Production is only read.
     */
    async prepareDrTest(site: string): Promise<DrTestPreparation> {
      return guard(async () => {
        const pair = drSitePair(deps.config, site);
        const discovery = await discoverDrSite(deps.config, deps.devices, site);
        const aux = pair.dr.consistencyGroups[0]!.aux;
        const plan = planDrTest(discovery, pair.dr, aux);
        const prep: DrTestPreparation = { ready: false, notReady: [], ...plan };
        for (const stream of plan.waves.flat())
          for (const { vm } of stream.vms) {
            const shadow = discovery.shadows.find((s) => s.name === vm && s.host === stream.host);
            const code = !shadow ? 'SHADOW_MISSING' : shadow.state !== 'Not Activated' ? 'SHADOW_ACTIVE' : undefined;
            if (code) prep.notReady.push({ vm, codes: [code] });
          }
        await checkTargets(deps.devices, prep);
        // Nothing to rehearse (every VM stopped at the active site, e.g. while the site runs at its backup site):
        // say so per VM rather than answering not-ready without a reason.
        if (prep.copies.length === 0 && prep.notReady.length === 0)
          for (const vm of discovery.vms) {
            const shadow = discovery.shadows.find((s) => s.name === vm.name && s.state !== 'Not Activated');
            prep.notReady.push({
              vm: vm.name,
              codes: [shadow ? 'SHADOW_ACTIVE' : 'NOT_ACTIVE_AT_PRODUCTION'],
              detail: shadow
                ? `${vm.name} runs at ${discovery.backupSite} on ${shadow.host} (the site is moved): move back first`
                : `${vm.name} is ${vm.state} on ${vm.host}: a DR test rehearses VMs running at ${discovery.site}`,
            });
          }
        prep.ready = prep.notReady.length === 0 && prep.copies.length > 0;
        return prep;
      });
    },
  };
  return { storage, control };
}

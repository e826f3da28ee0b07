// DRaaS: what the provider coordinator (workflows/dr/provider.ts) asks before letting a tenant's move run beside
// another: does the move fit the capacity its contract reserves at the shared site? Read-only, on the main queue.
import type { DrDependencies } from './activities.js';
import { drSitePair, readSite } from './discover-site.js';
import { decodeDrVerification, drVerificationKey } from './verification-records.js';

/**
 * A move's need at the shared site against its reservation: the desired processing units and memory (MB) of the
 * standby definitions it would start there (the VMs of the latest verification that were active, as the shared
 * site's HMCs define them now). `fits` is false when no capacity is reserved, nothing is verified yet, or the need
 * exceeds the reservation; `detail` says which.
 */
export interface DrMoveNeed {
  fits: boolean;
  need?: { procUnits: number; memoryMb: number };
  reserved?: { procUnits: number; memoryMb: number };
  detail: string;
}

export function createDrProviderActivities(deps: DrDependencies, guard: <T>(work: () => Promise<T>) => Promise<T>) {
  return {
    async drMoveNeed(site: string): Promise<DrMoveNeed> {
      return guard(async () => {
        const pair = drSitePair(deps.config, site);
        const reserved = pair.dr.reservedCapacity;
        if (!reserved) return { fits: false, detail: `no capacity is reserved for ${site} at ${pair.backup.name}` };
        const [latest] = (await deps.store.verifications(drVerificationKey(site), 1)).map(decodeDrVerification);
        if (!latest)
          return { fits: false, reserved, detail: `no verification of ${site} is stored: its need is unknown` };
        const storage = pair.backup.storage[0] ?? pair.dr.consistencyGroups[0]!.aux;
        const reading = await readSite(deps.devices, pair.backup, storage);
        const need = { procUnits: 0, memoryMb: 0 };
        const unknown: string[] = [];
        for (const vm of latest.vms.filter((v) => v.backupHost && v.productionState !== 'Not Activated')) {
          const shadow = reading.snapshot.lpars.find((l) => l.name === vm.vm && l.host === vm.backupHost);
          if (!shadow) unknown.push(vm.vm);
          else {
            need.procUnits += shadow.processorUnits.desired;
            need.memoryMb += shadow.memoryMb.desired;
          }
        }
        need.procUnits = Math.round(need.procUnits * 100) / 100;
        if (unknown.length > 0)
          return { fits: false, need, reserved, detail: `no standby definition of ${unknown.join(', ')} can be read` };
        const fits = need.procUnits <= reserved.procUnits && need.memoryMb <= reserved.memoryMb;
        return {
          fits,
          need,
          reserved,
          detail:
            `needs ${need.procUnits} units and ${need.memoryMb} MB at ${pair.backup.name}; ` +
            `${fits ? 'fits' : 'exceeds'} the ${reserved.procUnits} units and ${reserved.memoryMb} MB reserved`,
        };
      });
    },
  };
}

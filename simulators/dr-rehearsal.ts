// DR rehearsal (VMRM DR's `ksysmgr test site`) in the simulator: the backup site's shadow partitions run on
// FlashCopy copies of the replication's secondary (aux) volumes while production and replication go on.
//
// IBM Spectrum Virtualize documents FlashCopy onto a pre-created target of equal size (mkfcmap -source -target;
// startfcmap -prep), readable and writable as soon as the mapping is copying, whatever its copy rate (IBM Docs,
// "FlashCopy mappings"). A remote-copy secondary itself stays read-only while its group runs, so a shadow partition can
// start during a rehearsal only on those copies: here a secondary volume is *stood in for* by the target of a started
// mapping from it when that target is mapped to the partition's system (the swap of the LUN behind the VIOS's virtual
// target device that IBM's procedure does is not modelled: the VIOS path of the secondary is taken to present it).
//
// While such a rehearsal mapping exists, production and replication must stay untouched: a device command that
// changes a group's state or primary, or the state of a partition on the group's master volumes, is the
// `rehearsal-touched-production` violation. Timed transitions and control-API faults are the world, not Lazarus.
import {
  type FleetModel,
  type ManagedSystem,
  type Partition,
  type StorageSystem,
  isActive,
  isMappedToAnyOf,
  vdiskByName,
} from './fleet-model.js';

/** The started FlashCopy target standing in for a read-only secondary volume on this system, if any. */
export function standInFor(model: FleetModel, system: ManagedSystem, volume: string): string | undefined {
  const storage = model.storageOf(system);
  // No FlashCopy mapping, no stand-in: the violation log asks this for every volume of every active partition at
  // each change, and the secondary test scans the groups' relationships (bench:dr, 4,000 volumes).
  if (storage.fcMaps.length === 0) return undefined;
  if (!model.isReadOnlySecondary(storage.name, volume)) return undefined;
  const source = vdiskByName(storage, volume);
  if (!source) return undefined;
  const hostIds = new Set(model.hostsOfSystem(system).map((h) => h.id));
  const map = storage.fcMaps.find(
    (m) =>
      m.sourceVdiskId === source.id &&
      (m.status === 'copying' || (m.status === 'idle_or_copied' && m.startTime !== undefined)) &&
      isMappedToAnyOf(storage, m.targetVdiskId, hostIds),
  );
  return map ? storage.vdisks.find((v) => v.id === map.targetVdiskId)?.name : undefined;
}

/** The volumes a partition really uses: each secondary stood in for by its rehearsal copy replaced by the copy. */
export function effectiveVolumes(model: FleetModel, system: ManagedSystem, partition: Partition): string[] {
  return partition.volumes.map((v) => standInFor(model, system, v) ?? v);
}

/**
 * A partition that runs only on rehearsal copies (every volume stood in for): a test instance on its own data, not
 * the production VM a second time (IBM's DR test starts the backup LPARs under their production names).
 */
export function runsOnRehearsalCopies(model: FleetModel, system: ManagedSystem, partition: Partition): boolean {
  return partition.volumes.length > 0 && partition.volumes.every((v) => standInFor(model, system, v) !== undefined);
}

function rehearsalUnderWay(storage: StorageSystem, auxVolumes: Set<string>): boolean {
  return storage.fcMaps.some((m) => {
    const source = storage.vdisks.find((v) => v.id === m.sourceVdiskId);
    return source !== undefined && auxVolumes.has(source.name);
  });
}

/** Watches production and replication while a rehearsal mapping exists on a group's secondary volumes. */
export class RehearsalWatch {
  private last = new Map<string, string>();

  constructor(private readonly model: FleetModel) {}

  /** The breaches a change made (device commands only), each `{ detail, subjects }`. */
  check(cause: string): Array<{ detail: string; subjects: string[] }> {
    const breaches: Array<{ detail: string; subjects: string[] }> = [];
    const current = new Map<string, string>();
    for (const group of this.model.consistencyGroups) {
      const aux = this.model.storage.get(group.aux);
      if (!aux || !rehearsalUnderWay(aux, new Set(group.relationships.map((r) => r.auxVdisk)))) continue;
      current.set(`group/${group.name}`, `${group.state} primary=${group.primary}`);
      const masters = new Set(group.relationships.map((r) => r.masterVdisk));
      for (const system of this.model.systems.values()) {
        if (system.storage !== group.master) continue;
        for (const p of system.partitions)
          if (p.volumes.some((v) => masters.has(v)))
            current.set(`lpar/${system.name}/${p.name}`, isActive(system, p) ? p.state : 'inactive');
      }
    }
    const byDevice = !cause.startsWith('control:') && !cause.startsWith('time:');
    if (byDevice) {
      for (const [key, value] of current) {
        const before = this.last.get(key);
        if (before !== undefined && before !== value)
          breaches.push({
            detail: `during a DR rehearsal ${key} changed from ${before} to ${value}`,
            subjects: [key],
          });
      }
    }
    this.last = current;
    return breaches;
  }
}

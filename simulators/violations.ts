import {
  type FleetModel,
  type HostMapping,
  type ManagedSystem,
  type StorageSystem,
  hostIdsOfVdisk,
  isActive,
  isMappedToAnyOf,
  sharedVdiskCount,
  takeRemovedMappings,
  vdiskByName,
} from './fleet-model.js';
import { type Physics } from './physics.js';
import { RehearsalWatch, effectiveVolumes, runsOnRehearsalCopies } from './dr-rehearsal.js';

export type ViolationKind =
  | 'lpar-on-two-hosts'
  | 'volume-written-from-two-lpars'
  | 'started-without-disks'
  | 'capacity-exceeded'
  | 'running-lpar-lost-disks'
  | 'rehearsal-touched-production';

/**
 * Partition states that do not prove the partition inactive, so unmapping its disks may pull them from under a
 * running OS. Mirrors domain/failover/partition-states.ts (RUNNING_STATES plus MAY_BE_RUNNING_STATES: Running,
 * Starting, Open Firmware, Error, Not Available, Shutting Down, Migrating - Running / Not Activated, …) from the
 * other side: the simulator is an independent program and does not import domain/, and there only `Not Activated`
 * proves a partition inactive, so everything else counts. `Not Available` is never stored: it is how the HMC shows a
 * partition of a system in Error, which keeps its real state (usually Running) here.
 */
const PROVEN_INACTIVE_STATES: ReadonlySet<string> = new Set(['Not Activated']);

export interface Violation {
  kind: ViolationKind;
  at: string;
  /** What made the change that broke the invariant: a device command, a control-API action or a timed transition. */
  cause: string;
  detail: string;
  subjects: string[];
}

/**
 * Checks the fleet invariants after every change and records each breach once, when it begins
 * (a condition that clears and comes back is recorded again).
 */
export class ViolationLog {
  private entries: Violation[] = [];
  private ongoing = new Set<string>();
  private readonly rehearsal: RehearsalWatch;

  constructor(
    private readonly model: FleetModel,
    private readonly physics: Physics,
  ) {
    this.rehearsal = new RehearsalWatch(model);
    model.onChange((cause) => this.check(cause));
  }

  list(): Violation[] {
    return [...this.entries];
  }

  clear(): void {
    this.entries = [];
  }

  /** Forget ongoing conditions too (after POST /reset the fleet is new). */
  reset(): void {
    this.entries = [];
    this.ongoing.clear();
  }

  record(kind: ViolationKind, cause: string, detail: string, subjects: string[]): void {
    this.entries.push({ kind, at: new Date().toISOString(), cause, detail, subjects });
  }

  check(cause: string): void {
    const current = new Map<string, Omit<Violation, 'at' | 'cause'>>();
    for (const breach of [...this.lparsOnTwoHosts(), ...this.volumesWrittenTwice(), ...this.capacityExceeded()]) {
      current.set(`${breach.kind}:${breach.subjects.join('|')}`, breach);
    }
    for (const [key, breach] of current) {
      if (!this.ongoing.has(key)) this.record(breach.kind, cause, breach.detail, breach.subjects);
    }
    this.ongoing = new Set(current.keys());
    // An unmapping is an event, not a condition that lasts: each one that hit a live partition is recorded.
    for (const breach of this.runningLparsThatLostDisks()) {
      this.record(breach.kind, cause, breach.detail, breach.subjects);
    }
    for (const breach of this.rehearsal.check(cause))
      this.record('rehearsal-touched-production', cause, breach.detail, breach.subjects);
  }

  /**
   * `running-lpar-lost-disks`: a volume mapping removed (rmvdiskhostmap, unmap-volume, or rmhostport taking a host
   * object's last port, which cuts all its mappings at once) from a host object while a
   * partition using that volume may be running on a powered managed system behind that host object (the system's
   * own host object, or one holding the partition's NPIV client WWPNs), and no other host object of that system still
   * maps it. Subjects: [LPAR, managed system, `storage/volume`]. A powered-off system (Power Off, or the power lost)
   * runs nothing, so unmapping from it is what a fence does and is not a breach.
   */
  private runningLparsThatLostDisks(): Omit<Violation, 'at' | 'cause'>[] {
    const breaches: Omit<Violation, 'at' | 'cause'>[] = [];
    for (const storage of this.model.storage.values()) {
      for (const mapping of takeRemovedMappings(storage)) breaches.push(...this.lostDisks(storage, mapping));
    }
    return breaches;
  }

  private lostDisks(storage: StorageSystem, mapping: HostMapping): Omit<Violation, 'at' | 'cause'>[] {
    const host = storage.hosts.find((h) => h.id === mapping.hostId);
    const vdisk = storage.vdisks.find((v) => v.id === mapping.vdiskId);
    if (!host || !vdisk) return [];
    const breaches: Omit<Violation, 'at' | 'cause'>[] = [];
    for (const system of this.model.systems.values()) {
      if (system.storage !== storage.name || !system.powered) continue;
      const systemHost = host.name === system.name || host.wwpns.some((w) => system.wwpns.includes(w));
      const systemHostIds = this.model.hostsOfSystem(system).map((h) => h.id);
      for (const partition of system.partitions) {
        if (partition.env === 'vioserver' || !partition.volumes.includes(vdisk.name)) continue;
        if (PROVEN_INACTIVE_STATES.has(partition.state)) continue;
        const ownsWwpn = (wwpns: string[]) => partition.clientWwpns.some((pair) => pair.some((w) => wwpns.includes(w)));
        if (!systemHost && !ownsWwpn(host.wwpns)) continue;
        // Still reachable through another host object of the system or of the partition's NPIV adapters: no loss.
        const npivHostIds = storage.hosts.filter((h) => ownsWwpn(h.wwpns)).map((h) => h.id);
        const reachable = new Set([...systemHostIds, ...npivHostIds]);
        if (isMappedToAnyOf(storage, vdisk.id, reachable)) continue;
        const shown = system.state === 'Error' ? ` (the HMC shows Not Available: ${system.name} is in Error)` : '';
        breaches.push({
          kind: 'running-lpar-lost-disks',
          detail:
            `volume ${storage.name}/${vdisk.name} was unmapped from host ${host.name}` +
            `${host.wwpns.length === 0 ? ' (its last port was removed)' : ''} ` +
            `while LPAR ${partition.name} may be running on ${system.name}: ` +
            `partition state ${partition.state}${shown}, system ${system.state}`,
          subjects: [partition.name, system.name, `${storage.name}/${vdisk.name}`],
        });
      }
    }
    return breaches;
  }

  private activePartitions(): { system: ManagedSystem; name: string; volumes: string[]; rehearsal: boolean }[] {
    return [...this.model.systems.values()].flatMap((system) =>
      system.partitions
        .filter((p) => p.env !== 'vioserver' && isActive(system, p))
        .map((p) => ({
          system,
          name: p.name,
          volumes: effectiveVolumes(this.model, system, p),
          rehearsal: runsOnRehearsalCopies(this.model, system, p),
        })),
    );
  }

  private lparsOnTwoHosts(): Omit<Violation, 'at' | 'cause'>[] {
    const hostsByLpar = new Map<string, string[]>();
    // A rehearsal instance (only on FlashCopy copies) is a test VM on its own data, not the VM a second time.
    for (const { system, name } of this.activePartitions().filter((p) => !p.rehearsal))
      hostsByLpar.set(name, [...(hostsByLpar.get(name) ?? []), system.name]);
    return [...hostsByLpar]
      .filter(([, hosts]) => hosts.length > 1)
      .map(([lpar, hosts]) => ({
        kind: 'lpar-on-two-hosts' as const,
        detail: `LPAR ${lpar} is running on ${hosts.join(' and ')}`,
        subjects: [lpar, ...hosts.sort()],
      }));
  }

  /**
   * A vdisk (or both copies of a replicated one) mapped to and in use by active partitions on two systems.
   * Only volumes mapped to several hosts, or replicated, can break this, so the rest are skipped cheaply.
   */
  private volumesWrittenTwice(): Omit<Violation, 'at' | 'cause'>[] {
    const replicated = replicatedDataSets(this.model);
    const writers = new Map<string, string[]>();
    const hostIdsBySystem = new Map<ManagedSystem, Set<number>>();
    for (const { system, name, volumes } of this.activePartitions()) {
      const storage = this.model.storageOf(system);
      if (sharedVdiskCount(storage) === 0 && !replicated.storage.has(storage.name)) continue;
      for (const volume of volumes) {
        const vdisk = vdiskByName(storage, volume);
        if (!vdisk) continue;
        const dataSet =
          replicated.byVolume.size === 0 ? undefined : replicated.byVolume.get(`${storage.name}/${volume}`);
        const mappedHosts = hostIdsOfVdisk(storage, vdisk.id);
        if (dataSet === undefined && mappedHosts.size < 2) continue;
        let hostIds = hostIdsBySystem.get(system);
        if (!hostIds)
          hostIdsBySystem.set(system, (hostIds = new Set(this.model.hostsOfSystem(system).map((h) => h.id))));
        if (!isMappedToAnyOf(storage, vdisk.id, hostIds)) continue;
        const key = dataSet ?? `${storage.name}/${volume}`;
        writers.set(key, [...(writers.get(key) ?? []), `${system.name}/${name}`]);
      }
    }
    return [...writers]
      .filter(([, users]) => new Set(users.map((u) => u.split('/')[0])).size > 1)
      .map(([volume, users]) => ({
        kind: 'volume-written-from-two-lpars' as const,
        detail: `volume ${volume} is in use by running LPARs ${users.join(' and ')}`,
        subjects: [volume, ...users.sort()],
      }));
  }

  private capacityExceeded(): Omit<Violation, 'at' | 'cause'>[] {
    return [...this.model.systems.values()].flatMap((system) => {
      const procUnits = this.physics.availableProcUnits(system);
      const memory = this.physics.availableMemoryMb(system);
      if (procUnits >= -1e-9 && memory >= 0) return [];
      return [
        {
          kind: 'capacity-exceeded' as const,
          detail: `${system.name} is over capacity: ${procUnits.toFixed(2)} processing units and ${memory} MB memory left`,
          subjects: [system.name],
        },
      ];
    });
  }
}

/** Relationships come only from the fleet YAML, so the pairs are computed once per loaded fleet. */
interface ReplicatedDataSets {
  byVolume: Map<string, string>;
  storage: Set<string>;
}
const dataSetCache = new WeakMap<object, ReplicatedDataSets>();

/** Both copies of every remote-copy relationship, keyed `storage/volume`, named after the master copy. */
function replicatedDataSets(model: FleetModel): ReplicatedDataSets {
  const cached = dataSetCache.get(model.consistencyGroups);
  if (cached) return cached;
  const sets: ReplicatedDataSets = { byVolume: new Map(), storage: new Set() };
  for (const group of model.consistencyGroups) {
    for (const r of group.relationships) {
      const name = `${group.master}/${r.masterVdisk}`;
      sets.byVolume.set(name, name);
      sets.byVolume.set(`${group.aux}/${r.auxVdisk}`, name);
      sets.storage.add(group.master).add(group.aux);
    }
  }
  dataSetCache.set(model.consistencyGroups, sets);
  return sets;
}

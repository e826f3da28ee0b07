// Reads one host group's inventory through its HMC and storage system: managed systems with capacity, LPARs with
// profile sizes and priority, VIOS, which volumes each LPAR uses (vSCSI: VIOS target devices → hdisk unique_id →
// volume UID; NPIV: the client adapter's WWPNs → the storage host object with those ports), storage volumes, hosts,
// mappings and remote-copy groups. Hosts are described one by one: a host the HMC cannot describe (not Operating,
// unknown to it, or a command on it failing) is returned as undescribed with the reason, and the others still are.
import type {
  InventorySnapshot,
  Lpar,
  ManagedSystem,
  StorageSystem,
  UndescribedHost,
} from '../../domain/inventory/index.js';
import type { PriorityClass } from '../../domain/config/index.js';
import { partitionEvidence } from '../../domain/failover/partition-states.js';
import type { HmcClient, Partition, PartitionProfile } from '../hmc/hmc-client.js';
import { ViosClient } from '../hmc/vios.js';
import { DeviceError } from '../ssh/device-errors.js';
import type { SvcClient } from '../storage/svc-client.js';

export interface HostGroupTarget {
  name: string;
  hmc: string;
  storage: string;
  hosts: string[];
}

/**
 * One discovery's reading. `snapshot` holds the described hosts only; `undescribed` the others, each with the state
 * the HMC lists (`unknown` when it does not list the host) and why it could not be described. `notes`: what was
 * read but left out, e.g. a partition defined on two hosts (the inactive copy a remote restart leaves on its source).
 */
export interface HostGroupReading {
  snapshot: InventorySnapshot;
  undescribed: UndescribedHost[];
  notes: string[];
}

interface HostReading {
  system: ManagedSystem;
  lpars: Lpar[];
  vios: InventorySnapshot['vios'];
}

/**
 * Reads the group. Throws DeviceError only when the HMC's system list or the storage system cannot be read (nothing
 * can be described then); a failure on one host makes that host undescribed.
 */
export async function readHostGroup(
  group: HostGroupTarget,
  hmc: HmcClient,
  svc: SvcClient,
  now: Date = new Date(),
): Promise<HostGroupReading> {
  const storage = await readStorage(svc);
  const systems = new Map((await hmc.listSystems()).map((s) => [s.name, s]));
  const undescribed: UndescribedHost[] = [];
  const described: HostReading[] = [];
  // Hosts are read in parallel; the device pools keep the HMC and storage system inside their limits.
  await Promise.all(
    group.hosts.map(async (host) => {
      const system = systems.get(host);
      if (!system)
        return void undescribed.push({
          name: host,
          state: 'unknown',
          reason: `${group.hmc} does not know managed system ${host}`,
        });
      if (system.state !== 'Operating') {
        return void undescribed.push({
          name: host,
          state: system.state,
          reason: `${host} is ${system.state}; the HMC cannot describe its partitions`,
        });
      }
      try {
        described.push(await readHost(group, hmc, system, storage));
      } catch (err) {
        if (!(err instanceof DeviceError) && !(err instanceof UndescribableHostError)) throw err;
        undescribed.push({ name: host, state: system.state, reason: `${host} could not be described: ${err.message}` });
      }
    }),
  );
  const { lpars, notes } = oneDefinitionEach(described.flatMap((h) => h.lpars));
  return {
    snapshot: {
      group: group.name,
      takenAt: now.toISOString(),
      managedSystems: described.map((h) => h.system).sort(byName),
      lpars: lpars.sort(byName),
      vios: described.flatMap((h) => h.vios).sort(byName),
      storageSystems: [storage],
      remoteCopyGroups: await readRemoteCopy(svc),
    },
    undescribed: undescribed.sort(byName),
    notes,
  };
}

/** A host whose partitions the HMC lists but cannot fully describe (a partition without a profile). */
class UndescribableHostError extends Error {}

async function readHost(
  group: HostGroupTarget,
  hmc: HmcClient,
  system: { name: string; serial: string; typeModel: string; state: string },
  storage: StorageSystem,
): Promise<HostReading> {
  const host = system.name;
  const [capacity, partitions, profileList] = await Promise.all([
    hmc.systemCapacity(host),
    hmc.listPartitions(host),
    hmc.profiles(host),
  ]);
  const profiles = new Map(profileList.map((p) => [`${p.lparName}/${p.name}`, p]));
  const viosPartitions = partitions.filter((p) => p.env === 'vioserver');
  const volumesByUid = new Map(storage.volumes.map((v) => [v.uid.toUpperCase(), v]));
  const presented = await readViosPresentation(hmc, host, viosPartitions, volumesByUid);
  const lpars = partitions
    .filter((p) => p.env !== 'vioserver')
    .map((partition) => {
      const profile =
        profiles.get(`${partition.name}/${partition.currentProfile}`) ??
        profileList.find((p) => p.lparName === partition.name);
      if (!profile) throw new UndescribableHostError(`partition ${partition.name} has no profile`);
      return toLpar(partition, profile, host, presented, storage);
    });
  attributeSystemHostVolumes(host, lpars, storage);
  return {
    system: {
      name: host,
      serial: system.serial,
      typeModel: system.typeModel,
      state: system.state,
      hmc: group.hmc,
      processorUnits: {
        installed: capacity.configurableProcUnits,
        configurable: capacity.configurableProcUnits,
        available: capacity.availableProcUnits,
      },
      memoryMb: { installed: capacity.configurableMemoryMb, available: capacity.availableMemoryMb },
    },
    lpars,
    vios: viosPartitions.map((v) => ({ id: v.id, name: v.name, host, state: v.state })),
  };
}

/**
 * A partition defined on two hosts (a remote restart leaves the source's definition until it is cleaned up) is kept
 * where the HMC's evidence says it is most likely active: Running, then may-be-running, then not active.
 */
function oneDefinitionEach(lpars: Lpar[]): { lpars: Lpar[]; notes: string[] } {
  const rank = { running: 0, 'may-be-running': 1, 'not-active': 2, absent: 3 } as const;
  const kept = new Map<string, Lpar>();
  const notes: string[] = [];
  const likeliestActive = (a: Lpar, b: Lpar) =>
    rank[partitionEvidence(a.state)] - rank[partitionEvidence(b.state)] || byName({ name: a.host }, { name: b.host });
  for (const lpar of [...lpars].sort(likeliestActive)) {
    const first = kept.get(lpar.name);
    if (!first) {
      kept.set(lpar.name, lpar);
      continue;
    }
    const where = `${first.host} (${first.state}) and ${lpar.host} (${lpar.state})`;
    notes.push(`${lpar.name} is defined on ${where}; recorded on ${first.host}`);
  }
  return { lpars: [...kept.values()], notes: notes.sort() };
}

interface Presentation {
  /** client LPAR id → vSCSI mappings and the volumes they present */
  vscsi: Map<number, Array<{ vios: string; vhost: string; backingDevice: string; volumeUid?: string }>>;
  /** client LPAR name → NPIV server adapters */
  npiv: Map<string, Array<{ vios: string; vfchost: string }>>;
}

async function readViosPresentation(
  hmc: HmcClient,
  host: string,
  viosPartitions: Partition[],
  volumesByUid: Map<string, unknown>,
): Promise<Presentation> {
  const presentation: Presentation = { vscsi: new Map(), npiv: new Map() };
  const uidLengths = [...new Set([...volumesByUid.keys()].map((uid) => uid.length))];
  await Promise.all(
    viosPartitions
      .filter((v) => v.state === 'Running')
      .map(async (partition) => {
        const vios = new ViosClient(hmc, host, partition.name);
        const [scsi, npiv] = await Promise.all([vios.scsiMappings(), vios.npivMappings()]);
        const disks = [...new Set(scsi.flatMap((m) => m.targets.map((t) => t.backing)))];
        // One chkdev for all disks when the VIOS has it (a VIOS older than 2.1 FP22 does not): per-disk reads are
        // hundreds of HMC operations a host at scale. Disks it leaves out are read one by one.
        const identities =
          disks.length > 1 ? await vios.diskIdentities().catch((err: unknown) => rethrowUnlessDevice(err)) : undefined;
        const uidOfDisk = new Map(
          await Promise.all(
            disks.map(async (disk) => {
              const uniqueId = (identities?.get(disk) ?? (await vios.diskUniqueId(disk))).toUpperCase();
              return [disk, containedUid(uniqueId, volumesByUid, uidLengths)] as const;
            }),
          ),
        );
        for (const mapping of scsi) {
          const list = presentation.vscsi.get(mapping.clientId) ?? [];
          for (const target of mapping.targets) {
            list.push({
              vios: partition.name,
              vhost: mapping.vhost,
              backingDevice: target.backing,
              volumeUid: uidOfDisk.get(target.backing),
            });
          }
          presentation.vscsi.set(mapping.clientId, list);
        }
        for (const mapping of npiv) {
          if (!mapping.clientName) continue;
          const list = presentation.npiv.get(mapping.clientName) ?? [];
          list.push({ vios: partition.name, vfchost: mapping.vfchost });
          presentation.npiv.set(mapping.clientName, list);
        }
      }),
  );
  for (const list of presentation.vscsi.values())
    list.sort((a, b) => (a.vios + a.backingDevice < b.vios + b.backingDevice ? -1 : 1));
  for (const list of presentation.npiv.values()) list.sort((a, b) => (a.vios < b.vios ? -1 : 1));
  return presentation;
}

function toLpar(
  partition: Partition,
  profile: PartitionProfile,
  host: string,
  presented: Presentation,
  storage: StorageSystem,
): Lpar {
  const vscsi = presented.vscsi.get(partition.id) ?? [];
  const wwpnsByVios = new Map<string, string[]>();
  for (const adapter of profile.virtualFcAdapters) {
    // slot/client/remote-id/remote-vios/remote-slot/wwpn1,wwpn2/required
    const fields = adapter.split('/');
    if (fields[1] === 'client' && fields[3])
      wwpnsByVios.set(
        fields[3],
        (fields[5] ?? '')
          .split(',')
          .filter(Boolean)
          .map((w) => w.toUpperCase()),
      );
  }
  const npiv = (presented.npiv.get(partition.name) ?? []).map((m) => ({
    vios: m.vios,
    vfchost: m.vfchost,
    wwpns: wwpnsByVios.get(m.vios) ?? [],
  }));
  const volumeIds = new Set<string>();
  for (const m of vscsi) {
    const volume = m.volumeUid === undefined ? undefined : volumeByUid(storage).get(m.volumeUid);
    if (volume) volumeIds.add(volume.id);
  }
  const npivWwpns = new Set(npiv.flatMap((m) => m.wwpns));
  const viaVscsi = volumeIds.size;
  const ownHostObjects: string[] = [];
  for (const hostObject of storage.hosts.filter((h) => h.wwpns.some((w) => npivWwpns.has(w.toUpperCase())))) {
    // A host object that also holds another client's WWPNs serves both: its volumes cannot be told apart, so they
    // stay unattributed (the failover reports volumes-unknown) rather than given to both LPARs.
    if (!hostObject.wwpns.every((w) => npivWwpns.has(w.toUpperCase()))) continue;
    ownHostObjects.push(hostObject.name);
    for (const mapping of storage.mappings.filter((m) => m.storageHost === hostObject.name))
      volumeIds.add(mapping.vdiskId);
  }
  const npivOnly = viaVscsi === 0 && volumeIds.size > 0 && ownHostObjects.length > 0;
  return {
    id: partition.id,
    name: partition.name,
    host,
    state: partition.state,
    profile: profile.name,
    processorUnits: profile.procUnits,
    memoryMb: profile.memoryMb,
    virtualProcessors: profile.virtualProcessors,
    priority: priorityClass(profile.availabilityPriority),
    volumes: storage.volumes
      .filter((v) => volumeIds.has(v.id))
      .map((v) => ({ storageSystem: storage.name, vdiskId: v.id, vdiskName: v.name, uid: v.uid }))
      .sort((a, b) => (a.vdiskName < b.vdiskName ? -1 : 1)),
    vscsiMappings: vscsi.map(({ vios, vhost, backingDevice }) => ({ vios, vhost, backingDevice })),
    npivMappings: npiv,
    ...(npivOnly && { attachment: 'npiv' as const, npivHostObjects: ownHostObjects.sort() }),
  };
}

/**
 * Volumes mapped to the managed system's own storage host object that no VIOS presents over vSCSI reach their LPAR
 * over NPIV through the system's ports. With exactly one NPIV LPAR on the system they are unambiguously its own;
 * with several they cannot be told apart and stay unattributed (per-client host objects avoid that).
 */
function attributeSystemHostVolumes(host: string, lpars: Lpar[], storage: StorageSystem): void {
  const npivLpars = lpars.filter((l) => l.npivMappings.length > 0 && l.volumes.length === 0);
  if (npivLpars.length !== 1) return;
  const presented = new Set(lpars.flatMap((l) => l.volumes.map((v) => v.vdiskId)));
  const leftover = storage.mappings
    .filter((m) => m.storageHost === host && !presented.has(m.vdiskId))
    .map((m) => m.vdiskId);
  npivLpars[0]!.volumes = storage.volumes
    .filter((v) => leftover.includes(v.id))
    .map((v) => ({ storageSystem: storage.name, vdiskId: v.id, vdiskName: v.name, uid: v.uid }))
    .sort((a, b) => (a.vdiskName < b.vdiskName ? -1 : 1));
}

/**
 * The volume UID (a key of `byUid`, upper case) that a disk's unique_id contains, found by looking up its substrings
 * of each UID length: a lookup per position instead of a scan of every volume per disk (2,000 volumes × 4,000 disks
 * at bench:dr's scale).
 */
function containedUid(uniqueId: string, byUid: Map<string, unknown>, lengths: number[]): string | undefined {
  for (const length of lengths)
    for (let at = 0; at + length <= uniqueId.length; at++) {
      const part = uniqueId.slice(at, at + length);
      if (byUid.has(part)) return part;
    }
  return undefined;
}

const volumeIndexes = new WeakMap<StorageSystem, Map<string, StorageSystem['volumes'][number]>>();

/** The storage system's volumes by upper-case UID, built once per reading of the storage system. */
function volumeByUid(storage: StorageSystem): Map<string, StorageSystem['volumes'][number]> {
  let index = volumeIndexes.get(storage);
  if (!index) volumeIndexes.set(storage, (index = new Map(storage.volumes.map((v) => [v.uid.toUpperCase(), v]))));
  return index;
}

/** A failed bulk read falls back to per-disk reads; anything but a device's answer is a bug and is thrown. */
function rethrowUnlessDevice(err: unknown): undefined {
  if (err instanceof DeviceError) return undefined;
  throw err;
}

/** lpar_avail_priority (0..255) to a priority class. */
export function priorityClass(availabilityPriority: number): PriorityClass {
  if (availabilityPriority >= 223) return 'critical';
  if (availabilityPriority >= 159) return 'high';
  if (availabilityPriority >= 95) return 'medium';
  return 'low';
}

async function readStorage(svc: SvcClient): Promise<StorageSystem> {
  const volumes = (await svc.listVolumes()).map((v) => ({
    id: String(v.id),
    name: v.name,
    uid: v.uid,
    capacityMb: capacityMb(v.capacity),
  }));
  const hosts = [];
  const mappings = [];
  for (const host of await svc.listHosts()) {
    const detail = await svc.host(host.name);
    hosts.push({ id: String(host.id), name: host.name, wwpns: detail?.wwpns ?? [] });
    const byName = new Map(volumes.map((v) => [v.name, v.id]));
    for (const mapping of await svc.hostMappings(host.name)) {
      mappings.push({
        storageHost: host.name,
        vdiskId: byName.get(mapping.volume) ?? mapping.volume,
        scsiId: mapping.scsiId,
      });
    }
  }
  return { name: svc.device, volumes, hosts, mappings };
}

async function readRemoteCopy(svc: SvcClient): Promise<InventorySnapshot['remoteCopyGroups']> {
  const groups = await svc.consistencyGroups();
  if (groups.length === 0) return [];
  const relationships = await svc.relationships();
  return groups.map((g) => ({
    name: g.name,
    storageSystem: svc.device,
    state: g.state,
    primary: g.primary === 'master' || g.primary === 'aux' ? g.primary : undefined,
    relationships: relationships
      .filter((r) => r.consistency_group_name === g.name)
      .map((r) => r.name!)
      .sort(),
  }));
}

/** "50.00GB", "1.50TB", "512.00MB" → MB. */
function capacityMb(text: string): number {
  const match = /^([\d.]+)\s*(MB|GB|TB|PB)?$/i.exec(text.trim());
  if (!match) return 0;
  const factor = { MB: 1, GB: 1024, TB: 1024 ** 2, PB: 1024 ** 3 }[(match[2] ?? 'MB').toUpperCase() as 'MB'] ?? 1;
  return Math.round(Number(match[1]) * factor);
}

function byName<T extends { name: string }>(a: T, b: T): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

import { createHash } from 'node:crypto';
import {
  FleetSpecError,
  type ParsedFleetSpec,
  type SystemSpec,
  type VolumeSpec,
  volumeName,
  volumeSizeGb,
} from './fleet-spec.js';

/** The in-memory fleet every simulated device reads and changes. Plain data; behaviour lives in the command and physics modules. */

export type SystemState =
  | 'Operating'
  | 'Power Off'
  | 'Power Off In Progress'
  | 'No Connection'
  | 'Error'
  | 'Incomplete'
  | 'Standby'
  | 'Initializing';
export type LparState =
  | 'Running'
  | 'Starting'
  | 'Not Activated'
  | 'Shutting Down'
  | 'Open Firmware'
  | 'Error'
  | 'Migrating - Running'
  | 'Migrating - Not Activated';
export type RcState =
  | 'consistent_synchronized'
  | 'consistent_stopped'
  | 'consistent_disconnected'
  | 'inconsistent_stopped'
  | 'inconsistent_copying'
  | 'inconsistent_disconnected'
  | 'idling'
  | 'idling_disconnected'
  | 'empty';
export type FcStatus = 'idle_or_copied' | 'preparing' | 'prepared' | 'copying' | 'stopping' | 'stopped';

/** Partition states in which the LPAR holds processors and memory and may write its disks. */
export const ACTIVE_LPAR_STATES: ReadonlySet<LparState> = new Set([
  'Running',
  'Starting',
  'Open Firmware',
  'Shutting Down',
  'Migrating - Running',
]);

export interface Profile {
  name: string;
  /** `ded`: dedicated processors, the *ProcUnits figures are whole cores (one core = 1.0 unit); default shared. */
  procMode?: 'shared' | 'ded';
  minProcUnits: number;
  desiredProcUnits: number;
  maxProcUnits: number;
  minMemMb: number;
  desiredMemMb: number;
  maxMemMb: number;
}

export interface VirtualTargetDevice {
  name: string;
  backingHdisk: string;
  lun: number;
}
export interface ScsiServerAdapter {
  name: string;
  slot: number;
  clientId: number;
  clientName: string;
  targets: VirtualTargetDevice[];
}
export interface FcServerAdapter {
  name: string;
  slot: number;
  clientId: number;
  clientName: string;
  fcPort: string | undefined;
}

export interface ViosConfig {
  hdisks: Map<string, string>; // hdisk name -> vdisk UID
  scsiAdapters: ScsiServerAdapter[];
  fcAdapters: FcServerAdapter[];
  fcPorts: string[];
  nextVtd: number;
}

export interface Partition {
  name: string;
  id: number;
  env: 'aixlinux' | 'vioserver' | 'os400';
  profiles: Profile[];
  currentProfile: string;
  state: LparState;
  rmcState: 'active' | 'inactive' | 'none';
  priority: string;
  volumes: string[];
  adapter: 'vscsi' | 'npiv';
  /** Virtual FC client WWPN pairs, one pair per VIOS in order (an NPIV client adapter per VIOS). */
  clientWwpns: string[][];
  srrCapable: boolean;
  remoteRestartStatus: string;
  migrationState: string;
  vios?: ViosConfig;
  /**
   * What an active partition holds after a DLPAR change (`chhwres`), when that differs from its profile's desired
   * size; cleared at every activation, which takes the profile's desired size again.
   */
  allocation?: { procUnits: number; memMb: number };
}

export interface ManagedSystem {
  name: string;
  site: string;
  /** The first HMC that manages the system (the one its timings are charged to). */
  hmc: string;
  /** Every HMC managing it: one, or a redundant pair; both show the same system and act on it alike. */
  hmcs: string[];
  typeModel: string;
  serial: string;
  state: SystemState;
  /** False once the server lost power: nothing on it runs, whatever the HMC shows. */
  powered: boolean;
  procUnits: number;
  memoryMb: number;
  firmwareMemoryMb: number;
  storage: string;
  wwpns: string[];
  partitions: Partition[];
}

export interface Vdisk {
  id: number;
  name: string;
  uid: string;
  capacityBytes: number;
}
export interface HostObject {
  id: number;
  name: string;
  wwpns: string[];
}
export interface HostMapping {
  id: number;
  hostId: number;
  vdiskId: number;
  scsiId: number;
}
export interface FlashCopyMap {
  id: number;
  name: string;
  sourceVdiskId: number;
  targetVdiskId: number;
  status: FcStatus;
  progress: number;
  copyRate: number;
  autoDelete: boolean;
  /** SVC time stamp (YYMMDDhhmmss) of the last start. */
  startTime?: string;
  /** Bumped by every stop/remove so a pending timed transition knows it is stale. */
  epoch?: number;
}

export interface StorageSystem {
  name: string;
  site: string;
  clusterId: string;
  vdisks: Vdisk[];
  hosts: HostObject[];
  mappings: HostMapping[];
  fcMaps: FlashCopyMap[];
  nextVdiskId: number;
  nextHostId: number;
  nextMappingId: number;
  nextFcMapId: number;
}

export interface RcRelationship {
  id: number;
  name: string;
  masterVdisk: string;
  auxVdisk: string;
  progress: number;
}
export interface RcConsistencyGroup {
  id: number;
  name: string;
  master: string;
  aux: string;
  copyType: 'metro' | 'global';
  state: RcState;
  primary: 'master' | 'aux' | '';
  linkDown: boolean;
  relationships: RcRelationship[];
  /** Bumped by every start/stop so a pending synchronisation timer knows it is stale. */
  syncEpoch?: number;
}

export interface DeviceAccess {
  name: string;
  site: string;
  user: string;
  password: string;
  authorizedKeys: string[];
  maxChannelsPerConnection: number;
}
export interface HmcDevice extends DeviceAccess {
  kind: 'hmc';
  systems: string[];
  maxConcurrentOperations: number;
  /**
   * Systems this HMC has lost its connection to (fault `hmc-connection-lost`) while they keep running: it shows them
   * `No Connection` and refuses commands on them; another HMC managing them is not affected.
   */
  lostSystems: Set<string>;
}
export interface StorageDevice extends DeviceAccess {
  kind: 'svc';
  maxSessions: number;
  maxNewConnectionsPerSecond: number;
  maxUnauthenticatedConnections: number;
}
export type Device = HmcDevice | StorageDevice;

export class FleetModel {
  systems = new Map<string, ManagedSystem>();
  storage = new Map<string, StorageSystem>();
  devices = new Map<string, Device>();
  consistencyGroups: RcConsistencyGroup[] = [];
  private listeners: ((cause: string) => void)[] = [];

  constructor(
    spec: ParsedFleetSpec,
    readonly source = 'fleet',
  ) {
    this.load(spec);
  }

  /** Replaces the whole fleet with the one described by spec (POST /reset). */
  load(spec: ParsedFleetSpec): void {
    const built = buildFleet(spec, this.source);
    this.systems = built.systems;
    this.storage = built.storage;
    this.devices = built.devices;
    this.consistencyGroups = built.consistencyGroups;
  }

  onChange(listener: (cause: string) => void): void {
    this.listeners.push(listener);
  }

  /** Every mutation ends with changed(cause) so the violation log sees it, whoever caused it. */
  changed(cause: string): void {
    for (const listener of this.listeners) listener(cause);
  }

  system(name: string): ManagedSystem | undefined {
    return this.systems.get(name);
  }

  hmcOf(system: ManagedSystem): HmcDevice {
    return this.devices.get(system.hmc) as HmcDevice;
  }

  storageOf(system: ManagedSystem): StorageSystem {
    return this.storage.get(system.storage) as StorageSystem;
  }

  /**
   * Host objects through which the system reaches its volumes: those on its storage that carry one of the system's
   * WWPNs (or are named like it) and still hold a port. A host object whose ports were removed (`rmhostport`, a
   * host-level storage fence) keeps its mappings but gives nobody access to them.
   */
  hostsOfSystem(system: ManagedSystem): HostObject[] {
    return this.storageOf(system).hosts.filter((h) => givesSystemAccess(h, system));
  }

  groupsOf(storageName: string): RcConsistencyGroup[] {
    return this.consistencyGroups.filter((g) => g.master === storageName || g.aux === storageName);
  }

  /** A remote-copy secondary is read-only until its group is stopped with -access (idling). */
  isReadOnlySecondary(storageName: string, volume: string): boolean {
    return this.groupsOf(storageName).some(
      (g) =>
        !g.state.startsWith('idling') &&
        g.state !== 'empty' &&
        g.relationships.some(
          (r) =>
            (g.primary !== 'aux' && g.aux === storageName && r.auxVdisk === volume) ||
            (g.primary === 'aux' && g.master === storageName && r.masterVdisk === volume),
        ),
    );
  }
}

export function isActive(system: ManagedSystem, partition: Partition): boolean {
  return system.powered && ACTIVE_LPAR_STATES.has(partition.state);
}

export function findPartition(system: ManagedSystem, name: string): Partition | undefined {
  return system.partitions.find((p) => p.name === name);
}

/** Volumes by name per storage system; vdisks are only ever added (by ensureVdisk), never removed or renamed. */
const vdiskIndex = new WeakMap<StorageSystem, Map<string, Vdisk>>();

export function vdiskByName(storage: StorageSystem, name: string): Vdisk | undefined {
  let index = vdiskIndex.get(storage);
  if (!index || index.size !== storage.vdisks.length) {
    index = new Map(storage.vdisks.map((v) => [v.name, v]));
    vdiskIndex.set(storage, index);
  }
  return index.get(name);
}

export function nextPartitionId(system: ManagedSystem): number {
  return Math.max(0, ...system.partitions.map((p) => p.id)) + 1;
}

// ---- building from the spec ----

interface BuiltFleet {
  systems: Map<string, ManagedSystem>;
  storage: Map<string, StorageSystem>;
  devices: Map<string, Device>;
  consistencyGroups: RcConsistencyGroup[];
}

function buildFleet(spec: ParsedFleetSpec, source: string): BuiltFleet {
  const fleet: BuiltFleet = { systems: new Map(), storage: new Map(), devices: new Map(), consistencyGroups: [] };
  const npivClients: NpivClients = [];
  for (const site of spec.sites) {
    for (const hmc of site.hmcs) {
      fleet.devices.set(hmc.name, {
        kind: 'hmc',
        name: hmc.name,
        site: site.name,
        user: hmc.user,
        password: hmc.password,
        authorizedKeys: hmc.authorizedKeys,
        maxChannelsPerConnection: hmc.maxChannelsPerConnection,
        systems: hmc.systems,
        maxConcurrentOperations: hmc.maxConcurrentOperations,
        lostSystems: new Set(),
      });
    }
    for (const st of site.storage) {
      fleet.devices.set(st.name, {
        kind: 'svc',
        name: st.name,
        site: site.name,
        user: st.user,
        password: st.password,
        authorizedKeys: st.authorizedKeys,
        maxChannelsPerConnection: st.maxChannelsPerConnection,
        maxSessions: st.maxSessions,
        maxNewConnectionsPerSecond: st.maxNewConnectionsPerSecond,
        maxUnauthenticatedConnections: st.maxUnauthenticatedConnections,
      });
      const storage: StorageSystem = {
        name: st.name,
        site: site.name,
        clusterId: st.clusterId ?? hexDigest(st.name, 16),
        vdisks: [],
        hosts: [],
        mappings: [],
        fcMaps: [],
        nextVdiskId: 0,
        nextHostId: 0,
        nextMappingId: 0,
        nextFcMapId: 0,
      };
      for (const volume of st.volumes) ensureVdisk(storage, volume);
      fleet.storage.set(st.name, storage);
    }
  }
  for (const site of spec.sites) {
    for (const systemSpec of site.systems) {
      const hmcs = spec.sites
        .flatMap((s) => s.hmcs)
        .filter((h) => h.systems.includes(systemSpec.name))
        .map((h) => h.name);
      const storage = fleet.storage.get(systemSpec.storage) as StorageSystem;
      fleet.systems.set(systemSpec.name, buildSystem(systemSpec, site.name, hmcs, storage, npivClients));
    }
  }
  // After every server's own host object, so their ids do not depend on how many NPIV clients come before them.
  for (const { storage, partition } of npivClients) {
    const host: HostObject = {
      id: storage.nextHostId++,
      name: partition.name.slice(0, 63),
      wwpns: partition.clientWwpns.flat(),
    };
    storage.hosts.push(host);
    for (const volume of partition.volumes) {
      const vdisk = vdiskByName(storage, volume);
      if (vdisk) mapVdisk(storage, host, vdisk);
    }
  }
  buildReplication(spec, fleet, source);
  return fleet;
}

/** NPIV clients whose volumes go to a host object of their own (`storageHost: client`), made once all are built. */
type NpivClients = Array<{ storage: StorageSystem; partition: Partition }>;

function buildSystem(
  spec: SystemSpec,
  site: string,
  hmcs: string[],
  storage: StorageSystem,
  npivClients: NpivClients,
): ManagedSystem {
  const wwpns = spec.wwpns ?? [0, 1, 2, 3].map((i) => `C050760${hexDigest(`${spec.name}/${i}`, 9)}`);
  const system: ManagedSystem = {
    name: spec.name,
    site,
    hmc: hmcs[0] ?? '',
    hmcs,
    typeModel: spec.typeModel,
    serial: spec.serial ?? hexDigest(spec.name, 7).toUpperCase(),
    state: spec.state,
    powered: !['Power Off', 'No Connection'].includes(spec.state),
    procUnits: spec.procUnits,
    memoryMb: spec.memoryMb,
    firmwareMemoryMb: spec.firmwareMemoryMb,
    storage: storage.name,
    wwpns,
    partitions: [],
  };
  const host: HostObject = { id: storage.nextHostId++, name: spec.name, wwpns };
  storage.hosts.push(host);
  const usedIds = new Set(
    [...spec.vios, ...spec.lpars].map((p) => p.id).filter((id): id is number => id !== undefined),
  );
  const takeId = (wanted: number | undefined) => {
    if (wanted !== undefined) return wanted;
    let id = 1;
    while (usedIds.has(id)) id++;
    usedIds.add(id);
    return id;
  };
  const up = system.state === 'Operating';
  for (const vios of spec.vios) {
    system.partitions.push({
      name: vios.name,
      id: takeId(vios.id),
      env: 'vioserver',
      profiles: [flatProfile('default_profile', vios.procUnits, vios.memoryMb)],
      currentProfile: 'default_profile',
      state: up ? 'Running' : 'Not Activated',
      rmcState: up ? 'active' : 'inactive',
      priority: 'high',
      volumes: [],
      adapter: 'vscsi',
      clientWwpns: [],
      srrCapable: false,
      remoteRestartStatus: 'Invalid',
      migrationState: 'Not Migrating',
      vios: { hdisks: new Map(), scsiAdapters: [], fcAdapters: [], fcPorts: ['fcs0', 'fcs1'], nextVtd: 0 },
    });
  }
  const mappedAtBuild = new Set<number>();
  for (const lpar of spec.lpars) {
    const running = up && lpar.state === 'Running';
    const partition: Partition = {
      name: lpar.name,
      id: takeId(lpar.id),
      env: lpar.os,
      profiles: [
        {
          name: lpar.profile,
          procMode: lpar.procMode,
          minProcUnits: lpar.procUnits.min ?? lpar.procUnits.desired,
          desiredProcUnits: lpar.procUnits.desired,
          maxProcUnits: lpar.procUnits.max ?? lpar.procUnits.desired,
          minMemMb: lpar.memoryMb.min ?? lpar.memoryMb.desired,
          desiredMemMb: lpar.memoryMb.desired,
          maxMemMb: lpar.memoryMb.max ?? lpar.memoryMb.desired,
        },
      ],
      currentProfile: running ? lpar.profile : '',
      state: running ? 'Running' : 'Not Activated',
      rmcState: running ? 'active' : 'inactive',
      priority: lpar.priority,
      volumes: lpar.volumes.map(volumeName),
      adapter: lpar.adapter,
      clientWwpns: spec.vios.map((_, v) =>
        [0, 1].map((i) => `C050760${hexDigest(`${spec.name}/${lpar.name}/${v}/${i}`, 9)}`),
      ),
      srrCapable: lpar.simplifiedRemoteRestartCapable,
      remoteRestartStatus: running ? 'Remote Restartable' : 'Invalid',
      migrationState: 'Not Migrating',
    };
    system.partitions.push(partition);
    if (lpar.adapter === 'npiv' && lpar.storageHost === 'client') {
      for (const volume of lpar.volumes) ensureVdisk(storage, volume);
      npivClients.push({ storage, partition });
      continue;
    }
    for (const volume of lpar.volumes) {
      // The host is new, so its LUNs are simply numbered in order (mapVdisk would rescan every mapping).
      const vdisk = ensureVdisk(storage, volume);
      if (mappedAtBuild.has(vdisk.id)) continue;
      addMapping(storage, {
        id: storage.nextMappingId++,
        hostId: host.id,
        vdiskId: vdisk.id,
        scsiId: mappedAtBuild.size,
      });
      mappedAtBuild.add(vdisk.id);
    }
  }
  discoverHdisks(system, storage, [host]);
  for (const lpar of system.partitions.filter((p) => p.env !== 'vioserver'))
    presentVolumes(system, storage, lpar, { discover: false });
  return system;
}

function flatProfile(name: string, procUnits: number, memMb: number): Profile {
  return {
    name,
    minProcUnits: procUnits,
    desiredProcUnits: procUnits,
    maxProcUnits: procUnits,
    minMemMb: memMb,
    desiredMemMb: memMb,
    maxMemMb: memMb,
  };
}

export function ensureVdisk(storage: StorageSystem, volume: VolumeSpec): Vdisk {
  const existing = vdiskByName(storage, volumeName(volume));
  if (existing) return existing;
  const id = storage.nextVdiskId++;
  const vdisk: Vdisk = {
    id,
    name: volumeName(volume),
    uid: `60050768${hexDigest(`${storage.name}/${volumeName(volume)}`, 24)}`.toUpperCase(),
    capacityBytes: volumeSizeGb(volume) * 1024 ** 3,
  };
  storage.vdisks.push(vdisk);
  vdiskIndex.get(storage)?.set(vdisk.name, vdisk);
  return vdisk;
}

/**
 * Host ids per vdisk id, per storage system, kept up to date by addMapping/removeMapping (the only
 * writers of storage.mappings) so the violation check and storage checks stay cheap at 48,000 mappings.
 */
interface MappingIndex {
  hostsByVdisk: Map<number, Set<number>>;
  sharedVdisks: number;
}
const mappingIndexes = new WeakMap<StorageSystem, MappingIndex>();

function mappingIndex(storage: StorageSystem): MappingIndex {
  let index = mappingIndexes.get(storage);
  if (!index) {
    index = { hostsByVdisk: new Map(), sharedVdisks: 0 };
    for (const m of storage.mappings) indexMapping(index, m);
    mappingIndexes.set(storage, index);
  }
  return index;
}

function indexMapping(index: MappingIndex, mapping: HostMapping): void {
  let hosts = index.hostsByVdisk.get(mapping.vdiskId);
  if (!hosts) index.hostsByVdisk.set(mapping.vdiskId, (hosts = new Set()));
  hosts.add(mapping.hostId);
  if (hosts.size === 2) index.sharedVdisks++;
}

export function addMapping(storage: StorageSystem, mapping: HostMapping): void {
  storage.mappings.push(mapping);
  indexMapping(mappingIndex(storage), mapping);
}

/**
 * Mappings removed since the violation log last looked, per storage system: removeMapping is the only way a mapping
 * goes (rmvdiskhostmap, the unmap-volume action), so the log sees every unmapping, whoever made it.
 */
const removedMappings = new WeakMap<StorageSystem, HostMapping[]>();

/** The mappings removed from `storage` since the last call (oldest first); the list is emptied. */
export function takeRemovedMappings(storage: StorageSystem): HostMapping[] {
  const removed = removedMappings.get(storage) ?? [];
  removedMappings.delete(storage);
  return removed;
}

/**
 * Whether a host object gives the managed system access to its mappings: it is the system's (named like it or
 * holding one of its WWPNs) and has at least one port left (a host object with no port reaches nothing).
 */
export function givesSystemAccess(host: HostObject, system: ManagedSystem): boolean {
  if (host.wwpns.length === 0) return false;
  return host.name === system.name || host.wwpns.some((w) => system.wwpns.includes(w));
}

/**
 * The host objects that hold one of an NPIV client's virtual WWPNs: through them its volumes reach it on whichever
 * server it runs (the WWPNs move with the partition on a remote restart or LPM).
 */
export function npivHostsOf(storage: StorageSystem, partition: Partition): HostObject[] {
  if (partition.adapter !== 'npiv') return [];
  const wwpns = new Set(partition.clientWwpns.flat());
  return storage.hosts.filter((h) => h.wwpns.some((w) => wwpns.has(w)));
}

/**
 * A host object lost its last port (`rmhostport`): to the violation log its mappings are gone as if unmapped, so a
 * running LPAR behind it that thereby loses its disks is caught like an unmapping would be.
 */
export function recordAccessLost(storage: StorageSystem, host: HostObject): void {
  const cut = storage.mappings.filter((m) => m.hostId === host.id);
  const removed = removedMappings.get(storage);
  if (removed) removed.push(...cut);
  else removedMappings.set(storage, cut);
}

export function removeMapping(storage: StorageSystem, mapping: HostMapping): void {
  const removed = removedMappings.get(storage);
  if (removed) removed.push(mapping);
  else removedMappings.set(storage, [mapping]);
  storage.mappings.splice(storage.mappings.indexOf(mapping), 1);
  const index = mappingIndex(storage);
  const hosts = index.hostsByVdisk.get(mapping.vdiskId);
  if (hosts?.delete(mapping.hostId) && hosts.size === 1) index.sharedVdisks--;
}

/** How many vdisks are mapped to more than one host (usually none: only LPM and mistakes share a volume). */
export function sharedVdiskCount(storage: StorageSystem): number {
  return mappingIndex(storage).sharedVdisks;
}

const NO_HOSTS: ReadonlySet<number> = new Set();

export function hostIdsOfVdisk(storage: StorageSystem, vdiskId: number): ReadonlySet<number> {
  return mappingIndex(storage).hostsByVdisk.get(vdiskId) ?? NO_HOSTS;
}

export function isMappedToAnyOf(storage: StorageSystem, vdiskId: number, hostIds: ReadonlySet<number>): boolean {
  for (const id of hostIdsOfVdisk(storage, vdiskId)) if (hostIds.has(id)) return true;
  return false;
}

export function mapVdisk(storage: StorageSystem, host: HostObject, vdisk: Vdisk, scsiId?: number): HostMapping {
  const existing = storage.mappings.find((m) => m.hostId === host.id && m.vdiskId === vdisk.id);
  if (existing) return existing;
  const used = new Set(storage.mappings.filter((m) => m.hostId === host.id).map((m) => m.scsiId));
  let lun = scsiId ?? 0;
  while (scsiId === undefined && used.has(lun)) lun++;
  const mapping: HostMapping = { id: storage.nextMappingId++, hostId: host.id, vdiskId: vdisk.id, scsiId: lun };
  addMapping(storage, mapping);
  return mapping;
}

/** What `cfgdev` does on each running VIOS: discover every vdisk mapped to the system's host objects as a new hdisk. */
export function discoverHdisks(system: ManagedSystem, storage: StorageSystem, hostsOfSystem: HostObject[]): void {
  const hostIds = new Set(hostsOfSystem.map((h) => h.id));
  const uidById = new Map(storage.vdisks.map((v) => [v.id, v.uid]));
  const uids = storage.mappings
    .filter((m) => hostIds.has(m.hostId))
    .map((m) => uidById.get(m.vdiskId))
    .filter((u): u is string => !!u);
  for (const vios of system.partitions) {
    if (!vios.vios) continue;
    const known = new Set(vios.vios.hdisks.values());
    let next = vios.vios.hdisks.size;
    for (const uid of uids) {
      if (known.has(uid)) continue;
      while (vios.vios.hdisks.has(`hdisk${next}`)) next++;
      vios.vios.hdisks.set(`hdisk${next}`, uid);
      known.add(uid);
    }
  }
}

/** The virtual server adapters (vhost/vfchost) every VIOS of the system holds for a client partition. */
export function createServerAdapters(system: ManagedSystem, lpar: Partition): void {
  for (const vios of system.partitions) {
    const config = vios.vios;
    if (!config) continue;
    const slot = 10 + config.scsiAdapters.length + config.fcAdapters.length;
    const owned = (a: { clientId: number; clientName: string }) => a.clientId === lpar.id && a.clientName === lpar.name;
    if (lpar.adapter === 'npiv' && !config.fcAdapters.some(owned)) {
      config.fcAdapters.push({
        name: `vfchost${config.fcAdapters.length}`,
        slot,
        clientId: lpar.id,
        clientName: lpar.name,
        fcPort: config.fcPorts[0],
      });
    }
    if (lpar.adapter === 'vscsi' && !config.scsiAdapters.some(owned)) {
      config.scsiAdapters.push({
        name: `vhost${config.scsiAdapters.length}`,
        slot,
        clientId: lpar.id,
        clientName: lpar.name,
        targets: [],
      });
    }
  }
}

/** What LPM completion and remote-restart cleanup do on the source: the partition's VIOS adapters (and their mappings) go. */
export function removeServerAdapters(system: ManagedSystem, lpar: Partition): void {
  for (const vios of system.partitions) {
    const config = vios.vios;
    if (!config) continue;
    const owned = (a: { clientId: number; clientName: string }) => a.clientId === lpar.id && a.clientName === lpar.name;
    config.scsiAdapters = config.scsiAdapters.filter((a) => !owned(a));
    config.fcAdapters = config.fcAdapters.filter((a) => !owned(a));
  }
}

/** What the HMC does for a remote restart or LPM (and the YAML loader for the initial state): adapters and target devices on every VIOS. */
export function presentVolumes(
  system: ManagedSystem,
  storage: StorageSystem,
  lpar: Partition,
  options = { discover: true },
): void {
  if (options.discover)
    discoverHdisks(
      system,
      storage,
      storage.hosts.filter((h) => givesSystemAccess(h, system)),
    );
  createServerAdapters(system, lpar);
  if (lpar.adapter === 'npiv') return;
  for (const vios of system.partitions) {
    const config = vios.vios;
    const adapter = config?.scsiAdapters.find((a) => a.clientId === lpar.id && a.clientName === lpar.name);
    if (!config || !adapter) continue;
    const hdiskByUid = new Map([...config.hdisks].map(([hdisk, uid]) => [uid, hdisk]));
    for (const volume of lpar.volumes) {
      const uid = vdiskByName(storage, volume)?.uid;
      const hdisk = uid === undefined ? undefined : hdiskByUid.get(uid);
      if (!hdisk || adapter.targets.some((t) => t.backingHdisk === hdisk)) continue;
      adapter.targets.push({ name: `vtscsi${config.nextVtd++}`, backingHdisk: hdisk, lun: adapter.targets.length + 1 });
    }
  }
}

function buildReplication(spec: ParsedFleetSpec, fleet: BuiltFleet, source: string): void {
  let relationshipId = 0;
  for (const [gi, groupSpec] of spec.remoteCopy.consistencyGroups.entries()) {
    const master = fleet.storage.get(groupSpec.master) as StorageSystem;
    const aux = fleet.storage.get(groupSpec.aux) as StorageSystem;
    const relationships = groupSpec.relationships.map((r, ri) => {
      const masterVdisk = vdiskByName(master, r.master);
      if (!masterVdisk)
        throw new FleetSpecError(
          source,
          ['remoteCopy', 'consistencyGroups', gi, 'relationships', ri, 'master'],
          `volume "${r.master}" does not exist on ${master.name}`,
        );
      ensureVdisk(aux, { name: r.aux, sizeGb: masterVdisk.capacityBytes / 1024 ** 3 });
      const id = relationshipId++;
      return {
        id,
        name: r.name ?? `rcrel${id}`,
        masterVdisk: r.master,
        auxVdisk: r.aux,
        progress: groupSpec.state === 'consistent_synchronized' ? 100 : 0,
      };
    });
    fleet.consistencyGroups.push({
      id: gi,
      name: groupSpec.name,
      master: groupSpec.master,
      aux: groupSpec.aux,
      copyType: groupSpec.copyType,
      state: relationships.length === 0 ? 'empty' : groupSpec.state,
      primary: groupSpec.state === 'idling' ? '' : 'master',
      linkDown: false,
      relationships,
    });
  }
  for (const [fi, fcSpec] of spec.flashCopy.entries()) {
    const storage = fleet.storage.get(fcSpec.storage) as StorageSystem;
    const sourceVdisk = vdiskByName(storage, fcSpec.source);
    if (!sourceVdisk)
      throw new FleetSpecError(
        source,
        ['flashCopy', fi, 'source'],
        `volume "${fcSpec.source}" does not exist on ${storage.name}`,
      );
    const target = ensureVdisk(storage, { name: fcSpec.target, sizeGb: sourceVdisk.capacityBytes / 1024 ** 3 });
    const id = storage.nextFcMapId++;
    storage.fcMaps.push({
      id,
      name: fcSpec.name ?? `fcmap${id}`,
      sourceVdiskId: sourceVdisk.id,
      targetVdiskId: target.id,
      status: 'idle_or_copied',
      progress: 0,
      copyRate: fcSpec.copyRate,
      autoDelete: false,
    });
  }
}

function hexDigest(text: string, length: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length).toUpperCase();
}

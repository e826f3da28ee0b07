import { standInFor } from './dr-rehearsal.js';
import { hmcError } from './hmc-errors.js';
import { type LatencyModel, type LatencyOperation } from './latency.js';
import {
  type FleetModel,
  type FlashCopyMap,
  type ManagedSystem,
  type Partition,
  type Profile,
  type RcConsistencyGroup,
  type StorageSystem,
  findPartition,
  isActive,
  isMappedToAnyOf,
  npivHostsOf,
  mapVdisk,
  nextPartitionId,
  presentVolumes,
  removeServerAdapters,
  vdiskByName,
} from './fleet-model.js';
import { type StuckMigration } from './faults.js';
import { type TimerSet } from './timers.js';

/**
 * How the fleet changes over time: every state transition with its modelled duration. HMC commands,
 * the control API and faults all go through here, and every step ends with model.changed(cause)
 * so the violation log checks the invariants whoever caused the change.
 */
export class Physics {
  constructor(
    private readonly model: FleetModel,
    private readonly latency: LatencyModel,
    private readonly timers: TimerSet,
    private readonly slowFactor: (targets: string[]) => number,
    private readonly stuckMigration: (system: string, lpar: string) => StuckMigration | undefined = () => undefined,
  ) {}

  /** Scaled duration of an operation touching these targets (systems, devices). */
  duration(operation: LatencyOperation, targets: string[], extra = 1): number {
    return this.latency.ms(operation, this.slowFactor(targets), extra);
  }

  sleep(ms: number): Promise<void> {
    return this.timers.sleep(ms);
  }

  private later(operation: LatencyOperation, system: ManagedSystem, action: () => void, extra = 1): void {
    const epoch = systemEpoch(system);
    this.timers.after(this.duration(operation, [system.name, system.hmc], extra), () => {
      if (systemEpoch(system) === epoch) action();
    });
  }

  // ---- capacity and storage checks ----

  profileOf(partition: Partition, name?: string): Profile | undefined {
    const wanted = name ?? partition.currentProfile;
    return (
      partition.profiles.find((p) => p.name === wanted) ?? (name === undefined ? partition.profiles[0] : undefined)
    );
  }

  /** Processing units an active partition holds: a DLPAR allocation, else its current profile's desired units. */
  heldProcUnits(partition: Partition): number {
    return partition.allocation?.procUnits ?? this.profileOf(partition)?.desiredProcUnits ?? 0;
  }

  /** Memory (MB) an active partition holds: a DLPAR allocation, else its current profile's desired memory. */
  heldMemoryMb(partition: Partition): number {
    return partition.allocation?.memMb ?? this.profileOf(partition)?.desiredMemMb ?? 0;
  }

  usedProcUnits(system: ManagedSystem): number {
    return system.partitions.filter((p) => isActive(system, p)).reduce((sum, p) => sum + this.heldProcUnits(p), 0);
  }

  usedMemoryMb(system: ManagedSystem): number {
    return system.partitions.filter((p) => isActive(system, p)).reduce((sum, p) => sum + this.heldMemoryMb(p), 0);
  }

  availableProcUnits(system: ManagedSystem): number {
    return round2(system.procUnits - this.usedProcUnits(system));
  }

  availableMemoryMb(system: ManagedSystem): number {
    return system.memoryMb - system.firmwareMemoryMb - this.usedMemoryMb(system);
  }

  /** Volumes of the partition that are not mapped to the system's host or not presented by a running VIOS. */
  missingVolumes(system: ManagedSystem, partition: Partition): string[] {
    const storage = this.model.storageOf(system);
    // An NPIV client also reaches the volumes of a host object made of its own virtual WWPNs.
    const hostIds = new Set([...this.model.hostsOfSystem(system), ...npivHostsOf(storage, partition)].map((h) => h.id));
    const vioses = system.partitions.filter((p) => p.vios && isActive(system, p) && p.state === 'Running');
    return partition.volumes.filter((volume) => {
      const vdisk = vdiskByName(storage, volume);
      if (!vdisk || !isMappedToAnyOf(storage, vdisk.id, hostIds)) return true;
      // A DR rehearsal's started FlashCopy copy stands in for a read-only secondary (dr-rehearsal.ts).
      if (this.model.isReadOnlySecondary(storage.name, volume) && !standInFor(this.model, system, volume)) return true;
      if (partition.adapter === 'npiv') {
        return !vioses.some((v) =>
          v.vios?.fcAdapters.some((a) => a.clientId === partition.id && a.fcPort !== undefined),
        );
      }
      return !vioses.some((v) =>
        v.vios?.scsiAdapters.some(
          (a) => a.clientId === partition.id && a.targets.some((t) => v.vios?.hdisks.get(t.backingHdisk) === vdisk.uid),
        ),
      );
    });
  }

  private assertCanActivate(system: ManagedSystem, partition: Partition, profile: Profile): void {
    const procUnits = this.availableProcUnits(system);
    if (procUnits + 1e-9 < profile.desiredProcUnits)
      throw hmcError.insufficientProcessors(partition.name, profile.desiredProcUnits, procUnits);
    const memory = this.availableMemoryMb(system);
    if (memory < profile.desiredMemMb) throw hmcError.insufficientMemory(partition.name, profile.desiredMemMb, memory);
    const missing = this.missingVolumes(system, partition);
    if (missing.length > 0) throw hmcError.storageNotAvailable(partition.name, system.name, missing);
  }

  // ---- partitions ----

  /**
   * Activates a partition: Not Activated -> Starting -> Running (Open Firmware for -b sms).
   * With bypassChecks (test-only control action) it starts even without capacity or disks, and
   * the violation log records what that broke.
   */
  activate(
    system: ManagedSystem,
    partition: Partition,
    options: {
      profile?: string;
      sms?: boolean;
      bypassChecks?: boolean;
      cause: string;
      onStartedWithoutDisks?: (missing: string[]) => void;
    },
  ): void {
    if (system.state !== 'Operating' && !options.bypassChecks)
      throw hmcError.systemNotOperating(system.name, system.state);
    if (partition.state !== 'Not Activated') throw hmcError.partitionWrongState(partition.name, partition.state);
    const profile = this.profileOf(partition, options.profile);
    if (!profile) throw hmcError.profileNotFound(options.profile ?? '', partition.name);
    const missing = this.missingVolumes(system, partition);
    if (!options.bypassChecks) this.assertCanActivate(system, partition, profile);
    partition.currentProfile = profile.name;
    delete partition.allocation;
    partition.state = 'Starting';
    if (partition.remoteRestartStatus === 'Invalid') partition.remoteRestartStatus = 'Remote Restartable';
    if (missing.length > 0) options.onStartedWithoutDisks?.(missing);
    this.model.changed(options.cause);
    this.later('lparBoot', system, () => {
      if (partition.state !== 'Starting') return;
      partition.state = options.sms ? 'Open Firmware' : 'Running';
      partition.rmcState = options.sms ? 'inactive' : 'active';
      this.model.changed(`time: ${system.name}/${partition.name} ${partition.state}`);
    });
  }

  shutdown(system: ManagedSystem, partition: Partition, immediate: boolean, cause: string): void {
    if (system.state !== 'Operating') throw hmcError.systemNotOperating(system.name, system.state);
    if (!['Running', 'Starting', 'Open Firmware'].includes(partition.state))
      throw hmcError.partitionWrongState(partition.name, partition.state);
    partition.state = 'Shutting Down';
    this.model.changed(cause);
    this.later(immediate ? 'lparShutdownImmediate' : 'lparShutdownDelayed', system, () => {
      if (partition.state !== 'Shutting Down') return;
      partition.state = 'Not Activated';
      partition.rmcState = 'inactive';
      this.model.changed(`time: ${system.name}/${partition.name} Not Activated`);
    });
  }

  // ---- managed systems ----

  /** chsysstate -r sys -o off: Power Off In Progress -> Power Off; every partition stops. */
  powerOff(system: ManagedSystem, immediate: boolean, cause: string): void {
    if (['Power Off', 'Power Off In Progress', 'No Connection', 'Incomplete', 'Initializing'].includes(system.state)) {
      throw hmcError.systemNotOperating(system.name, system.state);
    }
    // Powering off a system already in Error (a fence) keeps what was active when it failed: a crash that stopped
    // every partition must not make them look owner-stopped to rrstartlpar.
    if (system.state !== 'Error') recordActiveAtFailure(system);
    system.state = 'Power Off In Progress';
    this.model.changed(cause);
    this.later(immediate ? 'systemPowerOffImmediate' : 'systemPowerOffNormal', system, () => {
      system.state = 'Power Off';
      system.powered = false;
      this.killPartitions(system);
      this.model.changed(`time: ${system.name} Power Off`);
    });
  }

  /** chsysstate -r sys -o on: Initializing -> Operating, VIOS partitions come up. */
  powerOn(system: ManagedSystem, cause: string): void {
    if (system.state !== 'Power Off') throw hmcError.systemNotOperating(system.name, system.state);
    system.state = 'Initializing';
    system.powered = true;
    bumpEpoch(system);
    this.model.changed(cause);
    this.later('systemPowerOffImmediate', system, () => {
      system.state = 'Operating';
      this.bootVioses(system);
      this.model.changed(`time: ${system.name} Operating`);
    });
  }

  /** Fault: the server loses power. Everything on it dies; the HMC loses its FSP connection. */
  losePower(system: ManagedSystem, cause: string): void {
    bumpEpoch(system);
    recordActiveAtFailure(system);
    system.powered = false;
    system.state = 'No Connection';
    this.killPartitions(system);
    this.model.changed(cause);
  }

  /** Fault recovery: power is back; the system comes up Operating with its VIOS running and client LPARs not activated. */
  restorePower(system: ManagedSystem, cause: string): void {
    bumpEpoch(system);
    system.powered = true;
    system.state = 'Operating';
    this.bootVioses(system);
    this.model.changed(cause);
  }

  /**
   * Fault: the system enters Error. Its partitions keep running (or not) unseen: the HMC lists them as Not Available
   * (IBM HMC help, partition states) until the system leaves Error, then shows their real state again.
   */
  enterError(system: ManagedSystem, cause: string, options: { partitionsLost?: boolean } = {}): void {
    if (system.state !== 'Error') recordActiveAtFailure(system);
    system.state = 'Error';
    // A crash of the platform (checkstop, hypervisor terminated): the server stays powered but nothing runs on it,
    // so its VIOS release the FC ports. The HMC still shows the partitions Not Available.
    if (options.partitionsLost) this.killPartitions(system);
    this.model.changed(cause);
  }

  /**
   * The system leaves Error. After a crash that stopped every partition (host-error with partitions lost) it has been
   * restarted: its VIOS come up (they are auto-start partitions), its client LPARs stay Not Activated.
   */
  leaveError(system: ManagedSystem, cause: string): void {
    if (system.state === 'Error') {
      system.state = system.powered ? 'Operating' : 'Power Off';
      const viosDown = !system.partitions.some((p) => p.vios && isActive(system, p));
      if (system.powered && viosDown) {
        bumpEpoch(system);
        this.bootVioses(system);
      }
    }
    this.model.changed(cause);
  }

  private killPartitions(system: ManagedSystem): void {
    for (const partition of system.partitions) {
      partition.state = 'Not Activated';
      partition.rmcState = 'inactive';
    }
  }

  private bootVioses(system: ManagedSystem): void {
    for (const partition of system.partitions) {
      if (!partition.vios) continue;
      partition.state = 'Running';
      partition.rmcState = 'active';
    }
  }

  // ---- remote restart and mobility ----

  remoteRestartCheck(source: ManagedSystem, target: ManagedSystem, partition: Partition): Profile {
    if (
      ![
        'Power Off In Progress',
        'Power Off',
        'Error',
        'Error - Dump In Progress',
        'Initializing',
        'No Connection',
      ].includes(source.state)
    ) {
      throw hmcError.remoteRestartSourceState(source.name, source.state);
    }
    if (target.state !== 'Operating') throw hmcError.remoteRestartTargetState(target.name, target.state);
    if (partition.remoteRestartStatus === 'Source Remote Restarting') {
      throw hmcError.remoteRestartInProgress(partition.name);
    }
    if (!partition.srrCapable || partition.remoteRestartStatus !== 'Remote Restartable')
      throw hmcError.remoteRestartNotCapable(partition.name, partition.remoteRestartStatus);
    // IBM "Remote restart states": Remote Restartable is reached once the partition is started and running; a
    // partition that was shut down before its server failed is not restarted elsewhere (Lazarus must not revive it).
    if (activeAtFailure.get(partition) === false) {
      throw hmcError.remoteRestartNotRunningAtFailure(partition.name, source.name);
    }
    if (findPartition(target, partition.name)) throw hmcError.nameInUse(partition.name, target.name);
    const profile = this.profileOf(partition) as Profile;
    const procUnits = this.availableProcUnits(target);
    if (procUnits + 1e-9 < profile.desiredProcUnits)
      throw hmcError.insufficientProcessors(partition.name, profile.desiredProcUnits, procUnits);
    const memory = this.availableMemoryMb(target);
    if (memory < profile.desiredMemMb) throw hmcError.insufficientMemory(partition.name, profile.desiredMemMb, memory);
    const unmapped = this.unmappedVolumes(target, partition);
    if (unmapped.length > 0) throw hmcError.storageNotAvailable(partition.name, target.name, unmapped);
    return profile;
  }

  private unmappedVolumes(target: ManagedSystem, partition: Partition): string[] {
    const storage = this.model.storageOf(target);
    // An NPIV client also reaches the volumes of a host object made of its own virtual WWPNs.
    const hostIds = new Set([...this.model.hostsOfSystem(target), ...npivHostsOf(storage, partition)].map((h) => h.id));
    return partition.volumes.filter((volume) => {
      const vdisk = vdiskByName(storage, volume);
      return !vdisk || !isMappedToAnyOf(storage, vdisk.id, hostIds);
    });
  }

  /** The partition is rebuilt on the target (with its VIOS mappings, as the HMC does) and booted there. */
  remoteRestart(source: ManagedSystem, target: ManagedSystem, partition: Partition, cause: string): Partition {
    const profile = this.remoteRestartCheck(source, target, partition);
    partition.remoteRestartStatus = 'Remote Restarted';
    const moved = this.copyPartition(target, partition, profile);
    moved.remoteRestartStatus = 'Remote Restartable';
    presentVolumes(target, this.model.storageOf(target), moved);
    this.activate(target, moved, { profile: profile.name, cause });
    return moved;
  }

  private copyPartition(target: ManagedSystem, partition: Partition, profile: Profile): Partition {
    const copy: Partition = {
      ...partition,
      id: nextPartitionId(target),
      profiles: partition.profiles.map((p) => ({ ...p })),
      currentProfile: profile.name,
      state: 'Not Activated',
      rmcState: 'inactive',
      volumes: [...partition.volumes],
      clientWwpns: partition.clientWwpns.map((pair) => [...pair]),
      migrationState: 'Not Migrating',
    };
    target.partitions.push(copy);
    return copy;
  }

  migrationCheck(source: ManagedSystem, target: ManagedSystem, partition: Partition): void {
    if (source.state !== 'Operating') throw hmcError.systemNotOperating(source.name, source.state);
    if (target.state !== 'Operating') throw hmcError.systemNotOperating(target.name, target.state);
    if (
      partition.env === 'vioserver' ||
      !['Running', 'Not Activated'].includes(partition.state) ||
      partition.migrationState !== 'Not Migrating'
    ) {
      throw hmcError.migrationState(partition.name, partition.state);
    }
    if (findPartition(target, partition.name)) throw hmcError.nameInUse(partition.name, target.name);
    if (partition.state === 'Running') {
      // A running partition moves with what it holds (its DLPAR allocation when it was resized).
      const procUnits = this.availableProcUnits(target);
      const wantedProc = this.heldProcUnits(partition);
      if (procUnits + 1e-9 < wantedProc) throw hmcError.insufficientProcessors(partition.name, wantedProc, procUnits);
      const memory = this.availableMemoryMb(target);
      const wantedMem = this.heldMemoryMb(partition);
      if (memory < wantedMem) throw hmcError.insufficientMemory(partition.name, wantedMem, memory);
    }
    const unmapped = this.unmappedVolumes(target, partition);
    if (unmapped.length > 0) throw hmcError.storageNotAvailable(partition.name, target.name, unmapped);
  }

  /** LPM: the call is held for the memory copy; the partition shows Migrating - Running until it switches over. */
  async migrate(
    source: ManagedSystem,
    target: ManagedSystem,
    partition: Partition,
    cause: string,
    stopped: () => boolean,
  ): Promise<'done' | 'stopped' | { failed: string }> {
    this.migrationCheck(source, target, partition);
    const wasRunning = partition.state === 'Running';
    const profile = this.profileOf(partition) as Profile;
    partition.state = wasRunning ? 'Migrating - Running' : 'Migrating - Not Activated';
    partition.migrationState = 'Migration In Progress';
    this.model.changed(cause);
    const gb = wasRunning ? this.heldMemoryMb(partition) / 1024 : 0;
    await this.sleep(
      this.duration('migrationSetup', [source.name, target.name, source.hmc]) +
        this.duration('migrationPerGbMemory', [source.name, target.name, source.hmc], gb),
    );
    const stuck = stopped() ? undefined : this.stuckMigration(source.name, partition.name);
    if (stuck) {
      this.model.changed(`${cause} (stuck mid-migration: fault)`);
      if (stuck.message !== undefined) return { failed: stuck.message };
      // Hung: until the migration is stopped or recovered (`migrlpar -o s|r`), or the fault deleted (it goes on).
      while (partition.migrationState === 'Migration In Progress' && !stopped() && stuck.active())
        await this.sleep(Math.max(5, this.duration('hmcQuery', [source.name, source.hmc])));
    }
    if (stopped() || partition.migrationState !== 'Migration In Progress') {
      if (partition.migrationState !== 'Not Migrating') this.endMigration(partition, wasRunning);
      this.model.changed(`${cause} (stopped)`);
      return 'stopped';
    }
    const moved = this.copyPartition(target, partition, profile);
    presentVolumes(target, this.model.storageOf(target), moved);
    moved.state = wasRunning ? 'Running' : 'Not Activated';
    moved.rmcState = wasRunning ? 'active' : 'inactive';
    source.partitions.splice(source.partitions.indexOf(partition), 1);
    removeServerAdapters(source, partition);
    this.model.changed(`${cause} (completed)`);
    return 'done';
  }

  endMigration(partition: Partition, wasRunning: boolean): void {
    partition.state = wasRunning ? 'Running' : 'Not Activated';
    partition.migrationState = 'Not Migrating';
  }

  // ---- FlashCopy ----

  /** preparing -> prepared after the cache flush; resolves when the map is prepared (or was stopped meanwhile). */
  async prepareFlashCopy(storage: StorageSystem, map: FlashCopyMap, cause: string): Promise<void> {
    map.status = 'preparing';
    const epoch = (map.epoch = (map.epoch ?? 0) + 1);
    this.model.changed(cause);
    await this.sleep(this.duration('flashCopyPrepare', [storage.name]));
    if (map.epoch !== epoch || map.status !== 'preparing') return;
    map.status = 'prepared';
    this.model.changed(`time: ${storage.name} FlashCopy ${map.name} prepared`);
  }

  /** copying; with a copy rate above 0 the background copy ends in idle_or_copied (removed with -autodelete). */
  startFlashCopy(storage: StorageSystem, map: FlashCopyMap, cause: string): void {
    map.status = 'copying';
    map.progress = 0;
    map.startTime = svcTimestamp(new Date());
    const epoch = (map.epoch = (map.epoch ?? 0) + 1);
    this.model.changed(cause);
    if (map.copyRate === 0) return;
    this.timers.after(this.duration('flashCopyCopy', [storage.name], 50 / map.copyRate), () => {
      if (map.epoch !== epoch || map.status !== 'copying') return;
      map.status = 'idle_or_copied';
      map.progress = 100;
      if (map.autoDelete) storage.fcMaps.splice(storage.fcMaps.indexOf(map), 1);
      this.model.changed(`time: ${storage.name} FlashCopy ${map.name} copied`);
    });
  }

  // ---- remote copy ----

  /**
   * Starts (or restarts) replication: from consistent_stopped the group stays consistent while it catches up
   * (resync time); otherwise it copies inconsistently (initial sync time). Both end in consistent_synchronized.
   */
  startReplication(group: RcConsistencyGroup, primary: 'master' | 'aux', cause: string): void {
    const wasConsistent = group.state === 'consistent_stopped';
    group.primary = primary;
    if (!wasConsistent) group.state = 'inconsistent_copying';
    this.model.changed(cause);
    const marker = (group.syncEpoch = (group.syncEpoch ?? 0) + 1);
    this.timers.after(
      this.duration(wasConsistent ? 'replicationResync' : 'replicationInitialSync', [
        group.name,
        group.master,
        group.aux,
      ]),
      () => {
        if (group.syncEpoch !== marker || group.linkDown) return;
        if (group.state !== 'inconsistent_copying' && group.state !== 'consistent_stopped') return;
        group.state = 'consistent_synchronized';
        for (const relationship of group.relationships) relationship.progress = 100;
        this.model.changed(`time: ${group.name} consistent_synchronized`);
      },
    );
    if (!wasConsistent) for (const relationship of group.relationships) relationship.progress = 0;
  }

  disconnectReplication(group: RcConsistencyGroup, cause: string): void {
    group.linkDown = true;
    group.syncEpoch = (group.syncEpoch ?? 0) + 1;
    const disconnected: Record<string, RcConsistencyGroup['state']> = {
      consistent_synchronized: 'consistent_disconnected',
      consistent_stopped: 'consistent_disconnected',
      consistent_copying: 'consistent_disconnected',
      inconsistent_copying: 'inconsistent_disconnected',
      inconsistent_stopped: 'inconsistent_disconnected',
      idling: 'idling_disconnected',
    };
    group.state = disconnected[group.state] ?? group.state;
    this.model.changed(cause);
  }

  reconnectReplication(group: RcConsistencyGroup, cause: string): void {
    group.linkDown = false;
    const reconnected: Record<string, RcConsistencyGroup['state']> = {
      consistent_disconnected: 'consistent_stopped',
      inconsistent_disconnected: 'inconsistent_stopped',
      idling_disconnected: 'idling',
    };
    group.state = reconnected[group.state] ?? group.state;
    this.model.changed(cause);
  }
}

/** Test-only and fault paths that place a partition directly, bypassing the HMC. */
export function mapAllVolumes(model: FleetModel, system: ManagedSystem, partition: Partition): void {
  const storage = model.storageOf(system);
  const host = model.hostsOfSystem(system)[0];
  if (!host) return;
  for (const volume of partition.volumes) {
    const vdisk = vdiskByName(storage, volume);
    if (vdisk) mapVdisk(storage, host, vdisk);
  }
  presentVolumes(system, storage, partition);
}

/** Whether each partition was active when its system last failed (lost power, entered Error, or was powered off). */
const activeAtFailure = new WeakMap<Partition, boolean>();
function recordActiveAtFailure(system: ManagedSystem): void {
  for (const partition of system.partitions) activeAtFailure.set(partition, isActive(system, partition));
}

const epochs = new WeakMap<ManagedSystem, number>();
function systemEpoch(system: ManagedSystem): number {
  return epochs.get(system) ?? 0;
}
function bumpEpoch(system: ManagedSystem): void {
  epochs.set(system, systemEpoch(system) + 1);
}

function svcTimestamp(date: Date): string {
  return date.toISOString().replace(/[-:T]/g, '').slice(2, 14);
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

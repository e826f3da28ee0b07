// The Spectrum Virtualize (SVC / FlashSystem) driver: volumes, hosts, volume-to-host mappings, remote-copy
// consistency groups and relationships, FlashCopy mappings. Changes are idempotent: mapping what is mapped,
// unmapping what is not, creating a host that exists with the same ports, starting a running group all succeed
// with `changed: false`. Commands go through the device pool (a few connections, many channels each).
import type { DevicePool } from '../ssh/device-pool.js';
import { safeName } from '../hmc/names.js';
import type { Outcome } from '../hmc/hmc-client.js';
import { createdId, parseConcise, parseDetailed } from './svc-output.js';
import { SvcError, svcFailure } from './svc-errors.js';

export interface Volume {
  id: number;
  name: string;
  status: string;
  capacity: string;
  uid: string;
  rcName: string;
  fcMapCount: number;
}

export interface StorageHost {
  id: number;
  name: string;
  portCount: number;
  status: string;
}

export interface VolumeMapping {
  volume: string;
  volumeUid: string;
  host: string;
  scsiId: number;
}

export interface ConsistencyGroup {
  id: number;
  name: string;
  masterCluster: string;
  auxCluster: string;
  primary: string;
  state: string;
  relationshipCount: number;
  copyType: string;
}

export interface FlashCopyMapping {
  id: number;
  name: string;
  source: string;
  target: string;
  status: string;
  progress: number;
  copyRate: number;
}

const NOT_FOUND = new Set(['CMMVC5753E', 'CMMVC5754E', 'CMMVC5804E']);

export class SvcClient {
  constructor(readonly pool: DevicePool) {}

  get device(): string {
    return this.pool.target.name;
  }

  async run(command: string, timeoutMs?: number): Promise<string> {
    const result = await this.pool.exec(command, timeoutMs);
    const failure = svcFailure(this.device, command, result);
    if (failure && !(failure.code?.endsWith('W') && result.exitCode === 0)) throw failure;
    return result.stdout;
  }

  private name(what: string, value: string): string {
    return safeName(this.device, what, value);
  }

  private async list(command: string): Promise<Array<Record<string, string>>> {
    return parseConcise(this.device, command, await this.run(command));
  }

  /** Runs a lookup; an unknown object (CMMVC5753E/5754E/5804E) gives undefined. */
  private async orUndefined<T>(lookup: () => Promise<T>): Promise<T | undefined> {
    try {
      return await lookup();
    } catch (err) {
      if (err instanceof SvcError && err.code && NOT_FOUND.has(err.code)) return undefined;
      throw err;
    }
  }

  // ---- volumes and hosts ---------------------------------------------------------------------------------------

  async listVolumes(filter?: { name?: string }): Promise<Volume[]> {
    const command = `lsvdisk -delim :${filter?.name ? ` -filtervalue name=${this.name('volume', filter.name)}` : ''}`;
    return (await this.list(command)).map((r) => ({
      id: Number(r.id),
      name: r.name!,
      status: r.status ?? '',
      capacity: r.capacity ?? '',
      uid: r.vdisk_UID ?? '',
      rcName: r.RC_name ?? '',
      fcMapCount: Number(r.fc_map_count ?? 0),
    }));
  }

  async volume(name: string): Promise<Volume | undefined> {
    const [volume] = await this.listVolumes({ name });
    return volume;
  }

  async listHosts(): Promise<StorageHost[]> {
    return (await this.list('lshost -delim :')).map((r) => ({ id: Number(r.id), name: r.name!, portCount: Number(r.port_count ?? 0), status: r.status ?? '' }));
  }

  /** A host's detail: status and WWPNs (one per port block), or undefined when unknown. */
  async host(name: string): Promise<{ name: string; status: string; wwpns: string[] } | undefined> {
    return this.orUndefined(async () => {
      const { fields, blocks } = parseDetailed(await this.run(`lshost -delim : ${this.name('host', name)}`));
      const wwpns = blocks.flatMap((block) => (block.WWPN ? [block.WWPN.toUpperCase()] : []));
      return { name: fields.name ?? name, status: fields.status ?? '', wwpns };
    });
  }

  /** Creates a host object with these FC WWPNs; one that exists with the same WWPNs is a no-op. */
  async createHost(name: string, wwpns: string[]): Promise<Outcome> {
    const wanted = wwpns.map((w) => this.name('WWPN', w).toUpperCase());
    const existing = await this.host(name);
    if (existing) {
      const same = existing.wwpns.length === wanted.length && wanted.every((w) => existing.wwpns.includes(w));
      if (same) return { changed: false, detail: `host ${name} already exists with these WWPNs` };
      throw new SvcError(this.device, 'mkhost', 'CMMVC6035E', `host ${name} exists with other WWPNs (${existing.wwpns.join(', ')}); refusing to change it`, false);
    }
    const command = `mkhost -name ${this.name('host', name)} -fcwwpn ${wanted.join(':')} -force`;
    const id = createdId(this.device, command, await this.run(command));
    return { changed: true, detail: `host ${name} created with id ${id}` };
  }

  // ---- mappings ------------------------------------------------------------------------------------------------

  async volumeMappings(volume: string): Promise<VolumeMapping[]> {
    const rows = await this.orUndefined(() => this.list(`lsvdiskhostmap -delim : ${this.name('volume', volume)}`));
    if (rows === undefined) throw new SvcError(this.device, 'lsvdiskhostmap', 'CMMVC5754E', `volume ${volume} does not exist`, false);
    return rows.map((r) => ({ volume: r.name!, volumeUid: r.vdisk_UID ?? '', host: r.host_name!, scsiId: Number(r.SCSI_id) }));
  }

  async hostMappings(host: string): Promise<VolumeMapping[]> {
    const rows = await this.orUndefined(() => this.list(`lshostvdiskmap -delim : ${this.name('host', host)}`));
    if (rows === undefined) throw new SvcError(this.device, 'lshostvdiskmap', 'CMMVC5753E', `host ${host} does not exist`, false);
    return rows.map((r) => ({ volume: r.vdisk_name!, volumeUid: r.vdisk_UID ?? '', host: r.name!, scsiId: Number(r.SCSI_id) }));
  }

  /**
   * Maps a volume to a host. `shared` adds -force, allowing a volume that is still mapped elsewhere (the failed
   * host's mappings are removed by fencing; a cluster's shared disks need it). Already mapped is a no-op.
   */
  async mapVolume(volume: string, host: string, options: { shared?: boolean; scsiId?: number } = {}): Promise<Outcome> {
    const mappings = await this.volumeMappings(volume);
    const mine = mappings.find((m) => m.host === host);
    if (mine) return { changed: false, detail: `${volume} already mapped to ${host} (SCSI id ${mine.scsiId})` };
    const parts = ['mkvdiskhostmap'];
    if (options.shared) parts.push('-force');
    parts.push(`-host ${this.name('host', host)}`);
    if (options.scsiId !== undefined) parts.push(`-scsi ${options.scsiId}`);
    parts.push(this.name('volume', volume));
    const command = parts.join(' ');
    try {
      const id = createdId(this.device, command, await this.run(command));
      return { changed: true, detail: `${volume} mapped to ${host} (map id ${id})` };
    } catch (err) {
      // CMMVC5878E: mapped to this host meanwhile (a retry whose first answer was lost).
      if (err instanceof SvcError && err.code === 'CMMVC5878E') return { changed: false, detail: `${volume} already mapped to ${host}` };
      throw err;
    }
  }

  /** Removes a volume's mapping to a host. Not mapped is a no-op. */
  async unmapVolume(volume: string, host: string): Promise<Outcome> {
    const command = `rmvdiskhostmap -host ${this.name('host', host)} ${this.name('volume', volume)}`;
    try {
      await this.run(command);
      return { changed: true, detail: `${volume} unmapped from ${host}` };
    } catch (err) {
      if (err instanceof SvcError && err.code && NOT_FOUND.has(err.code)) {
        const volumeExists = await this.volume(volume);
        if (!volumeExists) throw err;
        return { changed: false, detail: `${volume} was not mapped to ${host}` };
      }
      throw err;
    }
  }

  // ---- remote copy ---------------------------------------------------------------------------------------------

  async consistencyGroups(): Promise<ConsistencyGroup[]> {
    return (await this.list('lsrcconsistgrp -delim :')).map(toGroup);
  }

  async consistencyGroup(name: string): Promise<ConsistencyGroup | undefined> {
    return this.orUndefined(async () => {
      const { fields } = parseDetailed(await this.run(`lsrcconsistgrp -delim : ${this.name('consistency group', name)}`));
      return toGroup(fields);
    });
  }

  async relationships(): Promise<Array<Record<string, string>>> {
    return this.list('lsrcrelationship -delim :');
  }

  /** Starts (or restarts) replication of a group. Already copying/synchronized with that primary is a no-op. */
  async startConsistencyGroup(name: string, options: { primary?: 'master' | 'aux'; force?: boolean } = {}): Promise<Outcome> {
    const group = await this.requireGroup(name);
    const running = ['consistent_synchronized', 'inconsistent_copying', 'consistent_copying'].includes(group.state);
    if (running && (!options.primary || options.primary === group.primary)) return { changed: false, detail: `${name} is already ${group.state}` };
    const parts = ['startrcconsistgrp'];
    if (options.primary) parts.push(`-primary ${options.primary}`);
    if (options.force) parts.push('-force');
    parts.push(this.name('consistency group', name));
    await this.run(parts.join(' '));
    return { changed: true, detail: `${name} started${options.primary ? ` with primary ${options.primary}` : ''} (was ${group.state})` };
  }

  /** Stops replication; with `access` the secondary becomes writable (idling). Already stopped that way is a no-op. */
  async stopConsistencyGroup(name: string, options: { access?: boolean } = {}): Promise<Outcome> {
    const group = await this.requireGroup(name);
    const done = options.access ? group.state.startsWith('idling') : group.state.endsWith('_stopped') || group.state.startsWith('idling');
    if (done) return { changed: false, detail: `${name} is already ${group.state}` };
    await this.run(`stoprcconsistgrp${options.access ? ' -access' : ''} ${this.name('consistency group', name)}`);
    return { changed: true, detail: `${name} stopped${options.access ? ' with access' : ''} (was ${group.state})` };
  }

  /** Planned swap of replication direction. Already that primary is a no-op. */
  async switchConsistencyGroup(name: string, primary: 'master' | 'aux'): Promise<Outcome> {
    const group = await this.requireGroup(name);
    if (group.primary === primary) return { changed: false, detail: `${name} already has primary ${primary}` };
    await this.run(`switchrcconsistgrp -primary ${primary} ${this.name('consistency group', name)}`);
    return { changed: true, detail: `${name} switched to primary ${primary}` };
  }

  private async requireGroup(name: string): Promise<ConsistencyGroup> {
    const group = await this.consistencyGroup(name);
    if (!group) throw new SvcError(this.device, 'lsrcconsistgrp', 'CMMVC5804E', `consistency group ${name} does not exist`, false);
    return group;
  }

  // ---- FlashCopy -----------------------------------------------------------------------------------------------

  async flashCopyMappings(): Promise<FlashCopyMapping[]> {
    return (await this.list('lsfcmap -delim :')).map((r) => ({
      id: Number(r.id),
      name: r.name!,
      source: r.source_vdisk_name!,
      target: r.target_vdisk_name!,
      status: r.status ?? '',
      progress: Number(r.progress ?? 0),
      copyRate: Number(r.copy_rate ?? 0),
    }));
  }

  /** Creates a FlashCopy mapping source → target; an existing mapping between the same volumes is reused. */
  async createFlashCopy(source: string, target: string, options: { copyRate?: number; name?: string } = {}): Promise<{ id: number; changed: boolean }> {
    const existing = (await this.flashCopyMappings()).find((m) => m.source === source && m.target === target);
    if (existing) return { id: existing.id, changed: false };
    const parts = [`mkfcmap -source ${this.name('volume', source)} -target ${this.name('volume', target)}`];
    if (options.copyRate !== undefined) parts.push(`-copyrate ${Math.trunc(options.copyRate)}`);
    if (options.name) parts.push(`-name ${this.name('FlashCopy mapping', options.name)}`);
    const command = parts.join(' ');
    return { id: createdId(this.device, command, await this.run(command)), changed: true };
  }

  async startFlashCopy(id: number): Promise<Outcome> {
    const mapping = (await this.flashCopyMappings()).find((m) => m.id === id);
    if (!mapping) throw new SvcError(this.device, 'startfcmap', 'CMMVC5753E', `FlashCopy mapping ${id} does not exist`, false);
    if (mapping.status === 'copying' || mapping.status === 'preparing') return { changed: false, detail: `mapping ${id} is already ${mapping.status}` };
    await this.run(mapping.status === 'prepared' ? `startfcmap ${Math.trunc(id)}` : `startfcmap -prep ${Math.trunc(id)}`);
    return { changed: true, detail: `mapping ${id} started` };
  }

  async stopFlashCopy(id: number): Promise<Outcome> {
    const mapping = (await this.flashCopyMappings()).find((m) => m.id === id);
    if (!mapping || ['stopped', 'idle_or_copied'].includes(mapping.status)) return { changed: false, detail: `mapping ${id} is ${mapping?.status ?? 'gone'}` };
    await this.run(`stopfcmap -force ${Math.trunc(id)}`);
    return { changed: true, detail: `mapping ${id} stopped` };
  }

  async removeFlashCopy(id: number): Promise<Outcome> {
    const mapping = (await this.flashCopyMappings()).find((m) => m.id === id);
    if (!mapping) return { changed: false, detail: `mapping ${id} does not exist` };
    await this.run(`rmfcmap -force ${Math.trunc(id)}`);
    return { changed: true, detail: `mapping ${id} removed` };
  }
}

function toGroup(r: Record<string, string>): ConsistencyGroup {
  return {
    id: Number(r.id),
    name: r.name ?? '',
    masterCluster: r.master_cluster_name ?? '',
    auxCluster: r.aux_cluster_name ?? '',
    primary: r.primary ?? '',
    state: r.state ?? '',
    relationshipCount: Number(r.relationship_count ?? 0),
    copyType: r.copy_type ?? '',
  };
}

// The Spectrum Virtualize (SVC / FlashSystem) driver: volumes, hosts, volume-to-host mappings, remote-copy
// consistency groups and relationships, FlashCopy mappings. Changes are idempotent: mapping what is mapped,
// unmapping what is not, creating a host that exists with the same ports, starting a running group all succeed
// with `changed: false`. Commands go through the device pool (a few connections, many channels each). Listings use
// `-delim !` and are read by column name, every field the driver needs checked (svc-output.ts); names go on the
// command line by Spectrum Virtualize's naming rules, quoted when they hold spaces (svc-names.ts).
import type { DevicePool } from '../ssh/device-pool.js';
import type { Outcome } from '../hmc/hmc-client.js';
import {
  DELIMITER,
  type ConciseRow,
  type DetailView,
  createdId,
  outputError,
  parseConcise,
  parseDetailed,
} from './svc-output.js';
import { SvcError, svcFailure } from './svc-errors.js';
import { svcName, svcWwpn } from './svc-names.js';

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

const D = `-delim ${DELIMITER}`;

/** Columns each listing must have: what the driver reads (the rest may change between releases). */
export const SVC_LISTING_COLUMNS = {
  lsvdisk: ['id', 'name', 'status', 'capacity', 'vdisk_UID', 'RC_name', 'fc_map_count'],
  lshost: ['id', 'name', 'port_count', 'status'],
  lsvdiskhostmap: ['id', 'name', 'SCSI_id', 'host_id', 'host_name', 'vdisk_UID'],
  lshostvdiskmap: ['id', 'name', 'SCSI_id', 'vdisk_id', 'vdisk_name', 'vdisk_UID'],
  lsrcconsistgrp: [
    'id',
    'name',
    'master_cluster_name',
    'aux_cluster_name',
    'primary',
    'state',
    'relationship_count',
    'copy_type',
  ],
  lsrcrelationship: ['id', 'name', 'master_vdisk_name', 'aux_vdisk_name', 'primary', 'consistency_group_name', 'state'],
  lsfcmap: ['id', 'name', 'source_vdisk_name', 'target_vdisk_name', 'status', 'progress', 'copy_rate'],
} as const;

/**
 * A remote-copy relationship as `lsrcrelationship` prints it (field names as the device prints them);
 * `consistency_group_name` and `primary` are blank for a stand-alone relationship and an idling one respectively.
 */
export interface RemoteCopyRelationship {
  id: number;
  name: string;
  master_vdisk_name: string;
  aux_vdisk_name: string;
  primary: string;
  consistency_group_name: string;
  state: string;
}

export class SvcClient {
  constructor(readonly pool: DevicePool) {}

  get device(): string {
    return this.pool.target.name;
  }

  /** Runs a command; a refusal becomes an SvcError classified by its CMMVC code (svc-errors.ts). */
  async run(command: string, timeoutMs?: number): Promise<string> {
    const result = await this.pool.exec(command, timeoutMs);
    const failure = svcFailure(this.device, command, result);
    if (failure) throw failure;
    return result.stdout;
  }

  private name(what: string, value: string): string {
    return svcName(this.device, what, value);
  }

  /** `-filtervalue attr=NAME`, the whole word quoted when the name holds a space. */
  private filter(attribute: string, what: string, value: string): string {
    const word = `${attribute}=${this.name(what, value).replace(/^"|"$/g, '')}`;
    return `-filtervalue ${word.includes(' ') ? `"${word}"` : word}`;
  }

  private async list(command: string, columns: readonly string[]): Promise<ConciseRow[]> {
    return parseConcise(this.device, command, await this.run(command), columns);
  }

  /** Runs a lookup; an object that does not exist (a `not-found` code) gives undefined. */
  private async orUndefined<T>(lookup: () => Promise<T>): Promise<T | undefined> {
    try {
      return await lookup();
    } catch (err) {
      if (err instanceof SvcError && err.errorClass === 'not-found') return undefined;
      throw err;
    }
  }

  /** Rows of a listing asked about one object must all name that object (an answer about another is an error). */
  private ofObject(rows: ConciseRow[], field: string, expected: string, command: string): ConciseRow[] {
    for (const row of rows) {
      const actual = row.text(field);
      if (actual === expected) continue;
      throw outputError(this.device, command, row.line, `field ${field} is "${actual}", expected "${expected}"`);
    }
    return rows;
  }

  /** A detailed view must be about the object asked for (its `name` line). */
  private ofNamed(view: DetailView, expected: string, command: string): string {
    const actual = view.text('name');
    const line = view.lines.find((l) => l.key === 'name')!.line;
    if (actual !== expected) {
      throw outputError(this.device, command, line, `field name is "${actual}", expected "${expected}"`);
    }
    return actual;
  }

  // ---- volumes and hosts ---------------------------------------------------------------------------------------

  async listVolumes(filter?: { name?: string }): Promise<Volume[]> {
    const command = `lsvdisk ${D}${filter?.name ? ` ${this.filter('name', 'volume', filter.name)}` : ''}`;
    const rows = await this.list(command, SVC_LISTING_COLUMNS.lsvdisk);
    if (filter?.name) this.ofObject(rows, 'name', filter.name, command);
    return rows.map((r) => ({
      id: r.int('id'),
      name: r.text('name'),
      status: r.text('status'),
      capacity: r.text('capacity'),
      uid: r.text('vdisk_UID'),
      rcName: r.optional('RC_name'),
      fcMapCount: r.int('fc_map_count'),
    }));
  }

  /** The volume with this name, or undefined; more than one answer is an error (names are unique). */
  async volume(name: string): Promise<Volume | undefined> {
    const volumes = await this.listVolumes({ name });
    if (volumes.length > 1) {
      throw new SvcError(this.device, 'lsvdisk', undefined, `${volumes.length} volumes named ${name}`, 'unknown');
    }
    return volumes[0];
  }

  async listHosts(): Promise<StorageHost[]> {
    const rows = await this.list(`lshost ${D}`, SVC_LISTING_COLUMNS.lshost);
    return rows.map((r) => ({
      id: r.int('id'),
      name: r.text('name'),
      portCount: r.int('port_count'),
      status: r.text('status'),
    }));
  }

  /**
   * A host's detail: status and FC WWPNs, or undefined when unknown. lshost prints `WWPN`,
   * `node_logged_in_count` and `state` once per port (test/fixtures/devices/svc/lshost-detail-*.txt): all are kept.
   */
  async host(name: string): Promise<{ name: string; status: string; wwpns: string[] } | undefined> {
    const command = `lshost ${D} ${this.name('host', name)}`;
    return this.orUndefined(async () => {
      const view = parseDetailed(this.device, command, await this.run(command));
      const actual = this.ofNamed(view, name, command);
      const ports = view.groups('WWPN', ['node_logged_in_count', 'state']);
      return { name: actual, status: view.text('status'), wwpns: ports.map((port) => port.WWPN!.toUpperCase()) };
    });
  }

  /**
   * The host object's Fibre Channel ports as the storage system sees them, or undefined when there is no such host:
   * its `status` (online, offline, degraded) and per port the WWPN, `node_logged_in_count` (nodes the port is logged
   * in to; 0 = not logged in) and `state` (active, inactive, offline). IBM lshost reference (FlashSystem 9.1.3):
   * "For Fibre Channel ports, the node_logged_in_count field provides the number of nodes that the host port is logged
   * in to"; layout as in test/fixtures/devices/svc/lshost-detail-*.txt.
   */
  async hostPorts(
    name: string,
  ): Promise<{ status: string; ports: Array<{ wwpn: string; nodeLoggedInCount: number; state: string }> } | undefined> {
    const command = `lshost ${D} ${this.name('host', name)}`;
    return this.orUndefined(async () => {
      const view = parseDetailed(this.device, command, await this.run(command));
      this.ofNamed(view, name, command);
      const ports = view.groups('WWPN', ['node_logged_in_count', 'state']).map((port) => {
        const count = Number(port.node_logged_in_count);
        if (!Number.isInteger(count) || count < 0)
          throw outputError(
            this.device,
            command,
            0,
            `node_logged_in_count "${port.node_logged_in_count}" of ${port.WWPN}`,
          );
        return { wwpn: port.WWPN!.toUpperCase(), nodeLoggedInCount: count, state: port.state ?? '' };
      });
      return { status: view.text('status'), ports };
    });
  }

  /** Creates a host object with these FC WWPNs; one that exists with the same WWPNs is a no-op. */
  async createHost(name: string, wwpns: string[]): Promise<Outcome> {
    const wanted = wwpns.map((w) => svcWwpn(this.device, w));
    const existing = await this.host(name);
    if (existing) {
      const same = existing.wwpns.length === wanted.length && wanted.every((w) => existing.wwpns.includes(w));
      if (same) return { changed: false, detail: `host ${name} already exists with these WWPNs` };
      const text = `host ${name} exists with other WWPNs (${existing.wwpns.join(', ')}); refusing to change it`;
      throw new SvcError(this.device, 'mkhost', 'CMMVC6035E', text, 'configuration');
    }
    const command = `mkhost -name ${this.name('host', name)} -fcwwpn ${wanted.join(':')} -force`;
    const id = createdId(this.device, command, await this.run(command));
    return { changed: true, detail: `host ${name} created with id ${id}` };
  }

  /**
   * Removes Fibre Channel ports from a host object: `rmhostport -fcwwpn W1:W2 HOST` (IBM:
   * https://www.ibm.com/docs/en/flashsystem-c200/9.1.3?topic=commands-rmhostport). The host object and its mappings
   * stay; without its ports nothing reaches them. One command whatever the number of volumes: the host-level storage
   * fence. Ports already gone are skipped (a retry is a no-op); an unknown host is an SvcError (`not-found`).
   */
  async removeHostPorts(name: string, wwpns: string[]): Promise<Outcome> {
    const wanted = wwpns.map((w) => svcWwpn(this.device, w));
    const existing = await this.host(name);
    if (!existing)
      throw new SvcError(this.device, 'rmhostport', 'CMMVC5754E', `host ${name} does not exist`, 'not-found');
    const present = wanted.filter((w) => existing.wwpns.includes(w));
    if (present.length === 0) return { changed: false, detail: `host ${name} holds none of ${wanted.join(', ')}` };
    await this.run(`rmhostport -fcwwpn ${present.join(':')} ${this.name('host', name)}`);
    return { changed: true, detail: `ports ${present.join(', ')} removed from host ${name}` };
  }

  /**
   * Gives a host object Fibre Channel ports back: `addhostport -fcwwpn W1:W2 HOST` (IBM:
   * https://www.ibm.com/docs/en/flashsystem-c200/9.1.3?topic=commands-addhostport). Ports it already holds are
   * skipped (a retry is a no-op); `-force` because a powered-off server's ports are not logged in to the fabric.
   */
  async addHostPorts(name: string, wwpns: string[]): Promise<Outcome> {
    const wanted = wwpns.map((w) => svcWwpn(this.device, w));
    const existing = await this.host(name);
    if (!existing)
      throw new SvcError(this.device, 'addhostport', 'CMMVC5754E', `host ${name} does not exist`, 'not-found');
    const missing = wanted.filter((w) => !existing.wwpns.includes(w));
    if (missing.length === 0) return { changed: false, detail: `host ${name} already holds ${wanted.join(', ')}` };
    await this.run(`addhostport -fcwwpn ${missing.join(':')} -force ${this.name('host', name)}`);
    return { changed: true, detail: `ports ${missing.join(', ')} added to host ${name}` };
  }

  /** Every volume-to-host mapping of the storage system (`lshostvdiskmap` without a host): one command. */
  async allMappings(): Promise<VolumeMapping[]> {
    const rows = await this.list(`lshostvdiskmap ${D}`, SVC_LISTING_COLUMNS.lshostvdiskmap);
    return rows.map((r) => ({
      volume: r.text('vdisk_name'),
      volumeUid: r.text('vdisk_UID'),
      host: r.text('name'),
      scsiId: r.int('SCSI_id'),
    }));
  }

  // ---- mappings ------------------------------------------------------------------------------------------------

  async volumeMappings(volume: string): Promise<VolumeMapping[]> {
    const command = `lsvdiskhostmap ${D} ${this.name('volume', volume)}`;
    const rows = this.ofObject(await this.list(command, SVC_LISTING_COLUMNS.lsvdiskhostmap), 'name', volume, command);
    return rows.map((r) => ({
      volume: r.text('name'),
      volumeUid: r.text('vdisk_UID'),
      host: r.text('host_name'),
      scsiId: r.int('SCSI_id'),
    }));
  }

  async hostMappings(host: string): Promise<VolumeMapping[]> {
    const command = `lshostvdiskmap ${D} ${this.name('host', host)}`;
    const rows = this.ofObject(await this.list(command, SVC_LISTING_COLUMNS.lshostvdiskmap), 'name', host, command);
    return rows.map((r) => ({
      volume: r.text('vdisk_name'),
      volumeUid: r.text('vdisk_UID'),
      host: r.text('name'),
      scsiId: r.int('SCSI_id'),
    }));
  }

  /**
   * Maps a volume to a host. `shared` adds -force, allowing a volume that is still mapped elsewhere (a cluster's
   * shared disks need it); `fencedHosts` adds it only when every other mapping is to one of those host objects (ports
   * removed by a host-level fence) or to a host object with no port at all. Already mapped is a no-op, whether
   * seen before the command or answered by it (CMMVC5878E, `already-done`: a retry whose first answer was lost).
   */
  async mapVolume(
    volume: string,
    host: string,
    options: { shared?: boolean; scsiId?: number; fencedHosts?: string[] } = {},
  ): Promise<Outcome> {
    const mappings = await this.volumeMappings(volume);
    const mine = mappings.find((m) => m.host === host);
    if (mine) return { changed: false, detail: `${volume} already mapped to ${host} (SCSI id ${mine.scsiId})` };
    // A volume still mapped to a host object whose ports a fence removed is reachable by nobody there: -force. That
    // is the failed host's (`fencedHosts`), or, after a second failure, one an earlier fence left without a port (read
    // to be sure). A mapping to any other host stays a refusal (CMMVC6071E): two writers are never made here.
    const others = mappings.filter((m) => m.host !== host && !options.fencedHosts?.includes(m.host));
    let onlyFenced = options.fencedHosts !== undefined && mappings.length > 0;
    for (const other of onlyFenced ? others : []) {
      if ((await this.host(other.host))?.wwpns.length !== 0) onlyFenced = false;
    }
    const parts = ['mkvdiskhostmap'];
    if (options.shared || onlyFenced) parts.push('-force');
    parts.push(`-host ${this.name('host', host)}`);
    if (options.scsiId !== undefined) parts.push(`-scsi ${Math.trunc(options.scsiId)}`);
    parts.push(this.name('volume', volume));
    const command = parts.join(' ');
    try {
      const id = createdId(this.device, command, await this.run(command));
      return { changed: true, detail: `${volume} mapped to ${host} (map id ${id})` };
    } catch (err) {
      if (!(err instanceof SvcError && err.errorClass === 'already-done')) throw err;
      const now = (await this.volumeMappings(volume)).find((m) => m.host === host);
      if (!now) throw err;
      return { changed: false, detail: `${volume} already mapped to ${host} (${err.code})` };
    }
  }

  /**
   * Removes a volume's mapping to a host. Not mapped is a no-op: a real SVC answers CMMVC5842E (issue 11; IBM's
   * CSI driver reads it as "already unmapped"), other releases 5753E/5754E; any `not-found` answer counts once the
   * volume and the host are seen to exist (a misspelt host must not pass for a fenced one).
   */
  async unmapVolume(volume: string, host: string): Promise<Outcome> {
    const command = `rmvdiskhostmap -host ${this.name('host', host)} ${this.name('volume', volume)}`;
    try {
      await this.run(command);
      return { changed: true, detail: `${volume} unmapped from ${host}` };
    } catch (err) {
      if (!(err instanceof SvcError && err.errorClass === 'not-found')) throw err;
      if (!(await this.volume(volume)) || !(await this.host(host))) throw err;
      return { changed: false, detail: `${volume} was not mapped to ${host} (${err.code ?? 'not found'})` };
    }
  }

  // ---- remote copy ---------------------------------------------------------------------------------------------

  async consistencyGroups(): Promise<ConsistencyGroup[]> {
    const rows = await this.list(`lsrcconsistgrp ${D}`, SVC_LISTING_COLUMNS.lsrcconsistgrp);
    return rows.map((r) => ({
      id: r.int('id'),
      name: r.text('name'),
      masterCluster: r.text('master_cluster_name'),
      auxCluster: r.text('aux_cluster_name'),
      primary: r.optional('primary'),
      state: r.text('state'),
      relationshipCount: r.int('relationship_count'),
      copyType: r.text('copy_type'),
    }));
  }

  /** One group's detail, or undefined when it does not exist. `primary` is blank while idling (IBM doc). */
  async consistencyGroup(name: string): Promise<ConsistencyGroup | undefined> {
    const command = `lsrcconsistgrp ${D} ${this.name('consistency group', name)}`;
    return this.orUndefined(async () => {
      const view = parseDetailed(this.device, command, await this.run(command));
      const actual = this.ofNamed(view, name, command);
      return {
        id: view.int('id'),
        name: actual,
        masterCluster: view.text('master_cluster_name'),
        auxCluster: view.text('aux_cluster_name'),
        primary: view.optional('primary'),
        state: view.text('state'),
        relationshipCount: view.int('relationship_count'),
        copyType: view.text('copy_type'),
      };
    });
  }

  async relationships(): Promise<RemoteCopyRelationship[]> {
    const rows = await this.list(`lsrcrelationship ${D}`, SVC_LISTING_COLUMNS.lsrcrelationship);
    return rows.map((r) => ({
      id: r.int('id'),
      name: r.text('name'),
      master_vdisk_name: r.text('master_vdisk_name'),
      aux_vdisk_name: r.text('aux_vdisk_name'),
      primary: r.optional('primary'),
      consistency_group_name: r.optional('consistency_group_name'),
      state: r.text('state'),
    }));
  }

  /** Starts (or restarts) replication of a group. Already copying/synchronized with that primary is a no-op. */
  async startConsistencyGroup(
    name: string,
    options: { primary?: 'master' | 'aux'; force?: boolean } = {},
  ): Promise<Outcome> {
    const group = await this.requireGroup(name);
    const running = ['consistent_synchronized', 'inconsistent_copying', 'consistent_copying'].includes(group.state);
    if (running && (!options.primary || options.primary === group.primary))
      return { changed: false, detail: `${name} is already ${group.state}` };
    const parts = ['startrcconsistgrp'];
    if (options.primary) parts.push(`-primary ${options.primary}`);
    if (options.force) parts.push('-force');
    parts.push(this.name('consistency group', name));
    await this.run(parts.join(' '));
    return {
      changed: true,
      detail: `${name} started${options.primary ? ` with primary ${options.primary}` : ''} (was ${group.state})`,
    };
  }

  /** Stops replication; with `access` the secondary becomes writable (idling). Already stopped that way is a no-op. */
  async stopConsistencyGroup(name: string, options: { access?: boolean } = {}): Promise<Outcome> {
    const group = await this.requireGroup(name);
    const done = options.access
      ? group.state.startsWith('idling')
      : group.state.endsWith('_stopped') || group.state.startsWith('idling');
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
    if (!group) {
      throw new SvcError(this.device, 'lsrcconsistgrp', 'CMMVC5804E', `consistency group ${name} does not exist`);
    }
    return group;
  }

  // ---- FlashCopy -----------------------------------------------------------------------------------------------

  async flashCopyMappings(): Promise<FlashCopyMapping[]> {
    const rows = await this.list(`lsfcmap ${D}`, SVC_LISTING_COLUMNS.lsfcmap);
    return rows.map((r) => ({
      id: r.int('id'),
      name: r.text('name'),
      source: r.text('source_vdisk_name'),
      target: r.text('target_vdisk_name'),
      status: r.text('status'),
      progress: r.int('progress'),
      copyRate: r.int('copy_rate'),
    }));
  }

  /** Creates a FlashCopy mapping source → target; an existing mapping between the same volumes is reused. */
  async createFlashCopy(
    source: string,
    target: string,
    options: { copyRate?: number; name?: string } = {},
  ): Promise<{ id: number; changed: boolean }> {
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
    if (!mapping) throw new SvcError(this.device, 'startfcmap', 'CMMVC5753E', `FlashCopy mapping ${id} does not exist`);
    if (mapping.status === 'copying' || mapping.status === 'preparing')
      return { changed: false, detail: `mapping ${id} is already ${mapping.status}` };
    await this.run(
      mapping.status === 'prepared' ? `startfcmap ${Math.trunc(id)}` : `startfcmap -prep ${Math.trunc(id)}`,
    );
    return { changed: true, detail: `mapping ${id} started` };
  }

  async stopFlashCopy(id: number): Promise<Outcome> {
    const mapping = (await this.flashCopyMappings()).find((m) => m.id === id);
    if (!mapping || ['stopped', 'idle_or_copied'].includes(mapping.status))
      return { changed: false, detail: `mapping ${id} is ${mapping?.status ?? 'gone'}` };
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

import { parseFlags } from './cli-flags.js';
import { type CommandContext, causeOf } from './command-context.js';
import { lines } from './command-result.js';
import {
  type HostObject,
  type StorageSystem,
  type Vdisk,
  addMapping,
  recordAccessLost,
  removeMapping,
} from './fleet-model.js';
import {
  IO_GROUP,
  VIEW_FLAGS,
  hostRef,
  hostStatus,
  detailedViewOptions,
  requireValue,
  storageOf,
  vdiskRef,
  viewOptions,
} from './svc-context.js';
import { svcError } from './svc-errors.js';
import { type SvcObject, formatCapacity, renderConcise, renderDetailed } from './svc-output.js';

/**
 * Volumes, hosts and their mappings: lsvdisk, lshost, mkhost, addhostport, rmhostport, lsvdiskhostmap, lshostvdiskmap,
 * mkvdiskhostmap, rmvdiskhostmap.
 */

const ONE_OBJECT = { ...VIEW_FLAGS, positionals: 1 };

export function lsvdisk(ctx: CommandContext, args: string[]): string {
  const flags = parseFlags(args, ONE_OBJECT);
  const storage = storageOf(ctx);
  const bytes = flags.switches.has('-bytes');
  const [ref] = flags.positionals;
  if (ref !== undefined) {
    const vdisk = vdiskRef(storage, ref);
    if (!vdisk) throw svcError.doesNotExist();
    return renderDetailed(vdiskDetail(ctx, storage, vdisk, bytes), detailedViewOptions(flags));
  }
  const rows = storage.vdisks.map((v) => vdiskRow(ctx, storage, v, bytes));
  return renderConcise(rows, viewOptions(flags));
}

function copyServices(ctx: CommandContext, storage: StorageSystem, vdisk: Vdisk) {
  const fcMaps = storage.fcMaps.filter((m) => m.sourceVdiskId === vdisk.id || m.targetVdiskId === vdisk.id);
  const relationship = ctx.model
    .groupsOf(storage.name)
    .flatMap((g) =>
      g.relationships.filter((r) => (g.master === storage.name ? r.masterVdisk : r.auxVdisk) === vdisk.name),
    )[0];
  const fcId = fcMaps.length === 1 ? String(fcMaps[0]!.id) : fcMaps.length > 1 ? 'many' : '';
  const fcName = fcMaps.length === 1 ? fcMaps[0]!.name : fcMaps.length > 1 ? 'many' : '';
  return { fcMaps, fcId, fcName, rcId: relationship ? String(relationship.id) : '', rcName: relationship?.name ?? '' };
}

function vdiskRow(
  ctx: CommandContext,
  storage: StorageSystem,
  vdisk: Vdisk,
  bytes: boolean,
): [string, string | number][] {
  const copies = copyServices(ctx, storage, vdisk);
  return [
    ['id', vdisk.id],
    ['name', vdisk.name],
    ...IO_GROUP,
    ['status', 'online'],
    ['mdisk_grp_id', 0],
    ['mdisk_grp_name', 'Pool0'],
    ['capacity', formatCapacity(vdisk.capacityBytes, bytes)],
    ['type', 'striped'],
    ['FC_id', copies.fcId],
    ['FC_name', copies.fcName],
    ['RC_id', copies.rcId],
    ['RC_name', copies.rcName],
    ['vdisk_UID', vdisk.uid],
    ['fc_map_count', copies.fcMaps.length],
    ['copy_count', 1],
    ['fast_write_state', 'empty'],
    ['se_copy_count', 0],
    ['RC_change', 'no'],
    ['compressed_copy_count', 0],
    ['parent_mdisk_grp_id', 0],
    ['parent_mdisk_grp_name', 'Pool0'],
    ['formatting', 'no'],
    ['encrypt', 'no'],
    ['volume_id', vdisk.id],
    ['volume_name', vdisk.name],
    ['function', ''],
  ];
}

function vdiskDetail(ctx: CommandContext, storage: StorageSystem, vdisk: Vdisk, bytes: boolean): SvcObject {
  const copies = copyServices(ctx, storage, vdisk);
  return {
    fields: [
      ['id', vdisk.id],
      ['name', vdisk.name],
      ...IO_GROUP,
      ['status', 'online'],
      ['mdisk_grp_id', 0],
      ['mdisk_grp_name', 'Pool0'],
      ['capacity', formatCapacity(vdisk.capacityBytes, bytes)],
      ['type', 'striped'],
      ['formatted', 'no'],
      ['formatting', 'no'],
      ['mdisk_id', ''],
      ['mdisk_name', ''],
      ['FC_id', copies.fcId],
      ['FC_name', copies.fcName],
      ['RC_id', copies.rcId],
      ['RC_name', copies.rcName],
      ['vdisk_UID', vdisk.uid],
      ['preferred_node_id', 1],
      ['fast_write_state', 'empty'],
      ['cache', 'readwrite'],
      ['udid', ''],
      ['fc_map_count', copies.fcMaps.length],
      ['sync_rate', 50],
      ['copy_count', 1],
      ['se_copy_count', 0],
      ['filesystem', ''],
      ['mirror_write_priority', 'latency'],
      ['RC_change', 'no'],
      ['compressed_copy_count', 0],
      ['access_IO_group_count', 1],
      ['parent_mdisk_grp_id', 0],
      ['parent_mdisk_grp_name', 'Pool0'],
      ['encrypt', 'no'],
      ['volume_id', vdisk.id],
      ['volume_name', vdisk.name],
      ['function', ''],
    ],
    blocks: [
      [
        ['copy_id', 0],
        ['status', 'online'],
        ['sync', 'yes'],
        ['auto_delete', 'no'],
        ['primary', 'yes'],
        ['mdisk_grp_id', 0],
        ['mdisk_grp_name', 'Pool0'],
        ['type', 'striped'],
        ['mdisk_id', ''],
        ['mdisk_name', ''],
        ['fast_write_state', 'empty'],
        ['used_capacity', formatCapacity(vdisk.capacityBytes, bytes)],
        ['real_capacity', formatCapacity(vdisk.capacityBytes, bytes)],
        ['free_capacity', formatCapacity(0, bytes)],
        ['overallocation', 100],
        ['autoexpand', ''],
        ['easy_tier', 'on'],
        ['easy_tier_status', 'balanced'],
        ['compressed_copy', 'no'],
      ],
    ],
  };
}

export function lshost(ctx: CommandContext, args: string[]): string {
  const flags = parseFlags(args, ONE_OBJECT);
  const storage = storageOf(ctx);
  const [ref] = flags.positionals;
  if (ref !== undefined) {
    const host = hostRef(storage, ref);
    if (!host) throw svcError.doesNotExist();
    return renderDetailed(hostDetail(ctx, host), detailedViewOptions(flags));
  }
  const rows = storage.hosts.map((h): [string, string | number][] => [
    ['id', h.id],
    ['name', h.name],
    ['port_count', h.wwpns.length],
    ['iogrp_count', 4],
    ['status', hostStatus(ctx, h)],
    ['site_id', ''],
    ['site_name', ''],
    ['host_cluster_id', ''],
    ['host_cluster_name', ''],
    ['protocol', 'scsi'],
    ['owner_id', ''],
    ['owner_name', ''],
    ['portset_id', 64],
    ['portset_name', 'portset64'],
  ]);
  return renderConcise(rows, viewOptions(flags));
}

/**
 * lshost HOST: one key per line and, per port, `WWPN`, `node_logged_in_count`, `state` with no blank line between
 * ports (IBM's CSI driver batches `lshost N;echo;` and splits hosts on blank lines; Cinder's storwize simulator
 * prints ports the same way). Where the port lines sit among the newer fields (owner, portset) is a guess.
 */
function hostDetail(ctx: CommandContext, host: HostObject): SvcObject {
  const status = hostStatus(ctx, host);
  const ports = host.wwpns.flatMap((wwpn): [string, string | number][] => [
    ['WWPN', wwpn],
    ['node_logged_in_count', status === 'online' ? 2 : 0],
    ['state', status === 'online' ? 'active' : 'offline'],
  ]);
  return {
    fields: [
      ['id', host.id],
      ['name', host.name],
      ['port_count', host.wwpns.length],
      ['type', 'generic'],
      ['mask', '1'.repeat(64)],
      ['iogrp_count', 4],
      ['status', status],
      ['site_id', ''],
      ['site_name', ''],
      ['host_cluster_id', ''],
      ['host_cluster_name', ''],
      ['protocol', 'scsi'],
      ['status_policy', 'redundant'],
      ['status_site', 'all'],
      ...ports,
      ['owner_id', ''],
      ['owner_name', ''],
      ['portset_id', 64],
      ['portset_name', 'portset64'],
    ],
  };
}

/** IBM's naming rules (the text of CMMVC6527E); at most 63 characters. */
const HOST_NAME = /^[A-Za-z_][A-Za-z0-9 ._-]{0,62}$/;

/** mkhost -name H -fcwwpn W1:W2 [-force] [-type T] [-iogrp G] [-site S]   (-hbawwpn is the older spelling) */
export function mkhost(ctx: CommandContext, args: string[]): string {
  const flags = parseFlags(args, {
    values: ['-name', '-fcwwpn', '-hbawwpn', '-type', '-iogrp', '-site', '-protocol', '-portset'],
    switches: ['-force'],
  });
  const storage = storageOf(ctx);
  const wwpnText = flags.values.get('-fcwwpn') ?? flags.values.get('-hbawwpn');
  if (wwpnText === undefined) throw svcError.missingParameters();
  if (flags.values.has('-fcwwpn') && flags.values.has('-hbawwpn')) throw svcError.mutuallyExclusive();
  const wwpns = wwpnText.split(':').map((w) => w.toUpperCase());
  if (wwpns.some((w) => !/^[0-9A-F]{16}$/.test(w))) throw svcError.invalidValue(wwpnText);
  const name = flags.values.get('-name') ?? `host${storage.nextHostId}`;
  if (!HOST_NAME.test(name) || name.endsWith(' ')) throw svcError.invalidName();
  if (storage.hosts.some((h) => h.name === name || h.wwpns.some((w) => wwpns.includes(w))))
    throw svcError.alreadyExists();
  const host: HostObject = { id: storage.nextHostId++, name, wwpns };
  storage.hosts.push(host);
  ctx.model.changed(causeOf(ctx));
  return lines([`Host, id [${host.id}], successfully created`]);
}

/** The `-fcwwpn W1:W2` list of addhostport/rmhostport, upper-cased; each a 16-hex-digit WWPN. */
function portList(flags: { values: Map<string, string> }): string[] {
  const text = flags.values.get('-fcwwpn');
  if (text === undefined) throw svcError.missingParameters();
  const wwpns = text.split(':').map((w) => w.toUpperCase());
  if (wwpns.some((w) => !/^[0-9A-F]{16}$/.test(w))) throw svcError.invalidValue(text);
  return wwpns;
}

/**
 * rmhostport -fcwwpn W1:W2 [-force] HOST: silent; the ports leave the host object, its mappings stay (IBM: "Use the
 * rmhostport command to delete worldwide port names (WWPNs) ... from an existing host object",
 * https://www.ibm.com/docs/en/flashsystem-c200/9.1.3?topic=commands-rmhostport). A host object left with no port
 * reaches none of its volumes: the violation log then sees its mappings as cut. A WWPN the host does not hold is
 * refused with CMMVC5753E (our guess of the code); an unknown host with CMMVC5754E.
 */
export function rmhostport(ctx: CommandContext, args: string[]): string {
  const flags = parseFlags(args, { values: ['-fcwwpn'], switches: ['-force'], positionals: 1 });
  const storage = storageOf(ctx);
  const wwpns = portList(flags);
  const [ref] = flags.positionals;
  if (ref === undefined) throw svcError.noObjectId();
  const host = hostRef(storage, ref);
  if (!host) throw svcError.doesNotExist();
  if (wwpns.some((w) => !host.wwpns.includes(w))) throw svcError.notSuitable();
  const hadPorts = host.wwpns.length > 0;
  host.wwpns = host.wwpns.filter((w) => !wwpns.includes(w));
  if (hadPorts && host.wwpns.length === 0) recordAccessLost(storage, host);
  ctx.model.changed(causeOf(ctx));
  return '';
}

/**
 * addhostport -fcwwpn W1:W2 [-force] HOST: silent; the ports join the host object and with them access to its
 * mappings (https://www.ibm.com/docs/en/flashsystem-c200/9.1.3?topic=commands-addhostport). A WWPN already in a host
 * object (this one or another) is refused with CMMVC6035E (our guess of the code).
 */
export function addhostport(ctx: CommandContext, args: string[]): string {
  const flags = parseFlags(args, { values: ['-fcwwpn'], switches: ['-force'], positionals: 1 });
  const storage = storageOf(ctx);
  const wwpns = portList(flags);
  const [ref] = flags.positionals;
  if (ref === undefined) throw svcError.noObjectId();
  const host = hostRef(storage, ref);
  if (!host) throw svcError.doesNotExist();
  if (storage.hosts.some((h) => h.wwpns.some((w) => wwpns.includes(w)))) throw svcError.alreadyExists();
  host.wwpns = [...host.wwpns, ...wwpns];
  ctx.model.changed(causeOf(ctx));
  return '';
}

const MAP_COLUMNS_TAIL = (uid: string): [string, string | number][] => [
  ['vdisk_UID', uid],
  ...IO_GROUP,
  ['mapping_type', 'private'],
  ['host_cluster_id', ''],
  ['host_cluster_name', ''],
  ['protocol', 'scsi'],
];

/** lsvdiskhostmap VOL: the hosts a volume is mapped to; nothing at all when it is not mapped. */
export function lsvdiskhostmap(ctx: CommandContext, args: string[]): string {
  const flags = parseFlags(args, ONE_OBJECT);
  const storage = storageOf(ctx);
  const [ref] = flags.positionals;
  if (ref === undefined) throw svcError.noObjectId();
  const vdisk = vdiskRef(storage, ref);
  if (!vdisk) throw svcError.doesNotExist();
  const rows = storage.mappings
    .filter((m) => m.vdiskId === vdisk.id)
    .map((m): [string, string | number][] => {
      const host = storage.hosts.find((h) => h.id === m.hostId)!;
      return [
        ['id', vdisk.id],
        ['name', vdisk.name],
        ['SCSI_id', m.scsiId],
        ['host_id', host.id],
        ['host_name', host.name],
        ...MAP_COLUMNS_TAIL(vdisk.uid),
      ];
    });
  return renderConcise(rows, viewOptions(flags));
}

/** lshostvdiskmap [HOST]: the volumes mapped to one host (or to every host). */
export function lshostvdiskmap(ctx: CommandContext, args: string[]): string {
  const flags = parseFlags(args, ONE_OBJECT);
  const storage = storageOf(ctx);
  const [ref] = flags.positionals;
  const host = ref === undefined ? undefined : hostRef(storage, ref);
  if (ref !== undefined && !host) throw svcError.doesNotExist();
  const rows = storage.mappings
    .filter((m) => !host || m.hostId === host.id)
    .map((m): [string, string | number][] => {
      const owner = storage.hosts.find((h) => h.id === m.hostId)!;
      const vdisk = storage.vdisks.find((v) => v.id === m.vdiskId)!;
      return [
        ['id', owner.id],
        ['name', owner.name],
        ['SCSI_id', m.scsiId],
        ['vdisk_id', vdisk.id],
        ['vdisk_name', vdisk.name],
        ...MAP_COLUMNS_TAIL(vdisk.uid),
      ];
    });
  return renderConcise(rows, viewOptions(flags));
}

/** mkvdiskhostmap [-force] -host H [-scsi N] VOL */
export function mkvdiskhostmap(ctx: CommandContext, args: string[]): string {
  const flags = parseFlags(args, {
    values: ['-host', '-scsi', '-iogrp'],
    switches: ['-force', '-allowmismatchedscsiids'],
    positionals: 1,
  });
  const storage = storageOf(ctx);
  const host = hostRef(storage, requireValue(flags, '-host'));
  const [ref] = flags.positionals;
  if (ref === undefined) throw svcError.noObjectId();
  const vdisk = vdiskRef(storage, ref);
  // IBM's CSI driver (array_mediator_svc.py map_volume) reads 5754E as the host and 5804E as the volume not found.
  if (!host) throw svcError.doesNotExist();
  if (!vdisk) throw svcError.objectNotFound();
  const mappings = storage.mappings.filter((m) => m.vdiskId === vdisk.id);
  if (mappings.some((m) => m.hostId === host.id)) throw svcError.alreadyMappedToThisHost();
  if (mappings.length > 0 && !flags.switches.has('-force')) throw svcError.mappedToOtherHost();
  const scsiText = flags.values.get('-scsi');
  const used = new Set(storage.mappings.filter((m) => m.hostId === host.id).map((m) => m.scsiId));
  let scsiId = 0;
  if (scsiText !== undefined) {
    if (!/^\d+$/.test(scsiText)) throw svcError.invalidValue(scsiText);
    scsiId = Number(scsiText);
    if (used.has(scsiId)) throw svcError.lunInUse();
  } else {
    while (used.has(scsiId)) scsiId++;
  }
  const mapping = { id: storage.nextMappingId++, hostId: host.id, vdiskId: vdisk.id, scsiId };
  addMapping(storage, mapping);
  ctx.model.changed(causeOf(ctx));
  return lines([`Virtual Disk to Host map, id [${mapping.id}], successfully created`]);
}

/**
 * rmvdiskhostmap -host H VOL: silent. A mapping that does not exist gives CMMVC5842E, as a real SVC answered
 * (issue 11); IBM's CSI driver (unmap_volume) reads 5754E as the host and 5753E as the volume not existing.
 */
export function rmvdiskhostmap(ctx: CommandContext, args: string[]): string {
  const flags = parseFlags(args, { values: ['-host'], positionals: 1 });
  const storage = storageOf(ctx);
  const host = hostRef(storage, requireValue(flags, '-host'));
  const [ref] = flags.positionals;
  if (ref === undefined) throw svcError.noObjectId();
  const vdisk = vdiskRef(storage, ref);
  if (!host) throw svcError.doesNotExist();
  if (!vdisk) throw svcError.notSuitable();
  const mapping = storage.mappings.find((m) => m.hostId === host.id && m.vdiskId === vdisk.id);
  if (!mapping) throw svcError.mappingNotFound();
  removeMapping(storage, mapping);
  ctx.model.changed(causeOf(ctx));
  return '';
}

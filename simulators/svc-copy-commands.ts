import { parseFlags } from './cli-flags.js';
import { type CommandContext, causeOf } from './command-context.js';
import { lines } from './command-result.js';
import { type FlashCopyMap, type RcConsistencyGroup, type RcRelationship, type StorageSystem } from './fleet-model.js';
import { VIEW_FLAGS, detailedViewOptions, requireValue, storageOf, vdiskRef, viewOptions } from './svc-context.js';
import { svcError } from './svc-errors.js';
import { renderConcise, renderDetailed } from './svc-output.js';

/** Remote copy (consistency groups, relationships) and FlashCopy maps. */

const ONE_OBJECT = { ...VIEW_FLAGS, positionals: 1 };
const CONSISTENT_RUNNING = new Set(['consistent_synchronized', 'consistent_copying']);

function groupRef(ctx: CommandContext, ref: string | undefined): RcConsistencyGroup {
  if (ref === undefined) throw svcError.noObjectId();
  const group = ctx.model.groupsOf(ctx.device.name).find((g) => g.name === ref || String(g.id) === ref);
  if (!group) throw svcError.objectNotFound();
  return group;
}

function clusterId(ctx: CommandContext, name: string): string {
  return ctx.model.storage.get(name)?.clusterId ?? '';
}

function groupRow(ctx: CommandContext, g: RcConsistencyGroup): [string, string | number][] {
  return [
    ['id', g.id],
    ['name', g.name],
    ['master_cluster_id', clusterId(ctx, g.master)],
    ['master_cluster_name', g.master],
    ['aux_cluster_id', clusterId(ctx, g.aux)],
    ['aux_cluster_name', g.aux],
    ['primary', g.primary],
    ['state', g.state],
    ['relationship_count', g.relationships.length],
    ['copy_type', g.relationships.length === 0 ? 'empty_group' : g.copyType],
    ['cycling_mode', 'none'],
    ['freeze_time', ''],
  ];
}

/**
 * Whether a group's copies are identical: synchronized, or stopped/idling from there with every relationship at
 * 100 %. The simulator models no host writes, so a group stopped while synchronized stays in sync (a guess a real
 * system only shares until the first write).
 */
function inSync(g: RcConsistencyGroup): boolean {
  if (g.linkDown || g.relationships.length === 0) return false;
  if (g.state === 'consistent_synchronized') return true;
  return (g.state === 'consistent_stopped' || g.state === 'idling') && g.relationships.every((r) => r.progress === 100);
}

function syncText(g: RcConsistencyGroup): string {
  if (inSync(g)) return 'in_sync';
  return g.state.startsWith('consistent') || g.state.startsWith('idling') ? 'out_of_sync' : '';
}

export function lsrcconsistgrp(ctx: CommandContext, args: string[]): string {
  const flags = parseFlags(args, ONE_OBJECT);
  const [ref] = flags.positionals;
  if (ref !== undefined) {
    const g = groupRef(ctx, ref);
    return renderDetailed(
      {
        // Key order of Cinder's storwize simulator (test_storwize_svc.py _cmd_lsrcconsistgrp); one RC_rel_id and
        // RC_rel_name line per relationship follow without blank lines (a guess: no sample shows them).
        fields: [
          ...groupRow(ctx, g).slice(0, 9),
          ['freeze_time', ''],
          ['status', g.linkDown ? 'disconnected' : ''],
          ['sync', syncText(g)],
          ['copy_type', g.relationships.length === 0 ? 'empty_group' : g.copyType],
          ['cycling_mode', 'none'],
          ['cycle_period_seconds', 300],
          ...g.relationships.flatMap((r): [string, string | number][] => [
            ['RC_rel_id', r.id],
            ['RC_rel_name', r.name],
          ]),
        ],
      },
      detailedViewOptions(flags),
    );
  }
  return renderConcise(
    ctx.model.groupsOf(ctx.device.name).map((g) => groupRow(ctx, g)),
    viewOptions(flags),
  );
}

function relationshipRow(ctx: CommandContext, g: RcConsistencyGroup, r: RcRelationship): [string, string | number][] {
  const master = ctx.model.storage.get(g.master);
  const aux = ctx.model.storage.get(g.aux);
  return [
    ['id', r.id],
    ['name', r.name],
    ['master_cluster_id', clusterId(ctx, g.master)],
    ['master_cluster_name', g.master],
    ['master_vdisk_id', master ? (vdiskRef(master, r.masterVdisk)?.id ?? '') : ''],
    ['master_vdisk_name', r.masterVdisk],
    ['aux_cluster_id', clusterId(ctx, g.aux)],
    ['aux_cluster_name', g.aux],
    ['aux_vdisk_id', aux ? (vdiskRef(aux, r.auxVdisk)?.id ?? '') : ''],
    ['aux_vdisk_name', r.auxVdisk],
    ['primary', g.primary],
    ['consistency_group_id', g.id],
    ['consistency_group_name', g.name],
    ['state', g.state],
    ['bg_copy_priority', 50],
    ['progress', g.state === 'consistent_synchronized' ? '' : r.progress],
    ['copy_type', g.copyType],
    ['cycling_mode', 'none'],
    ['freeze_time', ''],
  ];
}

export function lsrcrelationship(ctx: CommandContext, args: string[]): string {
  const flags = parseFlags(args, ONE_OBJECT);
  const pairs = ctx.model.groupsOf(ctx.device.name).flatMap((g) => g.relationships.map((r) => ({ g, r })));
  const [ref] = flags.positionals;
  if (ref !== undefined) {
    const pair = pairs.find(({ r }) => r.name === ref || String(r.id) === ref);
    if (!pair) throw svcError.objectNotFound();
    const row = relationshipRow(ctx, pair.g, pair.r);
    return renderDetailed(
      {
        fields: [
          ...row.slice(0, 14),
          ['bg_copy_priority', 50],
          ['progress', row[15]![1]],
          ['freeze_time', ''],
          ['status', pair.g.linkDown ? 'disconnected' : 'online'],
          ['sync', syncText(pair.g)],
          ['copy_type', pair.g.copyType],
          ['cycling_mode', 'none'],
          ['cycle_period_seconds', 300],
        ],
      },
      detailedViewOptions(flags),
    );
  }
  return renderConcise(
    pairs.map(({ g, r }) => relationshipRow(ctx, g, r)),
    viewOptions(flags),
  );
}

/** startrcconsistgrp [-primary master|aux] [-force] [-clean] CG */
export function startrcconsistgrp(ctx: CommandContext, args: string[]): string {
  const flags = parseFlags(args, { values: ['-primary'], switches: ['-force', '-clean'], positionals: 1 });
  const g = groupRef(ctx, flags.positionals[0]);
  const primary = flags.values.get('-primary');
  if (primary !== undefined && primary !== 'master' && primary !== 'aux') throw svcError.invalidValue(primary);
  if (g.state === 'empty' || g.linkDown) throw svcError.rcWrongState();
  if (g.state === 'idling') {
    if (primary === undefined) throw svcError.noDirection();
    ctx.physics.startReplication(g, primary, causeOf(ctx));
    return '';
  }
  if (primary !== undefined && primary !== g.primary) throw svcError.rcWrongState();
  if (g.state === 'consistent_stopped' || g.state === 'inconsistent_stopped')
    ctx.physics.startReplication(g, g.primary || 'master', causeOf(ctx));
  return '';
}

/** stoprcconsistgrp [-access] CG: -access makes the secondary writable (idling). */
export function stoprcconsistgrp(ctx: CommandContext, args: string[]): string {
  const flags = parseFlags(args, { switches: ['-access'], values: [], positionals: 1 });
  const g = groupRef(ctx, flags.positionals[0]);
  const access = flags.switches.has('-access');
  const next = stoppedState(g.state, access);
  if (next === undefined) throw svcError.rcWrongState();
  g.state = next;
  g.syncEpoch = (g.syncEpoch ?? 0) + 1;
  if (next.startsWith('idling')) g.primary = '';
  ctx.model.changed(causeOf(ctx));
  return '';
}

function stoppedState(state: RcConsistencyGroup['state'], access: boolean): RcConsistencyGroup['state'] | undefined {
  if (state === 'idling' || state === 'idling_disconnected') return state;
  if (CONSISTENT_RUNNING.has(state) || state === 'consistent_stopped') return access ? 'idling' : 'consistent_stopped';
  if (state === 'consistent_disconnected') return access ? 'idling_disconnected' : state;
  if (state === 'inconsistent_copying' || state === 'inconsistent_stopped')
    return access ? undefined : 'inconsistent_stopped';
  return undefined;
}

/**
 * switchrcconsistgrp -primary master|aux CG. IBM's CLI reference (switchrcconsistgrp; e.g. SVC 5.1 and Storwize
 * V5030 8.2.1 pages): the group must be ConsistentSynchronized, ConsistentStopped and synchronized, or Idling and
 * synchronized; it is ConsistentSynchronized afterwards; the current primary again has no effect.
 */
export function switchrcconsistgrp(ctx: CommandContext, args: string[]): string {
  const flags = parseFlags(args, { values: ['-primary'], switches: [], positionals: 1 });
  const primary = requireValue(flags, '-primary');
  if (primary !== 'master' && primary !== 'aux') throw svcError.invalidValue(primary);
  const g = groupRef(ctx, flags.positionals[0]);
  if (!inSync(g)) throw svcError.rcWrongState();
  if (g.state === 'consistent_synchronized' && g.primary === primary) return '';
  g.primary = primary;
  g.state = 'consistent_synchronized';
  g.syncEpoch = (g.syncEpoch ?? 0) + 1;
  ctx.model.changed(causeOf(ctx));
  return '';
}

// ---- FlashCopy ----

function fcRef(storage: StorageSystem, ref: string | undefined): FlashCopyMap {
  if (ref === undefined) throw svcError.noObjectId();
  const map = storage.fcMaps.find((m) => m.name === ref || String(m.id) === ref);
  if (!map) throw svcError.doesNotExist();
  return map;
}

/** mkfcmap -source VOL -target VOL [-copyrate N] [-autodelete] [-name N] [-consistgrp G] [-cleanrate N] */
export function mkfcmap(ctx: CommandContext, args: string[]): string {
  const flags = parseFlags(args, {
    values: ['-source', '-target', '-copyrate', '-name', '-consistgrp', '-cleanrate', '-grainsize'],
    switches: ['-autodelete', '-incremental'],
  });
  const storage = storageOf(ctx);
  const source = vdiskRef(storage, requireValue(flags, '-source'));
  const target = vdiskRef(storage, requireValue(flags, '-target'));
  if (!source || !target) throw svcError.doesNotExist();
  if (source.id === target.id) throw svcError.fcSameVolume();
  if (source.capacityBytes !== target.capacityBytes) throw svcError.fcSizeMismatch();
  const copyRateText = flags.values.get('-copyrate') ?? '50';
  if (!/^\d+$/.test(copyRateText) || Number(copyRateText) > 150) throw svcError.invalidValue(copyRateText);
  if (storage.fcMaps.some((m) => m.targetVdiskId === target.id)) throw svcError.alreadyExists();
  const id = storage.nextFcMapId++;
  const name = flags.values.get('-name') ?? `fcmap${id}`;
  if (storage.fcMaps.some((m) => m.name === name)) throw svcError.alreadyExists();
  storage.fcMaps.push({
    id,
    name,
    sourceVdiskId: source.id,
    targetVdiskId: target.id,
    status: 'idle_or_copied',
    progress: 0,
    copyRate: Number(copyRateText),
    autoDelete: flags.switches.has('-autodelete'),
  });
  ctx.model.changed(causeOf(ctx));
  return lines([`FlashCopy Mapping, id [${id}], successfully created`]);
}

/** prestartfcmap ID: idle_or_copied|stopped -> preparing -> prepared. */
export function prestartfcmap(ctx: CommandContext, args: string[]): string {
  const flags = parseFlags(args, { values: [], switches: ['-restore'], positionals: 1 });
  const map = fcRef(storageOf(ctx), flags.positionals[0]);
  if (map.status !== 'idle_or_copied' && map.status !== 'stopped') throw svcError.fcWrongState();
  ctx.physics.prepareFlashCopy(storageOf(ctx), map, causeOf(ctx));
  return '';
}

/** startfcmap [-prep] ID: from prepared (or with -prep, from idle/stopped) to copying. */
export async function startfcmap(ctx: CommandContext, args: string[]): Promise<string> {
  const flags = parseFlags(args, { values: [], switches: ['-prep', '-restore'], positionals: 1 });
  const storage = storageOf(ctx);
  const map = fcRef(storage, flags.positionals[0]);
  if (flags.switches.has('-prep') && (map.status === 'idle_or_copied' || map.status === 'stopped')) {
    await ctx.physics.prepareFlashCopy(storage, map, causeOf(ctx));
  }
  if (map.status !== 'prepared') throw svcError.fcWrongState();
  ctx.physics.startFlashCopy(storage, map, causeOf(ctx));
  return '';
}

/** stopfcmap [-force] [-split] ID */
export function stopfcmap(ctx: CommandContext, args: string[]): string {
  const flags = parseFlags(args, { values: [], switches: ['-force', '-split'], positionals: 1 });
  const map = fcRef(storageOf(ctx), flags.positionals[0]);
  if (!['copying', 'prepared', 'preparing'].includes(map.status)) throw svcError.fcWrongState();
  map.status = 'stopped';
  map.epoch = (map.epoch ?? 0) + 1;
  ctx.model.changed(causeOf(ctx));
  return '';
}

/** rmfcmap [-force] ID: only when idle_or_copied or stopped. */
export function rmfcmap(ctx: CommandContext, args: string[]): string {
  const flags = parseFlags(args, { values: [], switches: ['-force'], positionals: 1 });
  const storage = storageOf(ctx);
  const map = fcRef(storage, flags.positionals[0]);
  if (map.status !== 'idle_or_copied' && map.status !== 'stopped') throw svcError.fcWrongState();
  storage.fcMaps.splice(storage.fcMaps.indexOf(map), 1);
  map.epoch = (map.epoch ?? 0) + 1;
  ctx.model.changed(causeOf(ctx));
  return '';
}

export function lsfcmap(ctx: CommandContext, args: string[]): string {
  const flags = parseFlags(args, ONE_OBJECT);
  const storage = storageOf(ctx);
  const name = (id: number) => storage.vdisks.find((v) => v.id === id)?.name ?? '';
  const row = (m: FlashCopyMap): [string, string | number][] => [
    ['id', m.id],
    ['name', m.name],
    ['source_vdisk_id', m.sourceVdiskId],
    ['source_vdisk_name', name(m.sourceVdiskId)],
    ['target_vdisk_id', m.targetVdiskId],
    ['target_vdisk_name', name(m.targetVdiskId)],
    ['group_id', ''],
    ['group_name', ''],
    ['status', m.status],
    ['progress', m.progress],
    ['copy_rate', m.copyRate],
    ['clean_progress', 100],
    ['incremental', 'off'],
    ['partner_FC_id', ''],
    ['partner_FC_name', ''],
    ['restoring', 'no'],
    ['start_time', m.startTime ?? ''],
    ['rc_controlled', 'no'],
  ];
  const [ref] = flags.positionals;
  if (ref !== undefined) return renderDetailed({ fields: row(fcRef(storage, ref)) }, detailedViewOptions(flags));
  return renderConcise(storage.fcMaps.map(row), viewOptions(flags));
}

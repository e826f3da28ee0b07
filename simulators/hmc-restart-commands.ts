import { parseFlags } from './cli-flags.js';
import { type CommandContext, causeOf } from './command-context.js';
import { DeviceCommandError } from './command-result.js';
import { removeServerAdapters } from './fleet-model.js';
import { hmcError } from './hmc-errors.js';
import { lparFilter, managedSystem, partitionIn } from './hmc-lookup.js';
import { type HmcRecord, parseHmcFilter, renderHmcRecords } from './hmc-output.js';
import { displayedLparState } from './hmc-records.js';

const RR_FLAGS = {
  values: [
    '-o',
    '-m',
    '-t',
    '-p',
    '--id',
    '--ip',
    '-u',
    '--redundantvios',
    '--mpio',
    '--vlanbridge',
    '-f',
    '-i',
    '-w',
    '-d',
    '-r',
  ],
  switches: ['--retaindev', '--usecurrdata', '--noconnection', '--force', '-v'],
};

/** rrstartlpar -o validate|restart|cleanup -m SRC [-t TGT] {-p LPAR | --id N} [--noconnection] … */
export async function rrstartlpar(ctx: CommandContext, args: string[]): Promise<string> {
  const flags = parseFlags(args, RR_FLAGS);
  const operation = flags.values.get('-o');
  if (operation === undefined) throw hmcError.missingParameter('-o');
  const source = managedSystem(ctx, flags);
  const partition = partitionIn(source, flags, '-p');
  const targets = [source.name, source.hmc];
  if (operation === 'cleanup') {
    if (!['Operating', 'Standby'].includes(source.state)) throw hmcError.cleanupState(source.name, source.state);
    if (partition.remoteRestartStatus !== 'Remote Restarted')
      throw hmcError.remoteRestartNotCapable(partition.name, partition.remoteRestartStatus);
    await ctx.physics.sleep(ctx.physics.duration('remoteRestartCleanup', targets));
    source.partitions.splice(source.partitions.indexOf(partition), 1);
    removeServerAdapters(source, partition);
    ctx.model.changed(causeOf(ctx));
    return '';
  }
  if (operation !== 'validate' && operation !== 'restart') throw hmcError.invalidParameter(`-o ${operation}`);
  const target = managedSystem(ctx, flags, '-t');
  if (source.state === 'No Connection' && !flags.switches.has('--noconnection')) {
    throw new DeviceCommandError(
      `HSCLA9A6 The source managed system ${source.name} is in the No Connection state. Use the --noconnection option to restart partitions from a system the HMC cannot reach.`,
    );
  }
  ctx.physics.remoteRestartCheck(source, target, partition);
  if (operation === 'validate') {
    await ctx.physics.sleep(ctx.physics.duration('remoteRestartValidate', targets));
    return '';
  }
  partition.remoteRestartStatus = 'Source Remote Restarting';
  try {
    await ctx.physics.sleep(ctx.physics.duration('remoteRestart', [...targets, target.name]));
  } finally {
    partition.remoteRestartStatus = 'Remote Restartable';
  }
  ctx.physics.remoteRestart(source, target, partition, causeOf(ctx));
  return '';
}

/** lsrrstartlpar -r lpar -m SYS [--filter …] [-F …] | -r mc */
export function lsrrstartlpar(ctx: CommandContext, args: string[]): string {
  const flags = parseFlags(args, { values: ['-r', '-m', '-F', '--filter'], switches: ['--header'] });
  const resource = flags.values.get('-r');
  if (resource === 'mc')
    return renderHmcRecords(
      [
        [
          ['auto_cleanup_enabled', 0],
          ['max_num_rr', 32],
        ],
      ],
      flags,
    );
  if (resource !== 'lpar')
    throw resource === undefined ? hmcError.missingParameter('-r') : hmcError.invalidParameter(`-r ${resource}`);
  const system = managedSystem(ctx, flags);
  const filters = parseHmcFilter(flags.values.get('--filter') ?? '', ['lpar_names', 'lpar_ids']);
  const records: HmcRecord[] = lparFilter(
    system,
    system.partitions.filter((p) => !p.vios),
    filters,
  ).map((p) => [
    ['lpar_name', p.name],
    ['lpar_id', p.id],
    ['simplified_remote_restart_capable', p.srrCapable ? 1 : 0],
    ['remote_restart_status', p.remoteRestartStatus],
    ['state', displayedLparState(system, p)],
  ]);
  return renderHmcRecords(records, flags);
}

import { parseFlags } from './cli-flags.js';
import { type CommandContext, causeOf } from './command-context.js';
import { DeviceCommandError } from './command-result.js';
import { hmcError } from './hmc-errors.js';
import { lparFilter, managedSystem, partitionIn } from './hmc-lookup.js';
import { type HmcRecord, parseHmcFilter, renderHmcRecords } from './hmc-output.js';

const MIGRATION_FLAGS = {
  values: [
    '-o',
    '-m',
    '-t',
    '-p',
    '--id',
    '--ip',
    '-u',
    '-n',
    '--redundantvios',
    '--mpio',
    '--vlanbridge',
    '--npivval',
    '--requirerr',
    '--redundantmsps',
    '-f',
    '-i',
    '-w',
    '-d',
    '-r',
  ],
  switches: ['--usecurrdata', '--force', '-v', '--all'],
};

const destinations = new WeakMap<object, string>();

/** migrlpar -o v|m|s|r -m SRC [-t TGT] -p LPAR. `m` holds the call for the modelled memory copy. */
export async function migrlpar(ctx: CommandContext, args: string[]): Promise<string> {
  const flags = parseFlags(args, MIGRATION_FLAGS);
  const operation = flags.values.get('-o');
  if (operation === undefined) throw hmcError.missingParameter('-o');
  const source = managedSystem(ctx, flags);
  const partition = partitionIn(source, flags, '-p');
  if (operation === 's') {
    if (partition.migrationState !== 'Migration In Progress') throw hmcError.notMigrating(partition.name);
    partition.migrationState = 'Migration Stopping';
    return '';
  }
  if (operation === 'r') {
    if (partition.migrationState === 'Not Migrating') throw hmcError.notMigrating(partition.name);
    ctx.physics.endMigration(partition, partition.state === 'Migrating - Running');
    ctx.model.changed(causeOf(ctx));
    return '';
  }
  if (operation !== 'v' && operation !== 'm') throw hmcError.invalidParameter(`-o ${operation}`);
  const target = managedSystem(ctx, flags, '-t');
  ctx.physics.migrationCheck(source, target, partition);
  await ctx.physics.sleep(ctx.physics.duration('migrationValidate', [source.name, target.name, source.hmc]));
  if (operation === 'v') return '';
  destinations.set(partition, target.name);
  const outcome = await ctx.physics.migrate(
    source,
    target,
    partition,
    causeOf(ctx),
    () => partition.migrationState === 'Migration Stopping',
  );
  if (outcome === 'stopped')
    throw new DeviceCommandError(`HSCLA31B The migration of partition ${partition.name} was stopped.`);
  if (outcome !== 'done') throw new DeviceCommandError(outcome.failed);
  return '';
}

/** lslparmigr -r lpar -m SYS [--filter lpar_names=…] | -r sys -m SYS */
export function lslparmigr(ctx: CommandContext, args: string[]): string {
  const flags = parseFlags(args, {
    values: ['-r', '-m', '-t', '-p', '-F', '--filter', '--ip', '-u'],
    switches: ['--header'],
  });
  const resource = flags.values.get('-r');
  const system = managedSystem(ctx, flags);
  if (resource === 'sys') {
    const inProgress = (prefix: string) => system.partitions.filter((p) => p.state === `Migrating - ${prefix}`).length;
    return renderHmcRecords(
      [
        [
          ['inactive_lpar_mobility_capable', 1],
          ['num_inactive_migrations_supported', 4],
          ['num_inactive_migrations_in_progress', inProgress('Not Activated')],
          ['active_lpar_mobility_capable', 1],
          ['num_active_migrations_supported', 16],
          ['num_active_migrations_in_progress', inProgress('Running')],
        ],
      ],
      flags,
    );
  }
  if (resource !== 'lpar')
    throw resource === undefined ? hmcError.missingParameter('-r') : hmcError.invalidParameter(`-r ${resource}`);
  const filters = parseHmcFilter(flags.values.get('--filter') ?? '', ['lpar_names', 'lpar_ids']);
  const records: HmcRecord[] = lparFilter(system, system.partitions, filters).map((p) => {
    const busy = p.migrationState !== 'Not Migrating';
    return [
      ['name', p.name],
      ['lpar_id', p.id],
      ['migration_state', p.migrationState],
      ['migration_type', busy ? (p.state === 'Migrating - Running' ? 'active' : 'inactive') : 'unavailable'],
      ['dest_sys_name', busy ? (destinations.get(p) ?? '') : 'unavailable'],
      ['dest_lpar_id', busy ? 'unknown' : 'unavailable'],
      ['bytes_transmitted', busy ? 'unknown' : 'unavailable'],
      ['bytes_remaining', busy ? 'unknown' : 'unavailable'],
    ];
  });
  return renderHmcRecords(records, flags);
}

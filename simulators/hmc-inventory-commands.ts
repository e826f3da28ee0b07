import { parseFlags } from './cli-flags.js';
import { type CommandContext } from './command-context.js';
import { hmcError } from './hmc-errors.js';
import { lparFilter, managedSystem } from './hmc-lookup.js';
import { type HmcRecord, parseHmcFilter, renderHmcRecords } from './hmc-output.js';
import {
  lparRecord,
  memLparRecord,
  memSystemRecord,
  procLparRecord,
  procSystemRecord,
  profileRecord,
  systemRecord,
  virtualFcRecords,
  virtualScsiRecords,
} from './hmc-records.js';
import { type HmcDevice } from './fleet-model.js';

const LIST_FLAGS = { values: ['-r', '-m', '-F', '--filter', '--level', '--rsubtype'], switches: ['--header'] };

/** lssyscfg -r sys|lpar|prof [-m SYS] [--filter …] [-F …] [--header] */
export function lssyscfg(ctx: CommandContext, args: string[]): string {
  const flags = parseFlags(args, LIST_FLAGS);
  const resource = flags.values.get('-r');
  if (resource === undefined) throw hmcError.missingParameter('-r');
  if (flags.values.has('--level') || flags.values.has('--rsubtype'))
    throw hmcError.invalidParameter(flags.values.has('--level') ? '--level' : '--rsubtype');
  if (resource === 'sys') {
    const filters = parseHmcFilter(flags.values.get('--filter') ?? '', ['names']);
    const hmc = ctx.device as HmcDevice;
    const systems = flags.values.has('-m') ? [managedSystem(ctx, flags)] : hmc.systems.map((n) => ctx.model.system(n)!);
    const names = filters.get('names');
    return renderHmcRecords(
      systems.filter((s) => !names || names.includes(s.name)).map((s) => systemRecord(s, hmc)),
      flags,
    );
  }
  const system = managedSystem(ctx, flags);
  if (resource === 'lpar') {
    const filters = parseHmcFilter(flags.values.get('--filter') ?? '', [
      'lpar_names',
      'lpar_ids',
      'lpar_env',
      'work_groups',
    ]);
    const envs = filters.get('lpar_env');
    const partitions = lparFilter(system, system.partitions, filters).filter((p) => !envs || envs.includes(p.env));
    return renderHmcRecords(
      partitions.map((p) => lparRecord(system, p, ctx.device as HmcDevice)),
      flags,
    );
  }
  if (resource === 'prof') {
    const filters = parseHmcFilter(flags.values.get('--filter') ?? '', ['lpar_names', 'lpar_ids', 'profile_names']);
    const profileNames = filters.get('profile_names');
    const records: HmcRecord[] = lparFilter(system, system.partitions, filters).flatMap((p) =>
      p.profiles
        .filter((profile) => !profileNames || profileNames.includes(profile.name))
        .map((profile) => profileRecord(system, p, profile.name)),
    );
    return renderHmcRecords(records, flags);
  }
  throw hmcError.invalidParameter(`-r ${resource}`);
}

/** lshwres -r proc|mem -m SYS --level sys|lpar, and -r virtualio --rsubtype scsi|fc --level lpar */
export function lshwres(ctx: CommandContext, args: string[]): string {
  const flags = parseFlags(args, LIST_FLAGS);
  const resource = flags.values.get('-r');
  if (resource === undefined) throw hmcError.missingParameter('-r');
  const system = managedSystem(ctx, flags);
  const level = flags.values.get('--level');
  if (level === undefined) throw hmcError.missingParameter('--level');
  const filters = parseHmcFilter(flags.values.get('--filter') ?? '', ['lpar_names', 'lpar_ids']);
  const partitions = lparFilter(system, system.partitions, filters);
  if (resource === 'proc' || resource === 'mem') {
    if (level === 'sys')
      return renderHmcRecords(
        [resource === 'proc' ? procSystemRecord(ctx.physics, system) : memSystemRecord(ctx.physics, system)],
        flags,
      );
    if (level === 'lpar')
      return renderHmcRecords(
        partitions.map((p) =>
          resource === 'proc' ? procLparRecord(ctx.physics, system, p) : memLparRecord(ctx.physics, system, p),
        ),
        flags,
      );
    throw hmcError.invalidParameter(`--level ${level}`);
  }
  if (resource === 'virtualio') {
    const subtype = flags.values.get('--rsubtype');
    if (subtype === undefined) throw hmcError.missingParameter('--rsubtype');
    if (level !== 'lpar') throw hmcError.invalidParameter(`--level ${level}`);
    const names = new Set(partitions.map((p) => p.name));
    if (subtype === 'scsi')
      return renderHmcRecords(
        virtualScsiRecords(system).filter((r) => names.has(String(r[0]![1]))),
        flags,
      );
    if (subtype === 'fc')
      return renderHmcRecords(
        virtualFcRecords(system).filter((r) => names.has(String(r[0]![1]))),
        flags,
      );
    throw hmcError.invalidParameter(`--rsubtype ${subtype}`);
  }
  throw hmcError.invalidParameter(`-r ${resource}`);
}

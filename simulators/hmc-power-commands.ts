import { parseFlags } from './cli-flags.js';
import { type CommandContext, causeOf } from './command-context.js';
import { hmcError } from './hmc-errors.js';
import { managedSystem, partitionIn } from './hmc-lookup.js';

/**
 * chsysstate -m SYS -r sys -o on|off [--immed] | -r lpar -o on|shutdown|osshutdown {-n NAME|--id N} [-f PROFILE] [-b MODE] [--immed]
 * Returns at once with no output; the state then changes over the modelled time.
 */
export function chsysstate(ctx: CommandContext, args: string[]): string {
  const flags = parseFlags(args, {
    values: ['-m', '-r', '-o', '-n', '--id', '-f', '-b', '-k'],
    switches: ['--immed', '--restart', '--force', '--all'],
  });
  const resource = flags.values.get('-r');
  const operation = flags.values.get('-o');
  if (resource === undefined) throw hmcError.missingParameter('-r');
  if (operation === undefined) throw hmcError.missingParameter('-o');
  const system = managedSystem(ctx, flags);
  const immediate = flags.switches.has('--immed');
  if (resource === 'sys') {
    if (operation === 'off') ctx.physics.powerOff(system, immediate, causeOf(ctx));
    else if (operation === 'on') ctx.physics.powerOn(system, causeOf(ctx));
    else throw hmcError.invalidParameter(`-o ${operation}`);
    return '';
  }
  if (resource !== 'lpar') throw hmcError.invalidParameter(`-r ${resource}`);
  const partition = partitionIn(system, flags, '-n');
  if (operation === 'on') {
    const profile = flags.values.get('-f') ?? (partition.currentProfile || undefined);
    if (profile === undefined)
      throw hmcError.profileNotFound('(none given; the first activation must name a profile with -f)', partition.name);
    const bootMode = flags.values.get('-b') ?? 'norm';
    if (!['norm', 'sms', 'dd', 'ds', 'of'].includes(bootMode)) throw hmcError.invalidParameter(`-b ${bootMode}`);
    ctx.physics.activate(system, partition, { profile, sms: bootMode === 'sms', cause: causeOf(ctx) });
  } else if (operation === 'shutdown' || operation === 'osshutdown') {
    ctx.physics.shutdown(system, partition, operation === 'shutdown' && immediate, causeOf(ctx));
  } else {
    throw hmcError.invalidParameter(`-o ${operation}`);
  }
  return '';
}

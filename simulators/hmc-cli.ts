import { FlagError, parseFlags } from './cli-flags.js';
import { type CommandContext } from './command-context.js';
import { type CommandResult, DeviceCommandError, succeed } from './command-result.js';
import { type HmcDevice } from './fleet-model.js';
import { hmcError } from './hmc-errors.js';
import { lshwres, lssyscfg } from './hmc-inventory-commands.js';
import { managedSystem, partitionIn } from './hmc-lookup.js';
import { lslparmigr, migrlpar } from './hmc-mobility-commands.js';
import { chsysstate } from './hmc-power-commands.js';
import { chhwres, chsyscfg } from './hmc-resize-commands.js';
import { lsrrstartlpar, rrstartlpar } from './hmc-restart-commands.js';
import { type LatencyOperation } from './latency.js';
import { runIoscli } from './vios-commands.js';

type HmcHandler = (ctx: CommandContext, args: string[]) => string | Promise<string>;

interface HmcCommand {
  handler: HmcHandler;
  latency: LatencyOperation;
  changesState: boolean;
}

const COMMANDS: Record<string, HmcCommand> = {
  lssyscfg: { handler: lssyscfg, latency: 'hmcQuery', changesState: false },
  lshwres: { handler: lshwres, latency: 'hmcQuery', changesState: false },
  lsrrstartlpar: { handler: lsrrstartlpar, latency: 'hmcQuery', changesState: false },
  lslparmigr: { handler: lslparmigr, latency: 'hmcQuery', changesState: false },
  chsysstate: { handler: chsysstate, latency: 'hmcChange', changesState: true },
  rrstartlpar: { handler: rrstartlpar, latency: 'hmcQuery', changesState: true },
  migrlpar: { handler: migrlpar, latency: 'hmcQuery', changesState: true },
  viosvrcmd: { handler: viosvrcmd, latency: 'viosCommand', changesState: true },
  chsyscfg: { handler: chsyscfg, latency: 'hmcChange', changesState: true },
  chhwres: { handler: chhwres, latency: 'hmcChange', changesState: true },
};

export const HMC_COMMAND_NAMES = Object.keys(COMMANDS);

/** Concurrent state-changing operations per HMC, for the maxConcurrentOperations limit. */
const running = new WeakMap<HmcDevice, number>();

/**
 * Runs one HMC command line. HSCL errors go to stdout with exit 1 (power-cli.md §1); a command the
 * restricted shell does not know gets bash's `command not found` on stderr with exit 127.
 */
export async function runHmcCommand(ctx: CommandContext, name: string, args: string[]): Promise<CommandResult> {
  const command = COMMANDS[name];
  if (!command) return { stdout: '', stderr: `rbash: ${name}: command not found\n`, exitCode: 127 };
  const hmc = ctx.device as HmcDevice;
  const busy = running.get(hmc) ?? 0;
  if (command.changesState && busy >= hmc.maxConcurrentOperations)
    return hmcFailure(hmcError.tooManyOperations(hmc.maxConcurrentOperations));
  if (command.changesState) running.set(hmc, busy + 1);
  try {
    await ctx.physics.sleep(ctx.physics.duration(command.latency, [hmc.name]));
    if (name !== 'lssyscfg') refuseLostSystems(ctx, hmc, args);
    return succeed(await command.handler(ctx, args));
  } catch (error) {
    if (error instanceof FlagError) return hmcFailure(hmcError.invalidParameter(error.flag));
    if (error instanceof DeviceCommandError) return hmcFailure(error);
    throw error;
  } finally {
    if (command.changesState) running.set(hmc, (running.get(hmc) ?? 1) - 1);
  }
}

/**
 * An HMC that lost its connection to a system (fault hmc-connection-lost) cannot act on it or read it live: every
 * command naming it with -m or -t is refused as for a system in `No Connection` (the same HSCL0237 refusal the
 * simulator gives any system not in a state the command accepts; the code is a guess, see README). lssyscfg still
 * answers from the HMC's own records: the system `No Connection`, its partitions `Not Available`.
 */
function refuseLostSystems(ctx: CommandContext, hmc: HmcDevice, args: string[]): void {
  if (hmc.lostSystems.size === 0) return;
  for (const [index, word] of args.entries()) {
    if (word !== '-m' && word !== '-t') continue;
    const named = args[index + 1];
    const system = [...ctx.model.systems.values()].find(
      (s) => s.name === named || `${s.typeModel}*${s.serial}` === named,
    );
    if (system && hmc.lostSystems.has(system.name)) throw hmcError.systemNotOperating(system.name, 'No Connection');
  }
}

export function hmcFailure(error: DeviceCommandError): CommandResult {
  return { stdout: `${error.message}\n`, stderr: '', exitCode: error.exitCode };
}

/** viosvrcmd -m SYS {-p VIOS | --id N} -c "ioscli command" — needs the VIOS running with RMC active. */
function viosvrcmd(ctx: CommandContext, args: string[]): string {
  const flags = parseFlags(args, { values: ['-m', '-p', '--id', '-c', '-t'], switches: ['--admin'] });
  const system = managedSystem(ctx, flags);
  const vios = partitionIn(system, flags, '-p');
  const commandLine = flags.values.get('-c');
  if (commandLine === undefined) throw hmcError.missingParameter('-c');
  if (!vios.vios)
    throw new DeviceCommandError(`HSCL2971 The partition ${vios.name} is not a Virtual I/O Server partition.`);
  if (system.state !== 'Operating') throw hmcError.systemNotOperating(system.name, system.state);
  if (vios.state !== 'Running' || vios.rmcState !== 'active') throw hmcError.rmcInactive(vios.name);
  return runIoscli(ctx, system, vios, commandLine);
}

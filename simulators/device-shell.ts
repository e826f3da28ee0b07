import { type CommandContext } from './command-context.js';
import { type CommandResult, DeviceCommandError } from './command-result.js';
import { type FaultRegistry } from './faults.js';
import { type Device } from './fleet-model.js';
import { hmcFailure, runHmcCommand } from './hmc-cli.js';
import { ShellSyntaxError, splitShellWords } from './shell-words.js';
import { svcFailure, runSvcCommand } from './svc-cli.js';

/** Default texts of an injected command-fail fault, in each device's own error format. */
const DEFAULT_FAULT_MESSAGE = {
  // A transient code (too many concurrent operations): HSCL350B, used here before, is an authority error on a real HMC.
  hmc: 'HSCL3F01 Too many concurrent operations are running on the HMC, please retry the operation later.',
  svc: 'CMMVC5786E The action failed because the cluster is not in a stable state.',
};

/**
 * The device's restricted shell: splits the line like a shell, applies command-fail/command-hang
 * faults, then runs the command. `aborted` settles when the client goes away (a hung command stops).
 */
export async function runDeviceLine(
  ctx: CommandContext,
  faults: FaultRegistry,
  aborted: Promise<void>,
): Promise<CommandResult> {
  let words: string[];
  try {
    words = splitShellWords(ctx.line);
  } catch (error) {
    if (error instanceof ShellSyntaxError) return { stdout: '', stderr: `rbash: ${error.message}\n`, exitCode: 2 };
    throw error;
  }
  if (words.length === 0) return { stdout: '', stderr: '', exitCode: 0 };
  const effect = faults.commandEffect(ctx.device.name, commandName(ctx.device, words), ctx.line);
  if (effect?.kind === 'fail')
    return failure(ctx.device, new DeviceCommandError(effect.message ?? DEFAULT_FAULT_MESSAGE[ctx.device.kind]));
  if (effect?.kind === 'hang') {
    const outcome = await Promise.race([
      effect.released.then(() => 'released' as const),
      aborted.then(() => 'aborted' as const),
    ]);
    if (outcome === 'aborted') return { stdout: '', stderr: '', exitCode: 255 };
  }
  if (ctx.device.kind === 'hmc') return runHmcCommand(ctx, words[0]!, words.slice(1));
  return runSvcCommand(ctx, words);
}

/** The command's name for fault matching: the first word, without an SVC svcinfo/svctask prefix. */
export function commandName(device: Device, words: string[]): string {
  if (device.kind === 'svc' && (words[0] === 'svcinfo' || words[0] === 'svctask')) return words[1] ?? '';
  return words[0] ?? '';
}

function failure(device: Device, error: DeviceCommandError): CommandResult {
  return device.kind === 'hmc' ? hmcFailure(error) : svcFailure(error);
}

import { FlagError } from './cli-flags.js';
import { type CommandContext } from './command-context.js';
import { type CommandResult, DeviceCommandError, succeed } from './command-result.js';
import { type LatencyOperation } from './latency.js';
import {
  lsfcmap,
  lsrcconsistgrp,
  lsrcrelationship,
  mkfcmap,
  prestartfcmap,
  rmfcmap,
  startfcmap,
  startrcconsistgrp,
  stopfcmap,
  stoprcconsistgrp,
  switchrcconsistgrp,
} from './svc-copy-commands.js';
import { svcError } from './svc-errors.js';
import {
  addhostport,
  lshost,
  lshostvdiskmap,
  lsvdisk,
  lsvdiskhostmap,
  mkhost,
  mkvdiskhostmap,
  rmhostport,
  rmvdiskhostmap,
} from './svc-mapping-commands.js';

type SvcHandler = (ctx: CommandContext, args: string[]) => string | Promise<string>;

const QUERIES: Record<string, SvcHandler> = {
  lsvdisk,
  lshost,
  lsvdiskhostmap,
  lshostvdiskmap,
  lsrcconsistgrp,
  lsrcrelationship,
  lsfcmap,
};
const TASKS: Record<string, SvcHandler> = {
  mkhost,
  addhostport,
  rmhostport,
  mkvdiskhostmap,
  rmvdiskhostmap,
  startrcconsistgrp,
  stoprcconsistgrp,
  switchrcconsistgrp,
  mkfcmap,
  prestartfcmap,
  startfcmap,
  stopfcmap,
  rmfcmap,
};

export const SVC_COMMAND_NAMES = [...Object.keys(QUERIES), ...Object.keys(TASKS)];

/**
 * Runs one Spectrum Virtualize command. `svcinfo`/`svctask` prefixes are optional (and must match the
 * command's kind); CMMVC errors go to stderr with exit 1 (power-cli.md §3).
 */
export async function runSvcCommand(ctx: CommandContext, words: string[]): Promise<CommandResult> {
  const [first = '', ...rest] = words;
  const prefix = first === 'svcinfo' || first === 'svctask' ? first : undefined;
  const name = prefix ? (rest[0] ?? '') : first;
  const args = prefix ? rest.slice(1) : rest;
  const handler =
    (prefix !== 'svctask' ? QUERIES[name] : undefined) ?? (prefix !== 'svcinfo' ? TASKS[name] : undefined);
  if (!handler) {
    return {
      stdout: '',
      stderr: prefix
        ? `CMMVC5986E The command was not recognized: ${prefix} ${name}.\n`
        : `rbash: ${name}: command not found\n`,
      exitCode: prefix ? 1 : 127,
    };
  }
  const latency: LatencyOperation = name in QUERIES ? 'svcQuery' : 'svcChange';
  try {
    await ctx.physics.sleep(ctx.physics.duration(latency, [ctx.device.name]));
    return succeed(await handler(ctx, args));
  } catch (error) {
    if (error instanceof FlagError) return svcFailure(flagError(error));
    if (error instanceof DeviceCommandError) return svcFailure(error);
    throw error;
  }
}

function flagError(error: FlagError): DeviceCommandError {
  return error.reason === 'missing-value' ? svcError.missingParameters() : svcError.notSupportedParameter(error.flag);
}

export function svcFailure(error: DeviceCommandError): CommandResult {
  return { stdout: '', stderr: `${error.message}\n`, exitCode: error.exitCode };
}

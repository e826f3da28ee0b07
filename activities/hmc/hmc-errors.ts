// HMC errors: `HSCLxxxx text` (usually on stdout, exit 1). Classified by code: what a retry can fix (a busy HMC,
// too many concurrent operations, RMC not yet active, a transitional state) and what it cannot (an unknown
// object, not enough processors or memory, a partition that is not remote restartable).
import { DeviceError } from '../ssh/device-errors.js';
import type { ExecResult } from '../ssh/device-pool.js';

const PERMANENT = new Set([
  'HSCL8012', // partition not found
  'HSCL8015', // managed system not found
  'HSCL8016', // profile not found
  'HSCL0622', // not enough processing units
  'HSCL0623', // not enough memory
  'HSCLA9A4', // partition not remote restartable
  'HSCL1602', // partition already exists on the target
]);

export class HmcError extends DeviceError {
  constructor(device: string, command: string, code: string | undefined, text: string, retryable: boolean) {
    super('device', device, `${device}: ${text}`, retryable, code, command);
    this.name = 'HmcError';
  }

  override get failureType(): string {
    return this.code ? `HmcError.${this.code}` : 'HmcError';
  }
}

/** The error in a failed command's output, or undefined when the command succeeded. */
export function hmcFailure(device: string, command: string, result: ExecResult): HmcError | undefined {
  if (result.exitCode === 0) return undefined;
  const text = `${result.stdout}\n${result.stderr}`.trim().replace(/\s+/g, ' ');
  const code = /HSCL[0-9A-F]{4}/.exec(text)?.[0];
  if (code) return new HmcError(device, command, code, text, !PERMANENT.has(code));
  // A VIOS command run through viosvrcmd: `[VIOSE01040181-0181] message`. The callers handle the "already done"
  // cases; anything else is a wrong request for the VIOS's current configuration.
  const vios = /\[(VIOSE[0-9A-F]+)-[0-9]+\]/.exec(text)?.[1];
  if (vios) return new HmcError(device, command, vios, text, false);
  // No HSCL code: a shell error (unknown command, bad flag, syntax). Our command is wrong; a retry cannot help.
  return new HmcError(device, command, undefined, text || `"${command}" failed with exit status ${result.exitCode}`, false);
}

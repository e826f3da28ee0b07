// Spectrum Virtualize errors: `CMMVCnnnnE text` on stderr with a non-zero exit. Classified by code: what a retry
// can fix (object not in a stable state, a LUN raced by another mapping, the replication link) and what it cannot
// (unknown object, bad parameters, sizes that differ, a name that is not allowed).
import { DeviceError } from '../ssh/device-errors.js';
import type { ExecResult } from '../ssh/device-pool.js';

const RETRYABLE = new Set([
  'CMMVC5786E', // the cluster/object is not in a stable state
  'CMMVC5879E', // that SCSI LUN was just taken on this host: pick another and retry
  'CMMVC5982E', // not valid in the relationship's current state (e.g. link down): may become valid
  'CMMVC5903E', // FlashCopy mapping in another state (preparing/stopping): transitional
  'CMMVC6372W', // warning only
]);

export class SvcError extends DeviceError {
  constructor(device: string, command: string, code: string | undefined, text: string, retryable: boolean) {
    super('device', device, `${device}: ${text}`, retryable, code, command);
    this.name = 'SvcError';
  }

  override get failureType(): string {
    return this.code ? `SvcError.${this.code}` : 'SvcError';
  }
}

export function svcFailure(device: string, command: string, result: ExecResult): SvcError | undefined {
  if (result.exitCode === 0) return undefined;
  const text = `${result.stderr}\n${result.stdout}`.trim().replace(/\s+/g, ' ');
  const code = /CMMVC[0-9]{4}[EW]/.exec(text)?.[0];
  if (code) return new SvcError(device, command, code, text, RETRYABLE.has(code));
  return new SvcError(device, command, undefined, text || `"${command}" failed with exit status ${result.exitCode}`, false);
}

// Spectrum Virtualize errors: `CMMVCnnnnE text` on stderr with a non-zero exit. Classified by the table in
// svc-error-codes.ts (each entry with its source), by the innermost error code when several are printed.
import { DeviceError } from '../ssh/device-errors.js';
import type { ExecResult } from '../ssh/device-pool.js';
import { classOf, decisiveCode, isRetryableClass, svcCodes } from './svc-error-codes.js';

/**
 * A storage system's refusal. `errorClass` says what it means for idempotency and retry; `retryable` follows from
 * it (transient and state-recheck: true; everything else, `unknown` included: false).
 */
export class SvcError extends DeviceError {
  constructor(device: string, command: string, code: string | undefined, text: string, errorClass = classOf(code)) {
    super('device', device, `${device}: ${text}`, isRetryableClass(errorClass), code, command, errorClass);
    this.name = 'SvcError';
  }

  override get failureType(): string {
    return this.code ? `SvcError.${this.code}` : 'SvcError';
  }
}

/**
 * The error a command's result means, or undefined when it succeeded. Exit 0 is success; so is a non-zero exit that
 * printed only warnings (`CMMVC…W`): IBM's CSI driver and Cinder's storwize driver both treat a warning as done.
 * Without any code (e.g. `rbash: x: command not found`) the class is `unknown`.
 */
export function svcFailure(device: string, command: string, result: ExecResult): SvcError | undefined {
  if (result.exitCode === 0) return undefined;
  const text = `${result.stderr}\n${result.stdout}`.trim().replace(/\s+/g, ' ');
  const codes = svcCodes(text);
  if (codes.length > 0 && codes.every((code) => code.endsWith('W'))) return undefined;
  const code = decisiveCode(codes);
  return new SvcError(device, command, code, text || `"${command}" failed with exit status ${result.exitCode}`);
}

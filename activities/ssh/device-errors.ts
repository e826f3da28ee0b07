// Everything that can go wrong talking to a device, as typed errors the activities turn into Temporal failures:
// `retryable` says whether trying again can help (a timeout, a dropped connection, a busy device) or not (an unknown
// object, insufficient resources, a host key that does not match); `errorClass` says what kind of failure it is, so an
// activity can decide per step (see error-classes.ts).
import type { ErrorClass } from './error-classes.js';

export type DeviceErrorKind =
  | 'device' // the device answered with an error code (HSCL…, CMMVC…)
  | 'unreachable' // cannot connect, or the connection dropped
  | 'timeout' // the command did not answer in time
  | 'host-key' // the device's host key is unknown or does not match known_hosts
  | 'auth' // the credentials were refused
  | 'credential' // the credential reference cannot be resolved in this process
  | 'output' // the device's output could not be understood
  | 'cancelled'; // the activity was cancelled or timed out before the command was sent

export class DeviceError extends Error {
  constructor(
    readonly kind: DeviceErrorKind,
    readonly device: string,
    message: string,
    readonly retryable: boolean,
    readonly code?: string,
    readonly command?: string,
    errorClass?: ErrorClass,
  ) {
    super(message);
    this.name = 'DeviceError';
    this.errorClass = errorClass ?? defaultClass(kind, retryable);
  }

  /** What kind of failure this is; defaults from the kind (and, for device answers, from `retryable`). */
  readonly errorClass: ErrorClass;

  /** The ApplicationFailure type the activities report, e.g. `DeviceError.unreachable` or `HmcError.HSCL8012`. */
  get failureType(): string {
    return this.code
      ? `${this.kind === 'device' ? 'Device' : this.kind}Error.${this.code}`
      : `DeviceError.${this.kind}`;
  }
}

export const unreachable = (device: string, detail: string) =>
  new DeviceError('unreachable', device, `${device}: cannot reach the device (${detail})`, true);
export const commandTimeout = (device: string, command: string, ms: number) =>
  new DeviceError('timeout', device, `${device}: no answer to "${command}" within ${ms} ms`, true, undefined, command);

/**
 * The class of an error whose driver gave none: connection problems are transient, credential problems are
 * authentication, unreadable output and uncoded device answers are unknown unless the driver said retryable.
 */
function defaultClass(kind: DeviceErrorKind, retryable: boolean): ErrorClass {
  if (kind === 'unreachable' || kind === 'timeout') return 'transient';
  if (kind === 'host-key' || kind === 'auth' || kind === 'credential') return 'authentication';
  return retryable ? 'transient' : 'unknown';
}

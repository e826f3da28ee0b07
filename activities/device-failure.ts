// How device errors leave an activity: as a Temporal ApplicationFailure whose type names the device error
// (e.g. `HmcError.HSCL0622`, `SvcError.CMMVC5754E`, `DeviceError.unreachable`), whose nonRetryable flag says
// whether the activity's retry policy should try again, and whose details carry the error class (transient,
// state-recheck, configuration, capacity, not-found, already-done, authentication, unknown) so a workflow or
// activity can decide per step. Messages carry no secrets (drivers never put them there).
import { ApplicationFailure } from '@temporalio/common';
import { DeviceError } from './ssh/device-errors.js';
import type { ErrorClass } from './ssh/error-classes.js';

/**
 * How a step treats an error class its driver did not mark retryable: `retryUnknown` lets an idempotent read retry
 * an `unknown` code (reading twice harms nothing); a change never does (its effect is unknown).
 */
export interface FailurePolicy {
  retryUnknown?: boolean;
}

export function toActivityFailure(err: unknown, policy: FailurePolicy = {}): unknown {
  if (!(err instanceof DeviceError)) return err;
  const retryable = err.retryable || (policy.retryUnknown === true && err.errorClass === 'unknown');
  return ApplicationFailure.create({
    type: err.failureType,
    message: err.message,
    nonRetryable: !retryable,
    details: [
      {
        device: err.device,
        kind: err.kind,
        code: err.code ?? null,
        command: err.command ?? null,
        errorClass: err.errorClass,
      },
    ],
  });
}

/** The error class an ApplicationFailure made by toActivityFailure carries, or undefined for any other failure. */
export function errorClassOf(failure: unknown): ErrorClass | undefined {
  const details = (failure as { details?: unknown[] } | undefined)?.details;
  const first = Array.isArray(details) ? (details[0] as { errorClass?: ErrorClass } | undefined) : undefined;
  return first?.errorClass;
}

/** Wraps a driver call so its DeviceErrors become classified ApplicationFailures (see FailurePolicy). */
export async function deviceCall<T>(call: () => Promise<T>, policy: FailurePolicy = {}): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw toActivityFailure(err, policy);
  }
}

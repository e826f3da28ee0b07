// How device errors leave an activity: as a Temporal ApplicationFailure whose type names the device error
// (e.g. `HmcError.HSCL0622`, `SvcError.CMMVC5754E`, `DeviceError.unreachable`) and whose nonRetryable flag says
// whether the activity's retry policy should try again. Messages carry no secrets (drivers never put them there).
import { ApplicationFailure } from '@temporalio/common';
import { DeviceError } from './ssh/device-errors.js';

export function toActivityFailure(err: unknown): unknown {
  if (!(err instanceof DeviceError)) return err;
  return ApplicationFailure.create({
    type: err.failureType,
    message: err.message,
    nonRetryable: !err.retryable,
    details: [{ device: err.device, kind: err.kind, code: err.code ?? null, command: err.command ?? null }],
  });
}

/** Wraps a driver call so its DeviceErrors become classified ApplicationFailures. */
export async function deviceCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw toActivityFailure(err);
  }
}

// Cancellation of device work. An activity that Temporal cancelled or timed out must not go on changing devices
// after its workflow has moved on (a queued unmapping sent once the storage system is reachable again could cut the
// disks under an LPAR an operator has started meanwhile). The activity's AbortSignal travels with its async context,
// so the connection pool refuses to send any command once it is aborted, without every driver call taking a signal.
import { AsyncLocalStorage } from 'node:async_hooks';
import { DeviceError } from './device-errors.js';

const current = new AsyncLocalStorage<AbortSignal>();

/** Runs `work` so that every device command it sends is refused once `signal` is aborted. */
export function withDeviceCancellation<T>(signal: AbortSignal, work: () => Promise<T>): Promise<T> {
  return current.run(signal, work);
}

/**
 * Throws a non-retryable `DeviceError` of kind `cancelled` when the work sending `command` has been cancelled.
 * Called by the pool right before a command goes out.
 */
export function assertNotCancelled(device: string, command: string): void {
  const signal = current.getStore();
  if (signal?.aborted) {
    throw new DeviceError(
      'cancelled',
      device,
      `${device}: "${command}" not sent: the activity was cancelled`,
      false,
      undefined,
      command,
    );
  }
}

import { Context } from '@temporalio/activity';
import { withDeviceCancellation } from './ssh/cancellation.js';

/**
 * Runs `work` while heartbeating a few times per heartbeat timeout, and gives up on it the moment the activity is
 * cancelled or times out (Temporal delivers both through the heartbeat). A device call can sit in the device's queue
 * or on a slow HMC for minutes; without heartbeats Temporal could only notice a crashed worker at the start-to-close
 * timeout, so a controller crash would cost that much RTO. Waits inside `work` should use `pause` so that a cancelled
 * activity stops polling the device instead of going on unseen after its workflow moved on.
 */
export async function whileHeartbeating<T>(work: () => Promise<T>): Promise<T> {
  const context = Context.current();
  const timeoutMs = context.info.heartbeatTimeoutMs;
  const timer = timeoutMs ? setInterval(() => context.heartbeat(), Math.max(50, timeoutMs / 3)) : undefined;
  try {
    return await Promise.race([withDeviceCancellation(context.cancellationSignal, work), context.cancelled]);
  } finally {
    if (timer) clearInterval(timer);
  }
}

/** Sleeps `ms`, or throws the cancellation as soon as the activity is cancelled or timed out. */
export function pause(ms: number): Promise<void> {
  return Context.current().sleep(ms);
}

/** True once the activity was cancelled or timed out: loops stop asking the device. */
export function activityCancelled(): boolean {
  return Context.current().cancellationSignal.aborted;
}

import { Context } from '@temporalio/activity';

/**
 * Runs `work` while heartbeating a few times per heartbeat timeout. A device call can sit in the device's queue or
 * on a slow HMC for minutes; without heartbeats Temporal could only notice a crashed worker at the start-to-close
 * timeout, so a controller crash would cost that much RTO. Heartbeats also carry cancellation to the activity.
 */
export async function whileHeartbeating<T>(work: () => Promise<T>): Promise<T> {
  const context = Context.current();
  const timeoutMs = context.info.heartbeatTimeoutMs;
  if (!timeoutMs) return work();
  const timer = setInterval(() => context.heartbeat(), Math.max(50, timeoutMs / 3));
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

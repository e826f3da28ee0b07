// Activity options shared by the runbooks: which task queue a device's activities run on, and the options of a step
// with a deadline. A step's deadline covers its retries (schedule-to-close), so a hung or failing device step holds
// the work behind it no longer than that; heartbeats let a crashed worker's activity be retried within one heartbeat
// timeout, and carry cancellation and timeouts to the activity so it stops asking the device.
import type { ActivityOptions } from '@temporalio/workflow';

/** The task queue of a device's activities; its worker caps concurrent executions at the device's limit. */
export const deviceQueue = (device: string) => `device/${device}`;

/**
 * Options for one step that must finish (retries included) within `deadlineMs`. Retryable failures (a transient
 * device error) are tried again with backoff until then; non-retryable ones end the step at once.
 */
export function stepOptions(deadlineMs: number, heartbeatMs: number, taskQueue?: string): ActivityOptions {
  return {
    ...(taskQueue && { taskQueue }),
    scheduleToCloseTimeout: deadlineMs,
    startToCloseTimeout: deadlineMs,
    heartbeatTimeout: Math.min(heartbeatMs, deadlineMs),
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '15s' },
  };
}

/** Options for reads, records and notifications: short, retried a few times. */
export function controlOptions(heartbeatMs: number): ActivityOptions {
  return {
    startToCloseTimeout: '2 minutes',
    heartbeatTimeout: heartbeatMs,
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 5 },
  };
}

// Metrics measured inside the worker process's activities (device commands), kept in one process-wide prom-client
// registry: the worker and the API run in one process (`npm start`, the container), and api/metrics.ts merges this
// registry into what `/metrics` answers. Names follow Prometheus conventions (base units: seconds; counters _total).
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DeviceError } from './ssh/device-errors.js';

/** The process-wide registry of activity-side metrics; api/metrics.ts exposes it beside the API's own. */
export const activityMetrics = new Registry();

/** Seconds from asking a device's pool for a channel to the command's exit, by device and result. */
const commandSeconds = new Histogram({
  name: 'lazarus_device_command_seconds',
  help: 'Device (HMC, storage) command latency in seconds, waiting for a pool slot included, by device and result',
  labelNames: ['device', 'result'] as const,
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
  registers: [activityMetrics],
});

/** Commands that never produced an exit code (unreachable, timed out, refused credentials, cancelled). */
const commandErrors = new Counter({
  name: 'lazarus_device_command_errors_total',
  help: 'Device commands that failed without an exit code, by device and error kind (DeviceError.kind)',
  labelNames: ['device', 'kind'] as const,
  registers: [activityMetrics],
});

/** The device queue as the process sees it: commands waiting for a pool slot or running on the device now. */
const commandsInFlight = new Gauge({
  name: 'lazarus_device_commands_in_flight',
  help: 'Device commands waiting for a connection slot or running, by device',
  labelNames: ['device'] as const,
  registers: [activityMetrics],
});

/**
 * Runs one device command and records it: its latency with `result` ok (exit code 0), `exit-nonzero` (the device
 * answered with an error code, which is often an expected answer such as "already mapped") or `error` (no exit
 * code: the error is counted by its DeviceError kind, `other` for anything else, and rethrown unchanged).
 */
export async function measureDeviceCommand<T extends { exitCode: number }>(
  device: string,
  run: () => Promise<T>,
): Promise<T> {
  const stop = commandSeconds.startTimer({ device });
  commandsInFlight.inc({ device });
  try {
    const result = await run();
    stop({ result: result.exitCode === 0 ? 'ok' : 'exit-nonzero' });
    return result;
  } catch (err) {
    stop({ result: 'error' });
    commandErrors.inc({ device, kind: err instanceof DeviceError ? err.kind : 'other' });
    throw err;
  } finally {
    commandsInFlight.dec({ device });
  }
}

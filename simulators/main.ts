import { parseArgs } from 'node:util';
import { FleetSpecError } from './fleet-spec.js';
import { startSimulatedFleet, writeEndpointsFile } from './fleet.js';
import { startPersistentFleet } from './fleet-persistence.js';
import { DEFAULT_LATENCY_MS, type LatencyOverrides } from './latency.js';

/**
 * npm run sim -- --fleet examples/fleet-small.yaml --endpoints .lazarus/endpoints.json [--time-scale 0.1] [--state-dir .lazarus/sim] [--seed N]
 *   [--persist]  (with --state-dir: the fleet's state and control port survive a restart, see fleet-persistence.ts)
 *   [--latency '{"svcChange": 20000}']  (real-device milliseconds per operation, see latency.ts)
 * Runs the simulated fleet until SIGINT/SIGTERM.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      fleet: { type: 'string' },
      endpoints: { type: 'string' },
      'time-scale': { type: 'string' },
      'state-dir': { type: 'string' },
      seed: { type: 'string' },
      latency: { type: 'string' },
      persist: { type: 'boolean' },
    },
    strict: true,
  });
  if (!values.fleet || !values.endpoints) throw new UsageError('--fleet FILE and --endpoints FILE are required');
  const timeScale = values['time-scale'] === undefined ? 1 : Number(values['time-scale']);
  if (!Number.isFinite(timeScale) || timeScale < 0)
    throw new UsageError(`--time-scale must be a number >= 0, got "${values['time-scale']}"`);
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (seed !== undefined && !Number.isInteger(seed))
    throw new UsageError(`--seed must be an integer, got "${values.seed}"`);
  const latency = values.latency === undefined ? undefined : parseLatency(values.latency);
  if (values.persist && !values['state-dir'])
    throw new UsageError('--persist needs --state-dir DIR (where the state is kept)');
  const options = { fleet: values.fleet, timeScale, seed, latency };
  const stateDir = values['state-dir'];
  const fleet =
    values.persist && stateDir
      ? await startPersistentFleet({ ...options, stateDir, log: (line) => console.log(line) })
      : await startSimulatedFleet({ ...options, stateDir });
  writeEndpointsFile(values.endpoints, fleet.endpoints);
  for (const device of fleet.endpoints.devices)
    console.log(`${device.kind} ${device.name} ssh://${device.user}@127.0.0.1:${device.port} ${device.fingerprint}`);
  console.log(
    `control API ${fleet.controlUrl}; endpoints (with credentials, mode 0600) in ${values.endpoints}; time scale ${timeScale}`,
  );
  const stop = (signal: string) => {
    console.log(`${signal}: stopping the simulated fleet`);
    void fleet.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

class UsageError extends Error {}

/** --latency: a JSON object of known operations to non-negative real-device milliseconds. */
function parseLatency(text: string): LatencyOverrides {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UsageError(`--latency must be a JSON object, got "${text}"`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new UsageError('--latency must be a JSON object');
  for (const [operation, ms] of Object.entries(parsed)) {
    if (!(operation in DEFAULT_LATENCY_MS))
      throw new UsageError(
        `--latency: unknown operation "${operation}" (known: ${Object.keys(DEFAULT_LATENCY_MS).join(', ')})`,
      );
    if (typeof ms !== 'number' || !(ms >= 0))
      throw new UsageError(`--latency: ${operation} must be a number of milliseconds >= 0`);
  }
  return parsed as LatencyOverrides;
}

main().catch((error: unknown) => {
  if (error instanceof UsageError)
    console.error(
      `usage: npm run sim -- --fleet FILE --endpoints FILE [--time-scale N] [--state-dir DIR [--persist]] [--seed N] [--latency JSON]\n${error.message}`,
    );
  else if (error instanceof FleetSpecError) console.error(error.message);
  else console.error(error instanceof Error ? error.message : error);
  process.exit(2);
});

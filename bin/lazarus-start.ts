// `npm start`: Lazarus on this machine. With nothing configured: the Temporal service (TEMPORAL_ADDRESS, else a
// `temporal` CLI, else the bundled devserver persisting to .lazarus/temporal.db), the simulated fleet of
// examples/fleet-small.yaml, a configuration written from examples/lazarus.yaml for it, the inventory store, the
// workers, the discovery schedules and the HTTP API. With LAZARUS_CONFIG (or --config) it runs against the
// configured devices instead of the simulator.
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { join, resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { Runtime } from '@temporalio/worker';
import { DeviceRegistry } from '../activities/devices.js';
import { openInventoryStore } from '../activities/inventory/index.js';
import { resolveCredential } from '../activities/ssh/credentials.js';
import { createApi } from '../api/app.js';
import { loadConfig, type LazarusConfig } from '../domain/config/index.js';
import { startSimulatedFleet, type SimulatedFleet } from '../simulators/index.js';
import { simulatedFleetConfig } from './simulated-fleet-config.js';
import { ensureInventorySchedules } from '../workers/inventory-schedules.js';
import { MAIN_TASK_QUEUE, startLazarusWorkers } from '../workers/lazarus-workers.js';
import { ensureHostMonitors } from '../workers/monitors.js';
import { activityLineLogger, createLazarusLogger, logLevelFrom, runtimeLogging } from '../workers/runtime-logger.js';
import { chooseTemporalService, startTemporalService } from '../workers/temporal-service.js';
import { checkChannelSecrets } from '../activities/notifications/channels.js';
import { checkBeforeStart } from './startup-checks.js';

const home = resolve(process.env.LAZARUS_HOME ?? '.lazarus');
const timeScale = Number(process.env.LAZARUS_SIM_TIME_SCALE ?? 0.05);

async function main(): Promise<void> {
  // JSON lines (workers/runtime-logger.ts): Lazarus's own, and the SDK's (Rust core forwarded) at LAZARUS_LOG_LEVEL.
  const logger = createLazarusLogger();
  Runtime.install(runtimeLogging(logger, logLevelFrom(process.env)));
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const configFlag = process.argv.indexOf('--config');
  const configFile = configFlag >= 0 ? process.argv[configFlag + 1] : process.env.LAZARUS_CONFIG;
  const stops: Array<() => Promise<unknown>> = [];

  if (configFile) checkBeforeStart(configFile); // config, secrets and files: refused before anything starts
  console.log(`Temporal: ${chooseTemporalService().description}`);
  const temporal = await startTemporalService({ dbFile: join(home, 'temporal.db'), ownProcessGroup: true });
  stops.unshift(() => temporal.stop());
  console.log(`Temporal service ready at ${temporal.address} (namespace ${temporal.namespace})`);

  let fleet: SimulatedFleet | undefined;
  let config: LazarusConfig;
  if (configFile) {
    config = loadConfig(configFile);
    console.log(`Configuration: ${configFile}`);
  } else {
    fleet = await startSimulatedFleet({ fleet: 'examples/fleet-small.yaml', timeScale, stateDir: join(home, 'sim') });
    stops.unshift(() => fleet!.stop());
    config = configForSimulatedFleet(fleet);
  }
  // A notification secret that cannot be resolved would turn every delivery into a dead letter: refuse now.
  checkChannelSecrets(config.notifications);
  process.env.LAZARUS_DATABASE_PATH ||= join(home, 'lazarus.db');
  const store = await openInventoryStore(process.env, (line) => console.log(line));
  stops.unshift(() => store.close());
  const devices = new DeviceRegistry(config);
  stops.unshift(() => devices.close());
  const workers = await startLazarusWorkers({
    address: temporal.address,
    namespace: temporal.namespace,
    config,
    devices,
    store,
    log: activityLineLogger(logger),
  });
  stops.unshift(() => workers.stop());

  const connection = await Connection.connect({ address: temporal.address });
  stops.unshift(() => connection.close());
  const client = new Client({ connection, namespace: temporal.namespace });
  const schedules = await ensureInventorySchedules(client, config, MAIN_TASK_QUEUE);
  console.log(`Schedules: ${schedules.join(', ')}`);
  const monitors = await ensureHostMonitors(client, config, MAIN_TASK_QUEUE);
  console.log(
    `Host monitors: ${monitors.map((m) => `${m.id} (${m.status})`).join(', ') || 'none (monitoring disabled)'}`,
  );
  for (const group of config.hostGroups) {
    const outcome = (await client.workflow.execute('discoverHostGroup', {
      taskQueue: MAIN_TASK_QUEUE,
      workflowId: `discovery-${group.name}-startup`,
      args: [{ group: group.name }],
      workflowIdConflictPolicy: 'TERMINATE_EXISTING',
    })) as { discovery: { status: string; lpars?: number; error?: string } };
    // A good discovery logs itself; anything else is said here, since the failover plans from the last good one.
    if (outcome.discovery.status !== 'ok')
      console.log(
        `Discovery ${group.name}: ${outcome.discovery.status}${outcome.discovery.error ? ` (${outcome.discovery.error})` : ''}`,
      );
  }

  const tokens = config.api.tokens.map((t) => {
    const credential = resolveCredential(t.token);
    if (!('password' in credential)) throw new Error(`API token ${t.name} must resolve to a value, not a key file`);
    return { name: t.name, token: credential.password, role: t.role, ...(t.tenant ? { tenant: t.tenant } : {}) };
  });
  const app = createApi({ client, config, store, tokens, log: activityLineLogger(logger, 'api') });
  const listen = process.env.LAZARUS_API_LISTEN ?? config.api.listen;
  const [host, port] = [listen.split(':')[0]!, Number(listen.split(':')[1] ?? 8740)];
  const http = await new Promise<Server>((done, fail) => {
    const server = app.listen(port, host, () => done(server));
    server.once('error', fail);
  });
  stops.unshift(() => new Promise((done) => http.close(done)));
  const address = http.address() as { port: number };
  const api = `http://${host}:${address.port}`;

  console.log('');
  console.log(`Lazarus API ${api}  (OpenAPI: ${api}/v1/openapi.json)`);
  console.log(`Web console ${api}/  (sign in with an API token)  Metrics ${api}/metrics`);
  if (fleet) {
    console.log(
      `Token: ${process.env.LAZARUS_API_TOKEN}  (for the curl lines below: export LAZARUS_API_TOKEN=${process.env.LAZARUS_API_TOKEN})`,
    );
    console.log(`Simulated fleet control API ${fleet.controlUrl}  (curl ${fleet.controlUrl}/state)`);
    console.log('Fail a host in the simulator, then fail it over ("mode":"advisory" waits for POST .../approve):');
    console.log(
      `  curl -X POST ${fleet.controlUrl}/faults -H 'content-type: application/json' -d '{"kind":"host-error","target":"dc1-s01"}'`,
    );
    console.log(
      `  curl -X POST ${api}/v1/failovers -H "authorization: Bearer $LAZARUS_API_TOKEN" -H 'content-type: application/json' -d '{"group":"dc1-prod","host":"dc1-s01","mode":"auto"}'`,
    );
    console.log(
      `  curl -H "authorization: Bearer $LAZARUS_API_TOKEN" ${api}/v1/failovers/failover%2Fdc1-prod%2Fdc1-s01`,
    );
  } else {
    const names = config.api.tokens.map((t) => t.name);
    console.log(
      names.length > 0
        ? `API tokens: ${names.join(', ')} (api.tokens in the configuration)`
        : 'API tokens: none in the configuration (api.tokens), so every request but /v1/healthz and /v1/openapi.json is refused',
    );
  }
  console.log('Lazarus is ready. Ctrl-C stops everything.');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping…`);
    for (const step of stops) await step().catch((err: unknown) => console.error(String(err)));
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

/** examples/lazarus.yaml pointed at the simulator, with what it wrote said. */
function configForSimulatedFleet(fleet: SimulatedFleet): LazarusConfig {
  const { config, file, secrets } = simulatedFleetConfig(fleet, home);
  console.log(
    `Simulated fleet examples/fleet-small.yaml (time scale ${timeScale}); configuration ${file}; secrets ${secrets}`,
  );
  for (const device of fleet.endpoints.devices)
    console.log(
      `  ${device.kind} ${device.name} ssh://${device.user}@${device.host}:${device.port} ${device.fingerprint}`,
    );
  return config;
}

main().catch((err: unknown) => {
  console.error(`lazarus: cannot start: ${(err as Error)?.message ?? String(err)}`);
  process.exit(1);
});

// `npm start`: Lazarus on this machine. With nothing configured: the Temporal service (TEMPORAL_ADDRESS, else a
// `temporal` CLI, else the bundled devserver persisting to .lazarus/temporal.db), the simulated fleet of
// examples/fleet-small.yaml, a configuration written from examples/lazarus.yaml for it, the inventory store, the
// workers, the discovery schedules and the HTTP API. With LAZARUS_CONFIG (or --config) it runs against the
// configured devices instead of the simulator.
//
// It supervises what it starts (bin/temporal-supervisor.ts): a devserver that dies is started again on its database,
// a bounded number of times. Every port it must own is checked first and a taken one named (bin/start-ports.ts). The
// simulated fleet keeps its state and control port under <LAZARUS_HOME>/sim (simulators/fleet-persistence.ts).
// Exit codes: 0 stopped by SIGINT or SIGTERM (to this process or to the `npm` running it); 1 could not start (the
// reason on one line); 2 stopped because the Temporal server kept dying (the reason on one line).
import { mkdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { Client, Connection } from '@temporalio/client';
import { Runtime } from '@temporalio/worker';
import { DeviceRegistry } from '../activities/devices.js';
import { openInventoryStore } from '../activities/inventory/index.js';
import { resolveCredential } from '../activities/ssh/credentials.js';
import { createApi } from '../api/app.js';
import { loadConfig, type LazarusConfig } from '../domain/config/index.js';
import { startPersistentFleet, type SimulatedFleet } from '../simulators/index.js';
import { simulatedFleetConfig } from './simulated-fleet-config.js';
import { ensureInventorySchedules } from '../workers/inventory-schedules.js';
import { MAIN_TASK_QUEUE, startLazarusWorkers } from '../workers/lazarus-workers.js';
import { ensureHostMonitors } from '../workers/monitors.js';
import { activityLineLogger, createLazarusLogger, logLevelFrom, runtimeLogging } from '../workers/runtime-logger.js';
import { chooseTemporalService, freePort } from '../workers/temporal-service.js';
import { checkChannelSecrets } from '../activities/notifications/channels.js';
import { checkBeforeStart } from './startup-checks.js';
import { RepeatLimitedLogger } from './sdk-log-limiter.js';
import { withTemporalHealth } from './start-health.js';
import { assertPortFree, isAddressInUse, PortInUseError, RememberedPorts } from './start-ports.js';
import { maxRestartsFrom, superviseTemporal, type TemporalStatus } from './temporal-supervisor.js';

const home = resolve(process.env.LAZARUS_HOME ?? '.lazarus');
const timeScale = Number(process.env.LAZARUS_SIM_TIME_SCALE ?? 0.05);
const EXAMPLE_FLEET = 'examples/fleet-small.yaml';
const EXAMPLE_CONFIG = 'examples/lazarus.yaml';

/** What to undo at stop, last started first. */
const stops: Array<() => Promise<unknown>> = [];
let stopping = false;

/** Stops everything started so far, in reverse order, then exits with `code` (see the header). */
async function stopAll(why: string, code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`\n${why}: stopping…`);
  // A step that hangs (a worker draining against an unreachable server) must not keep the process from exiting.
  setTimeout(() => {
    console.error('lazarus: stopping took longer than 30 s; exiting anyway');
    process.exit(code);
  }, 30_000).unref();
  for (const step of stops) await step().catch((err: unknown) => console.error(String(err)));
  process.exit(code);
}

/**
 * SIGINT and SIGTERM stop everything, from the first moment (a signal during startup stops what has started). Under
 * npm (`npm start` execs this process, so npm forwards its signals here) the npm process going away is a stop too: a
 * parent that is gone can no longer forward anything, and nothing of Lazarus must keep serving behind it.
 */
function stopOnSignals(): void {
  // `on`, not `once`: a terminal's Ctrl-C reaches both npm and this process, and npm forwards it once more.
  process.on('SIGINT', () => void stopAll('SIGINT', 0));
  process.on('SIGTERM', () => void stopAll('SIGTERM', 0));
  // Only as `npm start` itself: a test run under `npm test` passes npm_lifecycle_event=test on to what it spawns.
  if (process.env.npm_lifecycle_event === 'start') {
    const parent = process.ppid;
    setInterval(() => process.ppid !== parent && void stopAll(`npm (pid ${parent}) exited`, 0), 1_000).unref();
  }
}

/** host and port of a `host:port` listen address (an IPv6 host in brackets), naming `source` when malformed. */
function splitListen(listen: string, source: string): { host: string; port: number } {
  const colon = listen.lastIndexOf(':');
  const port = Number(listen.slice(colon + 1));
  if (colon <= 0 || !Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`${source}: "${listen}" is not host:port with a port from 0 to 65535`);
  return { host: listen.slice(0, colon).replace(/^\[(.*)\]$/, '$1'), port };
}

async function main(): Promise<void> {
  stopOnSignals();
  // JSON lines (workers/runtime-logger.ts): Lazarus's own, and the SDK's (Rust core forwarded) at LAZARUS_LOG_LEVEL;
  // the core's connection retries at most once a minute, and not at all while the supervisor restarts the server.
  const logger = createLazarusLogger();
  let temporalState: () => TemporalStatus['state'] = () => 'up';
  const runtime = runtimeLogging(logger, logLevelFrom(process.env));
  Runtime.install({
    ...runtime,
    logger: new RepeatLimitedLogger(runtime.logger!, { muted: () => temporalState() === 'restarting' }),
  });
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const configFlag = process.argv.indexOf('--config');
  const configFile = configFlag >= 0 ? process.argv[configFlag + 1] : process.env.LAZARUS_CONFIG;

  if (configFile) checkBeforeStart(configFile); // config, secrets and files: refused before anything starts
  let config: LazarusConfig | undefined = configFile ? loadConfig(configFile) : undefined;
  // Every port this process must own, checked before anything starts.
  const listenSource = process.env.LAZARUS_API_LISTEN ? 'LAZARUS_API_LISTEN' : 'api.listen';
  const api = splitListen(
    process.env.LAZARUS_API_LISTEN ||
      (config?.api.listen ??
        (parseYaml(readFileSync(EXAMPLE_CONFIG, 'utf8')) as { api?: { listen?: string } }).api?.listen ??
        '127.0.0.1:8740'),
    listenSource,
  );
  const apiPortUse = `the Lazarus API, ${listenSource}`;
  const apiPortRemedy = 'stop what holds it, or set LAZARUS_API_LISTEN=host:port to another port';
  await assertPortFree(api.host, api.port, apiPortUse, apiPortRemedy);
  const choice = chooseTemporalService();
  console.log(`Temporal: ${choice.description}`);
  const ports = new RememberedPorts(home);
  let temporalPort: number | undefined;
  if (choice.kind !== 'external') {
    temporalPort = ports.get('temporal') ?? (await freePort());
    await assertPortFree(
      '127.0.0.1',
      temporalPort,
      `the Temporal ${choice.kind}, kept in ${ports.file}`,
      'is another npm start using this LAZARUS_HOME? Stop it, or free the port (without ports.json a new one is chosen)',
    );
    ports.set('temporal', temporalPort);
  }
  const temporal = await superviseTemporal({
    dbFile: join(home, 'temporal.db'),
    port: temporalPort ?? 0,
    maxRestarts: maxRestartsFrom(process.env),
    log: (line) => console.log(line),
  });
  temporalState = () => temporal.status().state;
  stops.unshift(() => temporal.stop());
  void temporal.gaveUp.then((reason) => {
    console.error(`lazarus: stopping: ${reason}`);
    return stopAll('Temporal service lost', 2);
  });
  const pid = temporal.pid();
  console.log(
    `Temporal service ready at ${temporal.address} (namespace ${temporal.namespace}${pid ? `, pid ${pid}` : ''})`,
  );

  let fleet: SimulatedFleet | undefined;
  if (config) {
    console.log(`Configuration: ${configFile}`);
  } else {
    fleet = await startPersistentFleet({
      fleet: EXAMPLE_FLEET,
      timeScale,
      stateDir: join(home, 'sim'),
      log: (line) => console.log(line),
    });
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
  const { host, port } = process.env.LAZARUS_API_LISTEN ? api : splitListen(config.api.listen, 'api.listen');
  const http = await new Promise<Server>((done, fail) => {
    const server = createServer(withTemporalHealth(app, () => temporal.status()));
    server.once('error', (err) =>
      fail(isAddressInUse(err) ? new PortInUseError(port, host, apiPortUse, apiPortRemedy) : err),
    );
    server.listen(port, host, () => done(server));
  });
  stops.unshift(
    () =>
      new Promise((done) => {
        http.closeAllConnections();
        http.close(done);
      }),
  );
  const address = http.address() as { port: number };
  const apiUrl = `http://${host}:${address.port}`;

  console.log('');
  console.log(`Lazarus API ${apiUrl}  (OpenAPI: ${apiUrl}/v1/openapi.json)`);
  console.log(`Web console ${apiUrl}/  (sign in with an API token)  Metrics ${apiUrl}/metrics`);
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
      `  curl -X POST ${apiUrl}/v1/failovers -H "authorization: Bearer $LAZARUS_API_TOKEN" -H 'content-type: application/json' -d '{"group":"dc1-prod","host":"dc1-s01","mode":"auto"}'`,
    );
    console.log(
      `  curl -H "authorization: Bearer $LAZARUS_API_TOKEN" ${apiUrl}/v1/failovers/failover%2Fdc1-prod%2Fdc1-s01`,
    );
  } else {
    const names = config.api.tokens.map((t) => t.name);
    console.log(
      names.length > 0
        ? `API tokens: ${names.join(', ')} (api.tokens in the configuration)`
        : 'API tokens: none in the configuration (api.tokens), so every request but /v1/healthz and /v1/openapi.json is refused',
    );
  }
  console.log('Lazarus is ready. Ctrl-C (SIGINT) or SIGTERM stops everything.');
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
  if (stopping) return;
  console.error(`lazarus: cannot start: ${(err as Error)?.message ?? String(err)}`);
  stopping = true;
  void (async () => {
    for (const step of stops) await step().catch(() => undefined);
    process.exit(1);
  })();
});

// The in-repo test harness (in the spirit of Proxmox's ha-manager simulator): examples/lazarus.yaml pointed at a
// running simulated fleet, and the whole Lazarus stack on it — devserver, inventory store, the production worker
// setup (main and per-device workers) and the HTTP API — as `npm start` runs them, in one test process.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeviceRegistry } from '../../activities/devices.js';
import { openSqliteStore, type InventoryStore } from '../../activities/inventory/index.js';
import { createApi } from '../../api/app.js';
import { parseConfigText, type LazarusConfig } from '../../domain/config/index.js';
import { startSimulatedFleet, type SimulatedFleet } from '../../simulators/index.js';
import { MAIN_TASK_QUEUE, startLazarusWorkers, type RunningWorkers } from '../../workers/lazarus-workers.js';
import { ensureHostMonitors } from '../../workers/monitors.js';
import { ConformanceServer } from './temporal.js';

const FLEET = new URL('../../examples/fleet-small.yaml', import.meta.url).pathname;
const EXAMPLE_CONFIG = new URL('../../examples/lazarus.yaml', import.meta.url).pathname;

/**
 * examples/lazarus.yaml for a running simulated fleet: its addresses, its host keys (known_hosts written into `dir`),
 * its passwords as `env:` credential references (so worker processes started by the test inherit them); `edit`
 * changes the YAML text first. The file is written to `dir`/lazarus.yaml.
 */
export function configForSimulatedFleet(
  fleet: SimulatedFleet,
  dir: string,
  edit: (yaml: string) => string = (y) => y,
  example: string = EXAMPLE_CONFIG,
): { config: LazarusConfig; file: string } {
  writeFileSync(join(dir, 'known_hosts'), fleet.knownHosts());
  let text = edit(readFileSync(example, 'utf8')).replace(
    'knownHostsFile: .lazarus/known_hosts',
    `knownHostsFile: ${join(dir, 'known_hosts')}`,
  );
  for (const device of fleet.endpoints.devices) {
    const variable = `LAZARUS_TEST_DEVICE_${device.name.replace(/-/g, '_').toUpperCase()}`;
    process.env[variable] = device.password;
    text = text
      .replace(new RegExp(`(name: ${device.name}\\n\\s+address: )\\S+`), `$1${device.host}:${device.port}`)
      .replace(`credential: secret:${device.name}`, `credential: env:${variable}`);
  }
  const file = join(dir, 'lazarus.yaml');
  writeFileSync(file, text);
  return { config: parseConfigText(text, file), file };
}

export interface SimulatedLazarus {
  dir: string;
  fleet: SimulatedFleet;
  server: ConformanceServer;
  store: InventoryStore;
  devices: DeviceRegistry;
  config: LazarusConfig;
  workers: RunningWorkers;
  /** The HTTP API's base URL, and a token it accepts. */
  apiUrl: string;
  token: string;
  /** A call to the HTTP API with the token; the status and the JSON body. */
  api<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  /** A call to the simulator's control API (faults, state, violations); fails the test on an error status. */
  control<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  /** A discovery of the host group run to its end; its status ('ok' when the inventory was refreshed). */
  discover(group?: string): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Starts the stack on a simulated fleet: `fleet` is a fleet YAML file (default examples/fleet-small.yaml), `timeScale`
 * the simulator's (default 0.0005), `editConfig` changes examples/lazarus.yaml's text before it is parsed.
 */
export async function startSimulatedLazarus(options: {
  name: string;
  timeScale?: number;
  editConfig?: (yaml: string) => string;
  fleet?: string;
  /** Start the host monitors as `npm start` does (workers/monitors.ts); off by default. */
  monitors?: boolean | { iterationsPerRun?: number };
  /** The controller config to start from (default examples/lazarus.yaml), e.g. examples/lazarus-dr.yaml. */
  config?: string;
}): Promise<SimulatedLazarus> {
  const dir = mkdtempSync(join(tmpdir(), `lazarus-${options.name}-`));
  const stops: Array<() => Promise<unknown>> = [async () => rmSync(dir, { recursive: true, force: true })];
  const stop = async () => {
    for (const step of stops) await step();
  };
  try {
    const fleet = await startSimulatedFleet({ fleet: options.fleet ?? FLEET, timeScale: options.timeScale ?? 0.0005 });
    stops.unshift(() => fleet.stop());
    const { config } = configForSimulatedFleet(fleet, dir, options.editConfig, options.config);
    const devices = new DeviceRegistry(config);
    stops.unshift(() => devices.close());
    const store = await openSqliteStore(join(dir, 'lazarus.db'));
    stops.unshift(() => store.close());
    const server = await ConformanceServer.start();
    stops.unshift(() => server.stop());
    const workers = await startLazarusWorkers({
      address: server.address,
      namespace: server.namespace,
      config,
      devices,
      store,
      log: () => undefined,
    });
    stops.unshift(() => workers.stop());
    if (options.monitors)
      await ensureHostMonitors(
        server.client,
        config,
        MAIN_TASK_QUEUE,
        options.monitors === true ? {} : options.monitors,
      );
    const token = `${options.name}-test-token-0123456789`;
    const app = createApi({ client: server.client, config, store, tokens: [token], log: () => undefined });
    const http = await new Promise<Server>((resolve) => {
      const listening: Server = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    stops.unshift(() => new Promise((resolve) => http.close(resolve)));
    let discoveries = 0;
    const discover = async (group = 'dc1-prod') => {
      const outcome = (await server.client.workflow.execute('discoverHostGroup', {
        taskQueue: MAIN_TASK_QUEUE,
        workflowId: `discovery-${options.name}-${++discoveries}`,
        args: [{ group }],
      })) as { discovery: { status: string } };
      return outcome.discovery.status;
    };
    const apiUrl = `http://127.0.0.1:${(http.address() as { port: number }).port}`;
    const api = async <T>(method: string, path: string, body?: unknown) => {
      const response = await fetch(`${apiUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as T };
    };
    const control = async <T>(method: string, path: string, body?: unknown) => {
      const response = await fetch(`${fleet.controlUrl}${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (!response.ok)
        throw new Error(`simulator control ${method} ${path}: ${response.status} ${await response.text()}`);
      return (await response.json()) as T;
    };
    return { dir, fleet, server, store, devices, config, workers, apiUrl, token, api, control, discover, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

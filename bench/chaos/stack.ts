// The Lazarus stack a chaos seed runs against: the simulated fleet (examples/fleet-small.yaml), the devserver, the
// inventory store, the HTTP API in this process, and the production workers (main and per-device queues) in a child
// process, so a "worker kill" is a real SIGKILL mid-activity followed by a new worker process, as in a crash.
// Built from the test harness's pieces (test/support/simulated-lazarus.ts's configuration, the devserver wrapper and
// the crash test's worker process) rather than startSimulatedLazarus, whose workers run in the test process and can
// only be shut down gracefully.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeviceRegistry } from '../../activities/devices.js';
import { openSqliteStore, type InventoryStore } from '../../activities/inventory/index.js';
import { createApi } from '../../api/app.js';
import type { LazarusConfig } from '../../domain/config/index.js';
import { startSimulatedFleet, type SimulatedFleet } from '../../simulators/index.js';
import { MAIN_TASK_QUEUE } from '../../workers/lazarus-workers.js';
import { configForSimulatedFleet } from '../../test/support/simulated-lazarus.js';
import { ConformanceServer, REPO_ROOT } from '../../test/support/temporal.js';

const FLEET = join(REPO_ROOT, 'examples', 'fleet-small.yaml');
const WORKER_PROCESS = join(REPO_ROOT, 'test', 'failover', 'fixtures', 'worker-process.ts');
/** How long a new worker process may take to start polling (tsx compiles it on 2 busy cores). */
const WORKER_READY_MS = 60_000;
/**
 * An API call that takes longer than this is a failure of the API (an operator would give up too). Decisions are
 * Workflow Updates: right after a worker is killed their answer waits for the workflow task to move to a new worker
 * (about 10 s), and the API itself answers 503 `failover_not_answering` after 20 s; so 25 s.
 */
const API_TIMEOUT_MS = 25_000;

export interface ChaosStack {
  fleet: SimulatedFleet;
  server: ConformanceServer;
  store: InventoryStore;
  /** The parent's own device connections: the campaign's "operator" uses them like an HMC user would. */
  devices: DeviceRegistry;
  config: LazarusConfig;
  /** HTTP API call with a valid token; `status` and JSON `body` (undefined if the body is not JSON). */
  api<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  /** Simulator control API call; throws with the status and text on a non-2xx answer. */
  control<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  /** Runs discoverHostGroup to its end; its status ('ok' when the inventory was refreshed). */
  discover(group?: string): Promise<string>;
  /** SIGKILLs the worker process and starts a new one; resolves once the new one polls. */
  killWorkers(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts the stack. `timeScale` multiplies the simulator's device latencies; `editConfig` rewrites
 * examples/lazarus.yaml's text before it is parsed (the campaign shortens poll intervals and deadlines).
 */
export async function startChaosStack(options: {
  name: string;
  timeScale: number;
  editConfig: (yaml: string) => string;
}): Promise<ChaosStack> {
  const dir = mkdtempSync(join(tmpdir(), `lazarus-${options.name}-`));
  const stops: Array<() => Promise<unknown>> = [async () => rmSync(dir, { recursive: true, force: true })];
  const stop = async () => {
    for (const step of stops.splice(0)) await step().catch(() => undefined);
  };
  try {
    const fleet = await startSimulatedFleet({ fleet: FLEET, timeScale: options.timeScale });
    stops.unshift(() => fleet.stop());
    const { config, file: configFile } = configForSimulatedFleet(fleet, dir, options.editConfig);
    const devices = new DeviceRegistry(config);
    stops.unshift(() => devices.close());
    const databaseFile = join(dir, 'lazarus.db');
    const store = await openSqliteStore(databaseFile);
    stops.unshift(() => store.close());
    const server = await ConformanceServer.start();
    stops.unshift(() => server.stop());
    let worker = await startWorkerProcess(server, configFile, databaseFile);
    stops.unshift(async () => killProcess(worker));
    const token = `${options.name}-chaos-token-0123456789`;
    const app = createApi({ client: server.client, config, store, tokens: [token], log: () => undefined });
    const http = await new Promise<Server>((resolve) => {
      const listening: Server = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    stops.unshift(() => new Promise((resolve) => http.close(resolve)));
    const apiUrl = `http://127.0.0.1:${(http.address() as { port: number }).port}`;
    let discoveries = 0;
    return {
      fleet,
      server,
      store,
      devices,
      config,
      async api<T>(method: string, path: string, body?: unknown) {
        const response = await fetch(`${apiUrl}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${token}`,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(API_TIMEOUT_MS),
        }).catch((err: unknown) => {
          const timedOut = err instanceof Error && err.name === 'TimeoutError';
          throw new Error(
            `API ${method} ${path} ` +
              (timedOut ? `did not answer within ${API_TIMEOUT_MS} ms` : `failed: ${String(err)}`),
          );
        });
        const text = await response.text();
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = undefined;
        }
        return { status: response.status, body: parsed as T };
      },
      async control<T>(method: string, path: string, body?: unknown) {
        const response = await fetch(`${fleet.controlUrl}${path}`, {
          method,
          headers: { 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(10_000),
        });
        if (!response.ok)
          throw new Error(`simulator control ${method} ${path}: ${response.status} ${await response.text()}`);
        return (await response.json()) as T;
      },
      async discover(group = 'dc1-prod') {
        const outcome = (await server.client.workflow.execute('discoverHostGroup', {
          taskQueue: MAIN_TASK_QUEUE,
          workflowId: `discovery-${options.name}-${++discoveries}`,
          args: [{ group }],
        })) as { discovery: { status: string } };
        return outcome.discovery.status;
      },
      async killWorkers() {
        await killProcess(worker);
        worker = await startWorkerProcess(server, configFile, databaseFile);
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** test/failover/fixtures/worker-process.ts: the production worker setup; it prints "ready" once polling. */
async function startWorkerProcess(
  server: ConformanceServer,
  configFile: string,
  databaseFile: string,
): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', WORKER_PROCESS, server.address, server.namespace, configFile, databaseFile],
    {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  // A campaign stopped by a signal must not leave a worker process polling a devserver that is gone.
  const orphanGuard = () => child.kill('SIGKILL');
  process.once('exit', orphanGuard);
  child.once('exit', () => process.off('exit', orphanGuard));
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2_000)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`worker process not ready after ${WORKER_READY_MS} ms: ${stderr}`)),
      WORKER_READY_MS,
    );
    child.stdout!.on('data', (d: Buffer) => {
      if (!d.toString().includes('ready')) return;
      clearTimeout(timer);
      resolve();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`worker process exited before it was ready (code ${code}): ${stderr}`));
    });
  });
  return child;
}

async function killProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

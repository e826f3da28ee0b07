// The controller's own crash during a planned site move, through the HTTP API: the site is verified and the move
// asked with POST /v1/sites/dc1/verify and /move; the worker process is killed with SIGKILL while VMs are being
// stopped at dc1 and again while they are being started at dc2; a new worker picks the move up each time (the
// activities it held are retried after their 30 s heartbeat timeout) and it completes — every VM Running once, at
// dc2, dc1 cleaned up, GET /v1/sites/dc1/move showing the report, the violation log empty.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createApi } from '../../api/app.js';
import { DeviceRegistry } from '../../activities/devices.js';
import { openSqliteStore, type InventoryStore } from '../../activities/inventory/index.js';
import { startSimulatedFleet, type SimulatedFleet } from '../../simulators/index.js';
import type { DrMoveReport } from '../../workflows/dr/move-steps.js';
import { KillableWorker } from '../support/killable-worker.js';
import { configForSimulatedFleet } from '../support/simulated-lazarus.js';
import { ConformanceServer, eventually } from '../support/temporal.js';

const FLEET = new URL('../../examples/fleet-dr.yaml', import.meta.url).pathname;
const CONFIG = new URL('../../examples/lazarus-dr.yaml', import.meta.url).pathname;
const TOKEN = 'dr-crash-test-token-0123456789';

interface FleetState {
  systems: Array<{ name: string; partitions: Array<{ name: string; state: string }> }>;
}
interface MoveView {
  status: string;
  progress?: DrMoveReport;
  report?: DrMoveReport;
}

describe('a planned DR move survives the worker being killed (through the API)', () => {
  let fleet: SimulatedFleet;
  let server: ConformanceServer;
  let store: InventoryStore;
  let devices: DeviceRegistry;
  let dir: string;
  let worker: KillableWorker;
  let http: Server;
  let url = '';
  const api = async <T>(method: string, path: string, body?: unknown) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as T };
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lazarus-dr-crash-'));
    // Slower device physics than the other DR tests, so each phase lasts long enough to be interrupted.
    fleet = await startSimulatedFleet({ fleet: FLEET, timeScale: 0.005 });
    const prepared = configForSimulatedFleet(fleet, dir, undefined, CONFIG);
    devices = new DeviceRegistry(prepared.config);
    store = await openSqliteStore(join(dir, 'lazarus.db'));
    server = await ConformanceServer.start();
    worker = new KillableWorker({
      address: server.address,
      namespace: server.namespace,
      configFile: prepared.file,
      database: join(dir, 'lazarus.db'),
    });
    const app = createApi({
      client: server.client,
      config: prepared.config,
      store,
      tokens: [{ name: 'operator', token: TOKEN, role: 'admin' }],
      log: () => undefined,
    });
    http = await new Promise<Server>((resolve) => {
      const listening: Server = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    const address = http.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });

  after(async () => {
    await new Promise((resolve) => http?.close(resolve));
    worker?.stopAll();
    await server?.stop();
    await devices?.close();
    await store?.close();
    await fleet?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('completes after SIGKILL mid-stop and mid-start, with no violation', { timeout: 600_000 }, async () => {
    await worker.start();
    const verified = await api<{ result?: { ready: boolean } }>('POST', '/v1/sites/dc1/verify?wait=240');
    assert.equal(verified.body.result?.ready, true, JSON.stringify(verified.body));
    const started = await api('POST', '/v1/sites/dc1/move', { to: 'dc2', shutdownTimeout: 120 });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const progress = async () => (await api<MoveView>('GET', '/v1/sites/dc1/move')).body.progress;
    const killAt = async (what: string, reached: (report: DrMoveReport) => boolean) => {
      await eventually(
        what,
        async () => {
          const report = await progress();
          return report && reached(report) ? true : undefined;
        },
        300_000,
        20,
      );
      await worker.killAndRestart();
    };
    const inStep = (report: DrMoveReport, step: string) => report.steps.at(-1)?.step === step;
    await killAt('mid-stop', (r) => inStep(r, 'stop-at-active-site') && r.vms.some((v) => v.stopped));
    await killAt('mid-start', (r) => inStep(r, 'start-at-backup-site') && r.vms.some((v) => v.backupHost));
    const report = (await eventually(
      'the move to end',
      async () => {
        const view = await api<MoveView>('GET', '/v1/sites/dc1/move');
        return view.body.status === 'COMPLETED' ? view.body.report : undefined;
      },
      480_000,
      500,
    ))!;
    assert.equal(report.outcome, 'moved', JSON.stringify(report.vms.filter((v) => v.state !== 'Running')));
    assert.equal(report.vms.length, 21);
    assert.equal(report.cleanup?.vms.filter((v) => v.unmapped.length > 0).length, 21, JSON.stringify(report.cleanup));
    const state = (await (await fetch(`${fleet.controlUrl}/state`)).json()) as FleetState;
    const runningAt = (prefix: string) =>
      state.systems
        .filter((s) => s.name.startsWith(prefix))
        .flatMap((s) => s.partitions.filter((p) => p.state === 'Running' && !p.name.includes('vios')));
    assert.deepEqual(runningAt('dc1-'), []);
    assert.equal(runningAt('dc2-').length, 21);
    assert.deepEqual(await (await fetch(`${fleet.controlUrl}/violations`)).json(), []);
  });
});

// The controller's own crash during a planned site move: the worker process is killed with SIGKILL while VMs are
// being stopped at dc1 and again while they are being started at dc2; a new worker picks the move up each time and
// it completes — every VM Running once, at dc2, the violation log empty (no VM ever at both sites).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Worker } from '@temporalio/worker';
import { createDrActivities } from '../../activities/dr/activities.js';
import { DeviceRegistry } from '../../activities/devices.js';
import { openSqliteStore, type InventoryStore } from '../../activities/inventory/index.js';
import { startSimulatedFleet, type SimulatedFleet } from '../../simulators/index.js';
import { moveProgressQuery } from '../../workflows/dr/messages.js';
import type { DrMoveReport } from '../../workflows/dr/move-steps.js';
import { KillableWorker } from '../support/killable-worker.js';
import { configForSimulatedFleet } from '../support/simulated-lazarus.js';
import { ConformanceServer, eventually } from '../support/temporal.js';

const FLEET = new URL('../../examples/fleet-dr.yaml', import.meta.url).pathname;
const CONFIG = new URL('../../examples/lazarus-dr.yaml', import.meta.url).pathname;

interface FleetState {
  systems: Array<{ name: string; partitions: Array<{ name: string; state: string }> }>;
}

describe('a planned DR move survives the worker being killed', () => {
  let fleet: SimulatedFleet;
  let server: ConformanceServer;
  let store: InventoryStore;
  let devices: DeviceRegistry;
  let dir: string;
  let worker: KillableWorker;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lazarus-dr-crash-'));
    // Slower device physics than the other DR tests, so each phase lasts long enough to be interrupted.
    fleet = await startSimulatedFleet({ fleet: FLEET, timeScale: 0.005 });
    const prepared = configForSimulatedFleet(fleet, dir, undefined, CONFIG);
    devices = new DeviceRegistry(prepared.config);
    store = await openSqliteStore(join(dir, 'lazarus.db'));
    server = await ConformanceServer.start();
    // A first verification in this process: the stored history the move's own verification adds to.
    const verify = await Worker.create({
      connection: server.nativeConnection,
      namespace: server.namespace,
      taskQueue: 'verify-only',
      workflowsPath: new URL('../../workflows/index.ts', import.meta.url).pathname,
      activities: createDrActivities({ config: prepared.config, devices, store, log: () => undefined }),
    });
    const summary = (await verify.runUntil(
      server.client.workflow.execute('verifyDrSite', {
        taskQueue: 'verify-only',
        workflowId: 'crash-verify',
        args: [{ site: 'dc1' }],
      }),
    )) as { ready: boolean };
    assert.equal(summary.ready, true);
    worker = new KillableWorker({
      address: server.address,
      namespace: server.namespace,
      configFile: prepared.file,
      database: join(dir, 'lazarus.db'),
    });
  });

  after(async () => {
    worker?.stopAll();
    await server?.stop();
    await devices?.close();
    await store?.close();
    await fleet?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('completes after SIGKILL mid-stop and mid-start, with no violation', { timeout: 600_000 }, async () => {
    await worker.start();
    const handle = await server.client.workflow.start('moveDrSite', {
      taskQueue: 'lazarus',
      workflowId: 'dr-move/dc1',
      // Short heartbeats so a killed worker's activities are retried within seconds.
      args: [{ site: 'dc1', to: 'dc2', pollMs: 100, heartbeatMs: 2_000, shutdownTimeoutMs: 120_000 }],
    });
    const progress = () => handle.query(moveProgressQuery);
    const killAt = async (what: string, reached: (report: DrMoveReport) => boolean) => {
      await eventually(what, async () => (reached(await progress()) ? true : undefined), 300_000, 20);
      await worker.killAndRestart();
    };
    const inStep = (report: DrMoveReport, step: string) => report.steps.at(-1)?.step === step;
    await killAt('mid-stop', (r) => inStep(r, 'stop-at-active-site') && r.vms.some((v) => v.stopped));
    await killAt('mid-start', (r) => inStep(r, 'start-at-backup-site') && r.vms.some((v) => v.backupHost));
    const report = (await handle.result()) as DrMoveReport;
    assert.equal(report.outcome, 'moved', JSON.stringify(report.vms.filter((v) => v.state !== 'Running')));
    assert.equal(report.vms.length, 21);
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

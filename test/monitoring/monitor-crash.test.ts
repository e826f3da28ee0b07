// The monitor survives the controller's own crashes: the worker process is killed with SIGKILL and a new one
// started, then the devserver (persisting to a file) is killed with -9 and restarted on the same file and port; the
// monitor carries on observing (its count keeps growing from where it was) and still detects a host that powers
// off and starts its failover.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Client, Connection } from '@temporalio/client';
import { DeviceRegistry } from '../../activities/devices.js';
import { openSqliteStore, type InventoryStore } from '../../activities/inventory/index.js';
import type { MonitorView } from '../../domain/monitoring/index.js';
import type { LazarusConfig } from '../../domain/config/index.js';
import { startSimulatedFleet, type SimulatedFleet } from '../../simulators/index.js';
import { ensureHostMonitors } from '../../workers/monitors.js';
import { freePort, startTemporalService, type RunningTemporalService } from '../../workers/temporal-service.js';
import { hostMonitorWorkflowId, monitorViewQuery } from '../../workflows/monitoring/messages.js';
import { configForSimulatedFleet } from '../support/simulated-lazarus.js';
import { assertServiceAvailable, connectAll, eventually, installQuietRuntime, REPO_ROOT } from '../support/temporal.js';
import { GROUP, withMonitoring } from './support.js';

const FLEET = new URL('../../examples/fleet-small.yaml', import.meta.url).pathname;
const WORKER = new URL('../failover/fixtures/worker-process.ts', import.meta.url).pathname;

describe('host monitor survives a worker crash and a devserver restart', () => {
  let dir: string;
  let fleet: SimulatedFleet;
  let config: LazarusConfig;
  let configFile: string;
  let store: InventoryStore;
  let devices: DeviceRegistry;
  let client: Client;
  let connection: Connection;
  const services: RunningTemporalService[] = [];
  const workers: ChildProcess[] = [];

  before(async () => {
    installQuietRuntime();
    assertServiceAvailable();
    dir = mkdtempSync(join(tmpdir(), 'lazarus-monitor-crash-'));
    fleet = await startSimulatedFleet({ fleet: FLEET, timeScale: 0.0005 });
    ({ config, file: configFile } = configForSimulatedFleet(fleet, dir, withMonitoring({ action: 'auto' })));
    devices = new DeviceRegistry(config);
    store = await openSqliteStore(join(dir, 'lazarus.db'));
  });

  after(async () => {
    for (const worker of workers) if (worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
    await connection?.close().catch(() => undefined);
    for (const service of services) await service.stop();
    await devices?.close();
    await store?.close();
    await fleet?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function startWorker(address: string, namespace: string): Promise<ChildProcess> {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', WORKER, address, namespace, configFile, join(dir, 'lazarus.db')],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    workers.push(child);
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
      child.once('exit', (code) => reject(new Error(`worker exited early (${code})`)));
    });
    return child;
  }

  async function kill(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  const view = () => client.workflow.getHandle(hostMonitorWorkflowId(GROUP)).query(monitorViewQuery);
  /** Waits until the monitor has made `count` observations in all (a query may fail while things restart). */
  const observed = (count: number, what: string): Promise<MonitorView> =>
    eventually(what, async () => ((await view()).observations >= count ? view() : undefined), 180_000, 250);

  it('carries on observing and still detects and acts', { timeout: 600_000 }, async () => {
    const dbFile = join(dir, 'devserver.db');
    const port = await freePort();
    const first = await startTemporalService({ dbFile, port });
    services.push(first);
    ({ client, connection } = await connectAll(first.address, first.namespace));
    let worker = await startWorker(first.address, first.namespace);
    const discovery = (await client.workflow.execute('discoverHostGroup', {
      taskQueue: 'lazarus',
      workflowId: 'monitor-crash-discovery',
      args: [{ group: GROUP }],
    })) as { discovery: { status: string } };
    assert.equal(discovery.discovery.status, 'ok');
    await ensureHostMonitors(client, config, 'lazarus');
    const before = await observed(3, 'three observations');

    await kill(worker);
    worker = await startWorker(first.address, first.namespace);
    const afterWorker = await observed(before.observations + 3, 'observations after the worker crash');
    assert.ok(afterWorker.observations > before.observations, 'the count carried on');

    await kill(first.process!);
    const second = await startTemporalService({ dbFile, port });
    services.push(second);
    const afterServer = await observed(afterWorker.observations + 3, 'observations after the devserver restart');
    assert.ok(
      afterServer.hosts.every((h) => h.verdict === 'up'),
      JSON.stringify(afterServer.hosts),
    );

    await devices.hmc('hmc-dc1').powerOffSystem('dc1-s01');
    const detection = await eventually(
      'the detection of dc1-s01',
      async () => (await store.hostMonitoring().detections(GROUP))[0],
      180_000,
      250,
    );
    assert.equal(detection.action, 'failover-auto', detection.reason);
    const failover = await client.workflow.getHandle(`failover/${GROUP}/dc1-s01`).describe();
    assert.equal(failover.type, 'hostFailover');
    assert.equal(
      (await client.workflow.getHandle(hostMonitorWorkflowId(GROUP)).describe()).status.name,
      'RUNNING',
      'the monitor is still running',
    );
  });
});

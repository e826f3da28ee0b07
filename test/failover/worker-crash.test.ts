// The controller's own crash: the worker process is killed with SIGKILL mid-fence, mid-mapping and mid-boot of one
// failover, a new one is started each time, and the failover still completes: every LPAR Running elsewhere, the
// violation log empty (nothing started twice, no volume written from two LPARs), the report stored once.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Worker } from '@temporalio/worker';
import { createDiscoveryActivities } from '../../activities/discovery/activities.js';
import { DeviceRegistry } from '../../activities/devices.js';
import { openSqliteStore, type InventoryStore } from '../../activities/inventory/index.js';
import type { LazarusConfig } from '../../domain/config/index.js';
import { startSimulatedFleet, type SimulatedFleet } from '../../simulators/index.js';
import {
  failoverPolicy,
  type FailoverPolicy,
  type FailoverProgress,
  type FailoverReport,
} from '../../domain/failover/index.js';
import { hostFailover } from '../../workflows/failover/index.js';
import { KillableWorker } from '../support/killable-worker.js';
import { configForSimulatedFleet } from '../support/simulated-lazarus.js';
import { ConformanceServer, eventually } from '../support/temporal.js';
import { assertPlacedOnce, fleetState } from './fixtures/placement-checks.js';

const FLEET = new URL('../../examples/fleet-small.yaml', import.meta.url).pathname;

describe('host failover survives the worker being killed', () => {
  let fleet: SimulatedFleet;
  let server: ConformanceServer;
  let store: InventoryStore;
  let devices: DeviceRegistry;
  let config: LazarusConfig;
  let dir: string;
  let worker: KillableWorker;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lazarus-crash-'));
    // Slower device physics than the other tests, so each phase lasts long enough to be interrupted.
    fleet = await startSimulatedFleet({ fleet: FLEET, timeScale: 0.02 });
    let configFile: string;
    ({ config, file: configFile } = configForSimulatedFleet(fleet, dir));
    devices = new DeviceRegistry(config);
    store = await openSqliteStore(join(dir, 'lazarus.db'));
    server = await ConformanceServer.start();
    worker = new KillableWorker({
      address: server.address,
      namespace: server.namespace,
      configFile,
      database: join(dir, 'lazarus.db'),
    });
    // A first discovery in this process, so the failover has an inventory to plan from.
    const discovery = await Worker.create({
      connection: server.nativeConnection,
      namespace: server.namespace,
      taskQueue: 'discovery-only',
      workflowsPath: new URL('../../workflows/index.ts', import.meta.url).pathname,
      activities: createDiscoveryActivities({ config, devices, store, log: () => undefined }),
    });
    await discovery.runUntil(
      server.client.workflow.execute('discoverHostGroup', {
        taskQueue: 'discovery-only',
        workflowId: 'crash-discovery',
        args: [{ group: 'dc1-prod' }],
      }),
    );
  });

  after(async () => {
    worker?.stopAll();
    await server?.stop();
    await devices?.close();
    await store?.close();
    await fleet?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    'completes after SIGKILL mid-fence, mid-mapping and mid-boot, with no violation',
    { timeout: 300_000 },
    async () => {
      await fetch(`${fleet.controlUrl}/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ kind: 'host-error', target: 'dc1-s01' }),
      });
      await worker.start();
      // Short heartbeats so a killed worker's activities are retried within seconds.
      const configured = failoverPolicy(config, 'dc1-prod')!;
      const policy: FailoverPolicy = {
        ...configured,
        timing: { ...configured.timing, pollMs: 100, heartbeatMs: 2_000 },
      };
      const handle = await server.client.workflow.start(hostFailover, {
        taskQueue: 'lazarus',
        workflowId: 'failover/dc1-prod/dc1-s01',
        args: [{ group: 'dc1-prod', host: 'dc1-s01', mode: 'auto', requestedBy: 'test', policy }],
      });
      const progress = () => handle.query<FailoverProgress>('progress');
      // Where the failover is, from its progress query or, for boots (a second or so each here), from the simulator.
      const booting = async () => {
        const state = await fleetState(fleet.controlUrl);
        return state.systems.some((s) => s.name !== 'dc1-s01' && s.partitions.some((p) => p.state === 'Starting'));
      };
      const killAt = async (what: string, reached: () => Promise<boolean>) => {
        await eventually(what, async () => ((await reached()) ? true : undefined), 120_000, 20);
        await worker.killAndRestart();
      };
      await killAt('mid-fence', async () => (await progress()).phase === 'fence');
      await killAt('mid-mapping', async () => (await progress()).lpars.some((l) => l.step === 'mapping'));
      await killAt('mid-boot', booting);
      const report = (await handle.result()) as FailoverReport;
      assert.equal(report.outcome, 'succeeded', JSON.stringify(report.lpars.filter((l) => l.step !== 'running')));
      assert.equal(report.fence?.poweredOff, true);
      for (const lpar of report.lpars) {
        const partition = await devices.hmc('hmc-dc1').partition(lpar.destination!, lpar.lpar);
        assert.equal(partition?.state, 'Running', `${lpar.lpar} on ${lpar.destination}`);
      }
      assert.equal(report.lpars.length, 5);
      await assertPlacedOnce(fleet.controlUrl, report);
      assert.deepEqual(await (await fetch(`${fleet.controlUrl}/violations`)).json(), []);
      assert.equal((await store.recoveryReport(handle.workflowId))?.outcome, 'succeeded');
    },
  );
});

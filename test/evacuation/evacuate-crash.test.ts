// The controller's own crash during planned operations: the worker process is killed with SIGKILL while several LPM
// migrations of an evacuation are in flight, and again while the restore's migrations are in flight; a new worker
// picks each run up. Every LPAR ends exactly once at a sensible host (its planned destination, then home), none ran
// twice (the simulator's violation log is empty, no partition is left mid-migration), the record of origins says
// where each came from during the evacuation and is empty after the restore, and each report is stored.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Worker } from '@temporalio/worker';
import { createDiscoveryActivities } from '../../activities/discovery/activities.js';
import { DeviceRegistry } from '../../activities/devices.js';
import { openSqliteStore, type InventoryStore } from '../../activities/inventory/index.js';
import {
  evacuationPolicy,
  type EvacuationPolicy,
  type EvacuationReport,
  type EvacuateInput,
  type RestoreInput,
} from '../../domain/evacuation/index.js';
import { startSimulatedFleet, type SimulatedFleet } from '../../simulators/index.js';
import { evacuationWorkflowId, restoreWorkflowId } from '../../workflows/evacuation/messages.js';
import { KillableWorker } from '../support/killable-worker.js';
import { configForSimulatedFleet } from '../support/simulated-lazarus.js';
import { ConformanceServer, eventually } from '../support/temporal.js';

const FLEET = new URL('../../examples/fleet-small.yaml', import.meta.url).pathname;
const GROUP = 'dc1-prod';
const HOST = 'dc1-s01';

interface FleetState {
  systems: Array<{
    name: string;
    partitions: Array<{ name: string; env: string; state: string; migrationState: string }>;
  }>;
}

describe('evacuation and restore survive the worker being killed mid-migration', () => {
  let fleet: SimulatedFleet;
  let server: ConformanceServer;
  let store: InventoryStore;
  let devices: DeviceRegistry;
  let dir: string;
  let worker: KillableWorker;
  let policy: EvacuationPolicy;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lazarus-evacuate-crash-'));
    fleet = await startSimulatedFleet({ fleet: FLEET, timeScale: 0.02 });
    const prepared = configForSimulatedFleet(fleet, dir);
    devices = new DeviceRegistry(prepared.config);
    store = await openSqliteStore(join(dir, 'lazarus.db'));
    server = await ConformanceServer.start();
    // A first discovery in this process: the evacuation plans from the inventory.
    const discovery = await Worker.create({
      connection: server.nativeConnection,
      namespace: server.namespace,
      taskQueue: 'discovery-only',
      workflowsPath: new URL('../../workflows/index.ts', import.meta.url).pathname,
      activities: createDiscoveryActivities({ config: prepared.config, devices, store, log: () => undefined }),
    });
    await discovery.runUntil(
      server.client.workflow.execute('discoverHostGroup', {
        taskQueue: 'discovery-only',
        workflowId: 'evacuate-crash-discovery',
        args: [{ group: GROUP }],
      }),
    );
    // Short heartbeats so a killed worker's activities are retried within seconds.
    policy = { ...evacuationPolicy(prepared.config, GROUP)!, pollMs: 100, heartbeatMs: 2_000 };
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

  const control = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const answer = await fetch(`${fleet.controlUrl}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    assert.ok(answer.ok, `${method} ${path}: ${answer.status}`);
    return (await answer.json()) as T;
  };

  /** Client LPAR → the hosts where it is defined, with its state and migration state. */
  async function placement(): Promise<Map<string, Array<{ host: string; state: string; migration: string }>>> {
    const state = await control<FleetState>('GET', '/state');
    const where = new Map<string, Array<{ host: string; state: string; migration: string }>>();
    for (const system of state.systems)
      for (const p of system.partitions.filter((q) => q.env !== 'vioserver'))
        where.set(p.name, [
          ...(where.get(p.name) ?? []),
          { host: system.name, state: p.state, migration: p.migrationState },
        ]);
    return where;
  }

  /** Kills the worker once the simulator shows at least `count` migrations in flight. */
  async function killWhenMigrating(count: number): Promise<string[]> {
    const inFlight = await eventually(
      `${count} migrations in flight`,
      async () => {
        const moving = [...(await placement())].filter(([, seen]) => seen.some((s) => s.state.startsWith('Migrating')));
        return moving.length >= count ? moving.map(([lpar]) => lpar) : undefined;
      },
      120_000,
      20,
    );
    await worker.killAndRestart();
    return inFlight;
  }

  /** Each LPAR is defined exactly once, not mid-migration, and Running. */
  async function assertOnceEach(): Promise<Map<string, string>> {
    const hosts = new Map<string, string>();
    for (const [lpar, seen] of await placement()) {
      assert.equal(seen.length, 1, `${lpar} is defined once: ${JSON.stringify(seen)}`);
      assert.equal(seen[0]!.migration, 'Not Migrating', `${lpar}: ${JSON.stringify(seen)}`);
      assert.equal(seen[0]!.state, 'Running', `${lpar}: ${JSON.stringify(seen)}`);
      hosts.set(lpar, seen[0]!.host);
    }
    return hosts;
  }

  it('evacuates and restores a host, every LPAR once, after SIGKILL each time', { timeout: 480_000 }, async () => {
    const before = await assertOnceEach();
    const home = [...before]
      .filter(([, host]) => host === HOST)
      .map(([lpar]) => lpar)
      .sort();
    assert.ok(home.length >= 4, home.join(', '));
    // Slower migrations (×30 on the host: 20–50 s of wall time) so several are still in flight when the new worker
    // takes over.
    const slow = await control<{ id: string }>('POST', '/faults', { kind: 'slow', target: HOST, factor: 30 });
    await worker.start();

    const evacuation: EvacuateInput = {
      group: GROUP,
      host: HOST,
      allowShutdownRestart: false,
      advisory: false,
      requestedBy: 'test',
      policy,
    };
    const evacuate = await server.client.workflow.start('evacuateHost', {
      taskQueue: 'lazarus',
      workflowId: evacuationWorkflowId(GROUP, HOST),
      args: [evacuation],
    });
    const killedDuringEvacuation = await killWhenMigrating(2);
    const evacuated = (await evacuate.result()) as EvacuationReport;
    assert.equal(evacuated.outcome, 'succeeded', JSON.stringify(evacuated.lpars));
    assert.deepEqual(
      evacuated.lpars
        .filter((l) => l.step === 'moved')
        .map((l) => l.lpar)
        .sort(),
      home,
    );
    const during = await assertOnceEach();
    for (const move of evacuated.lpars) {
      assert.notEqual(move.to, HOST);
      assert.equal(during.get(move.lpar), move.to, `${move.lpar} runs where its report says`);
    }
    for (const lpar of killedDuringEvacuation)
      assert.equal(evacuated.lpars.find((l) => l.lpar === lpar)?.step, 'moved', `${lpar}, in flight at the kill`);
    const origins = await store.lparOrigins().movedAwayFrom(GROUP, HOST);
    assert.deepEqual(
      origins.map((o) => [o.lpar, o.originHost, o.movedTo]).sort(),
      evacuated.lpars.map((l) => [l.lpar, HOST, l.to]).sort(),
      'the record of origins',
    );
    assert.deepEqual(await control('GET', '/violations'), [], 'none ran twice');

    const restoring: RestoreInput = { group: GROUP, host: HOST, endMaintenance: true, requestedBy: 'test', policy };
    const restore = await server.client.workflow.start('restoreHost', {
      taskQueue: 'lazarus',
      workflowId: restoreWorkflowId(GROUP, HOST),
      args: [restoring],
    });
    await killWhenMigrating(2);
    const restored = (await restore.result()) as EvacuationReport;
    assert.equal(restored.outcome, 'succeeded', JSON.stringify(restored.lpars));
    assert.equal(restored.maintenance, false, 'the host left maintenance');
    const after = await assertOnceEach();
    assert.deepEqual([...after].sort(), [...before].sort(), 'every LPAR is back where it was');
    assert.deepEqual(await store.lparOrigins().movedAwayFrom(GROUP, HOST), [], 'nothing left to bring home');
    assert.deepEqual(await control('GET', '/violations'), [], 'none ran twice');
    assert.equal((await store.recoveryReport(evacuate.workflowId))?.outcome, 'succeeded');
    assert.equal((await store.recoveryReport(restore.workflowId))?.outcome, 'succeeded');
    await control('DELETE', `/faults/${slow.id}`);
  });
});

// Discovery against the simulated fleet, as a Temporal workflow on the devserver: a correct snapshot, exactly the
// change made in the simulator on the next run, the previous snapshot kept during an HMC outage, the capacity check,
// hosts that cannot be described kept stale while the others update, and the schedules that run it all.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Worker } from '@temporalio/worker';
import { parse } from 'yaml';
import { createDiscoveryActivities } from '../../activities/discovery/activities.js';
import { DeviceRegistry } from '../../activities/devices.js';
import { openSqliteStore, type InventoryStore } from '../../activities/inventory/index.js';
import type { LazarusConfig } from '../../domain/config/index.js';
import { startSimulatedFleet, type SimulatedFleet } from '../../simulators/index.js';
import { ensureInventorySchedules } from '../../workers/inventory-schedules.js';
import type { DiscoveryOutcome } from '../../workflows/discovery/index.js';
import { configForSimulatedFleet } from '../support/simulated-lazarus.js';
import { ConformanceServer, uniqueTaskQueue, uniqueWorkflowId } from '../support/temporal.js';

const FLEET = new URL('../../examples/fleet-small.yaml', import.meta.url).pathname;
const WORKFLOWS = new URL('../../workflows/discovery/index.ts', import.meta.url).pathname;

describe('discovery of a host group (workflow on the devserver, devices simulated)', () => {
  let fleet: SimulatedFleet;
  let server: ConformanceServer;
  let store: InventoryStore;
  let devices: DeviceRegistry;
  let config: LazarusConfig;
  let worker: Worker;
  let running: Promise<void>;
  let dir: string;
  const taskQueue = uniqueTaskQueue('discovery');

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lazarus-discovery-'));
    fleet = await startSimulatedFleet({ fleet: FLEET, timeScale: 0.0005 });
    ({ config } = configForSimulatedFleet(fleet, dir));
    devices = new DeviceRegistry(config);
    store = await openSqliteStore(join(dir, 'lazarus.db'));
    server = await ConformanceServer.start();
    worker = await Worker.create({
      connection: server.nativeConnection,
      namespace: server.namespace,
      taskQueue,
      workflowsPath: WORKFLOWS,
      activities: createDiscoveryActivities({ config, devices, store, log: () => undefined }),
    });
    running = worker.run();
  });

  after(async () => {
    worker?.shutdown();
    await running?.catch(() => undefined);
    await server?.stop();
    await devices?.close();
    await store?.close();
    await fleet?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const discover = () =>
    server.client.workflow.execute('discoverHostGroup', {
      taskQueue,
      workflowId: uniqueWorkflowId('discovery'),
      args: [{ group: 'dc1-prod' }],
    }) as Promise<DiscoveryOutcome>;

  const control = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${fleet.controlUrl}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    assert.ok(response.ok, `${method} ${path}: ${response.status}`);
    return response.json() as Promise<{ id: string }>;
  };

  it('stores a snapshot that matches the fleet, then checks capacity', { timeout: 60_000 }, async () => {
    const outcome = await discover();
    assert.equal(outcome.discovery.status, 'ok');
    assert.equal(outcome.discovery.changes, undefined, 'the first snapshot has nothing to compare with');
    assert.equal(outcome.capacity?.hostsChecked, 4);
    const latest = (await store.latestGoodSnapshot('dc1-prod'))!;
    assert.equal(latest.runId, outcome.discovery.runId);
    const spec = parse(readFileSync(FLEET, 'utf8')) as {
      sites: Array<{
        systems: Array<{ name: string; lpars: Array<{ name: string; volumes: string[]; priority: string }> }>;
      }>;
    };
    const expected = spec.sites[0]!.systems.flatMap((s) =>
      s.lpars.map((l) => ({ name: l.name, host: s.name, volumes: [...l.volumes].sort(), priority: l.priority })),
    );
    const actual = latest.snapshot.lpars.map((l) => ({
      name: l.name,
      host: l.host,
      volumes: l.volumes.map((v) => v.vdiskName).sort(),
      priority: l.priority,
    }));
    assert.deepEqual(
      actual.sort((a, b) => (a.name < b.name ? -1 : 1)),
      expected.sort((a, b) => (a.name < b.name ? -1 : 1)),
    );
    assert.equal(latest.snapshot.managedSystems.length, 4);
    assert.equal(latest.snapshot.vios.length, 8);
    const db = latest.snapshot.lpars.find((l) => l.name === 'dc1-db01')!;
    assert.deepEqual(db.memoryMb, { desired: 65536, min: 32768, max: 131072 });
    assert.ok(db.vscsiMappings.length >= 4, 'VIOS presentations are recorded');
    const batch = latest.snapshot.lpars.find((l) => l.name === 'dc1-batch01')!;
    assert.equal(batch.npivMappings.length, 2, 'one NPIV server adapter per VIOS');
    assert.equal(batch.volumes.length, 2, 'its volumes: on the system host object, presented by no VIOS');
    assert.ok(
      batch.npivMappings.every((m) => m.wwpns.length === 2),
      'with the client adapter WWPNs from the profile',
    );
    assert.ok(await store.latestCapacityCheck('dc1-prod'));
  });

  it('records exactly the change made in the simulator on the next discovery', { timeout: 60_000 }, async () => {
    await control('POST', '/actions/set-capacity', { system: 'dc1-s03', memoryMb: 262144 });
    const outcome = await discover();
    assert.equal(outcome.discovery.status, 'ok');
    assert.equal(outcome.discovery.changes, 1);
    const run = (await store.discoveryRun(outcome.discovery.runId))!;
    assert.deepEqual(
      run.diff?.map((c) => c.kind),
      ['host-capacity-changed'],
    );
    assert.equal((run.diff![0] as { host: string }).host, 'dc1-s03');
    const unchanged = await discover();
    assert.equal(unchanged.discovery.changes, 0, 'nothing changed since');
    assert.equal(unchanged.capacity, undefined, 'no capacity check without a change');
  });

  it(
    'keeps the previous snapshot when the HMCs are unreachable, and records the failed run',
    { timeout: 60_000 },
    async () => {
      const before = (await store.latestGoodSnapshot('dc1-prod'))!;
      const fault = await control('POST', '/faults', { kind: 'device-unreachable', target: 'hmc-dc1' });
      const second = await control('POST', '/faults', { kind: 'device-unreachable', target: 'hmc-dc1b' });
      try {
        const outcome = await discover();
        assert.equal(outcome.discovery.status, 'failed');
        assert.match(outcome.discovery.error ?? '', /hmc-dc1: cannot reach the device/);
        const failedRun = (await store.discoveryRun(outcome.discovery.runId))!;
        assert.equal(failedRun.status, 'failed');
        assert.equal(failedRun.snapshot, undefined);
        assert.equal((await store.latestGoodSnapshot('dc1-prod'))!.runId, before.runId, 'the last good snapshot stays');
      } finally {
        await fetch(`${fleet.controlUrl}/faults/${fault.id}`, { method: 'DELETE' });
        await fetch(`${fleet.controlUrl}/faults/${second.id}`, { method: 'DELETE' });
      }
    },
  );

  it(
    "reports a capacity shortfall when a host's LPARs would no longer fit on the others",
    { timeout: 60_000 },
    async () => {
      for (const system of ['dc1-s01', 'dc1-s02', 'dc1-s03', 'dc1-s04'])
        await control('POST', '/actions/set-capacity', { system, memoryMb: 200_000 });
      const outcome = await discover();
      assert.equal(outcome.discovery.status, 'ok');
      assert.ok(
        outcome.capacity && outcome.capacity.hostsWithShortfall.length > 0,
        'the inventory changed, so capacity was checked, and it is short',
      );
      const check = (await store.latestCapacityCheck('dc1-prod'))!;
      const short = check.hosts.find((h) => !h.fits)!;
      assert.ok(short.shortfalls.some((s) => s.resource === 'memoryMb' && s.lpars.length > 0));
      const notifications = await store.recentNotifications(5);
      assert.ok(
        notifications.some(
          (n) => n.kind === 'capacity-shortfall' && n.severity === 'warning' && n.message.includes(short.failedHost),
        ),
      );
      const daily = (await server.client.workflow.execute('checkHostGroupCapacity', {
        taskQueue,
        workflowId: uniqueWorkflowId('capacity'),
        args: [{ group: 'dc1-prod' }],
      })) as { hostsChecked: number };
      assert.equal(daily.hostsChecked, 4);
    },
  );

  it(
    'keeps each host it cannot describe (powered off, Error, no connection) as last seen, stale; the others update',
    { timeout: 90_000 },
    async () => {
      const before = (await store.latestGoodSnapshot('dc1-prod'))!;
      const hmc = devices.hmc('hmc-dc1');
      const faults = [
        await control('POST', '/faults', { kind: 'host-error', target: 'dc1-s03' }),
        await control('POST', '/faults', { kind: 'host-power-loss', target: 'dc1-s04' }),
      ];
      try {
        await hmc.powerOffSystem('dc1-s02');
        for (let i = 0; i < 200 && (await hmc.systemState('dc1-s02')) !== 'Power Off'; i++)
          await new Promise((resolve) => setTimeout(resolve, 50));
        await control('POST', '/actions/set-capacity', { system: 'dc1-s01', memoryMb: 300_000 });
        const outcome = await discover();
        assert.equal(outcome.discovery.status, 'ok', 'the others were described');
        assert.deepEqual(
          outcome.discovery.staleHosts?.map((h) => [h.host, h.state]),
          [
            ['dc1-s02', 'Power Off'],
            ['dc1-s03', 'Error'],
            ['dc1-s04', 'No Connection'],
          ],
        );
        const latest = (await store.latestGoodSnapshot('dc1-prod'))!;
        assert.equal(latest.runId, outcome.discovery.runId);
        assert.equal(
          latest.snapshot.managedSystems.find((m) => m.name === 'dc1-s01')!.memoryMb.installed,
          300_000,
          'dc1-s01 updated',
        );
        const fleet = await store.currentFleet('dc1-prod');
        for (const name of ['dc1-s02', 'dc1-s03', 'dc1-s04']) {
          const host = fleet.hosts.find((h) => h.name === name)!;
          assert.match(host.staleReason ?? '', new RegExp(`^${name} is ${host.state}`));
          assert.equal(host.describedAt, before.snapshot.takenAt, `${name}: its description is the last one`);
          const lastSeen = before.snapshot.lpars.filter((l) => l.host === name);
          const kept = fleet.lpars.filter((l) => l.host === name);
          assert.deepEqual(
            kept.map((l) => [l.name, l.state]),
            lastSeen.map((l) => [l.name, l.state]),
            `${name}: the LPARs last seen on it, in their last state`,
          );
          assert.ok(kept.every((l) => l.stale && l.observedAt === before.snapshot.takenAt));
        }
        assert.deepEqual(
          fleet.hosts.find((h) => h.name === 'dc1-s02')!.state,
          'Power Off',
          'a powered-off host is recorded as such',
        );
        assert.ok(
          fleet.lpars.filter((l) => l.host === 'dc1-s01').every((l) => !l.stale),
          'dc1-s01 is fresh',
        );
      } finally {
        for (const fault of faults) await fetch(`${fleet.controlUrl}/faults/${fault.id}`, { method: 'DELETE' });
        await hmc.run('chsysstate -m dc1-s02 -r sys -o on');
      }
      for (let i = 0; i < 200 && (await hmc.systemState('dc1-s02')) !== 'Operating'; i++)
        await new Promise((resolve) => setTimeout(resolve, 50));
      const back = await discover();
      assert.deepEqual(
        [back.discovery.status, back.discovery.staleHosts],
        ['ok', undefined],
        'every host described again',
      );
      assert.ok((await store.currentFleet('dc1-prod')).hosts.every((h) => h.staleReason === undefined));
    },
  );

  it('records a partition defined on two hosts where it runs, and says so', { timeout: 60_000 }, async () => {
    // A remote restart leaves the partition's definition on its source (Not Activated) until it is cleaned up.
    await control('POST', '/actions/place-lpar', {
      lpar: 'dc1-web01',
      from: 'dc1-s01',
      to: 'dc1-s03',
      mapVolumes: false,
      start: false,
    });
    const outcome = await discover();
    assert.equal(outcome.discovery.status, 'ok');
    assert.deepEqual(outcome.discovery.notes, [
      'dc1-web01 is defined on dc1-s01 (Running) and dc1-s03 (Not Activated); recorded on dc1-s01',
    ]);
    const web = (await store.latestGoodSnapshot('dc1-prod'))!.snapshot.lpars.filter((l) => l.name === 'dc1-web01');
    assert.deepEqual(
      web.map((l) => [l.host, l.state]),
      [['dc1-s01', 'Running']],
    );
  });

  it(
    'creates the discovery and capacity-check schedules, and updates them idempotently',
    { timeout: 30_000 },
    async () => {
      const ids = await ensureInventorySchedules(server.client, config, taskQueue);
      assert.deepEqual(ids, ['discovery/dc1-prod', 'capacity-check/dc1-prod']);
      assert.deepEqual(
        await ensureInventorySchedules(
          server.client,
          { ...config, discovery: { ...config.discovery, interval: 600_000 } },
          taskQueue,
        ),
        ids,
      );
      const discovery = await server.client.schedule.getHandle('discovery/dc1-prod').describe();
      assert.equal(discovery.spec.intervals?.[0]?.every, 600_000);
      const capacity = await server.client.schedule.getHandle('capacity-check/dc1-prod').describe();
      assert.equal(capacity.info.nextActionTimes[0]?.getUTCHours(), 3);
      for (const id of ids) await server.client.schedule.getHandle(id).delete();
    },
  );
});

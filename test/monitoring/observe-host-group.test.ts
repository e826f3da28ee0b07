// observeHostGroup against the simulated fleet (examples/fleet-small.yaml with the HMC pair hmc-dc1 + hmc-dc1b): what
// the host monitor sees for a healthy group, a power loss, a system in Error, an HMC down (refusing or blackholed), an
// HMC that lost its connection to a running host, and a storage system that is down.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { DeviceRegistry } from '../../activities/devices.js';
import { createObservationActivities } from '../../activities/monitoring/observe-host-group.js';
import type { LazarusConfig } from '../../domain/config/index.js';
import type { HostObservation } from '../../domain/monitoring/contracts.js';
import { type SimulatedFleet, startSimulatedFleet } from '../../simulators/index.js';
import { configForSimulatedFleet } from '../support/simulated-lazarus.js';

const FLEET = new URL('../../examples/fleet-small.yaml', import.meta.url).pathname;

describe('observeHostGroup', () => {
  let fleet: SimulatedFleet;
  let dir: string;
  let devices: DeviceRegistry;
  let observe: ReturnType<typeof createObservationActivities>['observeHostGroup'];

  async function control(method: string, path: string, body?: unknown): Promise<{ id?: string }> {
    const response = await fetch(`${fleet.controlUrl}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const payload = (await response.json()) as { id?: string };
    assert.ok(response.ok, `${method} ${path}: ${JSON.stringify(payload)}`);
    return payload;
  }

  async function host(name: string): Promise<HostObservation> {
    const observation = await observe({ group: 'dc1-prod' });
    assert.equal(observation.group, 'dc1-prod');
    assert.deepEqual(
      observation.hosts.map((h) => h.host),
      ['dc1-s01', 'dc1-s02', 'dc1-s03', 'dc1-s04'],
    );
    return observation.hosts.find((h) => h.host === name)!;
  }

  before(async () => {
    fleet = await startSimulatedFleet({ fleet: FLEET, timeScale: 0.0005 });
    dir = mkdtempSync(join(tmpdir(), 'lazarus-observe-'));
    const { config } = configForSimulatedFleet(fleet, dir);
    assert.deepEqual(config.hostGroups[0]!.hmcs, ['hmc-dc1', 'hmc-dc1b']);
    devices = new DeviceRegistry(config);
    observe = createObservationActivities({ config, devices, readTimeoutMs: 3_000 }).observeHostGroup;
  });
  after(async () => {
    await devices.close();
    await fleet.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => control('POST', '/reset'));
  afterEach(async () => assert.deepEqual(await control('GET', '/violations'), []));

  it('a healthy group: both HMCs Operating, every FC port logged in, both VIOS Running', async () => {
    const observation = await observe({ group: 'dc1-prod' });
    for (const reading of observation.hosts) {
      assert.deepEqual(reading.hmcs, [
        { hmc: 'hmc-dc1', reachable: true, state: 'Operating' },
        { hmc: 'hmc-dc1b', reachable: true, state: 'Operating' },
      ]);
      assert.deepEqual(reading.storagePorts, {
        storage: 'svc-dc1',
        reachable: true,
        status: 'online',
        loggedIn: 4,
        total: 4,
      });
      assert.deepEqual(reading.vios, [
        { name: `${reading.host}-vios1`, state: 'Running' },
        { name: `${reading.host}-vios2`, state: 'Running' },
      ]);
      assert.ok(!Number.isNaN(Date.parse(reading.observedAt)));
    }
    const again = await observe({ group: 'dc1-prod' });
    assert.deepEqual(
      again.hosts.map(({ observedAt: _, ...rest }) => rest),
      observation.hosts.map(({ observedAt: _, ...rest }) => rest),
      'a read: observing again sees the same',
    );
  });

  it('power loss: both HMCs say No Connection and the ports are logged out', async () => {
    await control('POST', '/faults', { kind: 'host-power-loss', target: 'dc1-s01' });
    const reading = await host('dc1-s01');
    assert.deepEqual(
      reading.hmcs.map((h) => [h.hmc, h.reachable, h.state]),
      [
        ['hmc-dc1', true, 'No Connection'],
        ['hmc-dc1b', true, 'No Connection'],
      ],
    );
    assert.deepEqual(reading.storagePorts, {
      storage: 'svc-dc1',
      reachable: true,
      status: 'offline',
      loggedIn: 0,
      total: 4,
    });
    assert.deepEqual(
      reading.vios?.map((v) => v.state),
      ['Not Available', 'Not Available'],
    );
    assert.equal((await host('dc1-s02')).hmcs[0]!.state, 'Operating');
  });

  it('system Error: the HMCs say Error, the ports stay logged in, the VIOS are Not Available', async () => {
    await control('POST', '/faults', { kind: 'host-error', target: 'dc1-s02' });
    const reading = await host('dc1-s02');
    assert.deepEqual(
      reading.hmcs.map((h) => h.state),
      ['Error', 'Error'],
    );
    assert.equal(reading.storagePorts.loggedIn, 4);
    assert.deepEqual(
      reading.vios?.map((v) => v.state),
      ['Not Available', 'Not Available'],
    );
  });

  it('a crashed platform (Error, partitions lost): the HMCs say Error and every port is logged out', async () => {
    await control('POST', '/faults', { kind: 'host-error', target: 'dc1-s02', partitions: 'lost' });
    const reading = await host('dc1-s02');
    assert.deepEqual(
      reading.hmcs.map((h) => h.state),
      ['Error', 'Error'],
    );
    assert.deepEqual(
      [reading.storagePorts.status, reading.storagePorts.loggedIn, reading.storagePorts.total],
      ['offline', 0, 4],
    );
    assert.ok(reading.vios?.every((v) => v.state !== 'Running'));
  });

  for (const mode of ['refuse', 'blackhole'] as const) {
    it(`one HMC unreachable (${mode}): it is marked unreachable with its error, the other HMC is read`, async () => {
      await control('POST', '/faults', { kind: 'device-unreachable', target: 'hmc-dc1', mode });
      const reading = await host('dc1-s03');
      const [first, second] = reading.hmcs;
      assert.equal(first!.hmc, 'hmc-dc1');
      assert.equal(first!.reachable, false);
      assert.equal(first!.state, undefined);
      assert.equal(first!.errorClass, 'transient');
      assert.match(first!.error ?? '', /hmc-dc1: (cannot reach the device|no answer)/);
      assert.deepEqual(second, { hmc: 'hmc-dc1b', reachable: true, state: 'Operating' });
      assert.equal(reading.storagePorts.loggedIn, 4);
      assert.deepEqual(
        reading.vios?.map((v) => v.state),
        ['Running', 'Running'],
      );
    });
  }

  it('one HMC lost its connection to a running host: No Connection there, Operating on the other, ports in', async () => {
    await control('POST', '/faults', { kind: 'hmc-connection-lost', target: 'hmc-dc1/dc1-s04' });
    const reading = await host('dc1-s04');
    assert.deepEqual(reading.hmcs, [
      { hmc: 'hmc-dc1', reachable: true, state: 'No Connection' },
      { hmc: 'hmc-dc1b', reachable: true, state: 'Operating' },
    ]);
    assert.equal(reading.storagePorts.status, 'online');
    assert.deepEqual(
      reading.vios?.map((v) => v.state),
      ['Running', 'Running'],
      'the VIOS states come from the HMC that still sees the host',
    );
  });

  it('storage unreachable: the ports reading is unreachable with the error, the HMC readings stand', async () => {
    await control('POST', '/faults', { kind: 'device-unreachable', target: 'svc-dc1' });
    const reading = await host('dc1-s01');
    assert.equal(reading.storagePorts.storage, 'svc-dc1');
    assert.equal(reading.storagePorts.reachable, false);
    assert.equal(reading.storagePorts.loggedIn, undefined);
    assert.match(reading.storagePorts.error ?? '', /svc-dc1/);
    assert.deepEqual(
      reading.hmcs.map((h) => h.state),
      ['Operating', 'Operating'],
    );
  });

  it('the storage driver reads per-port logins (the detail used for a degraded host)', async () => {
    const svc = devices.storageSystem('svc-dc1');
    const up = await svc.hostPorts('dc1-s02');
    assert.equal(up?.status, 'online');
    assert.equal(up?.ports.length, 4);
    assert.ok(
      up?.ports.every((p) => p.nodeLoggedInCount === 2 && p.state === 'active' && /^[0-9A-F]{16}$/.test(p.wwpn)),
    );
    await control('POST', '/faults', { kind: 'host-power-loss', target: 'dc1-s02' });
    const down = await svc.hostPorts('dc1-s02');
    assert.equal(down?.status, 'offline');
    assert.ok(down?.ports.every((p) => p.nodeLoggedInCount === 0 && p.state === 'offline'));
    assert.equal(await svc.hostPorts('no-such-host'), undefined);
  });

  it('an unknown group fails without retry', async () => {
    await assert.rejects(observe({ group: 'nope' }), (err: Error & { type?: string; nonRetryable?: boolean }) => {
      assert.equal(err.type, 'UnknownHostGroup');
      assert.equal(err.nonRetryable, true);
      return true;
    });
  });
});

describe('observeHostGroup with a device that never answers (fakes)', () => {
  it('joins the read still pending from the last observation instead of piling up new ones', async () => {
    let hmcReads = 0;
    const silent = {
      device: 'hmc-a',
      systemStates: () => {
        hmcReads++;
        return new Promise<Map<string, string>>(() => undefined);
      },
    };
    const healthy = {
      device: 'hmc-b',
      systemStates: async () =>
        new Map([
          ['h1', 'Operating'],
          ['h2', 'Operating'],
        ]),
      listPartitions: async () => [{ name: 'v1', env: 'vioserver', state: 'Running' }],
    };
    const storage = {
      device: 'svc',
      listHosts: async () => [
        { id: 0, name: 'h1', portCount: 2, status: 'online' },
        { id: 1, name: 'h2', portCount: 2, status: 'offline' },
      ],
    };
    const devices = {
      hmc: (name: string) => (name === 'hmc-a' ? silent : healthy),
      storageSystem: () => storage,
    } as unknown as DeviceRegistry;
    const config = {
      hostGroups: [{ name: 'g', hmcs: ['hmc-a', 'hmc-b'], storage: 'svc', hosts: ['h1', 'h2'] }],
    } as unknown as LazarusConfig;
    const { observeHostGroup } = createObservationActivities({ config, devices, readTimeoutMs: 50 });
    for (let i = 0; i < 3; i++) {
      const observation = await observeHostGroup({ group: 'g' });
      const [h1, h2] = observation.hosts;
      assert.deepEqual(h1!.hmcs[0], {
        hmc: 'hmc-a',
        reachable: false,
        error: 'hmc-a: no answer to lssyscfg -r sys within 50 ms',
        errorClass: 'transient',
      });
      assert.deepEqual(h1!.hmcs[1], { hmc: 'hmc-b', reachable: true, state: 'Operating' });
      assert.deepEqual(h1!.vios, [{ name: 'v1', state: 'Running' }]);
      assert.deepEqual(h2!.storagePorts, { storage: 'svc', reachable: true, status: 'offline', loggedIn: 0, total: 2 });
    }
    assert.equal(hmcReads, 1, 'one pending read of the silent HMC, joined by the later observations');
  });
});

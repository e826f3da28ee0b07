// A host group's redundant HMC pair (activities/hmc/hmc-pair.ts) on the simulated fleet (hmc-dc1 preferred, hmc-dc1b
// the other): commands go to the other HMC only when one is out of reach, an HMC's own error answer stands, a failed
// HMC is asked second for a while, and a whole host failover completes through the second HMC while the preferred
// one is down, with the simulator's violation log empty.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { DeviceRegistry } from '../../activities/devices.js';
import { HmcPairClient } from '../../activities/hmc/hmc-pair.js';
import { DeviceError } from '../../activities/ssh/device-errors.js';
import type { FailoverReport } from '../../domain/failover/index.js';
import { type SimulatedFleet, startSimulatedFleet } from '../../simulators/index.js';
import { configForSimulatedFleet, startSimulatedLazarus, type SimulatedLazarus } from '../support/simulated-lazarus.js';
import { eventually } from '../support/temporal.js';

const FLEET = new URL('../../examples/fleet-small.yaml', import.meta.url).pathname;
const PAIR = ['hmc-dc1', 'hmc-dc1b'];

describe('HMC pair client', () => {
  let fleet: SimulatedFleet;
  let dir: string;
  let devices: DeviceRegistry;
  let pair: HmcPairClient;
  let lines: string[];

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

  before(async () => {
    fleet = await startSimulatedFleet({ fleet: FLEET, timeScale: 0.0005 });
    dir = mkdtempSync(join(tmpdir(), 'lazarus-hmc-pair-'));
    devices = new DeviceRegistry(configForSimulatedFleet(fleet, dir).config);
  });
  after(async () => {
    await devices.close();
    await fleet.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await control('POST', '/reset');
    lines = [];
    // A fresh pair per test (the registry's is shared and remembers which HMC was down).
    pair = new HmcPairClient(
      PAIR.map((name) => devices.hmc(name)),
      (line) => lines.push(line),
    );
  });
  afterEach(async () => assert.deepEqual(await control('GET', '/violations'), []));

  it('uses the preferred HMC while it answers', async () => {
    assert.equal(await pair.systemState('dc1-s01'), 'Operating');
    assert.equal(pair.answeredBy, 'hmc-dc1');
    assert.equal(pair.failovers, 0);
    assert.deepEqual(lines, []);
  });

  it('asks the other HMC when the preferred one is unreachable, then keeps asking it first', async () => {
    await control('POST', '/faults', { kind: 'device-unreachable', target: 'hmc-dc1' });
    assert.equal(await pair.systemState('dc1-s02'), 'Operating');
    assert.equal(pair.answeredBy, 'hmc-dc1b');
    assert.equal(pair.failovers, 1);
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /^hmc-dc1 out of reach \(hmc-dc1: cannot reach the device.*\); asking hmc-dc1b: lssyscfg/);
    // An action too, through the other HMC: the change is made once, seen by both.
    const outcome = await pair.shutdownPartition('dc1-s02', 'dc1-web02');
    assert.equal(outcome.changed, true);
    assert.equal(pair.failovers, 1, 'the HMC known to be down is asked second: no new failover');
    const partition = await eventually('dc1-web02 down', async () => {
      const p = await devices.hmc('hmc-dc1b').partition('dc1-s02', 'dc1-web02');
      return p?.state === 'Not Activated' ? p : undefined;
    });
    assert.equal(partition.state, 'Not Activated');
  });

  it(
    'asks the other HMC when the preferred one is blackholed (its connect times out)',
    { timeout: 60_000 },
    async () => {
      await control('POST', '/faults', { kind: 'device-unreachable', target: 'hmc-dc1', mode: 'blackhole' });
      assert.equal(await pair.systemState('dc1-s03'), 'Operating');
      assert.equal(pair.answeredBy, 'hmc-dc1b');
      assert.equal(pair.failovers, 1);
      assert.match(lines[0]!, /^hmc-dc1 out of reach .*; asking hmc-dc1b: lssyscfg/);
    },
  );

  it("does not move a command the preferred HMC answered with an error: the HMC's answer stands", async () => {
    await assert.rejects(pair.systemState('no-such-system'), (err: DeviceError) => {
      assert.equal(err.device, 'hmc-dc1');
      assert.equal(err.code, 'HSCL8015');
      return true;
    });
    assert.equal(pair.answeredBy, 'hmc-dc1');
    assert.equal(pair.failovers, 0);
  });

  it('reads and acts on a system through the other HMC when the preferred one lost its connection to it', async () => {
    await control('POST', '/faults', { kind: 'hmc-connection-lost', target: 'hmc-dc1/dc1-s03' });
    assert.equal(await devices.hmc('hmc-dc1').systemState('dc1-s03'), 'No Connection', 'hmc-dc1 alone cannot tell');
    assert.equal(await pair.systemState('dc1-s03'), 'Operating');
    assert.equal((await pair.systemStates()).get('dc1-s03'), 'Operating');
    assert.equal((await pair.partition('dc1-s03', 'dc1-web03'))?.state, 'Running');
    assert.ok((await pair.listPartitions('dc1-s03')).some((p) => p.state === 'Running'));
    assert.ok((await pair.systemCapacity('dc1-s03')) !== undefined);
    assert.equal(pair.answeredBy, 'hmc-dc1b');
    await pair.shutdownPartition('dc1-s03', 'dc1-web03');
    assert.ok(pair.failovers > 0);
    assert.ok(lines.some((l) => /hmc-dc1 cannot reach the system .*HSCL0237.*; asking hmc-dc1b/.test(l)));
    await eventually('dc1-web03 shut down', async () =>
      (await pair.partition('dc1-s03', 'dc1-web03'))?.state === 'Not Activated' ? true : undefined,
    );
    // Both HMCs lost it: the second one's refusal stands.
    await control('POST', '/faults', { kind: 'hmc-connection-lost', target: 'hmc-dc1b/dc1-s03' });
    await assert.rejects(pair.systemCapacity('dc1-s03'), /hmc-dc1b: HSCL0237 .*No Connection state/);
    assert.equal(await pair.systemState('dc1-s03'), 'No Connection');
  });

  it('names both HMCs when neither can be reached', async () => {
    await control('POST', '/faults', { kind: 'device-unreachable', target: 'hmc-dc1' });
    await control('POST', '/faults', { kind: 'device-unreachable', target: 'hmc-dc1b' });
    await assert.rejects(pair.systemState('dc1-s01'), (err: DeviceError) => {
      assert.ok(err instanceof DeviceError);
      assert.equal(err.kind, 'unreachable');
      assert.equal(err.errorClass, 'transient');
      assert.match(err.message, /hmc-dc1: cannot reach the device.*; hmc-dc1b: cannot reach the device/);
      return true;
    });
  });

  it('the registry hands every caller the same pair, each log receiving every failover line once', async () => {
    const received: string[] = [];
    const receiver = (line: string) => received.push(line);
    const shared = devices.hmcPair(PAIR, receiver);
    assert.equal(devices.hmcPair(PAIR, receiver), shared);
    assert.equal(devices.hmcPair(['hmc-dc1b']).answeredBy, 'hmc-dc1b');
    await control('POST', '/faults', { kind: 'device-unreachable', target: 'hmc-dc1' });
    assert.equal(await shared.systemState('dc1-s04'), 'Operating');
    assert.equal(received.length, 1, received.join('\n'));
    assert.match(received[0]!, /asking hmc-dc1b/);
  });
});

describe('host failover with the preferred HMC down (devserver + simulated fleet)', () => {
  let lazarus: SimulatedLazarus;

  before(async () => {
    lazarus = await startSimulatedLazarus({
      name: 'hmc-pair',
      editConfig: (yaml) =>
        yaml.replace(/pollInterval: \S+/, 'pollInterval: 50').replace(/fenceDeadline: \S+/, 'fenceDeadline: 3s'),
    });
  });
  after(() => lazarus?.stop());

  it(
    'fences and restarts every LPAR through the second HMC; no invariant is violated',
    { timeout: 180_000 },
    async () => {
      assert.equal(await lazarus.discover(), 'ok');
      await lazarus.control('POST', '/faults', { kind: 'host-error', target: 'dc1-s01' });
      await lazarus.control('POST', '/faults', { kind: 'device-unreachable', target: 'hmc-dc1' });
      const started = await lazarus.api<{ id: string }>('POST', '/v1/failovers', {
        group: 'dc1-prod',
        host: 'dc1-s01',
        mode: 'auto',
      });
      assert.equal(started.status, 202, JSON.stringify(started.body));
      const path = `/v1/failovers/${encodeURIComponent(started.body.id)}`;
      const report = await eventually(
        'the report',
        async () => {
          const state = await lazarus.api<{ status: string; report?: FailoverReport }>('GET', path);
          return state.body.status === 'completed' ? state.body.report : undefined;
        },
        150_000,
      );
      assert.equal(report.outcome, 'succeeded', JSON.stringify(report.lpars.filter((l) => l.step !== 'running')));
      assert.equal(report.fence?.powerState, 'Power Off');
      assert.ok(report.lpars.length >= 5);
      const second = lazarus.devices.hmc('hmc-dc1b');
      for (const lpar of report.lpars) {
        assert.equal(lpar.step, 'running', `${lpar.lpar}: ${lpar.error ?? lpar.step}`);
        assert.equal((await second.partition(lpar.destination!, lpar.lpar))?.state, 'Running');
      }
      const pair = lazarus.devices.hmcPair(PAIR);
      assert.ok(pair.failovers > 0, 'commands went to the second HMC');
      assert.equal(pair.answeredBy, 'hmc-dc1b');
      assert.deepEqual(await lazarus.control('GET', '/violations'), [], 'no invariant was violated');
    },
  );
});

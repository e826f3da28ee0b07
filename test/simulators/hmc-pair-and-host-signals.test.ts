// The device side of host monitoring: two HMCs managing the same systems, one HMC losing its connection to one system
// while it runs, the storage system's view of a host's FC ports following the host's power, and a failed host coming
// back (recover-host).
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { validateFleetSpec } from '../../simulators/fleet-spec.js';
import { type SimulatedFleet } from '../../simulators/index.js';
import { SMALL_FLEET, control, exec, startFleet } from './helpers.js';

async function inject(fleet: SimulatedFleet, fault: Record<string, unknown>): Promise<string> {
  const response = await control<{ id: string }>(fleet, 'POST', '/faults', fault);
  assert.equal(response.status, 201, JSON.stringify(response.body));
  return response.body.id;
}

const hostRow = async (fleet: SimulatedFleet, host: string) =>
  (await exec(fleet, 'svc-dc1', `lshost -delim : -nohdr -filtervalue name=${host}`)).stdout;
const hostDetail = async (fleet: SimulatedFleet, host: string) =>
  (await exec(fleet, 'svc-dc1', `lshost -delim : ${host}`)).stdout;
const systemState = async (fleet: SimulatedFleet, hmc: string, host: string) =>
  (await exec(fleet, hmc, `lssyscfg -r sys -m ${host} -F state`)).stdout.trim();

describe('two HMCs per system, lost HMC connections, FC port status, recover-host', () => {
  let fleet: SimulatedFleet;
  before(async () => (fleet = await startFleet(SMALL_FLEET, 0.0005)));
  after(() => fleet.stop());
  beforeEach(() => control(fleet, 'POST', '/reset'));
  afterEach(async () => assert.deepEqual((await control(fleet, 'GET', '/violations')).body, []));

  it('both HMCs of the pair list the same systems and partitions, and a change on one is seen on the other', async () => {
    const listing = 'lssyscfg -r lpar -m dc1-s02 -F name,state';
    assert.equal(
      (await exec(fleet, 'hmc-dc1b', 'lssyscfg -r sys -F name,state')).stdout,
      (await exec(fleet, 'hmc-dc1', 'lssyscfg -r sys -F name,state')).stdout,
    );
    assert.equal((await exec(fleet, 'hmc-dc1b', listing)).stdout, (await exec(fleet, 'hmc-dc1', listing)).stdout);
    const shutdown = await exec(fleet, 'hmc-dc1b', 'chsysstate -m dc1-s02 -r lpar -o shutdown --immed -n dc1-web02');
    assert.equal(shutdown.code, 0, shutdown.stdout);
    const seen = async () => (await exec(fleet, 'hmc-dc1', listing)).stdout;
    for (let i = 0; i < 200 && !(await seen()).includes('dc1-web02,Not Activated'); i++)
      await new Promise((resolve) => setTimeout(resolve, 25));
    assert.match(await seen(), /dc1-web02,Not Activated/);
  });

  it('hmc-connection-lost: that HMC shows No Connection and refuses commands; the other HMC and the host carry on', async () => {
    const id = await inject(fleet, { kind: 'hmc-connection-lost', target: 'hmc-dc1/dc1-s01' });
    assert.equal(await systemState(fleet, 'hmc-dc1', 'dc1-s01'), 'No Connection');
    assert.equal(
      (await exec(fleet, 'hmc-dc1', 'lssyscfg -r sys -F name,state')).stdout,
      'dc1-s01,No Connection\ndc1-s02,Operating\ndc1-s03,Operating\ndc1-s04,Operating\n',
    );
    assert.equal(
      (await exec(fleet, 'hmc-dc1', 'lssyscfg -r lpar -m dc1-s01 --filter lpar_names=dc1-db01 -F state')).stdout,
      'Not Available\n',
    );
    const refused = await exec(fleet, 'hmc-dc1', 'chsysstate -m dc1-s01 -r lpar -o shutdown --immed -n dc1-web01');
    assert.equal(refused.code, 1);
    assert.match(refused.stdout, /^HSCL0237 .*dc1-s01 is in the No Connection state/);
    assert.equal((await exec(fleet, 'hmc-dc1', 'lshwres -r proc -m dc1-s01 --level sys')).code, 1);
    assert.equal(await systemState(fleet, 'hmc-dc1b', 'dc1-s01'), 'Operating');
    assert.equal(
      (await exec(fleet, 'hmc-dc1b', 'lssyscfg -r lpar -m dc1-s01 --filter lpar_names=dc1-db01 -F state')).stdout,
      'Running\n',
    );
    assert.match(await hostRow(fleet, 'dc1-s01'), /:online:/, 'the host runs: its ports stay logged in');
    assert.equal(fleet.model.system('dc1-s01')!.state, 'Operating');
    assert.equal((await control(fleet, 'DELETE', `/faults/${id}`)).status, 200);
    assert.equal(await systemState(fleet, 'hmc-dc1', 'dc1-s01'), 'Operating');
  });

  it('hmc-connection-lost rejects a target that is not <hmc>/<system it manages>', async () => {
    for (const target of ['dc1-s01', 'hmc-dc1/nope', 'svc-dc1/dc1-s01', 'hmc-dc1']) {
      const response = await control<{ error: string }>(fleet, 'POST', '/faults', {
        kind: 'hmc-connection-lost',
        target,
      });
      assert.equal(response.status, 400, target);
      assert.match(response.body.error, /<hmc>\/<managed system it manages>/);
    }
  });

  it('FC ports: logged in while a VIOS runs; logged out on power loss, on a fence and with no VIOS running', async () => {
    assert.match(await hostRow(fleet, 'dc1-s01'), /^\d+:dc1-s01:4:4:online:/);
    assert.match(await hostDetail(fleet, 'dc1-s01'), /node_logged_in_count:2\nstate:active\n/);
    await inject(fleet, { kind: 'host-power-loss', target: 'dc1-s01' });
    assert.match(await hostRow(fleet, 'dc1-s01'), /:offline:/);
    const detail = await hostDetail(fleet, 'dc1-s01');
    assert.equal(detail.match(/node_logged_in_count:0\nstate:offline\n/g)?.length, 4, detail);

    const off = await exec(fleet, 'hmc-dc1', 'chsysstate -m dc1-s02 -r sys -o off --immed');
    assert.equal(off.code, 0, off.stdout);
    for (let i = 0; i < 200 && (await systemState(fleet, 'hmc-dc1', 'dc1-s02')) !== 'Power Off'; i++)
      await new Promise((resolve) => setTimeout(resolve, 25));
    assert.match(await hostRow(fleet, 'dc1-s02'), /:offline:/);

    for (const vios of ['dc1-s03-vios1', 'dc1-s03-vios2'])
      await control(fleet, 'POST', '/actions/set-lpar-state', {
        system: 'dc1-s03',
        lpar: vios,
        state: 'Not Activated',
      });
    assert.match(await hostRow(fleet, 'dc1-s03'), /:offline:/, 'no VIOS holds the physical ports');
  });

  it('host-error keeps the ports logged in while the VIOS still run unseen', async () => {
    await inject(fleet, { kind: 'host-error', target: 'dc1-s04' });
    assert.equal(await systemState(fleet, 'hmc-dc1', 'dc1-s04'), 'Error');
    assert.match(await hostRow(fleet, 'dc1-s04'), /:online:/);
  });

  it('host-error with partitions lost: a crashed platform shows Error, runs nothing, its ports log out', async () => {
    const id = await inject(fleet, { kind: 'host-error', target: 'dc1-s03', partitions: 'lost' });
    assert.equal(await systemState(fleet, 'hmc-dc1', 'dc1-s03'), 'Error');
    assert.equal(
      (await exec(fleet, 'hmc-dc1b', 'lssyscfg -r lpar -m dc1-s03 --filter lpar_names=dc1-db03 -F state')).stdout,
      'Not Available\n',
    );
    assert.ok(fleet.model.system('dc1-s03')!.partitions.every((p) => p.state === 'Not Activated'));
    assert.match(await hostRow(fleet, 'dc1-s03'), /:offline:/);
    assert.equal((await control(fleet, 'DELETE', `/faults/${id}`)).status, 200);
    assert.equal(await systemState(fleet, 'hmc-dc1', 'dc1-s03'), 'Operating');
    assert.equal(
      (
        await exec(
          fleet,
          'hmc-dc1',
          'lssyscfg -r lpar -m dc1-s03 -F name,state --filter lpar_names=dc1-s03-vios1,dc1-db03',
        )
      ).stdout,
      'dc1-s03-vios1,Running\ndc1-db03,Not Activated\n',
      'restarted after the crash: the VIOS come up, the client LPARs stay down',
    );
    assert.match(await hostRow(fleet, 'dc1-s03'), /:online:/);
    const wrongKind = await control<{ error: string }>(fleet, 'POST', '/faults', {
      kind: 'host-power-loss',
      target: 'dc1-s03',
      partitions: 'lost',
    });
    assert.equal(wrongKind.status, 400);
    assert.match(wrongKind.body.error, /^partitions: only host-error takes partitions/);
  });

  it('a crashed platform fenced by a power off still remote-restarts what ran when it crashed', async () => {
    await inject(fleet, { kind: 'host-error', target: 'dc1-s03', partitions: 'lost' });
    assert.equal((await exec(fleet, 'hmc-dc1', 'chsysstate -m dc1-s03 -r sys -o off --immed')).code, 0);
    for (let i = 0; i < 200 && (await systemState(fleet, 'hmc-dc1', 'dc1-s03')) !== 'Power Off'; i++)
      await new Promise((resolve) => setTimeout(resolve, 20));
    const restart = await exec(fleet, 'hmc-dc1', 'rrstartlpar -o restart -m dc1-s03 -t dc1-s04 -p dc1-web03');
    // Its storage is not presented at dc1-s04 (no failover mapped it), so the restart stops there; not at "was not
    // running when the managed system failed", which would have it left behind as owner-stopped.
    assert.match(`${restart.stdout}${restart.stderr}`, /storage is not available through a Virtual I\/O Server/);
  });

  it('recover-host: a powered-off, power-lost or Error host comes back Operating with its VIOS and ports', async () => {
    await inject(fleet, { kind: 'host-power-loss', target: 'dc1-s01' });
    await inject(fleet, { kind: 'host-error', target: 'dc1-s02' });
    for (const system of ['dc1-s01', 'dc1-s02']) {
      const response = await control<{ state: string }>(fleet, 'POST', '/actions/recover-host', { system });
      assert.equal(response.status, 200, JSON.stringify(response.body));
      assert.equal(response.body.state, 'Operating');
      assert.equal(await systemState(fleet, 'hmc-dc1b', system), 'Operating');
      assert.match(await hostRow(fleet, system), /:online:/);
    }
    assert.equal(
      (await exec(fleet, 'hmc-dc1', 'lssyscfg -r lpar -m dc1-s01 -F name,state --filter lpar_names=dc1-db01')).stdout,
      'dc1-db01,Not Activated\n',
      'client LPARs of a host that lost power stay down',
    );
    const unknown = await control<{ error: string }>(fleet, 'POST', '/actions/recover-host', { system: 'nope' });
    assert.equal(unknown.status, 400);
  });
});

describe('fleet spec: HMC pairs', () => {
  const spec = (hmcs: Array<{ name: string; systems: string[] }>, site2 = false) => ({
    sites: [
      {
        name: 'a',
        hmcs: hmcs.map((h) => ({ ...h, password: 'p' })),
        storage: [{ name: 'svc-a', password: 'p' }],
        systems: [{ name: 's1', procUnits: 4, memoryMb: 8192, storage: 'svc-a', vios: [{ name: 'v1' }] }],
      },
      ...(site2
        ? [
            {
              name: 'b',
              hmcs: [{ name: 'hmc-b', password: 'p', systems: ['s1'] }],
              storage: [{ name: 'svc-b', password: 'p' }],
              systems: [{ name: 's2', procUnits: 4, memoryMb: 8192, storage: 'svc-b', vios: [{ name: 'v2' }] }],
            },
          ]
        : []),
    ],
  });

  it('accepts two HMCs of the site for one system, not three, not one of another site, not the same twice', () => {
    const two = validateFleetSpec(
      spec([
        { name: 'h1', systems: ['s1'] },
        { name: 'h2', systems: ['s1'] },
      ]),
      't',
    );
    assert.equal(two.sites[0]!.hmcs.length, 2);
    assert.throws(
      () =>
        validateFleetSpec(
          spec([
            { name: 'h1', systems: ['s1'] },
            { name: 'h2', systems: ['s1'] },
            { name: 'h3', systems: ['s1'] },
          ]),
          't',
        ),
      /sites\[0\]\.hmcs\[2\]\.systems\[0\]: managed system "s1" is already managed by h1 and h2 \(at most two HMCs\)/,
    );
    assert.throws(
      () => validateFleetSpec(spec([{ name: 'h1', systems: ['s1'] }], true), 't'),
      /sites\[1\]\.hmcs\[0\]\.systems\[0\]: managed system "s1" is already managed by h1 \(a second HMC must be/,
    );
    assert.throws(
      () => validateFleetSpec(spec([{ name: 'h1', systems: ['s1', 's1'] }]), 't'),
      /managed system "s1" is listed twice/,
    );
  });
});

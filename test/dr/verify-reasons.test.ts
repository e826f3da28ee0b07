// The NOT_READY reasons that the other API tests do not reach, each brought about on the simulated DR fleet and read
// through the HTTP API (POST /v1/sites/dc1/verify, GET …/verification): the age of the backup copy unknown (the link
// down before any verification saw a group synchronized), a backup host without power, a backup host whose VIOS are
// stopped, a production host in Error. Each is undone and the site verified READY again; the violation log empty.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../support/temporal.js';
import { startSimulatedLazarus, type SimulatedLazarus } from '../support/simulated-lazarus.js';

const FLEET = new URL('../../examples/fleet-dr.yaml', import.meta.url).pathname;
const CONFIG = new URL('../../examples/lazarus-dr.yaml', import.meta.url).pathname;

interface Verification {
  ready: boolean;
  vms: Array<{ vm: string; productionHost: string; state: string; reasons: Array<{ code: string; message: string }> }>;
}

describe('DR verification: the remaining NOT_READY reasons through the API', () => {
  let lazarus: SimulatedLazarus;
  before(async () => {
    lazarus = await startSimulatedLazarus({ name: 'dr-reasons', fleet: FLEET, config: CONFIG });
  });
  after(async () => lazarus?.stop());

  const verify = async (): Promise<Verification> => {
    const run = await lazarus.api<{ result: { verificationId: number } }>('POST', '/v1/sites/dc1/verify?wait=240');
    assert.equal(run.status, 200, JSON.stringify(run.body));
    return (await lazarus.api<Verification>('GET', '/v1/sites/dc1/verification')).body;
  };
  /** The codes of every VM of a production host, and that the VMs of every other host are READY_TO_MOVE. */
  const codesOn = (v: Verification, host: string) => {
    for (const vm of v.vms.filter((vm) => vm.productionHost !== host))
      assert.equal(vm.state, 'READY_TO_MOVE', `${vm.vm}: ${JSON.stringify(vm.reasons)}`);
    const vms = v.vms.filter((vm) => vm.productionHost === host);
    assert.ok(vms.length > 0, `VMs on ${host}`);
    return vms.map((vm) => (assert.equal(vm.state, 'NOT_READY', vm.vm), vm.reasons.map((r) => r.code)));
  };
  const fault = async (kind: string, target: string) =>
    (await lazarus.control<{ id: string }>('POST', '/faults', { kind, target })).id;
  const ready = async () =>
    eventually('the site READY again', async () => ((await verify()).ready ? true : undefined), 120_000, 500);

  it(
    'RPO_UNKNOWN: the link is down before any verification saw the group synchronized',
    { timeout: 300_000 },
    async () => {
      const link = await fault('replication-link-down', 'cg-dc1-s01');
      const v = await verify();
      for (const codes of codesOn(v, 'dc1-s01'))
        assert.deepEqual(codes.sort(), ['REPLICATION_NOT_CONSISTENT', 'RPO_UNKNOWN']);
      await lazarus.control('DELETE', `/faults/${link}`);
      await lazarus.devices.storageSystem('svc-dc1').startConsistencyGroup('cg-dc1-s01');
      await ready();
    },
  );

  it('BACKUP_HOST_UNAVAILABLE: the paired backup host lost its power', { timeout: 300_000 }, async () => {
    await fault('host-power-loss', 'dc2-s04');
    const v = await verify();
    for (const codes of codesOn(v, 'dc1-s04')) assert.ok(codes.includes('BACKUP_HOST_UNAVAILABLE'), codes.join());
    await lazarus.control('POST', '/actions/recover-host', { system: 'dc2-s04' });
    await ready();
  });

  it('BACKUP_VIOS_MISSING: no VIOS runs on the backup host', { timeout: 300_000 }, async () => {
    for (const vios of ['dc2-s03-vios1', 'dc2-s03-vios2'])
      await lazarus.control('POST', '/actions/stop-lpar', { system: 'dc2-s03', lpar: vios });
    const v = await verify();
    for (const codes of codesOn(v, 'dc1-s03')) assert.ok(codes.includes('BACKUP_VIOS_MISSING'), codes.join());
    for (const vios of ['dc2-s03-vios1', 'dc2-s03-vios2'])
      await lazarus.control('POST', '/actions/start-lpar', { system: 'dc2-s03', lpar: vios, bypassChecks: false });
    await ready();
  });

  it('PRODUCTION_HOST_UNAVAILABLE: a production host in Error cannot be described', { timeout: 300_000 }, async () => {
    await fault('host-error', 'dc1-s02');
    const v = await verify();
    for (const codes of codesOn(v, 'dc1-s02')) assert.ok(codes.includes('PRODUCTION_HOST_UNAVAILABLE'), codes.join());
    await lazarus.control('POST', '/actions/recover-host', { system: 'dc1-s02' });
    await ready();
    assert.deepEqual(await lazarus.control('GET', '/violations'), []);
  });
});

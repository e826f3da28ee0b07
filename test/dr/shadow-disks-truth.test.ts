// A shadow that cannot see every replica of its VM's disks is not ready (issue 13, trial finding 1): on the simulated
// DR fleet (examples/fleet-dr.yaml, examples/lazarus-dr.yaml) the aux copy of dc1-app01's data disk is unmapped from
// backup host dc2-s01 at svc-dc2; verification through the HTTP API says NOT_READY with SHADOW_DISKS_MISSING naming
// that volume (before, it said READY_TO_MOVE and a move started app01 with rootvg only), and READY_TO_MOVE again once
// the mapping is back. The simulator's violation log stays empty.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startSimulatedLazarus, type SimulatedLazarus } from '../support/simulated-lazarus.js';

const FLEET = new URL('../../examples/fleet-dr.yaml', import.meta.url).pathname;
const CONFIG = new URL('../../examples/lazarus-dr.yaml', import.meta.url).pathname;

interface VmView {
  vm: string;
  state: 'READY_TO_MOVE' | 'NOT_READY';
  reasons: Array<{ code: string; message: string }>;
}

async function verify(lazarus: SimulatedLazarus): Promise<VmView[]> {
  const run = await lazarus.api<{ result: { verificationId: number } }>('POST', '/v1/sites/dc1/verify?wait=240');
  assert.equal(run.status, 200, JSON.stringify(run.body));
  const latest = await lazarus.api<{ id: number; vms: VmView[] }>('GET', '/v1/sites/dc1/verification');
  assert.equal(latest.status, 200);
  assert.equal(latest.body.id, run.body.result.verificationId);
  return latest.body.vms;
}

describe('DR verification: the shadow must see every replicated disk', () => {
  let lazarus: SimulatedLazarus;
  before(async () => {
    lazarus = await startSimulatedLazarus({ name: 'dr-shadow-disks', fleet: FLEET, config: CONFIG });
  });
  after(async () => lazarus?.stop());

  it('reports SHADOW_DISKS_MISSING naming the unmapped replica, and is ready again once it is mapped', async () => {
    const svc = lazarus.devices.storageSystem('svc-dc2');
    const [mapping] = await svc.volumeMappings('dc2r-app01_data1');
    assert.equal(mapping?.host, 'dc2-s01', 'the fleet maps the replica to the shadow host');
    assert.equal((await svc.unmapVolume('dc2r-app01_data1', 'dc2-s01')).changed, true);

    const app01 = (await verify(lazarus)).find((v) => v.vm === 'dc1-app01')!;
    assert.equal(app01.state, 'NOT_READY');
    assert.deepEqual(
      app01.reasons.map((r) => r.code),
      ['SHADOW_DISKS_MISSING'],
    );
    assert.match(app01.reasons[0]!.message, /dc2r-app01_data1 \(replica of dc1-app01_data1\)/);
    assert.doesNotMatch(app01.reasons[0]!.message, /rootvg/);

    await svc.mapVolume('dc2r-app01_data1', 'dc2-s01', { scsiId: mapping!.scsiId });
    const again = (await verify(lazarus)).find((v) => v.vm === 'dc1-app01')!;
    assert.equal(again.state, 'READY_TO_MOVE', JSON.stringify(again.reasons));
  });

  it('leaves the simulator without violations', async () => {
    assert.deepEqual(await lazarus.control('GET', '/violations'), []);
  });
});

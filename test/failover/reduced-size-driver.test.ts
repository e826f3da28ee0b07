// The resize driver (activities/hmc/partition-size.ts) against the simulated HMC over SSH: a profile's desired size
// by chsyscfg (also on a powered-off system, never on one in Error), a running partition grown by DLPAR (chhwres),
// the new sizes visible in lssyscfg/lshwres, idempotence, and the refusals with their codes and classes.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { HmcClient } from '../../activities/hmc/hmc-client.js';
import { HmcError } from '../../activities/hmc/hmc-errors.js';
import { growRunning, heldSize, readProfile, setProfileSize } from '../../activities/hmc/partition-size.js';
import { DeviceError } from '../../activities/ssh/device-errors.js';
import { eventually, startDriverFleet, type DriverFleet } from '../drivers/support.js';

describe('resize driver ↔ simulated HMC', () => {
  let f: DriverFleet;
  let hmc: HmcClient;
  before(async () => {
    f = await startDriverFleet();
    hmc = f.hmc();
  });
  after(async () => {
    await f?.stop();
  });
  beforeEach(async () => {
    await f.control('POST', '/reset');
  });

  const webProfile = async (system = 'dc1-s01') => {
    const profile = (await hmc.profiles(system)).find((p) => p.lparName === 'dc1-web01');
    assert.ok(profile, 'dc1-web01 has a profile');
    return profile;
  };

  it('sets a profile to a reduced size, visibly and idempotently', async () => {
    const profile = await webProfile();
    const set = await setProfileSize(hmc, 'dc1-s01', profile, { procUnits: 0.38, memoryMb: 12288 });
    assert.equal(set.changed, true, set.detail);
    const after = await readProfile(hmc, 'dc1-s01', 'dc1-web01', profile.name);
    assert.deepEqual(after?.memoryMb, { min: 8192, desired: 12288, max: 32768 });
    assert.deepEqual(after?.procUnits, { min: 0.25, desired: 0.38, max: 1 });
    const again = await setProfileSize(hmc, 'dc1-s01', after!, { procUnits: 0.38, memoryMb: 12288 });
    assert.equal(again.changed, false, 'already that size: nothing sent');
    // The running partition keeps what it holds until its next activation.
    assert.deepEqual(await heldSize(hmc, 'dc1-s01', 'dc1-web01'), { procUnits: 0.5, memoryMb: 16384 });
  });

  it('refuses a size outside the profile minimum..maximum, before and at the HMC', async () => {
    const profile = await webProfile();
    await assert.rejects(
      setProfileSize(hmc, 'dc1-s01', profile, { procUnits: 0.5, memoryMb: 4096 }),
      (err: DeviceError) =>
        err.code === 'SizeOutOfRange' && err.errorClass === 'configuration' && /minimum 8192/.test(err.message),
    );
    // The HMC's own check (the simulator's code; no public sample of the real text).
    await assert.rejects(
      hmc.run(`chsyscfg -r prof -m dc1-s01 -i "name=${profile.name},lpar_name=dc1-web01,desired_mem=4096"`),
      (err: HmcError) => err.code === 'HSCL0647' && err.errorClass === 'configuration' && err.retryable === false,
    );
    assert.equal((await webProfile()).memoryMb.desired, 16384, 'nothing changed');
  });

  it('changes a profile on a powered-off system, never on one in Error', async () => {
    await hmc.powerOffSystem('dc1-s02');
    await eventually('dc1-s02 Power Off', async () =>
      (await hmc.systemState('dc1-s02')) === 'Power Off' ? true : undefined,
    );
    const web02 = (await hmc.profiles('dc1-s02')).find((p) => p.lparName === 'dc1-web02')!;
    assert.equal((await setProfileSize(hmc, 'dc1-s02', web02, { procUnits: 0.25, memoryMb: 8192 })).changed, true);
    await f.control('POST', '/faults', { kind: 'host-error', target: 'dc1-s03' });
    const web03 = { ...web02, name: web02.name, lparName: 'dc1-web03' };
    await assert.rejects(
      setProfileSize(hmc, 'dc1-s03', web03, { procUnits: 0.25, memoryMb: 8192 }),
      (err: HmcError) => err.code === 'HSCL0237' && /Error state/.test(err.message),
    );
  });

  it('grows a running partition by DLPAR, shown by lshwres, and only by what is missing', async () => {
    const profile = await webProfile();
    const freeBefore = (await hmc.systemCapacity('dc1-s01')).availableMemoryMb;
    const grown = await growRunning(hmc, 'dc1-s01', 'dc1-web01', profile.procMode, {
      procUnits: 0.75,
      memoryMb: 32768,
    });
    assert.equal(grown.changed, true, grown.detail);
    assert.deepEqual(await heldSize(hmc, 'dc1-s01', 'dc1-web01'), { procUnits: 0.75, memoryMb: 32768 });
    assert.equal((await hmc.systemCapacity('dc1-s01')).availableMemoryMb, freeBefore - 16384);
    const again = await growRunning(hmc, 'dc1-s01', 'dc1-web01', profile.procMode, {
      procUnits: 0.75,
      memoryMb: 32768,
    });
    assert.equal(again.changed, false, 'already that big: nothing sent');
    await assert.rejects(
      growRunning(hmc, 'dc1-s01', 'dc1-web01', profile.procMode, { procUnits: 0.75, memoryMb: 65536 }),
      (err: HmcError) => err.code === 'HSCL0647',
      'beyond the profile maximum',
    );
  });

  it('refuses DLPAR beyond free capacity (capacity class) and on a partition that is not running', async () => {
    const profile = await webProfile();
    // Raise the maximum first, so that only the system's free memory can refuse.
    await hmc.run(`chsyscfg -r prof -m dc1-s01 -i "name=${profile.name},lpar_name=dc1-web01,max_mem=2000000"`);
    const free = (await hmc.systemCapacity('dc1-s01')).availableMemoryMb;
    await assert.rejects(
      hmc.run(`chhwres -r mem -m dc1-s01 -o a -p dc1-web01 -q ${free + 1024}`),
      (err: HmcError) => err.code === 'HSCL0623' && err.errorClass === 'capacity',
    );
    await hmc.shutdownPartition('dc1-s01', 'dc1-app01');
    await eventually('dc1-app01 Not Activated', async () =>
      (await hmc.partition('dc1-s01', 'dc1-app01'))?.state === 'Not Activated' ? true : undefined,
    );
    await assert.rejects(
      hmc.run('chhwres -r mem -m dc1-s01 -o a -p dc1-app01 -q 1024'),
      (err: HmcError) => err.code === 'HSCL1529',
    );
  });

  it('never writes a name holding a record separator into chsyscfg -i', async () => {
    const profile = { ...(await webProfile()), name: 'normal,desired_mem=1' };
    await assert.rejects(
      setProfileSize(hmc, 'dc1-s01', profile, { procUnits: 0.25, memoryMb: 8192 }),
      (err: DeviceError) => err.code === 'InvalidName' && err.retryable === false,
    );
    assert.equal((await webProfile()).memoryMb.desired, 16384);
  });
});

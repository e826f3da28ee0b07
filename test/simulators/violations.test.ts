import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { type SimulatedFleet, type Violation } from '../../simulators/index.js';
import { DR_FLEET, control, eventually, exec, lparState, startFleet } from './helpers.js';
import { labFleet } from './lab-fleet.js';

async function violations(fleet: SimulatedFleet): Promise<Violation[]> {
  return (await control<Violation[]>(fleet, 'GET', '/violations')).body;
}

async function act(fleet: SimulatedFleet, action: string, body: unknown): Promise<void> {
  const response = await control(fleet, 'POST', `/actions/${action}`, body);
  assert.equal(response.status, 200, JSON.stringify(response.body));
}

describe('violation log', () => {
  let fleet: SimulatedFleet;
  before(async () => (fleet = await startFleet(labFleet(), 0.001)));
  after(() => fleet.stop());
  beforeEach(() => control(fleet, 'POST', '/reset'));

  it('starts empty and stays empty through normal operations', async () => {
    await exec(fleet, 'hmc-lab', 'chsysstate -m lab-s01 -r lpar -o on -n small -f default_profile');
    await eventually(
      async () =>
        (await exec(fleet, 'hmc-lab', 'lssyscfg -r lpar -m lab-s01 --filter lpar_names=small -F state')).stdout ===
        'Running\n',
      'small Running',
    );
    assert.deepEqual(await violations(fleet), []);
  });

  it('catches an LPAR running on two hosts (placed on a second host while still running)', async () => {
    await act(fleet, 'set-capacity', { system: 'lab-s02', procUnits: 8, memoryMb: 131072 });
    await act(fleet, 'place-lpar', { lpar: 'big', from: 'lab-s01', to: 'lab-s02' });
    const found = await violations(fleet);
    const twoHosts = found.find((v) => v.kind === 'lpar-on-two-hosts');
    assert.ok(twoHosts, JSON.stringify(found));
    assert.deepEqual(twoHosts.subjects, ['big', 'lab-s01', 'lab-s02']);
    assert.match(twoHosts.cause, /^control: place-lpar big on lab-s02$/);
    // Its volumes are now mapped to both hosts and written from both: the second invariant breaks too.
    assert.ok(found.some((v) => v.kind === 'volume-written-from-two-lpars' && v.subjects[0] === 'svc-lab/big_rootvg'));
  });

  it('catches a volume written from two running LPARs on different hosts', async () => {
    await act(fleet, 'place-lpar', { lpar: 'small', from: 'lab-s01', to: 'lab-s02', mapVolumes: true, start: false });
    await exec(fleet, 'hmc-lab', 'chsysstate -m lab-s02 -r lpar -o on -n small -f default_profile');
    await act(fleet, 'attach-volume', { system: 'lab-s02', lpar: 'small', volume: 'big_data' });
    const found = await violations(fleet);
    assert.equal(found.length, 1, JSON.stringify(found));
    assert.equal(found[0]!.kind, 'volume-written-from-two-lpars');
    assert.deepEqual(found[0]!.subjects, ['svc-lab/big_data', 'lab-s01/big', 'lab-s02/small']);
    // Unmapping one side ends the breach, but pulls the disk from under the running `small` (a breach of its own);
    // mapping it again is a new breach, recorded with its command.
    await exec(fleet, 'svc-lab', 'rmvdiskhostmap -host lab-s02 big_data');
    await exec(fleet, 'svc-lab', 'mkvdiskhostmap -force -host lab-s02 big_data');
    const again = await violations(fleet);
    assert.deepEqual(
      again.map((v) => v.kind),
      ['volume-written-from-two-lpars', 'running-lpar-lost-disks', 'volume-written-from-two-lpars'],
    );
    assert.deepEqual(again[1]!.subjects, ['small', 'lab-s02', 'svc-lab/big_data']);
    assert.equal(again[2]!.cause, 'svc-lab: mkvdiskhostmap -force -host lab-s02 big_data');
  });

  it('catches an LPAR started on a host without its disks', async () => {
    await act(fleet, 'unmap-volume', { storage: 'svc-lab', volume: 'small_rootvg', host: 'lab-s01' });
    await act(fleet, 'start-lpar', { system: 'lab-s01', lpar: 'small' });
    const found = await violations(fleet);
    assert.equal(found.length, 1, JSON.stringify(found));
    assert.equal(found[0]!.kind, 'started-without-disks');
    assert.match(found[0]!.detail, /small started on lab-s01 without its disks: small_rootvg/);
  });

  it('catches a volume unmapped from under a running LPAR, by rmvdiskhostmap or any other path', async () => {
    await exec(fleet, 'svc-lab', 'rmvdiskhostmap -host lab-s01 big_data');
    await act(fleet, 'unmap-volume', { storage: 'svc-lab', volume: 'big_rootvg', host: 'lab-s01' });
    const found = await violations(fleet);
    assert.deepEqual(
      found.map((v) => [v.kind, v.cause, ...v.subjects]),
      [
        [
          'running-lpar-lost-disks',
          'svc-lab: rmvdiskhostmap -host lab-s01 big_data',
          'big',
          'lab-s01',
          'svc-lab/big_data',
        ],
        [
          'running-lpar-lost-disks',
          'control: unmap-volume svc-lab/big_rootvg from lab-s01',
          'big',
          'lab-s01',
          'svc-lab/big_rootvg',
        ],
      ],
    );
    assert.match(
      found[0]!.detail,
      /^volume svc-lab\/big_data was unmapped from host lab-s01 while LPAR big may be running on lab-s01: partition state Running, system Operating$/,
    );
  });

  it('counts an LPAR of a system in Error (the HMC shows Not Available) as may-be-running', async () => {
    const fault = await control<{ id: string }>(fleet, 'POST', '/faults', { kind: 'host-error', target: 'lab-s01' });
    assert.equal(await lparState(fleet, 'lab-s01', 'big'), 'Not Available');
    await exec(fleet, 'svc-lab', 'rmvdiskhostmap -host lab-s01 big_rootvg');
    const found = await violations(fleet);
    assert.equal(found.length, 1, JSON.stringify(found));
    assert.equal(found[0]!.kind, 'running-lpar-lost-disks');
    assert.deepEqual(found[0]!.subjects, ['big', 'lab-s01', 'svc-lab/big_rootvg']);
    assert.match(found[0]!.detail, /the HMC shows Not Available: lab-s01 is in Error/);
    await control(fleet, 'DELETE', `/faults/${fault.body.id}`);
  });

  it('logs nothing for an unmapping from a powered-off host, or of an LPAR that is not activated', async () => {
    await exec(fleet, 'svc-lab', 'rmvdiskhostmap -host lab-s01 small_rootvg');
    assert.equal((await exec(fleet, 'hmc-lab', 'chsysstate -m lab-s01 -r sys -o off --immed')).code, 0);
    await eventually(
      async () => (await exec(fleet, 'hmc-lab', 'lssyscfg -r sys -m lab-s01 -F state')).stdout === 'Power Off\n',
      'lab-s01 Power Off',
    );
    await exec(fleet, 'svc-lab', 'rmvdiskhostmap -host lab-s01 big_rootvg');
    await exec(fleet, 'svc-lab', 'rmvdiskhostmap -host lab-s01 big_data');
    const state = (await control<{ storage: Array<{ mappings: Array<{ host: string }> }> }>(fleet, 'GET', '/state'))
      .body;
    assert.equal(
      state.storage[0]!.mappings.filter((m) => m.host === 'lab-s01').length,
      0,
      'every mapping of lab-s01 is gone',
    );
    assert.deepEqual(await violations(fleet), []);
  });

  it('catches capacity exceeded on a host, and DELETE /violations clears the log', async () => {
    await act(fleet, 'set-capacity', { system: 'lab-s01', procUnits: 2 });
    const found = await violations(fleet);
    assert.equal(found.length, 1, JSON.stringify(found));
    assert.equal(found[0]!.kind, 'capacity-exceeded');
    assert.deepEqual(found[0]!.subjects, ['lab-s01']);
    await control(fleet, 'DELETE', '/violations');
    assert.deepEqual(await violations(fleet), []);
  });

  it('records a split brain caused through the HMC: remote restart from an unfenced host in Error', async () => {
    // The failed host is in Error but its partitions still run; the storage is remapped with -force and
    // the LPAR restarted elsewhere without powering the host off.
    await exec(fleet, 'svc-lab', 'mkvdiskhostmap -force -host lab-s02 small_rootvg');
    await exec(fleet, 'hmc-lab', 'chsysstate -m lab-s01 -r lpar -o on -n small -f default_profile');
    await eventually(
      async () =>
        (await exec(fleet, 'hmc-lab', 'lssyscfg -r lpar -m lab-s01 --filter lpar_names=small -F state')).stdout ===
        'Running\n',
      'small Running',
    );
    const fault = await control<{ id: string }>(fleet, 'POST', '/faults', { kind: 'host-error', target: 'lab-s01' });
    const restart = await exec(fleet, 'hmc-lab', 'rrstartlpar -o restart -m lab-s01 -t lab-s02 -p small');
    assert.equal(restart.code, 0, restart.stdout);
    const found = await violations(fleet);
    assert.deepEqual(found.map((v) => v.kind).sort(), ['lpar-on-two-hosts', 'volume-written-from-two-lpars']);
    assert.ok(found.every((v) => v.cause === 'hmc-lab: rrstartlpar -o restart -m lab-s01 -t lab-s02 -p small'));
    await control(fleet, 'DELETE', `/faults/${fault.body.id}`);
  });

  it('bad action bodies are 400 with the field named', async () => {
    const response = await control<{ error: string }>(fleet, 'POST', '/actions/start-lpar', { system: 'lab-s01' });
    assert.equal(response.status, 400);
    assert.match(response.body.error, /^lpar: /);
    const unknown = await control<{ error: string }>(fleet, 'POST', '/actions/teleport', {});
    assert.equal(unknown.status, 400);
    assert.match(unknown.body.error, /unknown action "teleport"/);
  });
});

describe('violation log across sites', () => {
  let fleet: SimulatedFleet;
  before(async () => (fleet = await startFleet(DR_FLEET, 0.001)));
  after(() => fleet.stop());
  beforeEach(() => control(fleet, 'POST', '/reset'));

  it('a planned site move (stop production, -access on the aux, start the shadow) leaves the log empty', async () => {
    await exec(fleet, 'hmc-dc1', 'chsysstate -m dc1-s01 -r lpar -o shutdown --immed -n dc1-web01');
    await eventually(
      async () =>
        (await exec(fleet, 'hmc-dc1', 'lssyscfg -r lpar -m dc1-s01 --filter lpar_names=dc1-web01 -F state')).stdout ===
        'Not Activated\n',
      'production stopped',
    );
    assert.equal((await exec(fleet, 'svc-dc2', 'stoprcconsistgrp -access cg-dc1-s01')).code, 0);
    assert.equal(
      (await exec(fleet, 'hmc-dc2', 'chsysstate -m dc2-s01 -r lpar -o on -n dc1-web01 -f default_profile')).code,
      0,
    );
    await eventually(
      async () =>
        (await exec(fleet, 'hmc-dc2', 'lssyscfg -r lpar -m dc2-s01 --filter lpar_names=dc1-web01 -F state')).stdout ===
        'Running\n',
      'shadow running',
    );
    assert.deepEqual((await control<Violation[]>(fleet, 'GET', '/violations')).body, []);
  });

  it('a replicated volume written on both sites is a split brain; a secondary cannot be started on before -access', async () => {
    // fleet-dr.yaml defines dc1-web01's shadow on dc2-s01, on the aux copy dc2r-web01_rootvg (mapped and presented).
    const refused = await exec(fleet, 'hmc-dc2', 'chsysstate -m dc2-s01 -r lpar -o on -n dc1-web01 -f default_profile');
    assert.match(refused.stdout, /^The partition .*storage is not available.*dc2r-web01_rootvg/);
    assert.deepEqual((await control<Violation[]>(fleet, 'GET', '/violations')).body, []);
    // Make the aux writable while the production LPAR still runs on dc1, then start the shadow: a split brain.
    assert.equal((await exec(fleet, 'svc-dc2', 'stoprcconsistgrp -access cg-dc1-s01')).code, 0);
    const started = await exec(fleet, 'hmc-dc2', 'chsysstate -m dc2-s01 -r lpar -o on -n dc1-web01 -f default_profile');
    assert.equal(started.code, 0, started.stdout);
    const found = (await control<Violation[]>(fleet, 'GET', '/violations')).body;
    const cause = 'hmc-dc2: chsysstate -m dc2-s01 -r lpar -o on -n dc1-web01 -f default_profile';
    assert.ok(
      found.some(
        (v) =>
          v.kind === 'volume-written-from-two-lpars' &&
          v.subjects[0] === 'svc-dc1/dc1-web01_rootvg' &&
          v.cause === cause,
      ),
      JSON.stringify(found),
    );
    assert.ok(found.some((v) => v.kind === 'lpar-on-two-hosts' && v.cause === cause));
  });
});

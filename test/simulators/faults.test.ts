import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import ssh2 from 'ssh2';
import { type SimulatedFleet } from '../../simulators/index.js';
import { DR_FLEET, connect, control, device, eventually, exec, execOn, startFleet } from './helpers.js';
import { labFleet } from './lab-fleet.js';

async function inject(fleet: SimulatedFleet, fault: Record<string, unknown>): Promise<string> {
  const response = await control<{ id: string }>(fleet, 'POST', '/faults', fault);
  assert.equal(response.status, 201, JSON.stringify(response.body));
  return response.body.id;
}

async function recover(fleet: SimulatedFleet, id: string): Promise<void> {
  assert.equal((await control(fleet, 'DELETE', `/faults/${id}`)).status, 200);
}

describe('faults and recovery', () => {
  let fleet: SimulatedFleet;
  before(async () => (fleet = await startFleet(labFleet(), 0.001)));
  after(() => fleet.stop());
  beforeEach(() => control(fleet, 'POST', '/reset'));
  afterEach(async () => assert.deepEqual((await control(fleet, 'GET', '/violations')).body, []));

  it('host-power-loss: No Connection, partitions Not Available, storage host offline; recovery brings the VIOS back', async () => {
    const id = await inject(fleet, { kind: 'host-power-loss', target: 'lab-s01' });
    assert.equal((await exec(fleet, 'hmc-lab', 'lssyscfg -r sys -m lab-s01 -F state')).stdout, 'No Connection\n');
    assert.equal(
      (await exec(fleet, 'hmc-lab', 'lssyscfg -r lpar -m lab-s01 --filter lpar_names=big -F state')).stdout,
      'Not Available\n',
    );
    assert.match(
      (await exec(fleet, 'svc-lab', 'lshost -delim : -nohdr -filtervalue name=lab-s01')).stdout,
      /:offline:/,
    );
    assert.match(
      (await exec(fleet, 'hmc-lab', 'chsysstate -m lab-s01 -r lpar -o on -n small -f default_profile')).stdout,
      /^HSCL0237 .*No Connection/,
    );
    const listed = (await control<{ id: string; kind: string; target: string }[]>(fleet, 'GET', '/faults')).body;
    assert.deepEqual(
      listed.map(({ id: faultId, kind, target }) => ({ id: faultId, kind, target })),
      [{ id, kind: 'host-power-loss', target: 'lab-s01' }],
    );
    await recover(fleet, id);
    assert.equal(
      (await exec(fleet, 'hmc-lab', 'lssyscfg -r lpar -m lab-s01 -F name,state')).stdout,
      'lab-s01-vios1,Running\nbig,Not Activated\nsmall,Not Activated\n',
    );
    assert.equal((await exec(fleet, 'hmc-lab', 'lssyscfg -r sys -m lab-s01 -F state')).stdout, 'Operating\n');
  });

  it('host-error: the system shows Error while its partitions keep running unseen; recovery returns to Operating', async () => {
    const id = await inject(fleet, { kind: 'host-error', target: 'lab-s01' });
    assert.equal((await exec(fleet, 'hmc-lab', 'lssyscfg -r sys -m lab-s01 -F state')).stdout, 'Error\n');
    assert.equal(
      (await exec(fleet, 'hmc-lab', 'lssyscfg -r lpar -m lab-s01 --filter lpar_names=big -F state')).stdout,
      'Not Available\n',
    );
    assert.equal(fleet.model.system('lab-s01')!.partitions.find((p) => p.name === 'big')!.state, 'Running');
    await recover(fleet, id);
    assert.equal(
      (await exec(fleet, 'hmc-lab', 'lssyscfg -r lpar -m lab-s01 --filter lpar_names=big -F state')).stdout,
      'Running\n',
    );
  });

  it('device-unreachable: open connections drop, new ones are refused; recovery lets them in again', async () => {
    const client = await connect(device(fleet, 'svc-lab'));
    const dropped = new Promise<void>((resolve) => client.once('close', () => resolve()));
    const id = await inject(fleet, { kind: 'device-unreachable', target: 'svc-lab' });
    await dropped;
    await assert.rejects(connect(device(fleet, 'svc-lab')));
    await recover(fleet, id);
    assert.equal((await exec(fleet, 'svc-lab', 'lshost -nohdr')).code, 0);
  });

  it('device-unreachable in blackhole mode: connections go silent, new ones get no banner; recovery carries on', async () => {
    const client = await connect(device(fleet, 'svc-lab'));
    try {
      const id = await inject(fleet, { kind: 'device-unreachable', target: 'svc-lab', mode: 'blackhole' });
      let answered = false;
      const pending = execOn(client, 'lshost -nohdr -delim :').then((r) => ((answered = true), r));
      const endpoint = device(fleet, 'svc-lab');
      await assert.rejects(
        new Promise<void>((resolve, reject) => {
          const probe = new ssh2.Client();
          probe.on('error', reject).on('ready', () => (probe.end(), resolve()));
          probe.connect({
            host: endpoint.host,
            port: endpoint.port,
            username: endpoint.user,
            password: endpoint.password,
            readyTimeout: 300,
          });
        }),
        /Timed out while waiting for handshake/,
      );
      assert.equal(answered, false);
      await recover(fleet, id);
      assert.match((await pending).stdout, /^0:lab-s01:/);
      assert.equal((await execOn(client, 'lsvdisk -nohdr')).code, 0);
    } finally {
      client.end();
    }
  });

  it('POST /reset ends a blackhole too', async () => {
    await inject(fleet, { kind: 'device-unreachable', target: 'hmc-lab', mode: 'blackhole' });
    await control(fleet, 'POST', '/reset');
    assert.equal((await exec(fleet, 'hmc-lab', 'lssyscfg -r sys -F name')).code, 0);
  });

  it('a mode is only accepted for device-unreachable', async () => {
    const response = await control<{ error: string }>(fleet, 'POST', '/faults', {
      kind: 'host-error',
      target: 'lab-s01',
      mode: 'blackhole',
    });
    assert.equal(response.status, 400);
    assert.match(response.body.error, /^mode: only device-unreachable takes a mode/);
  });

  it('command-fail: the next matching command fails with the given device error, then the fault is spent', async () => {
    await inject(fleet, {
      kind: 'command-fail',
      target: 'svc-lab',
      command: 'mkvdiskhostmap',
      match: 'small_rootvg',
      times: 1,
      message:
        'CMMVC5879E The virtual disk-to-host mapping was not created because a VDisk is already mapped to this host with this SCSI LUN.',
    });
    assert.equal(
      (await exec(fleet, 'svc-lab', 'svctask mkvdiskhostmap -force -host lab-s02 big_rootvg')).code,
      0,
      'other volumes are not affected',
    );
    const failed = await exec(fleet, 'svc-lab', 'svctask mkvdiskhostmap -force -host lab-s02 small_rootvg');
    assert.deepEqual(failed, {
      stdout: '',
      stderr:
        'CMMVC5879E The virtual disk-to-host mapping was not created because a VDisk is already mapped to this host with this SCSI LUN.\n',
      code: 1,
    });
    assert.equal((await exec(fleet, 'svc-lab', 'mkvdiskhostmap -force -host lab-s02 small_rootvg')).code, 0);
    assert.deepEqual((await control(fleet, 'GET', '/faults')).body, []);
  });

  it('command-fail without a message uses the device format (HSCL on stdout for an HMC) until recovered', async () => {
    const id = await inject(fleet, { kind: 'command-fail', target: 'hmc-lab', command: 'lssyscfg' });
    for (let i = 0; i < 2; i++) {
      const result = await exec(fleet, 'hmc-lab', 'lssyscfg -r sys -F name');
      assert.equal(result.code, 1);
      assert.match(result.stdout, /^HSCL[0-9A-F]{4} /);
    }
    assert.equal(
      (await exec(fleet, 'hmc-lab', 'lshwres -r proc -m lab-s01 --level sys -F curr_avail_sys_proc_units')).code,
      0,
    );
    await recover(fleet, id);
    assert.equal((await exec(fleet, 'hmc-lab', 'lssyscfg -r sys -F name')).stdout, 'lab-s01\nlab-s02\n');
  });

  it('command-hang: the command does not answer until the fault is deleted, then completes', async () => {
    const id = await inject(fleet, { kind: 'command-hang', target: 'hmc-lab', command: 'chsysstate' });
    let answered = false;
    const pending = exec(fleet, 'hmc-lab', 'chsysstate -m lab-s01 -r lpar -o on -n small -f default_profile').then(
      (r) => ((answered = true), r),
    );
    await eventually(() => (fleet.core.faults.list()[0]?.triggered ?? 0) > 0, 'the command to reach the fault');
    assert.equal(answered, false);
    assert.equal((await exec(fleet, 'hmc-lab', 'lssyscfg -r sys -F name')).code, 0, 'other commands still answer');
    await recover(fleet, id);
    assert.equal((await pending).code, 0);
    await eventually(
      async () =>
        (await exec(fleet, 'hmc-lab', 'lssyscfg -r lpar -m lab-s01 --filter lpar_names=small -F state')).stdout ===
        'Running\n',
      'small Running',
    );
  });

  it('slow: multiplies the modelled duration of operations on the target until recovered', async () => {
    const before = fleet.core.physics.duration('lparBoot', ['lab-s01', 'hmc-lab']);
    const id = await inject(fleet, { kind: 'slow', target: 'lab-s01', factor: 7 });
    assert.equal(fleet.core.physics.duration('lparBoot', ['lab-s01', 'hmc-lab']), before * 7);
    assert.equal(fleet.core.physics.duration('lparBoot', ['lab-s02', 'hmc-lab']), before);
    await recover(fleet, id);
    assert.equal(fleet.core.physics.duration('lparBoot', ['lab-s01', 'hmc-lab']), before);
  });

  it('bad fault requests are 400 with the field named; an unknown id is 404', async () => {
    const badKind = await control<{ error: string }>(fleet, 'POST', '/faults', { kind: 'meteor', target: 'lab-s01' });
    assert.equal(badKind.status, 400);
    assert.match(badKind.body.error, /^kind: /);
    const badTarget = await control<{ error: string }>(fleet, 'POST', '/faults', {
      kind: 'host-error',
      target: 'svc-lab',
    });
    assert.equal(badTarget.status, 400);
    assert.match(badTarget.body.error, /target: "svc-lab" is not a managed system/);
    const extra = await control<{ error: string }>(fleet, 'POST', '/faults', {
      kind: 'slow',
      target: 'lab-s01',
      speed: 2,
    });
    assert.equal(extra.status, 400);
    assert.equal((await control(fleet, 'DELETE', '/faults/nope')).status, 404);
  });
});

describe('replication-link-down', () => {
  let fleet: SimulatedFleet;
  before(async () => (fleet = await startFleet(DR_FLEET, 0.001)));
  after(() => fleet.stop());

  it('disconnects the group, refuses starts while down, allows stop -access, and reconnects on recovery', async () => {
    const svc = await connect(device(fleet, 'svc-dc2'));
    try {
      const state = async () =>
        (await execOn(svc, 'lsrcconsistgrp -delim : -nohdr -filtervalue name=cg-dc1-s01')).stdout.split(':')[7];
      const id = await inject(fleet, { kind: 'replication-link-down', target: 'cg-dc1-s01' });
      assert.equal(await state(), 'consistent_disconnected');
      assert.match((await execOn(svc, 'lsrcconsistgrp -delim : cg-dc1-s01')).stdout, /\nstatus:disconnected\n/);
      assert.match((await execOn(svc, 'startrcconsistgrp -force cg-dc1-s01')).stderr, /^CMMVC5982E /);
      // Other groups are not affected.
      assert.match(
        (await execOn(svc, 'lsrcconsistgrp -delim : -nohdr -filtervalue name=cg-dc1-s02')).stdout,
        /:consistent_synchronized:/,
      );
      // The DR move during the outage: make the aux copies writable.
      assert.equal((await execOn(svc, 'stoprcconsistgrp -access cg-dc1-s01')).code, 0);
      assert.equal(await state(), 'idling_disconnected');
      await recover(fleet, id);
      assert.equal(await state(), 'idling');
      assert.equal((await execOn(svc, 'startrcconsistgrp -force -primary aux cg-dc1-s01')).code, 0);
      await eventually(async () => (await state()) === 'consistent_synchronized', 'resynchronised');
    } finally {
      svc.end();
    }
  });
});

// The HMC driver end to end against the simulated HMC over SSH: every command, its error paths, idempotency.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { HmcError } from '../../activities/hmc/hmc-errors.js';
import { ViosClient } from '../../activities/hmc/vios.js';
import { DeviceError } from '../../activities/ssh/device-errors.js';
import { startDriverFleet, eventually, type DriverFleet } from './support.js';

describe('HMC driver ↔ simulated HMC', () => {
  let f: DriverFleet;
  before(async () => {
    f = await startDriverFleet();
  });
  after(async () => {
    await f?.stop();
  });
  beforeEach(async () => {
    await f.control('POST', '/reset');
  });

  it('lists managed systems, partitions, profiles and capacity with typed values', async () => {
    const hmc = f.hmc();
    const systems = await hmc.listSystems();
    assert.deepEqual(
      systems.map((s) => s.name),
      ['dc1-s01', 'dc1-s02', 'dc1-s03', 'dc1-s04'],
    );
    assert.ok(systems.every((s) => s.state === 'Operating' && s.typeModel === '9009-42A'));
    const partitions = await hmc.listPartitions('dc1-s01');
    const db = partitions.find((p) => p.name === 'dc1-db01');
    assert.equal(db?.state, 'Running');
    assert.equal(db?.env, 'aixlinux');
    assert.equal(partitions.filter((p) => p.env === 'vioserver').length, 2);
    const profiles = await hmc.profiles('dc1-s01');
    const dbProfile = profiles.find((p) => p.lparName === 'dc1-db01');
    assert.deepEqual(dbProfile?.memoryMb, { min: 32768, desired: 65536, max: 131072 });
    assert.equal(dbProfile?.procUnits.desired, 2);
    assert.equal(dbProfile?.availabilityPriority, 191);
    assert.equal(dbProfile?.virtualScsiAdapters.length, 2);
    const batch = profiles.find((p) => p.lparName === 'dc1-batch01');
    assert.equal(batch?.virtualFcAdapters.length, 2, 'nested quoted NPIV adapter list');
    const capacity = await hmc.systemCapacity('dc1-s01');
    assert.equal(capacity.configurableProcUnits, 32);
    assert.ok(capacity.availableProcUnits < 32 && capacity.availableMemoryMb < capacity.configurableMemoryMb);
    const resources = await hmc.partitionResources('dc1-s01');
    assert.equal(resources.get('dc1-db01')?.memoryMb, 65536);
    assert.ok((await hmc.virtualAdapters('dc1-s01', 'scsi')).some((a) => a.remote_lpar_name === 'dc1-db01'));
    assert.ok((await hmc.virtualAdapters('dc1-s01', 'fc')).length > 0);
    assert.ok((await hmc.migrationStates('dc1-s01')).every((m) => m.migration_state === 'Not Migrating'));
    assert.ok((await hmc.remoteRestartStates('dc1-s01')).some((r) => r.remote_restart_status === 'Remote Restartable'));
  });

  it('answers undefined for an unknown partition and a permanent error for an unknown system', async () => {
    const hmc = f.hmc();
    assert.equal(await hmc.partition('dc1-s01', 'no-such-lpar'), undefined);
    await assert.rejects(
      hmc.listPartitions('no-such-system'),
      (err: HmcError) => err.code === 'HSCL8015' && err.retryable === false,
    );
  });

  it('passes a name with shell metacharacters as one word: the HMC looks it up, nothing else runs', async () => {
    await assert.rejects(
      f.hmc().listPartitions("dc1-s01; rm -rf / 'x'"),
      (err: HmcError) =>
        err.code === 'HSCL8015' && err.errorClass === 'not-found' && err.message.includes("dc1-s01; rm -rf / 'x'"),
    );
    await assert.rejects(
      f.hmc().listPartitions('dc1-s01\nlssyscfg -r sys'),
      (err: DeviceError) => err.code === 'InvalidName' && err.errorClass === 'configuration',
    );
  });

  it('powers a system off idempotently (fencing), then reports it Power Off', async () => {
    const hmc = f.hmc();
    const first = await hmc.powerOffSystem('dc1-s02');
    assert.equal(first.changed, true);
    const state = await eventually('Power Off', async () =>
      (await hmc.systemState('dc1-s02')) === 'Power Off' ? 'off' : undefined,
    );
    assert.equal(state, 'off');
    const again = await hmc.powerOffSystem('dc1-s02');
    assert.equal(again.changed, false);
    assert.match(again.detail, /already Power Off/);
  });

  it('activates and shuts down partitions idempotently, with capacity errors as permanent failures', async () => {
    const hmc = f.hmc();
    assert.equal(
      (await hmc.activatePartition('dc1-s01', 'dc1-db01', 'default_profile')).changed,
      false,
      'already Running',
    );
    assert.equal((await hmc.shutdownPartition('dc1-s01', 'dc1-web01')).changed, true);
    await eventually('Not Activated', async () =>
      (await hmc.partition('dc1-s01', 'dc1-web01'))?.state === 'Not Activated' ? true : undefined,
    );
    assert.equal((await hmc.shutdownPartition('dc1-s01', 'dc1-web01')).changed, false);
    assert.equal((await hmc.activatePartition('dc1-s01', 'dc1-web01', 'default_profile')).changed, true);
    await eventually('Running', async () =>
      (await hmc.partition('dc1-s01', 'dc1-web01'))?.state === 'Running' ? true : undefined,
    );
    await f.control('POST', '/actions/set-capacity', { system: 'dc1-s01', memoryMb: 1024 });
    await hmc.shutdownPartition('dc1-s01', 'dc1-app01');
    await eventually('Not Activated', async () =>
      (await hmc.partition('dc1-s01', 'dc1-app01'))?.state === 'Not Activated' ? true : undefined,
    );
    await assert.rejects(
      hmc.activatePartition('dc1-s01', 'dc1-app01', 'default_profile'),
      (err: HmcError) => /HSCL062[23]/.test(err.code ?? '') && !err.retryable,
    );
    await assert.rejects(
      hmc.activatePartition('dc1-s01', 'dc1-app01', 'no_such_profile'),
      (err: HmcError) => err.code === 'HSCL8016' && !err.retryable,
    );
  });

  it('remote-restarts a partition of a failed system: validate, restart (idempotent), cleanup', async () => {
    const hmc = f.hmc();
    await assert.rejects(
      hmc.remoteRestart('validate', 'dc1-s01', 'dc1-web01', { target: 'dc1-s02' }),
      (err: HmcError) => err.code === 'HSCLA9A2',
      'source still Operating',
    );
    await hmc.powerOffSystem('dc1-s01');
    await eventually('Power Off', async () => ((await hmc.systemState('dc1-s01')) === 'Power Off' ? true : undefined));
    const svc = f.svc();
    for (const volume of ['dc1-web01_rootvg']) await svc.mapVolume(volume, 'dc1-s02', { shared: true });
    assert.equal((await hmc.remoteRestart('validate', 'dc1-s01', 'dc1-web01', { target: 'dc1-s02' })).changed, true);
    assert.equal((await hmc.remoteRestart('restart', 'dc1-s01', 'dc1-web01', { target: 'dc1-s02' })).changed, true);
    await eventually('Running on dc1-s02', async () =>
      (await hmc.partition('dc1-s02', 'dc1-web01'))?.state === 'Running' ? true : undefined,
    );
    assert.equal(
      (await hmc.remoteRestart('restart', 'dc1-s01', 'dc1-web01', { target: 'dc1-s02' })).changed,
      false,
      'already running on the target',
    );
    await assert.rejects(
      hmc.remoteRestart('cleanup', 'dc1-s01', 'dc1-web01'),
      (err: HmcError) => err.code === 'HSCLA9A5',
      'source must be back first',
    );
  });

  it('cleans up the source after a remote restart once the failed system is back', async () => {
    const hmc = f.hmc();
    const loss = await f.control<{ id: string }>('POST', '/faults', { kind: 'host-power-loss', target: 'dc1-s01' });
    await f.svc().mapVolume('dc1-web01_rootvg', 'dc1-s02', { shared: true });
    await hmc.remoteRestart('restart', 'dc1-s01', 'dc1-web01', { target: 'dc1-s02', noConnection: true });
    await eventually('Running on dc1-s02', async () =>
      (await hmc.partition('dc1-s02', 'dc1-web01'))?.state === 'Running' ? true : undefined,
    );
    await f.control('DELETE', `/faults/${loss.id}`);
    await eventually('dc1-s01 Operating', async () =>
      (await hmc.systemState('dc1-s01')) === 'Operating' ? true : undefined,
    );
    assert.equal((await hmc.remoteRestart('cleanup', 'dc1-s01', 'dc1-web01')).changed, true);
    assert.equal(await hmc.partition('dc1-s01', 'dc1-web01'), undefined, 'the source definition is gone');
  });

  it('validates and runs a Live Partition Mobility migration, idempotent once moved', async () => {
    const hmc = f.hmc();
    const svc = f.svc();
    for (const volume of ['dc1-web01_rootvg']) await svc.mapVolume(volume, 'dc1-s03', { shared: true });
    assert.equal((await hmc.migratePartition('v', 'dc1-s01', 'dc1-web01', 'dc1-s03')).changed, true);
    assert.equal((await hmc.migratePartition('m', 'dc1-s01', 'dc1-web01', 'dc1-s03')).changed, true);
    assert.equal((await hmc.partition('dc1-s03', 'dc1-web01'))?.state, 'Running');
    assert.equal((await hmc.migratePartition('m', 'dc1-s01', 'dc1-web01', 'dc1-s03')).changed, false);
    await assert.rejects(
      hmc.migratePartition('s', 'dc1-s03', 'dc1-web01'),
      (err: HmcError) => err.code === 'HSCLA31A',
      'nothing to stop',
    );
    await assert.rejects(
      hmc.migratePartition('r', 'dc1-s03', 'dc1-web01'),
      (err: HmcError) => err.code === 'HSCLA31A',
      'nothing to recover',
    );
  });

  it('reads and changes VIOS mappings idempotently (vSCSI and NPIV)', async () => {
    const hmc = f.hmc();
    const vios = new ViosClient(hmc, 'dc1-s01', 'dc1-s01-vios1');
    const mappings = await vios.scsiMappings();
    const dbAdapter = mappings.find((m) => m.clientId === 3)!;
    assert.equal(dbAdapter.targets.length, 4, 'dc1-db01 has four volumes');
    const first = dbAdapter.targets[0]!;
    assert.equal((await vios.mapScsiDisk(first.backing, dbAdapter.vhost)).changed, false, 'already mapped');
    assert.equal((await vios.removeScsiTarget(first.vtd)).changed, true);
    assert.equal((await vios.removeScsiTarget(first.vtd)).changed, false, 'already gone');
    const remapped = await vios.mapScsiDisk(first.backing, dbAdapter.vhost);
    assert.equal(remapped.changed, true);
    assert.match(remapped.detail, /Available/);
    await vios.configureDevices();
    const uid = (await f.svc().volume('dc1-db01_rootvg'))!.uid;
    assert.ok(await vios.findDisk(uid), 'the VIOS sees the volume by its UID');
    const [npiv] = await vios.npivMappings();
    assert.equal(npiv?.status, 'LOGGED_IN');
    assert.equal((await vios.mapNpiv(npiv!.vfchost, npiv!.fcPort)).changed, false);
    assert.equal((await vios.mapNpiv(npiv!.vfchost, undefined)).changed, true);
    assert.equal((await vios.mapNpiv(npiv!.vfchost, undefined)).changed, false);
    assert.equal((await vios.mapNpiv(npiv!.vfchost, 'fcs0')).changed, true);
    await assert.rejects(
      new ViosClient(hmc, 'dc1-s01', 'dc1-s01-vios1').run('mkvdev -vdev hdisk999 -vadapter vhost0'),
      (err: HmcError) => /^VIOSE/.test(err.code ?? ''),
    );
  });

  it('classifies faults: busy HMC retryable, unreachable retryable, hung command times out', async () => {
    // HSCL3F01 is the simulator's "too many concurrent operations" (a guessed code, classed transient in hmc-errors.ts).
    const message =
      'HSCL3F01 The maximum number of concurrent operations (32) on this HMC has been reached. Please retry the command later.';
    const fault = await f.control<{ id: string }>('POST', '/faults', {
      kind: 'command-fail',
      target: 'hmc-dc1',
      command: 'lssyscfg',
      times: 1,
      message,
    });
    await assert.rejects(
      f.hmc().listSystems(),
      (err: HmcError) => err.retryable && err.errorClass === 'transient' && err.code === 'HSCL3F01',
    );
    assert.equal((await f.hmc().listSystems()).length, 4, 'the fault was for one command only');
    await f.control('DELETE', `/faults/${fault.id}`).catch(() => undefined);

    const hang = await f.control<{ id: string }>('POST', '/faults', {
      kind: 'command-hang',
      target: 'hmc-dc1',
      command: 'lssyscfg',
    });
    await assert.rejects(
      f.hmc('hmc-dc1', { commandTimeoutMs: 300 }).listSystems(),
      (err: DeviceError) => err.kind === 'timeout' && err.retryable,
    );
    await f.control('DELETE', `/faults/${hang.id}`);

    const down = await f.control<{ id: string }>('POST', '/faults', { kind: 'device-unreachable', target: 'hmc-dc1' });
    await assert.rejects(
      f.hmc('hmc-dc1', { connectTimeoutMs: 2000 }).listSystems(),
      (err: DeviceError) => err.kind === 'unreachable' && err.retryable,
    );
    await f.control('DELETE', `/faults/${down.id}`);
    assert.equal((await f.hmc().listSystems()).length, 4, 'recovered');
  });
});

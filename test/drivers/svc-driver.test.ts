// The Spectrum Virtualize driver end to end against the simulated storage system over SSH.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { SvcError } from '../../activities/storage/svc-errors.js';
import { DeviceError } from '../../activities/ssh/device-errors.js';
import { DR_FLEET, startDriverFleet, eventually, type DriverFleet } from './support.js';

describe('SVC driver ↔ simulated storage system', () => {
  let f: DriverFleet;
  before(async () => {
    f = await startDriverFleet(DR_FLEET);
  });
  after(async () => {
    await f?.stop();
  });
  beforeEach(async () => {
    await f.control('POST', '/reset');
  });

  it('lists volumes and hosts, reads a host with its WWPNs, and finds nothing for unknown names', async () => {
    const svc = f.svc();
    const volumes = await svc.listVolumes();
    assert.ok(volumes.length >= 50);
    const root = await svc.volume('dc1-db01_rootvg');
    assert.match(root!.uid, /^[0-9A-F]{32}$/);
    assert.equal(await svc.volume('no-such-volume'), undefined);
    const hosts = await svc.listHosts();
    assert.deepEqual(
      hosts.map((h) => h.name),
      ['dc1-s01', 'dc1-s02', 'dc1-s03', 'dc1-s04'],
    );
    const host = await svc.host('dc1-s01');
    assert.equal(host?.wwpns.length, 4);
    assert.equal(await svc.host('no-such-host'), undefined);
  });

  it('creates a host idempotently and refuses to silently change one', async () => {
    const svc = f.svc();
    assert.equal((await svc.createHost('dr-host1', ['C050760000000091', 'C050760000000092'])).changed, true);
    assert.equal((await svc.createHost('dr-host1', ['C050760000000092', 'C050760000000091'])).changed, false);
    await assert.rejects(
      svc.createHost('dr-host1', ['C050760000000093']),
      (err: SvcError) => err.code === 'CMMVC6035E' && !err.retryable,
    );
  });

  it('maps and unmaps volumes idempotently and reads mappings from both sides', async () => {
    const svc = f.svc();
    await assert.rejects(
      svc.mapVolume('dc1-db01_rootvg', 'dc1-s02'),
      (err: SvcError) => err.code === 'CMMVC6071E',
      'still mapped to dc1-s01 and not shared',
    );
    assert.equal((await svc.unmapVolume('dc1-db01_rootvg', 'dc1-s01')).changed, true);
    assert.equal((await svc.unmapVolume('dc1-db01_rootvg', 'dc1-s01')).changed, false, 'not mapped any more');
    assert.equal((await svc.mapVolume('dc1-db01_rootvg', 'dc1-s02')).changed, true);
    assert.equal((await svc.mapVolume('dc1-db01_rootvg', 'dc1-s02')).changed, false, 'already mapped');
    assert.deepEqual(
      (await svc.volumeMappings('dc1-db01_rootvg')).map((m) => m.host),
      ['dc1-s02'],
    );
    assert.ok((await svc.hostMappings('dc1-s02')).some((m) => m.volume === 'dc1-db01_rootvg'));
    await assert.rejects(
      svc.mapVolume('no-such-volume', 'dc1-s02'),
      (err: SvcError) => err.code === 'CMMVC5754E' && !err.retryable,
    );
    await assert.rejects(svc.unmapVolume('no-such-volume', 'dc1-s02'), (err: SvcError) => !err.retryable);
    await assert.rejects(svc.hostMappings('no-such-host'), (err: SvcError) => !err.retryable);
  });

  it('an "already mapped" answer counts as done only if the mapping is there when read again', async () => {
    const message =
      'CMMVC5878E The virtual disk (VDisk)-to-host mapping was not created because this VDisk is ' +
      'already mapped to this host.';
    const spec = { kind: 'command-fail', target: 'svc-dc1', command: 'mkvdiskhostmap', message, times: 1 };
    const fault = await f.control<{ id: string }>('POST', '/faults', spec);
    await assert.rejects(
      f.svc().mapVolume('dc1-db01_rootvg', 'dc1-s02', { shared: true }),
      (err: SvcError) => err.code === 'CMMVC5878E' && err.errorClass === 'already-done',
    );
    await f.control('DELETE', `/faults/${fault.id}`).catch(() => undefined);
  });

  it("names with spaces (allowed by IBM's naming rules) work end to end through the device shell", async () => {
    const svc = f.svc();
    const name = 'dr host 1';
    assert.equal((await svc.createHost(name, ['C050760000000081', 'C050760000000082'])).changed, true);
    assert.deepEqual((await svc.host(name))?.wwpns, ['C050760000000081', 'C050760000000082']);
    assert.ok((await svc.listHosts()).some((h) => h.name === name));
    assert.equal((await svc.mapVolume('dc1-db01_rootvg', name, { shared: true })).changed, true);
    assert.deepEqual(
      (await svc.hostMappings(name)).map((m) => m.volume),
      ['dc1-db01_rootvg'],
    );
    assert.equal((await svc.unmapVolume('dc1-db01_rootvg', name)).changed, true);
    const again = await svc.unmapVolume('dc1-db01_rootvg', name);
    assert.deepEqual(again, { changed: false, detail: `dc1-db01_rootvg was not mapped to ${name} (CMMVC5842E)` });
    const misspelt = svc.unmapVolume('dc1-db01_rootvg', 'no such host');
    await assert.rejects(misspelt, (err: SvcError) => err.errorClass === 'not-found');
    await assert.rejects(
      svc.createHost('1host', ['C050760000000083']),
      (err: DeviceError) => err.code === 'InvalidName',
    );
  });

  it('runs an unplanned DR sequence on a consistency group: stop with access, reverse, switch back', async () => {
    const aux = f.svc('svc-dc2');
    const groups = await aux.consistencyGroups();
    assert.ok(groups.some((g) => g.name === 'cg-dc1-s01'));
    const group = (await aux.consistencyGroup('cg-dc1-s01'))!;
    assert.equal(group.state, 'consistent_synchronized');
    assert.ok((await aux.relationships()).length > 0);
    assert.equal((await aux.startConsistencyGroup('cg-dc1-s01')).changed, false, 'already replicating');
    assert.equal((await aux.stopConsistencyGroup('cg-dc1-s01', { access: true })).changed, true);
    assert.match((await aux.consistencyGroup('cg-dc1-s01'))!.state, /^idling/);
    assert.equal((await aux.stopConsistencyGroup('cg-dc1-s01', { access: true })).changed, false);
    assert.equal((await aux.startConsistencyGroup('cg-dc1-s01', { primary: 'aux', force: true })).changed, true);
    await eventually('synchronized', async () =>
      (await aux.consistencyGroup('cg-dc1-s01'))?.state === 'consistent_synchronized' ? true : undefined,
    );
    assert.equal((await aux.switchConsistencyGroup('cg-dc1-s01', 'master')).changed, true);
    assert.equal((await aux.switchConsistencyGroup('cg-dc1-s01', 'master')).changed, false);
    await assert.rejects(aux.startConsistencyGroup('no-such-group'), (err: SvcError) => !err.retryable);
  });

  it('reports a replication link down as a retryable state error', async () => {
    const aux = f.svc('svc-dc2');
    await aux.stopConsistencyGroup('cg-dc1-s02');
    const fault = await f.control<{ id: string }>('POST', '/faults', {
      kind: 'replication-link-down',
      target: 'cg-dc1-s02',
    });
    await assert.rejects(
      aux.startConsistencyGroup('cg-dc1-s02', { force: true }),
      (err: SvcError) => err.code === 'CMMVC5982E' && err.retryable,
    );
    await f.control('DELETE', `/faults/${fault.id}`);
    assert.equal((await aux.startConsistencyGroup('cg-dc1-s02', { force: true })).changed, true);
  });

  it('creates, starts, stops and removes a FlashCopy mapping for a DR test, idempotently', async () => {
    const svc = f.svc('svc-dc2');
    const [source, target] = ['dc2r-db01_data1', 'dc2r-db01_data2'];
    const created = await svc.createFlashCopy(source, target, { copyRate: 0 });
    assert.equal(created.changed, true);
    assert.equal((await svc.createFlashCopy(source, target)).changed, false, 'the same mapping is reused');
    assert.equal((await svc.startFlashCopy(created.id)).changed, true);
    await eventually('copying', async () =>
      (await svc.flashCopyMappings()).find((m) => m.id === created.id)?.status === 'copying' ? true : undefined,
    );
    assert.equal((await svc.startFlashCopy(created.id)).changed, false);
    assert.equal((await svc.stopFlashCopy(created.id)).changed, true);
    assert.equal((await svc.removeFlashCopy(created.id)).changed, true);
    assert.equal((await svc.removeFlashCopy(created.id)).changed, false);
    await assert.rejects(
      svc.createFlashCopy(source, source),
      (err: SvcError) => err.code === 'CMMVC6303E' && !err.retryable,
    );
  });

  it('classifies device faults: unstable state retryable, storage unreachable retryable', async () => {
    const fault = await f.control<{ id: string }>('POST', '/faults', {
      kind: 'command-fail',
      target: 'svc-dc1',
      command: 'lsvdisk',
      times: 1,
    });
    await assert.rejects(f.svc().listVolumes(), (err: SvcError) => err.code === 'CMMVC5786E' && err.retryable);
    await f.control('DELETE', `/faults/${fault.id}`).catch(() => undefined);
    const down = await f.control<{ id: string }>('POST', '/faults', { kind: 'device-unreachable', target: 'svc-dc1' });
    await assert.rejects(
      f.svc('svc-dc1', { connectTimeoutMs: 2000 }).listVolumes(),
      (err: DeviceError) => err.kind === 'unreachable' && err.retryable,
    );
    await f.control('DELETE', `/faults/${down.id}`);
    assert.ok((await f.svc().listVolumes()).length > 0);
  });
});

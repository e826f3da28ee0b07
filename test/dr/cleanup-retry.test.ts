// The clean-up at the old site, activity by activity against the simulated DR fleet (no workflow): a VM that runs
// is never touched (skipped by the plan, refused by the unmapping itself when it started since); a VM proven Not
// Activated loses its mappings at dc1, and a retry after a crash (run again: everything already unmapped) converges
// and still reports what was removed; presenting them again restores exactly those mappings (same hosts and SCSI
// ids), once. The violation log stays empty (no running LPAR lost a disk). The records decode with precise errors.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createDrCleanupActivities, unrestoredMappings } from '../../activities/dr/cleanup-activities.js';
import { DeviceRegistry } from '../../activities/devices.js';
import { openSqliteStore, type InventoryStore } from '../../activities/inventory/index.js';
import { startSimulatedFleet, type SimulatedFleet } from '../../simulators/index.js';
import { configForSimulatedFleet } from '../support/simulated-lazarus.js';
import { eventually } from '../support/temporal.js';

const FLEET = new URL('../../examples/fleet-dr.yaml', import.meta.url).pathname;
const CONFIG = new URL('../../examples/lazarus-dr.yaml', import.meta.url).pathname;
const APP01 = ['dc1-app01_rootvg', 'dc1-app01_data1'];

describe('DR clean-up at the old site: safe, idempotent, restorable', () => {
  let fleet: SimulatedFleet;
  let store: InventoryStore;
  let devices: DeviceRegistry;
  let dir: string;
  let cleanup: ReturnType<typeof createDrCleanupActivities>;
  const control = async (method: string, path: string, body?: unknown) =>
    (
      await fetch(`${fleet.controlUrl}${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
    ).json();
  const mappings = async (volumes: string[]) => {
    const svc = devices.storageSystem('svc-dc1');
    return (await Promise.all(volumes.map((v) => svc.volumeMappings(v))))
      .flat()
      .map((m) => `${m.volume}@${m.host}#${m.scsiId}`)
      .sort();
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lazarus-dr-cleanup-'));
    fleet = await startSimulatedFleet({ fleet: FLEET });
    const { config } = configForSimulatedFleet(fleet, dir, undefined, CONFIG);
    devices = new DeviceRegistry(config);
    store = await openSqliteStore(join(dir, 'lazarus.db'));
    cleanup = createDrCleanupActivities({ config, devices, store, log: () => undefined }, (work) => work());
  });
  after(async () => {
    await devices?.close();
    await store?.close();
    await fleet?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('leaves a running VM alone, at planning and at unmapping', async () => {
    const volumes = (await devices.hmc('hmc-dc1').partition('dc1-s01', 'dc1-app01'))!;
    assert.equal(volumes.state, 'Running');
    const [target] = await cleanup.control.prepareDrCleanup({ site: 'dc1', at: 'active', vms: ['dc1-app01'] });
    assert.match(target!.skipped ?? '', /^Running on dc1-s01: it may run, nothing is unmapped/);
    assert.deepEqual(target!.volumes, []);
    // A plan made while it was stopped, carried out after it started again: refused, nothing unmapped.
    const stale = { ...target!, skipped: undefined, volumes: APP01 };
    const outcome = await cleanup.storage.drCleanupVm({ site: 'dc1', at: 'active', target: stale });
    assert.match(outcome.refused ?? '', /dc1-app01 is Running on dc1-s01/);
    assert.equal((await mappings(APP01)).length, 2);
  });

  it('unmaps a stopped VM, converges when run again, and presents the mappings again once', async () => {
    const before = await mappings(APP01);
    assert.equal(before.length, 2, before.join());
    await devices.hmc('hmc-dc1').shutdownPartition('dc1-s01', 'dc1-app01');
    await eventually(
      'dc1-app01 Not Activated',
      async () =>
        (await devices.hmc('hmc-dc1').partition('dc1-s01', 'dc1-app01'))?.state === 'Not Activated' ? true : undefined,
      60_000,
      100,
    );
    const [target] = await cleanup.control.prepareDrCleanup({ site: 'dc1', at: 'active', vms: ['dc1-app01'] });
    assert.equal(target!.skipped, undefined);
    assert.deepEqual([...target!.volumes].sort(), [...APP01].sort());
    const first = await cleanup.storage.drCleanupVm({ site: 'dc1', at: 'active', target: target! });
    assert.deepEqual(await mappings(APP01), []);
    // The retry after a crash: nothing left to unmap, the same mappings reported as removed.
    const again = await cleanup.storage.drCleanupVm({ site: 'dc1', at: 'active', target: target! });
    assert.equal(first.removed.length, 2);
    assert.deepEqual(again.removed, first.removed);
    await assert.rejects(devices.hmc('hmc-dc1').activatePartition('dc1-s01', 'dc1-app01', 'default_profile'));

    const presented = await cleanup.storage.drPresentCleanedVolumes({ site: 'dc1', at: 'active' });
    assert.equal(presented.presented, 2);
    assert.deepEqual(await mappings(APP01), before, 'the same hosts and SCSI ids');
    assert.equal((await cleanup.storage.drPresentCleanedVolumes({ site: 'dc1', at: 'active' })).presented, 0);
    // Nothing recorded for the backup site.
    assert.equal((await cleanup.storage.drPresentCleanedVolumes({ site: 'dc1', at: 'backup' })).presented, 0);
    assert.deepEqual(await control('GET', '/violations'), []);
  });
});

describe('DR clean-up records', () => {
  const row = (id: number, ok: boolean, findings: Array<{ subject: string; message: string }>) => ({
    id,
    group: 'dr-cleanup/dc1',
    verifiedAt: '2026-11-30T05:00:00.000Z',
    ok,
    findings: findings.map((f) => ({ severity: 'info' as const, ...f })),
  });
  const mapping = (volume: string, at = 'dc1') =>
    JSON.stringify({ at, vm: 'dc1-db01', storage: 'svc-dc1', volume, host: 'dc1-s01', scsiId: 1 });

  it('reads the mappings removed since the last restore at that site, once each', () => {
    const rows = [
      row(4, false, [{ subject: 'mapping/svc-dc1/b/dc1-s01', message: mapping('b') }]),
      row(3, false, [{ subject: 'mapping/svc-dc1/b/dc1-s01', message: mapping('b') }]),
      row(2, false, [{ subject: 'mapping/svc-dc2/x/dc2-s01', message: mapping('x', 'dc2') }]),
      row(1, true, [{ subject: 'restored/dc1', message: '1 mappings' }]),
      row(0, false, [{ subject: 'mapping/svc-dc1/a/dc1-s01', message: mapping('a') }]),
    ];
    assert.deepEqual(
      unrestoredMappings(rows, 'dc1').map((m) => m.volume),
      ['b'],
    );
    assert.deepEqual(
      unrestoredMappings(rows, 'dc2').map((m) => m.volume),
      ['x'],
    );
  });

  it('names a record that does not decode', () => {
    assert.throws(
      () => unrestoredMappings([row(7, false, [{ subject: 'mapping/svc-dc1/a/h', message: 'not json' }])], 'dc1'),
      /clean-up record 7 finding 0: message is not JSON/,
    );
    const noScsi = JSON.stringify({ at: 'dc1', vm: 'v', storage: 's', volume: 'a', host: 'h' });
    assert.throws(
      () => unrestoredMappings([row(8, false, [{ subject: 'mapping/s/a/h', message: noScsi }])], 'dc1'),
      /clean-up record 8 finding 0: .* at scsiId/,
    );
  });
});

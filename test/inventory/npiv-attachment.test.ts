// Issue 14, item 5: discovery records per LPAR whether its volumes are mapped to its own virtual WWPNs (NPIV, one
// storage host object per client as PowerVC makes them) or to its server's host object; a snapshot stored before the
// field existed still reads; a host object that serves two NPIV clients gives its volumes to neither.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DeviceRegistry } from '../../activities/devices.js';
import { readHostGroup } from '../../activities/discovery/read-host-group.js';
import type { LazarusConfig } from '../../domain/config/index.js';
import { inventorySnapshotSchema } from '../../domain/inventory/snapshot.js';
import { startSimulatedFleet, type SimulatedFleet } from '../../simulators/index.js';
import { configForSimulatedFleet } from '../support/simulated-lazarus.js';
import { sampleSnapshot } from './fixtures.js';

const FLEET = new URL('../../examples/fleet-small.yaml', import.meta.url).pathname;

describe('NPIV attachment in the inventory', () => {
  let fleet: SimulatedFleet;
  let devices: DeviceRegistry;
  let config: LazarusConfig;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lazarus-npiv-'));
    fleet = await startSimulatedFleet({ fleet: FLEET, timeScale: 0.0005 });
    ({ config } = configForSimulatedFleet(fleet, dir));
    devices = new DeviceRegistry(config);
  });

  after(async () => {
    await devices?.close();
    await fleet?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const read = async () => {
    const group = config.hostGroups[0]!;
    const target = { name: group.name, hmc: group.hmc, storage: group.storage, hosts: group.hosts };
    return (await readHostGroup(target, devices.hmc(group.hmc), devices.storageSystem(group.storage))).snapshot;
  };

  it('an NPIV client with its own host object is npiv; one served through its server stays unmarked', async () => {
    const lpars = new Map((await read()).lpars.map((l) => [l.name, l]));
    const own = lpars.get('dc1-batch02')!;
    assert.equal(own.attachment, 'npiv');
    assert.deepEqual(own.npivHostObjects, ['dc1-batch02']);
    assert.deepEqual(
      own.volumes.map((v) => v.vdiskName),
      ['dc1-batch02_data1', 'dc1-batch02_rootvg'],
    );
    const throughServer = lpars.get('dc1-batch01')!;
    assert.ok(throughServer.npivMappings.length > 0, 'NPIV adapters');
    assert.equal(throughServer.attachment, undefined, 'its volumes are on dc1-s01: remapped at a restart');
    assert.ok(throughServer.volumes.length > 0);
    assert.equal(lpars.get('dc1-web01')!.attachment, undefined, 'vSCSI');
  });

  it('a host object holding two clients WWPNs attributes its volumes to neither', async () => {
    const svc = devices.storageSystem('svc-dc1');
    const other = fleet.model.system('dc1-s03')!.partitions.find((p) => !p.vios)!;
    await svc.addHostPorts('dc1-batch02', [other.clientWwpns[0]![0]!]);
    try {
      const lpars = new Map((await read()).lpars.map((l) => [l.name, l]));
      assert.equal(lpars.get('dc1-batch02')!.attachment, undefined);
      assert.ok(
        !lpars.get('dc1-batch02')!.volumes.some((v) => v.vdiskName.startsWith('dc1-batch02')),
        'not attributed: the failover reports it volumes-unknown rather than guess',
      );
    } finally {
      await svc.removeHostPorts('dc1-batch02', [other.clientWwpns[0]![0]!]);
    }
  });

  it('a snapshot stored before the field existed still reads', () => {
    const stored = JSON.parse(JSON.stringify(sampleSnapshot())) as Record<string, unknown>;
    const parsed = inventorySnapshotSchema.parse(stored);
    assert.ok(parsed.lpars.every((l) => l.attachment === undefined));
  });
});

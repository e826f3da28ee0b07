import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  diffInventory,
  inventoryDiffSchema,
  inventorySnapshotSchema,
  InventoryValidationError,
  parseInventorySnapshot,
} from '../../domain/inventory/index.js';
import { modified, sampleSnapshot } from './fixtures.js';

const kinds = (changes: ReturnType<typeof diffInventory>) => changes.map((c) => c.kind);

test('the sample snapshot is valid', () => {
  assert.equal(inventorySnapshotSchema.safeParse(sampleSnapshot()).success, true);
});

test('no change: identical snapshots, even with fields and NPIV WWPNs built in another order', () => {
  assert.deepEqual(diffInventory(sampleSnapshot(), sampleSnapshot()), []);
  const reordered = modified((s) => {
    s.managedSystems.reverse();
    s.lpars[0]!.npivMappings[0]!.wwpns.reverse();
    s.managedSystems[0]!.processorUnits = { available: 40, configurable: 48, installed: 48 };
  });
  assert.deepEqual(diffInventory(sampleSnapshot(), reordered), []);
});

test('LPAR appeared and disappeared', () => {
  const next = modified((s) => {
    s.lpars = s.lpars.filter((l) => l.name !== 'app01');
    s.lpars.push({ ...structuredClone(sampleSnapshot().lpars[1]!), id: 9, name: 'web01', host: 'cec-2' });
  });
  assert.deepEqual(diffInventory(sampleSnapshot(), next), [
    { kind: 'lpar-disappeared', lpar: 'app01', host: 'cec-1' },
    { kind: 'lpar-appeared', lpar: 'web01', host: 'cec-2' },
  ]);
});

test('LPAR moved to another host', () => {
  const next = modified((s) => (s.lpars[1]!.host = 'cec-2'));
  assert.deepEqual(diffInventory(sampleSnapshot(), next), [
    { kind: 'lpar-moved', lpar: 'app01', from: 'cec-1', to: 'cec-2' },
  ]);
});

test('LPAR resized: CPU, memory or virtual processors', () => {
  const cpu = diffInventory(
    sampleSnapshot(),
    modified((s) => (s.lpars[0]!.processorUnits.desired = 6)),
  );
  assert.deepEqual(kinds(cpu), ['lpar-resized']);
  assert.equal(cpu[0]!.kind === 'lpar-resized' && cpu[0]!.to.processorUnits.desired, 6);
  assert.deepEqual(
    kinds(
      diffInventory(
        sampleSnapshot(),
        modified((s) => (s.lpars[0]!.memoryMb.max = 262144)),
      ),
    ),
    ['lpar-resized'],
  );
  assert.deepEqual(
    kinds(
      diffInventory(
        sampleSnapshot(),
        modified((s) => (s.lpars[0]!.virtualProcessors = 4)),
      ),
    ),
    ['lpar-resized'],
  );
});

test('LPAR state changed', () => {
  const next = modified((s) => (s.lpars[0]!.state = 'Not Activated'));
  assert.deepEqual(diffInventory(sampleSnapshot(), next), [
    { kind: 'lpar-state-changed', lpar: 'db01', from: 'Running', to: 'Not Activated' },
  ]);
});

test('volumes added to and removed from an LPAR', () => {
  const added = {
    storageSystem: 'svc-dc1',
    vdiskId: '13',
    vdiskName: 'db01_log',
    uid: '600507680C8000000000000000000013',
  };
  const next = modified((s) => (s.lpars[0]!.volumes = [added]));
  assert.deepEqual(diffInventory(sampleSnapshot(), next), [
    { kind: 'lpar-volume-added', lpar: 'db01', volume: added },
    { kind: 'lpar-volume-removed', lpar: 'db01', volume: sampleSnapshot().lpars[0]!.volumes[0]! },
  ]);
});

test('VIOS mapping changes of an LPAR: vSCSI backing device and NPIV WWPNs', () => {
  const next = modified((s) => {
    s.lpars[0]!.vscsiMappings[0]!.backingDevice = 'hdisk5';
    s.lpars[0]!.npivMappings = [];
  });
  const changes = diffInventory(sampleSnapshot(), next);
  assert.deepEqual(kinds(changes), ['lpar-mapping-added', 'lpar-mapping-removed', 'lpar-mapping-removed']);
  assert.deepEqual(changes[0], {
    kind: 'lpar-mapping-added',
    lpar: 'db01',
    mapping: { type: 'vscsi', vios: 'vios1-cec1', vhost: 'vhost0', backingDevice: 'hdisk5' },
  });
  assert.deepEqual(
    changes.slice(1).map((c) => c.kind === 'lpar-mapping-removed' && c.mapping.type),
    ['vscsi', 'npiv'],
  );
});

test('host appeared, disappeared, changed capacity and state', () => {
  const next = modified((s) => {
    s.managedSystems[0]!.memoryMb.available = 1000;
    s.managedSystems[0]!.state = 'Error';
    s.managedSystems = s.managedSystems.filter((m) => m.name !== 'cec-2');
    s.managedSystems.push({
      ...structuredClone(sampleSnapshot().managedSystems[1]!),
      name: 'cec-0',
      serial: '10ABCD0',
    });
  });
  const changes = diffInventory(sampleSnapshot(), next);
  assert.deepEqual(
    changes.map((c) => [c.kind, 'host' in c ? c.host : '']),
    [
      ['host-appeared', 'cec-0'],
      ['host-state-changed', 'cec-1'],
      ['host-capacity-changed', 'cec-1'],
      ['host-disappeared', 'cec-2'],
    ],
  );
});

test('storage volume mappings added and removed', () => {
  const next = modified(
    (s) => (s.storageSystems[0]!.mappings = [{ storageHost: 'cec2-npiv', vdiskId: '12', scsiId: 0 }]),
  );
  assert.deepEqual(diffInventory(sampleSnapshot(), next), [
    {
      kind: 'storage-mapping-added',
      storageSystem: 'svc-dc1',
      mapping: { storageHost: 'cec2-npiv', vdiskId: '12', scsiId: 0 },
    },
    {
      kind: 'storage-mapping-removed',
      storageSystem: 'svc-dc1',
      mapping: { storageHost: 'cec1-npiv', vdiskId: '12', scsiId: 0 },
    },
  ]);
});

test('remote-copy group state or primary changed', () => {
  const next = modified((s) => {
    s.remoteCopyGroups[0]!.state = 'consistent_stopped';
    s.remoteCopyGroups[0]!.primary = 'aux';
  });
  assert.deepEqual(diffInventory(sampleSnapshot(), next), [
    {
      kind: 'remote-copy-state-changed',
      storageSystem: 'svc-dc1',
      group: 'rccg-db',
      from: { state: 'consistent_synchronized', primary: 'master' },
      to: { state: 'consistent_stopped', primary: 'aux' },
    },
  ]);
});

test('the diff is ordered by area, subject, kind, whatever the input order', () => {
  const change = (s: ReturnType<typeof sampleSnapshot>) => {
    s.lpars[0]!.state = 'Not Activated';
    s.lpars[1]!.host = 'cec-2';
    s.managedSystems[1]!.processorUnits.available = 39;
    s.storageSystems[0]!.mappings = [];
  };
  const forward = diffInventory(sampleSnapshot(), modified(change));
  const reversed = diffInventory(
    modified((s) => s.lpars.reverse()),
    modified((s) => {
      change(s);
      s.lpars.reverse();
      s.managedSystems.reverse();
    }),
  );
  assert.deepEqual(kinds(forward), [
    'host-capacity-changed',
    'lpar-moved',
    'lpar-state-changed',
    'storage-mapping-removed',
  ]);
  assert.deepEqual(reversed, forward);
});

test('a bad snapshot is refused with the path of each bad field', () => {
  const bad = modified((s) => {
    (s.lpars[1] as { memoryMb: unknown }).memoryMb = { desired: -1, min: 0, max: 1 };
    s.lpars[1]!.name = 'db01';
  });
  assert.throws(
    () => parseInventorySnapshot(bad, 'discovery_runs id 7'),
    (error: unknown) => {
      assert.ok(error instanceof InventoryValidationError);
      assert.match(error.message, /^discovery_runs id 7: invalid inventory snapshot: /);
      assert.match(error.message, /lpars\[1\]\.memoryMb\.desired/);
      return true;
    },
  );
  assert.throws(
    () =>
      parseInventorySnapshot(
        modified((s) => (s.lpars[1]!.name = 'db01')),
        'x',
      ),
    /lpars\[1\]\.name: duplicate name "db01"/,
  );
});

test('every change kind the diff produces passes the stored-diff schema, and a damaged change does not', () => {
  const next = modified((s) => {
    s.managedSystems[0]!.state = 'Error';
    s.managedSystems[1]!.memoryMb.available = 1;
    s.managedSystems.push({ ...structuredClone(s.managedSystems[1]!), name: 'cec-3' });
    s.lpars[0]!.host = 'cec-2';
    s.lpars[0]!.state = 'Starting';
    s.lpars[0]!.virtualProcessors = 2;
    s.lpars[0]!.volumes = [{ storageSystem: 'svc-dc1', vdiskId: '14', vdiskName: 'x', uid: 'U14' }];
    s.lpars[0]!.vscsiMappings = [{ vios: 'v', vhost: 'vhost9', backingDevice: 'hdisk9' }];
    s.lpars[1]!.name = 'app02';
    s.storageSystems[0]!.mappings = [{ storageHost: 'h', vdiskId: '14', scsiId: 1 }];
    s.remoteCopyGroups[0]!.state = 'idling';
  });
  const previous = modified((s) => s.managedSystems.push({ ...structuredClone(s.managedSystems[1]!), name: 'cec-9' }));
  const changes = diffInventory(previous, next);
  assert.equal(new Set(kinds(changes)).size, 16, `all kinds, got ${[...new Set(kinds(changes))].join(', ')}`);
  assert.deepEqual(inventoryDiffSchema.parse(JSON.parse(JSON.stringify(changes))), changes);
  assert.equal(inventoryDiffSchema.safeParse([{ kind: 'lpar-moved', lpar: 'db01', from: 'cec-1' }]).success, false);
});

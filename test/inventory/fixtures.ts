// A small two-host snapshot that tests change one field at a time.
import type { InventorySnapshot } from '../../domain/inventory/index.js';

export function sampleSnapshot(group = 'prod-a'): InventorySnapshot {
  return {
    group,
    takenAt: '2026-11-24T12:00:00.000Z',
    managedSystems: [
      {
        name: 'cec-1',
        serial: '10ABCDE',
        typeModel: '9080-HEX',
        state: 'Operating',
        hmc: 'hmc-dc1',
        processorUnits: { installed: 48, configurable: 48, available: 20 },
        memoryMb: { installed: 1048576, available: 524288 },
      },
      {
        name: 'cec-2',
        serial: '10ABCDF',
        typeModel: '9080-HEX',
        state: 'Operating',
        hmc: 'hmc-dc1',
        processorUnits: { installed: 48, configurable: 48, available: 40 },
        memoryMb: { installed: 1048576, available: 900000 },
      },
    ],
    lpars: [
      {
        id: 3,
        name: 'db01',
        host: 'cec-1',
        state: 'Running',
        profile: 'default',
        processorUnits: { desired: 4, min: 2, max: 8 },
        memoryMb: { desired: 65536, min: 32768, max: 131072 },
        virtualProcessors: 8,
        priority: 'critical',
        volumes: [
          { storageSystem: 'svc-dc1', vdiskId: '12', vdiskName: 'db01_data', uid: '600507680C8000000000000000000012' },
        ],
        vscsiMappings: [{ vios: 'vios1-cec1', vhost: 'vhost0', backingDevice: 'hdisk4' }],
        npivMappings: [{ vios: 'vios2-cec1', vfchost: 'vfchost0', wwpns: ['C050760000000002', 'C050760000000001'] }],
      },
      {
        id: 4,
        name: 'app01',
        host: 'cec-1',
        state: 'Running',
        profile: 'default',
        processorUnits: { desired: 1, min: 0.5, max: 2 },
        memoryMb: { desired: 16384, min: 8192, max: 32768 },
        virtualProcessors: 2,
        volumes: [],
        vscsiMappings: [],
        npivMappings: [],
      },
    ],
    vios: [{ id: 1, name: 'vios1-cec1', host: 'cec-1', state: 'Running' }],
    storageSystems: [
      {
        name: 'svc-dc1',
        volumes: [{ id: '12', name: 'db01_data', uid: '600507680C8000000000000000000012', capacityMb: 102400 }],
        hosts: [{ id: '0', name: 'cec1-npiv', wwpns: ['C050760000000001'] }],
        mappings: [{ storageHost: 'cec1-npiv', vdiskId: '12', scsiId: 0 }],
      },
    ],
    remoteCopyGroups: [
      {
        name: 'rccg-db',
        storageSystem: 'svc-dc1',
        state: 'consistent_synchronized',
        primary: 'master',
        relationships: ['rc-db01'],
      },
    ],
  };
}

export function modified(change: (snapshot: InventorySnapshot) => void, group?: string): InventorySnapshot {
  const snapshot = sampleSnapshot(group);
  change(snapshot);
  return snapshot;
}

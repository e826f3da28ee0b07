import { type FleetSpec } from '../../simulators/index.js';

/**
 * A two-server lab small enough to reason about capacity by hand:
 * lab-s01: 4.0 units, 64 GB; VIOS 0.5/4 GB; `big` (2.0, 16 GB, running), `small` (0.5, 8 GB, never activated).
 * lab-s02: 2.0 units, 32 GB; VIOS 0.5/4 GB; so 1.5 units and 24 GB free (firmware takes 4 GB). It also holds
 * `lab erp` (never activated, so it uses nothing): dedicated processors (1 core) and names with spaces, as real HMCs
 * allow (LPAR `lab erp`, profile `lab erp normal`); NPIV, so lab-s02's VIOS has no vSCSI adapter.
 */
export function labFleet(): FleetSpec {
  return {
    sites: [
      {
        name: 'lab',
        hmcs: [
          { name: 'hmc-lab', password: 'hmc-secret', systems: ['lab-s01', 'lab-s02'], maxConcurrentOperations: 4 },
        ],
        storage: [{ name: 'svc-lab', password: 'svc-secret', maxSessions: 32, maxNewConnectionsPerSecond: 15 }],
        systems: [
          {
            name: 'lab-s01',
            procUnits: 4,
            memoryMb: 65536,
            storage: 'svc-lab',
            vios: [{ name: 'lab-s01-vios1', procUnits: 0.5, memoryMb: 4096 }],
            lpars: [
              {
                name: 'big',
                procUnits: { desired: 2 },
                memoryMb: { desired: 16384 },
                priority: 'high',
                volumes: ['big_rootvg', 'big_data'],
              },
              {
                name: 'small',
                procUnits: { desired: 0.5 },
                memoryMb: { desired: 8192 },
                volumes: ['small_rootvg'],
                state: 'Not Activated',
              },
            ],
          },
          {
            name: 'lab-s02',
            procUnits: 2,
            memoryMb: 32768,
            storage: 'svc-lab',
            vios: [{ name: 'lab-s02-vios1', procUnits: 0.5, memoryMb: 4096 }],
            lpars: [
              {
                name: 'lab erp',
                profile: 'lab erp normal',
                procMode: 'ded',
                procUnits: { desired: 1 },
                memoryMb: { desired: 4096 },
                adapter: 'npiv',
                state: 'Not Activated',
              },
            ],
          },
        ],
      },
    ],
  };
}

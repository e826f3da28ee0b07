// The planner's time model for NPIV-attached LPARs: their restart maps no volume and configures no VIOS, so streams
// are balanced by restart and boot alone. Before this, an NPIV LPAR was charged its volumes' mappings and the bench's
// NPIV PoD got streams of 4 to 6 equal-cost LPARs (restart phase 109 s against an even split's 83 s).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { plannerLpars } from '../../activities/discovery/capacity-check.js';
import type { InventorySnapshot } from '../../domain/inventory/index.js';
import {
  lparDuration,
  planPlacement,
  preparationMs,
  type LatencyModel,
  type PlannerHost,
  type PlannerLpar,
} from '../../domain/planner/index.js';

/** The bench's latency model (bench/failover/fleet.ts STEP_COST), ms. */
const latency: LatencyModel = {
  viosConfigMs: 4_400,
  volumeMappingMs: 60_080,
  parallelMappings: 4,
  activateMs: 6_200,
  bootMs: 10_400,
};

const lpar = (name: string, volumes: number, npiv: boolean): PlannerLpar => ({
  name,
  sourceHost: 'failed',
  procUnits: { min: 0.1, desired: 0.5 },
  memoryMb: { min: 1_024, desired: 2_048 },
  volumes,
  priority: 2,
  ...(npiv && { npiv: true }),
});

describe('planner: NPIV-attached LPARs have no preparation', () => {
  it('charges an NPIV LPAR restart and boot only, a vSCSI one its mappings and VIOS too', () => {
    assert.equal(preparationMs(lpar('a', 24, true), latency), 0);
    assert.equal(lparDuration(lpar('a', 24, true), latency), 16_600);
    assert.equal(preparationMs(lpar('b', 24, false), latency), 4_400 + 6 * 60_080);
  });

  it('splits equal-cost NPIV LPARs evenly over the streams whatever their volume counts', () => {
    // 20 LPARs with 1 to 24 volumes each over 4 hosts: by restart and boot alone, 5 per stream is the only best plan.
    const lpars = Array.from({ length: 20 }, (_, i) => lpar(`npiv${i}`, 1 + ((i * 7) % 24), true));
    const hosts: PlannerHost[] = ['h1', 'h2', 'h3', 'h4'].map((name) => ({
      name,
      freeProcUnits: 100,
      freeMemoryMb: 1_000_000,
    }));
    const plan = planPlacement(lpars, hosts, latency);
    assert.equal(plan.unplaced.length, 0);
    assert.deepEqual(
      plan.streams.map((s) => s.order.length),
      [5, 5, 5, 5],
    );
    assert.equal(plan.estimatedRtoMs, 5 * 16_600);
  });

  it('learns the attachment from the inventory', () => {
    const snapshot = {
      group: 'g',
      lpars: [
        { name: 'n', host: 'h', attachment: 'npiv' },
        { name: 'v', host: 'h' },
      ].map((l) => ({
        ...l,
        state: 'Running',
        processorUnits: { min: 0.1, desired: 0.5, max: 1 },
        memoryMb: { min: 1_024, desired: 2_048, max: 4_096 },
        volumes: [{ vdiskName: `${l.name}_rootvg` }],
      })),
    } as unknown as Pick<InventorySnapshot, 'group' | 'lpars'>;
    const [npiv, vscsi] = plannerLpars(snapshot, { policies: [] }, 'h');
    assert.equal(npiv?.npiv, true);
    assert.equal(vscsi?.npiv, undefined);
  });
});

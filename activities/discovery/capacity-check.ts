// "What if host X fails?" for every host of a group, from the latest good inventory: the planner places X's LPARs on
// the others' free capacity; anything it cannot place is a shortfall, stored and raised as a notification.
import type { LazarusConfig } from '../../domain/config/index.js';
import { policyFor } from '../../domain/config/index.js';
import type { InventorySnapshot } from '../../domain/inventory/index.js';
import { DEFAULT_LATENCY, planPlacement, type PlannerLpar } from '../../domain/planner/index.js';
import type { CapacityCheckInput } from '../inventory/index.js';

const RANK = { critical: 0, high: 1, medium: 2, low: 3 } as const;

export function plannerLpars(snapshot: InventorySnapshot, config: Pick<LazarusConfig, 'policies'>, host: string): PlannerLpar[] {
  return snapshot.lpars
    .filter((l) => l.host === host)
    .map((l) => {
      const policy = policyFor(config, { name: l.name, group: snapshot.group, priority: l.priority });
      return {
        name: l.name,
        sourceHost: l.host,
        procUnits: { desired: l.processorUnits.desired, min: l.processorUnits.min },
        memoryMb: { desired: l.memoryMb.desired, min: l.memoryMb.min },
        volumes: l.volumes.length,
        priority: RANK[policy.priority],
        collocationGroup: policy.collocationGroup,
        antiCollocationGroup: policy.antiCollocationGroup,
        startAfter: policy.startAfter,
        exclude: policy.exclude,
        allowReducedSize: policy.allowReducedSize,
      };
    });
}

export function checkCapacity(snapshot: InventorySnapshot, config: Pick<LazarusConfig, 'policies'>, checkedAt: Date): CapacityCheckInput {
  const hosts = snapshot.managedSystems.map((failed) => {
    const lpars = plannerLpars(snapshot, config, failed.name).filter((l) => !l.exclude);
    const survivors = snapshot.managedSystems
      .filter((m) => m.name !== failed.name && m.state === 'Operating')
      .map((m) => ({ name: m.name, freeProcUnits: m.processorUnits.available, freeMemoryMb: m.memoryMb.available }));
    const plan = planPlacement(lpars, survivors, DEFAULT_LATENCY);
    const missing = plan.unplaced.map((u) => lpars.find((l) => l.name === u.lpar)!);
    const shortfalls = missing.length === 0 ? [] : [
      { resource: 'processorUnits' as const, needed: sum(missing.map((l) => l.procUnits.desired)), available: sum(survivors.map((s) => s.freeProcUnits)), lpars: missing.map((l) => l.name) },
      { resource: 'memoryMb' as const, needed: sum(missing.map((l) => l.memoryMb.desired)), available: sum(survivors.map((s) => s.freeMemoryMb)), lpars: missing.map((l) => l.name) },
    ];
    return { failedHost: failed.name, fits: missing.length === 0, shortfalls };
  });
  return { group: snapshot.group, checkedAt: checkedAt.toISOString(), hosts };
}

const sum = (values: number[]) => Math.round(values.reduce((a, b) => a + b, 0) * 100) / 100;

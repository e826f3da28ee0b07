// Reduced-size restarts (VMRM HA's "flexible capacity"): how small a VM may restart when capacity is short. A policy
// gives either a percentage of the profile's desired size or absolute figures; the result is never below the
// profile's minimum (the hypervisor refuses to start a partition under it) and never above its desired size.
import { z } from 'zod';

/**
 * `reducedSize` of a VM policy (lazarus.yaml): `{ percent: 50 }` (of the desired processing units and memory), or
 * `{ procUnits: 0.5, memoryMb: 8192 }` (either or both; a figure left out stays at the profile minimum). Setting it
 * allows a reduced-size restart (as `allowReducedSize: true` does, which alone means "down to the profile minimum").
 */
export const reducedSizeSchema = z
  .strictObject({
    /** Percent of the desired size, 1..99, applied to processing units and memory alike. */
    percent: z
      .number({ error: 'percent must be a number' })
      .int('percent must be a whole number')
      .min(1, 'percent must be at least 1')
      .max(99, 'percent must be below 100 (100 is the full size: leave reducedSize out)')
      .optional(),
    /** Processing units (shared) or dedicated cores to restart with; 2 decimals at most, as the HMC takes them. */
    procUnits: z
      .number({ error: 'procUnits must be a number' })
      .positive('procUnits must be greater than 0')
      .max(4096, 'procUnits must be at most 4096')
      .refine((v) => Math.abs(Math.round(v * 100) - v * 100) < 1e-6, 'procUnits takes at most 2 decimals')
      .optional(),
    /** Memory (MB) to restart with. */
    memoryMb: z
      .number({ error: 'memoryMb must be a number' })
      .int('memoryMb must be a whole number of MB')
      .positive('memoryMb must be greater than 0')
      .optional(),
  })
  .refine((r) => (r.percent === undefined) !== (r.procUnits === undefined && r.memoryMb === undefined), {
    message: 'give either percent, or procUnits and/or memoryMb',
  });

export type ReducedSizePolicy = z.output<typeof reducedSizeSchema>;

/** A partition's size: processing units (a dedicated core counts 1.0) and memory in MB. */
export interface PartitionSize {
  procUnits: number;
  memoryMb: number;
}

/**
 * Memory is assigned in logical memory blocks (the system's `mem_region_size`: 16 to 256 MB on POWER8 and later;
 * IBM "Memory region size"). A percentage is rounded up to 256 MB so it is a whole number of blocks at any region
 * size; explicit figures are taken as given (the HMC refuses one that is not a multiple of the region size).
 */
const MEMORY_BLOCK_MB = 256;

/**
 * The size a VM restarts with when reduced: `policy` applied to its profile's `desired` size, kept within
 * [`min`, `desired`] per resource. Without a policy (plain `allowReducedSize: true`): the profile minimum. Pure.
 */
export function reducedSizeOf(
  policy: ReducedSizePolicy | undefined,
  profile: { min: PartitionSize; desired: PartitionSize },
): PartitionSize {
  const { min, desired } = profile;
  const within = (value: number, low: number, high: number) => Math.min(Math.max(value, low), Math.max(high, low));
  if (!policy) return { procUnits: min.procUnits, memoryMb: min.memoryMb };
  if (policy.percent !== undefined) {
    // Hundredths of a unit (the HMC's precision), rounded up; the inner round drops binary noise (0.1 * 30).
    const procUnits = Math.ceil(Math.round(desired.procUnits * policy.percent * 1e6) / 1e6) / 100;
    const memoryMb = Math.ceil((desired.memoryMb * policy.percent) / 100 / MEMORY_BLOCK_MB) * MEMORY_BLOCK_MB;
    return {
      procUnits: within(procUnits, min.procUnits, desired.procUnits),
      memoryMb: within(memoryMb, min.memoryMb, desired.memoryMb),
    };
  }
  return {
    procUnits: within(policy.procUnits ?? min.procUnits, min.procUnits, desired.procUnits),
    memoryMb: within(policy.memoryMb ?? min.memoryMb, min.memoryMb, desired.memoryMb),
  };
}

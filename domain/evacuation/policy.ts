// A host group's evacuation policy, worked out once from the configuration (hostGroups[].evacuation, with IBM's
// documented LPM concurrency limits as defaults): the workflow receives it whole.
import type { LazarusConfig } from '../config/index.js';
import { DEFAULT_MIGRATION_LIMITS, type EvacuationPolicy } from './contracts.js';

/** Two hours: a large LPAR's memory copy over a busy link can take that long (an operator may set less). */
const DEFAULT_MIGRATION_DEADLINE_MS = 2 * 3_600_000;

/** The policy of `groupName`, or undefined when the configuration has no such host group. */
export function evacuationPolicy(config: LazarusConfig, groupName: string): EvacuationPolicy | undefined {
  const group = config.hostGroups.find((g) => g.name === groupName);
  if (!group) return undefined;
  const limits = group.evacuation;
  // A migration holds one of the HMC's device-queue slots for its whole memory copy: an evacuation takes at most half
  // of them, so a failover's power-off and restarts on the same HMC never wait behind planned work.
  const hmcSlots = config.hmcs.find((h) => h.name === group.hmc)?.limits.maxConcurrentOperations;
  const perHmc = limits?.maxMigrationsPerHmc ?? DEFAULT_MIGRATION_LIMITS.perHmc;
  return {
    hmc: group.hmc,
    storage: group.storage,
    limits: {
      perSystem: limits?.maxMigrationsPerSystem ?? DEFAULT_MIGRATION_LIMITS.perSystem,
      perHmc: hmcSlots === undefined ? perHmc : Math.max(1, Math.min(perHmc, Math.floor(hmcSlots / 2))),
    },
    pollMs: group.recovery.pollInterval,
    migrationDeadlineMs: limits?.migrationTimeout ?? DEFAULT_MIGRATION_DEADLINE_MS,
    waitDeadlineMs: group.recovery.stepTimeouts?.boot ?? 15 * 60_000,
    heartbeatMs: 30_000,
  };
}

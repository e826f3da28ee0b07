// A host group's failover policy, worked out once from the configuration: which devices, the approval rule, the RTO
// budget, how much runs at once and how long each step may take. The workflow receives it whole and hands the
// sub-objects to its children unchanged.
import type { LazarusConfig } from '../config/index.js';

export interface FailoverPolicy {
  devices: { hmc: string; storage: string };
  approval: { timeoutMs: number; onTimeout: 'proceed' | 'abort' };
  /** Milliseconds from the start to the last LPAR running; a notification fires the moment it is exceeded. */
  rtoBudgetMs: number;
  concurrency: FailoverConcurrency;
  timing: FailoverTiming;
}

export interface FailoverConcurrency {
  /** Volume mappings in flight per stream when not mapping all at once (CMS paper §5.3: 4). */
  mappingsPerStream: number;
  /** The storage system's concurrent-operation budget (its device queue's limit). */
  storageOperations: number;
  /** A stream asks for all of an LPAR's mappings at once; the storage device queue shares the budget. */
  mapAllAtOnce: boolean;
  /** Destination streams at once (default: all). */
  maxParallelStreams?: number;
}

/** Every figure in milliseconds. */
export interface FailoverTiming {
  /** How often waits on a device (power off, boot) poll it. */
  pollMs: number;
  /** Transient errors while fencing are retried until this long after the fence began; then it blocks and alerts. */
  fenceDeadlineMs: number;
  /** Per-LPAR step deadlines, retries included: a hung step holds the LPARs behind it no longer than this. */
  steps: { mappingMs: number; remoteRestartMs: number; bootMs: number };
  /** How long a device activity may go without a heartbeat before another worker retries it. */
  heartbeatMs: number;
}

export const DEFAULT_TIMING: Omit<FailoverTiming, 'pollMs'> = {
  fenceDeadlineMs: 3 * 60_000,
  steps: { mappingMs: 5 * 60_000, remoteRestartMs: 5 * 60_000, bootMs: 15 * 60_000 },
  heartbeatMs: 30_000,
};

/** The policy of `groupName`, or undefined when the configuration has no such host group. */
export function failoverPolicy(config: LazarusConfig, groupName: string): FailoverPolicy | undefined {
  const group = config.hostGroups.find((g) => g.name === groupName);
  if (!group) return undefined;
  const recovery = group.recovery;
  return {
    devices: { hmc: group.hmc, storage: group.storage },
    approval: { timeoutMs: recovery.approvalTimeout, onTimeout: recovery.onApprovalTimeout },
    rtoBudgetMs: recovery.rtoBudget,
    concurrency: {
      mappingsPerStream: recovery.parallelMappingsPerStream,
      storageOperations: config.storage.find((s) => s.name === group.storage)?.limits.maxConcurrentOperations ?? 16,
      mapAllAtOnce: recovery.mapAllAtOnce,
    },
    timing: {
      pollMs: recovery.pollInterval,
      fenceDeadlineMs: recovery.fenceDeadline ?? DEFAULT_TIMING.fenceDeadlineMs,
      steps: {
        mappingMs: stepDeadline(recovery.stepTimeouts?.mapping, DEFAULT_TIMING.steps.mappingMs, recovery.rtoBudget),
        remoteRestartMs: stepDeadline(
          recovery.stepTimeouts?.remoteRestart,
          DEFAULT_TIMING.steps.remoteRestartMs,
          recovery.rtoBudget,
        ),
        bootMs: stepDeadline(recovery.stepTimeouts?.boot, DEFAULT_TIMING.steps.bootMs, recovery.rtoBudget),
      },
      heartbeatMs: DEFAULT_TIMING.heartbeatMs,
    },
  };
}

/** A configured deadline is already checked shorter than the budget; a default is capped at it. */
function stepDeadline(configured: number | undefined, fallback: number, rtoBudgetMs: number): number {
  return configured ?? Math.min(fallback, rtoBudgetMs);
}

// The planned operations' activity proxies, one per queue and timeout class: HMC changes on the HMC's device queue,
// storage changes on the storage system's, reads and records on the main queue.
import { proxyActivities } from '@temporalio/workflow';
import type {
  EvacuationControlActivities,
  EvacuationHmcActivities,
  EvacuationStorageActivities,
} from '../../activities/evacuation/activities.js';
import type { ControlActivities, StorageActivities } from '../../activities/failover/index.js';
import type { EvacuationPolicy } from '../../domain/evacuation/index.js';
import { controlOptions, deviceQueue, stepOptions } from '../shared/activity-options.js';

/** Mapping a volume to a destination: a few minutes, retries included. */
const MAPPING_DEADLINE_MS = 5 * 60_000;
/** `migrlpar -o v` and `rrstartlpar -o cleanup`: minutes on a busy HMC. */
const CHECK_DEADLINE_MS = 10 * 60_000;

export function evacuationActivities(policy: EvacuationPolicy) {
  const control = proxyActivities<EvacuationControlActivities>(controlOptions(policy.heartbeatMs));
  const waits = proxyActivities<EvacuationControlActivities>(
    stepOptions(policy.waitDeadlineMs + 60_000, policy.heartbeatMs),
  );
  const reads = proxyActivities<ControlActivities>(controlOptions(policy.heartbeatMs));
  const hmcQueue = deviceQueue(policy.hmc);
  const migrations = proxyActivities<EvacuationHmcActivities>(
    stepOptions(policy.migrationDeadlineMs, policy.heartbeatMs, hmcQueue),
  );
  const hmc = proxyActivities<EvacuationHmcActivities>(stepOptions(CHECK_DEADLINE_MS, policy.heartbeatMs, hmcQueue));
  const storageOptions = stepOptions(MAPPING_DEADLINE_MS, policy.heartbeatMs, deviceQueue(policy.storage));
  const storage = proxyActivities<StorageActivities>(storageOptions);
  const sharing = proxyActivities<EvacuationStorageActivities>(storageOptions);
  return { control, waits, reads, migrations, hmc, storage, sharing };
}

/** Reads and records on the main queue before a run knows its policy (e.g. whether a failback is due). */
export function controlActivities(heartbeatMs = 30_000) {
  return proxyActivities<EvacuationControlActivities>(controlOptions(heartbeatMs));
}

export type EvacuationProxies = ReturnType<typeof evacuationActivities>;

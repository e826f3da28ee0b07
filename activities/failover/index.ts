// The failover's activities in three groups, each registered only on its own worker: HMC changes on the HMC's device
// queue, storage changes on the storage system's, reads, planning, records and notifications on the main queue.
import { failoverContext, type FailoverDependencies } from './context.js';
import { createControlActivities } from './control-activities.js';
import { createHmcActivities } from './hmc-activities.js';
import { createResizeActivities } from './resize-activities.js';
import { createStorageActivities } from './storage-activities.js';

export type { FailoverDependencies } from './context.js';
export type { ControlActivities } from './control-activities.js';
export type { HmcActivities } from './hmc-activities.js';
export type { FullSizeReturn, ResizeActivities, RestartResize } from './resize-activities.js';
export type { StorageActivities } from './storage-activities.js';

export function createFailoverActivities(deps: FailoverDependencies) {
  const ctx = failoverContext(deps);
  return {
    control: createControlActivities(ctx),
    hmc: createHmcActivities(ctx),
    /** Reduced-size restarts (profile before, full size after): on the HMC's device queue too. */
    resize: createResizeActivities(ctx),
    storage: createStorageActivities(ctx),
  };
}

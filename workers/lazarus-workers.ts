// The Lazarus worker process: the workflows and control activities on the `lazarus` task queue, and one worker
// per device (`device/<name>`) whose concurrency limit is the device's management-interface limit, so that the
// limit holds across every concurrent recovery. Each worker registers only its own queue's activities, so a call
// routed to the wrong queue fails at once instead of escaping the device's limit. Graceful shutdown drains in-flight
// work.
import { NativeConnection, Worker } from '@temporalio/worker';
import { createDiscoveryActivities } from '../activities/discovery/activities.js';
import { createFailoverActivities } from '../activities/failover/index.js';
import { createMonitorActivities } from '../activities/monitoring/index.js';
import { createObservationActivities } from '../activities/monitoring/observe-host-group.js';
import { createDrActivities } from '../activities/dr/activities.js';
import { createDrMoveActivities } from '../activities/dr/move-activities.js';
import { createEvacuationActivities } from '../activities/evacuation/activities.js';
import { createVmHealthActivities } from '../activities/vm-health/activities.js';
import type { DeviceRegistry } from '../activities/devices.js';
import type { InventoryStore } from '../activities/inventory/index.js';
import type { LazarusConfig } from '../domain/config/index.js';
import { failoverPolicy, type FailoverPolicy } from '../domain/failover/index.js';
import { startNotificationDispatcher } from './notification-dispatcher.js';

export const MAIN_TASK_QUEUE = 'lazarus';
// Compiled by `npm run build`, this module is .js and so are the workflows beside it: bundle the same kind.
const WORKFLOWS_EXTENSION = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
const WORKFLOWS = new URL(`../workflows/index.${WORKFLOWS_EXTENSION}`, import.meta.url).pathname;

export interface RunningWorkers {
  stop(): Promise<void>;
}

export async function startLazarusWorkers(options: {
  address: string;
  namespace: string;
  config: LazarusConfig;
  devices: DeviceRegistry;
  store: InventoryStore;
  log?: (line: string) => void;
}): Promise<RunningWorkers> {
  const connection = await NativeConnection.connect({ address: options.address });
  const deps = { config: options.config, devices: options.devices, store: options.store, log: options.log };
  const failover = createFailoverActivities(deps);
  const drMove = createDrMoveActivities(deps);
  const vmHealth = createVmHealthActivities(deps);
  const evacuation = createEvacuationActivities(deps);
  const monitoring = { ...createMonitorActivities(deps), ...createObservationActivities(deps) };
  const base = { connection, namespace: options.namespace, shutdownGraceTime: '10s' };
  const device = (name: string, limit: number, activities: object) =>
    Worker.create({ ...base, taskQueue: `device/${name}`, activities, maxConcurrentActivityTaskExecutions: limit });
  const workers = [
    await Worker.create({
      ...base,
      taskQueue: MAIN_TASK_QUEUE,
      workflowsPath: WORKFLOWS,
      activities: {
        ...createDiscoveryActivities(deps),
        ...createDrActivities(deps),
        ...drMove.control,
        ...failover.control,
        ...vmHealth.control,
        ...monitoring,
        ...evacuation.control,
      },
    }),
    ...(await Promise.all(
      options.config.hmcs.map((hmc) =>
        device(hmc.name, hmc.limits.maxConcurrentOperations, {
          ...failover.hmc,
          ...failover.resize,
          ...vmHealth.hmc,
          ...drMove.hmc,
          ...evacuation.hmc,
        }),
      ),
    )),
    ...(await Promise.all(
      options.config.storage.map((s) =>
        device(s.name, s.limits.maxConcurrentOperations, {
          ...failover.storage,
          ...vmHealth.storage,
          ...drMove.storage,
          ...evacuation.storage,
        }),
      ),
    )),
  ];
  const running = workers.map((w) => w.run());
  // Notifications go out from the worker process; the dispatcher keeps its state in the store.
  const notifications = startNotificationDispatcher({
    store: options.store,
    channels: options.config.notifications,
    log: options.log,
  });
  return {
    async stop() {
      await notifications.stop();
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await Promise.allSettled(running);
      await connection.close();
    },
  };
}

/** The hostFailover policy a group's configuration implies (device names and recovery policy only). */
export function failoverSettings(config: LazarusConfig, groupName: string): FailoverPolicy | undefined {
  return failoverPolicy(config, groupName);
}

// The Lazarus worker process: the workflows and control activities on the `lazarus` task queue, and one worker
// per device (`device/<name>`) whose concurrency limit is the device's management-interface limit, so that the
// limit holds across every concurrent recovery. Graceful shutdown drains in-flight work.
import { NativeConnection, Worker } from '@temporalio/worker';
import { createDiscoveryActivities } from '../activities/discovery/activities.js';
import { createFailoverActivities } from '../activities/failover/activities.js';
import type { DeviceRegistry } from '../activities/devices.js';
import type { InventoryStore } from '../activities/inventory/index.js';
import type { LazarusConfig } from '../domain/config/index.js';

export const MAIN_TASK_QUEUE = 'lazarus';
const WORKFLOWS = new URL('../workflows/index.ts', import.meta.url).pathname;

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
  const activities = { ...createDiscoveryActivities(deps), ...createFailoverActivities(deps) };
  const base = { connection, namespace: options.namespace, activities, shutdownGraceTime: '10s' };
  const workers = [
    await Worker.create({ ...base, taskQueue: MAIN_TASK_QUEUE, workflowsPath: WORKFLOWS }),
    ...(await Promise.all(options.config.hmcs.map((hmc) => Worker.create({ ...base, taskQueue: `device/${hmc.name}`, maxConcurrentActivityTaskExecutions: hmc.limits.maxConcurrentOperations })))),
    ...(await Promise.all(options.config.storage.map((s) => Worker.create({ ...base, taskQueue: `device/${s.name}`, maxConcurrentActivityTaskExecutions: s.limits.maxConcurrentOperations })))),
  ];
  const running = workers.map((w) => w.run());
  return {
    async stop() {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await Promise.allSettled(running);
      await connection.close();
    },
  };
}

/** The hostFailover settings a group's configuration implies (device names and recovery policy only). */
export function failoverSettings(config: LazarusConfig, groupName: string) {
  const group = config.hostGroups.find((g) => g.name === groupName);
  if (!group) return undefined;
  return {
    hmc: group.hmc,
    storage: group.storage,
    approvalTimeoutMs: group.recovery.approvalTimeout,
    onApprovalTimeout: group.recovery.onApprovalTimeout,
    rtoBudgetMs: group.recovery.rtoBudget,
    parallelMappingsPerStream: group.recovery.parallelMappingsPerStream,
    storageMaxConcurrentOperations: config.storage.find((s) => s.name === group.storage)?.limits.maxConcurrentOperations,
    mapAllAtOnce: group.recovery.mapAllAtOnce,
    pollMs: group.recovery.pollInterval,
  };
}

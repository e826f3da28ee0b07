// What every failover activity group shares: the configuration, the device clients, the inventory store, and the
// lookups from a host group's name to its devices.
import { ApplicationFailure } from '@temporalio/common';
import type { HostGroupConfig, LazarusConfig } from '../../domain/config/index.js';
import type { DeviceRegistry } from '../devices.js';
import type { HmcClient } from '../hmc/hmc-client.js';
import type { InventoryStore } from '../inventory/index.js';
import type { SvcClient } from '../storage/svc-client.js';

export interface FailoverDependencies {
  config: LazarusConfig;
  devices: DeviceRegistry;
  store: InventoryStore;
  log?: (line: string) => void;
}

export interface FailoverContext {
  deps: FailoverDependencies;
  log: (line: string) => void;
  group(name: string): HostGroupConfig;
  /**
   * The group's HMC: its preferred HMC, or the other of the pair for any command the preferred one cannot take
   * (unreachable, timed out, login refused); `answeredBy` on the returned client names the HMC that answered last.
   */
  hmc(group: string): HmcClient;
  storage(group: string): SvcClient;
}

export function failoverContext(deps: FailoverDependencies): FailoverContext {
  const group = (name: string) => {
    const found = deps.config.hostGroups.find((g) => g.name === name);
    if (!found)
      throw ApplicationFailure.nonRetryable(`host group ${name} is not in the configuration`, 'UnknownHostGroup');
    return found;
  };
  const log = deps.log ?? ((line: string) => console.log(line));
  // One failover-line receiver per group, made once: the registry keeps every receiver it is given.
  const pairLogs = new Map<string, (line: string) => void>();
  const pairLog = (name: string) => {
    let receiver = pairLogs.get(name);
    if (!receiver) pairLogs.set(name, (receiver = (line: string) => log(`[hmc ${name}] ${line}`)));
    return receiver;
  };
  return {
    deps,
    log,
    group,
    // The activities still run on the preferred HMC's device queue (`device/<hmc>`, policy.devices.hmc) when the
    // other HMC answers: both HMCs drive the same servers, so one queue per group keeps the group's concurrent HMC
    // work under one budget, and the queue is a worker-side limit, not a route to the device (any worker can reach
    // either HMC). Moving work to another queue mid-failover would need the workflow to know which HMC is down.
    hmc: (name) => deps.devices.hmcPair(group(name).hmcs, pairLog(name)),
    storage: (name) => deps.devices.storageSystem(group(name).storage),
  };
}

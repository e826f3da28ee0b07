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
  return {
    deps,
    log: deps.log ?? ((line: string) => console.log(line)),
    group,
    hmc: (name) => deps.devices.hmc(group(name).hmc),
    storage: (name) => deps.devices.storageSystem(group(name).storage),
  };
}

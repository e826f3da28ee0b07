// The devices of a configuration, as driver clients with one connection pool each, shared by every activity of
// the worker process (so the per-device limits hold across concurrent workflows).
import type { LazarusConfig } from '../domain/config/index.js';
import { HmcClient } from './hmc/hmc-client.js';
import { HmcPairClient } from './hmc/hmc-pair.js';
import { DevicePool } from './ssh/device-pool.js';
import { KnownHosts } from './ssh/known-hosts.js';
import { SvcClient } from './storage/svc-client.js';

export class DeviceRegistry {
  private readonly hmcs = new Map<string, HmcClient>();
  private readonly storage = new Map<string, SvcClient>();
  private readonly pairs = new Map<string, HmcPairClient>();

  /**
   * One client per configured HMC and storage system. Reads `knownHostsFile` now: a file that cannot be read throws
   * KnownHostsFileError naming the file and `knownHostsFile` (reached without `npm start`'s checks: a worker started
   * alone, a test). Credentials are resolved at each connect; one that cannot be names its `hmcs[i].credential`.
   */
  constructor(config: Pick<LazarusConfig, 'hmcs' | 'storage' | 'knownHostsFile'>) {
    const shared = config.knownHostsFile ? KnownHosts.load(config.knownHostsFile) : undefined;
    const knownHostsFor = (device: { name: string; address: string; hostKey?: string }) => {
      if (device.hostKey) {
        const { host, port } = splitAddress(device.address);
        return KnownHosts.parse(
          `${port === 22 ? host : `[${host}]:${port}`} ${device.hostKey}\n`,
          `hostKey of ${device.name}`,
        );
      }
      return shared!;
    };
    for (const [index, hmc] of config.hmcs.entries()) {
      const { host, port } = splitAddress(hmc.address);
      const pool = new DevicePool(
        {
          name: hmc.name,
          host,
          port,
          user: hmc.user,
          credential: hmc.credential,
          credentialPath: `hmcs[${index}].credential`,
          knownHosts: knownHostsFor(hmc),
        },
        { maxConnections: hmc.limits.maxConnections },
      );
      this.hmcs.set(hmc.name, new HmcClient(pool));
    }
    for (const [index, system] of config.storage.entries()) {
      const { host, port } = splitAddress(system.address);
      const pool = new DevicePool(
        {
          name: system.name,
          host,
          port,
          user: system.user,
          credential: system.credential,
          credentialPath: `storage[${index}].credential`,
          knownHosts: knownHostsFor(system),
        },
        {
          maxConnections: system.limits.maxSessions,
          maxNewConnectionsPerSecond: system.limits.maxNewConnectionsPerSecond,
        },
      );
      this.storage.set(system.name, new SvcClient(pool));
    }
  }

  hmc(name: string): HmcClient {
    const client = this.hmcs.get(name);
    if (!client) throw new Error(`no HMC named ${name} in the configuration`);
    return client;
  }

  /**
   * A host group's HMCs (`hostGroups[].hmcs`, preferred first) as one client that asks the other HMC when one is out
   * of reach (hmc/hmc-pair.ts). One instance per pair and process, so what it learnt about a down HMC serves every
   * activity. `log` receives a line each time a command goes to the other HMC (each distinct function once: pass a
   * long-lived one, not a new closure per call).
   */
  hmcPair(names: readonly string[], log?: (line: string) => void): HmcPairClient {
    const key = names.join(',');
    let pair = this.pairs.get(key);
    if (!pair) this.pairs.set(key, (pair = new HmcPairClient(names.map((name) => this.hmc(name)))));
    if (log) pair.listen(log);
    return pair;
  }

  storageSystem(name: string): SvcClient {
    const client = this.storage.get(name);
    if (!client) throw new Error(`no storage system named ${name} in the configuration`);
    return client;
  }

  async close(): Promise<void> {
    await Promise.all([...this.hmcs.values()].map((c) => c.pool.close()));
    await Promise.all([...this.storage.values()].map((c) => c.pool.close()));
  }
}

export function splitAddress(address: string): { host: string; port: number } {
  const match = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(address);
  return { host: match?.[1] ?? address, port: match?.[2] ? Number(match[2]) : 22 };
}

// Driver tests run the drivers unchanged against the simulated fleet: real SSH, real host keys, real output.
import { startSimulatedFleet, type DeviceEndpoint, type SimulatedFleet } from '../../simulators/index.js';
import { DevicePool, type PoolLimits } from '../../activities/ssh/device-pool.js';
import { KnownHosts } from '../../activities/ssh/known-hosts.js';
import { HmcClient } from '../../activities/hmc/hmc-client.js';
import { SvcClient } from '../../activities/storage/svc-client.js';

export const SMALL_FLEET = new URL('../../examples/fleet-small.yaml', import.meta.url).pathname;
export const DR_FLEET = new URL('../../examples/fleet-dr.yaml', import.meta.url).pathname;

export interface DriverFleet {
  fleet: SimulatedFleet;
  pools: DevicePool[];
  pool(name: string, limits?: Partial<PoolLimits>, knownHosts?: KnownHosts): DevicePool;
  hmc(name?: string, limits?: Partial<PoolLimits>): HmcClient;
  svc(name?: string, limits?: Partial<PoolLimits>): SvcClient;
  control<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  stop(): Promise<void>;
}

export function endpoint(fleet: SimulatedFleet, name: string): DeviceEndpoint {
  const found = fleet.endpoints.devices.find((d) => d.name === name);
  if (!found) throw new Error(`no simulated device ${name}`);
  return found;
}

/** The credential reference a config would hold for a simulated device: its password in an environment variable. */
export function credentialFor(device: DeviceEndpoint): string {
  const variable = `LAZARUS_TEST_PASSWORD_${device.name.replace(/[^A-Za-z0-9]/g, '_').toUpperCase()}`;
  process.env[variable] = device.password;
  return `env:${variable}`;
}

export async function startDriverFleet(fleetFile = SMALL_FLEET, timeScale = 0.0005): Promise<DriverFleet> {
  const fleet = await startSimulatedFleet({ fleet: fleetFile, timeScale });
  const knownHosts = KnownHosts.parse(fleet.knownHosts());
  const pools: DevicePool[] = [];
  const pool = (name: string, limits: Partial<PoolLimits> = {}, hosts = knownHosts) => {
    const device = endpoint(fleet, name);
    const created = new DevicePool(
      {
        name: device.name,
        host: device.host,
        port: device.port,
        user: device.user,
        credential: credentialFor(device),
        knownHosts: hosts,
      },
      { connectTimeoutMs: 5000, commandTimeoutMs: 20_000, ...limits },
    );
    pools.push(created);
    return created;
  };
  return {
    fleet,
    pools,
    pool,
    hmc: (name = 'hmc-dc1', limits) => new HmcClient(pool(name, limits)),
    svc: (name = 'svc-dc1', limits) => new SvcClient(pool(name, limits)),
    async control<T>(method: string, path: string, body?: unknown): Promise<T> {
      const response = await fetch(`${fleet.controlUrl}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
      return (text ? JSON.parse(text) : undefined) as T;
    },
    async stop() {
      await Promise.all(pools.map((p) => p.close()));
      await fleet.stop();
    },
  };
}

export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// The host monitor's eyes: one observation of every host of a group from every independent source — each HMC of the
// group (`lssyscfg -r sys -F name,state`, both HMCs at once), the storage system's view of each host's Fibre Channel
// ports (one concise `lshost`; the detailed view only for a host whose ports are partly logged in) and the VIOS
// partitions' states (from an HMC that can see the host). A read only: running it twice changes nothing. It never
// fails because a device is down: the device is marked unreachable with the error's class and message, and the
// monitor's rules (domain/monitoring/) judge. Each device read is bounded by `readTimeoutMs`, so a blackholed HMC
// (connections accepted, never answered) cannot hold the observation longer than that.
import { ApplicationFailure } from '@temporalio/common';
import type { HostGroupConfig, LazarusConfig } from '../../domain/config/index.js';
import type {
  GroupObservation,
  HmcReading,
  HostObservation,
  StoragePortsReading,
  ViosReading,
} from '../../domain/monitoring/contracts.js';
import type { DeviceRegistry } from '../devices.js';
import type { HmcClient } from '../hmc/hmc-client.js';
import { DeviceError } from '../ssh/device-errors.js';
import type { SvcClient } from '../storage/svc-client.js';

export interface ObservationDependencies {
  config: LazarusConfig;
  devices: DeviceRegistry;
  /** Bound on each device read (ms), connection included. Default 5 s: a few HMC round trips. */
  readTimeoutMs?: number;
}

export const DEFAULT_READ_TIMEOUT_MS = 5_000;

/** HMC system states in which the HMC cannot see the system's partitions: its VIOS states must come from elsewhere. */
const NOT_CONNECTED_STATES = new Set(['No Connection', 'unknown-system']);

/** A device read that failed: whether the device answered at all, and why, for the reading. */
interface ReadFailure {
  reachable: boolean;
  error: string;
  errorClass: string;
}

class ReadDeadline extends Error {}

export function createObservationActivities(deps: ObservationDependencies) {
  const readTimeoutMs = deps.readTimeoutMs ?? DEFAULT_READ_TIMEOUT_MS;
  /**
   * Reads still running, by device and command. A read that outlives its deadline (a blackholed HMC holds the connect
   * for the pool's connect timeout, 15 s) is joined by the next observations instead of started again, so a dead
   * device costs one pending read, not one per interval piling up in its pool.
   */
  const inFlight = new Map<string, Promise<unknown>>();

  /** Runs one read under the deadline; a failure comes back as a value. */
  async function bounded<T>(device: string, what: string, read: () => Promise<T>): Promise<T | ReadFailure> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ReadDeadline()), readTimeoutMs);
    });
    const key = `${device}\u0000${what}`;
    let attempt = inFlight.get(key) as Promise<T> | undefined;
    if (!attempt) {
      const started = read();
      attempt = started;
      inFlight.set(key, started);
      // The abandoned read still ends on its own (the pool's connect and command timeouts); nobody else awaits it.
      started.catch(() => undefined).finally(() => inFlight.delete(key));
    }
    try {
      return await Promise.race([attempt, deadline]);
    } catch (err) {
      return readFailure(device, what, err, readTimeoutMs);
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    /**
     * Observes every host of the group. Input `{ group }` (a host group of the configuration; an unknown one fails
     * non-retryably with `UnknownHostGroup`). Output: GroupObservation, hosts in the group's order, HMC readings in
     * the group's order of preference. Never throws for a device that is down or answers with an error.
     */
    async observeHostGroup(input: { group: string }): Promise<GroupObservation> {
      const group = groupNamed(deps.config, input.group);
      const observedAt = new Date().toISOString();
      const hmcs = group.hmcs.map((name) => deps.devices.hmc(name));
      const storage = deps.devices.storageSystem(group.storage);
      const [hmcStates, storageHosts] = await Promise.all([
        Promise.all(hmcs.map((hmc) => bounded(hmc.device, 'lssyscfg -r sys', () => hmc.systemStates(readTimeoutMs)))),
        bounded(storage.device, 'lshost', () => storage.listHosts()),
      ]);
      const hosts = await Promise.all(
        group.hosts.map(async (host): Promise<HostObservation> => {
          const readings = hmcs.map((hmc, index) => hmcReading(hmc.device, host, hmcStates[index]!));
          const [storagePorts, vios] = await Promise.all([
            portsReading(storage, host, storageHosts),
            viosReading(hmcs, readings, host),
          ]);
          return { host, observedAt, hmcs: readings, storagePorts, ...(vios ? { vios } : {}) };
        }),
      );
      return { group: group.name, observedAt, hosts };
    },
  };

  async function portsReading(
    storage: SvcClient,
    host: string,
    listing: Awaited<ReturnType<SvcClient['listHosts']>> | ReadFailure,
  ): Promise<StoragePortsReading> {
    if (isFailure(listing)) return { storage: storage.device, ...listing };
    // The failover and discovery name a managed system's host object after the system (mkhost -name <system>).
    const row = listing.find((h) => h.name === host);
    if (!row)
      return {
        storage: storage.device,
        reachable: true,
        error: `${storage.device} has no host object named ${host}`,
        errorClass: 'not-found',
      };
    if (row.status === 'online')
      return {
        storage: storage.device,
        reachable: true,
        status: row.status,
        loggedIn: row.portCount,
        total: row.portCount,
      };
    if (row.status === 'offline')
      return { storage: storage.device, reachable: true, status: row.status, loggedIn: 0, total: row.portCount };
    // degraded (or a status this driver does not know): count the ports that are logged in.
    const detail = await bounded(storage.device, `lshost ${host}`, () => storage.hostPorts(host));
    if (isFailure(detail)) return { storage: storage.device, status: row.status, ...detail };
    if (!detail)
      return { storage: storage.device, reachable: true, error: `host ${host} went away`, errorClass: 'not-found' };
    return {
      storage: storage.device,
      reachable: true,
      status: detail.status,
      loggedIn: detail.ports.filter((p) => p.nodeLoggedInCount > 0).length,
      total: detail.ports.length,
    };
  }

  /**
   * The VIOS partitions' states from the first HMC, in order of preference, that answered and is connected to the
   * host (an HMC showing it `No Connection` lists its partitions `Not Available`, which says nothing); absent when
   * none could list them.
   */
  async function viosReading(
    hmcs: HmcClient[],
    readings: HmcReading[],
    host: string,
  ): Promise<ViosReading[] | undefined> {
    const answered = hmcs.filter((_, i) => readings[i]!.state !== undefined);
    const connected = hmcs.filter(
      (_, i) => readings[i]!.state !== undefined && !NOT_CONNECTED_STATES.has(readings[i]!.state!),
    );
    for (const hmc of connected.length > 0 ? connected : answered) {
      const partitions = await bounded(hmc.device, `lssyscfg -r lpar -m ${host}`, () => hmc.listPartitions(host));
      if (isFailure(partitions)) continue;
      return partitions.filter((p) => p.env === 'vioserver').map((p) => ({ name: p.name, state: p.state }));
    }
    return undefined;
  }
}

export type ObservationActivities = ReturnType<typeof createObservationActivities>;

function groupNamed(config: LazarusConfig, name: string): HostGroupConfig {
  const group = config.hostGroups.find((g) => g.name === name);
  if (!group)
    throw ApplicationFailure.nonRetryable(`host group ${name} is not in the configuration`, 'UnknownHostGroup');
  return group;
}

function hmcReading(hmc: string, host: string, states: Map<string, string> | ReadFailure): HmcReading {
  if (isFailure(states)) return { hmc, ...states };
  return { hmc, reachable: true, state: states.get(host) ?? 'unknown-system' };
}

function isFailure(value: unknown): value is ReadFailure {
  return typeof value === 'object' && value !== null && 'errorClass' in value && 'reachable' in value;
}

/** Connection, login and deadline failures mean the device did not answer; anything else is an answer. */
function readFailure(device: string, what: string, err: unknown, timeoutMs: number): ReadFailure {
  if (err instanceof ReadDeadline)
    return {
      reachable: false,
      error: `${device}: no answer to ${what} within ${timeoutMs} ms`,
      errorClass: 'transient',
    };
  if (err instanceof DeviceError) {
    const outOfReach = ['unreachable', 'timeout', 'auth', 'host-key', 'credential'].includes(err.kind);
    return { reachable: !outOfReach, error: err.message, errorClass: err.errorClass };
  }
  return {
    reachable: false,
    error: `${device}: ${what} failed: ${(err as Error)?.message ?? String(err)}`,
    errorClass: 'unknown',
  };
}

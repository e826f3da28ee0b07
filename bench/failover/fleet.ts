// The benchmark fleets of bench:failover: a PoD like the CMS paper's (12 hosts, one fails) and a large fleet
// (50 hosts, 2,000 LPARs, 20,000 volumes), generated from a seed, and the Lazarus configuration pointing at them.
import { stringify } from 'yaml';
import type { FleetEndpoints } from '../../simulators/index.js';

/**
 * Real-device milliseconds the simulator takes per operation. Mapping-dominated, as in the paper (§5.3: mapping the
 * LUNs was what took most of the time): one volume mapping costs a minute, everything else of a restart ~21 s.
 */
export const BENCH_LATENCY = {
  svcChange: 60_000,
  svcQuery: 80,
  hmcQuery: 400,
  viosCommand: 2_000,
  remoteRestart: 5_000,
  lparBoot: 10_000,
};

/** The per-LPAR cost of each restart step in the stream, as the simulator will charge it (real milliseconds). */
export const STEP_COST = {
  /** lsvdiskhostmap then mkvdiskhostmap */
  mapping: BENCH_LATENCY.svcQuery + BENCH_LATENCY.svcChange,
  /** lssyscfg, then cfgdev through viosvrcmd on each of the two VIOS */
  vios: BENCH_LATENCY.hmcQuery + 2 * BENCH_LATENCY.viosCommand,
  /** the source's state, the partition on the target, rrstartlpar (its command and the rebuild on the target) */
  restart: 3 * BENCH_LATENCY.hmcQuery + BENCH_LATENCY.remoteRestart,
  /** Starting -> Running, then the lssyscfg poll that sees it */
  boot: BENCH_LATENCY.lparBoot + BENCH_LATENCY.hmcQuery,
};

export interface BenchLpar {
  name: string;
  host: string;
  volumes: string[];
}

export interface BenchFleet {
  name: string;
  hosts: string[];
  failing: string[];
  lpars: BenchLpar[];
  /** the simulator's fleet YAML */
  spec: string;
}

/** A reproducible pseudo-random sequence (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `hostCount` hosts of one HMC and one storage system; `lparsPerHost(host index)` LPARs on each, with between
 * `minVolumes` and `maxVolumes` volumes (uniform). Hosts are large, so capacity never decides the placement.
 * `npiv`: every LPAR attaches its volumes by NPIV on a storage host object of its own client WWPNs (as PowerVC maps
 * them), so a restart maps nothing; otherwise vSCSI through its server's host object (the paper's setting).
 */
export function generateFleet(options: {
  name: string;
  hostCount: number;
  failing: number;
  lparsPerHost: (index: number) => number;
  minVolumes: number;
  maxVolumes: number;
  seed: number;
  npiv?: boolean;
}): BenchFleet {
  const next = random(options.seed);
  const hosts = Array.from(
    { length: options.hostCount },
    (_, i) => `${options.name}-s${String(i + 1).padStart(2, '0')}`,
  );
  const priorities = ['high', 'medium', 'low'];
  const lpars: BenchLpar[] = [];
  const systems = hosts.map((host, index) => {
    const own = Array.from({ length: options.lparsPerHost(index) }, (_, i) => {
      const name = `${host}-l${String(i + 1).padStart(3, '0')}`;
      const count = options.minVolumes + Math.floor(next() * (options.maxVolumes - options.minVolumes + 1));
      const lpar = { name, host, volumes: Array.from({ length: count }, (_, v) => `${name}_v${v + 1}`) };
      lpars.push(lpar);
      return {
        name,
        procUnits: { desired: 0.5, min: 0.25, max: 1 },
        memoryMb: { desired: 8192, min: 4096, max: 16384 },
        priority: priorities[Math.floor(next() * priorities.length)],
        volumes: lpar.volumes,
        ...(options.npiv && { adapter: 'npiv', storageHost: 'client' }),
      };
    });
    return {
      name: host,
      procUnits: 256,
      memoryMb: 2 * 1024 * 1024,
      storage: `svc-${options.name}`,
      vios: [
        { name: `${host}-vios1`, id: 1 },
        { name: `${host}-vios2`, id: 2 },
      ],
      lpars: own,
    };
  });
  const spec = {
    sites: [
      {
        name: options.name,
        hmcs: [
          {
            name: `hmc-${options.name}`,
            password: `sim-${options.name}-hmc`,
            systems: hosts,
            maxConcurrentOperations: 64,
          },
        ],
        storage: [{ name: `svc-${options.name}`, password: `sim-${options.name}-svc`, maxSessions: 32 }],
        systems,
      },
    ],
  };
  return { name: options.name, hosts, failing: hosts.slice(0, options.failing), lpars, spec: stringify(spec) };
}

/** Device limits of the Lazarus configuration: how much of each device the controller may use at once. */
export interface BenchLimits {
  hmcConcurrentOperations: number;
  storageConcurrentOperations: number;
  storageSessions: number;
}

/** The Lazarus configuration for a simulated bench fleet; device passwords come from environment variables. */
export function benchConfig(
  fleet: BenchFleet,
  endpoints: FleetEndpoints,
  knownHostsFile: string,
  limits: BenchLimits,
): string {
  const device = (name: string) => endpoints.devices.find((d) => d.name === name)!;
  const credential = (name: string) => {
    const variable = `LAZARUS_BENCH_${name.replace(/-/g, '_').toUpperCase()}`;
    process.env[variable] = device(name).password;
    return `env:${variable}`;
  };
  const hmc = `hmc-${fleet.name}`;
  const storage = `svc-${fleet.name}`;
  return stringify({
    knownHostsFile,
    hmcs: [
      {
        name: hmc,
        address: `127.0.0.1:${device(hmc).port}`,
        user: device(hmc).user,
        credential: credential(hmc),
        limits: { maxConcurrentOperations: limits.hmcConcurrentOperations, maxConnections: 8 },
      },
    ],
    storage: [
      {
        name: storage,
        address: `127.0.0.1:${device(storage).port}`,
        user: device(storage).user,
        credential: credential(storage),
        limits: {
          maxSessions: limits.storageSessions,
          maxNewConnectionsPerSecond: 10,
          maxConcurrentOperations: limits.storageConcurrentOperations,
        },
      },
    ],
    sites: [{ name: fleet.name, hmcs: [hmc], storage: [storage] }],
    hostGroups: [
      {
        name: fleet.name,
        site: fleet.name,
        hmc,
        storage,
        hosts: fleet.hosts,
        recovery: {
          mode: 'auto',
          rtoBudget: '24h',
          parallelMappingsPerStream: 4,
          // The operator's measured step durations (here: the simulator's model), so the planner balances real work.
          stepDurations: {
            viosConfig: STEP_COST.vios,
            volumeMapping: STEP_COST.mapping,
            activate: STEP_COST.restart,
            boot: STEP_COST.boot,
          },
        },
      },
    ],
  });
}

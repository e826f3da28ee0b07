import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ControlApi } from './control-api.js';
import { type FleetModel } from './fleet-model.js';
import { type FleetSpec, type ParsedFleetSpec, loadFleetSpecFile, validateFleetSpec } from './fleet-spec.js';
import { type LatencyOverrides } from './latency.js';
import { SimulatorCore } from './simulator-core.js';
import { DeviceSshServer, type HostKey, generateHostKey } from './ssh-device-server.js';

export interface SimulatedFleetOptions {
  /** Path of a fleet YAML file, or the fleet itself. */
  fleet: string | FleetSpec;
  /** Multiplies every latency; 0.01 = 100x faster. Default 1 (real-device durations). */
  timeScale?: number;
  /** Persists host keys and ports here so a known_hosts file stays valid across runs. */
  stateDir?: string;
  /** Makes every duration vary by up to ±20 % from a reproducible sequence. */
  seed?: number;
  /** Replaces some default latencies (real-device milliseconds, before timeScale). */
  latency?: LatencyOverrides;
  /** The control API's port (fleet-persistence.ts keeps it across restarts); any free port when absent. */
  controlPort?: number;
}

export interface DeviceEndpoint {
  kind: 'hmc' | 'svc';
  name: string;
  host: '127.0.0.1';
  port: number;
  user: string;
  password: string;
  hostKey: string;
  fingerprint: string;
}

export interface FleetEndpoints {
  control: string;
  devices: DeviceEndpoint[];
  knownHosts: string;
}

export interface SimulatedFleet {
  endpoints: FleetEndpoints;
  controlUrl: string;
  knownHosts(): string;
  model: FleetModel;
  /** The wired simulator (physics, faults, violation log, servers), for tests that look deeper than the control API. */
  core: SimulatorCore;
  stop(): Promise<void>;
}

/** Starts one SSH server per HMC and storage system plus the control API, all on 127.0.0.1. */
export async function startSimulatedFleet(options: SimulatedFleetOptions): Promise<SimulatedFleet> {
  const { spec, source } = loadSpec(options.fleet);
  const core = new SimulatorCore(spec, source, options.timeScale ?? 1, options.seed, options.latency);
  const state = options.stateDir ? new StateDir(options.stateDir) : undefined;
  const control = new ControlApi(core);
  try {
    for (const device of core.model.devices.values()) {
      const server = new DeviceSshServer(device.name, state?.hostKey(device.name) ?? generateHostKey(), core);
      core.servers.set(device.name, server);
      await listenPreferring(server, state?.port(device.name));
    }
    await control.listen(options.controlPort);
  } catch (error) {
    await Promise.all([...core.servers.values()].map((s) => s.close()));
    core.stop();
    throw error;
  }
  state?.savePorts(core.servers);
  const endpoints = buildEndpoints(core, `http://127.0.0.1:${control.port}`);
  let stopped = false;
  return {
    endpoints,
    controlUrl: endpoints.control,
    knownHosts: () => endpoints.knownHosts,
    model: core.model,
    core,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      core.stop();
      await Promise.all([...core.servers.values()].map((s) => s.close()));
      await control.close();
    },
  };
}

function loadSpec(fleet: string | FleetSpec): { spec: ParsedFleetSpec; source: string } {
  if (typeof fleet === 'string') return { spec: loadFleetSpecFile(fleet), source: fleet };
  return { spec: validateFleetSpec(fleet, '(fleet object)'), source: '(fleet object)' };
}

async function listenPreferring(server: DeviceSshServer, port: number | undefined): Promise<void> {
  if (port !== undefined) {
    try {
      await server.listen(port);
      return;
    } catch {
      // The remembered port is taken: a new one means a new known_hosts line, nothing worse.
    }
  }
  await server.listen(0);
}

function buildEndpoints(core: SimulatorCore, control: string): FleetEndpoints {
  const devices = [...core.servers.values()].map((server): DeviceEndpoint => {
    const device = server.device;
    return {
      kind: device.kind,
      name: device.name,
      host: '127.0.0.1',
      port: server.port,
      user: device.user,
      password: device.password,
      hostKey: server.publicKeyLine(),
      fingerprint: server.fingerprint(),
    };
  });
  const knownHosts = devices.map((d) => `[127.0.0.1]:${d.port} ${d.hostKey}\n`).join('');
  return { control, devices, knownHosts };
}

/** Writes the endpoints JSON with mode 0600: it holds the simulated credentials. */
export function writeEndpointsFile(path: string, endpoints: FleetEndpoints): void {
  writeFileSync(path, `${JSON.stringify(endpoints, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
}

/** Host keys (`<device>.key`/`.pub`) and last ports (`ports.json`) under stateDir. */
class StateDir {
  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  hostKey(device: string): HostKey {
    const privatePath = join(this.dir, `${device}.key`);
    const publicPath = join(this.dir, `${device}.pub`);
    if (existsSync(privatePath) && existsSync(publicPath))
      return { privateKey: readFileSync(privatePath, 'utf8'), publicKey: readFileSync(publicPath, 'utf8') };
    const key = generateHostKey();
    writeFileSync(privatePath, key.privateKey, { mode: 0o600 });
    writeFileSync(publicPath, key.publicKey, { mode: 0o644 });
    return key;
  }

  port(device: string): number | undefined {
    const path = join(this.dir, 'ports.json');
    if (!existsSync(path)) return undefined;
    try {
      const ports = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
      return typeof ports[device] === 'number' ? ports[device] : undefined;
    } catch {
      return undefined;
    }
  }

  savePorts(servers: Map<string, DeviceSshServer>): void {
    writeFileSync(
      join(this.dir, 'ports.json'),
      `${JSON.stringify(Object.fromEntries([...servers].map(([name, s]) => [name, s.port])), null, 2)}\n`,
    );
  }
}

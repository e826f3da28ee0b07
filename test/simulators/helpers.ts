import ssh2 from 'ssh2';
import {
  type DeviceEndpoint,
  type FleetSpec,
  type SimulatedFleet,
  startSimulatedFleet,
} from '../../simulators/index.js';

/** Raw ssh2 access to the simulated devices (deliberately not the drivers) and the control API. */

export const SMALL_FLEET = new URL('../../examples/fleet-small.yaml', import.meta.url).pathname;
export const DR_FLEET = new URL('../../examples/fleet-dr.yaml', import.meta.url).pathname;

export interface ExecResult {
  stdout: string;
  stderr: string;
  code: number | null;
}

export function startFleet(fleet: string | FleetSpec = SMALL_FLEET, timeScale = 0.0005): Promise<SimulatedFleet> {
  return startSimulatedFleet({ fleet, timeScale });
}

export function device(fleet: SimulatedFleet, name: string): DeviceEndpoint {
  const found = fleet.endpoints.devices.find((d) => d.name === name);
  if (!found) throw new Error(`no device ${name}`);
  return found;
}

/** One SSH connection that verifies the host key against the endpoint's fingerprint. */
export async function connect(
  endpoint: DeviceEndpoint,
  auth: { password?: string; privateKey?: string } = { password: endpoint.password },
): Promise<ssh2.Client> {
  const client = new ssh2.Client();
  // One listener for the whole life of the client: a refused or dropped connection may report more than one error.
  let fail: (error: Error) => void = () => undefined;
  client.on('error', (error) => fail(error));
  try {
    await new Promise<void>((resolve, reject) => {
      fail = reject;
      client.once('ready', () => resolve());
      client.once('close', () => reject(new Error('connection closed before ready')));
      client.connect({
        host: endpoint.host,
        port: endpoint.port,
        username: endpoint.user,
        ...auth,
        readyTimeout: 10_000,
        hostVerifier: (key: Buffer) => `ssh-ed25519 ${key.toString('base64')}` === endpoint.hostKey,
      });
    });
  } catch (error) {
    client.end();
    throw error;
  } finally {
    fail = () => undefined;
  }
  return client;
}

export function execOn(client: ssh2.Client, command: string): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    client.exec(command, (error, stream) => {
      if (error) return reject(error);
      let stdout = '';
      let stderr = '';
      let code: number | null = null;
      stream.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      stream.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      stream.on('exit', (exitCode: number | null) => (code = exitCode));
      stream.on('close', () => resolve({ stdout, stderr, code }));
    });
  });
}

/** Opens a connection, runs one command, closes. */
export async function exec(fleet: SimulatedFleet, deviceName: string, command: string): Promise<ExecResult> {
  const client = await connect(device(fleet, deviceName));
  try {
    return await execOn(client, command);
  } finally {
    client.end();
  }
}

export async function control<T = unknown>(
  fleet: SimulatedFleet,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${fleet.controlUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as T };
}

/** Polls until check() returns a truthy value (simulated durations are tiny at the test time scale). */
export async function eventually<T>(
  check: () => T | Promise<T>,
  what: string,
  timeoutMs = 5_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export async function lparState(fleet: SimulatedFleet, system: string, lpar: string): Promise<string> {
  const result = await exec(
    fleet,
    fleet.model.system(system)!.hmc,
    `lssyscfg -r lpar -m ${system} --filter lpar_names=${lpar} -F state`,
  );
  return result.stdout.trim();
}

// A pool of SSH connections to one device (an HMC or a storage system) that runs commands as exec channels and
// stays inside the device's management-interface limits: at most `maxConnections` sessions, at most
// `maxNewConnectionsPerSecond` new connections in any second, a few handshakes at a time, several channels per
// connection. Connections are verified against known_hosts, kept alive, reopened after a drop, closed when idle.
import { assertNotCancelled } from './cancellation.js';
import { Client, type ClientChannel, type ConnectConfig } from 'ssh2';
import { resolveCredential, CredentialError } from './credentials.js';
import { DeviceError, commandTimeout, unreachable } from './device-errors.js';
import type { KnownHosts } from './known-hosts.js';
import { measureDeviceCommand } from '../metrics.js';

export interface DeviceTarget {
  name: string;
  host: string;
  port: number;
  user: string;
  /** A credential reference (env:…, file:…, secret:…), resolved at each connect. */
  credential: string;
  /** Where the configuration sets `credential` (`hmcs[0].credential`), named when it cannot be resolved. */
  credentialPath?: string;
  knownHosts: KnownHosts;
}

export interface PoolLimits {
  maxConnections: number;
  maxChannelsPerConnection: number;
  maxNewConnectionsPerSecond: number;
  maxConcurrentHandshakes: number;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
  keepaliveIntervalMs: number;
  idleTimeoutMs: number;
}

/** Conservative defaults under Spectrum Virtualize's 32 sessions / 15 connections per second / 3 unauthenticated. */
export const DEFAULT_POOL_LIMITS: PoolLimits = {
  maxConnections: 4,
  maxChannelsPerConnection: 8,
  maxNewConnectionsPerSecond: 5,
  maxConcurrentHandshakes: 2,
  connectTimeoutMs: 15_000,
  commandTimeoutMs: 120_000,
  keepaliveIntervalMs: 15_000,
  idleTimeoutMs: 60_000,
};

const RATE_MARGIN_MS = 100;

export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

interface PooledConnection {
  client: Client;
  channels: number;
  closed: boolean;
  idleTimer?: NodeJS.Timeout;
}

export interface PoolStats {
  openConnections: number;
  peakConnections: number;
  connectionsOpened: number;
  peakChannels: number;
}

export class DevicePool {
  private readonly limits: PoolLimits;
  private readonly connections: PooledConnection[] = [];
  private readonly waiters: Array<() => void> = [];
  /** When each recent connection reached the device (or was reserved, until it does). */
  private readonly recentOpens: Array<{ at: number }> = [];
  private opening = 0;
  private handshakes = 0;
  private channelsInUse = 0;
  private closed = false;
  private readonly statistics: PoolStats = {
    openConnections: 0,
    peakConnections: 0,
    connectionsOpened: 0,
    peakChannels: 0,
  };

  constructor(
    readonly target: DeviceTarget,
    limits: Partial<PoolLimits> = {},
  ) {
    this.limits = { ...DEFAULT_POOL_LIMITS, ...limits };
    if (this.limits.maxConnections < 1 || this.limits.maxChannelsPerConnection < 1)
      throw new Error(`${target.name}: pool limits must be at least 1`);
  }

  get stats(): PoolStats {
    return { ...this.statistics, openConnections: this.connections.length };
  }

  /** Runs one command; resolves with its output and exit code whatever the exit code is. */
  async exec(command: string, timeoutMs = this.limits.commandTimeoutMs): Promise<ExecResult> {
    // Latency (slot wait included), errors and the queue depth per device: activities/metrics.ts.
    return measureDeviceCommand(this.target.name, async () => {
      assertNotCancelled(this.target.name, command);
      const connection = await this.acquire();
      try {
        // Waiting for a slot or a connection can take long (a device that was unreachable): check again.
        assertNotCancelled(this.target.name, command);
        return await this.runOnChannel(connection, command, timeoutMs);
      } finally {
        this.release(connection);
      }
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const connection of this.connections.splice(0)) this.drop(connection);
    for (const wake of this.waiters.splice(0)) wake();
  }

  // ---- slots ---------------------------------------------------------------------------------------------------

  private async acquire(): Promise<PooledConnection> {
    for (;;) {
      if (this.closed) throw unreachable(this.target.name, 'the connection pool is closed');
      const free = this.connections.find((c) => !c.closed && c.channels < this.limits.maxChannelsPerConnection);
      if (free) return this.take(free);
      if (this.connections.length + this.opening < this.limits.maxConnections) {
        const connection = await this.open();
        return this.take(connection);
      }
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  private take(connection: PooledConnection): PooledConnection {
    connection.channels++;
    this.channelsInUse++;
    this.statistics.peakChannels = Math.max(this.statistics.peakChannels, this.channelsInUse);
    clearTimeout(connection.idleTimer);
    return connection;
  }

  private release(connection: PooledConnection): void {
    connection.channels--;
    this.channelsInUse--;
    if (connection.channels === 0 && !connection.closed) {
      connection.idleTimer = setTimeout(() => this.retire(connection), this.limits.idleTimeoutMs);
      connection.idleTimer.unref();
    }
    this.waiters.shift()?.();
  }

  private retire(connection: PooledConnection): void {
    if (connection.channels > 0) return;
    const index = this.connections.indexOf(connection);
    if (index >= 0) this.connections.splice(index, 1);
    this.drop(connection);
  }

  private drop(connection: PooledConnection): void {
    connection.closed = true;
    clearTimeout(connection.idleTimer);
    connection.client.end();
  }

  // ---- connecting ----------------------------------------------------------------------------------------------

  private async open(): Promise<PooledConnection> {
    this.opening++;
    try {
      const slot = await this.waitForConnectionBudget(); // reserves a handshake slot
      try {
        const client = await this.connect(slot);
        const connection: PooledConnection = { client, channels: 0, closed: false };
        client.on('close', () => this.lost(connection));
        client.on('error', () => this.lost(connection));
        this.connections.push(connection);
        this.statistics.peakConnections = Math.max(this.statistics.peakConnections, this.connections.length);
        return connection;
      } finally {
        this.handshakes--;
        this.waiters.shift()?.();
      }
    } finally {
      this.opening--;
    }
  }

  /** Waits until a new connection keeps within the per-second rate and the handshake limit. */
  private async waitForConnectionBudget(): Promise<{ at: number }> {
    for (;;) {
      const now = Date.now();
      // The window counts from when a connection reached the device, which can be well after it was reserved on
      // a loaded machine; entries are kept a little longer than a second as a margin.
      const windowMs = 1000 + RATE_MARGIN_MS;
      this.recentOpens.sort((a, b) => a.at - b.at);
      while (this.recentOpens.length > 0 && now - this.recentOpens[0]!.at >= windowMs) this.recentOpens.shift();
      if (
        this.recentOpens.length < this.limits.maxNewConnectionsPerSecond &&
        this.handshakes < this.limits.maxConcurrentHandshakes
      ) {
        // Reserved here, synchronously with the check, so concurrent opens cannot all pass it.
        const slot = { at: now };
        this.recentOpens.push(slot);
        this.handshakes++;
        this.statistics.connectionsOpened++;
        return slot;
      }
      const wait =
        this.recentOpens.length >= this.limits.maxNewConnectionsPerSecond
          ? windowMs - (now - this.recentOpens[0]!.at) + 5
          : 20;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  private lost(connection: PooledConnection): void {
    if (connection.closed) return;
    connection.closed = true;
    clearTimeout(connection.idleTimer);
    const index = this.connections.indexOf(connection);
    if (index >= 0) this.connections.splice(index, 1);
    this.waiters.shift()?.();
  }

  private connect(slot: { at: number }): Promise<Client> {
    const { target } = this;
    let credential;
    try {
      credential = resolveCredential(target.credential);
    } catch (err) {
      const message = err instanceof CredentialError ? err.message : String(err);
      const where = target.credentialPath ? `${target.credentialPath}: ` : '';
      return Promise.reject(new DeviceError('credential', target.name, `${target.name}: ${where}${message}`, false));
    }
    let hostKeyProblem: string | undefined;
    const config: ConnectConfig = {
      host: target.host,
      port: target.port,
      username: target.user,
      readyTimeout: this.limits.connectTimeoutMs,
      keepaliveInterval: this.limits.keepaliveIntervalMs,
      keepaliveCountMax: 3,
      hostVerifier: (key: Buffer) => {
        const verdict = target.knownHosts.verify(target.host, target.port, key);
        if (!verdict.ok)
          hostKeyProblem = `${verdict.reason === 'unknown' ? 'unknown host key' : 'HOST KEY MISMATCH'}: ${verdict.detail}`;
        return verdict.ok;
      },
      ...('password' in credential
        ? { password: credential.password }
        : { privateKey: credential.privateKey, passphrase: credential.passphrase }),
    };
    return new Promise((resolve, reject) => {
      const client = new Client();
      let settled = false;
      const fail = (err: DeviceError) => {
        if (settled) return;
        settled = true;
        client.end();
        reject(err);
      };
      client.once('connect', () => {
        slot.at = Date.now(); // the device counts the connection from here
        // Commands are small request/response exchanges: without TCP_NODELAY, Nagle's algorithm meeting the
        // peer's delayed ACKs adds ~40 ms to many of them.
        client.setNoDelay(true);
      });
      client.once('ready', () => {
        settled = true;
        resolve(client);
      });
      client.on('error', (err: Error & { level?: string }) => {
        if (hostKeyProblem)
          return fail(
            new DeviceError('host-key', target.name, `${target.name}: ${hostKeyProblem}; refusing to connect`, false),
          );
        if (err.level === 'client-authentication')
          return fail(
            new DeviceError('auth', target.name, `${target.name}: authentication as ${target.user} was refused`, false),
          );
        fail(unreachable(target.name, err.message));
      });
      client.once('close', () => fail(unreachable(target.name, 'the connection closed during the handshake')));
      client.connect(config);
    });
  }

  // ---- one command ---------------------------------------------------------------------------------------------

  private runOnChannel(connection: PooledConnection, command: string, timeoutMs: number): Promise<ExecResult> {
    const device = this.target.name;
    return new Promise((resolve, reject) => {
      let settled = false;
      let channel: ClientChannel | undefined;
      const finish = (error: DeviceError | undefined, result?: ExecResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        connection.client.removeListener('close', onConnectionClose);
        if (error) reject(error);
        else resolve(result!);
      };
      const timer = setTimeout(() => {
        channel?.close();
        finish(commandTimeout(device, command, timeoutMs));
      }, timeoutMs);
      const onConnectionClose = () => finish(unreachable(device, `the connection dropped while "${command}" ran`));
      connection.client.once('close', onConnectionClose);
      try {
        connection.client.exec(command, (err, stream) => {
          if (err) return finish(unreachable(device, `cannot open a channel: ${err.message}`));
          channel = stream;
          const stdout: Buffer[] = [];
          const stderr: Buffer[] = [];
          stream.on('data', (data: Buffer) => stdout.push(data));
          stream.stderr.on('data', (data: Buffer) => stderr.push(data));
          stream.on('close', (code: number | null, signal?: string) => {
            if (code === null || code === undefined) {
              return finish(
                unreachable(device, `"${command}" ended without an exit status${signal ? ` (signal ${signal})` : ''}`),
              );
            }
            finish(undefined, {
              stdout: Buffer.concat(stdout).toString('utf8'),
              stderr: Buffer.concat(stderr).toString('utf8'),
              exitCode: code,
            });
          });
        });
      } catch (err) {
        finish(unreachable(device, (err as Error).message));
      }
    });
  }
}

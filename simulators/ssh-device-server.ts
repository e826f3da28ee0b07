import { createHash, timingSafeEqual } from 'node:crypto';
import { type AddressInfo, type Server as NetServer, type Socket, createServer } from 'node:net';
import ssh2 from 'ssh2';
import { type AuthContext, type Connection, type ParsedKey, type ServerChannel } from 'ssh2';
import { type CommandContext } from './command-context.js';
import { type CommandResult } from './command-result.js';
import { DeviceCounters } from './device-counters.js';
import { runDeviceLine } from './device-shell.js';
import { type FaultRegistry } from './faults.js';
import { type Device, type FleetModel } from './fleet-model.js';
import { type Physics } from './physics.js';
import { type ViolationLog } from './violations.js';

const { Server: SshServer, utils } = ssh2;

export interface DeviceServerDeps {
  model: FleetModel;
  physics: Physics;
  violations: ViolationLog;
  faults: FaultRegistry;
}

export interface HostKey {
  privateKey: string;
  publicKey: string;
}

/**
 * One simulated device's SSH endpoint (ssh2 server side). Commands run over `exec`; a minimal
 * interactive shell is offered too. Storage systems enforce their session, connection-rate and
 * unauthenticated-connection limits the way power-cli.md §3 describes (README "Limits").
 */
export class DeviceSshServer {
  readonly counters = new DeviceCounters();
  private readonly tcp: NetServer;
  private readonly ssh: InstanceType<typeof SshServer>;
  private readonly sockets = new Set<Socket>();
  /** Connections that arrived while the device was a blackhole: accepted by TCP, never answered. */
  private readonly heldSockets = new Set<Socket>();
  private frozen = false;
  /** Settles a connection's unauthenticated state, by the client's port on 127.0.0.1. */
  private readonly pendingAuth = new Map<number, () => void>();
  private readonly authorizedKeys: ParsedKey[];
  port = 0;

  constructor(
    readonly deviceName: string,
    readonly hostKey: HostKey,
    private readonly deps: DeviceServerDeps,
  ) {
    this.ssh = new SshServer({ hostKeys: [hostKey.privateKey], ident: deviceIdent(this.device) }, (client, info) =>
      this.onClient(client, info.port),
    );
    this.tcp = createServer((socket) => this.onSocket(socket));
    this.authorizedKeys = this.device.authorizedKeys
      .map((line) => utils.parseKey(line))
      .filter((k): k is ParsedKey => !(k instanceof Error) && !Array.isArray(k));
  }

  /** Looked up each time: POST /reset replaces the model's device objects. */
  get device(): Device {
    return this.deps.model.devices.get(this.deviceName) as Device;
  }

  listen(port = 0): Promise<number> {
    return new Promise((resolve, reject) => {
      this.tcp.once('error', reject);
      this.tcp.listen(port, '127.0.0.1', () => {
        this.port = (this.tcp.address() as AddressInfo).port;
        resolve(this.port);
      });
    });
  }

  /** `ssh-ed25519 AAAA…` */
  publicKeyLine(): string {
    return this.hostKey.publicKey.trim().split(/\s+/).slice(0, 2).join(' ');
  }

  fingerprint(): string {
    const blob = Buffer.from(this.publicKeyLine().split(' ')[1]!, 'base64');
    return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
  }

  /** Every open connection drops at once. */
  dropAll(): void {
    for (const socket of this.sockets) socket.destroy();
    for (const socket of this.heldSockets) socket.destroy();
  }

  /**
   * Follows the device-unreachable faults: `refuse` drops every connection; `blackhole` freezes them (nothing
   * read, nothing sent, so clients time out) until recovery, when they carry on and held connections are served.
   */
  applyReachability(): void {
    const mode = this.deps.faults.unreachableMode(this.deviceName);
    if (mode === 'refuse') this.dropAll();
    if (mode === 'blackhole' && !this.frozen) {
      this.frozen = true;
      for (const socket of this.sockets) {
        socket.pause();
        socket.cork();
      }
    }
    if (mode !== 'blackhole' && this.frozen) {
      this.frozen = false;
      for (const socket of this.sockets) {
        socket.uncork();
        socket.resume();
      }
      const held = [...this.heldSockets];
      this.heldSockets.clear();
      for (const socket of held) {
        if (socket.destroyed) continue;
        socket.resume();
        this.onSocket(socket);
      }
    }
  }

  async close(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => this.tcp.close(() => resolve()));
  }

  private onSocket(socket: Socket): void {
    const device = this.device;
    const now = Date.now();
    if (this.frozen) {
      socket.pause();
      socket.on('error', () => undefined);
      socket.once('close', () => this.heldSockets.delete(socket));
      this.heldSockets.add(socket);
      return;
    }
    const refuse =
      this.deps.faults.isUnreachable(device.name) ||
      (device.kind === 'svc' &&
        (this.counters.connectionsInLastSecond(now) > device.maxNewConnectionsPerSecond ||
          this.counters.unauthenticated >= device.maxUnauthenticatedConnections));
    if (refuse) {
      this.counters.refusedConnections++;
      socket.destroy();
      return;
    }
    this.counters.connectionAccepted(now);
    this.sockets.add(socket);
    // Unauthenticated from TCP accept until authentication succeeds (or the socket closes).
    this.counters.unauthenticated++;
    const remotePort = socket.remotePort ?? -1;
    let pending = true;
    const authenticated = () => {
      if (!pending) return;
      pending = false;
      this.counters.unauthenticated--;
      this.pendingAuth.delete(remotePort);
    };
    this.pendingAuth.set(remotePort, authenticated);
    socket.once('close', () => {
      this.sockets.delete(socket);
      authenticated();
    });
    socket.on('error', () => undefined);
    this.ssh.injectSocket(socket);
  }

  private onClient(client: Connection, remotePort: number): void {
    let counted = false;
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    client.on('error', () => undefined);
    // As sshd does for sessions; otherwise Nagle's algorithm adds ~40 ms to small replies (ssh2 lacks the type).
    (client as unknown as { setNoDelay(noDelay: boolean): void }).setNoDelay(true);
    client.on('authentication', (ctx) => this.authenticate(ctx));
    client.once('ready', () => {
      this.pendingAuth.get(remotePort)?.();
      const device = this.device;
      if (device.kind === 'svc' && this.counters.sessions >= device.maxSessions) {
        // The device's documented behaviour: beyond the session limit a new session closes right after authentication.
        this.counters.refusedSessions++;
        client.end();
        return;
      }
      counted = true;
      this.counters.sessionOpened();
      let channels = 0;
      client.on('session', (accept, reject) => {
        // sshd's MaxSessions: beyond it the channel open is refused ("open failed").
        if (channels >= this.device.maxChannelsPerConnection) {
          this.counters.refusedChannels++;
          reject();
          return;
        }
        channels++;
        this.counters.peakChannelsPerConnection = Math.max(this.counters.peakChannelsPerConnection, channels);
        const session = accept();
        session.once('close', () => channels--);
        session.on('pty', (acceptPty) => acceptPty?.());
        session.on('env', (acceptEnv) => acceptEnv?.());
        session.on('exec', (acceptExec, _reject, info) => void this.exec(acceptExec(), info.command, closed));
        session.on('shell', (acceptShell) => this.shell(acceptShell(), closed));
      });
    });
    client.once('close', () => {
      if (counted) this.counters.sessions--;
    });
  }

  private authenticate(ctx: AuthContext): void {
    const device = this.device;
    if (ctx.username !== device.user) return this.rejectAuth(ctx);
    if (ctx.method === 'password') return sameText(ctx.password, device.password) ? ctx.accept() : this.rejectAuth(ctx);
    if (ctx.method === 'publickey') {
      const key = this.authorizedKeys.find((k) => k.type === ctx.key.algo && k.getPublicSSH().equals(ctx.key.data));
      if (!key) return this.rejectAuth(ctx);
      if (!ctx.signature || !ctx.blob) return ctx.accept();
      return key.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true ? ctx.accept() : this.rejectAuth(ctx);
    }
    ctx.reject(['password', 'publickey']);
  }

  private rejectAuth(ctx: AuthContext): void {
    if (ctx.method !== 'none') this.counters.authFailures++;
    ctx.reject(['password', 'publickey']);
  }

  private context(line: string): CommandContext {
    return {
      model: this.deps.model,
      physics: this.deps.physics,
      violations: this.deps.violations,
      device: this.device,
      line,
    };
  }

  private async exec(channel: ServerChannel, line: string, closed: Promise<void>): Promise<void> {
    const result = await this.run(line, closed);
    if (channel.destroyed || !channel.writable) return;
    if (result.stdout) channel.write(result.stdout);
    if (result.stderr) channel.stderr.write(result.stderr);
    channel.exit(result.exitCode);
    channel.end();
  }

  private async run(line: string, closed: Promise<void>): Promise<CommandResult> {
    this.counters.commandsRun++;
    let result: CommandResult;
    try {
      result = await runDeviceLine(this.context(line), this.deps.faults, closed);
    } catch (error) {
      // A simulator bug must not take the fleet down: the client sees a failed command that says so.
      result = {
        stdout: '',
        stderr: `simulator internal error: ${error instanceof Error ? error.message : String(error)}\n`,
        exitCode: 70,
      };
    }
    if (result.exitCode !== 0) this.counters.commandsFailed++;
    return result;
  }

  /** A minimal line-oriented shell: prompt, one command per line, `exit` to leave. */
  private shell(channel: ServerChannel, closed: Promise<void>): void {
    const prompt =
      this.device.kind === 'hmc'
        ? `${this.device.user}@${this.device.name}:~> `
        : `IBM_2145:${this.device.name}:${this.device.user}>`;
    let buffer = '';
    let queue = Promise.resolve();
    channel.write(prompt);
    channel.on('data', (data: Buffer) => {
      buffer += data.toString('utf8');
      let newline: number;
      while ((newline = buffer.search(/\r?\n|\r/)) >= 0) {
        const line = buffer.slice(0, newline).trim();
        buffer = buffer.slice(newline + (buffer[newline] === '\r' && buffer[newline + 1] === '\n' ? 2 : 1));
        queue = queue.then(async () => {
          if (line === 'exit' || line === 'logout') {
            channel.exit(0);
            channel.end();
            return;
          }
          const result = await this.run(line, closed);
          channel.write((result.stdout + result.stderr).replace(/\n/g, '\r\n'));
          channel.write(prompt);
        });
      }
    });
  }
}

function deviceIdent(device: Device): string {
  return device.kind === 'hmc' ? 'OpenSSH_8.0' : 'OpenSSH_7.4';
}

function sameText(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Generates an OpenSSH ed25519 key pair. ssh2 1.x drops a leading zero byte of the key when it converts it
 * (about 1 key in 300), producing a key it cannot parse back, so such keys are drawn again.
 */
export function generateHostKey(): HostKey {
  for (;;) {
    const pair = utils.generateKeyPairSync('ed25519');
    if (!(utils.parseKey(pair.private) instanceof Error) && !(utils.parseKey(pair.public) instanceof Error)) {
      return { privateKey: pair.private, publicKey: pair.public };
    }
  }
}

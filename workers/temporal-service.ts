// Which Temporal Service Lazarus talks to (DESIGN.md, "Temporal service choice"):
//   TEMPORAL_ADDRESS set            → that external service, used as is;
//   `temporal` CLI in TEMPORAL_CLI or on PATH → `temporal server start-dev`;
//   otherwise                        → the bundled devserver (bin/temporal-dev), which takes the same arguments.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Connection } from '@temporalio/client';

export const DEVSERVER_EXECUTABLE = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'temporal-dev');

export type TemporalServiceChoice =
  | { kind: 'external'; address: string; description: string }
  | { kind: 'temporal-cli' | 'devserver'; executable: string; description: string };

export function chooseTemporalService(env: NodeJS.ProcessEnv = process.env): TemporalServiceChoice {
  if (env.TEMPORAL_ADDRESS) {
    return {
      kind: 'external',
      address: env.TEMPORAL_ADDRESS,
      description: `external Temporal Service at ${env.TEMPORAL_ADDRESS} (TEMPORAL_ADDRESS)`,
    };
  }
  const cli = env.TEMPORAL_CLI ?? findOnPath('temporal', env.PATH ?? '');
  if (cli) {
    return { kind: 'temporal-cli', executable: cli, description: `Temporal CLI dev server (${cli} server start-dev)` };
  }
  return {
    kind: 'devserver',
    executable: DEVSERVER_EXECUTABLE,
    description:
      'Lazarus devserver (bin/temporal-dev): a development and test server for the subset of the Temporal API Lazarus uses; not for production',
  };
}

export interface RunningTemporalService {
  kind: TemporalServiceChoice['kind'];
  address: string;
  namespace: string;
  description: string;
  /** The server process, when this module started one. */
  process?: ChildProcess;
  stop(): Promise<void>;
}

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  namespace?: string;
  /** Port for a started server; a free one by default. */
  port?: number;
  /** Persist the started server's state to this file (survives restarts); in memory when absent. */
  dbFile?: string;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** Extra `server start-dev` arguments, e.g. `--search-attribute K=T`. */
  extraArgs?: string[];
  /** Where the server's stdout/stderr go; the parent's stderr by default for `warn` and above. */
  stdio?: 'inherit' | 'ignore' | 'pipe';
  readyTimeoutMs?: number;
  /** Run the server in its own process group, so a terminal's Ctrl-C reaches only the caller, which then stops it in order. */
  ownProcessGroup?: boolean;
}

export async function startTemporalService(options: StartOptions = {}): Promise<RunningTemporalService> {
  const choice = chooseTemporalService(options.env ?? process.env);
  const namespace = options.namespace ?? options.env?.TEMPORAL_NAMESPACE ?? process.env.TEMPORAL_NAMESPACE ?? 'default';
  if (choice.kind === 'external') {
    await waitUntilServing(choice.address, options.readyTimeoutMs ?? 10_000);
    return {
      kind: choice.kind,
      address: choice.address,
      namespace,
      description: choice.description,
      stop: async () => {},
    };
  }
  const port = options.port ?? (await freePort());
  const address = `127.0.0.1:${port}`;
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--namespace',
    namespace,
    '--headless',
    '--log-level',
    options.logLevel ?? 'warn',
    ...(options.extraArgs ?? []),
  ];
  if (options.dbFile) {
    mkdirSync(dirname(options.dbFile), { recursive: true });
    args.push('--db-filename', options.dbFile);
  }
  // stdin is the server's lifeline: when this process dies, even by kill -9, the pipe closes and the devserver stops,
  // instead of living on and holding the database (see devserver/main.ts).
  const child = spawn(choice.executable, args, {
    stdio: ['pipe', options.stdio ?? 'inherit', options.stdio ?? 'inherit'],
    detached: options.ownProcessGroup ?? false,
    env: { ...process.env, LAZARUS_DEVSERVER_LIFELINE: 'stdin' },
  });
  (child.stdin as Socket | null)?.unref();
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  try {
    await waitUntilServing(
      address,
      options.readyTimeoutMs ?? 20_000,
      () => child.exitCode !== null || child.signalCode !== null,
    );
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    kind: choice.kind,
    address,
    namespace,
    description: choice.description,
    process: child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Resolves once the service answers GetSystemInfo; rejects with a clear message after `timeoutMs`. */
export async function waitUntilServing(
  address: string,
  timeoutMs: number,
  hasExited: () => boolean = () => false,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (hasExited()) throw new Error(`Temporal service at ${address} exited before it was ready`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      await connection.close();
      return;
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(
    `Temporal service at ${address} was not ready within ${timeoutMs} ms: ${(lastError as Error)?.message ?? 'no answer'}`,
  );
}

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

function findOnPath(name: string, path: string): string | undefined {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

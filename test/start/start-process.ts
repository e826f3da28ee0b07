// `npm start` (or its entry point) as a subprocess for the start tests: its output, what it printed, and whether the
// things it started still serve.
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { connect } from 'node:net';

export const REPO_ROOT = new URL('../../', import.meta.url).pathname;

/** The environment of an embedded start: nothing configured, its own home, the API on any free port. */
export function embeddedEnv(home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    LAZARUS_HOME: home,
    TEMPORAL_ADDRESS: '',
    TEMPORAL_CLI: '',
    LAZARUS_CONFIG: '',
    LAZARUS_API_TOKEN: '',
    LAZARUS_API_LISTEN: '127.0.0.1:0',
    LAZARUS_DATABASE_URL: '',
    LAZARUS_DATABASE_PATH: '',
    NODE_ENV: '',
    ...extra,
  };
}

export interface StartedProcess {
  child: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves once the output matches `pattern` (or rejects when the process exits first or after `timeoutMs`). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  kill(): void;
}

/** Spawns `command args` in the repository with `env`, collecting stdout and stderr together. */
export function startProcess(command: string, args: string[], env: NodeJS.ProcessEnv): StartedProcess {
  const child = spawn(command, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    output: () => output,
    exited,
    async waitFor(pattern, timeoutMs = 120_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = pattern.exec(output);
        if (match) return match;
        if (child.exitCode !== null || child.signalCode !== null)
          throw new Error(`exited (${child.exitCode ?? child.signalCode}) before printing ${pattern}:\n${output}`);
        if (Date.now() > deadline) throw new Error(`no ${pattern} within ${timeoutMs} ms:\n${output}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/** What npm start printed once ready: where each thing it started serves. */
export interface Started {
  temporal: string;
  devserverPid: number;
  api: string;
  control: string;
  token: string;
}

export function startedFrom(output: string): Started {
  const temporal = /Temporal service ready at (\S+) \(namespace \S+, pid (\d+)\)/.exec(output);
  const api = /Lazarus API (http:\/\/\S+)/.exec(output)?.[1];
  const control = /Simulated fleet control API (http:\/\/\S+)/.exec(output)?.[1];
  const token = /Token: (\S+)/.exec(output)?.[1];
  if (!temporal || !api || !control || !token) throw new Error(`npm start did not say where it serves:\n${output}`);
  return { temporal: temporal[1]!, devserverPid: Number(temporal[2]), api, control, token };
}

/** Whether something accepts TCP connections at host:port (or at the URL's). */
export function accepts(address: string): Promise<boolean> {
  const { hostname, port } = new URL(address.includes('://') ? address : `tcp://${address}`);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    socket.setTimeout(2_000);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(false));
  });
}

/** Whether a process with this id exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** GET or POST JSON on a fresh connection (a pooled one may belong to a process stopped before, on the same port). */
export async function http(
  url: string,
  options: { method?: string; token?: string; body?: unknown; timeoutMs?: number } = {},
): Promise<{ status: number; body: unknown }> {
  const text = options.body === undefined ? '' : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: options.method ?? 'GET',
      agent: false,
      timeout: options.timeoutMs ?? 30_000,
      headers: {
        'content-type': 'application/json',
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      },
    });
    req.once('timeout', () => req.destroy(new Error(`${url}: no answer within ${options.timeoutMs ?? 30_000} ms`)));
    req.once('error', reject);
    req.once('response', (res) => {
      let data = '';
      res.on('data', (chunk: Buffer) => (data += chunk.toString()));
      res.once('end', () => {
        let body: unknown = data;
        try {
          body = JSON.parse(data);
        } catch {
          // not JSON: kept as text
        }
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.end(text);
  });
}

/** Polls `check` until it returns a value other than undefined, or fails naming `what` after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 120_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms (${String(last ?? 'no value')})`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

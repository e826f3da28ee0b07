// The production worker in a child process that a test can kill with SIGKILL and replace, to show a recovery (a
// failover, a site move) survives the controller's own crash: shared by test/failover/worker-crash.test.ts and
// test/dr/move-crash.test.ts. The child is test/failover/fixtures/worker-process.ts (the real worker setup).
import { spawn, type ChildProcess } from 'node:child_process';
import { REPO_ROOT } from './temporal.js';

const WORKER = new URL('../failover/fixtures/worker-process.ts', import.meta.url).pathname;

/** Where the worker connects and what it loads: the Temporal address and namespace, config file, SQLite path. */
export interface KillableWorkerOptions {
  address: string;
  namespace: string;
  configFile: string;
  database: string;
}

/**
 * Starts workers one at a time: `start()` resolves once the child printed `ready`; `killAndRestart()` kills the
 * current one with SIGKILL, waits for its exit and starts a new one; `stopAll()` kills whatever is left (for `after`).
 */
export class KillableWorker {
  private readonly children: ChildProcess[] = [];
  private current?: ChildProcess;

  constructor(private readonly options: KillableWorkerOptions) {}

  async start(): Promise<void> {
    const { address, namespace, configFile, database } = this.options;
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER, address, namespace, configFile, database], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    this.children.push(child);
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
      child.once('exit', (code) => reject(new Error(`worker exited early (${code})`)));
    });
    // A worker that dies on its own (not killed here) would leave the test waiting for nothing: say so at once.
    child.once('exit', (code, signal) => {
      if (signal !== 'SIGKILL') process.stderr.write(`killable worker ${child.pid} exited (${code ?? signal})\n`);
    });
    this.current = child;
  }

  async killAndRestart(): Promise<void> {
    const child = this.current;
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
    await this.start();
  }

  stopAll(): void {
    for (const child of this.children) if (child.exitCode === null) child.kill('SIGKILL');
  }
}

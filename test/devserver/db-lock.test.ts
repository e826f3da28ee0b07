// One devserver per database file, and no devserver outliving the Lazarus process that started it: a leftover server
// on the same file would diverge from the new one (each keeps the state in memory and writes it through).
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DEVSERVER_EXECUTABLE, freePort } from '../../workers/temporal-service.js';

const dir = mkdtempSync(join(tmpdir(), 'devserver-lock-'));
const started: ChildProcessWithoutNullStreams[] = [];
after(() => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function run(
  command: string,
  args: string[],
): { child: ChildProcessWithoutNullStreams; output: () => string; exited: Promise<number | null> } {
  const child = spawn(command, args, { stdio: 'pipe' });
  started.push(child);
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  return { child, output: () => output, exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
}

async function devserver(dbFile: string) {
  return run(DEVSERVER_EXECUTABLE, [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(await freePort()),
    '--headless',
    '--db-filename',
    dbFile,
  ]);
}

async function until(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('devserver database ownership', () => {
  it(
    'refuses a second server on the same database file, and takes the file over once the first is killed -9',
    { timeout: 60_000 },
    async () => {
      const file = join(dir, 'shared.db');
      const first = await devserver(file);
      await until('the first server', () => first.output().includes('serving on'));
      const second = await devserver(file);
      assert.equal(await second.exited, 1);
      assert.match(
        second.output(),
        /database .*shared\.db is in use by another devserver process: stop that one first/,
      );
      assert.doesNotMatch(second.output(), /\n\s+at /, 'a plain message, no stack trace');
      first.child.kill('SIGKILL');
      await first.exited;
      const third = await devserver(file);
      await until('the third server', () => third.output().includes('serving on'));
      third.child.kill('SIGTERM');
      assert.equal(await third.exited, 0);
    },
  );

  it('stops when the process that started it dies, even by kill -9', { timeout: 60_000 }, async () => {
    const parent = run(process.execPath, [
      '--import',
      'tsx',
      new URL('./fixtures/start-service.ts', import.meta.url).pathname,
      join(dir, 'lifeline.db'),
    ]);
    await until('the devserver pid', () => /devserver pid \d+/.test(parent.output()));
    const pid = Number(/devserver pid (\d+)/.exec(parent.output())![1]);
    assert.ok(alive(pid));
    parent.child.kill('SIGKILL');
    await parent.exited;
    await until(`devserver ${pid} to exit`, () => !alive(pid));
  });
});

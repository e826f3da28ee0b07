// The command line as a process: the Temporal CLI's --version, --log-level never and --log-format text, and a port
// that is already in use answered with one line and a non-zero exit status (not a stack trace).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { describe, it } from 'node:test';
import { DEVSERVER_EXECUTABLE, freePort } from '../../workers/temporal-service.js';

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the devserver with `args` until it exits, or until its stdout shows it serves (then stops it with SIGTERM). */
function runDevserver(args: string[], timeoutMs = 30_000): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(DEVSERVER_EXECUTABLE, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`devserver ${args.join(' ')} did not finish; stdout ${stdout}; stderr ${stderr}`));
    }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes('serving on')) child.kill('SIGTERM');
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('devserver command line (as a process)', () => {
  it('prints its version with --version and exits 0', { timeout: 60_000 }, async () => {
    const outcome = await runDevserver(['--version']);
    assert.equal(outcome.code, 0);
    assert.match(outcome.stdout, /^temporal-dev version \S+ \(Server \d+\.\d+\.\d+/);
  });

  it(
    'accepts --log-level never and --log-format text, and logs nothing at level never',
    { timeout: 60_000 },
    async () => {
      const port = String(await freePort());
      const outcome = await runDevserver([
        'server',
        'start-dev',
        '--port',
        port,
        '--log-level',
        'never',
        '--log-format',
        'text',
        '--dynamic-config-value',
        'some.unknown.key=1',
      ]);
      assert.match(outcome.stdout, /serving on 127\.0\.0\.1:\d+/);
      assert.equal(outcome.code, 0);
      assert.equal(outcome.stderr, '');
    },
  );

  it('refuses a non-integer value for a dynamic config key it honours', { timeout: 60_000 }, async () => {
    const outcome = await runDevserver([
      'server',
      'start-dev',
      '--dynamic-config-value',
      'limit.historyCount.suggestContinueAsNew=lots',
    ]);
    assert.equal(outcome.code, 2);
    assert.match(outcome.stderr, /limit\.historyCount\.suggestContinueAsNew: expected a non-negative integer/);
  });

  it('exits 1 with one line when the port is already in use', { timeout: 60_000 }, async () => {
    const port = await freePort();
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', () => resolve()));
    try {
      const outcome = await runDevserver(['server', 'start-dev', '--port', String(port), '--log-level', 'error']);
      assert.equal(outcome.code, 1);
      assert.equal(outcome.stderr, `temporal-dev: cannot listen on 127.0.0.1:${port}: the address is already in use\n`);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});

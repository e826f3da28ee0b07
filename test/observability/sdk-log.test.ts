// The Temporal SDK's own warnings in a Lazarus process: when the Temporal service goes away under a polling worker,
// the SDK's Rust core warns about failed polls. Those lines come out as JSON objects like every other log line, not
// in the core's own coloured text (which is what a process printed before: ANSI codes in every WARN line).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { eventually, ConformanceServer } from '../support/temporal.js';

const FIXTURE = new URL('./fixtures/sdk-log-process.ts', import.meta.url).pathname;
/** The core's warning for failed polls: "gRPC call poll_activity_task_queue retried 6 times …". */
const RETRY_WARNING = /retried \d+ times/;

describe('SDK log lines', () => {
  const children: ChildProcess[] = [];
  after(() => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  });

  it(
    'writes the core warnings about a lost Temporal service as JSON lines without ANSI codes',
    {
      timeout: 180_000,
    },
    async () => {
      const server = await ConformanceServer.start();
      let output = '';
      const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, server.address, server.namespace], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, FORCE_COLOR: '1' },
      });
      children.push(child);
      child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      try {
        await eventually('the worker polling', async () => (output.includes('polling\n') ? true : undefined), 60_000);
      } finally {
        await server.stop();
      }
      // Wait for the warning's words whatever its format, then check the format of every line.
      await eventually(
        "the core's warning about failed polls",
        async () => RETRY_WARNING.test(output) || undefined,
        120_000,
      );
      child.kill('SIGKILL');
      const lines = output
        .split('\n')
        .filter((line) => line !== '' && line !== 'polling')
        .map((line) => ({ line, record: parseJson(line) }));
      for (const { line, record } of lines) {
        assert.ok(record, `every line is a JSON object: ${line}`);
        assert.ok(!line.includes('\u001b'), `no ANSI escape: ${line}`);
      }
      const retry = lines.find(({ record }) => RETRY_WARNING.test(String(record?.msg)))?.record;
      assert.equal(retry?.level, 'warn');
      assert.equal(retry?.component, 'sdk');
      assert.equal(retry?.sdkComponent, 'core');
    },
  );
});

function parseJson(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

// The README's quickstart: `npm start` brings up the Temporal service and the simulated fleet, says where they
// are, and stops cleanly on Ctrl-C.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Connection } from '@temporalio/client';

describe('npm start', () => {
  it('starts Temporal and the simulated fleet, prints how to reach them, and stops on SIGINT', { timeout: 90_000 }, async () => {
    const home = mkdtempSync(join(tmpdir(), 'lazarus-start-'));
    const child = spawn(process.execPath, ['--import', 'tsx', 'bin/lazarus-start.ts'], {
      env: { ...process.env, LAZARUS_HOME: home, TEMPORAL_ADDRESS: '', TEMPORAL_CLI: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 60_000;
      while (!output.includes('Lazarus is ready') && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
      assert.match(output, /Lazarus is ready/, output);
      const address = /Temporal service ready at (\S+)/.exec(output)?.[1];
      assert.ok(address, 'prints the Temporal address');
      const connection = await Connection.connect({ address });
      assert.ok((await connection.workflowService.getSystemInfo({})).capabilities);
      await connection.close();
      const control = /control API (http:\/\/\S+)/.exec(output)?.[1];
      const state = (await (await fetch(`${control}/state`)).json()) as { systems?: unknown[] };
      assert.ok(Array.isArray(state.systems) && state.systems.length === 4);
      const endpoints = JSON.parse(readFileSync(join(home, 'endpoints.json'), 'utf8')) as { devices: unknown[] };
      assert.equal(endpoints.devices.length, 2);
      assert.match(readFileSync(join(home, 'known_hosts'), 'utf8'), /ssh-ed25519/);
      child.kill('SIGINT');
      assert.equal(await exited, 0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(home, { recursive: true, force: true });
    }
  });
});

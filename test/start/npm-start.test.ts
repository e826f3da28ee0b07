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
  it(
    'starts Temporal, the simulated fleet, the workers and the API, prints how to use them, and stops on SIGINT',
    { timeout: 120_000 },
    async () => {
      const home = mkdtempSync(join(tmpdir(), 'lazarus-start-'));
      const child = spawn(process.execPath, ['--import', 'tsx', 'bin/lazarus-start.ts'], {
        env: {
          ...process.env,
          LAZARUS_HOME: home,
          TEMPORAL_ADDRESS: '',
          TEMPORAL_CLI: '',
          LAZARUS_CONFIG: '',
          LAZARUS_API_TOKEN: '',
          LAZARUS_API_LISTEN: '127.0.0.1:0',
          LAZARUS_DATABASE_URL: '',
          LAZARUS_DATABASE_PATH: '',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      try {
        const deadline = Date.now() + 90_000;
        while (!output.includes('Lazarus is ready') && Date.now() < deadline && child.exitCode === null)
          await new Promise((r) => setTimeout(r, 100));
        assert.match(output, /Lazarus is ready/, output);
        const address = /Temporal service ready at (\S+)/.exec(output)?.[1];
        assert.ok(address, 'prints the Temporal address');
        const connection = await Connection.connect({ address });
        assert.ok((await connection.workflowService.getSystemInfo({})).capabilities);
        await connection.close();
        const control = /control API (http:\/\/\S+)/.exec(output)?.[1];
        const state = (await (await fetch(`${control}/state`)).json()) as { systems?: unknown[] };
        assert.ok(Array.isArray(state.systems) && state.systems.length === 4);
        const endpoints = JSON.parse(readFileSync(join(home, 'endpoints.json'), 'utf8')) as {
          devices: Array<{ name: string }>;
        };
        assert.deepEqual(endpoints.devices.map((d) => d.name).sort(), ['hmc-dc1', 'hmc-dc1b', 'svc-dc1']);
        assert.match(readFileSync(join(home, 'known_hosts'), 'utf8'), /ssh-ed25519/);
        assert.match(output, /discovery dc1-prod: ok, 20 LPARs/);
        assert.match(output, /Host monitors: monitor\/dc1-prod \((started|running)\)/, 'the host monitor runs');
        assert.doesNotMatch(output, /No workflows registered/, "the device workers' expected SDK warning is not shown");
        const api = /Lazarus API (http:\/\/\S+)/.exec(output)?.[1];
        const token = /Token: (\S+)/.exec(output)?.[1];
        assert.ok(api && token, 'prints the API URL and a token');
        assert.match(
          output,
          new RegExp(`export LAZARUS_API_TOKEN=${token}`),
          'says how to export the token the curl lines use',
        );
        assert.equal((await fetch(`${api}/v1/healthz`)).status, 200);
        const lpars = (await (
          await fetch(`${api}/v1/lpars`, { headers: { authorization: `Bearer ${token}` } })
        ).json()) as { lpars: unknown[] };
        assert.equal(lpars.lpars.length, 20);
        assert.match(output, /curl -X POST http:\S+\/v1\/failovers/, 'prints a curl line that triggers a failover');
        child.kill('SIGINT');
        assert.equal(await exited, 0);
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL');
        rmSync(home, { recursive: true, force: true });
      }
    },
  );
});

// npm start supervises the devserver it starts (issue 15: "killing the devserver leaves npm start up but frozen (health
// answers 503 after 20 s, gRPC warnings grow the log ~1.7 KB/s)"; issue 12's follow-up: monitoring stopped with it).
// A killed devserver is started again on its database and port: health says what happened at once, the SDK's retry
// warnings stay out of the log, then health is ok again and the host monitor carries on observing. Past the restart
// limit npm start stops everything and exits 2 saying why.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { accepts, alive, embeddedEnv, eventually, http, startedFrom, startProcess } from './start-process.js';

describe('npm start supervises the devserver', () => {
  it(
    'restarts a killed devserver on its database, monitoring resumes; past the limit it stops with exit code 2',
    { timeout: 600_000 },
    async () => {
      const home = mkdtempSync(join(tmpdir(), 'lazarus-supervise-'));
      const start = startProcess(
        process.execPath,
        ['--import', 'tsx', 'bin/lazarus-start.ts'],
        embeddedEnv(home, { LAZARUS_TEMPORAL_MAX_RESTARTS: '1' }),
      );
      try {
        await start.waitFor(/Lazarus is ready/, 180_000);
        const started = startedFrom(start.output());
        const monitor = async () =>
          (await http(`${started.api}/v1/groups/dc1-prod/monitor`, { token: started.token, timeoutMs: 60_000 }))
            .body as { observations?: number };
        const before = await eventually('a first observation by the host monitor', async () => {
          const view = await monitor();
          return (view.observations ?? 0) >= 1 ? view.observations! : undefined;
        });

        const killedAt = start.output().length;
        process.kill(started.devserverPid, 'SIGKILL');
        // Health says what happened without waiting for the client's retries (the old answer took some 20 s), for as
        // long as the restart takes (at least the supervisor's first pause of 1 s).
        await new Promise((r) => setTimeout(r, 150));
        const down = await eventually(
          'health saying the devserver is being restarted',
          async () => {
            const health = await http(`${started.api}/v1/healthz`, { timeoutMs: 500 });
            const detail = (health.body as { temporal?: string }).temporal ?? '';
            return health.status === 503 && /killed by SIGKILL; restarting it on .*temporal\.db/.test(detail)
              ? detail
              : undefined;
          },
          30_000,
        );
        assert.match(down, /restart 1 of at most 1/);
        await start.waitFor(/Temporal: restarted, serving at (\S+) again \(pid (\d+)\)/, 120_000);
        const restart = /Temporal: restarted, serving at (\S+) again \(pid (\d+)\)/.exec(start.output())!;
        assert.equal(restart[1], started.temporal, 'the same address: every client reconnects to it');
        const whileDown = start.output().slice(killedAt, restart.index);
        assert.doesNotMatch(whileDown, /temporalio_client::retry/, 'no SDK retry warnings while the server is down');
        assert.match(whileDown, /^Temporal: the Temporal devserver \(pid \d+\) was killed by SIGKILL; restarting/m);

        await eventually('health ok again', async () =>
          (await http(`${started.api}/v1/healthz`, { timeoutMs: 30_000 })).status === 200 ? true : undefined,
        );
        const atRestart = (await monitor()).observations ?? 0;
        assert.ok(atRestart >= before, 'the monitor kept its count through the restart (same workflow, same history)');
        await eventually(
          'the host monitor observing again after the restart',
          async () => (((await monitor()).observations ?? 0) >= atRestart + 2 ? true : undefined),
          240_000,
        );

        // A second death exceeds LAZARUS_TEMPORAL_MAX_RESTARTS=1: npm start stops everything and says why.
        const second = Number(restart[2]);
        process.kill(second, 'SIGKILL');
        const exit = await start.exited;
        assert.equal(exit.code, 2, start.output().slice(-2000));
        assert.match(
          start.output(),
          /lazarus: stopping: the Temporal devserver \(pid \d+\) was killed by SIGKILL; not restarted again: 1 restarts within 600 s already \(at most 1, LAZARUS_TEMPORAL_MAX_RESTARTS\)/,
        );
        assert.equal(await accepts(started.api), false, 'the API no longer serves');
        assert.equal(await accepts(started.control), false, 'the simulated fleet no longer serves');
        assert.equal(await accepts(started.temporal), false, 'no devserver serves');
        assert.equal(alive(second), false);
      } finally {
        start.kill();
        rmSync(home, { recursive: true, force: true });
      }
    },
  );
});

// SIGINT or SIGTERM to the `npm` process of `npm start` stops everything it started (issue 15: "SIGINT to the npm
// process leaves its children serving"), with exit code 0; and a second `npm start` on the same home finds the
// simulated fleet as the first left it, on the same control port and the same Temporal address.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { accepts, alive, embeddedEnv, http, startedFrom, startProcess, type Started } from './start-process.js';

interface FleetState {
  systems: Array<{ name: string; memoryMb: number; partitions: Array<{ name: string; state: string }> }>;
}

/** Everything the start served is gone: API, fleet, devserver, and the processes themselves. */
async function assertAllStopped(started: Started, lazarusPid: number): Promise<void> {
  assert.equal(await accepts(started.api), false, `the API at ${started.api} no longer serves`);
  assert.equal(await accepts(started.control), false, `the fleet's control API at ${started.control} no longer serves`);
  assert.equal(await accepts(started.temporal), false, `no devserver serves at ${started.temporal}`);
  assert.equal(alive(started.devserverPid), false, 'the devserver process is gone');
  assert.equal(alive(lazarusPid), false, 'the Lazarus process is gone');
}

const lazarusPidIn = (output: string) => Number(/^\{"level":"\w+","time":"[^"]+","pid":(\d+)/m.exec(output)?.[1]);

describe('signals to npm start', () => {
  it(
    'SIGINT then SIGTERM to the npm process stop everything; the next start finds the fleet as it was',
    { timeout: 600_000 },
    async () => {
      const home = mkdtempSync(join(tmpdir(), 'lazarus-signals-'));
      const first = startProcess('npm', ['start'], embeddedEnv(home));
      let second: ReturnType<typeof startProcess> | undefined;
      // Processes to kill should a check fail (what the old npm start left serving).
      const strays: number[] = [];
      try {
        await first.waitFor(/Lazarus is ready/, 180_000);
        const lazarusPid = lazarusPidIn(first.output());
        strays.push(lazarusPid);
        const before = startedFrom(first.output());
        strays.push(before.devserverPid);
        assert.ok(lazarusPid > 0 && lazarusPid !== first.child.pid, 'Lazarus logs its own pid');
        const change = [
          ['/actions/set-lpar-state', { system: 'dc1-s01', lpar: 'dc1-batch01', state: 'Not Activated' }],
          ['/actions/set-capacity', { system: 'dc1-s04', memoryMb: 777_000 }],
        ] as const;
        for (const [path, body] of change) {
          const answer = await http(`${before.control}${path}`, { method: 'POST', body });
          assert.equal(answer.status, 200, JSON.stringify(answer.body));
        }

        first.child.kill('SIGINT');
        const firstExit = await first.exited;
        assert.deepEqual(firstExit, { code: 0, signal: null }, first.output().slice(-2000));
        assert.match(first.output(), /SIGINT: stopping/);
        await assertAllStopped(before, lazarusPid);

        second = startProcess('npm', ['start'], embeddedEnv(home));
        await second.waitFor(/Lazarus is ready/, 180_000);
        const after = startedFrom(second.output());
        assert.equal(after.control, before.control, 'the control API is where it was');
        assert.equal(after.temporal, before.temporal, 'the Temporal address is where it was');
        assert.match(second.output(), /simulated fleet: restored from .*fleet-state\.json/);
        const state = (await http(`${after.control}/state`)).body as FleetState;
        const system = (name: string) => state.systems.find((s) => s.name === name);
        assert.equal(system('dc1-s01')?.partitions.find((p) => p.name === 'dc1-batch01')?.state, 'Not Activated');
        assert.equal(system('dc1-s04')?.memoryMb, 777_000);

        const secondPid = lazarusPidIn(second.output());
        strays.push(secondPid, after.devserverPid);
        second.child.kill('SIGTERM');
        assert.deepEqual(await second.exited, { code: 0, signal: null }, second.output().slice(-2000));
        assert.match(second.output(), /SIGTERM: stopping/);
        await assertAllStopped(after, secondPid);
      } finally {
        first.kill();
        second?.kill();
        for (const pid of strays) if (alive(pid)) process.kill(pid, 'SIGKILL');
        rmSync(home, { recursive: true, force: true });
      }
    },
  );
});

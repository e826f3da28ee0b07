// A port npm start needs that another process holds is named in one line and npm start exits 1 (issue 15: a second
// start died with "Cannot read properties of null (reading 'port')"): the API's, the devserver's (kept in ports.json)
// and the simulated fleet's control port (kept in sim/fleet-state.json). Whatever had started is stopped again.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { freePort } from '../../workers/temporal-service.js';
import { accepts, embeddedEnv, startProcess } from './start-process.js';

async function hold(port: number): Promise<Server> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}

/** Runs the start to its exit; returns its output, asserting exit code 1 and exactly one line naming the port. */
async function refusedStart(home: string, env: NodeJS.ProcessEnv, port: number, use: RegExp): Promise<string> {
  const start = startProcess(process.execPath, ['--import', 'tsx', 'bin/lazarus-start.ts'], embeddedEnv(home, env));
  try {
    // A start that does not refuse keeps running: give up on it (and kill it) instead of hanging the suite.
    const exit = await Promise.race([
      start.exited,
      new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 90_000).unref()),
    ]);
    const output = start.output();
    assert.ok(exit, `still running after 90 s instead of refusing the port:\n${output}`);
    assert.equal(exit.code, 1, output);
    const lines = output.split('\n').filter((line) => line.includes('is in use'));
    assert.equal(lines.length, 1, output);
    assert.match(lines[0]!, new RegExp(`^lazarus: cannot start: port ${port} on 127\\.0\\.0\\.1 \\(${use.source}`));
    assert.doesNotMatch(output, /^\s+at /m, 'no stack trace');
    return output;
  } finally {
    start.kill();
  }
}

describe('npm start names a port in use', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lazarus-ports-'));
  const held: Server[] = [];
  after(async () => {
    for (const server of held) await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it("the API's, before anything starts", { timeout: 120_000 }, async () => {
    const port = await freePort();
    held.push(await hold(port));
    const output = await refusedStart(
      join(dir, 'api'),
      { LAZARUS_API_LISTEN: `127.0.0.1:${port}` },
      port,
      /the Lazarus API, LAZARUS_API_LISTEN\) is in use by another process: stop what holds it/,
    );
    assert.doesNotMatch(output, /Temporal service ready/, 'nothing was started');
  });

  it("the devserver's remembered port", { timeout: 120_000 }, async () => {
    const home = join(dir, 'devserver');
    mkdirSync(home, { recursive: true });
    const port = await freePort();
    held.push(await hold(port));
    writeFileSync(join(home, 'ports.json'), JSON.stringify({ temporal: port }));
    const output = await refusedStart(
      home,
      {},
      port,
      /the Temporal devserver, kept in \S+ports\.json\) is in use by another process: is another npm start using/,
    );
    assert.doesNotMatch(output, /Temporal service ready/, 'nothing was started');
  });

  it(
    "the simulated fleet's control port; the devserver started before it is stopped",
    { timeout: 180_000 },
    async () => {
      const home = join(dir, 'control');
      mkdirSync(join(home, 'sim'), { recursive: true });
      const [temporalPort, controlPort] = [await freePort(), await freePort()];
      writeFileSync(join(home, 'ports.json'), JSON.stringify({ temporal: temporalPort }));
      writeFileSync(join(home, 'sim', 'fleet-state.json'), JSON.stringify({ controlPort }));
      held.push(await hold(controlPort));
      const output = await refusedStart(
        home,
        {},
        controlPort,
        /the simulated fleet's control API, kept in \S+fleet-state\.json\) is in use by another process/,
      );
      assert.match(output, new RegExp(`Temporal service ready at 127\\.0\\.0\\.1:${temporalPort}`));
      assert.equal(await accepts(`127.0.0.1:${temporalPort}`), false, 'the devserver was stopped');
    },
  );
});

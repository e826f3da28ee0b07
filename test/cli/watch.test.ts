// `lazarus watch` rides out an API that stops answering for a while (a restart) and a failover that does not
// answer its progress query (a worker restarting): against a stand-in API on a fixed port that answers, goes away,
// comes back on the same port with a 503, then with the finished run.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { test } from 'node:test';

const BIN = new URL('../../bin/lazarus.mjs', import.meta.url).pathname;
const ID = 'failover/dc1-prod/dc1-s01';

const progress = {
  workflowId: ID,
  group: 'dc1-prod',
  host: 'dc1-s01',
  phase: 'execute',
  startedAt: new Date().toISOString(),
  elapsedMs: 1000,
  rtoBudgetMs: 1_800_000,
  lpars: [{ lpar: 'dc1-db01', destination: 'dc1-s03', step: 'mapping', attempts: 1, timings: { mapping: 900 } }],
  totals: { running: 0, failed: 0, unplaced: 0, cancelled: 0, blocked: 0, notRestarted: 0, pending: 1 },
};
const report = {
  ...progress,
  phase: 'done',
  outcome: 'succeeded',
  rtoMs: 5000,
  withinBudget: true,
  unplaced: [],
  lpars: [{ ...progress.lpars[0], step: 'running', timings: { mapping: 900, running: 4000 } }],
  totals: { ...progress.totals, running: 1, pending: 0 },
};

/** Serves `answer` for every request on `port` (0: any); resolves with the server once listening. */
function serve(port: number, answer: () => { status: number; body: unknown }): Promise<Server> {
  const server = createServer((req, res) => {
    assert.equal(req.url, `/v1/failovers/${encodeURIComponent(ID)}`);
    const { status, body } = answer();
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

test(
  'watch waits for an API that restarts and a failover that does not answer, then ends with the outcome',
  {
    timeout: 120_000,
  },
  async () => {
    let reads = 0;
    let first = await serve(0, () => {
      reads++;
      return { status: 200, body: { id: ID, runId: 'r1', status: 'running', progress } };
    });
    const port = (first.address() as AddressInfo).port;
    const cli = new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const env = { PATH: process.env.PATH ?? '', HOME: tmpdir(), LAZARUS_URL: `http://127.0.0.1:${port}` };
      execFile(
        process.execPath,
        [BIN, 'watch', ID, '--interval', '200'],
        { cwd: tmpdir(), env: { ...env, LAZARUS_API_TOKEN: 'a-token' } },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
      );
    });
    // Once it has read the running failover twice, the API goes away for a while, then comes back on the same port.
    const deadline = Date.now() + 60_000;
    while (reads < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.ok(reads >= 2, 'the CLI read the running failover');
    first.closeAllConnections();
    await new Promise((r) => first.close(r));
    await new Promise((r) => setTimeout(r, 1500));
    let answers = 0;
    first = await serve(port, () =>
      ++answers <= 2
        ? { status: 503, body: { code: 'failover_not_answering', message: `failover ${ID} did not answer within 5 s` } }
        : { status: 200, body: { id: ID, runId: 'r1', status: 'completed', report } },
    );
    try {
      const result = await cli;
      assert.equal(result.code, 0, result.stdout + result.stderr);
      assert.match(result.stdout, /dc1-db01 → dc1-s03: mapping/);
      assert.match(result.stdout, /cannot reach the Lazarus API .*; still watching/);
      assert.match(result.stdout, /did not answer within 5 s \[failover_not_answering\].*; still watching/);
      assert.equal(result.stdout.trim().split('\n').at(-1), `${ID} ended: succeeded`);
    } finally {
      first.close();
    }
  },
);

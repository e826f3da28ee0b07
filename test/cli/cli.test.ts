// The `lazarus` CLI end to end: the real bin (bin/lazarus.mjs) run as a subprocess against the HTTP API of the whole
// stack on the simulated fleet (devserver, workers, simulators). Queries as tables and --json, a dry run, a failover
// started and watched to its report, an advisory one approved, and the errors that tell the operator what to do.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../support/temporal.js';
import { startSimulatedLazarus, type SimulatedLazarus } from '../support/simulated-lazarus.js';

const BIN = new URL('../../bin/lazarus.mjs', import.meta.url).pathname;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

describe('lazarus CLI (subprocess, HTTP API, simulated fleet)', () => {
  let lazarus: SimulatedLazarus;
  let home: string;

  before(async () => {
    lazarus = await startSimulatedLazarus({ name: 'cli' });
    assert.equal(await lazarus.discover(), 'ok');
    home = mkdtempSync(join(tmpdir(), 'lazarus-cli-home-'));
  });

  after(async () => {
    await lazarus?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  /** Runs the CLI asynchronously (the API answers from this very process) with a clean home and no config file. */
  const cli = (args: string[], env: Record<string, string> = {}): Promise<Result> =>
    new Promise((resolve) => {
      execFile(
        process.execPath,
        [BIN, ...args],
        {
          cwd: home,
          timeout: 240_000,
          env: {
            PATH: process.env.PATH ?? '',
            HOME: home,
            LAZARUS_HOME: join(home, '.lazarus'),
            LAZARUS_URL: lazarus.apiUrl,
            LAZARUS_API_TOKEN: lazarus.token,
            LAZARUS_OPERATOR: 'carol',
            ...env,
          },
        },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
          resolve({ code, stdout, stderr });
        },
      );
    });
  const expectOk = (result: Result, what: string) =>
    assert.equal(result.code, 0, `${what}: exit ${result.code}\n${result.stdout}\n${result.stderr}`);

  it('queries hosts and VMs as tables for people and as JSON for scripts', { timeout: 120_000 }, async () => {
    const table = await cli(['query', 'host']);
    expectOk(table, 'query host');
    for (const host of ['dc1-s01', 'dc1-s02', 'dc1-s03', 'dc1-s04']) assert.match(table.stdout, new RegExp(host));
    assert.match(table.stdout, /Operating/);
    const hosts = await cli(['--json', 'query', 'host']);
    expectOk(hosts, 'query host --json');
    assert.equal((JSON.parse(hosts.stdout) as { hosts: unknown[] }).hosts.length, 4);
    const lpars = JSON.parse((await cli(['query', 'vm', '--json'])).stdout) as {
      lpars: Array<{ name: string; host: string }>;
    };
    assert.equal(lpars.lpars.length, 20);
    const one = lpars.lpars[0]!;
    const host = await cli(['query', 'host', one.host]);
    expectOk(host, 'query host <name>');
    assert.match(host.stdout, new RegExp(one.name), 'a host shows its LPARs');
    const vm = await cli(['query', 'vm', one.name]);
    expectOk(vm, 'query vm <name>');
    assert.match(vm.stdout, new RegExp(`host\\s*│?\\s*${one.host}`));
  });

  it('says what to do next: token, URL, unknown ids, command line', { timeout: 120_000 }, async () => {
    const badToken = await cli(['query', 'host'], { LAZARUS_API_TOKEN: 'not-the-token-0123456789' });
    assert.equal(badToken.code, 4, badToken.stderr);
    assert.match(badToken.stderr, /refused the token from LAZARUS_API_TOKEN \(401/);
    assert.match(badToken.stderr, /export LAZARUS_API_TOKEN=/);
    assert.doesNotMatch(badToken.stderr + badToken.stdout, /not-the-token/, 'the token is never echoed');
    const noToken = await cli(['query', 'host'], { LAZARUS_API_TOKEN: '' });
    assert.equal(noToken.code, 4, noToken.stderr);
    assert.match(noToken.stderr, /no API token is set/);
    const closed = 'http://127.0.0.1:9'; // the discard port: nothing listens on it here
    const unreachable = await cli(['query', 'host'], { LAZARUS_URL: closed });
    assert.equal(unreachable.code, 3, unreachable.stderr);
    assert.match(
      unreachable.stderr,
      /cannot reach the Lazarus API at http:\/\/127\.0\.0\.1:9 \(URL from LAZARUS_URL\)/,
    );
    assert.match(unreachable.stderr, /--url/);
    const unknownHost = await cli(['query', 'failover', 'dc9-s99']);
    assert.equal(unknownHost.code, 5, unknownHost.stderr);
    assert.match(unknownHost.stderr, /no host dc9-s99 in any host group/);
    const neverRun = await cli(['query', 'report', 'failover/dc1-prod/dc1-s04']);
    assert.equal(neverRun.code, 5, neverRun.stderr);
    assert.match(neverRun.stderr, /no failover failover\/dc1-prod\/dc1-s04 has run yet/);
    assert.match(neverRun.stderr, /failover\/<group>\/<host>, <group>\/<host> or just <host>/);
    const usage = await cli(['query', 'nothing']);
    assert.equal(usage.code, 2, usage.stderr);
    const noNote = await cli(['override-fence', 'dc1-s04']);
    assert.equal(noNote.code, 2, noNote.stderr);
    assert.match(noNote.stderr, /--note/);
  });

  it('plans a dry run, then starts a failover and watches it to its report', { timeout: 240_000 }, async () => {
    await lazarus.control('POST', '/faults', { kind: 'host-error', target: 'dc1-s01' });
    const dry = await cli(['failover', 'dc1-s01', '--dry-run', '--json']);
    expectOk(dry, 'failover --dry-run');
    const plan = JSON.parse(dry.stdout) as { outcome: string; plan: { streams: unknown[] } };
    assert.equal(plan.outcome, 'dry-run');
    assert.ok(plan.plan.streams.length > 0, 'the dry run has a plan');
    const watched = await cli(['failover', 'dc1-s01', '--watch', '--interval', '250']);
    expectOk(watched, 'failover --watch');
    const lines = watched.stdout.split('\n');
    assert.match(lines[0]!, /^started failover\/dc1-prod\/dc1-s01 \(auto\)$/);
    assert.ok(
      lines.some((l) => /\] \S+ → dc1-s0[234]: running$/.test(l)),
      `an LPAR's step line:\n${watched.stdout}`,
    );
    assert.ok(!watched.stdout.includes('\u001b['), 'no terminal redraws when stdout is not a TTY');
    assert.equal(lines.filter(Boolean).at(-1), 'failover/dc1-prod/dc1-s01 ended: succeeded');
    const report = await cli(['query', 'report', 'dc1-prod/dc1-s01', '--json']);
    expectOk(report, 'query report');
    const run = JSON.parse(report.stdout) as { report: { outcome: string; lpars: unknown[] } };
    assert.equal(run.report.outcome, 'succeeded');
    const list = JSON.parse((await cli(['query', 'failover', '--json'])).stdout) as {
      failovers: Array<{ id: string; outcome?: string }>;
    };
    assert.equal(list.failovers.find((f) => f.id === 'failover/dc1-prod/dc1-s01')?.outcome, 'succeeded');
  });

  it('starts an advisory failover that waits until an operator approves it', { timeout: 240_000 }, async () => {
    await lazarus.control('POST', '/faults', { kind: 'host-error', target: 'dc1-s02' });
    const started = await cli(['failover', 'dc1-s02', '--advisory']);
    expectOk(started, 'failover --advisory');
    assert.match(started.stdout, /lazarus approve dc1-s02/);
    await eventually(
      'the approval phase',
      async () => {
        const state = await lazarus.api<{ progress?: { phase?: string } }>(
          'GET',
          `/v1/failovers/${encodeURIComponent('failover/dc1-prod/dc1-s02')}`,
        );
        return state.body.progress?.phase === 'approve' ? true : undefined;
      },
      120_000,
      250,
    );
    const approved = await cli(['approve', 'failover%2Fdc1-prod%2Fdc1-s02', '--note', 'checked the rack']);
    expectOk(approved, 'approve');
    assert.match(approved.stdout, /failover\/dc1-prod\/dc1-s02: approved \(now in phase fence\)/);
    const watched = await cli(['watch', 'dc1-s02', '--json']);
    const run = JSON.parse(watched.stdout) as {
      report: { outcome: string; approval?: { decision: string; by?: string } };
    };
    assert.equal(run.report.approval?.decision, 'approved');
    // The second failed host of a small fleet may not fit everywhere: the exit code follows the outcome.
    assert.equal(watched.code, run.report.outcome === 'succeeded' ? 0 : 7, watched.stderr);
    const again = await cli(['approve', 'dc1-s02']);
    assert.equal(again.code, 6, 'nothing to approve any more');
    assert.match(again.stderr, /failover\/dc1-prod\/dc1-s02 is completed/);
  });

  it('puts a host into maintenance and reads monitoring and notifications', { timeout: 120_000 }, async () => {
    const noNote = await cli(['maintenance', 'on', 'dc1-s03']);
    assert.equal(noNote.code, 2, noNote.stderr);
    assert.match(noNote.stderr, /--note/);
    const on = await cli(['maintenance', 'on', 'dc1-s03', '--note', 'DIMM swap']);
    expectOk(on, 'maintenance on');
    assert.match(on.stdout, /^dc1-s03: in maintenance since \S+ \(DIMM swap, by /);
    expectOk(await cli(['maintenance', 'off', 'dc1-s03']), 'maintenance off');
    const offAgain = await cli(['maintenance', 'off', 'dc1-s03']);
    assert.equal(offAgain.code, 5, offAgain.stderr);
    assert.match(offAgain.stderr, /host dc1-s03 is not in maintenance/);
    const detections = await cli(['query', 'detections', 'dc1-prod', '--json']);
    expectOk(detections, 'query detections');
    assert.ok(Array.isArray((JSON.parse(detections.stdout) as { detections: unknown[] }).detections));
    const unknownGroup = await cli(['query', 'monitor', 'dc9-nope']);
    assert.equal(unknownGroup.code, 5, unknownGroup.stderr);
    assert.match(unknownGroup.stderr, /dc9-nope/);
    const notifications = await cli(['query', 'notification', '--json', '--limit', '100']);
    expectOk(notifications, 'query notification');
    const kinds = (JSON.parse(notifications.stdout) as { notifications: Array<{ kind: string }> }).notifications.map(
      (n) => n.kind,
    );
    assert.ok(kinds.includes('failover-finished'), `the failovers above raised notifications: ${kinds.join(', ')}`);
    const table = await cli(['query', 'notification']);
    expectOk(table, 'query notification (table)');
    assert.match(table.stdout, /failover-finished/);
  });
});

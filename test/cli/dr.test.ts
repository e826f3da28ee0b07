// The CLI's disaster-recovery verbs as a subprocess against the whole stack on the simulated DR fleet
// (examples/fleet-dr.yaml with examples/lazarus-dr.yaml): verify the active site and read the verification, and
// the errors for the backup site, an unknown site and a move to a site that is not the backup; a VM's DR state; an
// advisory move rejected; a DR test and its cleanup; a resync; the provider queue's and the decisions' errors.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../support/temporal.js';
import { startSimulatedLazarus, type SimulatedLazarus } from '../support/simulated-lazarus.js';

const BIN = new URL('../../bin/lazarus.mjs', import.meta.url).pathname;
const FLEET = new URL('../../examples/fleet-dr.yaml', import.meta.url).pathname;
const CONFIG = new URL('../../examples/lazarus-dr.yaml', import.meta.url).pathname;

describe('lazarus CLI: disaster recovery (subprocess, simulated DR fleet)', () => {
  let lazarus: SimulatedLazarus;

  before(async () => {
    lazarus = await startSimulatedLazarus({ name: 'cli-dr', fleet: FLEET, config: CONFIG });
  });
  after(async () => lazarus?.stop());

  const cli = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const env = { PATH: process.env.PATH ?? '', HOME: tmpdir(), LAZARUS_HOME: tmpdir() };
      execFile(
        process.execPath,
        [BIN, ...args],
        {
          cwd: tmpdir(),
          timeout: 300_000,
          env: { ...env, LAZARUS_URL: lazarus.apiUrl, LAZARUS_API_TOKEN: lazarus.token },
        },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
      );
    });

  it('verifies the active site and shows each VM READY_TO_MOVE or why not', { timeout: 300_000 }, async () => {
    const none = await cli(['query', 'site', 'dc1']);
    assert.equal(none.code, 5, none.stderr);
    assert.match(none.stderr, /lazarus verify dc1/);
    const verified = await cli(['verify', 'dc1', '--json']);
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
    const verification = JSON.parse(verified.stdout) as { site: string; vms: Array<{ vm: string; state: string }> };
    assert.equal(verification.site, 'dc1');
    assert.ok(verification.vms.length > 0);
    const shown = await cli(['query', 'site', 'dc1']);
    assert.equal(shown.code, 0, shown.stderr);
    for (const vm of verification.vms) assert.match(shown.stdout, new RegExp(`${vm.vm}\\s*│\\s*${vm.state}`));
    const history = await cli(['query', 'site', 'dc1', '--history', '--json']);
    assert.equal((JSON.parse(history.stdout) as { verifications: unknown[] }).verifications.length, 1);
  });

  it('names the site to use when the site or the move target is wrong', { timeout: 120_000 }, async () => {
    const backup = await cli(['verify', 'dc2', '--wait', '0']);
    assert.equal(backup.code, 6, backup.stderr);
    assert.match(backup.stderr, /site dc2 is a backup site; discover and verify an active site \(dc1\)/);
    const unknown = await cli(['query', 'site', 'dc9']);
    assert.equal(unknown.code, 5, unknown.stderr);
    assert.match(unknown.stderr, /site dc9 is not a DR site/);
    const wrongTarget = await cli(['move', 'site', 'dc1', '--to', 'dc9']);
    assert.equal(wrongTarget.code, 8, wrongTarget.stderr);
    assert.match(wrongTarget.stderr, /the backup site of dc1 is dc2, not dc9/);
    const noTarget = await cli(['move', 'site', 'dc1']);
    assert.equal(noTarget.code, 2, noTarget.stderr);
    assert.match(noTarget.stderr, /--to/);
  });

  /** Polls a `--json` query until `probe` accepts its answer (generous deadline: the machine is shared). */
  const until = async <T>(args: string[], probe: (answer: T) => boolean): Promise<T> =>
    eventually(
      `lazarus ${args.join(' ')} to answer as expected`,
      async () => {
        const shown = await cli([...args, '--json']);
        assert.equal(shown.code, 0, shown.stderr);
        const answer = JSON.parse(shown.stdout) as T;
        return probe(answer) ? answer : undefined;
      },
      300_000,
      500,
    );

  it("shows a VM's DR state and its history, and names an unverified VM", { timeout: 120_000 }, async () => {
    const json = await cli(['query', 'dr', 'dc1-web01', '--json']);
    assert.equal(json.code, 0, json.stderr);
    const view = JSON.parse(json.stdout) as { vm: string; site: string; state: string; history: unknown[] };
    assert.deepEqual([view.vm, view.site, view.history.length], ['dc1-web01', 'dc1', 1]);
    const text = await cli(['query', 'dr', 'dc1-web01']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /site\s*│\s*dc1 → dc2/);
    assert.match(text.stdout, new RegExp(`state\\s*│\\s*${view.state}`));
    const unknown = await cli(['query', 'dr', 'nosuch-vm']);
    assert.equal(unknown.code, 5, unknown.stderr);
    assert.match(unknown.stderr, /VM nosuch-vm was not verified at site dc1/);
    assert.match(unknown.stderr, /lazarus verify <site>/);
  });

  it(
    'an advisory move waits with its plan and a reject ends it; decisions say what to do',
    {
      timeout: 300_000,
    },
    async () => {
      const early = await cli(['move', 'approve', 'dc1']);
      assert.equal(early.code, 6, early.stderr);
      assert.match(early.stderr, /no move of dc1 is running/);
      assert.match(early.stderr, /lazarus move site dc1 --to <backup>/);
      const both = await cli(['move', 'site', 'dc1', '--to', 'dc2', '--advisory', '--unplanned']);
      assert.equal(both.code, 2, both.stderr);
      const zero = await cli(['move', 'site', 'dc1', '--to', 'dc2', '--shutdown-timeout', '0']);
      assert.equal(zero.code, 2, zero.stderr);
      assert.match(zero.stderr, /--shutdown-timeout must be a whole number of seconds from 1 to 3600, not 0/);
      const started = await cli(['move', 'site', 'dc1', '--to', 'dc2', '--advisory']);
      assert.equal(started.code, 0, started.stderr);
      assert.match(started.stdout, /lazarus move approve dc1/);
      await until<{ progress?: { awaitingApproval?: boolean } }>(
        ['query', 'move', 'dc1'],
        (v) => v.progress?.awaitingApproval === true,
      );
      const noFence = await cli(['move', 'override-fence', 'dc1', '--reason', 'hosts are off']);
      assert.equal(noFence.code, 6, noFence.stderr);
      assert.match(noFence.stderr, /no move of dc1 waits at its fence/);
      const noReason = await cli(['move', 'override-fence', 'dc1']);
      assert.equal(noReason.code, 2, noReason.stderr);
      assert.match(noReason.stderr, /--reason/);
      const rejected = await cli(['move', 'reject', 'dc1', '--by', 'alice', '--reason', 'not tonight']);
      assert.equal(rejected.code, 0, rejected.stderr);
      assert.match(rejected.stdout, /reject sent to the move of dc1/);
      const done = await until<{ status: string; report?: { outcome: string; decisions: Array<{ by: string }> } }>(
        ['query', 'move', 'dc1'],
        (v) => v.status === 'COMPLETED',
      );
      assert.equal(done.report!.outcome, 'rejected');
      assert.deepEqual(
        done.report!.decisions.map((d) => d.by),
        ['alice'],
      );
    },
  );

  it('runs a DR test, shows it waiting for its cleanup, and cleans it up', { timeout: 300_000 }, async () => {
    const badHold = await cli(['test', 'site', 'dc1', '--hold', 'soon']);
    assert.equal(badHold.code, 2, badHold.stderr);
    assert.match(badHold.stderr, /--hold must be a whole number of seconds from 0 to 604800/);
    const started = await cli(['test', 'site', 'dc1']);
    assert.equal(started.code, 0, started.stderr);
    assert.match(started.stdout, /DR test of dc1 started/);
    assert.match(started.stdout, /lazarus test cleanup dc1/);
    await until<{ progress?: { test?: { awaitingCleanup?: boolean } } }>(
      ['query', 'test', 'dc1'],
      (v) => v.progress?.test?.awaitingCleanup === true,
    );
    const shown = await cli(['query', 'test', 'dc1']);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /RUNNING \(test VMs up: waits for `lazarus test cleanup`\)/);
    const again = await cli(['test', 'site', 'dc1']);
    assert.equal(again.code, 6, again.stderr);
    assert.match(again.stderr, /a DR test of dc1 is already running/);
    assert.match(again.stderr, /lazarus test cleanup dc1/);
    const cleanup = await cli(['test', 'cleanup', 'dc1', '--reason', 'rehearsal done']);
    assert.equal(cleanup.code, 0, cleanup.stderr);
    assert.match(cleanup.stdout, /cleanup of the DR test of dc1 asked/);
    const done = await until<{ status: string; report?: { test?: { cleanedUp: boolean } } }>(
      ['query', 'test', 'dc1'],
      (v) => v.status === 'COMPLETED',
    );
    assert.equal(done.report!.test!.cleanedUp, true, JSON.stringify(done.report));
    const twice = await cli(['test', 'cleanup', 'dc1']);
    assert.equal(twice.code, 6, twice.stderr);
    assert.match(twice.stderr, /no DR test of dc1 is running/);
    assert.match(twice.stderr, /lazarus test site dc1/);
  });

  it('starts a resync of the active site and follows it as a move', { timeout: 300_000 }, async () => {
    const backup = await cli(['resync', 'dc2']);
    assert.equal(backup.code, 6, backup.stderr);
    assert.match(backup.stderr, /site dc2 is a backup site/);
    const started = await cli(['resync', 'dc1', '--json']);
    assert.equal(started.code, 0, started.stderr);
    const answer = JSON.parse(started.stdout) as { workflowId: string; message: string };
    assert.equal(answer.workflowId, 'dr-move/dc1');
    assert.match(answer.message, /resynchronization of dc1 from its backup site started/);
    const done = await until<{ status: string; report?: { mode: string; outcome: string } }>(
      ['query', 'move', 'dc1'],
      (v) => v.status === 'COMPLETED',
    );
    // dc1 was never moved away: its VMs still run there, so the resync refuses to overwrite them.
    assert.deepEqual([done.report!.mode, done.report!.outcome], ['resync', 'not-ready']);
    const shown = await cli(['query', 'move', 'dc1']);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /not-ready/);
    assert.match(shown.stdout, /SHADOW_ACTIVE/);
  });

  it('names what to do when no provider coordinator runs for a site', { timeout: 60_000 }, async () => {
    const none = await cli(['query', 'queue', 'dc2']);
    assert.equal(none.code, 5, none.stderr);
    assert.match(none.stderr, /no provider coordinator runs for site dc2/);
    assert.match(none.stderr, /dr\.tenants of lazarus\.yaml/);
  });
});

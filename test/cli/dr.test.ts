// The CLI's disaster-recovery verbs as a subprocess against the whole stack on the simulated DR fleet
// (examples/fleet-dr.yaml with examples/lazarus-dr.yaml): verify the active site and read the verification, and
// the errors for the backup site, an unknown site and a move to a site that is not the backup.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { after, before, describe, it } from 'node:test';
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
});

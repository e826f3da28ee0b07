// The CLI's DRaaS verbs as a subprocess against the whole stack on the simulated provider fleet
// (examples/fleet-draas.yaml with examples/lazarus-draas.yaml, the gather window widened to 60 s so the requests
// below wait together however loaded the machine): two tenants' unplanned moves queued at the shared site `prov`,
// `query queue prov` showing them in contract-priority order, and `move cancel ta` withdrawing acme's queued move.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { startSimulatedLazarus, type SimulatedLazarus } from '../support/simulated-lazarus.js';

const BIN = new URL('../../bin/lazarus.mjs', import.meta.url).pathname;
const FLEET = new URL('../../examples/fleet-draas.yaml', import.meta.url).pathname;
const CONFIG = new URL('../../examples/lazarus-draas.yaml', import.meta.url).pathname;

interface Queue {
  site: string;
  running: Array<{ tenant: string; site: string }>;
  queued: Array<{ tenant: string; site: string; contractPriority: number }>;
  done: Array<{ tenant: string; site: string; outcome: string }>;
}

describe('lazarus CLI: DRaaS provider queue (subprocess, simulated provider fleet)', () => {
  let lazarus: SimulatedLazarus;

  before(async () => {
    lazarus = await startSimulatedLazarus({
      name: 'cli-draas',
      fleet: FLEET,
      config: CONFIG,
      editConfig: (text) => text.replace('gatherWindow: 5s', 'gatherWindow: 60s'),
    });
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

  it('shows the queue in contract-priority order and withdraws a queued move', { timeout: 300_000 }, async () => {
    const none = await cli(['query', 'queue', 'prov']);
    assert.equal(none.code, 5, none.stderr);
    assert.match(none.stderr, /no provider coordinator runs for site prov/);
    for (const site of ['ta', 'tb']) {
      const verified = await cli(['verify', site, '--json']);
      assert.equal(verified.code, 0, verified.stdout + verified.stderr);
    }
    for (const site of ['ta', 'tb']) {
      const asked = await cli(['move', 'site', site, '--to', 'prov', '--unplanned']);
      assert.equal(asked.code, 0, asked.stderr);
      assert.match(asked.stdout, new RegExp(`unplanned move of ${site} to prov asked of the provider coordinator`));
    }
    const json = await cli(['query', 'queue', 'prov', '--json']);
    assert.equal(json.code, 0, json.stderr);
    const queue = JSON.parse(json.stdout) as Queue;
    // globex (contract priority 80) goes before acme (20), though acme asked first.
    assert.deepEqual(
      queue.queued.map((q) => [q.tenant, q.site, q.contractPriority]),
      [
        ['globex', 'tb', 80],
        ['acme', 'ta', 20],
      ],
    );
    const text = await cli(['query', 'queue', 'prov']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /shared recovery site prov/);
    assert.match(text.stdout, /queued #1\s*│\s*globex\s*│\s*tb\s*│\s*80/);
    assert.match(text.stdout, /queued #2\s*│\s*acme\s*│\s*ta\s*│\s*20/);

    const cancelled = await cli(['move', 'cancel', 'ta', '--reason', 'false alarm', '--json']);
    assert.equal(cancelled.code, 0, cancelled.stderr);
    assert.equal((JSON.parse(cancelled.stdout) as { status: string }).status, 'CANCELLED', cancelled.stdout);
    const left = await cli(['query', 'queue', 'prov']);
    assert.equal(left.code, 0, left.stderr);
    assert.doesNotMatch(left.stdout, /queued #2/);
    assert.match(left.stdout, /done\s*│\s*acme\s*│\s*ta\s*│.*│\s*cancelled/);
  });
});

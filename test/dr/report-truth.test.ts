// Smaller report truths of issue 13 (trial finding 5), through the HTTP API on the simulated DR fleet
// (examples/fleet-dr.yaml, examples/lazarus-dr.yaml): after a planned move dc1 → dc2, a DR test of dc1 ends
// not-ready naming each VM and why (before: `notReady: []`); a planned move cancelled while it starts VMs at dc2 names
// every VM and where it runs, and the move back does not say `moved` while VMs that ran before run at neither site
// (before: `moved`, the VMs down at both sites named nowhere); a running move's progress says `running`, not
// `failed`. The simulator's violation log stays empty.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../support/temporal.js';
import { startSimulatedLazarus, type SimulatedLazarus } from '../support/simulated-lazarus.js';

const FLEET = new URL('../../examples/fleet-dr.yaml', import.meta.url).pathname;
const CONFIG = new URL('../../examples/lazarus-dr.yaml', import.meta.url).pathname;

interface Report {
  outcome: string;
  whereabouts?: Array<{ vm: string; running: string; ranBefore: boolean }>;
  steps: Array<{ step: string; detail?: string }>;
  notReady?: Array<{ vm: string; codes: string[] }>;
  vms: Array<{ vm: string; state?: string }>;
}

async function completed(lazarus: SimulatedLazarus, path: string): Promise<Report> {
  return (await eventually(
    `${path} to complete`,
    async () => {
      const view = await lazarus.api<{ status: string; report?: Report }>('GET', path);
      return view.body.status === 'COMPLETED' ? view.body.report : undefined;
    },
    300_000,
    250,
  ))!;
}

describe('DR reports say the truth', () => {
  let lazarus: SimulatedLazarus;
  before(async () => {
    lazarus = await startSimulatedLazarus({ name: 'dr-report-truth', fleet: FLEET, config: CONFIG });
  });
  after(async () => lazarus?.stop());

  it(
    'a DR test while the site runs at its backup site is not-ready, naming each VM',
    { timeout: 600_000 },
    async () => {
      assert.equal((await lazarus.api('POST', '/v1/sites/dc1/verify?wait=240')).status, 200);
      const move = await lazarus.api('POST', '/v1/sites/dc1/move', { to: 'dc2', shutdownTimeout: 60 });
      assert.equal(move.status, 202, JSON.stringify(move.body));
      const moved = await completed(lazarus, '/v1/sites/dc1/move');
      assert.equal(moved.outcome, 'moved', JSON.stringify(moved));

      const test = await lazarus.api('POST', '/v1/sites/dc1/test', {});
      assert.equal(test.status, 202, JSON.stringify(test.body));
      const report = await completed(lazarus, '/v1/sites/dc1/test');
      assert.equal(report.outcome, 'not-ready');
      // Every moved VM is named, running at dc2; any other VM of dc1 is named too, with why.
      const codes = new Map(report.notReady!.map((n) => [n.vm, n.codes]));
      for (const { vm } of moved.vms) assert.deepEqual(codes.get(vm), ['SHADOW_ACTIVE'], vm);
      assert.ok(
        report.notReady!.every((n) => n.codes.length > 0),
        JSON.stringify(report.notReady),
      );
      assert.deepEqual(await lazarus.control('GET', '/violations'), []);
    },
  );
});

describe('a cancelled move and the move back name every VM', () => {
  let lazarus: SimulatedLazarus;
  before(async () => {
    lazarus = await startSimulatedLazarus({ name: 'dr-cancel-truth', fleet: FLEET, config: CONFIG });
  });
  after(async () => lazarus?.stop());

  it('cancelled during start-at-backup-site, then moved back: not `moved`', { timeout: 600_000 }, async () => {
    assert.equal((await lazarus.api('POST', '/v1/sites/dc1/verify?wait=240')).status, 200);
    // Activations at dc2 hang until the cancel is in, so some VMs are stopped at dc1 and never started at dc2.
    const hang = await lazarus.control<{ id: string }>('POST', '/faults', {
      kind: 'command-hang',
      target: 'hmc-dc2',
      command: 'chsysstate',
      match: '-o on',
    });
    const move = await lazarus.api('POST', '/v1/sites/dc1/move', { to: 'dc2', shutdownTimeout: 60 });
    assert.equal(move.status, 202, JSON.stringify(move.body));
    await eventually(
      'the move to start VMs at dc2',
      async () => {
        const view = await lazarus.api<{ progress?: Report }>('GET', '/v1/sites/dc1/move');
        return view.body.progress?.steps.at(-1)?.step === 'start-at-backup-site' ? true : undefined;
      },
      300_000,
      250,
    );
    // While it runs, its outcome is not yet decided (before: `failed`).
    const running = await lazarus.api<{ status: string; progress?: Report }>('GET', '/v1/sites/dc1/move');
    assert.equal(running.body.status, 'RUNNING');
    assert.equal(running.body.progress!.outcome, 'running');
    const cancel = await lazarus.api('POST', '/v1/sites/dc1/move/cancel', { reason: 'truth test' });
    assert.equal(cancel.status, 202, JSON.stringify(cancel.body));
    await lazarus.control('DELETE', `/faults/${hang.id}`);
    const cancelled = await completed(lazarus, '/v1/sites/dc1/move');
    assert.equal(cancelled.outcome, 'cancelled');
    const where = new Map(cancelled.whereabouts!.map((w) => [w.vm, w]));
    const down = cancelled.whereabouts!.filter((w) => w.ranBefore && w.running === 'nowhere').map((w) => w.vm);
    assert.ok(down.length > 0, `the cancel left VMs down at both sites: ${JSON.stringify(cancelled.whereabouts)}`);
    assert.ok(
      cancelled.vms.every((v) => where.has(v.vm)),
      'every VM of the move is named',
    );
    assert.match(cancelled.steps.at(-1)!.detail ?? '', new RegExp(down[0]!));

    const back = await lazarus.api('POST', '/v1/sites/dc1/move-back', {});
    assert.equal(back.status, 202, JSON.stringify(back.body));
    const report = await completed(lazarus, '/v1/sites/dc1/move');
    assert.notEqual(report.outcome, 'moved', JSON.stringify(report));
    const lost = report.whereabouts!.filter((w) => w.ranBefore && w.running === 'nowhere').map((w) => w.vm);
    assert.deepEqual(lost.sort(), [...down].sort(), 'the VMs down at both sites are named by the move back');
    assert.match(report.steps.at(-1)!.detail ?? '', /running at neither site though they ran before/);
    assert.deepEqual(await lazarus.control('GET', '/violations'), []);
  });
});

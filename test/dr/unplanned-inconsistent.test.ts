// An unplanned move with one consistency group whose copy at the backup site is not consistent (issue 13: the trial
// made cg-dc1-s01/s02 writable, then failed on cg-dc1-s03 with CMMVC5982E, nothing started) is decided before
// anything is touched: refused, naming the group; dc1 is not powered off, no copy is made writable.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../support/temporal.js';
import { startSimulatedLazarus, type SimulatedLazarus } from '../support/simulated-lazarus.js';

const FLEET = new URL('../../examples/fleet-dr.yaml', import.meta.url).pathname;
const CONFIG = new URL('../../examples/lazarus-dr.yaml', import.meta.url).pathname;

interface FleetState {
  systems: Array<{ name: string; state: string; partitions: Array<{ name: string; state: string }> }>;
  consistencyGroups: Array<{ name: string; state: string; primary: string }>;
}
interface MoveView {
  status: string;
  report?: { outcome: string; steps: Array<{ step: string; detail?: string }>; groups: unknown[]; fenced?: unknown };
}

describe('unplanned DR move with one inconsistent group', () => {
  let lazarus: SimulatedLazarus;
  let dir: string;
  before(async () => {
    // The DR fleet with cg-dc1-s03 still on its initial copy (simulator fleet spec: a group's `state`).
    dir = await mkdtemp(join(tmpdir(), 'dr-inconsistent-'));
    const fleet = (await readFile(FLEET, 'utf8')).replace(
      /(- name: cg-dc1-s03\n(\s+)master: svc-dc1\n)/,
      '$1$2state: inconsistent_copying\n',
    );
    assert.match(fleet, /state: inconsistent_copying/);
    await writeFile(join(dir, 'fleet.yaml'), fleet);
    lazarus = await startSimulatedLazarus({ name: 'dr-inconsistent', fleet: join(dir, 'fleet.yaml'), config: CONFIG });
  });
  after(async () => {
    await lazarus?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('is refused before anything is touched, naming the group', { timeout: 300_000 }, async () => {
    const verified = await lazarus.api('POST', '/v1/sites/dc1/verify?wait=240');
    assert.equal(verified.status, 200, JSON.stringify(verified.body));
    const before = await lazarus.control<FleetState>('GET', '/state');
    const started = await lazarus.api('POST', '/v1/sites/dc1/move', { to: 'dc2', mode: 'unplanned' });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const report = await eventually(
      'the unplanned move to end',
      async () => {
        const view = await lazarus.api<MoveView>('GET', '/v1/sites/dc1/move');
        return view.body.status === 'COMPLETED' ? view.body.report : undefined;
      },
      240_000,
      250,
    );
    assert.equal(report.outcome, 'failed', JSON.stringify(report));
    assert.match(report.steps.at(-1)?.detail ?? '', /^refused: cg-dc1-s03 is inconsistent_copying/);
    assert.deepEqual(report.groups, []);
    const after = await lazarus.control<FleetState>('GET', '/state');
    const hosts = (s: FleetState) => s.systems.map((x) => [x.name, x.state]);
    assert.deepEqual(hosts(after), hosts(before), 'no host powered off');
    const groups = (s: FleetState) => s.consistencyGroups.map((g) => [g.name, g.state, g.primary]);
    assert.deepEqual(groups(after), groups(before), 'no copy made writable');
    assert.deepEqual(await lazarus.control('GET', '/violations'), []);
  });
});

// An unplanned move whose backup site cannot describe one of its backup hosts stops before touching anything, naming
// the host, instead of sending its VMs' start requests to no device (bench:dr once waited forever on that).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../support/temporal.js';
import { startSimulatedLazarus, type SimulatedLazarus } from '../support/simulated-lazarus.js';

const FLEET = new URL('../../examples/fleet-dr.yaml', import.meta.url).pathname;
const CONFIG = new URL('../../examples/lazarus-dr.yaml', import.meta.url).pathname;

interface MoveView {
  status: string;
  report?: { outcome: string; steps: Array<{ step: string; detail?: string }> };
}
interface FleetState {
  systems: Array<{ name: string; partitions: Array<{ name: string; state: string }> }>;
}

describe('unplanned DR move with an unreadable backup host', () => {
  let lazarus: SimulatedLazarus;
  before(async () => {
    lazarus = await startSimulatedLazarus({ name: 'dr-unreadable', fleet: FLEET, config: CONFIG });
  });
  after(async () => lazarus?.stop());

  it('stops at prepare, naming the host, with nothing started at the backup site', { timeout: 300_000 }, async () => {
    const verified = await lazarus.api('POST', '/v1/sites/dc1/verify?wait=240');
    assert.equal(verified.status, 200);
    for (const [kind, target] of [
      ['replication-link-down', 'svc-dc2'],
      ['host-power-loss', 'dc1-s01'],
      ['host-power-loss', 'dc1-s02'],
      ['host-power-loss', 'dc1-s03'],
      ['host-power-loss', 'dc1-s04'],
      ['device-unreachable', 'hmc-dc1'],
      ['device-unreachable', 'svc-dc1'],
      ['host-power-loss', 'dc2-s02'],
    ])
      await lazarus.control('POST', '/faults', { kind, target });
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
    assert.match(JSON.stringify(report.steps), /backup host\(s\) dc2-s02 could not be read/);
    const state = await lazarus.control<FleetState>('GET', '/state');
    const runningAtDc2 = state.systems
      .filter((s) => s.name.startsWith('dc2-'))
      .flatMap((s) => s.partitions.filter((p) => p.state === 'Running' && !p.name.includes('vios')));
    assert.deepEqual(runningAtDc2, [], 'nothing started at dc2');
    assert.deepEqual(await lazarus.control('GET', '/violations'), []);
  });
});

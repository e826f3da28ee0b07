// The operator's gates on a site move, through the HTTP API on the simulated DR fleet: an advisory move shows its
// plan and waits — a reject leaves everything as it was, an approve moves; a cancel while VMs are being stopped at
// dc1 lets the device step under way finish, starts nothing at dc2 and switches nothing, and the report says what
// was done; a device that stays unreachable ends the move with a report. The violation log stays empty.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../support/temporal.js';
import { startSimulatedLazarus, type SimulatedLazarus } from '../support/simulated-lazarus.js';

const FLEET = new URL('../../examples/fleet-dr.yaml', import.meta.url).pathname;
const CONFIG = new URL('../../examples/lazarus-dr.yaml', import.meta.url).pathname;

interface Report {
  outcome: string;
  awaitingApproval?: boolean;
  plan?: { shutdown: Array<{ vms: string[] }>; waves: unknown[] };
  decisions: Array<{ kind: string; by: string; reason?: string }>;
  vms: Array<{ vm: string; stopped?: string; state?: string }>;
  steps: Array<{ step: string; detail?: string }>;
}
interface MoveView {
  status: string;
  progress?: Report;
  report?: Report;
}
interface FleetState {
  systems: Array<{ name: string; partitions: Array<{ name: string; state: string }> }>;
}

const running = (state: FleetState, prefix: string) =>
  state.systems
    .filter((s) => s.name.startsWith(prefix))
    .flatMap((s) => s.partitions.filter((p) => p.state === 'Running' && !p.name.includes('vios')).map((p) => p.name))
    .sort();

describe('operator gates of a DR move', () => {
  let lazarus: SimulatedLazarus;
  const move = (probe: (view: MoveView) => boolean) =>
    eventually(
      'the move to reach the expected point',
      async () => {
        const view = (await lazarus.api<MoveView>('GET', '/v1/sites/dc1/move')).body;
        return probe(view) ? view : undefined;
      },
      300_000,
      250,
    );
  before(async () => {
    lazarus = await startSimulatedLazarus({ name: 'dr-gates', fleet: FLEET, config: CONFIG });
  });
  after(async () => lazarus?.stop());

  it('an advisory move waits with its plan; a reject touches nothing', { timeout: 300_000 }, async () => {
    const before = running(await lazarus.control<FleetState>('GET', '/state'), 'dc1-');
    assert.equal((await lazarus.api('POST', '/v1/sites/dc1/move/approve', {})).status, 409, 'nothing runs yet');
    const started = await lazarus.api('POST', '/v1/sites/dc1/move', { to: 'dc2', advisory: true });
    assert.equal(started.status, 202);
    const waiting = await move((v) => v.progress?.awaitingApproval === true);
    assert.equal(waiting.status, 'RUNNING');
    assert.equal(waiting.progress!.plan!.shutdown.flatMap((h) => h.vms).length, 21);
    const rejected = await lazarus.api('POST', '/v1/sites/dc1/move/reject', { by: 'alice', reason: 'not tonight' });
    assert.equal(rejected.status, 202);
    const done = await move((v) => v.status === 'COMPLETED');
    assert.equal(done.report!.outcome, 'rejected');
    assert.deepEqual(
      done.report!.decisions.map((d) => [d.kind, d.by, d.reason]),
      [['reject', 'alice', 'not tonight']],
    );
    assert.deepEqual(running(await lazarus.control<FleetState>('GET', '/state'), 'dc1-'), before);
  });

  it(
    'a cancel while stopping VMs at dc1 starts nothing at dc2 and switches nothing',
    { timeout: 300_000 },
    async () => {
      // The OS shutdown of dc1-web01 (the first VM stopped on dc1-s01) hangs until the fault is removed.
      const hang = await lazarus.control<{ id: string }>('POST', '/faults', {
        kind: 'command-hang',
        target: 'hmc-dc1',
        command: 'chsysstate',
        match: 'dc1-web01',
      });
      const started = await lazarus.api('POST', '/v1/sites/dc1/move', { to: 'dc2' });
      assert.equal(started.status, 202);
      await move((v) => v.progress?.steps.some((s) => s.step === 'stop-at-active-site') === true);
      const cancel = await lazarus.api('POST', '/v1/sites/dc1/move/cancel', { by: 'bob', reason: 'wrong window' });
      assert.equal(cancel.status, 202);
      await lazarus.control('DELETE', `/faults/${hang.id}`);
      const done = await move((v) => v.status === 'COMPLETED');
      assert.equal(done.report!.outcome, 'cancelled', JSON.stringify(done.report));
      assert.deepEqual(
        done.report!.decisions.map((d) => [d.kind, d.by]),
        [['cancel', 'bob']],
      );
      assert.ok(!done.report!.steps.some((s) => s.step === 'switch-replication' || s.step === 'start-at-backup-site'));
      const state = await lazarus.control<FleetState>('GET', '/state');
      assert.deepEqual(running(state, 'dc2-'), [], 'nothing started at dc2');
      for (const name of ['cg-dc1-s01', 'cg-dc1-s02', 'cg-dc1-s03', 'cg-dc1-s04']) {
        const group = await lazarus.devices.storageSystem('svc-dc1').consistencyGroup(name);
        assert.equal(group?.primary, 'master', `${name} was not switched`);
      }
      const stillUp = running(state, 'dc1-');
      assert.ok(stillUp.length > 0, 'dc1-s01 stopped only dc1-web01 before the cancel took effect');
      const stopped = done.report!.vms.filter((v) => v.stopped).map((v) => v.vm);
      assert.ok(stopped.includes('dc1-web01'));
      for (const vm of stopped) assert.ok(!stillUp.includes(vm), `${vm}, reported stopped, is not running`);
      assert.deepEqual(await lazarus.control('GET', '/violations'), []);
    },
  );

  it(
    'a device that stays unreachable ends the move with a report naming it, nothing touched',
    {
      timeout: 300_000,
    },
    async () => {
      const before = running(await lazarus.control<FleetState>('GET', '/state'), 'dc1-');
      const down = await lazarus.control<{ id: string }>('POST', '/faults', {
        kind: 'device-unreachable',
        target: 'hmc-dc2',
      });
      try {
        assert.equal((await lazarus.api('POST', '/v1/sites/dc1/move', { to: 'dc2' })).status, 202);
        const done = await move((v) => v.status === 'COMPLETED');
        assert.equal(done.report!.outcome, 'failed');
        assert.equal(done.report!.steps.at(-1)!.step, 'verify');
        assert.match(done.report!.steps.at(-1)!.detail ?? '', /^stopped: .*hmc-dc2/);
        assert.deepEqual(running(await lazarus.control<FleetState>('GET', '/state'), 'dc1-'), before);
      } finally {
        await lazarus.control('DELETE', `/faults/${down.id}`);
      }
    },
  );

  it('an advisory move goes on once approved', { timeout: 300_000 }, async () => {
    const started = await lazarus.api('POST', '/v1/sites/dc1/move', { to: 'dc2', advisory: true });
    assert.equal(started.status, 202);
    await move((v) => v.progress?.awaitingApproval === true);
    assert.equal((await lazarus.api('POST', '/v1/sites/dc1/move/approve', { by: 'carol' })).status, 202);
    const done = await move((v) => v.status === 'COMPLETED');
    assert.equal(done.report!.outcome, 'moved', JSON.stringify(done.report));
    assert.deepEqual(running(await lazarus.control<FleetState>('GET', '/state'), 'dc1-'), []);
    assert.deepEqual(await lazarus.control('GET', '/violations'), []);
  });
});

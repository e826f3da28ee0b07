// An unplanned site move never runs a VM at both sites (issue 13, a user's trial through the HTTP API): the active
// site is fenced only by proof per host, an admin's override-fence stands in for a proof that cannot be had, and a
// move that would be unsafe (the site already moved, a backup copy not consistent) is refused before anything is
// touched. Each case on the simulated DR fleet, with the simulator's violation log empty.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../support/temporal.js';
import { startSimulatedLazarus, type SimulatedLazarus } from '../support/simulated-lazarus.js';

const FLEET = new URL('../../examples/fleet-dr.yaml', import.meta.url).pathname;
const CONFIG = new URL('../../examples/lazarus-dr.yaml', import.meta.url).pathname;
const DC1_HOSTS = ['dc1-s01', 'dc1-s02', 'dc1-s03', 'dc1-s04'];

interface MoveReport {
  outcome: string;
  steps: Array<{ step: string; detail?: string }>;
  vms: Array<{ vm: string; state?: string; error?: string }>;
  groups: Array<{ name: string; switched: boolean }>;
  fenced?: Array<{ host: string; detail: string }>;
  fenceBlocked?: Array<{ host: string; reason: string }>;
  awaitingFenceOverride?: boolean;
  fenceOverride?: { by: string; reason: string; hosts: string[] };
  decisions: Array<{ kind: string; by: string; reason?: string }>;
}
interface MoveView {
  status: string;
  /** `progress` while the move runs, `report` once it completed. */
  progress?: MoveReport;
  report?: MoveReport;
}
interface FleetState {
  systems: Array<{ name: string; state: string; partitions: Array<{ name: string; state: string }> }>;
  consistencyGroups: Array<{ name: string; state: string; primary: string }>;
}

/** The move's report once `done` holds for it (or the move completed), within 240 s. */
async function moveReport(lazarus: SimulatedLazarus, done: (r: MoveReport) => boolean): Promise<MoveReport> {
  let last: unknown;
  try {
    return await eventually(
      'the move to reach the expected point',
      async () => {
        const view = await lazarus.api<MoveView>('GET', '/v1/sites/dc1/move');
        last = view.body;
        const report = view.body.report ?? view.body.progress;
        return report && (view.body.status === 'COMPLETED' || done(report)) ? report : undefined;
      },
      240_000,
      250,
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}; last view: ${JSON.stringify(last)}`);
  }
}

async function runningAtDc2(lazarus: SimulatedLazarus): Promise<string[]> {
  const state = await lazarus.control<FleetState>('GET', '/state');
  return state.systems
    .filter((s) => s.name.startsWith('dc2-'))
    .flatMap((s) => s.partitions.filter((p) => p.state === 'Running' && !p.name.includes('vios')).map((p) => p.name));
}

async function fresh(lazarus: SimulatedLazarus): Promise<void> {
  await lazarus.control('POST', '/reset');
  const verified = await lazarus.api('POST', '/v1/sites/dc1/verify?wait=240');
  assert.equal(verified.status, 200, JSON.stringify(verified.body));
}

async function faults(lazarus: SimulatedLazarus, list: Array<[string, string]>): Promise<void> {
  for (const [kind, target] of list) await lazarus.control('POST', '/faults', { kind, target });
}

describe('unplanned DR move: fence by proof, override, refusals', () => {
  let lazarus: SimulatedLazarus;
  before(async () => {
    lazarus = await startSimulatedLazarus({ name: 'dr-unplanned-safety', fleet: FLEET, config: CONFIG });
  });
  after(async () => lazarus?.stop());

  it(
    'unreachable is not down: blocks at fence-blocked, nothing made writable or started',
    { timeout: 400_000 },
    async () => {
      await fresh(lazarus);
      await faults(lazarus, [
        ['replication-link-down', 'svc-dc1'],
        ['device-unreachable', 'hmc-dc1'],
        ['device-unreachable', 'svc-dc1'],
      ]);
      const started = await lazarus.api('POST', '/v1/sites/dc1/move', { to: 'dc2', mode: 'unplanned' });
      assert.equal(started.status, 202, JSON.stringify(started.body));
      const report = await moveReport(lazarus, (r) => r.awaitingFenceOverride === true);
      assert.equal(report.awaitingFenceOverride, true, JSON.stringify(report));
      assert.deepEqual(
        report.fenceBlocked?.map((b) => b.host),
        DC1_HOSTS,
      );
      for (const blocked of report.fenceBlocked ?? []) assert.match(blocked.reason, /hmc-dc1/);
      assert.equal(report.steps.at(-1)?.step, 'fence-blocked');
      assert.deepEqual(report.groups, []);
      const notifications = await lazarus.api('GET', '/v1/notifications');
      assert.match(JSON.stringify(notifications.body), /dr-fence-blocked/);
      const state = await lazarus.control<FleetState>('GET', '/state');
      assert.deepEqual(
        state.consistencyGroups.filter((g) => g.state.startsWith('idling')).map((g) => g.name),
        [],
        'no backup copy made writable',
      );
      assert.deepEqual(await runningAtDc2(lazarus), []);
      const cancel = await lazarus.api('POST', '/v1/sites/dc1/move/cancel', { reason: 'dc1 is only cut off' });
      assert.equal(cancel.status, 202, JSON.stringify(cancel.body));
      const done = await moveReport(lazarus, () => false);
      assert.equal(done.outcome, 'cancelled', JSON.stringify(done));
      assert.deepEqual(await runningAtDc2(lazarus), []);
      assert.deepEqual(await lazarus.control('GET', '/violations'), []);
    },
  );

  it('hosts without power, HMC answering: blocked, then an override moves', { timeout: 400_000 }, async () => {
    await fresh(lazarus);
    await faults(
      lazarus,
      DC1_HOSTS.map((h) => ['host-power-loss', h]),
    );
    const started = await lazarus.api('POST', '/v1/sites/dc1/move', { to: 'dc2', mode: 'unplanned' });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const blocked = await moveReport(lazarus, (r) => r.awaitingFenceOverride === true);
    assert.equal(blocked.awaitingFenceOverride, true, JSON.stringify(blocked));
    assert.deepEqual(
      blocked.fenceBlocked?.map((b) => b.host),
      DC1_HOSTS,
    );
    for (const b of blocked.fenceBlocked ?? []) assert.match(b.reason, /power off refused: .*HSCL0237/);
    const noReason = await lazarus.api('POST', '/v1/sites/dc1/move/override-fence', {});
    assert.equal(noReason.status, 400, JSON.stringify(noReason.body));
    const override = await lazarus.api('POST', '/v1/sites/dc1/move/override-fence', {
      reason: 'facilities confirm dc1 lost all power',
      by: 'mallory',
    });
    assert.equal(override.status, 202, JSON.stringify(override.body));
    const report = await moveReport(lazarus, () => false);
    assert.equal(report.outcome, 'moved', JSON.stringify(report));
    assert.equal(report.fenceOverride?.by, 'api (mallory)', 'the actor is the token name, `by` only a note');
    assert.deepEqual(report.fenceOverride?.hosts, DC1_HOSTS);
    assert.ok(report.decisions.some((d) => d.kind === 'override-fence' && /lost all power/.test(d.reason ?? '')));
    assert.ok(report.groups.length > 0 && report.groups.every((g) => g.switched));
    const late = await lazarus.api('POST', '/v1/sites/dc1/move/override-fence', { reason: 'again' });
    assert.equal(late.status, 409, JSON.stringify(late.body));
    assert.deepEqual(await lazarus.control('GET', '/violations'), []);
  });

  it('a site that already moved is refused before anything is touched', { timeout: 400_000 }, async () => {
    await fresh(lazarus);
    const planned = await lazarus.api('POST', '/v1/sites/dc1/move', { to: 'dc2', mode: 'planned' });
    assert.equal(planned.status, 202, JSON.stringify(planned.body));
    const moved = await moveReport(lazarus, () => false);
    assert.equal(moved.outcome, 'moved', JSON.stringify(moved));
    const before = await lazarus.control<FleetState>('GET', '/state');
    const started = await lazarus.api('POST', '/v1/sites/dc1/move', { to: 'dc2', mode: 'unplanned' });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const report = await moveReport(lazarus, () => false);
    assert.equal(report.outcome, 'failed', JSON.stringify(report));
    assert.match(JSON.stringify(report.steps), /REPLICATION_REVERSED/);
    assert.equal(report.fenced, undefined);
    const after = await lazarus.control<FleetState>('GET', '/state');
    const hosts = (s: FleetState) => s.systems.filter((x) => x.name.startsWith('dc1-')).map((x) => [x.name, x.state]);
    assert.deepEqual(hosts(after), hosts(before), 'dc1 not powered off');
    const groups = (s: FleetState) => s.consistencyGroups.map((g) => [g.name, g.state, g.primary]);
    assert.deepEqual(groups(after), groups(before), 'no group stopped');
    assert.deepEqual(await lazarus.control('GET', '/violations'), []);
  });
  it(
    'a VM a readable dc1 host shows Running is never started at dc2, even overridden',
    { timeout: 400_000 },
    async () => {
      await fresh(lazarus);
      // hmc-dc1 answers and lists dc1's partitions, but refuses to power off dc1-s02 (every try).
      await lazarus.control('POST', '/faults', {
        kind: 'command-fail',
        target: 'hmc-dc1',
        command: 'chsysstate',
        match: 'dc1-s02',
        times: 1000,
      });
      const started = await lazarus.api('POST', '/v1/sites/dc1/move', { to: 'dc2', mode: 'unplanned' });
      assert.equal(started.status, 202, JSON.stringify(started.body));
      const blocked = await moveReport(lazarus, (r) => r.awaitingFenceOverride === true);
      assert.deepEqual(
        blocked.fenceBlocked?.map((b) => b.host),
        ['dc1-s02'],
        JSON.stringify(blocked),
      );
      assert.match(blocked.fenceBlocked![0]!.reason, /power off refused: .*; hmc-dc1 reads .*Running/);
      const override = await lazarus.api('POST', '/v1/sites/dc1/move/override-fence', { reason: 'test' });
      assert.equal(override.status, 202, JSON.stringify(override.body));
      const report = await moveReport(lazarus, () => false);
      const state = await lazarus.control<FleetState>('GET', '/state');
      const onS02 = state.systems
        .find((s) => s.name === 'dc1-s02')!
        .partitions.filter((p) => p.state === 'Running' && !p.name.includes('vios'))
        .map((p) => p.name);
      assert.ok(onS02.length > 0, 'dc1-s02 still runs its VMs');
      const atDc2 = await runningAtDc2(lazarus);
      assert.deepEqual(
        onS02.filter((vm) => atDc2.includes(vm)),
        [],
        'none of them started at dc2',
      );
      for (const vm of onS02)
        assert.match(report.vms.find((v) => v.vm === vm)?.error ?? '', /Running at dc1 on dc1-s02: not started/);
      assert.equal(report.outcome, 'partial', JSON.stringify(report));
      assert.ok(atDc2.length > 0, "the other hosts' VMs started at dc2");
      assert.deepEqual(await lazarus.control('GET', '/violations'), []);
    },
  );
});

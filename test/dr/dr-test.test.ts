// A DR test (rehearsal) through the HTTP API on the simulated DR fleet: FlashCopy copies of dc2's secondary volumes,
// the shadows started on them at dc2 while dc1 keeps running and replicating, then the cleanup (test VMs stopped,
// copies unmapped and removed). The simulator checks that production and replication are untouched throughout
// (`rehearsal-touched-production`) and that no volume is written at both sites; its violation log stays empty. A
// second case proves the simulator's check bites: a group stopped during a rehearsal is a violation.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../support/temporal.js';
import { startSimulatedLazarus, type SimulatedLazarus } from '../support/simulated-lazarus.js';

const FLEET = new URL('../../examples/fleet-dr.yaml', import.meta.url).pathname;
const CONFIG = new URL('../../examples/lazarus-dr.yaml', import.meta.url).pathname;

interface TestReport {
  outcome: string;
  to: string;
  vms: Array<{ vm: string; backupHost?: string; state?: string; error?: string }>;
  steps: Array<{ step: string; detail?: string }>;
  decisions: Array<{ kind: string; by: string }>;
  test?: {
    copies: number;
    networks: Array<{ production: string | number; test: string | number }>;
    awaitingCleanup: boolean;
    cleanedUp: boolean;
    productionUntouched?: boolean;
  };
}
interface TestView {
  status: string;
  progress?: TestReport;
  report?: TestReport;
}
interface FleetState {
  systems: Array<{ name: string; partitions: Array<{ name: string; state: string }> }>;
  storage: Array<{ name: string; flashCopyMaps: unknown[]; mappings: Array<{ vdisk?: string }> }>;
  consistencyGroups: Array<{ name: string; state: string; primary: string }>;
}

const running = (state: FleetState, prefix: string) =>
  state.systems
    .filter((s) => s.name.startsWith(prefix))
    .flatMap((s) => s.partitions.filter((p) => p.state === 'Running' && !p.name.includes('vios')).map((p) => p.name))
    .sort();
const groups = (state: FleetState) => state.consistencyGroups.map((g) => `${g.name} ${g.state} ${g.primary}`);

async function startTest(lazarus: SimulatedLazarus): Promise<TestReport> {
  const started = await lazarus.api('POST', '/v1/sites/dc1/test', {});
  assert.equal(started.status, 202, JSON.stringify(started.body));
  return (await eventually(
    'the test VMs to run and the test to wait for its cleanup',
    async () => {
      const view = await lazarus.api<TestView>('GET', '/v1/sites/dc1/test');
      if (view.body.status === 'COMPLETED') assert.fail(`the test ended early: ${JSON.stringify(view.body.report)}`);
      return view.body.progress?.test?.awaitingCleanup ? view.body.progress : undefined;
    },
    300_000,
    250,
  ))!;
}

async function cleanUp(lazarus: SimulatedLazarus): Promise<TestReport> {
  const asked = await lazarus.api('DELETE', '/v1/sites/dc1/test', {});
  assert.equal(asked.status, 202, JSON.stringify(asked.body));
  return (await eventually(
    'the test cleanup to end',
    async () => {
      const view = await lazarus.api<TestView>('GET', '/v1/sites/dc1/test');
      return view.body.status === 'COMPLETED' ? view.body.report : undefined;
    },
    300_000,
    250,
  ))!;
}

describe('DR test (rehearsal) through the API', () => {
  let lazarus: SimulatedLazarus;
  before(async () => {
    lazarus = await startSimulatedLazarus({ name: 'dr-test', fleet: FLEET, config: CONFIG });
  });
  after(async () => lazarus?.stop());

  it('validates the request', async () => {
    assert.equal((await lazarus.api('POST', '/v1/sites/dc1/test', { hold: -1 })).status, 400);
    assert.equal((await lazarus.api('POST', '/v1/sites/dc2/test', {})).status, 409);
    assert.equal((await lazarus.api('GET', '/v1/sites/dc1/test')).status, 404);
    assert.equal((await lazarus.api('DELETE', '/v1/sites/dc1/test', {})).status, 409);
  });

  it('runs the VMs on copies at dc2, production untouched, then cleans up', { timeout: 600_000 }, async () => {
    const before = await lazarus.control<FleetState>('GET', '/state');
    const production = running(before, 'dc1-');
    assert.equal(production.length, 21);
    assert.deepEqual(running(before, 'dc2-'), []);

    const progress = await startTest(lazarus);
    assert.equal(progress.test!.copies, 51);
    assert.deepEqual(progress.test!.networks, [{ production: 100, test: 900 }]);
    const during = await lazarus.control<FleetState>('GET', '/state');
    assert.deepEqual(running(during, 'dc2-'), production, 'every protected VM runs on its copies at dc2');
    assert.deepEqual(running(during, 'dc1-'), production, 'production keeps running at dc1');
    assert.deepEqual(groups(during), groups(before), 'replication keeps its state and direction');
    assert.equal(during.storage.find((s) => s.name === 'svc-dc2')!.flashCopyMaps.length, 51);

    const report = await cleanUp(lazarus);
    assert.equal(report.outcome, 'tested', JSON.stringify(report));
    assert.equal(report.to, 'dc2');
    assert.deepEqual(
      report.steps.map((s) => s.step),
      [
        'prepare',
        'replication-before',
        'flashcopy',
        'present',
        'start-test-vms',
        'hold',
        'cleanup',
        'replication-after',
      ],
    );
    assert.equal(report.test!.cleanedUp, true);
    assert.equal(report.test!.productionUntouched, true);
    assert.deepEqual(
      report.decisions.map((d) => d.kind),
      ['cleanup'],
    );
    assert.deepEqual(report.vms.map((v) => v.vm).sort(), production, 'the report names every tested VM');
    const afterwards = await lazarus.control<FleetState>('GET', '/state');
    assert.deepEqual(running(afterwards, 'dc2-'), [], 'the test VMs are stopped');
    assert.deepEqual(running(afterwards, 'dc1-'), production);
    const svc = afterwards.storage.find((s) => s.name === 'svc-dc2')!;
    assert.equal(svc.flashCopyMaps.length, 0, 'the FlashCopy mappings are removed');
    assert.ok(!svc.mappings.some((m) => m.vdisk?.endsWith('_test')), 'the copies are no longer presented');
    assert.deepEqual(groups(afterwards), groups(before));
    assert.deepEqual(await lazarus.control('GET', '/violations'), []);
  });

  it('the simulator flags production changed during a rehearsal', { timeout: 600_000 }, async () => {
    await startTest(lazarus);
    await lazarus.devices.storageSystem('svc-dc1').stopConsistencyGroup('cg-dc1-s02');
    const violations = await lazarus.control<Array<{ kind: string; subjects: string[] }>>('GET', '/violations');
    assert.deepEqual(
      violations.map((v) => [v.kind, v.subjects]),
      [['rehearsal-touched-production', ['group/cg-dc1-s02']]],
    );
    const report = await cleanUp(lazarus);
    assert.equal(report.test!.productionUntouched, false, 'the report sees the group changed too');
    assert.equal(report.outcome, 'failed', 'a rehearsal that saw production change is not a success (issue 13)');
    assert.match(report.steps.at(-1)!.detail ?? '', /cg-dc1-s02 consistent_\w+\/master → /);
    await lazarus.control('DELETE', '/violations');
  });
});

// The chaos campaign's invariant checks and schedule, on hand-made fleet states and reports: each check must catch
// the lie it exists for (so a green seed means something), and a seed must always give the same schedule.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type ReportView,
  type RunRecord,
  type SimState,
  checkAdvisoryOrder,
  checkLpars,
  checkReport,
  checkViolations,
} from '../../bench/chaos/checks.js';
import { chaosSchedule } from '../../bench/chaos/schedule.js';

/** dc1-s01 failed (powered off); db01 runs on dc1-s02, app01 nowhere, web01 on dc1-s03. */
function fleet(overrides: Partial<Record<string, Array<{ name: string; state: string }>>> = {}): SimState {
  const partitions: Record<string, Array<{ name: string; state: string }>> = {
    'dc1-s01': [
      { name: 'dc1-db01', state: 'Not Activated' },
      { name: 'dc1-app01', state: 'Not Activated' },
      { name: 'dc1-web01', state: 'Not Activated' },
    ],
    'dc1-s02': [{ name: 'dc1-db01', state: 'Running' }],
    'dc1-s03': [{ name: 'dc1-web01', state: 'Running' }],
    ...overrides,
  };
  return {
    systems: Object.entries(partitions).map(([name, list]) => ({
      name,
      state: name === 'dc1-s01' ? 'Power Off' : 'Operating',
      powered: name !== 'dc1-s01',
      partitions: [
        { name: `${name}-vios1`, env: 'vioserver', state: 'Running' },
        ...list!.map((p) => ({ ...p, env: 'aixlinux' })),
      ],
    })),
    storage: [],
  };
}

function run(outcome: string, lpars: ReportView['lpars'], extra: Partial<RunRecord> = {}): RunRecord {
  return {
    id: 'failover/dc1-prod/dc1-s01',
    runId: 'run-0001-abcdef',
    host: 'dc1-s01',
    mode: 'auto',
    startedAt: 1_000,
    closedAt: 5_000,
    runningOnHostAtFailure: ['dc1-db01', 'dc1-app01', 'dc1-web01'],
    report: { workflowId: 'failover/dc1-prod/dc1-s01', host: 'dc1-s01', outcome, lpars },
    ...extra,
  };
}

describe('chaos checks', () => {
  it('(c) a succeeded report with an LPAR that is not running is a lie, named with what the devices say', () => {
    const found = checkReport(
      run('succeeded', [
        { lpar: 'dc1-db01', destination: 'dc1-s02', step: 'running' },
        { lpar: 'dc1-app01', destination: 'dc1-s03', step: 'running' },
        { lpar: 'dc1-web01', destination: 'dc1-s03', step: 'running' },
      ]),
      fleet(),
      [],
    );
    assert.deepEqual(found, [
      'report of failover/dc1-prod/dc1-s01 (run run-0001, outcome succeeded) says dc1-app01 is running on dc1-s03; ' +
        'the devices say not active anywhere (defined on dc1-s01: Not Activated, system Power Off (no power))',
    ]);
  });

  it('(c) a succeeded report that leaves out an LPAR of the failed host is a lie (issue 10 case 1)', () => {
    const found = checkReport(
      run('succeeded', [
        { lpar: 'dc1-db01', destination: 'dc1-s02', step: 'running' },
        { lpar: 'dc1-web01', destination: 'dc1-s03', step: 'running' },
      ]),
      fleet(),
      [],
    );
    assert.equal(found.length, 1, found.join('\n'));
    assert.match(found[0]!, /dc1-app01 was running on dc1-s01 when it failed but the report does not name it/);
  });

  it('(c) a run that stopped early is not succeeded; an LPAR of a system in Error says what the HMC shows', () => {
    const stopped = run('succeeded', [], { runningOnHostAtFailure: [] });
    stopped.report!.stoppedBy =
      'confirm: hmc-dc1: HSCL3F01 Too many concurrent operations are running on the HMC, please retry the operation later.';
    assert.deepEqual(checkReport(stopped, fleet(), []), [
      'report of failover/dc1-prod/dc1-s01 (run run-0001, outcome succeeded): succeeded, but the run stopped early: ' +
        'confirm: hmc-dc1: HSCL3F01 Too many concurrent operations are running on the HMC, please retry the operation later.',
    ]);
    const error = fleet();
    error.systems.find((s) => s.name === 'dc1-s03')!.state = 'Error';
    const failed = run('partial', [
      { lpar: 'dc1-db01', destination: 'dc1-s02', step: 'running' },
      { lpar: 'dc1-web01', destination: 'dc1-s03', step: 'failed', error: 'boot did not finish' },
    ]);
    assert.match(
      checkReport(failed, error, []).join('\n'),
      /says dc1-web01 is failed; the devices say Running on dc1-s03 \(HMC: Not Available, dc1-s03 in Error\)/,
    );
  });

  it('(c) a destination that failed after the run closed excuses the report; one that failed before does not', () => {
    const state = fleet({ 'dc1-s03': [{ name: 'dc1-web01', state: 'Not Activated' }] });
    const report = run('partial', [
      { lpar: 'dc1-db01', destination: 'dc1-s02', step: 'running' },
      { lpar: 'dc1-web01', destination: 'dc1-s03', step: 'running' },
      { lpar: 'dc1-app01', step: 'failed', error: 'HSCLA319 cannot be restarted' },
    ]);
    assert.deepEqual(checkReport(report, state, [{ host: 'dc1-s03', at: 6_000 }]), []);
    assert.match(
      checkReport(report, state, [{ host: 'dc1-s03', at: 3_000 }]).join('\n'),
      /says dc1-web01 is running on dc1-s03; the devices say not active anywhere/,
    );
  });

  it('(c) every LPAR not running names its reason; the outcome matches the counts', () => {
    const found = checkReport(
      run('partial', [
        { lpar: 'dc1-db01', destination: 'dc1-s02', step: 'running' },
        { lpar: 'dc1-app01', step: 'cancelled' },
        { lpar: 'dc1-web01', destination: 'dc1-s03', step: 'running' },
      ]),
      fleet(),
      [],
    );
    assert.deepEqual(found, [
      'report of failover/dc1-prod/dc1-s01 (run run-0001, outcome partial): ' +
        'dc1-app01 is cancelled with no reason given (no error)',
    ]);
    const failed = checkReport(
      run('failed', [{ lpar: 'dc1-db01', destination: 'dc1-s02', step: 'running' }]),
      fleet(),
      [],
    );
    assert.match(failed.join('\n'), /outcome failed\): failed, but dc1-db01 running/);
    const silent = checkReport(run('failed', [], { report: undefined }), fleet(), []).length;
    assert.equal(silent, 1, 'a run without a report is one failure');
    const stopped = checkReport(run('failed', []), fleet(), []);
    assert.equal(stopped.length, 3, `a failed report must name the host's LPARs: ${stopped.join('\n')}`);
    assert.match(stopped[0]!, /dc1-db01 was running on dc1-s01 when it failed but the report does not name it/);
    // A late duplicate that re-plans LPARs already running elsewhere and calls them failed (issue 10 case 8).
    const duplicate = checkReport(
      run('failed', [
        { lpar: 'dc1-db01', destination: 'dc1-s03', step: 'failed', error: 'HSCLA9A2 not in a restartable state' },
        { lpar: 'dc1-app01', destination: 'dc1-s03', step: 'failed', error: 'HSCLA9A2 not in a restartable state' },
        { lpar: 'dc1-web01', destination: 'dc1-s02', step: 'failed', error: 'HSCLA9A2 not in a restartable state' },
      ]),
      fleet(),
      [],
    );
    assert.deepEqual(duplicate, [
      'report of failover/dc1-prod/dc1-s01 (run run-0001, outcome failed) ' +
        'says dc1-db01 is failed; the devices say Running on dc1-s02',
      'report of failover/dc1-prod/dc1-s01 (run run-0001, outcome failed) ' +
        'says dc1-web01 is failed; the devices say Running on dc1-s03',
    ]);
    assert.match(
      checkReport({ ...run('x', []), report: undefined, endedWithout: 'FAILED: boom' }, fleet(), [])[0]!,
      /ended without a report: FAILED: boom/,
    );
  });

  it('(b) an LPAR that is down must be named by the latest report with a reason; one active twice fails', () => {
    const before = new Map([
      ['dc1-db01', 'dc1-s01'],
      ['dc1-app01', 'dc1-s01'],
      ['dc1-web01', 'dc1-s01'],
    ]);
    const older = run('partial', [{ lpar: 'dc1-app01', step: 'failed', error: 'no capacity' }], { closedAt: 2_000 });
    const newer = run('succeeded', [{ lpar: 'dc1-app01', destination: 'dc1-s03', step: 'running' }], {
      closedAt: 3_000,
      runId: 'run-0002-abcdef',
    });
    assert.deepEqual(checkLpars(before, [], [older], fleet()), []);
    assert.deepEqual(checkLpars(before, [], [older, newer], fleet()), [
      'dc1-app01 is not active anywhere (defined on dc1-s01: Not Activated, system Power Off (no power)), ' +
        'but the latest report naming it (failover/dc1-prod/dc1-s01 run run-0002, outcome succeeded) ' +
        'says running on dc1-s03',
    ]);
    assert.match(
      checkLpars(before, [], [], fleet()).join('\n'),
      /dc1-app01 \(running on dc1-s01 before the campaign\) is not active anywhere .*, and no failover report names it/,
    );
    const twice = fleet({
      'dc1-s03': [
        { name: 'dc1-web01', state: 'Running' },
        { name: 'dc1-db01', state: 'Starting' },
      ],
    });
    assert.match(
      checkLpars(before, [], [older], twice).join('\n'),
      /dc1-db01 is active on 2 hosts: Running on dc1-s02 and Starting on dc1-s03/,
    );
  });

  it('(b) an LPAR down on a host that is back says whether its storage was cut', () => {
    const state = fleet();
    const s01 = state.systems.find((s) => s.name === 'dc1-s01')!;
    Object.assign(s01, { state: 'Operating', powered: true });
    s01.partitions.find((p) => p.name === 'dc1-app01')!.volumes = ['dc1-app01_rootvg', 'dc1-app01_data1'];
    state.storage = [{ name: 'svc-dc1', mappings: [{ host: 'dc1-s01', vdisk: 'dc1-app01_data1' }] }];
    const returned = run('host-returned', [{ lpar: 'dc1-app01', step: 'pending' }]);
    assert.deepEqual(checkLpars(new Map([['dc1-app01', 'dc1-s01']]), [], [returned], state), [
      'dc1-app01 is not active anywhere ' +
        '(defined on dc1-s01: Not Activated, system Operating, 1 of 2 volumes unmapped), and the latest report ' +
        'naming it (failover/dc1-prod/dc1-s01 run run-0001, outcome host-returned) has it pending with no reason',
    ]);
  });

  it('(b) an LPAR its owner had shut down must not be running at the end (issue 10 case 5)', () => {
    const state = fleet({ 'dc1-s03': [{ name: 'dc1-web01', state: 'Running' }] });
    assert.deepEqual(checkLpars(new Map(), ['dc1-web01'], [], state), [
      "dc1-web01 was not running before the campaign (its owner's intent) but is now Running on dc1-s03",
    ]);
  });

  it('(a) every violation is a failure with its cause; the volumes one LPAR lost are one failure', () => {
    const lost = (volume: string) => ({
      kind: 'running-lpar-lost-disks',
      cause: `svc-dc1: rmvdiskhostmap -host dc1-s01 ${volume}`,
      subjects: ['dc1-db01', 'dc1-s01', `svc-dc1/${volume}`],
      detail:
        `volume svc-dc1/${volume} was unmapped from host dc1-s01 while LPAR dc1-db01 may be running on dc1-s01: ` +
        'partition state Running, system Operating',
    });
    assert.deepEqual(
      checkViolations([
        lost('dc1-db01_rootvg'),
        {
          kind: 'lpar-on-two-hosts',
          cause: 'hmc-dc1: rrstartlpar …',
          detail: 'LPAR dc1-db01 is running on dc1-s01 and dc1-s02',
          subjects: [],
        },
        lost('dc1-db01_data1'),
      ]),
      [
        'violation lpar-on-two-hosts: LPAR dc1-db01 is running on dc1-s01 and dc1-s02 ' +
          '(caused by hmc-dc1: rrstartlpar …)',
        'violation running-lpar-lost-disks: dc1-db01 lost 2 volume(s) while it may be running on dc1-s01: ' +
          'partition state Running, system Operating: svc-dc1/dc1-db01_rootvg, svc-dc1/dc1-db01_data1 ' +
          '(first caused by svc-dc1: rmvdiskhostmap -host dc1-s01 dc1-db01_rootvg)',
      ],
    );
  });

  it('advisory mode: a fence seen before the approval request is a failure (issue 10 case 10)', () => {
    const advisory = run('succeeded', [], { mode: 'advisory' });
    assert.deepEqual(checkAdvisoryOrder(advisory, ['confirm', 'approve', 'fence', 'execute']), []);
    assert.deepEqual(checkAdvisoryOrder(advisory, ['fence', 'approve', 'execute']), [
      'advisory failover/dc1-prod/dc1-s01 run run-0001 entered fence before asking for approval ' +
        '(phases seen: fence → approve → execute)',
    ]);
    assert.deepEqual(checkAdvisoryOrder(run('succeeded', []), ['fence', 'execute']), [], 'auto mode fences first');
  });

  it('a seed always gives the same schedule, and different seeds differ', () => {
    assert.deepEqual(chaosSchedule(42), chaosSchedule(42));
    assert.notDeepEqual(chaosSchedule(42).events, chaosSchedule(43).events);
    for (let seed = 1; seed <= 50; seed++) {
      const schedule = chaosSchedule(seed);
      assert.ok(
        schedule.events.some((e) => e.kind === 'host-failure'),
        `seed ${seed} fails a host`,
      );
      assert.deepEqual(
        schedule.events.map((e) => e.at),
        [...schedule.events.map((e) => e.at)].sort((a, b) => a - b),
        `seed ${seed} is in time order`,
      );
    }
  });
});

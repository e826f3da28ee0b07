// What an advisory failover does when nobody answers (the group's onApprovalTimeout), when an operator rejects it,
// and when the host turns out not to be down: through the HTTP API on the simulated fleet.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { FailoverReport } from '../../domain/failover/index.js';
import { startSimulatedLazarus, type SimulatedLazarus } from '../support/simulated-lazarus.js';
import { eventually } from '../support/temporal.js';
import { assertPlacedOnce, fleetState } from './fixtures/placement-checks.js';

function approvalPolicy(onTimeout: 'abort' | 'proceed') {
  return (yaml: string) =>
    yaml
      .replace(/approvalTimeout: \S+/, 'approvalTimeout: 1s')
      .replace(/onApprovalTimeout: \S+/, `onApprovalTimeout: ${onTimeout}`)
      .replace(/pollInterval: \S+/, 'pollInterval: 50');
}

async function failover(lazarus: SimulatedLazarus, host: string, mode: 'auto' | 'advisory'): Promise<string> {
  const started = await lazarus.api<{ id: string }>('POST', '/v1/failovers', { group: 'dc1-prod', host, mode });
  assert.equal(started.status, 202, JSON.stringify(started.body));
  return `/v1/failovers/${encodeURIComponent(started.body.id)}`;
}

function reportOf(lazarus: SimulatedLazarus, path: string): Promise<FailoverReport> {
  return eventually(
    'the report',
    async () => {
      const state = await lazarus.api<{ status: string; report?: FailoverReport }>('GET', path);
      return state.body.status === 'completed' ? state.body.report : undefined;
    },
    60_000,
  );
}

/** The hosts, other than the failed one, on which the simulator shows each of the report's LPARs defined. */
async function definedElsewhere(lazarus: SimulatedLazarus, report: FailoverReport): Promise<Record<string, string[]>> {
  const state = await fleetState(lazarus.fleet.controlUrl);
  return Object.fromEntries(
    report.lpars.map((l) => [
      l.lpar,
      state.systems
        .filter((s) => s.name !== report.host && s.partitions.some((p) => p.name === l.lpar))
        .map((s) => s.name),
    ]),
  );
}

function suite(onTimeout: 'abort' | 'proceed', tests: (lazarus: () => SimulatedLazarus) => void) {
  describe(`advisory failover, onApprovalTimeout: ${onTimeout}`, () => {
    let lazarus: SimulatedLazarus;
    before(async () => {
      lazarus = await startSimulatedLazarus({ name: `approval-${onTimeout}`, editConfig: approvalPolicy(onTimeout) });
    });
    after(() => lazarus?.stop());
    beforeEach(async () => {
      await lazarus.control('POST', '/reset');
      await lazarus.control('DELETE', '/violations');
      assert.equal(await lazarus.discover(), 'ok');
    });
    tests(() => lazarus);
  });
}

suite('abort', (lazarus) => {
  it('restarts nothing when nobody approves in time, and says so', { timeout: 60_000 }, async () => {
    await lazarus().control('POST', '/faults', { kind: 'host-error', target: 'dc1-s01' });
    const report = await reportOf(lazarus(), await failover(lazarus(), 'dc1-s01', 'advisory'));
    assert.equal(report.outcome, 'rejected');
    assert.deepEqual(report.approval, { decision: 'timed-out' });
    assert.ok(report.plan && report.plan.streams.length > 0, 'the plan that was offered is in the report');
    assert.ok(
      report.lpars.every(
        (l) => l.step === 'not-restarted' && /not approved in time; nothing was touched/.test(l.error ?? ''),
      ),
      'no LPAR was touched, and each says why',
    );
    assert.ok(report.lpars.length > 0);
    assert.ok(
      Object.values(await definedElsewhere(lazarus(), report)).every((hosts) => hosts.length === 0),
      'no LPAR is defined on another host',
    );
    assert.equal((await lazarus().store.recoveryReport(report.workflowId))?.outcome, 'rejected');
    assert.deepEqual(await lazarus().control('GET', '/violations'), []);
  });

  it('records who rejected and why, and restarts nothing', { timeout: 60_000 }, async () => {
    await lazarus().control('POST', '/faults', { kind: 'host-error', target: 'dc1-s02' });
    const path = await failover(lazarus(), 'dc1-s02', 'advisory');
    await eventually('the approval phase', async () =>
      (await lazarus().api<{ progress?: { phase: string } }>('GET', path)).body.progress?.phase === 'approve'
        ? true
        : undefined,
    );
    const rejected = await lazarus().api('POST', `${path}/reject`, {
      by: 'carol',
      reason: 'the host is being repaired in place',
    });
    assert.deepEqual([rejected.status, rejected.body.status], [200, 'rejected'], JSON.stringify(rejected.body));
    const report = await reportOf(lazarus(), path);
    assert.equal(report.outcome, 'rejected');
    assert.deepEqual(report.approval, {
      decision: 'rejected',
      by: 'api (carol)',
      reason: 'the host is being repaired in place',
    });
    assert.ok(report.lpars.every((l) => l.step === 'not-restarted' && /rejected by api \(carol\)/.test(l.error ?? '')));
    assert.ok(
      Object.values(await definedElsewhere(lazarus(), report)).every((hosts) => hosts.length === 0),
      'no LPAR is defined on another host',
    );
  });

  it('leaves a host that is not down alone', { timeout: 60_000 }, async () => {
    const report = await reportOf(lazarus(), await failover(lazarus(), 'dc1-s03', 'auto'));
    assert.equal(report.outcome, 'not-failed');
    assert.equal(report.fence, undefined, 'not fenced');
    assert.equal(await lazarus().devices.hmc('hmc-dc1').systemState('dc1-s03'), 'Operating');
    assert.equal((await lazarus().store.recoveryReport(report.workflowId))?.outcome, 'not-failed');
  });
});

suite('proceed', (lazarus) => {
  it('fails over when nobody answers in time, and records that nobody approved', { timeout: 60_000 }, async () => {
    await lazarus().control('POST', '/faults', { kind: 'host-error', target: 'dc1-s01' });
    const report = await reportOf(lazarus(), await failover(lazarus(), 'dc1-s01', 'advisory'));
    assert.equal(report.outcome, 'succeeded');
    assert.deepEqual(report.approval, { decision: 'timed-out' });
    assert.ok(
      report.lpars.length > 0 && report.lpars.every((l) => l.step === 'running' && l.destination !== 'dc1-s01'),
    );
    await assertPlacedOnce(lazarus().fleet.controlUrl, report);
    assert.deepEqual(await lazarus().control('GET', '/violations'), []);
  });
});

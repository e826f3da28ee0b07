// A host the monitor quarantined for flapping is never a failover destination while the quarantine lasts, the same
// way as a host in maintenance, and the report says which hosts were not destinations and why: through the HTTP API on
// the simulated fleet, the quarantine recorded in the store as the monitor records it (recordHostQuarantine), dc1-s02
// quarantined, dc1-s03 in maintenance; an advisory evacuation of dc1-s01 plans every LPAR onto dc1-s04; then dc1-s01
// fails, and every LPAR that restarts does so on dc1-s04.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FailoverPlan, FailoverReport } from '../../domain/failover/index.js';
import { startSimulatedLazarus, type SimulatedLazarus } from '../support/simulated-lazarus.js';
import { eventually } from '../support/temporal.js';

describe('failover destinations and quarantine', () => {
  let lazarus: SimulatedLazarus;
  before(async () => {
    lazarus = await startSimulatedLazarus({
      name: 'quarantine-destinations',
      editConfig: (yaml) => yaml.replace(/pollInterval: \S+/, 'pollInterval: 50'),
    });
  });
  after(() => lazarus?.stop());

  it('places nothing on a quarantined host and names it in the report', { timeout: 180_000 }, async () => {
    assert.equal(await lazarus.discover(), 'ok');
    const since = new Date().toISOString();
    const until = new Date(Date.now() + 3_600_000).toISOString();
    const reason = '4 changes between up and down within 10 min (flapLimit 3)';
    await lazarus.store
      .hostMonitoring()
      .recordQuarantine({ group: 'dc1-prod', host: 'dc1-s02', since, until, reason, monitorId: 'monitor/dc1-prod' });
    // One that ended an hour ago (its monitor stopped before clearing it) holds nothing back.
    await lazarus.store.hostMonitoring().recordQuarantine({
      group: 'dc1-prod',
      host: 'dc1-s04',
      since: new Date(Date.now() - 7_200_000).toISOString(),
      until: new Date(Date.now() - 3_600_000).toISOString(),
      reason,
      monitorId: 'monitor/dc1-prod',
    });
    const put = await lazarus.api('PUT', '/v1/hosts/dc1-s03/maintenance', { reason: 'firmware update' });
    assert.ok(put.status < 300, JSON.stringify(put.body));

    const hosts = await lazarus.api<{
      hosts: Array<{ name: string; quarantine: { since: string; until: string; reason: string } | null }>;
    }>('GET', '/v1/hosts');
    assert.deepEqual(
      hosts.body.hosts.map((h) => [h.name, h.quarantine]),
      [
        ['dc1-s01', null],
        ['dc1-s02', { since, until, reason }],
        ['dc1-s03', null],
        ['dc1-s04', null],
      ],
      'GET /v1/hosts shows which hosts are quarantined, and until when',
    );

    // An evacuation plans around it too (advisory: the plan only, nothing moves).
    const advisory = await lazarus.api<{ lpars: Array<{ lpar: string; step: string; to?: string }> }>(
      'POST',
      '/v1/hosts/dc1-s01/evacuate',
      { advisory: true },
    );
    assert.equal(advisory.status, 200, JSON.stringify(advisory.body));
    const planned = advisory.body.lpars.filter((l) => l.step === 'pending');
    assert.ok(planned.length > 0, JSON.stringify(advisory.body.lpars));
    assert.deepEqual([...new Set(planned.map((l) => l.to))], ['dc1-s04'], JSON.stringify(planned));

    await lazarus.control('POST', '/faults', { kind: 'host-error', target: 'dc1-s01' });
    const expectedExclusions = [
      {
        host: 'dc1-s02',
        reason: 'quarantined',
        detail: `quarantined for flapping until ${until} (${reason})`,
      },
      {
        host: 'dc1-s03',
        reason: 'maintenance',
        detail: expect(/^in maintenance since \S+ \(firmware update, by /),
      },
    ];
    const dry = await lazarus.api<{ plan?: FailoverPlan }>('POST', '/v1/failovers', {
      group: 'dc1-prod',
      host: 'dc1-s01',
      dryRun: true,
    });
    assert.equal(dry.status, 200, JSON.stringify(dry.body));
    const dryPlan = dry.body.plan ?? (dry.body as { report?: { plan?: FailoverPlan } }).report?.plan;
    assert.ok(dryPlan && dryPlan.streams.length > 0, JSON.stringify(dry.body));
    assert.deepEqual(
      dryPlan.streams.map((s) => s.destination),
      ['dc1-s04'],
    );
    matchExclusions(dryPlan.excludedDestinations, expectedExclusions);

    const started = await lazarus.api<{ id: string }>('POST', '/v1/failovers', {
      group: 'dc1-prod',
      host: 'dc1-s01',
      mode: 'auto',
    });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const path = `/v1/failovers/${encodeURIComponent(started.body.id)}`;
    const report = await eventually(
      'the report',
      async () => (await lazarus.api<{ report?: FailoverReport }>('GET', path)).body.report,
      150_000,
    );
    const placed = report.lpars.filter((l) => l.destination !== undefined);
    assert.ok(placed.length > 0, JSON.stringify(report.lpars));
    assert.deepEqual([...new Set(placed.map((l) => l.destination))], ['dc1-s04']);
    matchExclusions(report.plan?.excludedDestinations, expectedExclusions);
    assert.deepEqual(await lazarus.control('GET', '/violations'), []);
  });
});

/** A detail to match by pattern rather than equality (a time the server chose). */
function expect(pattern: RegExp): { pattern: RegExp } {
  return { pattern };
}

function matchExclusions(
  actual: FailoverPlan['excludedDestinations'],
  expected: Array<{ host: string; reason: string; detail: string | { pattern: RegExp } }>,
): void {
  assert.ok(actual, 'the plan names the hosts that were not destinations');
  assert.deepEqual(
    actual.map((e) => [e.host, e.reason]),
    expected.map((e) => [e.host, e.reason]),
  );
  for (const [i, want] of expected.entries()) {
    const got: string = actual[i]!.detail;
    if (typeof want.detail === 'string') assert.equal(got, want.detail);
    else assert.match(got, want.detail.pattern);
  }
}

// The group's action on a confirmed failure, end to end on the simulated fleet: `advisory` starts the failover in
// advisory mode (it waits for an approval, nothing touched), `off` only alerts; and in `auto` mode a flapping host
// is quarantined (recorded in the store, shown by GET /v1/hosts), so its next failover is advisory.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SimulatedLazarus } from '../support/simulated-lazarus.js';
import { eventually } from '../support/temporal.js';
import { MonitorProbe, startMonitoredLazarus } from './support.js';

describe('host monitor, advisory mode', () => {
  let lazarus: SimulatedLazarus;
  let probe: MonitorProbe;
  before(async () => {
    lazarus = await startMonitoredLazarus('monitor-advisory', { action: 'advisory' });
    probe = new MonitorProbe(lazarus);
    assert.equal(await lazarus.discover(), 'ok');
  });
  after(() => lazarus?.stop());

  it('starts an advisory failover that waits for approval, touching nothing', { timeout: 120_000 }, async () => {
    await probe.until('every host up', (v) => v.hosts.every((h) => h.verdict === 'up'));
    await lazarus.devices.hmc('hmc-dc1').powerOffSystem('dc1-s01');
    const detection = await probe.detection('dc1-s01');
    assert.equal(detection.verdict, 'failed');
    assert.equal(detection.action, 'failover-advisory', detection.reason);
    const progress = await eventually(
      'the failover waiting for approval',
      async () => {
        const p = (await probe.failover('dc1-s01')).body.progress as { phase: string; fence?: unknown } | undefined;
        return p?.phase === 'approve' ? p : undefined;
      },
      60_000,
    );
    assert.equal(progress.fence, undefined, 'nothing fenced before approval');
    assert.equal((await probe.notifications('approval-needed', 'dc1-s01')).length, 1, 'the failover asked');
    await probe.observations(3);
    assert.equal((await probe.failoverRuns('dc1-s01')).length, 1);
  });
});

describe('host monitor, action off', () => {
  let lazarus: SimulatedLazarus;
  let probe: MonitorProbe;
  before(async () => {
    lazarus = await startMonitoredLazarus('monitor-off', { action: 'off' });
    probe = new MonitorProbe(lazarus);
    assert.equal(await lazarus.discover(), 'ok');
  });
  after(() => lazarus?.stop());

  it('only alerts', { timeout: 120_000 }, async () => {
    await probe.until('every host up', (v) => v.hosts.every((h) => h.verdict === 'up'));
    await lazarus.devices.hmc('hmc-dc1').powerOffSystem('dc1-s02');
    const detection = await probe.detection('dc1-s02');
    assert.equal(detection.action, 'alert-only', detection.reason);
    assert.equal(detection.failoverId, undefined);
    await probe.observations(3);
    assert.equal((await probe.failoverRuns('dc1-s02')).length, 0);
    const alerts = await probe.notifications('failover-not-started', 'dc1-s02');
    assert.equal(alerts.length, 1, 'said once');
    assert.match(alerts[0]!.message, /monitoring.action is off/);
  });
});

describe('host monitor, a flapping host in auto mode', () => {
  let lazarus: SimulatedLazarus;
  let probe: MonitorProbe;
  before(async () => {
    // Eight confirmations leave the test seconds to bring the host back before a short down is confirmed.
    lazarus = await startMonitoredLazarus('monitor-flap', { action: 'auto', confirmations: 8, flapLimit: 2 });
    probe = new MonitorProbe(lazarus);
    assert.equal(await lazarus.discover(), 'ok');
  });
  after(() => lazarus?.stop());

  it('is quarantined, and its next failover is advisory', { timeout: 240_000 }, async () => {
    const host = 'dc1-s03';
    const seen = (verdict: string) => (v: { hosts: Array<{ host: string; verdict?: string }> }) =>
      v.hosts.some((h) => h.host === host && h.verdict === verdict);
    await probe.until('every host up', (v) => v.hosts.every((h) => h.verdict === 'up'));
    // Down, up, down: three changes within the window, more than flapLimit (2).
    await lazarus.devices.hmc('hmc-dc1').powerOffSystem(host);
    await probe.until(`${host} seen down`, seen('failed'));
    await lazarus.control('POST', '/actions/recover-host', { system: host });
    await probe.until(`${host} seen up`, seen('up'));
    await lazarus.devices.hmc('hmc-dc1').powerOffSystem(host);
    const quarantined = await probe.until(`${host} quarantined`, (v) =>
      v.hosts.some((h) => h.host === host && h.quarantinedUntil !== undefined),
    );
    assert.ok(quarantined.hosts.find((h) => h.host === host)!.recentTransitions > 2);
    assert.equal((await probe.notifications('host-quarantined', host)).length, 1);
    // Recorded in the store while it lasts: GET /v1/hosts shows it, with the end the monitor holds.
    const until = quarantined.hosts.find((h) => h.host === host)!.quarantinedUntil;
    const listed = await eventually(`${host} quarantined in GET /v1/hosts`, async () => {
      const answer = await lazarus.api<{ hosts: Array<{ name: string; quarantine: { until: string } | null }> }>(
        'GET',
        `/v1/hosts?host=${host}`,
      );
      return answer.body.hosts[0]?.quarantine ?? undefined;
    });
    assert.equal(listed.until, until);
    // It stays down now: the failure is confirmed, and acted on in advisory mode although the group says auto.
    const detection = await probe.detection(host);
    assert.equal(detection.verdict, 'failed');
    assert.equal(detection.action, 'failover-advisory', detection.reason);
    assert.match(detection.reason, /quarantined for flapping/);
    assert.equal((await probe.failoverRuns(host)).length, 1);
  });
});

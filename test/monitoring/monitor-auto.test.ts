// The host monitor of a group in `auto` mode, end to end through the HTTP API on the simulated fleet (two HMCs,
// one storage system, interval 1 s, 2 confirmations): a host that powers off is failed over automatically, once;
// a host in Error whose ports stay logged in, and a power loss the HMC cannot see (No Connection), only get an
// advisory failover; one HMC down is an alert and the other one is used; an HMC that lost a running host is an
// alert, never a failover; a host in maintenance is not failed over until maintenance ends.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { SimulatedLazarus } from '../support/simulated-lazarus.js';
import { eventually } from '../support/temporal.js';
import { GROUP, MonitorProbe, startMonitoredLazarus } from './support.js';

describe('host monitor, auto mode (devserver + simulated fleet)', () => {
  let lazarus: SimulatedLazarus;
  let probe: MonitorProbe;

  before(async () => {
    lazarus = await startMonitoredLazarus('monitor-auto', { action: 'auto' });
    probe = new MonitorProbe(lazarus);
    assert.equal(lazarus.config.hostGroups[0]!.monitoring.interval, 1_000);
  });

  after(() => lazarus?.stop());

  const control = <T = unknown>(method: string, path: string, body?: unknown) => lazarus.control<T>(method, path, body);

  /** Ends any failover still running (an advisory one waits for a decision), so the next test starts clean. */
  async function rejectRunning(host: string): Promise<void> {
    const runs = await probe.failoverRuns(host, true);
    if (!runs.some((r) => r.status === 'running')) return;
    await lazarus.api('POST', `/v1/failovers/${encodeURIComponent(`failover/${GROUP}/${host}`)}/cancel`, {
      by: 'test',
      reason: 'next test',
    });
    await eventually(
      `failover of ${host} closed`,
      async () => ((await probe.failoverRuns(host, true)).some((r) => r.status === 'running') ? undefined : true),
      60_000,
    );
  }

  beforeEach(async () => {
    for (const host of lazarus.config.hostGroups[0]!.hosts) await rejectRunning(host);
    await control('POST', '/reset');
    await control('DELETE', '/violations');
    assert.equal(await lazarus.discover(), 'ok');
    // Every host seen up again, so earlier failures are over for the monitor too.
    await probe.until('every host up', (v) => v.hosts.every((h) => h.verdict === 'up'));
    probe.since();
  });

  it('answers with codes for what it does not know, and documents its routes', { timeout: 60_000 }, async () => {
    const unknown = await lazarus.api<{ code: string }>('GET', '/v1/groups/nope/monitor');
    assert.deepEqual([unknown.status, unknown.body.code], [404, 'unknown_group']);
    const badLimit = await lazarus.api<{ code: string }>('GET', `/v1/groups/${GROUP}/detections?limit=0`);
    assert.deepEqual([badLimit.status, badLimit.body.code], [400, 'invalid_request']);
    const extra = await lazarus.api<{ code: string }>('PUT', '/v1/hosts/dc1-s01/maintenance', { reason: 'x', y: 1 });
    assert.deepEqual([extra.status, extra.body.code], [400, 'invalid_request']);
    const notIn = await lazarus.api<{ code: string }>('DELETE', '/v1/hosts/dc1-s01/maintenance');
    assert.deepEqual([notIn.status, notIn.body.code], [404, 'not_in_maintenance']);
    const view = (await probe.view())!;
    assert.deepEqual(
      view.hosts.map((h) => h.host),
      ['dc1-s01', 'dc1-s02', 'dc1-s03', 'dc1-s04'],
    );
    assert.equal(view.settings?.confirmations, 2);
    const openapi = (await fetch(`${lazarus.apiUrl}/v1/openapi.json`).then((r) => r.json())) as {
      paths: Record<string, object>;
    };
    for (const path of ['/v1/hosts/{host}/maintenance', '/v1/groups/{group}/monitor', '/v1/groups/{group}/detections'])
      assert.ok(path in openapi.paths, `${path} in the OpenAPI document`);
  });

  it('fails over a host that powered off, automatically and only once', { timeout: 240_000 }, async () => {
    await lazarus.devices.hmc('hmc-dc1').powerOffSystem('dc1-s01');
    const detection = await probe.detection('dc1-s01');
    assert.equal(detection.action, 'failover-auto', detection.reason);
    assert.equal(detection.verdict, 'failed');
    assert.equal(detection.failoverId, `failover/${GROUP}/dc1-s01`);
    assert.ok(detection.firstBadAt <= detection.confirmedAt);
    const report = await eventually(
      'the failover report',
      async () => {
        const { body } = await probe.failover('dc1-s01');
        return body.report as { outcome: string; lpars: unknown[] } | undefined;
      },
      180_000,
      250,
    );
    assert.equal(report.outcome, 'succeeded', JSON.stringify(report));
    assert.equal((await probe.notifications('host-failed', 'dc1-s01')).length, 1);
    // The host stays Power Off (fenced): the monitor keeps seeing it down and starts nothing more.
    await probe.observations(4);
    assert.equal((await probe.failoverRuns('dc1-s01')).length, 1, 'one failover run');
    assert.equal((await probe.detections('dc1-s01')).length, 1, 'one detection');
    assert.equal((await probe.host('dc1-s01'))?.handled?.action, 'failover-auto');
    assert.deepEqual(await control('GET', '/violations'), []);
  });

  it('asks a person when the HMC says Error but the ports stay logged in', { timeout: 120_000 }, async () => {
    await control('POST', '/faults', { kind: 'host-error', target: 'dc1-s02' });
    const detection = await probe.detection('dc1-s02');
    assert.equal(detection.verdict, 'failed-unproven');
    assert.equal(detection.action, 'failover-advisory', detection.reason);
    const progress = await eventually(
      'the advisory failover waiting for approval',
      async () => {
        const { body } = await probe.failover('dc1-s02');
        const p = body.progress as { phase: string } | undefined;
        return p?.phase === 'approve' ? p : undefined;
      },
      60_000,
    );
    assert.equal(progress.phase, 'approve');
    assert.equal((await probe.notifications('host-suspect', 'dc1-s02')).length, 1);
  });

  it(
    'takes a power loss the HMCs cannot see (No Connection, ports dark) to a person',
    { timeout: 120_000 },
    async () => {
      await control('POST', '/faults', { kind: 'host-power-loss', target: 'dc1-s03' });
      const detection = await probe.detection('dc1-s03');
      assert.equal(detection.verdict, 'failed-unproven');
      assert.equal(detection.action, 'failover-advisory', detection.reason);
      assert.match(detection.reason, /lost the host and none of its ports is logged in/);
    },
  );

  it('uses the second HMC when the first is down: an alert, no failover', { timeout: 120_000 }, async () => {
    const { id } = await control<{ id: string }>('POST', '/faults', { kind: 'device-unreachable', target: 'hmc-dc1' });
    try {
      const view = await probe.until('hmc-dc1 seen unreachable', (v) => v.unreachableHmcs.includes('hmc-dc1'));
      assert.ok(
        view.hosts.every((h) => h.verdict === 'up'),
        'judged up from hmc-dc1b',
      );
      await probe.observations(3);
      assert.ok((await probe.view())!.hosts.every((h) => h.verdict === 'up'));
      assert.equal((await probe.notifications('hmc-unreachable', 'HMC pair degraded: hmc-dc1')).length, 1);
      // A host that fails now is judged from hmc-dc1b alone, and failed over.
      await lazarus.devices.hmc('hmc-dc1b').powerOffSystem('dc1-s04');
      const detection = await probe.detection('dc1-s04');
      assert.equal(detection.action, 'failover-auto', detection.reason);
      assert.match(detection.reason, /hmc-dc1: unreachable/);
    } finally {
      await control('DELETE', `/faults/${id}`);
    }
    await probe.until('hmc-dc1 answers again', (v) => v.unreachableHmcs.length === 0);
    for (const host of ['dc1-s01', 'dc1-s02', 'dc1-s03'])
      assert.equal((await probe.failoverRuns(host)).length, 0, `no failover of ${host}`);
  });

  it('an HMC that lost a running host is an alert, never a failover', { timeout: 120_000 }, async () => {
    await control('POST', '/faults', { kind: 'hmc-connection-lost', target: 'hmc-dc1/dc1-s01' });
    await control('POST', '/faults', { kind: 'hmc-connection-lost', target: 'hmc-dc1b/dc1-s01' });
    await probe.until('dc1-s01 judged hmc-lost-host', (v) =>
      v.hosts.some((h) => h.host === 'dc1-s01' && h.verdict === 'hmc-lost-host'),
    );
    await probe.observations(4);
    assert.equal((await probe.host('dc1-s01'))?.verdict, 'hmc-lost-host');
    assert.equal((await probe.detections('dc1-s01')).length, 0);
    assert.equal((await probe.failoverRuns('dc1-s01')).length, 0);
    assert.equal((await probe.notifications('host-suspect', 'the HMC lost dc1-s01, but it still runs')).length, 1);
  });

  it('does not fail over a host in maintenance until maintenance ends', { timeout: 180_000 }, async () => {
    const put = await lazarus.api('PUT', '/v1/hosts/dc1-s02/maintenance', { reason: 'DIMM swap' });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.equal((await lazarus.api('PUT', '/v1/hosts/dc1-s02/maintenance', {})).status, 400, 'a reason is needed');
    assert.equal((await lazarus.api('PUT', '/v1/hosts/nowhere/maintenance', { reason: 'x' })).status, 404);
    await lazarus.devices.hmc('hmc-dc1').powerOffSystem('dc1-s02');
    const skipped = await eventually(
      'the detection skipped for maintenance',
      async () => (await probe.detections('dc1-s02')).find((d) => d.action === 'maintenance'),
      90_000,
    );
    assert.equal(skipped.failoverId, undefined);
    await probe.observations(3);
    assert.equal((await probe.failoverRuns('dc1-s02')).length, 0, 'no failover while in maintenance');
    assert.equal((await probe.notifications('failover-not-started', 'dc1-s02')).length, 1, 'said once');
    assert.equal((await lazarus.api('DELETE', '/v1/hosts/dc1-s02/maintenance')).status, 200);
    assert.equal((await lazarus.api('DELETE', '/v1/hosts/dc1-s02/maintenance')).status, 404);
    const acted = await eventually(
      'the failover once maintenance ended',
      async () => (await probe.detections('dc1-s02')).find((d) => d.action === 'failover-auto'),
      90_000,
    );
    assert.equal(acted.firstBadAt, skipped.firstBadAt, 'the same failure, recorded once');
    assert.equal((await probe.failoverRuns('dc1-s02')).length, 1);
  });

  it('does not start a failover of a host already being failed over', { timeout: 120_000 }, async () => {
    // Maintenance holds the monitor back while an operator starts a failover of the failed host by hand.
    assert.equal((await lazarus.api('PUT', '/v1/hosts/dc1-s04/maintenance', { reason: 'hold' })).status, 200);
    await control('POST', '/faults', { kind: 'host-error', target: 'dc1-s04' });
    const started = await lazarus.api('POST', '/v1/failovers', { group: GROUP, host: 'dc1-s04', mode: 'advisory' });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    await eventually(
      'the detection skipped for maintenance',
      async () => (await probe.detections('dc1-s04')).find((d) => d.action === 'maintenance'),
      90_000,
    );
    assert.equal((await lazarus.api('DELETE', '/v1/hosts/dc1-s04/maintenance')).status, 200);
    const detection = await eventually(
      'the monitor finding the failover running',
      async () => (await probe.detections('dc1-s04')).find((d) => d.action !== 'maintenance'),
      90_000,
    );
    assert.equal(detection.action, 'failover-already-running', detection.reason);
    await probe.observations(3);
    assert.equal((await probe.failoverRuns('dc1-s04')).length, 1, "still the operator's run only");
  });
});

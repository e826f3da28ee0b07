// The break-it trial's findings on planned operations (issue 14), through the HTTP API on the devserver against the
// simulated fleet: an evacuation leaves no volume mapping behind (to the host an LPAR left, or shares at a
// destination it never reached), so a later failover of the destination succeeds; a failed host is not evacuated
// (409, no maintenance); a restore and an evacuation of the same host never run at once.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { EvacuationProgress, EvacuationReport } from '../../domain/evacuation/index.js';
import type { FailoverReport } from '../../domain/failover/index.js';
import { eventually } from '../support/temporal.js';
import { startSimulatedLazarus, type SimulatedLazarus } from '../support/simulated-lazarus.js';

describe('evacuation findings of the break-it trial (devserver + simulated fleet)', () => {
  let lazarus: SimulatedLazarus;

  before(async () => {
    lazarus = await startSimulatedLazarus({
      name: 'evacuation-findings',
      editConfig: (yaml) =>
        yaml.replace(/pollInterval: \S+/, 'pollInterval: 50').replace(/fenceDeadline: \S+/, 'fenceDeadline: 3s'),
    });
  });

  after(() => lazarus?.stop());

  const control = <T = unknown>(method: string, path: string, body?: unknown) => lazarus.control<T>(method, path, body);
  const api = <T = Record<string, unknown>>(method: string, path: string, body?: unknown) =>
    lazarus.api<T>(method, path, body);

  beforeEach(async () => {
    await control('POST', '/reset');
    await control('DELETE', '/violations');
    for (const host of ['dc1-s01', 'dc1-s02', 'dc1-s03', 'dc1-s04'])
      await lazarus.store.hostMonitoring().clearMaintenance(host);
    const fleet = await lazarus.store.currentFleet('dc1-prod');
    await lazarus.store.lparOrigins().forget(
      'dc1-prod',
      fleet.lpars.map((l) => l.name),
    );
    assert.equal(await lazarus.discover(), 'ok');
  });

  const reportOf = <T = EvacuationReport>(path: string, timeoutMs = 150_000): Promise<T> =>
    eventually(
      `the report of ${path}`,
      async () => {
        const state = await api<{ status: string; report?: T }>('GET', path);
        return state.body.status === 'completed' ? state.body.report : undefined;
      },
      timeoutMs,
    );

  /** The host objects each of the LPAR's volumes (by the inventory) is mapped to, volume → sorted hosts. */
  async function mappingsOf(lpar: string): Promise<Map<string, string[]>> {
    const fleet = await lazarus.store.currentFleet('dc1-prod');
    const volumes = fleet.lpars.find((l) => l.name === lpar)?.volumes.map((v) => v.vdiskName) ?? [];
    assert.ok(volumes.length > 0, `${lpar} has volumes in the inventory`);
    const all = await lazarus.devices.storageSystem('svc-dc1').allMappings();
    return new Map(
      volumes.map((v) => [
        v,
        all
          .filter((m) => m.volume === v)
          .map((m) => m.host)
          .sort(),
      ]),
    );
  }

  it(
    'removes the mappings a move leaves behind, and the shares of a move that did not happen; a failover follows',
    { timeout: 400_000 },
    async () => {
      // The HMC refuses the validation of dc1-web01: it stays home, its volumes were shared to dc1-s02 first.
      await control('POST', '/faults', {
        kind: 'command-fail',
        target: 'hmc-dc1',
        command: 'migrlpar',
        match: 'dc1-web01',
        times: 1,
        message: 'HSCLA319 The migrating partition cannot be hosted by the Virtual I/O Servers on the destination.',
      });
      const started = await api('POST', '/v1/hosts/dc1-s01/evacuate', { destinations: ['dc1-s02'] });
      assert.equal(started.status, 202, JSON.stringify(started.body));
      const evacuation = await reportOf('/v1/hosts/dc1-s01/evacuate');
      const moved = evacuation.lpars.filter((l) => l.step === 'moved');
      assert.ok(moved.length >= 2, JSON.stringify(evacuation.lpars));
      for (const l of moved) {
        assert.equal(l.to, 'dc1-s02');
        for (const [volume, hosts] of await mappingsOf(l.lpar))
          assert.deepEqual(hosts, ['dc1-s02'], `${l.lpar}'s ${volume} is mapped to its new host only (${l.mappings})`);
      }
      const web = evacuation.lpars.find((l) => l.lpar === 'dc1-web01')!;
      assert.equal(web.step, 'invalid', JSON.stringify(web));
      for (const [volume, hosts] of await mappingsOf('dc1-web01'))
        assert.deepEqual(hosts, ['dc1-s01'], `dc1-web01's ${volume}: the share at dc1-s02 is gone (${web.mappings})`);
      assert.deepEqual(await control('GET', '/violations'), [], 'no running LPAR lost a disk');

      // The destination fails: every LPAR there, the evacuated ones too, restarts elsewhere.
      await control('POST', '/faults', { kind: 'host-error', target: 'dc1-s02' });
      const failover = await api<{ id: string }>('POST', '/v1/failovers', {
        group: 'dc1-prod',
        host: 'dc1-s02',
        mode: 'auto',
      });
      assert.equal(failover.status, 202, JSON.stringify(failover.body));
      const report = await reportOf<FailoverReport>(`/v1/failovers/${encodeURIComponent(failover.body.id)}`);
      for (const l of moved) {
        const restarted = report.lpars.find((r) => r.lpar === l.lpar);
        assert.equal(restarted?.step, 'running', `${l.lpar}: ${restarted?.error ?? JSON.stringify(restarted)}`);
      }
      assert.equal(report.outcome, 'succeeded', JSON.stringify(report.lpars));
    },
  );

  it(
    'restores every LPAR home and leaves none of its volumes mapped to the interim host',
    { timeout: 300_000 },
    async () => {
      const started = await api('POST', '/v1/hosts/dc1-s01/evacuate', { destinations: ['dc1-s03'] });
      assert.equal(started.status, 202, JSON.stringify(started.body));
      const evacuation = await reportOf('/v1/hosts/dc1-s01/evacuate');
      const moved = evacuation.lpars.filter((l) => l.step === 'moved').map((l) => l.lpar);
      assert.ok(moved.length >= 2, JSON.stringify(evacuation.lpars));
      const restore = await api('POST', '/v1/hosts/dc1-s01/restore', {});
      assert.equal(restore.status, 202, JSON.stringify(restore.body));
      const report = await reportOf('/v1/hosts/dc1-s01/restore');
      assert.equal(report.outcome, 'succeeded', JSON.stringify(report.lpars));
      for (const lpar of moved)
        for (const [volume, hosts] of await mappingsOf(lpar))
          assert.deepEqual(hosts, ['dc1-s01'], `${lpar}'s ${volume} is mapped at home only`);
      assert.deepEqual(await control('GET', '/violations'), []);
    },
  );

  it('restarts in place an LPAR shut down for a move that then failed', { timeout: 300_000 }, async () => {
    // Both the validation and the inactive migration of dc1-web01 are refused: it was shut down for nothing.
    await control('POST', '/faults', {
      kind: 'command-fail',
      target: 'hmc-dc1',
      command: 'migrlpar',
      match: 'dc1-web01',
      times: 2,
      message: 'HSCLA319 The migrating partition cannot be hosted by the Virtual I/O Servers on the destination.',
    });
    const started = await api('POST', '/v1/hosts/dc1-s01/evacuate', { allowShutdownRestart: true });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const report = await reportOf('/v1/hosts/dc1-s01/evacuate');
    const web = report.lpars.find((l) => l.lpar === 'dc1-web01')!;
    assert.equal(web.step, 'failed', JSON.stringify(web));
    assert.equal(web.how, 'shutdown-restart');
    assert.match(web.error ?? '', /HSCLA319.*restarted in place on dc1-s01/);
    const partition = await lazarus.devices.hmc('hmc-dc1').partition('dc1-s01', 'dc1-web01');
    assert.equal(partition?.state, 'Running', 'it runs again where it was');
    assert.equal(web.finalHost, 'dc1-s01');
    assert.equal(web.finalState, 'Running');
    assert.deepEqual(await control('GET', '/violations'), []);
  });

  it('says so when a destination named is in maintenance', { timeout: 60_000 }, async () => {
    await lazarus.store.hostMonitoring().setMaintenance({
      host: 'dc1-s02',
      reason: 'firmware update',
      by: 'test',
      since: new Date().toISOString(),
    });
    const refused = await api<{ code: string; message: string; hosts?: string[] }>(
      'POST',
      '/v1/hosts/dc1-s01/evacuate',
      { destinations: ['dc1-s02'] },
    );
    assert.equal(refused.status, 409, JSON.stringify(refused.body));
    assert.equal(refused.body.code, 'destinations_in_maintenance');
    assert.match(refused.body.message, /dc1-s02 is in maintenance \(firmware update\)/);
    assert.deepEqual(refused.body.hosts, ['dc1-s02']);
    assert.deepEqual(await lazarus.store.hostMonitoring().maintenance(['dc1-s01']), [], 'nothing started');
  });

  it('refuses to evacuate a failed host (409) and leaves it out of maintenance', { timeout: 120_000 }, async () => {
    await control('POST', '/faults', { kind: 'host-error', target: 'dc1-s04' });
    const refused = await api<{ code: string; message: string; id?: string; report?: EvacuationReport }>(
      'POST',
      '/v1/hosts/dc1-s04/evacuate',
      {},
    );
    assert.equal(refused.status, 409, JSON.stringify(refused.body));
    assert.equal(refused.body.code, 'host_not_operating');
    assert.match(refused.body.message, /dc1-s04 is Error.*failed over/);
    assert.equal(refused.body.id, 'evacuate/dc1-prod/dc1-s04');
    const report = refused.body.report!;
    assert.equal(report.outcome, 'failed', 'a run stopped at its roster did not succeed');
    assert.equal(report.maintenance, false);
    assert.deepEqual(await lazarus.store.hostMonitoring().maintenance(['dc1-s04']), [], 'not in maintenance');
    const stored = await lazarus.store.recoveryReportRuns('evacuate/dc1-prod/dc1-s04');
    assert.equal(stored[0]?.outcome, 'failed');
  });

  it(
    'never runs an evacuation and a restore of one host at once (409 naming the running one)',
    { timeout: 300_000 },
    async () => {
      // Slow migrations, so each operation is still running when the other is asked for.
      await control('POST', '/faults', { kind: 'slow', target: 'dc1-s01', factor: 200 });
      const running = async (path: string) =>
        eventually(
          `${path} migrating`,
          async () => {
            const state = await api<{ progress?: EvacuationProgress }>('GET', path);
            return (state.body.progress?.totals.migrating ?? 0) > 0 ? true : undefined;
          },
          120_000,
        );
      assert.equal((await api('POST', '/v1/hosts/dc1-s01/evacuate', {})).status, 202);
      await running('/v1/hosts/dc1-s01/evacuate');
      const restore = await api<{ code: string; id?: string }>('POST', '/v1/hosts/dc1-s01/restore', {});
      assert.equal(restore.status, 409, JSON.stringify(restore.body));
      assert.equal(restore.body.code, 'operation_running');
      assert.equal(restore.body.id, 'evacuate/dc1-prod/dc1-s01');
      assert.equal((await lazarus.store.hostMonitoring().maintenance(['dc1-s01'])).length, 1, 'still in maintenance');
      assert.equal((await api('POST', '/v1/hosts/dc1-s01/evacuate/cancel', {})).status, 202);
      const evacuation = await reportOf('/v1/hosts/dc1-s01/evacuate');
      assert.ok(evacuation.totals.moved >= 1, JSON.stringify(evacuation.totals));
      assert.ok(evacuation.totals.cancelled >= 1, JSON.stringify(evacuation.totals));
      // The cancel leaves no residue: moved LPARs are mapped at their destination only, the others at home only.
      for (const l of evacuation.lpars.filter((m) => m.step === 'moved' || m.step === 'cancelled'))
        for (const [volume, hosts] of await mappingsOf(l.lpar))
          assert.deepEqual(hosts, [l.step === 'moved' ? l.to : 'dc1-s01'], `${l.lpar} (${l.step})'s ${volume}`);

      assert.equal((await api('POST', '/v1/hosts/dc1-s01/restore', {})).status, 202);
      await running('/v1/hosts/dc1-s01/restore');
      const evacuate = await api<{ code: string; id?: string }>('POST', '/v1/hosts/dc1-s01/evacuate', {});
      assert.equal(evacuate.status, 409, JSON.stringify(evacuate.body));
      assert.equal(evacuate.body.code, 'operation_running');
      assert.equal(evacuate.body.id, 'restore/dc1-prod/dc1-s01');
      assert.equal((await api('POST', '/v1/hosts/dc1-s01/restore/cancel', {})).status, 202);
      await reportOf('/v1/hosts/dc1-s01/restore');
      assert.deepEqual(await control('GET', '/violations'), []);
    },
  );
});

// Automatic failback per group policy (issue 14 item 3), end to end on the simulated fleet with the host monitor on
// (interval 1 s) and dc1-prod's `evacuation.failback: automatic`: a host that powered off is failed over by the
// monitor; when it is Operating again the monitor starts the failback, which waits while an LPAR's state elsewhere is
// in doubt (a destination in Error: its partitions Not Available) and cleans up once it is certain — stale
// definitions removed, the host's storage ports put back — after which `restore` brings the LPARs home by LPM.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { EvacuationReport, FailbackReport } from '../../domain/evacuation/index.js';
import type { FailoverReport } from '../../domain/failover/index.js';
import { GROUP, MonitorProbe, withMonitoring } from '../monitoring/support.js';
import { eventually } from '../support/temporal.js';
import { startSimulatedLazarus, type SimulatedLazarus } from '../support/simulated-lazarus.js';

interface SimState {
  systems: Array<{ name: string; state: string; partitions: Array<{ name: string; env: string; state: string }> }>;
  storage: Array<{ hosts: Array<{ name: string; wwpns: string[] }> }>;
}

describe('automatic failback when a failed-over host returns (devserver + simulated fleet + monitor)', () => {
  let lazarus: SimulatedLazarus;
  let probe: MonitorProbe;

  before(async () => {
    const monitoring = withMonitoring({ action: 'auto' });
    lazarus = await startSimulatedLazarus({
      name: 'auto-failback',
      monitors: true,
      editConfig: (yaml) =>
        monitoring(yaml).replace('    monitoring:\n', '    evacuation:\n      failback: automatic\n    monitoring:\n'),
    });
    assert.equal(lazarus.config.hostGroups[0]!.evacuation?.failback, 'automatic');
    probe = new MonitorProbe(lazarus);
    assert.equal(await lazarus.discover(), 'ok');
    await probe.until('every host up', (v) => v.hosts.every((h) => h.verdict === 'up'));
    probe.since();
  });

  after(() => lazarus?.stop());

  const control = <T = unknown>(method: string, path: string, body?: unknown) => lazarus.control<T>(method, path, body);
  const stateOf = () => control<SimState>('GET', '/state');
  const definedOn = async (host: string) =>
    (await stateOf()).systems
      .find((s) => s.name === host)!
      .partitions.filter((p) => p.env !== 'vioserver')
      .map((p) => p.name)
      .sort();

  it(
    'waits while an LPAR elsewhere is in doubt, then cleans up and the host takes its LPARs back',
    { timeout: 300_000 },
    async () => {
      const home = await definedOn('dc1-s01');
      await lazarus.devices.hmc('hmc-dc1').powerOffSystem('dc1-s01');
      const failover = await eventually(
        'the monitor-started failover report',
        async () => {
          const { body } = await probe.failover('dc1-s01');
          return body.report as FailoverReport | undefined;
        },
        180_000,
        250,
      );
      assert.equal(failover.outcome, 'succeeded', JSON.stringify(failover.lpars));
      assert.ok(failover.fence?.hostPortsRemoved, 'the host was cut at its storage host object');
      const storageHost = failover.fence!.hostPortsRemoved!.storageHost;
      const restarted = failover.lpars.filter((l) => l.step === 'running').map((l) => l.lpar);
      assert.deepEqual([...restarted].sort(), home);

      // A destination of the failover goes into Error: its partitions are Not Available, their state unknown.
      const destination = failover.lpars.find((l) => l.lpar === 'dc1-db01')!.destination!;
      const doubt = await control<{ id: string }>('POST', '/faults', { kind: 'host-error', target: destination });
      await control('POST', '/actions/recover-host', { system: 'dc1-s01' });
      const waiting = await eventually(
        'the failback waiting notification',
        async () => (await probe.notifications('failback-waiting', 'dc1-s01'))[0],
        90_000,
        200,
      );
      assert.match(waiting.message, new RegExp(destination));
      assert.deepEqual(await definedOn('dc1-s01'), home, 'nothing cleaned up while in doubt');
      const cut = (await stateOf()).storage.flatMap((s) => s.hosts).find((h) => h.name === storageHost)!;
      assert.deepEqual(cut.wwpns, [], 'the storage cut stays while in doubt');

      await control('DELETE', `/faults/${doubt.id}`);
      const failback = await eventually(
        'the automatic failback report',
        async () => {
          const stored = await lazarus.store.recoveryReport(`failback/${GROUP}/dc1-s01`);
          return stored?.report as FailbackReport | undefined;
        },
        120_000,
        250,
      );
      assert.equal(failback.outcome, 'succeeded', JSON.stringify(failback));
      assert.deepEqual(failback.cleaned.map((c) => c.lpar).sort(), home);
      assert.deepEqual(await definedOn('dc1-s01'), [], 'every stale definition is gone');
      const ports = (await stateOf()).storage.flatMap((s) => s.hosts).find((h) => h.name === storageHost)!;
      assert.deepEqual(
        [...ports.wwpns].sort(),
        [...failover.fence!.hostPortsRemoved!.wwpns].sort(),
        'the ports are back',
      );
      const finished = await probe.notifications('failback-finished', 'dc1-s01');
      assert.equal(finished.length, 1, 'one failback, notified once');

      // The host is a destination again: restore brings its LPARs home by LPM.
      const started = await lazarus.api('POST', '/v1/hosts/dc1-s01/restore', {});
      assert.equal(started.status, 202, JSON.stringify(started.body));
      const restore = await eventually(
        'the restore report',
        async () => {
          const state = await lazarus.api<{ status: string; report?: EvacuationReport }>(
            'GET',
            '/v1/hosts/dc1-s01/restore',
          );
          return state.body.status === 'completed' ? state.body.report : undefined;
        },
        120_000,
      );
      assert.equal(restore.outcome, 'succeeded', JSON.stringify(restore.lpars));
      const running = (await stateOf()).systems
        .find((s) => s.name === 'dc1-s01')!
        .partitions.filter((p) => p.env !== 'vioserver' && p.state === 'Running')
        .map((p) => p.name)
        .sort();
      assert.deepEqual(running, home, 'every LPAR runs at home again');
      assert.deepEqual(await control('GET', '/violations'), []);
    },
  );
});

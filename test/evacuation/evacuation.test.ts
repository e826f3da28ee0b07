// Planned operations end to end through the HTTP API, with the production worker setup, on the devserver against
// the simulated fleet: evacuate a host by LPM and restore it (every LPAR home, none ran twice, no violation); an LPAR
// that fails LPM validation (reported; with allowShutdownRestart shut down, moved inactive and started); a cancel
// during an evacuation; failback after a failover, refused while an LPAR elsewhere is in doubt.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { EvacuationProgress, EvacuationReport, FailbackReport } from '../../domain/evacuation/index.js';
import type { FailoverReport } from '../../domain/failover/index.js';
import { eventually } from '../support/temporal.js';
import { startSimulatedLazarus, type SimulatedLazarus } from '../support/simulated-lazarus.js';

interface SimPartition {
  name: string;
  env: string;
  state: string;
  migrationState: string;
}
interface SimState {
  systems: Array<{ name: string; state: string; partitions: SimPartition[] }>;
}

describe('planned evacuation, restore and failback through the HTTP API (devserver + simulated fleet)', () => {
  let lazarus: SimulatedLazarus;

  before(async () => {
    lazarus = await startSimulatedLazarus({
      name: 'evacuation',
      editConfig: (yaml) =>
        yaml
          .replace(/pollInterval: \S+/, 'pollInterval: 50')
          .replace(/fenceDeadline: \S+/, 'fenceDeadline: 3s')
          // Two migrations at once, so a cancel finds some in flight and some not started.
          .replace(
            'hosts: [dc1-s01, dc1-s02, dc1-s03, dc1-s04]\n',
            'hosts: [dc1-s01, dc1-s02, dc1-s03, dc1-s04]\n    evacuation:\n      maxMigrationsPerHmc: 2\n' +
              // A migration that outlives this is hung (the slowest here, ×200, copies 64 GB in ~8 s of wall time).
              '      migrationTimeout: 30s\n',
          ),
    });
    assert.equal(lazarus.config.hostGroups[0]!.evacuation?.maxMigrationsPerHmc, 2);
  });

  after(() => lazarus?.stop());

  const control = <T = unknown>(method: string, path: string, body?: unknown) => lazarus.control<T>(method, path, body);
  const api = <T = Record<string, unknown>>(method: string, path: string, body?: unknown) =>
    lazarus.api<T>(method, path, body);

  beforeEach(async () => {
    await control('POST', '/reset');
    await control('DELETE', '/violations');
    await lazarus.store.hostMonitoring().clearMaintenance('dc1-s01');
    await lazarus.store.lparOrigins().forget('dc1-prod', [...(await placement()).keys()]);
    assert.equal(await lazarus.discover(), 'ok');
  });

  /** Client LPAR name → the hosts where the simulator has it, with its state. */
  async function placement(): Promise<Map<string, Array<{ host: string; state: string }>>> {
    const state = await control<SimState>('GET', '/state');
    const where = new Map<string, Array<{ host: string; state: string }>>();
    for (const system of state.systems)
      for (const p of system.partitions.filter((q) => q.env !== 'vioserver'))
        where.set(p.name, [...(where.get(p.name) ?? []), { host: system.name, state: p.state }]);
    return where;
  }

  /** Every LPAR runs on exactly one host; returns LPAR → that host. */
  async function runningHosts(): Promise<Map<string, string>> {
    const hosts = new Map<string, string>();
    for (const [lpar, seen] of await placement()) {
      const active = seen.filter((s) => s.state !== 'Not Activated');
      assert.ok(active.length <= 1, `${lpar} is active once at most: ${JSON.stringify(seen)}`);
      if (active.length === 1) {
        assert.equal(active[0]!.state, 'Running', `${lpar}: ${JSON.stringify(seen)}`);
        hosts.set(lpar, active[0]!.host);
      }
    }
    return hosts;
  }

  const reportOf = (path: string, timeoutMs = 90_000): Promise<EvacuationReport> =>
    eventually(
      `the report of ${path}`,
      async () => {
        const state = await api<{ status: string; report?: EvacuationReport }>('GET', path);
        return state.body.status === 'completed' ? state.body.report : undefined;
      },
      timeoutMs,
    );

  const evacuate = async (body: object = {}): Promise<EvacuationReport> => {
    const started = await api('POST', '/v1/hosts/dc1-s01/evacuate', body);
    assert.equal(started.status, 202, JSON.stringify(started.body));
    return reportOf('/v1/hosts/dc1-s01/evacuate');
  };

  it('validates requests, documents the routes and plans without touching anything when advisory', async () => {
    const unknown = await api<{ code: string }>('POST', '/v1/hosts/dc9-s01/evacuate', {});
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.code, 'unknown_host');
    const bad = await api<{ code: string; fields: Array<{ path: string }> }>('POST', '/v1/hosts/dc1-s01/evacuate', {
      allowShutdownRestart: 'yes',
      extra: 1,
    });
    assert.equal(bad.status, 400);
    assert.ok(
      bad.body.fields.some((f) => f.path === 'allowShutdownRestart'),
      JSON.stringify(bad.body),
    );
    const self = await api<{ code: string }>('POST', '/v1/hosts/dc1-s01/evacuate', { destinations: ['dc1-s01'] });
    assert.equal(self.body.code, 'invalid_destinations');
    assert.equal((await api('POST', '/v1/hosts/dc1-s01/restore/cancel', {})).status, 404);
    const openapi = await api<{ paths: Record<string, object> }>('GET', '/v1/openapi.json');
    for (const path of [
      '/v1/hosts/{host}/evacuate',
      '/v1/hosts/{host}/evacuate/cancel',
      '/v1/hosts/{host}/restore',
      '/v1/hosts/{host}/failback',
    ])
      assert.ok(path in openapi.body.paths, `${path} in the OpenAPI document`);

    const before = await runningHosts();
    const storageBefore = (await control<{ storage: unknown }>('GET', '/state')).storage;
    const advisory = await api<EvacuationReport>('POST', '/v1/hosts/dc1-s01/evacuate', {
      advisory: true,
      destinations: ['dc1-s02', 'dc1-s03'],
    });
    assert.equal(advisory.status, 200, JSON.stringify(advisory.body));
    const planned = advisory.body.lpars.filter((l) => l.step === 'pending');
    assert.ok(planned.length >= 4, JSON.stringify(advisory.body.lpars));
    for (const l of planned) assert.ok(['dc1-s02', 'dc1-s03'].includes(l.to!), `${l.lpar} → ${l.to}`);
    assert.deepEqual([...(await runningHosts())].sort(), [...before].sort(), 'nothing moved');
    assert.deepEqual((await control<{ storage: unknown }>('GET', '/state')).storage, storageBefore, 'nothing mapped');
    assert.deepEqual(await lazarus.store.hostMonitoring().maintenance(['dc1-s01']), [], 'not even maintenance');
  });

  it('evacuates a host by LPM and restores every LPAR to it in one operation', { timeout: 180_000 }, async () => {
    const before = await runningHosts();
    const onHost = [...before]
      .filter(([, host]) => host === 'dc1-s01')
      .map(([lpar]) => lpar)
      .sort();
    assert.ok(onHost.length >= 4, `the example host runs several LPARs: ${onHost.join(', ')}`);

    const evacuation = await evacuate();
    assert.equal(evacuation.outcome, 'succeeded', JSON.stringify(evacuation.lpars));
    assert.equal(evacuation.maintenance, true, 'the host is in maintenance');
    assert.deepEqual(
      evacuation.lpars
        .filter((l) => l.step === 'moved')
        .map((l) => l.lpar)
        .sort(),
      onHost,
    );
    const during = await runningHosts();
    for (const lpar of onHost) {
      const move = evacuation.lpars.find((l) => l.lpar === lpar)!;
      assert.equal(move.how, 'lpm');
      assert.notEqual(during.get(lpar), 'dc1-s01', `${lpar} left the host`);
      assert.equal(during.get(lpar), move.to, `${lpar} runs where the report says`);
      assert.equal(move.finalHost, move.to);
    }
    assert.equal((await lazarus.store.hostMonitoring().maintenance(['dc1-s01'])).length, 1);
    const origins = await lazarus.store.lparOrigins().movedAwayFrom('dc1-prod', 'dc1-s01');
    assert.deepEqual(origins.map((o) => o.lpar).sort(), onHost, 'where each LPAR came from is recorded');

    const restoreStart = await api('POST', '/v1/hosts/dc1-s01/restore', {});
    assert.equal(restoreStart.status, 202, JSON.stringify(restoreStart.body));
    const restore = await reportOf('/v1/hosts/dc1-s01/restore');
    assert.equal(restore.outcome, 'succeeded', JSON.stringify(restore.lpars));
    assert.deepEqual(restore.lpars.map((l) => l.lpar).sort(), onHost);
    const afterRestore = await runningHosts();
    assert.deepEqual([...afterRestore].sort(), [...before].sort(), 'every LPAR is back where it was');
    assert.equal(restore.maintenance, false, 'the host left maintenance');
    assert.deepEqual(await lazarus.store.lparOrigins().movedAwayFrom('dc1-prod', 'dc1-s01'), []);
    assert.deepEqual(await control('GET', '/violations'), [], 'none ran twice, no disk lost');
    const stored = await lazarus.store.recoveryReportRuns('evacuate/dc1-prod/dc1-s01');
    assert.equal(stored[0]?.outcome, 'succeeded', 'the evacuation report is stored');
    const kinds = (await lazarus.store.recentNotifications(50)).map((n) => n.kind);
    assert.ok(kinds.includes('evacuation-finished') && kinds.includes('restore-finished'), kinds.join(', '));
  });

  it(
    'reports an LPAR that fails LPM validation, and moves it by shutdown and restart only when allowed',
    {
      timeout: 180_000,
    },
    async () => {
      // The HMC refuses the first migrlpar naming dc1-web01: its validation (a message classed as a refusal).
      const refusal =
        'HSCLA319 The migrating partition cannot be hosted by the Virtual I/O Servers on the destination.';
      await control('POST', '/faults', {
        kind: 'command-fail',
        target: 'hmc-dc1',
        command: 'migrlpar',
        match: 'dc1-web01',
        times: 1,
        message: refusal,
      });
      const reported = await evacuate();
      assert.equal(reported.outcome, 'partial');
      const web = reported.lpars.find((l) => l.lpar === 'dc1-web01')!;
      assert.equal(web.step, 'invalid');
      assert.match(web.validation ?? '', /HSCLA319/);
      assert.equal((await runningHosts()).get('dc1-web01'), 'dc1-s01', 'not moved, still running at home');
      assert.ok(reported.lpars.filter((l) => l.step === 'moved').length >= 3, 'the others moved');
      assert.deepEqual(await control('GET', '/violations'), []);

      // Again with the option: it is shut down, proven Not Activated, moved inactive and started on its destination.
      await control('POST', '/faults', {
        kind: 'command-fail',
        target: 'hmc-dc1',
        command: 'migrlpar',
        match: 'dc1-web01',
        times: 1,
        message: refusal,
      });
      const restarted = await evacuate({ allowShutdownRestart: true });
      const moved = restarted.lpars.find((l) => l.lpar === 'dc1-web01')!;
      assert.equal(moved.step, 'restarted', JSON.stringify(moved));
      assert.equal(moved.how, 'shutdown-restart');
      assert.match(moved.validation ?? '', /HSCLA319/);
      assert.equal(restarted.outcome, 'succeeded', JSON.stringify(restarted.lpars));
      const hosts = await runningHosts();
      assert.equal(hosts.get('dc1-web01'), moved.to);
      assert.notEqual(moved.to, 'dc1-s01');
      assert.deepEqual(await control('GET', '/violations'), [], 'never two copies');
    },
  );

  it(
    'cancels an evacuation: migrations in flight finish, the rest stay home, nothing half moved',
    {
      timeout: 180_000,
    },
    async () => {
      const before = await runningHosts();
      // Slow migrations (×200 on the source system), so the cancel arrives while some are in flight.
      await control('POST', '/faults', { kind: 'slow', target: 'dc1-s01', factor: 200 });
      const started = await api('POST', '/v1/hosts/dc1-s01/evacuate', {});
      assert.equal(started.status, 202);
      await eventually(
        'a migration in flight',
        async () => {
          const state = await api<{ progress?: EvacuationProgress }>('GET', '/v1/hosts/dc1-s01/evacuate');
          return (state.body.progress?.totals.migrating ?? 0) > 0 ? true : undefined;
        },
        90_000,
      );
      const cancel = await api('POST', '/v1/hosts/dc1-s01/evacuate/cancel', { reason: 'change window closed' });
      assert.equal(cancel.status, 202, JSON.stringify(cancel.body));
      const report = await reportOf('/v1/hosts/dc1-s01/evacuate', 150_000);
      assert.equal(report.outcome, 'cancelled');
      assert.equal(report.cancelledBy?.by, 'api', 'who cancelled (the bare test token is named api)');
      assert.ok(report.totals.cancelled >= 1, `some never started: ${JSON.stringify(report.totals)}`);
      assert.ok(report.totals.moved >= 1, `those in flight finished: ${JSON.stringify(report.totals)}`);
      assert.equal(report.totals.migrating + report.totals.pending, 0, 'nothing left unreported');
      const hosts = await runningHosts();
      for (const l of report.lpars) {
        if (l.step === 'moved') assert.equal(hosts.get(l.lpar), l.to, `${l.lpar} runs on its destination`);
        if (l.step === 'cancelled') assert.equal(hosts.get(l.lpar), 'dc1-s01', `${l.lpar} still runs at home`);
      }
      assert.equal(hosts.size, before.size, 'every LPAR still runs');
      const state = await control<SimState>('GET', '/state');
      const migrating = state.systems.flatMap((s) => s.partitions.filter((p) => p.migrationState !== 'Not Migrating'));
      assert.deepEqual(migrating, [], 'no partition left mid-migration');
      assert.deepEqual(await control('GET', '/violations'), []);
    },
  );

  it(
    'cancel with migrations in flight that fail and hang: each is recovered (migrlpar -o r) and proven at home',
    {
      timeout: 180_000,
    },
    async () => {
      const before = await runningHosts();
      // dc1-db01 (critical) and dc1-mq01 (high) migrate first, two at once. Slowed ×200 so the cancel finds them in
      // flight; then db01's migrlpar fails and mq01's hangs, both left mid-migration until `migrlpar -o r`.
      await control('POST', '/faults', { kind: 'slow', target: 'dc1-s01', factor: 200 });
      const failure = 'The partition migration failed: the mover service partition lost its connection (test fault)';
      await control('POST', '/faults', {
        kind: 'migration-stuck',
        target: 'dc1-s01',
        match: 'dc1-db01',
        message: failure,
      });
      await control('POST', '/faults', { kind: 'migration-stuck', target: 'dc1-s01', match: 'dc1-mq01' });
      const started = await api('POST', '/v1/hosts/dc1-s01/evacuate', {});
      assert.equal(started.status, 202);
      await eventually(
        'both migrations in flight',
        async () => {
          const state = await api<{ progress?: EvacuationProgress }>('GET', '/v1/hosts/dc1-s01/evacuate');
          const moving = state.body.progress?.lpars.filter((l) => l.step === 'migrating').map((l) => l.lpar) ?? [];
          return moving.includes('dc1-db01') && moving.includes('dc1-mq01') ? true : undefined;
        },
        90_000,
      );
      const cancel = await api('POST', '/v1/hosts/dc1-s01/evacuate/cancel', { reason: 'change window closed' });
      assert.equal(cancel.status, 202, JSON.stringify(cancel.body));
      // The hung one is recovered only once it outlives migrationTimeout (30 s).
      await eventually(
        'the hung migration seen stuck on the HMC',
        async () => {
          const state = await control<SimState>('GET', '/state');
          const mq = state.systems.find((s) => s.name === 'dc1-s01')!.partitions.find((p) => p.name === 'dc1-mq01');
          return mq?.state === 'Migrating - Running' ? true : undefined;
        },
        60_000,
      );
      const report = await reportOf('/v1/hosts/dc1-s01/evacuate', 150_000);
      assert.equal(report.outcome, 'cancelled', JSON.stringify(report.lpars));
      for (const lpar of ['dc1-db01', 'dc1-mq01']) {
        const move = report.lpars.find((l) => l.lpar === lpar)!;
        assert.equal(move.step, 'failed', JSON.stringify(move));
        assert.match(move.error ?? '', /migrlpar -o r/, `${lpar} was recovered`);
        assert.match(move.error ?? '', /Running on dc1-s01/, `${lpar}: where the HMC shows it, proven`);
        assert.equal(move.finalHost, 'dc1-s01');
        assert.equal(move.finalState, 'Running');
      }
      assert.match(report.lpars.find((l) => l.lpar === 'dc1-db01')!.error ?? '', /mover service partition/);
      assert.match(report.lpars.find((l) => l.lpar === 'dc1-mq01')!.error ?? '', /migrationTimeout \(30 s\)/);
      assert.ok(report.totals.cancelled >= 1, `the rest never started: ${JSON.stringify(report.totals)}`);
      assert.equal(report.totals.migrating + report.totals.pending, 0, 'nothing left unreported');
      const state = await control<SimState>('GET', '/state');
      const migrating = state.systems.flatMap((s) => s.partitions.filter((p) => p.migrationState !== 'Not Migrating'));
      assert.deepEqual(migrating, [], 'no partition left mid-migration');
      assert.deepEqual([...(await runningHosts())].sort(), [...before].sort(), 'every LPAR runs at home, once');
      assert.deepEqual(await lazarus.store.lparOrigins().movedAwayFrom('dc1-prod', 'dc1-s01'), [], 'none recorded');
      assert.deepEqual(await control('GET', '/violations'), []);
    },
  );

  it(
    'reports a migration an operator stopped on the HMC: failed, still running at home',
    {
      timeout: 180_000,
    },
    async () => {
      await control('POST', '/faults', { kind: 'slow', target: 'dc1-s01', factor: 200 });
      const started = await api('POST', '/v1/hosts/dc1-s01/evacuate', {});
      assert.equal(started.status, 202);
      const moving = await eventually(
        'a partition mid-migration',
        async () => {
          const state = await control<SimState>('GET', '/state');
          const host = state.systems.find((s) => s.name === 'dc1-s01')!;
          return host.partitions.find((p) => p.migrationState === 'Migration In Progress')?.name;
        },
        90_000,
      );
      await lazarus.devices.hmc('hmc-dc1').run(`migrlpar -o s -m dc1-s01 -p ${moving}`);
      const report = await reportOf('/v1/hosts/dc1-s01/evacuate', 150_000);
      const stopped = report.lpars.find((l) => l.lpar === moving)!;
      assert.equal(stopped.step, 'failed', JSON.stringify(stopped));
      assert.match(stopped.error ?? '', /HSCLA31B/);
      assert.equal(stopped.finalHost, 'dc1-s01');
      assert.equal(stopped.finalState, 'Running');
      assert.equal(report.outcome, 'partial');
      assert.equal((await runningHosts()).get(moving), 'dc1-s01', 'it was never restarted elsewhere by a retry');
      assert.deepEqual(await control('GET', '/violations'), []);
    },
  );

  it('drives evacuate, query and restore from the CLI', { timeout: 180_000 }, async () => {
    const bin = new URL('../../bin/lazarus.mjs', import.meta.url).pathname;
    const cli = (args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          [bin, ...args],
          {
            timeout: 120_000,
            env: {
              PATH: process.env.PATH ?? '',
              HOME: lazarus.dir,
              LAZARUS_HOME: `${lazarus.dir}/.lazarus-cli`,
              LAZARUS_URL: lazarus.apiUrl,
              LAZARUS_API_TOKEN: lazarus.token,
            },
          },
          (error, stdout, stderr) =>
            resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
      });
    const plan = await cli(['evacuate', 'dc1-s01', '--advisory']);
    assert.equal(plan.code, 0, plan.stderr);
    assert.match(plan.stdout, /dc1-db01 .*dc1-s01 .*dc1-s0[234] .*critical .*pending/);
    const started = await cli(['evacuate', 'dc1-s01']);
    assert.equal(started.code, 0, started.stderr);
    assert.match(started.stdout, /evacuate\/dc1-prod\/dc1-s01: started/);
    await reportOf('/v1/hosts/dc1-s01/evacuate');
    const shown = await cli(['query', 'evacuation', 'dc1-s01']);
    assert.match(shown.stdout, /outcome │ succeeded/);
    assert.match(shown.stdout, /dc1-web01 .* moved/);
    // An evacuated host never failed: nothing stale, no failover record, so failback is a conflict, not a success.
    const failback = await cli(['failback', 'dc1-s01']);
    assert.equal(failback.code, 6, failback.stdout + failback.stderr);
    assert.match(failback.stderr, /nothing to fail back/);
    assert.equal((await cli(['restore', 'dc1-s01'])).code, 0);
    assert.equal((await reportOf('/v1/hosts/dc1-s01/restore')).outcome, 'succeeded');
    assert.equal((await cli(['restore', 'dc9-s01'])).code, 5, 'an unknown host is not found');
  });

  it(
    'fails back a returned host after a failover, and refuses while an LPAR elsewhere is in doubt',
    {
      timeout: 180_000,
    },
    async () => {
      await control('POST', '/faults', { kind: 'host-error', target: 'dc1-s01' });
      const failover = await api<{ id: string }>('POST', '/v1/failovers', {
        group: 'dc1-prod',
        host: 'dc1-s01',
        mode: 'auto',
      });
      assert.equal(failover.status, 202);
      const failoverReport = await eventually(
        'the failover report',
        async () => {
          const s = await api<{ status: string; report?: FailoverReport }>(
            'GET',
            `/v1/failovers/${encodeURIComponent(failover.body.id)}`,
          );
          return s.body.status === 'completed' ? s.body.report : undefined;
        },
        90_000,
      );
      assert.equal(failoverReport.outcome, 'succeeded');
      await control('POST', '/actions/recover-host', { system: 'dc1-s01' });
      const stale = (await placement()).get('dc1-db01')!;
      assert.ok(
        stale.some((s) => s.host === 'dc1-s01' && s.state === 'Not Activated'),
        'a stale definition is left',
      );

      // One destination's partitions are Not Available (its system in Error): the state there is unknown.
      const destination = failoverReport.lpars.find((l) => l.lpar === 'dc1-db01')!.destination!;
      const doubt = await control<{ id: string }>('POST', '/faults', { kind: 'host-error', target: destination });
      const refused = await api<{ code: string; message: string }>('POST', '/v1/hosts/dc1-s01/failback');
      assert.equal(refused.status, 409, JSON.stringify(refused.body));
      assert.equal(refused.body.code, 'failback_refused');
      assert.match(refused.body.message, new RegExp(destination));
      assert.ok(
        (await placement()).get('dc1-db01')!.some((s) => s.host === 'dc1-s01'),
        'nothing cleaned up',
      );

      await control('DELETE', `/faults/${doubt.id}`);
      const done = await api<FailbackReport>('POST', '/v1/hosts/dc1-s01/failback');
      assert.equal(done.status, 200, JSON.stringify(done.body));
      assert.equal(done.body.outcome, 'succeeded');
      const restarted = failoverReport.lpars.filter((l) => l.step === 'running').map((l) => l.lpar);
      assert.deepEqual(done.body.cleaned.map((c) => c.lpar).sort(), [...restarted].sort());
      for (const [lpar, seen] of await placement())
        if (restarted.includes(lpar))
          assert.ok(!seen.some((s) => s.host === 'dc1-s01'), `${lpar}: stale definition gone`);

      // Then restore brings them home by LPM.
      const restoreStart = await api('POST', '/v1/hosts/dc1-s01/restore', {});
      assert.equal(restoreStart.status, 202);
      const restore = await reportOf('/v1/hosts/dc1-s01/restore');
      assert.equal(restore.outcome, 'succeeded', JSON.stringify(restore.lpars));
      const hosts = await runningHosts();
      for (const lpar of restarted) assert.equal(hosts.get(lpar), 'dc1-s01', `${lpar} is home`);
      assert.deepEqual(await control('GET', '/violations'), []);
    },
  );
});

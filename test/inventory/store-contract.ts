// The contract every InventoryStore backend must keep; store.test.ts runs it against SQLite and PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CorruptRowError, InventoryStoreError, type InventoryStore } from '../../activities/inventory/index.js';
import { loadMigrations } from '../../activities/inventory/migrations.js';

const NEWEST_SCHEMA = loadMigrations('sqlite').length;
import type { SqlDialect } from '../../activities/inventory/sql-driver.js';
import type { InventorySnapshot } from '../../domain/inventory/index.js';
import { modified, sampleSnapshot } from './fixtures.js';

export interface StoreHarness {
  store: InventoryStore;
  dialect: SqlDialect;
  /** Closes the store and opens the same database again (a restart). */
  reopen(): Promise<InventoryStore>;
  /** Opens one more store on the same database (another process); closed by cleanup. */
  openAnother(): Promise<InventoryStore>;
  /** Runs raw SQL against the database behind the store, to damage it on purpose. */
  sql(statement: string): Promise<void>;
  cleanup(): Promise<void>;
}

export interface StoreBackend {
  name: string;
  setup?(): Promise<void>;
  open(): Promise<StoreHarness>;
  teardown?(): Promise<void>;
}

const at = (minute: number) => `2026-11-24T12:${String(minute).padStart(2, '0')}:00.000Z`;
const okRun = (snapshot: InventorySnapshot, minute: number) => ({
  group: snapshot.group,
  startedAt: at(minute),
  finishedAt: at(minute + 1),
  status: 'ok' as const,
  snapshot,
});

export function storeContract(backend: StoreBackend): void {
  describe(`InventoryStore contract: ${backend.name}`, () => {
    before(async () => backend.setup?.());
    after(async () => backend.teardown?.());

    const withStore = (name: string, body: (h: StoreHarness) => Promise<void>) =>
      test(name, async () => {
        const harness = await backend.open();
        try {
          await body(harness);
        } finally {
          await harness.cleanup();
        }
      });

    withStore('an ok run is stored with its snapshot; the next one with its diff against it', async ({ store }) => {
      const first = await store.recordDiscoveryRun(okRun(sampleSnapshot(), 0));
      assert.equal(first.diff, undefined);
      const moved = modified((s) => (s.lpars[1]!.host = 'cec-2'));
      const second = await store.recordDiscoveryRun(okRun(moved, 10));
      assert.deepEqual(second.diff, [{ kind: 'lpar-moved', lpar: 'app01', from: 'cec-1', to: 'cec-2' }]);
      const readBack = await store.discoveryRun(second.id);
      assert.deepEqual(readBack, second);
      assert.deepEqual(await store.latestGoodSnapshot('prod-a'), { runId: second.id, snapshot: moved });
    });

    withStore(
      'partial and failed runs never replace the last good snapshot, and the next diff skips them',
      async ({ store }) => {
        const good = await store.recordDiscoveryRun(okRun(sampleSnapshot(), 0));
        await store.recordDiscoveryRun({
          group: 'prod-a',
          startedAt: at(10),
          finishedAt: at(11),
          status: 'partial',
          error: 'hmc-dc1: connection reset',
        });
        await store.recordDiscoveryRun({
          group: 'prod-a',
          startedAt: at(20),
          finishedAt: at(21),
          status: 'failed',
          error: 'svc-dc1: host key mismatch',
        });
        assert.equal((await store.latestGoodSnapshot('prod-a'))?.runId, good.id);
        const runs = await store.discoveryRuns('prod-a');
        assert.deepEqual(
          runs.map((r) => [r.status, r.error ?? null, r.snapshot === undefined]),
          [
            ['failed', 'svc-dc1: host key mismatch', true],
            ['partial', 'hmc-dc1: connection reset', true],
            ['ok', null, false],
          ],
        );
        const next = await store.recordDiscoveryRun(
          okRun(
            modified((s) => (s.lpars[0]!.state = 'Not Activated')),
            30,
          ),
        );
        assert.deepEqual(
          next.diff?.map((c) => c.kind),
          ['lpar-state-changed'],
        );
      },
    );

    withStore('host groups are kept apart', async ({ store }) => {
      await store.recordDiscoveryRun(okRun(sampleSnapshot('prod-a'), 0));
      const b = await store.recordDiscoveryRun(okRun(sampleSnapshot('prod-b'), 5));
      assert.equal(b.diff, undefined);
      assert.equal(await store.latestGoodSnapshot('prod-c'), undefined);
      assert.equal((await store.discoveryRuns('prod-b')).length, 1);
    });

    withStore('bad discovery runs are refused naming the field', async ({ store }) => {
      await assert.rejects(
        store.recordDiscoveryRun({ group: 'prod-a', startedAt: at(0), finishedAt: at(1), status: 'ok' }),
        /invalid discovery run: snapshot: a snapshot is required/,
      );
      await assert.rejects(
        store.recordDiscoveryRun({ ...okRun(sampleSnapshot(), 0), status: 'failed' }),
        /snapshot: a snapshot is required for an ok run and only for one/,
      );
      await assert.rejects(
        store.recordDiscoveryRun({ ...okRun(sampleSnapshot(), 0), group: 'prod-b' }),
        /snapshot.group "prod-a" is not the run's group "prod-b"/,
      );
      const broken = modified((s) => ((s.managedSystems[0] as { hmc: unknown }).hmc = 7));
      await assert.rejects(store.recordDiscoveryRun(okRun(broken, 0)), /managedSystems\[0\]\.hmc/);
      await assert.rejects(
        store.recordDiscoveryRun({ ...okRun(sampleSnapshot(), 0), startedAt: 'yesterday' }),
        /startedAt/,
      );
      assert.deepEqual(await store.discoveryRuns('prod-a'), []);
    });

    withStore('verification results and capacity checks, newest first', async ({ store }) => {
      await store.recordVerification({ group: 'prod-a', verifiedAt: at(0), ok: true, findings: [] });
      const failing = await store.recordVerification({
        group: 'prod-a',
        verifiedAt: at(5),
        ok: false,
        findings: [{ severity: 'error', subject: 'db01', message: 'volume 12 is not replicated' }],
      });
      assert.deepEqual(await store.verifications('prod-a'), [
        failing,
        { id: failing.id - 1, group: 'prod-a', verifiedAt: at(0), ok: true, findings: [] },
      ]);
      assert.equal(await store.latestCapacityCheck('prod-a'), undefined);
      await store.recordCapacityCheck({ group: 'prod-a', checkedAt: at(0), hosts: [] });
      const check = await store.recordCapacityCheck({
        group: 'prod-a',
        checkedAt: at(6),
        hosts: [
          {
            failedHost: 'cec-1',
            fits: false,
            shortfalls: [{ resource: 'memoryMb', needed: 81920, available: 40000, lpars: ['db01'] }],
          },
          { failedHost: 'cec-2', fits: true, shortfalls: [] },
        ],
      });
      assert.deepEqual(await store.latestCapacityCheck('prod-a'), check);
      await assert.rejects(
        store.recordCapacityCheck({
          group: 'prod-a',
          checkedAt: at(7),
          hosts: [
            {
              failedHost: 'cec-1',
              fits: false,
              shortfalls: [{ resource: 'disk', needed: 1, available: 0, lpars: [] }],
            },
          ],
        } as never),
        /hosts\.0\.shortfalls\.0\.resource/,
      );
    });

    withStore(
      'recovery reports: one per run, saved again on retry, the latest run by default, listed by recency',
      async ({ store }) => {
        const report = (
          workflowId: string,
          runId: string,
          startedMinute: number,
          finishedMinute: number,
          outcome: 'succeeded' | 'partial' = 'succeeded',
        ) => ({
          workflowId,
          runId,
          kind: 'hostFailover',
          group: 'prod-a',
          startedAt: at(startedMinute),
          finishedAt: at(finishedMinute),
          outcome,
          report: { rtoMs: finishedMinute * 60_000, lpars: [{ name: 'db01', ms: 1200 }] },
        });
        await store.saveRecoveryReport(report('failover/prod-a/cec-1', 'run-a', 0, 9));
        await store.saveRecoveryReport(report('failover/prod-a/cec-2', 'run-b', 0, 4));
        await store.saveRecoveryReport(report('failover/prod-a/cec-2', 'run-b', 0, 5, 'partial'));
        await store.saveRecoveryReport(report('failover/prod-a/cec-2', 'run-c', 20, 30));
        assert.deepEqual(
          await store.recoveryReport('failover/prod-a/cec-2', 'run-b'),
          report('failover/prod-a/cec-2', 'run-b', 0, 5, 'partial'),
          'a retry replaces its run',
        );
        assert.deepEqual(
          await store.recoveryReport('failover/prod-a/cec-2'),
          report('failover/prod-a/cec-2', 'run-c', 20, 30),
          'a later run keeps the earlier',
        );
        assert.deepEqual(
          (await store.recoveryReportRuns('failover/prod-a/cec-2')).map((r) => [r.runId, r.outcome]),
          [
            ['run-c', 'succeeded'],
            ['run-b', 'partial'],
          ],
        );
        assert.equal(await store.recoveryReport('failover/prod-a/cec-2', 'run-z'), undefined);
        assert.equal(await store.recoveryReport('failover/prod-a/cec-9'), undefined);
        assert.deepEqual(await store.recoveryReportRuns('failover/prod-a/cec-9'), []);
        assert.deepEqual(
          (await store.recentRecoveryReports()).map((r) => `${r.workflowId} ${r.runId}`),
          ['failover/prod-a/cec-2 run-c', 'failover/prod-a/cec-1 run-a', 'failover/prod-a/cec-2 run-b'],
        );
        assert.deepEqual(
          (await store.recentRecoveryReports(1)).map((r) => r.runId),
          ['run-c'],
        );
        await assert.rejects(store.recentRecoveryReports(-1), /limit must be an integer from 1 to 1000, not -1/);
        const { runId: _none, ...withoutRun } = report('failover/prod-a/cec-3', 'x', 0, 1);
        await assert.rejects(store.saveRecoveryReport(withoutRun as never), /invalid recovery report: runId/);
        await store.saveRecoveryReport({
          ...report('failover/prod-a/cec-3', 'run-d', 0, 1),
          outcome: 'already-recovered',
        });
        assert.equal((await store.recoveryReport('failover/prod-a/cec-3'))?.outcome, 'already-recovered');
      },
    );

    withStore(
      'a discovery that cannot describe a host keeps its last description, stale, while the others update',
      async ({ store }) => {
        await store.recordDiscoveryRun(okRun(sampleSnapshot(), 0));
        // cec-1 is powered off: the reading describes cec-2 only, where app01 now runs.
        const fresh = modified((s) => {
          s.takenAt = at(10);
          s.managedSystems = s.managedSystems.filter((m) => m.name === 'cec-2');
          s.lpars = [{ ...s.lpars[1]!, host: 'cec-2' }];
          s.vios = [];
        });
        const run = await store.recordDiscoveryRun({
          ...okRun(fresh, 10),
          undescribedHosts: [{ name: 'cec-1', state: 'Power Off', reason: 'cec-1 is Power Off' }],
        });
        const cec1 = run.snapshot!.managedSystems.find((m) => m.name === 'cec-1')!;
        assert.deepEqual(
          [cec1.state, cec1.staleReason, cec1.observedAt, cec1.describedAt],
          ['Power Off', 'cec-1 is Power Off', at(10), at(0)],
        );
        assert.deepEqual(
          run.snapshot!.lpars.map((l) => `${l.name}@${l.host} ${l.state}`),
          ['app01@cec-2 Running', 'db01@cec-1 Running'],
          'db01 kept as last seen',
        );
        assert.deepEqual(
          run.snapshot!.vios.map((v) => v.name),
          ['vios1-cec1'],
        );
        assert.deepEqual(
          run.diff?.map((c) => c.kind),
          ['host-state-changed', 'lpar-moved'],
        );
        const fleet = await store.currentFleet('prod-a');
        const host = fleet.hosts.find((h) => h.name === 'cec-1')!;
        assert.deepEqual(
          [host.state, host.staleReason, host.describedAt, host.source],
          ['Power Off', 'cec-1 is Power Off', at(0), `discovery run ${run.id}`],
        );
        assert.deepEqual(
          fleet.lpars.map((l) => [l.name, l.host, l.observedAt, l.stale ?? false]),
          [
            ['app01', 'cec-2', at(10), false],
            ['db01', 'cec-1', at(0), true],
          ],
        );
        const never = await store.recordDiscoveryRun({
          ...okRun(sampleSnapshot('prod-b'), 12),
          undescribedHosts: [{ name: 'cec-9', state: 'unknown', reason: 'hmc-dc1 does not know managed system cec-9' }],
        });
        assert.deepEqual(never.snapshot!.undescribedHosts, [
          { name: 'cec-9', state: 'unknown', reason: 'hmc-dc1 does not know managed system cec-9' },
        ]);
        await assert.rejects(
          store.recordDiscoveryRun({
            group: 'prod-a',
            startedAt: at(1),
            finishedAt: at(2),
            status: 'failed',
            error: 'x',
            undescribedHosts: [],
          }),
          /undescribedHosts: only an ok run/,
        );
      },
    );

    withStore(
      "fleet observations: a failover's write-back moves LPARs and fences hosts; a later discovery supersedes them",
      async ({ store }) => {
        const first = await store.recordDiscoveryRun(okRun(sampleSnapshot(), 0));
        const source = 'failover failover/prod-a/cec-1/run-1';
        assert.deepEqual(
          await store.recordFleetObservations({
            group: 'prod-a',
            source,
            observedAt: at(5),
            hosts: [{ name: 'cec-1', state: 'Power Off', fenced: true }],
            lpars: [
              { name: 'db01', host: 'cec-2', state: 'Running' },
              { name: 'web09', host: 'cec-2', state: 'Running' },
            ],
          }),
          { hosts: 1, lpars: 2 },
        );
        let fleet = await store.currentFleet('prod-a');
        assert.equal(fleet.discoveryRunId, first.id);
        assert.deepEqual(
          fleet.hosts.map((h) => [h.name, h.state, h.fenced ?? false, h.source]),
          [
            ['cec-1', 'Power Off', true, source],
            ['cec-2', 'Operating', false, `discovery run ${first.id}`],
          ],
        );
        const db01 = fleet.lpars.find((l) => l.name === 'db01')!;
        assert.deepEqual(
          [db01.host, db01.state, db01.observedAt, db01.source, db01.priority, db01.volumes.length],
          ['cec-2', 'Running', at(5), source, 'critical', 1],
        );
        assert.deepEqual(
          fleet.lpars.find((l) => l.name === 'app01')!.host,
          'cec-1',
          'not observed since: where discovery saw it',
        );
        assert.deepEqual(fleet.undescribedLpars, [
          { name: 'web09', host: 'cec-2', state: 'Running', observedAt: at(5), source },
        ]);
        // Discovery at minute 10: cec-1 still powered off (stale), cec-2 described without db01 and web09.
        const fresh = modified((s) => {
          s.takenAt = at(10);
          s.managedSystems = s.managedSystems.filter((m) => m.name === 'cec-2');
          s.lpars = [];
          s.vios = [];
        });
        const second = await store.recordDiscoveryRun({
          ...okRun(fresh, 10),
          undescribedHosts: [{ name: 'cec-1', state: 'Power Off', reason: 'cec-1 is Power Off' }],
        });
        fleet = await store.currentFleet('prod-a');
        assert.deepEqual(
          fleet.hosts.map((h) => [h.name, h.state, h.fenced ?? false, h.source]),
          [
            ['cec-1', 'Power Off', true, `discovery run ${second.id}`],
            ['cec-2', 'Operating', false, `discovery run ${second.id}`],
          ],
          'the discovery supersedes the state; the fence holds while the host stays off',
        );
        assert.deepEqual(
          fleet.lpars.map((l) => `${l.name}@${l.host}`),
          ['app01@cec-1', 'db01@cec-1'],
          'cec-2 was described after the write-back: db01 is not there',
        );
        assert.deepEqual(fleet.undescribedLpars, []);
        await store.recordFleetObservations({
          group: 'prod-a',
          source: 'live read',
          observedAt: at(12),
          hosts: [{ name: 'cec-1', state: 'Operating' }],
        });
        assert.equal(
          (await store.currentFleet('prod-a')).hosts[0]!.fenced,
          undefined,
          'a host seen up again is no longer fenced',
        );
        assert.deepEqual(await store.currentFleet('prod-z'), {
          group: 'prod-z',
          hosts: [],
          lpars: [],
          undescribedLpars: [],
          vios: [],
          storageSystems: [],
          remoteCopyGroups: [],
        });
        await assert.rejects(
          store.recordFleetObservations({ group: 'prod-a', source: 'live read', observedAt: at(1) }),
          /invalid fleet observations: hosts: at least one/,
        );
        await assert.rejects(
          store.recordFleetObservations({
            group: 'prod-a',
            source: 'x',
            observedAt: at(1),
            lpars: [{ name: 'db01', state: 'Running' }],
          } as never),
          /lpars\.0\.host/,
        );
      },
    );

    withStore('notifications raised, newest first', async ({ store }) => {
      await store.raiseNotification({
        severity: 'warning',
        kind: 'capacity',
        message: 'cec-1 cannot be covered',
        raisedAt: at(1),
      });
      const critical = await store.raiseNotification({
        severity: 'critical',
        kind: 'fence-failed',
        message: 'cec-2 did not power off',
        raisedAt: at(2),
        workflowId: 'failover/prod-a/cec-2',
      });
      const listed = await store.recentNotifications();
      assert.deepEqual(listed[0], critical);
      assert.deepEqual(
        listed.map((n) => n.kind),
        ['fence-failed', 'capacity'],
      );
      await assert.rejects(
        store.raiseNotification({ severity: 'loud', kind: 'x', message: 'y', raisedAt: at(3) } as never),
        /severity/,
      );
    });

    withStore(
      'migrations: a restart keeps data and applies nothing twice; a newer schema is refused',
      async (harness) => {
        const run = await harness.store.recordDiscoveryRun(okRun(sampleSnapshot(), 0));
        assert.equal(harness.store.schemaVersion, NEWEST_SCHEMA);
        const reopened = await harness.reopen();
        assert.equal(reopened.schemaVersion, NEWEST_SCHEMA);
        assert.equal((await reopened.latestGoodSnapshot('prod-a'))?.runId, run.id);
        await harness.sql(
          'INSERT INTO schema_migrations (version, name, applied_at) ' +
            "VALUES (99, 'from_the_future', '2030-01-01T00:00:00Z')",
        );
        await assert.rejects(harness.reopen(), (error: unknown) => {
          assert.ok(error instanceof InventoryStoreError);
          assert.match(
            error.message,
            new RegExp(`database schema version 99 is newer than this Lazarus knows \\(${NEWEST_SCHEMA}\\)`),
          );
          return true;
        });
      },
    );

    withStore('migration 002 keeps the reports stored before it, as run "unknown"', async (harness) => {
      await harness.store.close();
      const tables = [
        'discovery_runs',
        'verification_results',
        'capacity_checks',
        'recovery_reports',
        'notification_attempts',
        'notification_deliveries',
        'notifications',
        'fleet_observations',
        'agent_heartbeats',
        'agent_app_states',
        'vm_restarts',
        'host_detections',
        'host_maintenance',
        'lpar_origins',
        'reduced_sizes',
        'api_audit',
        'host_quarantine',
        'schema_migrations',
      ];
      await harness.sql(tables.map((t) => `DROP TABLE IF EXISTS ${t};`).join('\n'));
      await harness.sql(loadMigrations(harness.dialect)[0]!.sql);
      await harness.sql(`
        CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL);
        INSERT INTO schema_migrations VALUES (1, 'initial', '${at(0)}');
        INSERT INTO recovery_reports VALUES ('failover/prod-a/cec-1', 'host-failover', 'prod-a',
          '${at(1)}', '${at(2)}', 'succeeded', '{"rtoMs":60000}');`);
      const upgraded = await harness.openAnother();
      assert.equal(upgraded.schemaVersion, NEWEST_SCHEMA);
      assert.deepEqual(await upgraded.recoveryReport('failover/prod-a/cec-1'), {
        workflowId: 'failover/prod-a/cec-1',
        runId: 'unknown',
        kind: 'host-failover',
        group: 'prod-a',
        startedAt: at(1),
        finishedAt: at(2),
        outcome: 'succeeded',
        report: { rtoMs: 60000 },
      });
      await upgraded.saveRecoveryReport({
        ...(await upgraded.recoveryReport('failover/prod-a/cec-1'))!,
        runId: 'run-2',
        startedAt: at(3),
        finishedAt: at(4),
      });
      assert.deepEqual(
        (await upgraded.recoveryReportRuns('failover/prod-a/cec-1')).map((r) => r.runId),
        ['run-2', 'unknown'],
      );
    });

    withStore('concurrent ok runs of a group each diff against the one recorded before it', async ({ store }) => {
      const states = ['Running', 'Not Activated', 'Starting', 'Running', 'Error'];
      const runs = await Promise.all(
        states.map((state, i) =>
          store.recordDiscoveryRun(
            okRun(
              modified((s) => (s.lpars[0]!.state = state)),
              i * 2,
            ),
          ),
        ),
      );
      const byId = [...runs].sort((a, b) => a.id - b.id);
      byId.slice(1).forEach((run, i) => {
        const before = byId[i]!.snapshot!.lpars[0]!.state;
        const now = run.snapshot!.lpars[0]!.state;
        assert.deepEqual(
          run.diff,
          before === now ? [] : [{ kind: 'lpar-state-changed', lpar: 'db01', from: before, to: now }],
        );
      });
    });

    withStore('two processes opening a new database at once both end at the newest schema', async (harness) => {
      await harness.store.close();
      const tables = [
        'discovery_runs',
        'verification_results',
        'capacity_checks',
        'recovery_reports',
        'notification_attempts',
        'notification_deliveries',
        'notifications',
        'fleet_observations',
        'agent_heartbeats',
        'agent_app_states',
        'vm_restarts',
        'host_detections',
        'host_maintenance',
        'lpar_origins',
        'reduced_sizes',
        'api_audit',
        'host_quarantine',
        'schema_migrations',
      ];
      await harness.sql(tables.map((t) => `DROP TABLE IF EXISTS ${t};`).join('\n'));
      const stores = await Promise.all([harness.openAnother(), harness.openAnother(), harness.openAnother()]);
      assert.deepEqual(
        stores.map((s) => s.schemaVersion),
        [NEWEST_SCHEMA, NEWEST_SCHEMA, NEWEST_SCHEMA],
      );
      await stores[0]!.raiseNotification({ severity: 'info', kind: 'k', message: 'written by one', raisedAt: at(0) });
      assert.equal((await stores[2]!.recentNotifications())[0]?.message, 'written by one');
    });

    withStore(
      'LPAR origins keep the first origin, list by origin host and are forgotten once home',
      async ({ store }) => {
        const origins = store.lparOrigins();
        const move = { group: 'prod-a', originHost: 's01', movedBy: 'evacuate/prod-a/s01', movedAt: at(1) };
        await origins.recordMoves([
          { ...move, lpar: 'db01', movedTo: 's02' },
          { ...move, lpar: 'app01', movedTo: 's03' },
        ]);
        // Moved again before it went home: it still belongs on s01.
        await origins.recordMoves([{ ...move, lpar: 'db01', originHost: 's02', movedTo: 's04', movedAt: at(2) }]);
        const listed = await origins.movedAwayFrom('prod-a', 's01');
        assert.deepEqual(
          listed.map((o) => [o.lpar, o.originHost, o.movedTo, o.movedAt]),
          [
            ['app01', 's01', 's03', at(1)],
            ['db01', 's01', 's04', at(2)],
          ],
        );
        assert.deepEqual(await origins.movedAwayFrom('prod-a', 's02'), []);
        assert.equal(await origins.forget('prod-a', ['db01', 'nope']), 1);
        assert.deepEqual(
          (await origins.movedAwayFrom('prod-a', 's01')).map((o) => o.lpar),
          ['app01'],
        );
        await assert.rejects(origins.recordMoves([{ ...move, lpar: '', movedTo: 's02' }]), /LPAR origin: lpar: /);
      },
    );

    withStore(
      'the API audit log keeps every call in order, filtered by actor, method, target and time',
      async ({ store }) => {
        const audit = store.auditLog();
        const entry = {
          at: at(1),
          requestId: 'r1',
          method: 'POST' as const,
          route: '/v1/failovers/{id}/approve',
          path: '/v1/failovers/failover%2Fprod-a%2Fs01/approve',
          actor: 'otto',
          role: 'operator' as const,
          targets: { id: 'failover/prod-a/s01' },
          status: 200,
          note: 'by: bob\\u000a',
        };
        const first = await audit.record(entry);
        const second = await audit.record({
          ...entry,
          at: at(2),
          method: 'PUT',
          actor: 'ada',
          targets: { host: 's01' },
        });
        await audit.record({ ...entry, at: at(3), status: 403, code: 'forbidden', targets: {}, note: undefined });
        assert.ok(first < second);
        const all = await audit.entries({ limit: 10 });
        assert.deepEqual(
          all.map((e) => [e.at, e.method, e.actor, e.status, e.code ?? null]),
          [
            [at(3), 'POST', 'otto', 403, 'forbidden'],
            [at(2), 'PUT', 'ada', 200, null],
            [at(1), 'POST', 'otto', 200, null],
          ],
        );
        assert.deepEqual(all[2], { ...entry, id: first });
        assert.deepEqual(
          (await audit.entries({ limit: 10, actor: 'ada' })).map((e) => e.id),
          [second],
        );
        assert.deepEqual(
          (await audit.entries({ limit: 10, target: 's01' })).map((e) => e.id),
          [second],
        );
        assert.deepEqual(
          (await audit.entries({ limit: 10, method: 'PUT' })).map((e) => e.id),
          [second],
        );
        assert.deepEqual(
          (await audit.entries({ limit: 10, since: at(2), until: at(2) })).map((e) => e.id),
          [second],
        );
        assert.deepEqual(
          (await audit.entries({ limit: 1, beforeId: second })).map((e) => e.id),
          [first],
        );
        await assert.rejects(audit.record({ ...entry, actor: '' }), /invalid audit entry: actor: /);
        await assert.rejects(audit.entries({ limit: 0 }), /limit must be an integer from 1 to 1000/);
      },
    );

    withStore('a corrupt row is an error naming the table, the id and the column', async ({ store, sql }) => {
      const run = await store.recordDiscoveryRun(okRun(sampleSnapshot(), 0));
      await sql(`UPDATE discovery_runs SET snapshot = '{"group":"prod-a"}' WHERE id = ${run.id}`);
      await assert.rejects(store.latestGoodSnapshot('prod-a'), (error: unknown) => {
        assert.ok(error instanceof CorruptRowError);
        assert.equal(error.table, 'discovery_runs');
        assert.match(error.message, new RegExp(`^discovery_runs id ${run.id}: corrupt row: snapshot: `));
        return true;
      });
      const n = await store.raiseNotification({ severity: 'info', kind: 'k', message: 'm', raisedAt: at(0) });
      await sql(`UPDATE notifications SET severity = 'shouting' WHERE id = ${n.id}`);
      await assert.rejects(
        store.recentNotifications(),
        new RegExp(`notifications id ${n.id}: corrupt row: severity: "shouting" is not one of`),
      );
    });
  });
}

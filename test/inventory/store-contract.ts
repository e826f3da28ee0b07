// The contract every InventoryStore backend must keep; store.test.ts runs it against SQLite and PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CorruptRowError, InventoryStoreError, type InventoryStore } from '../../activities/inventory/index.js';
import type { InventorySnapshot } from '../../domain/inventory/index.js';
import { modified, sampleSnapshot } from './fixtures.js';

export interface StoreHarness {
  store: InventoryStore;
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
const okRun = (snapshot: InventorySnapshot, minute: number) => ({ group: snapshot.group, startedAt: at(minute), finishedAt: at(minute + 1), status: 'ok' as const, snapshot });

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

    withStore('partial and failed runs never replace the last good snapshot, and the next diff skips them', async ({ store }) => {
      const good = await store.recordDiscoveryRun(okRun(sampleSnapshot(), 0));
      await store.recordDiscoveryRun({ group: 'prod-a', startedAt: at(10), finishedAt: at(11), status: 'partial', error: 'hmc-dc1: connection reset' });
      await store.recordDiscoveryRun({ group: 'prod-a', startedAt: at(20), finishedAt: at(21), status: 'failed', error: 'svc-dc1: host key mismatch' });
      assert.equal((await store.latestGoodSnapshot('prod-a'))?.runId, good.id);
      const runs = await store.discoveryRuns('prod-a');
      assert.deepEqual(runs.map((r) => [r.status, r.error ?? null, r.snapshot === undefined]), [
        ['failed', 'svc-dc1: host key mismatch', true],
        ['partial', 'hmc-dc1: connection reset', true],
        ['ok', null, false],
      ]);
      const next = await store.recordDiscoveryRun(okRun(modified((s) => (s.lpars[0]!.state = 'Not Activated')), 30));
      assert.deepEqual(next.diff?.map((c) => c.kind), ['lpar-state-changed']);
    });

    withStore('host groups are kept apart', async ({ store }) => {
      await store.recordDiscoveryRun(okRun(sampleSnapshot('prod-a'), 0));
      const b = await store.recordDiscoveryRun(okRun(sampleSnapshot('prod-b'), 5));
      assert.equal(b.diff, undefined);
      assert.equal(await store.latestGoodSnapshot('prod-c'), undefined);
      assert.equal((await store.discoveryRuns('prod-b')).length, 1);
    });

    withStore('bad discovery runs are refused naming the field', async ({ store }) => {
      await assert.rejects(store.recordDiscoveryRun({ group: 'prod-a', startedAt: at(0), finishedAt: at(1), status: 'ok' }), /invalid discovery run: snapshot: a snapshot is required/);
      await assert.rejects(store.recordDiscoveryRun({ ...okRun(sampleSnapshot(), 0), status: 'failed' }), /snapshot: a snapshot is required for an ok run and only for one/);
      await assert.rejects(store.recordDiscoveryRun({ ...okRun(sampleSnapshot(), 0), group: 'prod-b' }), /snapshot.group "prod-a" is not the run's group "prod-b"/);
      const broken = modified((s) => ((s.managedSystems[0] as { hmc: unknown }).hmc = 7));
      await assert.rejects(store.recordDiscoveryRun(okRun(broken, 0)), /managedSystems\[0\]\.hmc/);
      await assert.rejects(store.recordDiscoveryRun({ ...okRun(sampleSnapshot(), 0), startedAt: 'yesterday' }), /startedAt/);
      assert.deepEqual(await store.discoveryRuns('prod-a'), []);
    });

    withStore('verification results and capacity checks, newest first', async ({ store }) => {
      await store.recordVerification({ group: 'prod-a', verifiedAt: at(0), ok: true, findings: [] });
      const failing = await store.recordVerification({
        group: 'prod-a', verifiedAt: at(5), ok: false, findings: [{ severity: 'error', subject: 'db01', message: 'volume 12 is not replicated' }],
      });
      assert.deepEqual(await store.verifications('prod-a'), [failing, { id: failing.id - 1, group: 'prod-a', verifiedAt: at(0), ok: true, findings: [] }]);
      assert.equal(await store.latestCapacityCheck('prod-a'), undefined);
      await store.recordCapacityCheck({ group: 'prod-a', checkedAt: at(0), hosts: [] });
      const check = await store.recordCapacityCheck({
        group: 'prod-a', checkedAt: at(6),
        hosts: [
          { failedHost: 'cec-1', fits: false, shortfalls: [{ resource: 'memoryMb', needed: 81920, available: 40000, lpars: ['db01'] }] },
          { failedHost: 'cec-2', fits: true, shortfalls: [] },
        ],
      });
      assert.deepEqual(await store.latestCapacityCheck('prod-a'), check);
      await assert.rejects(store.recordCapacityCheck({ group: 'prod-a', checkedAt: at(7), hosts: [{ failedHost: 'cec-1', fits: false, shortfalls: [{ resource: 'disk', needed: 1, available: 0, lpars: [] }] }] } as never), /hosts\.0\.shortfalls\.0\.resource/);
    });

    withStore('recovery reports: by workflow id, saved again on retry, listed by recency', async ({ store }) => {
      const report = (workflowId: string, finishedMinute: number, outcome: 'succeeded' | 'partial' = 'succeeded') => ({
        workflowId, kind: 'hostFailover', group: 'prod-a', startedAt: at(0), finishedAt: at(finishedMinute), outcome, report: { rtoMs: finishedMinute * 60_000, lpars: [{ name: 'db01', ms: 1200 }] },
      });
      await store.saveRecoveryReport(report('failover/prod-a/cec-1', 9));
      await store.saveRecoveryReport(report('failover/prod-a/cec-2', 4));
      await store.saveRecoveryReport(report('failover/prod-a/cec-2', 12, 'partial'));
      assert.deepEqual(await store.recoveryReport('failover/prod-a/cec-2'), report('failover/prod-a/cec-2', 12, 'partial'));
      assert.equal(await store.recoveryReport('failover/prod-a/cec-9'), undefined);
      assert.deepEqual((await store.recentRecoveryReports()).map((r) => r.workflowId), ['failover/prod-a/cec-2', 'failover/prod-a/cec-1']);
      assert.deepEqual((await store.recentRecoveryReports(1)).map((r) => r.workflowId), ['failover/prod-a/cec-2']);
      await assert.rejects(store.recentRecoveryReports(-1), /limit must be an integer from 1 to 1000, not -1/);
    });

    withStore('notifications raised, newest first', async ({ store }) => {
      await store.raiseNotification({ severity: 'warning', kind: 'capacity', message: 'cec-1 cannot be covered', raisedAt: at(1) });
      const critical = await store.raiseNotification({ severity: 'critical', kind: 'fence-failed', message: 'cec-2 did not power off', raisedAt: at(2), workflowId: 'failover/prod-a/cec-2' });
      const listed = await store.recentNotifications();
      assert.deepEqual(listed[0], critical);
      assert.deepEqual(listed.map((n) => n.kind), ['fence-failed', 'capacity']);
      await assert.rejects(store.raiseNotification({ severity: 'loud', kind: 'x', message: 'y', raisedAt: at(3) } as never), /severity/);
    });

    withStore('migrations: a restart keeps data and applies nothing twice; a newer schema is refused', async (harness) => {
      const run = await harness.store.recordDiscoveryRun(okRun(sampleSnapshot(), 0));
      assert.equal(harness.store.schemaVersion, 1);
      const reopened = await harness.reopen();
      assert.equal(reopened.schemaVersion, 1);
      assert.equal((await reopened.latestGoodSnapshot('prod-a'))?.runId, run.id);
      await harness.sql("INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'from_the_future', '2030-01-01T00:00:00Z')");
      await assert.rejects(harness.reopen(), (error: unknown) => {
        assert.ok(error instanceof InventoryStoreError);
        assert.match(error.message, /database schema version 99 is newer than this Lazarus knows \(1\)/);
        return true;
      });
    });

    withStore('concurrent ok runs of a group each diff against the one recorded before it', async ({ store }) => {
      const states = ['Running', 'Not Activated', 'Starting', 'Running', 'Error'];
      const runs = await Promise.all(states.map((state, i) => store.recordDiscoveryRun(okRun(modified((s) => (s.lpars[0]!.state = state)), i * 2))));
      const byId = [...runs].sort((a, b) => a.id - b.id);
      byId.slice(1).forEach((run, i) => {
        const before = byId[i]!.snapshot!.lpars[0]!.state;
        const now = run.snapshot!.lpars[0]!.state;
        assert.deepEqual(run.diff, before === now ? [] : [{ kind: 'lpar-state-changed', lpar: 'db01', from: before, to: now }]);
      });
    });

    withStore('two processes opening a new database at once both end at the newest schema', async (harness) => {
      await harness.store.close();
      const tables = ['discovery_runs', 'verification_results', 'capacity_checks', 'recovery_reports', 'notifications', 'schema_migrations'];
      await harness.sql(tables.map((t) => `DROP TABLE ${t};`).join('\n'));
      const stores = await Promise.all([harness.openAnother(), harness.openAnother(), harness.openAnother()]);
      assert.deepEqual(stores.map((s) => s.schemaVersion), [1, 1, 1]);
      await stores[0]!.raiseNotification({ severity: 'info', kind: 'k', message: 'written by one', raisedAt: at(0) });
      assert.equal((await stores[2]!.recentNotifications())[0]?.message, 'written by one');
    });

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
      await assert.rejects(store.recentNotifications(), new RegExp(`notifications id ${n.id}: corrupt row: severity: "shouting" is not one of`));
    });
  });
}

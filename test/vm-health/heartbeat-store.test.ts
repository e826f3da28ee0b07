// Agent heartbeats in the store (migration 004), on SQLite and on PostgreSQL (when a server is available, as in
// test/inventory): the latest heartbeat per VM, consecutive application failures, forgetting applications no longer
// reported, clearing after a restart, and the restart records that the hourly limit counts.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { openPostgresStore, openSqliteStore, type InventoryStore } from '../../activities/inventory/index.js';
import { VM_RESTARTS_KEPT } from '../../activities/inventory/agent-heartbeats.js';
import { startPostgres } from '../inventory/postgres-server.js';

const at = (seconds: number) => new Date(Date.UTC(2026, 10, 30, 2, 0, seconds)).toISOString();

function heartbeatContract(name: string, open: () => Promise<{ store: InventoryStore; done: () => Promise<void> }>) {
  describe(`agent heartbeats in the store: ${name}`, () => {
    const withStore = (title: string, body: (store: InventoryStore) => Promise<void>) =>
      test(title, async () => {
        const { store, done } = await open();
        try {
          await body(store);
        } finally {
          await store.close();
          await done();
        }
      });

    withStore('keeps the latest heartbeat per VM and counts consecutive application failures', async (store) => {
      const beat = (second: number, status: 'ok' | 'failed', extra: Array<{ name: string; status: 'ok' }> = []) =>
        store.recordAgentHeartbeat({
          vm: 'db01',
          group: 'prod-a',
          agent: 'db-agents',
          receivedAt: at(second),
          sentAt: at(second - 1),
          apps: [{ name: 'oracle', status, detail: `exit ${status === 'ok' ? 0 : 1}` }, ...extra],
        });
      await beat(0, 'ok', [{ name: 'listener', status: 'ok' }]);
      await beat(10, 'failed', [{ name: 'listener', status: 'ok' }]);
      const second = await beat(20, 'failed');
      assert.equal(second.receivedAt, at(20));
      assert.equal(second.firstReceivedAt, at(0));
      assert.equal(second.sentAt, at(19));
      assert.deepEqual(second.apps, [
        {
          name: 'oracle',
          status: 'failed',
          detail: 'exit 1',
          consecutiveFailures: 2,
          failingSince: at(10),
          reportedAt: at(20),
        },
      ]);
      assert.deepEqual(
        (await store.agentHeartbeats('prod-a')).map((b) => b.vm),
        ['db01'],
      );
      assert.deepEqual(await store.agentHeartbeats('prod-b'), []);

      await store.clearAppFailures('db01');
      assert.equal((await store.agentHeartbeat('db01'))!.apps[0]!.consecutiveFailures, 0);
      const again = await beat(30, 'failed');
      assert.equal(again.apps[0]!.consecutiveFailures, 1);
      assert.equal(again.apps[0]!.failingSince, at(30));
      assert.equal((await beat(40, 'ok')).apps[0]!.consecutiveFailures, 0);
      assert.equal(await store.agentHeartbeat('never'), undefined);
    });

    withStore('counts admitted restarts per VM since a time and keeps a bounded history', async (store) => {
      const reason = { kind: 'heartbeat-lost' as const, lastHeartbeatAt: at(0), silentMs: 90_000 };
      const start = (run: number, second: number) =>
        store.startVmRestart(
          {
            workflowId: 'vm-restart/prod-a/db01',
            runId: `run-${run}`,
            group: 'prod-a',
            vm: 'db01',
            reason,
            startedAt: at(second),
          },
          at(15),
        );
      assert.equal(await start(1, 10), 0, 'started before the window');
      assert.equal(await start(2, 20), 1);
      assert.equal(await start(2, 20), 1, 'idempotent per run');
      assert.equal(await store.countVmRestarts('db01', at(0)), 2);
      await store.finishVmRestart({
        workflowId: 'vm-restart/prod-a/db01',
        runId: 'run-2',
        finishedAt: at(25),
        outcome: 'restarted-in-place',
        report: { summary: 'ok' },
      });
      const [newest, oldest] = await store.vmRestarts('db01');
      assert.equal(newest!.runId, 'run-2');
      assert.equal(newest!.outcome, 'restarted-in-place');
      assert.equal(newest!.finishedAt, at(25));
      assert.deepEqual(newest!.report, { summary: 'ok' });
      assert.deepEqual(newest!.reason, reason);
      assert.equal(oldest!.outcome, undefined);
      for (let run = 3; run < VM_RESTARTS_KEPT + 10; run++) await start(run, 20 + run);
      assert.equal((await store.vmRestarts('db01', 1000)).length, VM_RESTARTS_KEPT);
    });
  });
}

heartbeatContract('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lazarus-heartbeats-'));
  return {
    store: await openSqliteStore(join(dir, 'lazarus.db')),
    done: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

const postgres = await startPostgres();
if ('server' in postgres) {
  const server = postgres.server;
  after(() => server.stop());
  heartbeatContract('PostgreSQL', async () => ({
    store: await openPostgresStore(await server.createDatabase()),
    done: async () => undefined,
  }));
} else {
  console.log(`agent heartbeats on PostgreSQL not run: ${postgres.unavailable}`);
}

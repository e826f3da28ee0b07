// The outbox's SQL on both backends (SQLite always; PostgreSQL through LAZARUS_TEST_DATABASE_URL or a throwaway
// cluster, as the store contract does): routing, dedupe, hold and summary, leases, attempts, dead letters and retry.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openPostgresStore, openSqliteStore, type InventoryStore } from '../../activities/inventory/index.js';
import type { ChannelRouting } from '../../activities/notifications/outbox.js';
import { startPostgres, type PostgresServer } from '../inventory/postgres-server.js';
import { raise } from './support.js';

const postgres = await startPostgres();
if ('unavailable' in postgres && process.env.CI)
  throw new Error(`CI must run the outbox on PostgreSQL too: ${postgres.unavailable}`);
if ('unavailable' in postgres) console.log(`outbox on PostgreSQL not run: ${postgres.unavailable}`);

const backends: Array<[string, () => Promise<InventoryStore>]> = [['SQLite', () => openSqliteStore(':memory:')]];
if ('server' in postgres) {
  const server: PostgresServer = postgres.server;
  backends.push(['PostgreSQL', async () => openPostgresStore(await server.createDatabase())]);
  after(() => server.stop());
}

const channel = (name: string, extra: Partial<ChannelRouting> = {}): ChannelRouting => ({
  name,
  level: 'info',
  dedupeWindow: 60_000,
  rateLimit: { max: 2, window: 60_000 },
  ...extra,
});

for (const [backend, open] of backends) {
  describe(`notification outbox: ${backend}`, () => {
    let store: InventoryStore;
    before(async () => {
      store = await open();
    });
    after(() => store?.close());

    it('routes, dedupes, holds and summarizes; leases, records attempts, dead-letters and retries', async () => {
      const outbox = store.notificationOutbox();
      const t0 = new Date('2026-11-30T02:00:00.000Z');
      const at = (ms: number) => new Date(t0.getTime() + ms);
      const channels = [
        channel('ops', { rateLimit: { max: 1, window: 60_000 } }),
        channel('pager', { level: 'critical', events: ['host-failed'] }),
      ];
      const a = await raise(store, { kind: 'host-failed', subject: 'g/h1' });
      await raise(store, { kind: 'host-failed', subject: 'g/h1' }); // the same event: suppressed on both
      await raise(store, { kind: 'host-suspect', severity: 'warning', subject: 'g/h2' });
      // Over ops's limit of 1, like host-suspect:
      await raise(store, { kind: 'vm-restarted', severity: 'info', subject: 'g/vm1' });
      const keyed = await store.raiseNotification({
        severity: 'info',
        kind: 'vm-heartbeat-lost',
        message: 'no heartbeat from vm2 for 90 s',
        subject: 'g/vm2',
        key: 'silent',
        raisedAt: t0.toISOString(),
      });
      assert.deepEqual((await store.recentNotifications(1))[0], keyed, 'listed as raised, subject and key included');
      assert.deepEqual(await outbox.route(channels, t0), { notifications: 5, deliveries: 7 });
      assert.deepEqual(await outbox.route(channels, t0), { notifications: 0, deliveries: 0 });

      const listed = (await outbox.notifications({ limit: 10 })).reverse();
      assert.deepEqual(
        listed.map((n) => n.deliveries.map((d) => `${d.channel}:${d.status}`).sort()),
        [
          ['ops:pending', 'pager:pending'],
          ['ops:suppressed', 'pager:suppressed'],
          ['ops:held'],
          ['ops:held'],
          ['ops:held'],
        ],
      );
      assert.ok(listed.every((n) => n.routedAt === t0.toISOString()));

      // Leases: what one dispatcher holds, another does not get until the lease runs out.
      const claimed = await outbox.claimDue(t0, at(30_000), 10);
      assert.deepEqual(claimed.map((c) => c.channel).sort(), ['ops', 'pager']);
      assert.equal(claimed[0]!.notification.id, a.id);
      assert.equal(claimed[0]!.notification.subject, 'g/h1');
      assert.deepEqual(await outbox.claimDue(at(1_000), at(31_000), 10), []);
      const [ops, pager] = [claimed.find((c) => c.channel === 'ops')!, claimed.find((c) => c.channel === 'pager')!];
      await outbox.recordAttempt(ops.id, { at: at(100), ok: true, result: 'HTTP 200 OK' }, { status: 'sent' });
      await outbox.recordAttempt(
        pager.id,
        { at: at(100), ok: false, result: 'HTTP 503 Service Unavailable' },
        { status: 'pending', nextAttemptAt: at(5_000) },
      );
      assert.deepEqual(await outbox.claimDue(at(4_000), at(40_000), 10), [], 'not due before nextAttemptAt');
      const [again] = await outbox.claimDue(at(5_000), at(40_000), 10);
      assert.equal(again?.id, pager.id);
      assert.equal(again?.attempts, 1);
      await outbox.recordAttempt(
        pager.id,
        { at: at(5_100), ok: false, result: 'HTTP 503 Service Unavailable' },
        { status: 'dead', reason: 'gave up after 2 attempts: HTTP 503 Service Unavailable' },
      );

      const dead = await outbox.deadLetters({ limit: 10 });
      assert.deepEqual(
        dead.map((d) => [d.id, d.status, d.attempts, d.notification.id, d.results.map((r) => r.ok)]),
        [[pager.id, 'dead', 2, a.id, [false, false]]],
      );
      assert.deepEqual(await outbox.deadLetters({ limit: 10, channel: 'ops' }), []);
      assert.equal(await outbox.retryDeadLetter(ops.id, at(6_000)), 'not-dead');
      assert.equal(await outbox.retryDeadLetter(999_999, at(6_000)), 'not-found');
      assert.equal(await outbox.retryDeadLetter(pager.id, at(6_000)), 'retried');
      const [retried] = await outbox.claimDue(at(6_000), at(50_000), 10);
      assert.deepEqual([retried?.id, retried?.attempts, retried?.queuedAt], [pager.id, 0, at(6_000).toISOString()]);

      // The held events are summarized once their window has passed, into one pending delivery on ops only.
      assert.deepEqual(await outbox.summarizeHeld(channels, at(59_000)), []);
      const [summaryId] = await outbox.summarizeHeld(channels, at(60_000));
      assert.ok(summaryId);
      const [summary] = await outbox.notifications({ limit: 1, kind: 'notification-summary' });
      assert.equal(summary?.id, summaryId);
      assert.equal(summary?.severity, 'warning');
      assert.equal(
        summary?.message,
        '3 more events held by the rate limit of ops (1 per 1m): 1 host-suspect, 1 vm-heartbeat-lost, 1 vm-restarted',
      );
      assert.deepEqual(
        summary?.deliveries.map((d) => [d.channel, d.status]),
        [['ops', 'pending']],
      );
      assert.deepEqual(await outbox.summarizeHeld(channels, at(120_000)), [], 'summarized only once');
      const page = await outbox.notifications({ limit: 2, beforeId: summaryId, severity: 'critical' });
      assert.deepEqual(
        page.map((n) => n.kind),
        ['host-failed', 'host-failed'],
      );

      // A dispatcher that dies while sending leaves its lease: the delivery is handed out again once it runs out.
      await outbox.recordAttempt(retried!.id, { at: at(60_000), ok: true, result: 'HTTP 200 OK' }, { status: 'sent' });
      const [crashed] = await outbox.claimDue(at(60_000), at(70_000), 10);
      assert.equal(crashed?.notification.id, summaryId);
      assert.deepEqual(await outbox.claimDue(at(69_999), at(80_000), 10), []);
      const [resumed] = await outbox.claimDue(at(70_000), at(80_000), 10);
      assert.deepEqual([resumed?.id, resumed?.attempts], [crashed?.id, 0]);
    });
  });
}

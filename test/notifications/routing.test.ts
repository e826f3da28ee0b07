// Which channel gets what: severity levels (VMRM's notification_level), event filters, deduplication within a window,
// the per-channel rate limit that sends one summary instead of a storm, and a dispatcher restart that resumes the
// pending deliveries from the database.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { InventoryStore } from '../../activities/inventory/index.js';
import type { NotificationWithDeliveries } from '../../activities/notifications/outbox.js';
import { NotificationDispatcher } from '../../workers/notification-dispatcher.js';
import { channels, dispatcher, eventually, raise, temporaryStore, webhookReceiver } from './support.js';

describe('notifications: routing, deduplication, rate limit, restart', () => {
  let db: Awaited<ReturnType<typeof temporaryStore>>;
  beforeEach(async () => {
    db = await temporaryStore('routing');
  });
  afterEach(() => db?.close());

  /** One dispatcher round, stepped by the test (routing decisions are then independent of timing). */
  const round = (store: InventoryStore, configs: ReturnType<typeof channels>, log: string[] = []) =>
    new NotificationDispatcher({ store, channels: configs }, (line) => log.push(line)).round();
  const all = async (store: InventoryStore) =>
    (await store.notificationOutbox().notifications({ limit: 100 })).reverse() as NotificationWithDeliveries[];
  const statusesOn = (notifications: NotificationWithDeliveries[], channel: string) =>
    notifications.map((n) => [n.kind, n.deliveries.find((d) => d.channel === channel)?.status ?? 'not routed']);

  it('sends each channel the severities at its level and above, and only the events it lists', async () => {
    const configs = channels([
      { name: 'everything', kind: 'log' },
      { name: 'warnings', kind: 'log', level: 'warning' },
      { name: 'pager', kind: 'log', level: 'critical', events: ['host-failed', 'hmc-pair-lost'] },
    ]);
    await raise(db.store, { severity: 'info', kind: 'failover-finished', message: 'failover of dc1-s01: succeeded' });
    await raise(db.store, { severity: 'warning', kind: 'host-suspect', message: 'dc1-s02: HMC says No Connection' });
    await raise(db.store, { severity: 'critical', kind: 'host-failed', message: 'dc1-s03 failed' });
    await raise(db.store, { severity: 'critical', kind: 'fence-failed', message: 'cannot fence dc1-s03' });
    const log: string[] = [];
    await round(db.store, configs, log);
    const notifications = await all(db.store);
    assert.deepEqual(statusesOn(notifications, 'everything'), [
      ['failover-finished', 'sent'],
      ['host-suspect', 'sent'],
      ['host-failed', 'sent'],
      ['fence-failed', 'sent'],
    ]);
    assert.deepEqual(statusesOn(notifications, 'warnings'), [
      ['failover-finished', 'not routed'],
      ['host-suspect', 'sent'],
      ['host-failed', 'sent'],
      ['fence-failed', 'sent'],
    ]);
    assert.deepEqual(statusesOn(notifications, 'pager'), [
      ['failover-finished', 'not routed'],
      ['host-suspect', 'not routed'],
      ['host-failed', 'sent'],
      ['fence-failed', 'not routed'],
    ]);
    assert.ok(
      log.includes('notification pager: [critical] host-failed dc1-prod/dc1-s01: dc1-s03 failed'),
      log.join('\n'),
    );
    assert.equal(log.filter((line) => line.startsWith('notification pager:')).length, 1);
  });

  it('records the same event within the dedupe window as suppressed, per channel', async () => {
    const configs = channels([
      { name: 'ops', kind: 'log', dedupeWindow: '10m' },
      { name: 'audit', kind: 'log', dedupeWindow: 0 },
    ]);
    for (let i = 0; i < 3; i++) await raise(db.store, { kind: 'vm-heartbeat-lost', subject: 'dc1-prod/app01' });
    await raise(db.store, { kind: 'vm-heartbeat-lost', subject: 'dc1-prod/app02' });
    const log: string[] = [];
    await round(db.store, configs, log);
    // Raised again after the first ones were sent: still within the window.
    await raise(db.store, { kind: 'vm-heartbeat-lost', subject: 'dc1-prod/app01' });
    await round(db.store, configs, log);
    const notifications = await all(db.store);
    assert.deepEqual(
      notifications.map((n) => n.deliveries.find((d) => d.channel === 'ops')!.status),
      ['sent', 'suppressed', 'suppressed', 'sent', 'suppressed'],
    );
    assert.match(
      notifications[1]!.deliveries.find((d) => d.channel === 'ops')!.reason!,
      new RegExp(`^same event as notification ${notifications[0]!.id} within the dedupe window$`),
    );
    assert.deepEqual(
      notifications.map((n) => n.deliveries.find((d) => d.channel === 'audit')!.status),
      ['sent', 'sent', 'sent', 'sent', 'sent'],
    );
    assert.equal(log.filter((line) => line.startsWith('notification ops:')).length, 2);
  });

  it('holds what exceeds the rate limit and sends one summary when the window ends', async () => {
    const configs = channels([{ name: 'ops', kind: 'log', rateLimit: { max: 2, window: '2s' } }]);
    const kinds = ['host-failed', 'host-failed', 'host-failed', 'host-failed', 'vm-heartbeat-lost', 'host-failed'];
    for (const [i, kind] of kinds.entries()) await raise(db.store, { kind, subject: `dc1-prod/item${i}` });
    const log: string[] = [];
    await round(db.store, configs, log);
    assert.deepEqual(
      (await all(db.store)).map((n) => n.deliveries[0]!.status),
      ['sent', 'sent', 'held', 'held', 'held', 'held'],
    );
    const summary = await eventually('the summary at the end of the window', async () => {
      await round(db.store, configs, log);
      return (await all(db.store)).find((n) => n.kind === 'notification-summary' && n.deliveries[0]?.status === 'sent');
    });
    assert.equal(summary.severity, 'critical');
    assert.equal(
      summary.message,
      '4 more events held by the rate limit of ops (2 per 2s): 3 host-failed, 1 vm-heartbeat-lost',
    );
    const held = (await all(db.store)).slice(2, 6).map((n) => n.deliveries[0]!);
    assert.deepEqual(
      held.map((d) => [d.status, d.reason]),
      held.map(() => ['summarized', `counted in summary notification ${summary.id}`]),
    );
    assert.deepEqual(
      log.map((line) => line.split(':')[0]),
      ['notification ops', 'notification ops', 'notification ops'],
      'two events and one summary, not six events',
    );
  });

  it('resumes pending deliveries after the dispatcher and the store are restarted', async () => {
    let up = false;
    const receiver = await webhookReceiver(() => (up ? 200 : 503));
    const configs = channels([
      {
        name: 'hook',
        kind: 'webhook',
        url: receiver.url,
        secret: 'env:LAZARUS_TEST_WEBHOOK_SECRET',
        retry: { attempts: 100, initialDelay: 20, maxDelay: 50, maxAge: '1h' },
      },
    ]);
    const env = { LAZARUS_TEST_WEBHOOK_SECRET: 'restart-secret' };
    try {
      const first = dispatcher(db.store, configs, { env });
      const raised = await raise(db.store, { kind: 'failover-stopped', message: 'failover of dc1-s04 stopped' });
      await eventually('two failed attempts', async () => (receiver.received.length >= 2 ? true : undefined));
      await first.stop();
      const failedBefore = receiver.received.length;

      const store = await db.reopen();
      up = true;
      const second = dispatcher(store, configs, { env });
      try {
        const delivery = await eventually('the delivery sent by the new dispatcher', async () => {
          const [n] = await store.notificationOutbox().notifications({ limit: 1 });
          return n?.id === raised.id && n.deliveries[0]?.status === 'sent' ? n.deliveries[0] : undefined;
        });
        assert.equal(delivery.results.length, failedBefore + 1, 'the attempts before the restart are kept');
        assert.ok(delivery.results.slice(0, failedBefore).every((r) => !r.ok && r.result.startsWith('HTTP 503')));
        assert.equal(receiver.received.length, failedBefore + 1);
      } finally {
        await second.stop();
      }
    } finally {
      await receiver.close();
    }
  });
});

// The webhook channel end to end: a notification raised with one store call is routed, POSTed as signed JSON to a
// test HTTP server that fails the first attempts (retried with backoff, then delivered), or fails for good (a dead
// letter listed by the API, and sent again on an operator's retry). The receiver checks the signature as the README
// tells receivers to.
import assert from 'node:assert/strict';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { NotificationWithDeliveries } from '../../activities/notifications/outbox.js';
import {
  channels,
  dispatcher,
  eventually,
  FAST_RETRY,
  notificationApi,
  raise,
  temporaryStore,
  verifyAsReceiver,
  webhookReceiver,
} from './support.js';

const SECRET = 'webhook-test-secret-0123456789';
const env = { LAZARUS_TEST_WEBHOOK_SECRET: SECRET };

describe('notifications: webhook channel', () => {
  let db: Awaited<ReturnType<typeof temporaryStore>>;
  let api: Awaited<ReturnType<typeof notificationApi>>;

  before(async () => {
    db = await temporaryStore('webhook');
    api = await notificationApi(db.store);
  });
  after(async () => {
    await api?.close();
    await db?.close();
  });

  const webhook = (url: string, extra: Record<string, unknown> = {}) =>
    channels([
      {
        name: 'ops-hook',
        kind: 'webhook',
        url,
        secret: 'env:LAZARUS_TEST_WEBHOOK_SECRET',
        retry: FAST_RETRY,
        ...extra,
      },
    ]);
  const listed = async (id: number) => {
    const { body } = await api.call<{ notifications: NotificationWithDeliveries[] }>('GET', '/v1/notifications');
    return body.notifications.find((n) => n.id === id);
  };

  it('retries a failing receiver with backoff and delivers a signed JSON body', async () => {
    const receiver = await webhookReceiver((index) => (index < 2 ? 503 : 200));
    const running = dispatcher(db.store, webhook(receiver.url), { env });
    try {
      const raised = await raise(db.store, { message: 'host dc1-s01 failed (retry test)' });
      const notification = await eventually('the webhook delivery to be sent', async () => {
        const n = await listed(raised.id);
        return n?.deliveries[0]?.status === 'sent' ? n : undefined;
      });
      assert.equal(receiver.received.length, 3, 'two refused attempts, then the accepted one');
      for (const request of receiver.received) {
        assert.equal(verifyAsReceiver(request, SECRET), undefined);
        assert.equal(verifyAsReceiver(request, 'another-secret'), 'bad signature');
        assert.equal(request.headers['x-lazarus-delivery'], String(notification.deliveries[0]!.id));
      }
      const body = JSON.parse(receiver.received[2]!.body) as {
        notification: Record<string, unknown>;
        delivery: Record<string, unknown>;
      };
      assert.deepEqual(
        {
          id: body.notification.id,
          kind: body.notification.kind,
          severity: body.notification.severity,
          subject: body.notification.subject,
          message: body.notification.message,
        },
        {
          id: raised.id,
          kind: 'host-failed',
          severity: 'critical',
          subject: 'dc1-prod/dc1-s01',
          message: 'host dc1-s01 failed (retry test)',
        },
      );
      assert.deepEqual(body.delivery, { id: notification.deliveries[0]!.id, channel: 'ops-hook', attempt: 3 });
      const delivery = notification.deliveries[0] as NotificationWithDeliveries['deliveries'][number] & {
        lastResult?: { ok: boolean; result: string };
      };
      assert.equal(delivery.attempts, 3);
      assert.deepEqual(
        delivery.results.map((r) => [r.ok, r.result]),
        [
          [false, 'HTTP 503 Service Unavailable: not now'],
          [false, 'HTTP 503 Service Unavailable: not now'],
          [true, 'HTTP 200 OK: thanks'],
        ],
      );
      assert.equal(delivery.lastResult?.result, 'HTTP 200 OK: thanks');
    } finally {
      await running.stop();
      await receiver.close();
    }
  });

  it('puts a delivery that keeps failing in the dead letters, and an operator retry sends it', async () => {
    let healthy = false;
    const receiver = await webhookReceiver(() => (healthy ? 204 : 500));
    const running = dispatcher(db.store, webhook(receiver.url), { env });
    try {
      const raised = await raise(db.store, { kind: 'hmc-pair-lost', message: 'both HMCs of dc1-prod unreachable' });
      type DeadLetters = {
        deadLetters: Array<{ id: number; attempts: number; reason: string; notification: { id: number } }>;
      };
      const dead = await eventually('the delivery to become a dead letter', async () => {
        const { body } = await api.call<DeadLetters>('GET', '/v1/notifications/dead-letters?channel=ops-hook');
        return body.deadLetters.find((d) => d.notification.id === raised.id);
      });
      assert.equal(dead.attempts, FAST_RETRY.attempts);
      assert.match(dead.reason, /^gave up after 4 attempts: HTTP 500/);
      assert.equal(receiver.received.length, FAST_RETRY.attempts);

      healthy = true;
      const retried = await api.call('POST', `/v1/notifications/dead-letters/${dead.id}/retry`);
      assert.deepEqual(retried, { status: 202, body: { id: dead.id, status: 'pending' } });
      await eventually('the retried dead letter to be sent', async () =>
        (await listed(raised.id))?.deliveries[0]?.status === 'sent' ? true : undefined,
      );
      const again = await api.call('POST', `/v1/notifications/dead-letters/${dead.id}/retry`);
      assert.equal(again.status, 409);
      const { body } = await api.call<DeadLetters>('GET', '/v1/notifications/dead-letters?channel=ops-hook');
      assert.equal(
        body.deadLetters.find((d) => d.id === dead.id),
        undefined,
      );
      const delivery = (await listed(raised.id))!.deliveries[0]!;
      assert.equal(delivery.results.length, FAST_RETRY.attempts + 1, 'every attempt kept, the retry included');
    } finally {
      await running.stop();
      await receiver.close();
    }
  });

  it('does not retry a receiver that refuses the request (4xx)', async () => {
    const receiver = await webhookReceiver(() => 401);
    const running = dispatcher(db.store, webhook(receiver.url), { env });
    try {
      const raised = await raise(db.store, { kind: 'vm-restart-failed', message: 'vm app01 could not be restarted' });
      const delivery = await eventually('the refused delivery to be dead', async () => {
        const d = (await listed(raised.id))?.deliveries[0];
        return d?.status === 'dead' ? d : undefined;
      });
      assert.equal(delivery.attempts, 1);
      assert.match(delivery.reason ?? '', /^refused, not retried: HTTP 401/);
      assert.equal(receiver.received.length, 1);
    } finally {
      await running.stop();
      await receiver.close();
    }
  });

  it('gives up on a receiver that never answers, each attempt bounded by the channel timeout', async () => {
    const sockets: Socket[] = [];
    const silent = createNetServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/hook`;
    const running = dispatcher(db.store, webhook(url, { timeout: 200, retry: { ...FAST_RETRY, attempts: 2 } }), {
      env,
    });
    try {
      const raised = await raise(db.store, { kind: 'host-quarantined', message: 'dc1-s05 flapped 4 times in 1h' });
      const delivery = await eventually('the silent receiver to be given up on', async () => {
        const d = (await listed(raised.id))?.deliveries[0];
        return d?.status === 'dead' ? d : undefined;
      });
      assert.deepEqual(
        delivery.results.map((r) => r.result),
        ['no answer within 200 ms', 'no answer within 200 ms'],
      );
    } finally {
      await running.stop();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('answers bad paging and unknown dead letters precisely', async () => {
    const badLimit = await api.call<{ code: string; message: string }>('GET', '/v1/notifications?limit=0');
    assert.equal(badLimit.status, 400);
    assert.match(badLimit.body.message, /limit/);
    const badCursor = await api.call<{ message: string }>('GET', '/v1/notifications?cursor=%21%21');
    assert.equal(badCursor.status, 400);
    assert.match(badCursor.body.message, /cursor: the nextCursor of a previous page/);
    const badSeverity = await api.call<{ message: string }>('GET', '/v1/notifications?severity=loud');
    assert.equal(badSeverity.status, 400);
    assert.match(badSeverity.body.message, /severity/);
    assert.equal((await api.call('POST', '/v1/notifications/dead-letters/999999/retry')).status, 404);
    assert.equal((await api.call('POST', '/v1/notifications/dead-letters/abc/retry')).status, 400);
  });

  it('pages notifications newest first with nextCursor', async () => {
    for (let i = 0; i < 3; i++) await raise(db.store, { kind: 'host-suspect', message: `paging ${i}` });
    type Page = { notifications: Array<{ id: number; kind: string }>; nextCursor?: string };
    const first = await api.call<Page>('GET', '/v1/notifications?kind=host-suspect&limit=2');
    assert.equal(first.body.notifications.length, 2);
    assert.ok(first.body.nextCursor);
    const second = await api.call<Page>(
      'GET',
      `/v1/notifications?kind=host-suspect&limit=2&cursor=${first.body.nextCursor}`,
    );
    assert.equal(second.body.notifications.length, 1);
    assert.equal(second.body.nextCursor, undefined);
    const ids = [...first.body.notifications, ...second.body.notifications].map((n) => n.id);
    assert.deepEqual(
      ids,
      [...ids].sort((a, b) => b - a),
    );
  });
});

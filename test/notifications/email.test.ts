// The email channel against a local SMTP server started by the test (smtp-server): the message arrives with the
// channel's sender, recipients and authentication (the password from a credential reference); a temporary SMTP
// refusal (4xx) is retried, a final one (5xx) is not.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SMTPServer } from 'smtp-server';
import type { Delivery, NotificationWithDeliveries } from '../../activities/notifications/outbox.js';
import { channels, dispatcher, eventually, FAST_RETRY, raise, temporaryStore } from './support.js';

interface ReceivedMail {
  from: string;
  to: string[];
  user?: string;
  raw: string;
}

describe('notifications: email channel', () => {
  let db: Awaited<ReturnType<typeof temporaryStore>>;
  let server: SMTPServer;
  let port: number;
  const mails: ReceivedMail[] = [];
  let temporaryRefusals = 0;

  before(async () => {
    db = await temporaryStore('email');
    server = new SMTPServer({
      // A local test relay: plain text, so no certificate is involved; AUTH allowed without TLS for that reason.
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      logger: false,
      onAuth(auth, _session, callback) {
        if (auth.username === 'lazarus' && auth.password === 'smtp-test-password')
          callback(null, { user: auth.username });
        else callback(Object.assign(new Error('authentication failed'), { responseCode: 535 }));
      },
      onRcptTo(address, _session, callback) {
        if (address.address.startsWith('nobody@'))
          callback(Object.assign(new Error('no such mailbox'), { responseCode: 550 }));
        else callback();
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          if (temporaryRefusals > 0) {
            temporaryRefusals--;
            callback(Object.assign(new Error('try again later'), { responseCode: 451 }));
            return;
          }
          mails.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            user: session.user as string | undefined,
            raw: Buffer.concat(chunks).toString('utf8'),
          });
          callback(null, 'queued as test-1');
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.server.address() as { port: number }).port;
  });
  after(async () => {
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    await db?.close();
  });

  const mailChannel = (to: string[]) =>
    channels([
      {
        name: 'ops-mail',
        kind: 'email',
        host: '127.0.0.1',
        port,
        from: 'lazarus@example.test',
        to,
        auth: { user: 'lazarus', password: 'env:LAZARUS_TEST_SMTP_PASSWORD' },
        retry: FAST_RETRY,
        timeout: 10_000,
      },
    ]);
  const env = { LAZARUS_TEST_SMTP_PASSWORD: 'smtp-test-password' };
  const deliveryOf = async (id: number): Promise<Delivery | undefined> => {
    const [n] = (await db.store.notificationOutbox().notifications({ limit: 1, beforeId: id + 1 })) as [
      NotificationWithDeliveries?,
    ];
    return n?.id === id ? n.deliveries[0] : undefined;
  };

  it('sends the notification to the recipients through the SMTP server, retrying a temporary refusal', async () => {
    temporaryRefusals = 1;
    const running = dispatcher(db.store, mailChannel(['oncall@example.test', 'backup@example.test']), { env });
    try {
      const raised = await raise(db.store, { message: 'host dc1-s01 failed; failover started in auto mode' });
      const delivery = await eventually('the e-mail to be accepted', async () => {
        const d = await deliveryOf(raised.id);
        return d?.status === 'sent' ? d : undefined;
      });
      assert.equal(mails.length, 1);
      const [mail] = mails;
      assert.equal(mail!.from, 'lazarus@example.test');
      assert.deepEqual(mail!.to, ['oncall@example.test', 'backup@example.test']);
      assert.equal(mail!.user, 'lazarus');
      assert.match(mail!.raw, /^Subject: \[Lazarus critical\] host-failed: dc1-prod\/dc1-s01\r?$/m);
      assert.match(mail!.raw, /host dc1-s01 failed; failover started in auto mode/);
      assert.match(mail!.raw, new RegExp(`^X-Lazarus-Notification: ${raised.id}\\r?$`, 'm'));
      assert.deepEqual(
        delivery.results.map((r) => r.ok),
        [false, true],
      );
      assert.match(delivery.results[0]!.result, /^SMTP 451 /);
      assert.match(delivery.results[1]!.result, /^SMTP 250 .*queued as test-1/);
    } finally {
      await running.stop();
    }
  });

  it('does not retry a final refusal (5xx): the delivery is a dead letter with the server reply', async () => {
    const running = dispatcher(db.store, mailChannel(['nobody@example.test']), { env });
    try {
      const raised = await raise(db.store, { kind: 'app-failed', message: 'db2 on vm app02 failed 3 times' });
      const delivery = await eventually('the refused e-mail to be dead', async () => {
        const d = await deliveryOf(raised.id);
        return d?.status === 'dead' ? d : undefined;
      });
      assert.equal(delivery.attempts, 1);
      assert.match(delivery.reason ?? '', /^refused, not retried: SMTP 550 .*no such mailbox/);
    } finally {
      await running.stop();
    }
  });

  it('keeps retrying while the SMTP password cannot be resolved, and says why', async () => {
    const running = dispatcher(db.store, mailChannel(['oncall@example.test']), { env: {} });
    try {
      const raised = await raise(db.store, { kind: 'hmc-unreachable', message: 'hmc-dc1-b unreachable' });
      const delivery = await eventually('the delivery to give up', async () => {
        const d = await deliveryOf(raised.id);
        return d?.status === 'dead' ? d : undefined;
      });
      assert.equal(delivery.attempts, FAST_RETRY.attempts);
      assert.match(
        delivery.results[0]!.result,
        /^auth\.password env:LAZARUS_TEST_SMTP_PASSWORD: environment variable LAZARUS_TEST_SMTP_PASSWORD .*is not set/,
      );
      assert.ok(!JSON.stringify(delivery).includes('smtp-test-password'));
    } finally {
      await running.stop();
    }
  });
});

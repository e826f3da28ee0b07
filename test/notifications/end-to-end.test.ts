// Notifications through the whole stack, as `npm start` runs it (devserver, workers, simulated fleet, HTTP API): an
// advisory failover's approval request reaches a webhook receiver (signed, retried after a refusal) and a local SMTP
// server, and GET /v1/notifications shows both deliveries with their attempts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { startSimulatedLazarus, type SimulatedLazarus } from '../support/simulated-lazarus.js';
import { eventually, verifyAsReceiver, webhookReceiver } from './support.js';

const SECRET = 'end-to-end-webhook-secret';

describe('notifications end to end (devserver, workers, simulated fleet, API)', () => {
  let lazarus: SimulatedLazarus;
  let receiver: Awaited<ReturnType<typeof webhookReceiver>>;
  let smtp: SMTPServer;
  const mails: string[] = [];

  before(async () => {
    receiver = await webhookReceiver((index) => (index === 0 ? 503 : 200));
    smtp = new SMTPServer({
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, _session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          mails.push(Buffer.concat(chunks).toString('utf8'));
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    const smtpPort = (smtp.server.address() as { port: number }).port;
    process.env.LAZARUS_TEST_E2E_WEBHOOK_SECRET = SECRET;
    const channels = [
      'notifications:',
      '  - name: pager',
      '    kind: webhook',
      `    url: ${receiver.url}`,
      '    secret: env:LAZARUS_TEST_E2E_WEBHOOK_SECRET',
      '    level: warning',
      '    retry: { attempts: 5, initialDelay: 50ms, maxDelay: 200ms }',
      '  - name: ops-mail',
      '    kind: email',
      '    host: 127.0.0.1',
      `    port: ${smtpPort}`,
      '    from: lazarus@example.test',
      '    to: [oncall@example.test]',
      '    events: [approval-needed]',
      '',
    ].join('\n');
    lazarus = await startSimulatedLazarus({
      name: 'notifications',
      editConfig: (yaml) => yaml.replace(/^notifications:.*\n(?:(?: .*)?\n)*/m, `${channels}\n`),
    });
    assert.equal(await lazarus.discover(), 'ok');
  });

  after(async () => {
    await lazarus?.stop();
    await receiver?.close();
    await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
  });

  it('documents the notification routes and keeps them behind the token', async () => {
    const document = (await (await fetch(`${lazarus.apiUrl}/v1/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    for (const [path, method] of [
      ['/v1/notifications', 'get'],
      ['/v1/notifications/dead-letters', 'get'],
      ['/v1/notifications/dead-letters/{id}/retry', 'post'],
    ] as const)
      assert.ok(document.paths[path]?.[method], `${method} ${path} is in the OpenAPI document`);
    assert.equal((await fetch(`${lazarus.apiUrl}/v1/notifications`)).status, 401);
    assert.equal(
      (await fetch(`${lazarus.apiUrl}/v1/notifications/dead-letters/1/retry`, { method: 'POST' })).status,
      401,
    );
  });

  it('delivers an advisory failover’s approval request by webhook and e-mail', { timeout: 180_000 }, async () => {
    await lazarus.control('POST', '/faults', { kind: 'host-error', target: 'dc1-s02' });
    const started = await lazarus.api('POST', '/v1/failovers', {
      group: 'dc1-prod',
      host: 'dc1-s02',
      mode: 'advisory',
    });
    assert.equal(started.status, 202);
    const id = started.body.id as string;

    type Listed = {
      id: number;
      kind: string;
      workflowId?: string;
      deliveries: Array<{ channel: string; status: string; attempts: number; results: Array<{ ok: boolean }> }>;
    };
    const approval = await eventually(
      'the approval request delivered on both channels',
      async () => {
        const { body } = await lazarus.api<{ notifications: Listed[] }>(
          'GET',
          '/v1/notifications?kind=approval-needed',
        );
        const n = body.notifications.find((x) => x.workflowId === id);
        return n && n.deliveries.length === 2 && n.deliveries.every((d) => d.status === 'sent') ? n : undefined;
      },
      120_000,
    );
    const byChannel = Object.fromEntries(approval.deliveries.map((d) => [d.channel, d.results.map((r) => r.ok)]));
    assert.deepEqual(byChannel, { pager: [false, true], 'ops-mail': [true] });

    const approvals = receiver.received.filter((r) => r.headers['x-lazarus-event'] === 'approval-needed');
    assert.equal(approvals.length, 2, 'refused once, then accepted');
    for (const request of approvals) assert.equal(verifyAsReceiver(request, SECRET), undefined);
    const body = JSON.parse(approvals[1]!.body) as { notification: { id: number; message: string } };
    assert.equal(body.notification.id, approval.id);
    assert.match(
      body.notification.message,
      /^failover of dc1-s02 \(dc1-prod\) waits for approval; nothing was touched/,
    );
    assert.equal(mails.length, 1);
    assert.match(mails[0]!, /^Subject: \[Lazarus warning\] approval-needed\r?$/m);

    const path = `/v1/failovers/${encodeURIComponent(id)}`;
    assert.equal((await lazarus.api('POST', `${path}/reject`, { by: 'test', reason: 'end of test' })).status, 200);
    await eventually(
      'the rejected failover to finish',
      async () => ((await lazarus.api('GET', path)).body.status === 'completed' ? true : undefined),
      90_000,
    );
  });
});

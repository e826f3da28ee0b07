// Sending one notification to one channel: `log` (a line in the worker's log), `webhook` (a signed JSON POST) and
// `email` (SMTP through nodemailer). Each attempt ends in a SendResult — never a throw — saying whether the channel
// accepted it, what it answered, and whether trying again may help. Secrets are resolved here, at send time, from
// their credential references (activities/ssh/credentials.ts), so they never reach the store or a workflow.
import { createHmac } from 'node:crypto';
import { createTransport } from 'nodemailer';
import type { NotificationChannelConfig } from '../../domain/config/schema.js';
import { resolveCredential } from '../ssh/credentials.js';
import type { OutboxNotification } from './outbox.js';

/** The signature header: `sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" under the channel's secret>`. */
export const SIGNATURE_HEADER = 'x-lazarus-signature';
/** Unix seconds when the request was signed; receivers refuse old ones (replay). */
export const TIMESTAMP_HEADER = 'x-lazarus-timestamp';
/** The delivery id: the same on every retry of one delivery, so a receiver can drop the duplicates. */
export const DELIVERY_HEADER = 'x-lazarus-delivery';

export interface SendResult {
  ok: boolean;
  /** What the channel answered: `HTTP 200 OK`, the SMTP reply, or the error. */
  result: string;
  /** false when another attempt cannot change the answer (a 4xx refusal, a 5xx SMTP reply). */
  retryable: boolean;
}

/** One delivery as the channel receives it. */
export interface OutgoingNotification {
  deliveryId: number;
  /** 1 for the first attempt. */
  attempt: number;
  notification: OutboxNotification;
}

export type ChannelSender = (outgoing: OutgoingNotification) => Promise<SendResult>;

/** The sender of one configured channel. `env` resolves `env:` credential references; `log` serves `log` channels. */
export function channelSender(
  channel: NotificationChannelConfig,
  options: { env?: NodeJS.ProcessEnv; log: (line: string) => void },
): ChannelSender {
  const env = options.env ?? process.env;
  if (channel.kind === 'log')
    return async ({ notification: n }) => {
      options.log(
        `notification ${channel.name}: [${n.severity}] ${n.kind}${n.subject ? ` ${n.subject}` : ''}: ${n.message}`,
      );
      return { ok: true, result: 'logged', retryable: false };
    };
  if (channel.kind === 'webhook') return (outgoing) => sendWebhook(channel, outgoing, env);
  return (outgoing) => sendEmail(channel, outgoing, env);
}

/** The JSON a webhook receives: `{ notification: {...}, delivery: { id, channel, attempt } }`. */
export function webhookBody(channel: string, outgoing: OutgoingNotification): string {
  const { routedAt: _routedAt, ...notification } = outgoing.notification;
  return JSON.stringify({ notification, delivery: { id: outgoing.deliveryId, channel, attempt: outgoing.attempt } });
}

/** `sha256=<hex>`: HMAC-SHA256 of `<timestamp>.<body>` — the timestamp is signed so that it cannot be replaced. */
export function webhookSignature(secret: string | Buffer, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

async function sendWebhook(
  channel: Extract<NotificationChannelConfig, { kind: 'webhook' }>,
  outgoing: OutgoingNotification,
  env: NodeJS.ProcessEnv,
): Promise<SendResult> {
  let secret: string | Buffer;
  try {
    secret = secretValue(channel.secret, env);
  } catch (error) {
    return { ok: false, result: `secret ${channel.secret}: ${messageOf(error)}`, retryable: true };
  }
  const body = webhookBody(channel.name, outgoing);
  const timestamp = String(Math.floor(Date.now() / 1000));
  try {
    const response = await fetch(channel.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Lazarus-notifications',
        [TIMESTAMP_HEADER]: timestamp,
        [SIGNATURE_HEADER]: webhookSignature(secret, timestamp, body),
        [DELIVERY_HEADER]: String(outgoing.deliveryId),
        'x-lazarus-event': outgoing.notification.kind,
      },
      body,
      // A redirect could carry the signed body elsewhere; the configured URL is the only destination.
      redirect: 'manual',
      signal: AbortSignal.timeout(channel.timeout),
    });
    const text = (await response.text().catch(() => '')).trim().slice(0, 200);
    const status = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
    const result = text ? `${status}: ${text}` : status;
    if (response.ok) return { ok: true, result, retryable: false };
    // Timeouts, throttling and server errors pass; other refusals (bad signature, gone, redirects) will not change.
    const retryable = response.status >= 500 || [408, 425, 429].includes(response.status);
    return { ok: false, result, retryable };
  } catch (error) {
    const timedOut = (error as Error)?.name === 'TimeoutError';
    return {
      ok: false,
      result: timedOut ? `no answer within ${channel.timeout} ms` : `request failed: ${messageOf(error)}`,
      retryable: true,
    };
  }
}

async function sendEmail(
  channel: Extract<NotificationChannelConfig, { kind: 'email' }>,
  outgoing: OutgoingNotification,
  env: NodeJS.ProcessEnv,
): Promise<SendResult> {
  let auth: { user: string; pass: string } | undefined;
  try {
    if (channel.auth) auth = { user: channel.auth.user, pass: secretValue(channel.auth.password, env).toString() };
  } catch (error) {
    return { ok: false, result: `auth.password ${channel.auth?.password}: ${messageOf(error)}`, retryable: true };
  }
  const transport = createTransport({
    host: channel.host,
    port: channel.port,
    secure: channel.secure,
    auth,
    connectionTimeout: channel.timeout,
    greetingTimeout: channel.timeout,
    socketTimeout: channel.timeout,
  });
  const n = outgoing.notification;
  try {
    const info = await transport.sendMail({
      from: channel.from,
      to: channel.to,
      subject: `[Lazarus ${n.severity}] ${n.kind}${n.subject ? `: ${n.subject}` : ''}`,
      text: emailText(outgoing),
      headers: { 'X-Lazarus-Notification': String(n.id), 'X-Lazarus-Delivery': String(outgoing.deliveryId) },
    });
    return { ok: true, result: `SMTP ${info.response}`, retryable: false };
  } catch (error) {
    const smtp = error as { responseCode?: number; response?: string; code?: string };
    // A 5xx reply is the server's final word (RFC 5321 §4.2.1); 4xx and connection trouble are transient.
    if (typeof smtp.responseCode === 'number')
      return {
        ok: false,
        result: `SMTP ${smtp.response ?? smtp.responseCode}`,
        retryable: smtp.responseCode < 500 || smtp.responseCode >= 600,
      };
    return { ok: false, result: `SMTP ${smtp.code ? `${smtp.code}: ` : ''}${messageOf(error)}`, retryable: true };
  } finally {
    transport.close();
  }
}

function emailText(outgoing: OutgoingNotification): string {
  const n = outgoing.notification;
  return [
    n.message,
    '',
    `severity:     ${n.severity}`,
    `event:        ${n.kind}`,
    ...(n.subject ? [`subject:      ${n.subject}`] : []),
    ...(n.workflowId ? [`workflow:     ${n.workflowId}`] : []),
    `raised at:    ${n.raisedAt}`,
    `notification: ${n.id} (delivery ${outgoing.deliveryId}, attempt ${outgoing.attempt})`,
    '',
  ].join('\n');
}

/**
 * Every channel's secrets resolved once, as at startup: a webhook secret or an SMTP password that cannot be resolved
 * would make every delivery a dead letter, so Lazarus refuses to start instead. Throws an Error naming the channel,
 * the field and the reference (never the secret).
 */
export function checkChannelSecrets(
  channels: readonly NotificationChannelConfig[],
  env: NodeJS.ProcessEnv = process.env,
): void {
  for (const [index, channel] of channels.entries()) {
    const references: Array<[string, string | undefined]> =
      channel.kind === 'webhook'
        ? [['secret', channel.secret]]
        : channel.kind === 'email'
          ? [['auth.password', channel.auth?.password]]
          : [];
    for (const [field, reference] of references) {
      if (reference === undefined) continue;
      try {
        secretValue(reference, env);
      } catch (error) {
        throw new Error(
          `notifications[${index}] (${channel.name}).${field}: ${reference} cannot be resolved: ${messageOf(error)}`,
        );
      }
    }
  }
}

/** A secret from its credential reference: `env:`/`secret:` give the value, `file:` the file's content. */
function secretValue(reference: string, env: NodeJS.ProcessEnv): string | Buffer {
  const credential = resolveCredential(reference, env);
  if ('password' in credential) return credential.password;
  const text = credential.privateKey.toString('utf8').trim();
  if (!text) throw new Error('the file is empty');
  return text;
}

function messageOf(error: unknown): string {
  const cause = (error as { cause?: { message?: string } })?.cause?.message;
  const message = error instanceof Error ? error.message : String(error);
  return cause && !message.includes(cause) ? `${message} (${cause})` : message;
}

// Shared by the notification tests: channels parsed from YAML-like objects through the real config schema, a store
// in a temporary SQLite file, a dispatcher, an HTTP receiver for webhooks, the API's notification routes, and a
// condition wait (no timing asserts: every wait has a generous deadline).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { z } from 'zod';
import { openSqliteStore, type InventoryStore } from '../../activities/inventory/index.js';
import { errorHandler } from '../../api/errors.js';
import { notificationRoutes } from '../../api/notification-routes.js';
import { notificationSchema, type NotificationChannelConfig } from '../../domain/config/schema.js';
import { startNotificationDispatcher, type RunningDispatcher } from '../../workers/notification-dispatcher.js';

/** Channels as lazarus.yaml's `notifications:` would give them, through the real schema (defaults applied). */
export function channels(raw: unknown[]): NotificationChannelConfig[] {
  return z.array(notificationSchema).parse(raw);
}

/** Fast retries for tests: a few ms apart, so a test waits on conditions, not on production backoffs. */
export const FAST_RETRY = { attempts: 4, initialDelay: 10, maxDelay: 40, maxAge: 60_000 };

export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what}${last instanceof Error ? `; last error: ${last.message}` : ''}`);
}

/** A store in a temporary directory; `reopen` closes and opens the same file (a process restart). */
export async function temporaryStore(name: string) {
  const dir = mkdtempSync(join(tmpdir(), `lazarus-notifications-${name}-`));
  const path = join(dir, 'lazarus.db');
  const holder = { store: await openSqliteStore(path) };
  return {
    get store(): InventoryStore {
      return holder.store;
    },
    async reopen(): Promise<InventoryStore> {
      await holder.store.close();
      holder.store = await openSqliteStore(path);
      return holder.store;
    },
    async close() {
      await holder.store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function dispatcher(
  store: InventoryStore,
  channelConfigs: NotificationChannelConfig[],
  options: { env?: NodeJS.ProcessEnv; log?: (line: string) => void } = {},
): RunningDispatcher {
  return startNotificationDispatcher({
    store,
    channels: channelConfigs,
    pollInterval: 10,
    log: options.log ?? (() => undefined),
    env: options.env,
  });
}

export function raise(
  store: InventoryStore,
  fields: { severity?: 'info' | 'warning' | 'critical'; kind?: string; message?: string; subject?: string },
) {
  return store.raiseNotification({
    severity: fields.severity ?? 'critical',
    kind: fields.kind ?? 'host-failed',
    message: fields.message ?? 'host dc1-s01 failed: the HMC and the storage ports agree',
    subject: fields.subject ?? 'dc1-prod/dc1-s01',
    raisedAt: new Date().toISOString(),
  });
}

export interface ReceivedRequest {
  headers: IncomingHttpHeaders;
  body: string;
}

/** An HTTP server standing for a webhook receiver; `answer` gives each request's status (by arrival order, 0-based). */
export async function webhookReceiver(answer: (index: number) => number) {
  const received: ReceivedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const index = received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') }) - 1;
      const status = answer(index);
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'thanks' : 'not now');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hooks/lazarus`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * What a receiver does (README, "Verifying a webhook"): recompute HMAC-SHA256 over `<timestamp>.<raw body>` with the
 * shared secret, compare in constant time, refuse a timestamp more than 5 minutes away. Returns why it is refused.
 */
export function verifyAsReceiver(request: ReceivedRequest, secret: string, now = Date.now()): string | undefined {
  const timestamp = String(request.headers['x-lazarus-timestamp'] ?? '');
  const signature = String(request.headers['x-lazarus-signature'] ?? '');
  if (!/^\d+$/.test(timestamp)) return 'no timestamp';
  if (Math.abs(now / 1000 - Number(timestamp)) > 300) return 'timestamp too old';
  const expected = `sha256=${createHmac('sha256', secret).update(`${timestamp}.${request.body}`).digest('hex')}`;
  const [a, b] = [Buffer.from(expected), Buffer.from(signature)];
  return a.length === b.length && timingSafeEqual(a, b) ? undefined : 'bad signature';
}

/** The API's notification routes on their own express app (as api/app.ts mounts them, minus authentication). */
export async function notificationApi(store: InventoryStore) {
  const app = express();
  app.use(express.json());
  notificationRoutes(app, { store });
  app.use(errorHandler(() => undefined));
  const server = await new Promise<Server>((resolve) => {
    const listening: Server = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    async call<T = Record<string, unknown>>(method: string, path: string): Promise<{ status: number; body: T }> {
      const response = await fetch(`${base}${path}`, { method });
      return { status: response.status, body: (await response.json()) as T };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// The notification dispatcher, in the worker process: every `pollInterval` it routes new notifications to the
// configured channels, sends the rate-limit summaries whose window has ended, and sends the deliveries that are
// due, each attempt's result stored (activities/notifications/). All its state is in the database: after a crash or
// a restart, the next dispatcher picks up the pending deliveries (a delivery leased by a dead one waits for the lease
// to run out: its channel's timeout plus 30 s).
import { channelSender, type ChannelSender } from '../activities/notifications/channels.js';
import type { ChannelRouting, ClaimedDelivery, NotificationOutbox } from '../activities/notifications/outbox.js';
import type { InventoryStore } from '../activities/inventory/index.js';
import type { NotificationChannelConfig } from '../domain/config/schema.js';
import { nextAttemptAt } from '../domain/notifications/index.js';

const LEASE_MARGIN_MS = 30_000;

export interface NotificationDispatcherOptions {
  store: InventoryStore;
  /** The configuration's `notifications` (channels). */
  channels: NotificationChannelConfig[];
  log?: (line: string) => void;
  /** Milliseconds between rounds (default 1000). */
  pollInterval?: number;
  /** Deliveries sent at once per round (default 16). */
  batch?: number;
  /** Resolves `env:` credential references (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Jitter source, [0, 1) (default Math.random). */
  random?: () => number;
}

export interface RunningDispatcher {
  /** Finishes the round in progress (sends under way complete and are recorded), then stops. */
  stop(): Promise<void>;
}

/** Starts the dispatcher loop; errors of a round (a database hiccup) are logged and the next round tries again. */
export function startNotificationDispatcher(options: NotificationDispatcherOptions): RunningDispatcher {
  const log = options.log ?? ((line: string) => console.log(line));
  const dispatcher = new NotificationDispatcher(options, log);
  let stopped = false;
  let wake: (() => void) | undefined;
  const loop = (async () => {
    while (!stopped) {
      await dispatcher.round().catch((error: unknown) => log(`notifications: round failed: ${messageOf(error)}`));
      if (stopped) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, options.pollInterval ?? 1000);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  })();
  return {
    async stop() {
      stopped = true;
      wake?.();
      await loop;
    },
  };
}

/** One dispatcher's work; `round()` does one pass (exported for tests that step it). */
export class NotificationDispatcher {
  private readonly outbox: NotificationOutbox;
  private readonly routing: ChannelRouting[];
  private readonly channels: Map<string, { config: NotificationChannelConfig; send: ChannelSender }>;
  private readonly leaseMs: number;

  constructor(
    private readonly options: NotificationDispatcherOptions,
    private readonly log: (line: string) => void,
  ) {
    this.outbox = options.store.notificationOutbox();
    this.routing = options.channels.map((c) => ({
      name: c.name,
      events: c.events,
      level: c.level,
      dedupeWindow: c.dedupeWindow,
      rateLimit: c.rateLimit,
    }));
    this.channels = new Map(
      options.channels.map((config) => [
        config.name,
        { config, send: channelSender(config, { env: options.env, log }) },
      ]),
    );
    this.leaseMs = Math.max(0, ...options.channels.map((c) => c.timeout)) + LEASE_MARGIN_MS;
  }

  /** Routes what is new, summarizes held events whose window ended, sends what is due. */
  async round(): Promise<void> {
    for (;;) {
      const routed = await this.outbox.route(this.routing, new Date());
      if (routed.notifications < 100) break;
    }
    await this.outbox.summarizeHeld(this.routing, new Date());
    for (;;) {
      const now = new Date();
      const due = await this.outbox.claimDue(now, new Date(now.getTime() + this.leaseMs), this.options.batch ?? 16);
      if (due.length === 0) return;
      await Promise.all(due.map((delivery) => this.deliver(delivery)));
    }
  }

  private async deliver(delivery: ClaimedDelivery): Promise<void> {
    const channel = this.channels.get(delivery.channel);
    const attempt = delivery.attempts + 1;
    if (!channel) {
      const result = `channel ${delivery.channel} is no longer configured`;
      await this.outbox.recordAttempt(
        delivery.id,
        { at: new Date(), ok: false, result },
        { status: 'dead', reason: result },
      );
      return;
    }
    const sent = await channel
      .send({ deliveryId: delivery.id, attempt, notification: delivery.notification })
      .catch((error: unknown) => ({ ok: false, result: `send failed: ${messageOf(error)}`, retryable: true }));
    const at = new Date();
    if (sent.ok) {
      await this.outbox.recordAttempt(delivery.id, { at, ok: true, result: sent.result }, { status: 'sent' });
      return;
    }
    const next = sent.retryable
      ? nextAttemptAt(channel.config.retry, attempt, Date.parse(delivery.queuedAt), at.getTime(), this.options.random)
      : undefined;
    const reason = !sent.retryable
      ? `refused, not retried: ${sent.result}`
      : attempt >= channel.config.retry.attempts
        ? `gave up after ${attempt} attempts: ${sent.result}`
        : `gave up: the next attempt would be past maxAge (${channel.config.retry.maxAge} ms): ${sent.result}`;
    await this.outbox.recordAttempt(
      delivery.id,
      { at, ok: false, result: sent.result },
      next === undefined ? { status: 'dead', reason } : { status: 'pending', nextAttemptAt: new Date(next) },
    );
    if (next === undefined)
      this.log(
        `notifications: ${delivery.notification.kind} (notification ${delivery.notification.id}) to ` +
          `${delivery.channel} is a dead letter (delivery ${delivery.id}): ${reason}`,
      );
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// The NotificationOutbox over the inventory store's SqlDriver (SQLite or PostgreSQL, migration 003). Timestamps are
// written normalized (toISOString) so that text order is time order in SQLite too.
import {
  channelWants,
  dedupeKey,
  higherSeverity,
  NOTIFICATION_SEVERITIES,
  SUMMARY_KIND,
  summaryMessage,
  type NotificationSeverity,
} from '../../domain/notifications/index.js';
import { RowReader } from '../inventory/row-decoding.js';
import type { SqlDriver, SqlRow, SqlValue } from '../inventory/sql-driver.js';
import {
  DELIVERY_STATUSES,
  type AttemptOutcome,
  type ChannelRouting,
  type ClaimedDelivery,
  type DeadLetter,
  type Delivery,
  type DeliveryAttempt,
  type NotificationOutbox,
  type NotificationWithDeliveries,
  type OutboxNotification,
} from './outbox.js';

const ROUTING_LOCK = 'notification_routing';
const DISPATCH_LOCK = 'notification_dispatch';
/** Delivery statuses that count against a channel's rate limit: what was (or will be) sent. */
const SENDING_STATUSES = "('pending', 'sent', 'dead')";

export class SqlNotificationOutbox implements NotificationOutbox {
  constructor(private readonly db: SqlDriver) {}

  async route(
    channels: ChannelRouting[],
    now: Date,
    limit = 100,
  ): Promise<{ notifications: number; deliveries: number }> {
    const at = now.toISOString();
    // Polled every second or so: look without the write lock first.
    const [waiting] = await this.db.query('SELECT id FROM notifications WHERE routed_at IS NULL LIMIT 1');
    if (!waiting) return { notifications: 0, deliveries: 0 };
    return this.db.transaction(
      async (tx) => {
        const rows = await tx.query('SELECT * FROM notifications WHERE routed_at IS NULL ORDER BY id LIMIT ?', [limit]);
        let deliveries = 0;
        for (const row of rows) {
          const notification = toNotification(row);
          for (const channel of channels.filter((c) => channelWants(c, notification))) {
            const key = dedupeKey(notification);
            const { status, reason } = await decide(tx, channel, key, now);
            await tx.query(
              'INSERT INTO notification_deliveries (notification_id, channel, dedupe_key, status, reason, ' +
                'created_at, queued_at, attempts, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?)',
              [notification.id, channel.name, key, status, reason ?? null, at, at, status === 'pending' ? at : null],
            );
            deliveries++;
          }
          await tx.query('UPDATE notifications SET routed_at = ? WHERE id = ?', [at, notification.id]);
        }
        return { notifications: rows.length, deliveries };
      },
      { lock: ROUTING_LOCK },
    );
  }

  async summarizeHeld(channels: ChannelRouting[], now: Date): Promise<number[]> {
    const at = now.toISOString();
    const [anyHeld] = await this.db.query("SELECT id FROM notification_deliveries WHERE status = 'held' LIMIT 1");
    if (!anyHeld) return [];
    return this.db.transaction(
      async (tx) => {
        const summaries: number[] = [];
        for (const channel of channels) {
          const held = await tx.query(
            'SELECT d.id, d.created_at, n.kind, n.severity FROM notification_deliveries d ' +
              'JOIN notifications n ON n.id = d.notification_id ' +
              "WHERE d.channel = ? AND d.status = 'held' ORDER BY d.id",
            [channel.name],
          );
          if (held.length === 0) continue;
          const oldest = new RowReader('notification_deliveries', held[0]!).timestamp('created_at');
          if (Date.parse(oldest) + channel.rateLimit.window > now.getTime()) continue;
          const kinds = held.map((row) => new RowReader('notifications', row).text('kind'));
          const severity = held
            .map((row) => new RowReader('notifications', row).oneOf('severity', NOTIFICATION_SEVERITIES))
            .reduce<NotificationSeverity>(higherSeverity, 'info');
          const [summary] = await tx.query(
            'INSERT INTO notifications (severity, kind, message, raised_at, subject, routed_at) ' +
              'VALUES (?, ?, ?, ?, ?, ?) RETURNING id',
            [severity, SUMMARY_KIND, summaryMessage(channel.name, channel.rateLimit, kinds), at, channel.name, at],
          );
          const summaryId = new RowReader('notifications', summary!).integer('id');
          await tx.query(
            'INSERT INTO notification_deliveries (notification_id, channel, dedupe_key, status, created_at, ' +
              "queued_at, attempts, next_attempt_at) VALUES (?, ?, ?, 'pending', ?, ?, 0, ?)",
            [summaryId, channel.name, `summary:${summaryId}`, at, at, at],
          );
          const ids = held.map((row) => new RowReader('notification_deliveries', row).integer('id'));
          await tx.query(
            `UPDATE notification_deliveries SET status = 'summarized', reason = ?, finished_at = ? ` +
              `WHERE id IN (${placeholders(ids)})`,
            [`counted in summary notification ${summaryId}`, at, ...ids],
          );
          summaries.push(summaryId);
        }
        return summaries;
      },
      { lock: ROUTING_LOCK },
    );
  }

  async claimDue(now: Date, leaseUntil: Date, limit: number): Promise<ClaimedDelivery[]> {
    const at = now.toISOString();
    const until = leaseUntil.toISOString();
    const [anyDue] = await this.db.query(
      "SELECT id FROM notification_deliveries WHERE status = 'pending' AND next_attempt_at <= ? LIMIT 1",
      [at],
    );
    if (!anyDue) return [];
    return this.db.transaction(
      async (tx) => {
        const rows = await tx.query(
          'SELECT d.id AS delivery_id, d.channel, d.attempts, d.queued_at, n.* FROM notification_deliveries d ' +
            "JOIN notifications n ON n.id = d.notification_id WHERE d.status = 'pending' AND d.next_attempt_at <= ? " +
            'AND (d.lease_until IS NULL OR d.lease_until <= ?) ORDER BY d.next_attempt_at, d.id LIMIT ?',
          [at, at, limit],
        );
        if (rows.length === 0) return [];
        const claimed = rows.map((row) => {
          const r = new RowReader('notification_deliveries', row, String(row.delivery_id));
          return {
            id: r.integer('delivery_id'),
            channel: r.text('channel'),
            attempts: r.integer('attempts'),
            queuedAt: r.timestamp('queued_at'),
            leaseUntil: until,
            notification: toNotification(row),
          };
        });
        const ids = claimed.map((c) => c.id);
        await tx.query(`UPDATE notification_deliveries SET lease_until = ? WHERE id IN (${placeholders(ids)})`, [
          until,
          ...ids,
        ]);
        return claimed;
      },
      { lock: DISPATCH_LOCK },
    );
  }

  async recordAttempt(
    deliveryId: number,
    attempt: { at: Date; ok: boolean; result: string },
    next: AttemptOutcome,
  ): Promise<void> {
    const at = attempt.at.toISOString();
    await this.db.transaction(async (tx) => {
      await tx.query('INSERT INTO notification_attempts (delivery_id, attempted_at, ok, result) VALUES (?, ?, ?, ?)', [
        deliveryId,
        at,
        attempt.ok,
        attempt.result.slice(0, 2000),
      ]);
      await tx.query(
        'UPDATE notification_deliveries SET attempts = attempts + 1, status = ?, reason = ?, next_attempt_at = ?, ' +
          'lease_until = NULL, finished_at = ? WHERE id = ?',
        [
          next.status,
          next.status === 'dead' ? next.reason : null,
          next.status === 'pending' ? next.nextAttemptAt.toISOString() : null,
          next.status === 'pending' ? null : at,
          deliveryId,
        ],
      );
    });
  }

  async notifications(query: {
    limit: number;
    beforeId?: number;
    severity?: NotificationSeverity;
    kind?: string;
  }): Promise<NotificationWithDeliveries[]> {
    const where: string[] = [];
    const params: SqlValue[] = [];
    if (query.beforeId !== undefined) {
      where.push('id < ?');
      params.push(query.beforeId);
    }
    if (query.severity) {
      where.push('severity = ?');
      params.push(query.severity);
    }
    if (query.kind) {
      where.push('kind = ?');
      params.push(query.kind);
    }
    const rows = await this.db.query(
      `SELECT * FROM notifications ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`,
      [...params, query.limit],
    );
    const notifications = rows.map(toNotification);
    if (notifications.length === 0) return [];
    const deliveries = await this.deliveriesWhere(
      `notification_id IN (${placeholders(notifications)})`,
      notifications.map((n) => n.id),
    );
    return notifications.map((n) => ({ ...n, deliveries: deliveries.filter((d) => d.notificationId === n.id) }));
  }

  async deadLetters(query: { limit: number; beforeId?: number; channel?: string }): Promise<DeadLetter[]> {
    const where = ["status = 'dead'"];
    const params: SqlValue[] = [];
    if (query.beforeId !== undefined) {
      where.push('id < ?');
      params.push(query.beforeId);
    }
    if (query.channel) {
      where.push('channel = ?');
      params.push(query.channel);
    }
    const deliveries = await this.deliveriesWhere(`${where.join(' AND ')} ORDER BY id DESC LIMIT ?`, [
      ...params,
      query.limit,
    ]);
    if (deliveries.length === 0) return [];
    const ids = [...new Set(deliveries.map((d) => d.notificationId))];
    const rows = await this.db.query(`SELECT * FROM notifications WHERE id IN (${placeholders(ids)})`, ids);
    const byId = new Map(rows.map(toNotification).map((n) => [n.id, n]));
    return deliveries.map((d) => ({ ...d, notification: byId.get(d.notificationId)! }));
  }

  async retryDeadLetter(deliveryId: number, now: Date): Promise<'retried' | 'not-found' | 'not-dead'> {
    const at = now.toISOString();
    return this.db.transaction(
      async (tx) => {
        const [row] = await tx.query('SELECT status FROM notification_deliveries WHERE id = ?', [deliveryId]);
        if (!row) return 'not-found';
        if (row.status !== 'dead') return 'not-dead';
        await tx.query(
          "UPDATE notification_deliveries SET status = 'pending', reason = NULL, queued_at = ?, attempts = 0, " +
            'next_attempt_at = ?, ' +
            'lease_until = NULL, finished_at = NULL WHERE id = ?',
          [at, at, deliveryId],
        );
        return 'retried';
      },
      { lock: DISPATCH_LOCK },
    );
  }

  async delivery(deliveryId: number): Promise<Delivery | undefined> {
    const [delivery] = await this.deliveriesWhere('id = ?', [deliveryId]);
    return delivery;
  }

  /** Deliveries matching `condition` (SQL over notification_deliveries), each with its attempts. */
  private async deliveriesWhere(condition: string, params: SqlValue[]): Promise<Delivery[]> {
    const rows = await this.db.query(`SELECT * FROM notification_deliveries WHERE ${condition}`, params);
    if (rows.length === 0) return [];
    const deliveries = rows.map(toDelivery);
    const ids = deliveries.map((d) => d.id);
    const attempts = await this.db.query(
      `SELECT * FROM notification_attempts WHERE delivery_id IN (${placeholders(ids)}) ORDER BY id`,
      ids,
    );
    for (const row of attempts) {
      const r = new RowReader('notification_attempts', row);
      const result: DeliveryAttempt = {
        at: r.timestamp('attempted_at'),
        ok: r.boolean('ok'),
        result: r.text('result'),
      };
      deliveries.find((d) => d.id === r.integer('delivery_id'))?.results.push(result);
    }
    return deliveries;
  }
}

/** suppressed (a duplicate within the dedupe window), held (over the rate limit) or pending. */
async function decide(
  tx: SqlDriver,
  channel: ChannelRouting,
  key: string,
  now: Date,
): Promise<{ status: 'pending' | 'suppressed' | 'held'; reason?: string }> {
  if (channel.dedupeWindow > 0) {
    const [same] = await tx.query(
      'SELECT notification_id FROM notification_deliveries WHERE channel = ? AND dedupe_key = ? AND created_at > ? ' +
        "AND status <> 'suppressed' ORDER BY id DESC LIMIT 1",
      [channel.name, key, new Date(now.getTime() - channel.dedupeWindow).toISOString()],
    );
    if (same)
      return {
        status: 'suppressed',
        reason: `same event as notification ${Number(same.notification_id)} within the dedupe window`,
      };
  }
  const [count] = await tx.query(
    'SELECT COUNT(*) AS n FROM notification_deliveries WHERE channel = ? AND created_at > ? ' +
      `AND status IN ${SENDING_STATUSES}`,
    [channel.name, new Date(now.getTime() - channel.rateLimit.window).toISOString()],
  );
  if (Number(count?.n ?? 0) >= channel.rateLimit.max)
    return { status: 'held', reason: `over the rate limit of ${channel.rateLimit.max} per window` };
  return { status: 'pending' };
}

function toNotification(row: SqlRow): OutboxNotification {
  const r = new RowReader('notifications', row);
  const optional = (column: string, field: string) => {
    const value = r.optionalText(column);
    return value === undefined ? {} : { [field]: value };
  };
  const routedAt = row.routed_at === null || row.routed_at === undefined ? {} : { routedAt: r.timestamp('routed_at') };
  return {
    id: r.integer('id'),
    severity: r.oneOf('severity', NOTIFICATION_SEVERITIES),
    kind: r.text('kind'),
    message: r.text('message'),
    raisedAt: r.timestamp('raised_at'),
    ...optional('workflow_id', 'workflowId'),
    ...optional('subject', 'subject'),
    ...optional('message_key', 'key'),
    ...routedAt,
  };
}

function toDelivery(row: SqlRow): Delivery {
  const r = new RowReader('notification_deliveries', row);
  const time = (column: string) =>
    row[column] === null || row[column] === undefined ? undefined : r.timestamp(column);
  const reason = r.optionalText('reason');
  const nextAttemptAt = time('next_attempt_at');
  const finishedAt = time('finished_at');
  return {
    id: r.integer('id'),
    notificationId: r.integer('notification_id'),
    channel: r.text('channel'),
    status: r.oneOf('status', DELIVERY_STATUSES),
    ...(reason ? { reason } : {}),
    createdAt: r.timestamp('created_at'),
    queuedAt: r.timestamp('queued_at'),
    attempts: r.integer('attempts'),
    ...(nextAttemptAt ? { nextAttemptAt } : {}),
    ...(finishedAt ? { finishedAt } : {}),
    results: [],
  };
}

function placeholders(values: readonly unknown[]): string {
  return values.map(() => '?').join(', ');
}

// The notification outbox: what the store keeps so that notifications arrive. Raising a notification is one store
// call (InventoryStore.raiseNotification); the dispatcher (workers/notification-dispatcher.ts) routes each new one
// to the channels that want it — one delivery per channel: pending, suppressed (a duplicate) or held (over the rate
// limit) — sends the pending ones with retries, and keeps every attempt's result. Everything is in the database, so
// a dispatcher that crashes mid-retry resumes where it was after a restart.
import type { NotificationSeverity } from '../../domain/notifications/index.js';
import type { Notification } from '../inventory/records.js';

/**
 * pending: to be sent (now or at nextAttemptAt); sent: the channel accepted it; dead: gave up (attempts, age, or an
 * answer that will not change), listed in the dead letters; suppressed: the same event was delivered to this channel
 * within its dedupe window; held: over the channel's rate limit, waiting for the window's summary; summarized:
 * counted in a summary notification sent instead.
 */
export const DELIVERY_STATUSES = ['pending', 'sent', 'dead', 'suppressed', 'held', 'summarized'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** How a channel routes (from its configuration): durations in ms. */
export interface ChannelRouting {
  name: string;
  events?: readonly string[];
  level: NotificationSeverity;
  /** 0: no deduplication. */
  dedupeWindow: number;
  rateLimit: { max: number; window: number };
}

/** One attempt to send: when, whether the channel accepted it, and what it answered (status, SMTP reply, error). */
export interface DeliveryAttempt {
  at: string;
  ok: boolean;
  result: string;
}

export interface Delivery {
  id: number;
  notificationId: number;
  channel: string;
  status: DeliveryStatus;
  /** Why it is suppressed, held, summarized or dead. */
  reason?: string;
  createdAt: string;
  /** When its current series of attempts began: creation, or an operator's retry of a dead letter. */
  queuedAt: string;
  /** Attempts since queuedAt (an operator's retry starts a new series; `results` keeps every attempt ever made). */
  attempts: number;
  nextAttemptAt?: string;
  finishedAt?: string;
  /** Every attempt, oldest first. */
  results: DeliveryAttempt[];
}

/** A stored notification as raised (with `subject`/`key` when given) and whether it was routed yet. */
export type OutboxNotification = Notification & { routedAt?: string };
export type NotificationWithDeliveries = OutboxNotification & { deliveries: Delivery[] };
export type DeadLetter = Delivery & { notification: OutboxNotification };

/** A pending delivery handed to a dispatcher, leased to it until `leaseUntil`. */
export interface ClaimedDelivery {
  id: number;
  channel: string;
  attempts: number;
  queuedAt: string;
  leaseUntil: string;
  notification: OutboxNotification;
}

/** What follows an attempt: the delivery is done, will be tried again at `nextAttemptAt`, or is dead. */
export type AttemptOutcome =
  { status: 'sent' } | { status: 'pending'; nextAttemptAt: Date } | { status: 'dead'; reason: string };

export interface NotificationOutbox {
  /**
   * Routes up to `limit` notifications not routed yet, oldest first, to `channels`: per channel that wants one (its
   * events and level), a delivery — suppressed when the same event (domain dedupeKey) has a delivery on the channel
   * within its dedupe window, held when the channel already has rateLimit.max deliveries within the window, else
   * pending. Notifications no channel wants are marked routed too. Serialized across processes.
   */
  route(channels: ChannelRouting[], now: Date, limit?: number): Promise<{ notifications: number; deliveries: number }>;
  /**
   * For each channel whose oldest held delivery is a rate-limit window old: one summary notification (kind
   * `notification-summary`, the highest held severity, "N more events held …: 12 host-failed, …") with a pending
   * delivery on that channel only; the held deliveries become `summarized`. Returns the summaries' ids.
   */
  summarizeHeld(channels: ChannelRouting[], now: Date): Promise<number[]>;
  /**
   * Leases up to `limit` pending deliveries due at `now` (not leased by another dispatcher, or whose lease ran out:
   * its dispatcher died) until `leaseUntil`. Serialized across processes.
   */
  claimDue(now: Date, leaseUntil: Date, limit: number): Promise<ClaimedDelivery[]>;
  /** Stores one attempt's result and what follows it; the lease is released. */
  recordAttempt(
    deliveryId: number,
    attempt: { at: Date; ok: boolean; result: string },
    next: AttemptOutcome,
  ): Promise<void>;
  /** Notifications, newest first, with their deliveries and every attempt; `beforeId` pages. */
  notifications(query: {
    limit: number;
    beforeId?: number;
    severity?: NotificationSeverity;
    kind?: string;
  }): Promise<NotificationWithDeliveries[]>;
  /** Dead deliveries, newest first, each with its notification; `beforeId` (a delivery id) pages. */
  deadLetters(query: { limit: number; beforeId?: number; channel?: string }): Promise<DeadLetter[]>;
  /** Makes a dead delivery pending again now, with a fresh retry series; says why not otherwise. */
  retryDeadLetter(deliveryId: number, now: Date): Promise<'retried' | 'not-found' | 'not-dead'>;
  delivery(deliveryId: number): Promise<Delivery | undefined>;
}

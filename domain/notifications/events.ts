// The notification vocabulary shared by everything that raises or routes notifications: severities, the event kinds
// a channel may subscribe to, and the pure delivery rules (which channel wants what, backoff, the dedupe key, the
// rate-limit summary). Raising a notification of a new kind needs only its name added to NOTIFICATION_EVENTS.

/** Severities in increasing order; a channel's `level` receives its own severity and every higher one. */
export const NOTIFICATION_SEVERITIES = ['info', 'warning', 'critical'] as const;
export type NotificationSeverity = (typeof NOTIFICATION_SEVERITIES)[number];

/**
 * Every event kind Lazarus raises, the names a channel's `events:` filter accepts. Failover: started, approval
 * needed (advisory), fence failed, RTO exceeded, finished, stopped. Inventory: discovery failed, capacity shortfall.
 * Host monitoring: host failed / suspect / flapping / quarantined, an HMC unreachable, the HMC pair lost, the storage
 * system unreachable, observations failing, a failover the monitor did not start. VM and application health:
 * heartbeat lost, VM restarted, restart failed, the hourly restart limit reached, application failed. Planned
 * operations: an evacuation, a restore or a failback finished (its outcome in the message and the severity), an
 * automatic failback waiting for every LPAR's state elsewhere to be certain.
 * `notification-summary` is what the rate limit sends in place of the events it held back.
 */
export const NOTIFICATION_EVENTS = [
  'failover-started',
  'approval-needed',
  'fence-failed',
  'rto-exceeded',
  'failover-finished',
  'failover-stopped',
  'capacity-shortfall',
  'discovery-failed',
  'host-failed',
  'host-suspect',
  'host-flapping',
  'host-quarantined',
  'hmc-unreachable',
  'hmc-pair-lost',
  'storage-unreachable',
  'monitor-observation-failed',
  'failover-not-started',
  'vm-heartbeat-lost',
  'vm-restarted',
  'vm-restart-failed',
  'vm-restart-limit',
  'app-failed',
  'evacuation-finished',
  'restore-finished',
  'failback-finished',
  'failback-waiting',
  'notification-summary',
] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

/** The kind of the notification the rate limit sends at the end of a window instead of the events it held. */
export const SUMMARY_KIND: NotificationEvent = 'notification-summary';

/** true when `severity` is `level` or above (info < warning < critical). */
export function meetsLevel(severity: NotificationSeverity, level: NotificationSeverity): boolean {
  return NOTIFICATION_SEVERITIES.indexOf(severity) >= NOTIFICATION_SEVERITIES.indexOf(level);
}

/** The higher of two severities. */
export function higherSeverity(a: NotificationSeverity, b: NotificationSeverity): NotificationSeverity {
  return meetsLevel(a, b) ? a : b;
}

/** What a channel subscribes to: kinds (all when absent) and the lowest severity it receives. */
export interface ChannelFilter {
  events?: readonly string[];
  level: NotificationSeverity;
}

/** Whether a channel wants a notification: its kind in `events` (when given) and its severity at `level` or above. */
export function channelWants(
  channel: ChannelFilter,
  notification: { kind: string; severity: NotificationSeverity },
): boolean {
  if (channel.events && !channel.events.includes(notification.kind)) return false;
  return meetsLevel(notification.severity, channel.level);
}

/**
 * The identity of "the same event" for deduplication: kind, subject (e.g. `dc1-prod/dc1-s01`; the workflow id when no
 * subject is given) and the message key (the message itself unless the raiser gives a stabler `key`).
 */
export function dedupeKey(notification: {
  kind: string;
  subject?: string;
  workflowId?: string;
  key?: string;
  message: string;
}): string {
  return JSON.stringify([
    notification.kind,
    notification.subject ?? notification.workflowId ?? '',
    notification.key ?? notification.message,
  ]);
}

/** Retry settings of a channel, in milliseconds. */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  initialDelay: number;
  maxDelay: number;
  /** After this long since the delivery was queued, it is not tried again: it goes to the dead letters. */
  maxAge: number;
}

/**
 * Milliseconds to wait after failed attempt number `attempt` (1-based): exponential (initialDelay × 2^(attempt−1),
 * capped at maxDelay) with "equal jitter" — half fixed, half random — so that the deliveries failed by one outage
 * do not all retry at the same instant. `random` returns [0, 1).
 */
export function retryDelay(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const exponential = Math.min(policy.maxDelay, policy.initialDelay * 2 ** Math.min(attempt - 1, 30));
  return Math.round(exponential / 2 + random() * (exponential / 2));
}

/**
 * After failed attempt `attempt` of a delivery queued at `queuedAt` (ms since the epoch): when to try again, or
 * `undefined` when it goes to the dead letters (attempts used up, or the next try would fall after maxAge).
 */
export function nextAttemptAt(
  policy: RetryPolicy,
  attempt: number,
  queuedAt: number,
  now: number,
  random: () => number = Math.random,
): number | undefined {
  if (attempt >= policy.attempts) return undefined;
  const at = now + retryDelay(policy, attempt, random);
  return at - queuedAt > policy.maxAge ? undefined : at;
}

/**
 * The message of a rate-limit summary: "17 more events held by the rate limit of ops-mail (20 per 5m): 12
 * host-failed, 5 vm-heartbeat-lost", kinds by decreasing count then name.
 */
export function summaryMessage(channel: string, limit: { max: number; window: number }, kinds: string[]): string {
  const counts = new Map<string, number>();
  for (const kind of kinds) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  const parts = [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([kind, count]) => `${count} ${kind}`);
  const noun = kinds.length === 1 ? 'event' : 'events';
  const limitText = `${limit.max} per ${formatMs(limit.window)}`;
  return `${kinds.length} more ${noun} held by the rate limit of ${channel} (${limitText}): ${parts.join(', ')}`;
}

function formatMs(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

// The CLI verbs of host monitoring, VM health and notifications: `maintenance on|off <host>`, `query monitor <group>`,
// `query detections <group>`, `query health <vm>`, `query notification` (and its dead letters), `retry-notification`.
// Each is one call to the route of api/monitoring-routes.ts, api/agent-routes.ts or api/notification-routes.ts.
import type { Command } from 'commander';
import type { CommandContext } from './commands.js';
import { CliError, EXIT } from './errors.js';
import { anyText, fields, table } from './render.js';

const GROUP_HINT = 'host groups are listed by `lazarus query host` (GROUP column)';

export function addMonitoringCommands(program: Command, query: Command, context: CommandContext): void {
  query
    .command('monitor')
    .argument('<group>', 'the host group')
    .description("a host group's monitor: each host's verdict and why, streaks, quarantine, unreachable devices")
    .action(async (group: string, _opts, command: Command) => {
      const { client, print } = context(command);
      const view = await client.get<MonitorView>(`/v1/groups/${encodeURIComponent(group)}/monitor`, {
        notFoundHint: GROUP_HINT,
      });
      print(view, () =>
        [
          fields([
            ['monitor', view.workflowId],
            ['observations', view.observations],
            ['last observation', view.lastObservedAt],
            ['unreachable HMCs', view.unreachableHmcs.length > 0 ? view.unreachableHmcs : 'none'],
            ...(view.storageReachable === undefined
              ? []
              : ([['storage reachable', view.storageReachable]] as Array<[string, unknown]>)),
          ]),
          table(
            ['HOST', 'VERDICT', 'FAILING STREAK', 'QUARANTINED UNTIL', 'MAINTENANCE', 'LAST OBSERVED', 'WHY'],
            view.hosts.map((h) => [
              h.host,
              h.verdict,
              h.consecutive,
              h.quarantinedUntil,
              h.maintenance ? (typeof h.maintenance === 'object' ? h.maintenance.reason : 'yes') : 'no',
              h.lastObservedAt,
              h.reason,
            ]),
          ),
        ].join('\n'),
      );
    });

  query
    .command('detections')
    .argument('<group>', 'the host group')
    .description('host failures the monitor of a group confirmed, newest first, and what it did about each')
    .option('--limit <n>', 'how many (1-1000)', '50')
    .action(async (group: string, opts: { limit: string }, command: Command) => {
      const { client, print } = context(command);
      const answer = await client.get<{ detections: Detection[] }>(
        `/v1/groups/${encodeURIComponent(group)}/detections?limit=${encodeURIComponent(opts.limit)}`,
        { notFoundHint: GROUP_HINT },
      );
      print(answer, () =>
        answer.detections.length === 0
          ? `no confirmed host failure in ${group}`
          : table(
              ['HOST', 'VERDICT', 'FIRST FAILING', 'CONFIRMED', 'ACTION', 'FAILOVER', 'WHY'],
              answer.detections.map((d) => [
                d.host,
                d.verdict,
                d.firstBadAt,
                d.confirmedAt,
                d.mode ? `${d.action} (${d.mode})` : d.action,
                d.failoverId,
                d.reason,
              ]),
            ),
      );
    });

  query
    .command('health')
    .argument('<vm>', 'the VM (LPAR)')
    .description("a VM's health as its agent reports it: last heartbeat, applications, restarts")
    .action(async (vm: string, _opts, command: Command) => {
      const { client, print } = context(command);
      const health = await client.get<Record<string, unknown>>(`/v1/vms/${encodeURIComponent(vm)}/health`, {
        notFoundHint: 'VMs are listed by `lazarus query vm`',
      });
      print(health, () => anyText(health));
    });

  query
    .command('notification')
    .alias('notifications')
    .description('notifications raised, newest first, with each channel delivery; --dead-letters: failed deliveries')
    .option('--severity <severity>', 'only this severity')
    .option('--kind <kind>', 'only this kind (e.g. host-failed)')
    .option('--dead-letters', 'the deliveries that gave up, instead')
    .option('--channel <channel>', 'with --dead-letters: only this channel')
    .option('--limit <n>', 'how many', '20')
    .option('--cursor <cursor>', 'the next page (printed under a full page)')
    .action(async (opts: NotificationOptions, command: Command) => {
      const { client, print } = context(command);
      const params = new URLSearchParams({ limit: opts.limit });
      const keys = opts.deadLetters ? (['channel', 'cursor'] as const) : (['severity', 'kind', 'cursor'] as const);
      for (const key of keys) if (opts[key]) params.set(key, opts[key]);
      const more = (cursor?: string) =>
        cursor
          ? [`more: lazarus query notification${opts.deadLetters ? ' --dead-letters' : ''} --cursor ${cursor}`]
          : [];
      if (opts.deadLetters) {
        const page = await client.get<{ deadLetters: DeadLetter[]; nextCursor?: string }>(
          `/v1/notifications/dead-letters?${params}`,
        );
        print(page, () =>
          [
            page.deadLetters.length === 0
              ? 'no dead letters'
              : table(
                  ['DELIVERY', 'CHANNEL', 'ATTEMPTS', 'LAST RESULT', 'NOTIFICATION'],
                  page.deadLetters.map((d) => [
                    d.id,
                    d.channel,
                    d.attempts,
                    d.lastResult?.result ?? d.reason,
                    `${d.notification.kind}: ${d.notification.message}`,
                  ]),
                ),
            ...(page.deadLetters.length > 0 ? ['resend one: lazarus retry-notification <DELIVERY>'] : []),
            ...more(page.nextCursor),
          ].join('\n'),
        );
        return;
      }
      const page = await client.get<{ notifications: NotificationView[]; nextCursor?: string }>(
        `/v1/notifications?${params}`,
      );
      print(page, () =>
        [
          page.notifications.length === 0
            ? 'no notifications'
            : table(
                ['ID', 'RAISED', 'SEVERITY', 'KIND', 'MESSAGE', 'DELIVERIES'],
                page.notifications.map((n) => [
                  n.id,
                  n.raisedAt,
                  n.severity,
                  n.kind,
                  n.message,
                  n.deliveries.map((d) => `${d.channel} ${d.status}`).join(', ') ||
                    (n.routed ? 'none' : 'not routed yet'),
                ]),
              ),
          ...more(page.nextCursor),
        ].join('\n'),
      );
    });

  program
    .command('retry-notification')
    .argument('<delivery>', 'the dead letter (DELIVERY of `lazarus query notification --dead-letters`)')
    .description('send a dead-lettered notification delivery again')
    .action(async (delivery: string, _opts, command: Command) => {
      const { client, print } = context(command);
      if (!/^[1-9]\d*$/.test(delivery))
        throw new CliError(
          `${delivery} is not a delivery id`,
          EXIT.usage,
          'delivery ids are numbers (DELIVERY column)',
        );
      const answer = await client.post<{ id: number; status: string }>(
        `/v1/notifications/dead-letters/${delivery}/retry`,
        { notFoundHint: 'dead letters are listed by `lazarus query notification --dead-letters`' },
      );
      print(answer, () => `delivery ${answer.id}: ${answer.status}`);
    });

  program
    .command('maintenance')
    .argument('<on|off>', 'on: the monitor records a failure of the host but never fails it over; off: it does again')
    .argument('<host>', 'the host (managed system)')
    .description('put a host into maintenance or take it out')
    .option('--note <text>', 'why (required with on), e.g. "DIMM swap, change 4711"')
    .action(async (state: string, host: string, opts: { note?: string }, command: Command) => {
      if (state !== 'on' && state !== 'off')
        throw new CliError(`maintenance takes on or off, not ${state}`, EXIT.usage, 'lazarus maintenance on dc1-s01');
      if (state === 'on' && !opts.note?.trim())
        throw new CliError('maintenance on needs --note saying why', EXIT.usage, 'e.g. --note "DIMM swap"');
      const { client, print } = context(command);
      const path = `/v1/hosts/${encodeURIComponent(host)}/maintenance`;
      const hint = { notFoundHint: 'hosts are listed by `lazarus query host`' };
      const answer =
        state === 'on'
          ? await client.request<Maintenance>('PUT', path, { ...hint, body: { reason: opts.note } })
          : await client.request<Maintenance>('DELETE', path, hint);
      print(answer, () =>
        state === 'on'
          ? `${host}: in maintenance since ${answer.since} (${answer.reason}, by ${answer.by})`
          : `${host}: out of maintenance; the monitor acts on its failures again`,
      );
    });
}

interface MonitorView {
  workflowId: string;
  observations: number;
  lastObservedAt?: string;
  unreachableHmcs: string[];
  storageReachable?: boolean;
  hosts: Array<{
    host: string;
    verdict?: string;
    reason?: string;
    consecutive: number;
    quarantinedUntil?: string;
    lastObservedAt?: string;
    maintenance?: boolean | { reason: string };
  }>;
}

interface Detection {
  host: string;
  verdict: string;
  firstBadAt: string;
  confirmedAt: string;
  action: string;
  failoverId?: string;
  mode?: string;
  reason: string;
}

interface NotificationOptions {
  severity?: string;
  kind?: string;
  deadLetters?: boolean;
  channel?: string;
  limit: string;
  cursor?: string;
}

interface Delivery {
  id: number;
  channel: string;
  status: string;
  reason?: string;
  attempts: number;
  lastResult?: { at: string; ok: boolean; result: string };
}

interface NotificationView {
  id: number;
  severity: string;
  kind: string;
  message: string;
  raisedAt: string;
  routed: boolean;
  deliveries: Delivery[];
}

type DeadLetter = Delivery & { notification: Omit<NotificationView, 'deliveries'> };

interface Maintenance {
  host: string;
  reason?: string;
  by?: string;
  since?: string;
}

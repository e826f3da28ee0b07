// Prometheus metrics at GET /metrics (prom-client): API requests, failovers by outcome with RTO and LPAR step-duration
// histograms (derived from the stored reports, so they survive restarts and cover runs of every worker), host
// monitor detections, notification deliveries by status (the outbox), and the device command metrics the
// activities of this process record (activities/metrics.ts).
//
// Who may read it: loopback callers without a token (a Prometheus beside the process), anyone else with a token of
// any role (viewer or above), 401 otherwise — the figures name hosts and devices, so they are not public.
import type express from 'express';
import { Counter, Histogram, Gauge, Registry } from 'prom-client';
import { activityMetrics } from '../activities/metrics.js';
import type { InventoryStore } from '../activities/inventory/index.js';
import type { LazarusConfig } from '../domain/config/index.js';
import { authenticate, type ApiToken } from './access.js';
import { ApiError } from './errors.js';
import { asyncRoute } from './routing.js';

/** How many of the newest stored records each scrape reads (reports, detections per group, notifications). */
export const METRICS_WINDOW = 500;

/** Report outcomes in which LPARs were restarted, so an RTO was measured. */
const RESTART_OUTCOMES = new Set(['succeeded', 'partial', 'failed']);

interface StoredFailoverReport {
  outcome?: string;
  rtoMs?: number;
  withinBudget?: boolean;
  lpars?: Array<{ timings?: Record<string, number> }>;
}

export interface ApiMetrics {
  registry: Registry;
  /** Counts every request by method, route pattern (never the raw path: ids would explode the label set), status. */
  requests: express.RequestHandler;
  /** Reads the store and brings the derived metrics up to date; called by each scrape. */
  refresh(): Promise<void>;
  /**
   * Mounts GET /metrics: callers for whom `isLocal` holds (default: a loopback peer address) need no token, others a
   * token of any role (401 `unauthorized` otherwise).
   */
  mount(app: express.Express, tokens: readonly ApiToken[], isLocal?: (req: express.Request) => boolean): void;
}

export function createApiMetrics(options: { store: InventoryStore; config: LazarusConfig }): ApiMetrics {
  const registry = new Registry();
  const registers = [registry];
  const requestsTotal = new Counter({
    name: 'lazarus_api_requests_total',
    help: 'HTTP API requests by method, route pattern and status code',
    labelNames: ['method', 'route', 'status'] as const,
    registers,
  });
  const failovers = new Counter({
    name: 'lazarus_failovers_total',
    help: 'Finished host failovers (stored reports) by outcome',
    labelNames: ['group', 'outcome'] as const,
    registers,
  });
  const rto = new Histogram({
    name: 'lazarus_failover_rto_seconds',
    help: 'RTO of failovers that restarted LPARs (detection to the last LPAR running), by whether within budget',
    labelNames: ['group', 'within_budget'] as const,
    buckets: [30, 60, 120, 300, 600, 900, 1200, 1800, 3600, 7200],
    registers,
  });
  const stepSeconds = new Histogram({
    name: 'lazarus_failover_lpar_step_seconds',
    help: 'Time an LPAR spent in each restart step (mapping, vios, activating, waiting-running) during failovers',
    labelNames: ['step'] as const,
    buckets: [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
    registers,
  });
  const detections = new Counter({
    name: 'lazarus_host_detections_total',
    help: 'Host failures the host monitors confirmed, by group, verdict and the action taken',
    labelNames: ['group', 'verdict', 'action'] as const,
    registers,
  });
  const deliveries = new Gauge({
    name: 'lazarus_notification_deliveries',
    help: `Deliveries of the newest ${METRICS_WINDOW} notifications by channel and status (sent, dead, pending, ...)`,
    labelNames: ['channel', 'status'] as const,
    registers,
  });
  const attempts = new Gauge({
    name: 'lazarus_notification_attempts',
    help: `Delivery attempts for the newest ${METRICS_WINDOW} notifications by channel and result (ok, failed)`,
    labelNames: ['channel', 'result'] as const,
    registers,
  });

  // What was already counted: the keys of the last window read (a record that left the window is never read again).
  let seenReports = new Set<string>();
  let seenDetections = new Set<string>();

  const refresh = async () => {
    const reports = await options.store.recentRecoveryReports(METRICS_WINDOW);
    const reportKeys = new Set<string>();
    for (const stored of reports) {
      if (stored.kind !== 'host-failover') continue;
      const key = `${stored.workflowId}\n${stored.runId}`;
      reportKeys.add(key);
      if (seenReports.has(key)) continue;
      countReport(stored.group, stored.outcome, stored.report as StoredFailoverReport);
    }
    seenReports = reportKeys;

    const detectionKeys = new Set<string>();
    for (const group of options.config.hostGroups) {
      for (const detection of await options.store.hostMonitoring().detections(group.name, METRICS_WINDOW)) {
        const key = `${detection.group}\n${detection.host}\n${detection.firstBadAt}`;
        detectionKeys.add(key);
        if (!seenDetections.has(key))
          detections.inc({ group: detection.group, verdict: detection.verdict, action: detection.action });
      }
    }
    seenDetections = detectionKeys;

    deliveries.reset();
    attempts.reset();
    const notifications = await options.store.notificationOutbox().notifications({ limit: METRICS_WINDOW });
    for (const notification of notifications)
      for (const delivery of notification.deliveries) {
        deliveries.inc({ channel: delivery.channel, status: delivery.status });
        for (const attempt of delivery.results)
          attempts.inc({ channel: delivery.channel, result: attempt.ok ? 'ok' : 'failed' });
      }
  };

  const countReport = (group: string, outcome: string, report: StoredFailoverReport) => {
    failovers.inc({ group, outcome });
    if (RESTART_OUTCOMES.has(outcome) && typeof report.rtoMs === 'number' && report.rtoMs > 0)
      rto.observe({ group, within_budget: String(report.withinBudget === true) }, report.rtoMs / 1000);
    for (const lpar of report.lpars ?? [])
      for (const [step, seconds] of stepDurations(lpar.timings ?? {})) stepSeconds.observe({ step }, seconds);
  };

  return {
    registry,
    refresh,
    requests(req, res, next) {
      res.on('finish', () => {
        const pattern = (req.route as { path?: unknown } | undefined)?.path;
        const route = typeof pattern === 'string' ? `${req.baseUrl}${pattern}` : 'unmatched';
        requestsTotal.inc({ method: req.method, route, status: String(res.statusCode) });
      });
      next();
    },
    mount(app, tokens, isLocal = (req) => isLoopback(req.socket.remoteAddress)) {
      const viewerOrAbove = authenticate(tokens);
      // The series name every tenant's devices: a tenant-scoped token gets 404 (as for any route not its own, see
      // api/access.ts), and on a shared recovery site (dr.tenants) loopback needs a provider's token too.
      const shared = (options.config.dr?.tenants.length ?? 0) > 0;
      const providerOnly: express.RequestHandler = (req, res, next) =>
        viewerOrAbove(req, res, (err?: unknown) => {
          if (err) return next(err);
          if (res.locals.tenant !== undefined) return next(new ApiError(404, 'not_found', `no route GET ${req.path}`));
          next();
        });
      app.get(
        '/metrics',
        (req, res, next) =>
          isLocal(req) && !shared && req.get('authorization') === undefined ? next() : providerOnly(req, res, next),
        asyncRoute(async (_req, res) => {
          await refresh();
          const merged = Registry.merge([registry, activityMetrics]);
          res.type(merged.contentType).send(await merged.metrics());
        }),
      );
    },
  };
}

/**
 * Seconds spent in each step an LPAR went through: `timings` holds the milliseconds since the failover's start at
 * which each step was reached; a step lasts until the next one reached. `pending` (waiting for its turn in the
 * stream) and final steps have no duration of their own here.
 */
export function stepDurations(timings: Record<string, number>): Array<[string, number]> {
  const reached = Object.entries(timings)
    .filter(([, at]) => typeof at === 'number' && Number.isFinite(at))
    .sort((a, b) => a[1] - b[1]);
  const durations: Array<[string, number]> = [];
  for (let i = 0; i + 1 < reached.length; i++) {
    const [step, at] = reached[i]!;
    if (step === 'pending') continue;
    durations.push([step, Math.max(0, reached[i + 1]![1] - at) / 1000]);
  }
  return durations;
}

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6 addresses. */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4 === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

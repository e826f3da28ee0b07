// /metrics in process: figures derived from the store (failovers by outcome, RTO and step histograms, detections,
// notification deliveries) counted once each, device command metrics, request counts by route pattern, and who may
// read it (loopback without a token; others with a token).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import { openSqliteStore, type InventoryStore, type RecoveryReport } from '../../activities/inventory/index.js';
import { measureDeviceCommand } from '../../activities/metrics.js';
import { DeviceError } from '../../activities/ssh/device-errors.js';
import { createApiMetrics, isLoopback, stepDurations } from '../../api/metrics.js';
import { parseConfigText, type LazarusConfig } from '../../domain/config/index.js';

const EXAMPLE_CONFIG = new URL('../../examples/lazarus.yaml', import.meta.url).pathname;
const TOKEN = { name: 'prometheus', token: 'metrics-reader-token-0123456789', role: 'viewer' as const };

function report(workflowId: string, runId: string, outcome: RecoveryReport['outcome'], rtoMs: number) {
  return {
    workflowId,
    runId,
    kind: 'host-failover',
    group: 'dc1-prod',
    startedAt: '2026-11-30T01:00:00.000Z',
    finishedAt: '2026-11-30T01:05:00.000Z',
    outcome,
    report: {
      outcome,
      rtoMs,
      withinBudget: rtoMs < 1_800_000,
      lpars: [
        { lpar: 'dc1-db01', timings: { pending: 0, mapping: 2_000, vios: 5_000, activating: 6_000, running: 36_000 } },
      ],
    },
  };
}

describe('metrics', () => {
  let dir: string;
  let store: InventoryStore;
  let config: LazarusConfig;
  let server: Server;
  let url: string;
  let remote = false;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lazarus-metrics-'));
    store = await openSqliteStore(join(dir, 'lazarus.db'));
    config = parseConfigText(readFileSync(EXAMPLE_CONFIG, 'utf8'), EXAMPLE_CONFIG);
    const metrics = createApiMetrics({ store, config });
    const app = express();
    app.use(metrics.requests);
    metrics.mount(app, [TOKEN], () => !remote);
    app.get('/v1/things/:id', (_req, res) => void res.json({}));
    app.use(
      ((err, _req, res, _next) =>
        void res.status(err.status ?? 500).json({ code: err.code })) as express.ErrorRequestHandler,
    );
    server = await new Promise<Server>((resolve) => {
      const listening: Server = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });

  after(async () => {
    if (server) await new Promise((resolve) => server.close(resolve));
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const scrape = async () => {
    const response = await fetch(`${url}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
    return response.text();
  };

  it('counts each stored failover report once, with its RTO and the time its LPARs spent in each step', async () => {
    await store.saveRecoveryReport(report('failover/dc1-prod/dc1-s01', 'run-1', 'succeeded', 120_000));
    let text = await scrape();
    assert.match(text, /lazarus_failovers_total\{group="dc1-prod",outcome="succeeded"\} 1\n/);
    assert.match(text, /lazarus_failover_rto_seconds_sum\{group="dc1-prod",within_budget="true"\} 120\n/);
    assert.match(text, /lazarus_failover_lpar_step_seconds_sum\{step="activating"\} 30\n/);
    assert.match(text, /lazarus_failover_lpar_step_seconds_sum\{step="mapping"\} 3\n/);

    text = await scrape();
    assert.match(text, /lazarus_failovers_total\{group="dc1-prod",outcome="succeeded"\} 1\n/, 'not counted twice');
    await store.saveRecoveryReport(report('failover/dc1-prod/dc1-s01', 'run-2', 'partial', 2_000_000));
    await store.saveRecoveryReport(report('failover/dc1-prod/dc1-s02', 'run-3', 'rejected', 0));
    text = await scrape();
    assert.match(text, /lazarus_failovers_total\{group="dc1-prod",outcome="succeeded"\} 1\n/);
    assert.match(text, /lazarus_failovers_total\{group="dc1-prod",outcome="partial"\} 1\n/);
    assert.match(text, /lazarus_failovers_total\{group="dc1-prod",outcome="rejected"\} 1\n/);
    assert.match(text, /lazarus_failover_rto_seconds_count\{group="dc1-prod",within_budget="false"\} 1\n/);
    assert.doesNotMatch(text, /lazarus_failover_rto_seconds_count\{[^}]*\} 3/, 'a rejected failover has no RTO');
  });

  it('counts detections and the outbox deliveries by channel and status', async () => {
    await store.hostMonitoring().recordDetection({
      group: 'dc1-prod',
      host: 'dc1-s03',
      firstBadAt: '2026-11-30T01:00:00.000Z',
      confirmedAt: '2026-11-30T01:00:20.000Z',
      verdict: 'failed',
      action: 'failover-advisory',
      failoverId: 'failover/dc1-prod/dc1-s03',
      mode: 'advisory',
      reason: 'both HMCs say Error',
      monitorId: 'monitor/dc1-prod',
    });
    await store.raiseNotification({
      severity: 'critical',
      kind: 'host-failed',
      message: 'dc1-s03 failed',
      raisedAt: new Date().toISOString(),
    });
    const outbox = store.notificationOutbox();
    const channel = {
      name: 'ops-log',
      level: 'info' as const,
      dedupeWindow: 0,
      rateLimit: { max: 100, window: 60_000 },
    };
    await outbox.route([channel], new Date());
    const [claimed] = await outbox.claimDue(new Date(), new Date(Date.now() + 60_000), 10);
    assert.ok(claimed);
    await outbox.recordAttempt(
      claimed.id,
      { at: new Date(), ok: false, result: 'refused' },
      { status: 'dead', reason: 'refused' },
    );
    const text = await scrape();
    assert.match(
      text,
      /lazarus_host_detections_total\{group="dc1-prod",verdict="failed",action="failover-advisory"\} 1\n/,
    );
    assert.match(text, /lazarus_notification_deliveries\{channel="ops-log",status="dead"\} 1\n/);
    assert.match(text, /lazarus_notification_attempts\{channel="ops-log",result="failed"\} 1\n/);
  });

  it('records device command latency by result and errors by kind', async () => {
    await measureDeviceCommand('hmc-test', async () => ({ exitCode: 0 }));
    await measureDeviceCommand('hmc-test', async () => ({ exitCode: 1 }));
    await assert.rejects(
      measureDeviceCommand('hmc-test', async () => {
        throw new DeviceError('timeout', 'hmc-test', 'no answer in 120 s', true);
      }),
      /no answer/,
    );
    const text = await scrape();
    for (const result of ['ok', 'exit-nonzero', 'error'])
      assert.match(
        text,
        new RegExp(`lazarus_device_command_seconds_count\\{device="hmc-test",result="${result}"\\} 1\\n`),
      );
    assert.match(text, /lazarus_device_command_errors_total\{device="hmc-test",kind="timeout"\} 1\n/);
    assert.match(text, /lazarus_device_commands_in_flight\{device="hmc-test"\} 0\n/);
  });

  it('counts API requests by route pattern, never by the raw path', async () => {
    await fetch(`${url}/v1/things/a%2Fb`);
    await fetch(`${url}/v1/things/c`);
    const text = await scrape();
    assert.match(text, /lazarus_api_requests_total\{method="GET",route="\/v1\/things\/:id",status="200"\} 2\n/);
    assert.doesNotMatch(text, /a%2Fb/);
  });

  it('answers a remote caller only with a token', async () => {
    remote = true;
    try {
      assert.equal((await fetch(`${url}/metrics`)).status, 401);
      const withToken = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${TOKEN.token}` } });
      assert.equal(withToken.status, 200);
    } finally {
      remote = false;
    }
    assert.equal(isLoopback('127.0.0.1'), true);
    assert.equal(isLoopback('::ffff:127.0.0.9'), true);
    assert.equal(isLoopback('::1'), true);
    assert.equal(isLoopback('10.0.0.5'), false);
    assert.equal(isLoopback('::ffff:10.0.0.5'), false);
    assert.equal(isLoopback(undefined), false);
  });

  it('derives step durations from the times each step was reached', () => {
    assert.deepEqual(stepDurations({ running: 9_000, pending: 0, mapping: 1_000, activating: 4_000 }), [
      ['mapping', 3],
      ['activating', 5],
    ]);
  });
});

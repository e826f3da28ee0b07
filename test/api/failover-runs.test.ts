// The HTTP API's failover and inventory routes in process: the devserver with a stand-in hostFailover workflow
// (fixtures/stub-failover.ts) and a SQLite store, no devices. Which ids the :id routes accept, every run with its
// own report (?runId=), the paged list of runs, a live elapsedMs, override-fence only while the fence is blocked,
// malformed paths, and hosts and LPARs with the age and source of what is known.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { openSqliteStore, type InventoryStore } from '../../activities/inventory/index.js';
import { createApi } from '../../api/app.js';
import type { LazarusConfig } from '../../domain/config/index.js';
import { sampleSnapshot } from '../inventory/fixtures.js';
import { ConformanceServer, eventually, uniqueTaskQueue, type BackgroundWorker } from '../support/temporal.js';
import { finishSignal, type StubFailoverInput } from './fixtures/stub-failover.js';

const STUB = new URL('./fixtures/stub-failover.ts', import.meta.url).pathname;
// Only hostGroups matters to these routes (starting a failover, which needs the rest, is tested in api.test.ts);
// createApi also reads the agent tokens.
const config = {
  hostGroups: [
    { name: 'prod-a', hosts: ['cec-1', 'cec-2'] },
    { name: 'prod-b', hosts: ['cec-7', 'cec-8'] },
  ],
  agents: { tokens: [] },
} as unknown as LazarusConfig;
const TOKEN = 'runs-test-token-0123456789';

describe('failover runs and inventory over HTTP (devserver, stand-in workflow)', () => {
  let server: ConformanceServer;
  let worker: BackgroundWorker;
  let store: InventoryStore;
  let http: Server;
  let base: string;
  let dir: string;
  const taskQueue = uniqueTaskQueue('api-runs');

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lazarus-api-runs-'));
    store = await openSqliteStore(join(dir, 'lazarus.db'));
    server = await ConformanceServer.start();
    worker = await server.startBackgroundWorker(taskQueue, {
      workflowBundle: undefined,
      workflowsPath: STUB,
      activities: {},
    });
    const app = createApi({ client: server.client, config, store, tokens: [TOKEN], log: () => undefined, taskQueue });
    http = await new Promise<Server>((resolve) => {
      const listening: Server = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    base = `http://127.0.0.1:${(http.address() as { port: number }).port}`;
  });

  after(async () => {
    if (http) await new Promise((resolve) => http.close(resolve));
    await worker?.stop();
    await server?.stop();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${TOKEN}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const path = (id: string, rest = '') => `/v1/failovers/${encodeURIComponent(id)}${rest}`;
  const start = (id: string, input: Partial<StubFailoverInput> = {}) =>
    server.client.workflow.start('hostFailover', {
      taskQueue,
      workflowId: id,
      workflowIdConflictPolicy: 'FAIL',
      args: [{ group: 'prod-a', host: 'cec-1', phase: 'execute', ...input }],
    });
  const finished = async (
    handle: WorkflowHandleWithFirstExecutionRunId,
    outcome: 'succeeded' | 'partial',
    minute: number,
  ) => {
    await handle.signal(finishSignal);
    await handle.result();
    const at = (m: number) => `2026-11-29T10:${String(m).padStart(2, '0')}:00.000Z`;
    await store.saveRecoveryReport({
      workflowId: handle.workflowId,
      runId: handle.firstExecutionRunId,
      kind: 'host-failover',
      group: 'prod-a',
      startedAt: at(minute),
      finishedAt: at(minute + 1),
      outcome,
      report: { outcome, run: handle.firstExecutionRunId },
    });
  };

  it('answers ids that are not failovers with a clear 404, and a malformed path with 400, never a 500', async () => {
    const cases: Array<[string, number, string, RegExp]> = [
      [
        path('failover/prod-a/cec-1/round-1/stream/cec-2'),
        404,
        'not_a_failover',
        /is a destination stream of failover\/prod-a\/cec-1/,
      ],
      [path('failover/prod-a/cec-1/round-1/stream/cec-2', '/cancel'), 404, 'not_a_failover', /destination stream/],
      [path('dry-run/prod-a/cec-1/0b5f0d7e'), 404, 'not_a_failover', /is a dry run/],
      [path('discovery-prod-a-1'), 404, 'not_a_failover', /failover ids are failover\/<group>\/<host>/],
      [path('failover/prod-z/cec-1'), 404, 'unknown_group', /host group prod-z is not in the configuration/],
      [path('failover/prod-a/cec-9'), 404, 'unknown_host', /host cec-9 is not in host group prod-a/],
      [path('failover/prod-a/cec-2'), 404, 'not_found', /no failover failover\/prod-a\/cec-2 has run yet/],
      ['/v1/failovers/%', 400, 'invalid_path', /not valid percent-encoding/],
      ['/v1/failovers/%zz', 400, 'invalid_path', /not valid percent-encoding/],
      ['/v1/failovers/%c0%af', 400, 'invalid_path', /not valid percent-encoding/],
      ['/v1/failovers/%zz/approve', 400, 'invalid_path', /not valid percent-encoding/],
    ];
    for (const [url, status, code, message] of cases) {
      const method = url.endsWith('/cancel') || url.endsWith('/approve') ? 'POST' : 'GET';
      const answer = await call(method, url, method === 'POST' ? { by: 'erin' } : undefined);
      assert.deepEqual(
        [answer.status, answer.body.code],
        [status, code],
        `${method} ${url}: ${JSON.stringify(answer.body)}`,
      );
      assert.match(String(answer.body.message), message, url);
    }
  });

  it(
    "keeps every run's report: the latest by default, any run by ?runId=, a clear 404 for a run that is not there",
    { timeout: 60_000 },
    async () => {
      const id = 'failover/prod-a/cec-1';
      const first = await start(id);
      await finished(first, 'succeeded', 0);
      const second = await start(id);
      await finished(second, 'partial', 10);
      const latest = await call('GET', path(id));
      assert.deepEqual(latest.body, {
        id,
        runId: second.firstExecutionRunId,
        status: 'completed',
        report: { outcome: 'partial', run: second.firstExecutionRunId },
      });
      const earlier = await call('GET', path(id, `?runId=${first.firstExecutionRunId}`));
      assert.deepEqual(
        earlier.body.report,
        { outcome: 'succeeded', run: first.firstExecutionRunId },
        'the second run did not overwrite the first',
      );
      const missing = await call('GET', path(id, '?runId=00000000-0000-4000-8000-000000000000'));
      assert.deepEqual(
        [missing.status, missing.body.message],
        [404, `failover ${id} has no run 00000000-0000-4000-8000-000000000000`],
      );
      const malformed = await call('GET', path(id, '?runId=latest'));
      assert.deepEqual([malformed.status, malformed.body.code], [400, 'invalid_request']);
      assert.match(String(malformed.body.message), /runId: a Temporal run id/);
    },
  );

  it(
    'lists runs with their outcome, filtered by host or group, page by page with a cursor',
    { timeout: 60_000 },
    async () => {
      const other = await start('failover/prod-b/cec-7', { group: 'prod-b', host: 'cec-7' });
      const dry = await start('dry-run/prod-a/cec-1/4c1d', {});
      try {
        const all = await call('GET', '/v1/failovers?limit=100');
        const runs = all.body.failovers as Array<{
          id: string;
          runId: string;
          status: string;
          outcome?: string;
          startedAt: string;
          closedAt?: string;
        }>;
        assert.deepEqual(
          runs.map((r) => [r.id, r.status, r.outcome ?? null]),
          [
            ['failover/prod-b/cec-7', 'running', null],
            ['failover/prod-a/cec-1', 'completed', 'partial'],
            ['failover/prod-a/cec-1', 'completed', 'succeeded'],
          ],
          'newest first; no dry run',
        );
        assert.ok(runs.every((r) => !Number.isNaN(Date.parse(r.startedAt))) && runs.slice(1).every((r) => r.closedAt));
        assert.equal(all.body.nextCursor, undefined);
        assert.deepEqual(((await call('GET', '/v1/failovers?host=cec-7')).body.failovers as unknown[]).length, 1);
        assert.deepEqual(
          ((await call('GET', '/v1/failovers?group=prod-a')).body.failovers as Array<{ id: string }>).map((r) => r.id),
          ['failover/prod-a/cec-1', 'failover/prod-a/cec-1'],
        );
        const pages: string[] = [];
        let cursor: string | undefined;
        do {
          const page = await call('GET', `/v1/failovers?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
          pages.push(...(page.body.failovers as Array<{ runId: string }>).map((r) => r.runId));
          cursor = page.body.nextCursor as string | undefined;
        } while (cursor && pages.length < 10);
        assert.deepEqual(
          pages,
          runs.map((r) => r.runId),
          'every run once, one per page',
        );
        assert.equal((await call('GET', '/v1/failovers?limit=0')).status, 400);
        assert.equal((await call('GET', '/v1/failovers?group=prod-z')).body.code, 'unknown_group');
        assert.equal((await call('GET', '/v1/failovers?cursor=not%20a%20cursor')).status, 400);
      } finally {
        await other.terminate();
        await dry.terminate();
      }
    },
  );

  it('computes elapsedMs from the progress startedAt, so it moves while a step runs', { timeout: 30_000 }, async () => {
    const handle = await start('failover/prod-a/cec-2', { host: 'cec-2', startedAgoMs: 5_000 });
    try {
      const first = (await call('GET', path(handle.workflowId))).body;
      assert.equal(first.status, 'running');
      const elapsed = (first.progress as { elapsedMs: number }).elapsedMs;
      assert.ok(elapsed >= 5_000, `elapsedMs ${elapsed} counts from startedAt, not the workflow's 7`);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const later = ((await call('GET', path(handle.workflowId))).body.progress as { elapsedMs: number }).elapsedMs;
      assert.ok(later >= elapsed + 250, `${later} moved on from ${elapsed}`);
    } finally {
      await handle.terminate();
    }
    const noStart = await start('failover/prod-a/cec-2', { host: 'cec-2' });
    try {
      assert.equal(
        ((await call('GET', path(noStart.workflowId))).body.progress as { elapsedMs: number }).elapsedMs,
        7,
        "without startedAt: the workflow's figure",
      );
    } finally {
      await noStart.terminate();
    }
  });

  it(
    'accepts override-fence only while the fence is blocked (409 fence_not_blocked otherwise)',
    { timeout: 30_000 },
    async () => {
      const fencing = await start('failover/prod-b/cec-8', { group: 'prod-b', host: 'cec-8', phase: 'fence' });
      try {
        const early = await call('POST', path(fencing.workflowId, '/override-fence'), {
          by: 'erin',
          reason: 'the host is unplugged',
        });
        assert.deepEqual([early.status, early.body.code], [409, 'fence_not_blocked']);
        assert.match(
          String(early.body.message),
          /is in phase fence; override-fence is accepted only while the fence is blocked/,
        );
        assert.deepEqual(
          (await fencing.query<{ overrides: string[] }>('progress')).overrides,
          [],
          'nothing reached the workflow',
        );
      } finally {
        await fencing.terminate();
      }
      const blocked = await start('failover/prod-b/cec-8', { group: 'prod-b', host: 'cec-8', phase: 'fence-blocked' });
      try {
        const accepted = await call('POST', path(blocked.workflowId, '/override-fence'), {
          by: 'erin',
          reason: 'the host is unplugged',
        });
        assert.equal(accepted.status, 200);
        await eventually('the override in the workflow', async () =>
          (await blocked.query<{ overrides: string[] }>('progress')).overrides[0] === 'api (erin)' ? true : undefined,
        );
      } finally {
        await blocked.terminate();
      }
      const closed = await call('POST', path('failover/prod-a/cec-1', '/override-fence'), {
        by: 'erin',
        reason: 'late',
      });
      assert.deepEqual([closed.status, closed.body.code], [409, 'not_running']);
    },
  );

  it('shows hosts and LPARs with age and source; a stale host keeps its LPARs; a write-back moves one', async () => {
    const taken = new Date(Date.now() - 600_000).toISOString();
    const snapshot = { ...sampleSnapshot('prod-a'), takenAt: taken };
    const run = await store.recordDiscoveryRun({
      group: 'prod-a',
      startedAt: taken,
      finishedAt: taken,
      status: 'ok',
      snapshot,
    });
    const now = new Date().toISOString();
    const fresh = {
      ...snapshot,
      takenAt: now,
      managedSystems: snapshot.managedSystems.filter((m) => m.name === 'cec-2'),
      lpars: [],
      vios: [],
    };
    const second = await store.recordDiscoveryRun({
      group: 'prod-a',
      startedAt: now,
      finishedAt: now,
      status: 'ok',
      snapshot: fresh,
      undescribedHosts: [
        { name: 'cec-1', state: 'Power Off', reason: 'cec-1 is Power Off; the HMC cannot describe its partitions' },
      ],
    });
    await store.recordFleetObservations({
      group: 'prod-a',
      source: 'failover failover/prod-a/cec-1/r1',
      observedAt: now,
      lpars: [{ name: 'app01', host: 'cec-2', state: 'Running' }],
    });
    const hosts = (await call('GET', '/v1/hosts')).body.hosts as Array<Record<string, unknown>>;
    const cec1 = hosts.find((h) => h.name === 'cec-1')!;
    assert.deepEqual(
      [cec1.state, cec1.stale, cec1.staleReason, cec1.describedAt, cec1.source, cec1.fenced, cec1.serial],
      [
        'Power Off',
        true,
        'cec-1 is Power Off; the HMC cannot describe its partitions',
        taken,
        `discovery run ${second.id}`,
        false,
        '10ABCDE',
      ],
    );
    assert.ok((cec1.ageSeconds as number) < 60);
    assert.equal(hosts.find((h) => h.name === 'cec-2')!.stale, false);
    const lpars = (await call('GET', '/v1/lpars')).body.lpars as Array<Record<string, unknown>>;
    const db01 = lpars.find((l) => l.name === 'db01')!;
    assert.deepEqual(
      [db01.host, db01.state, db01.stale, db01.observedAt, db01.source],
      ['cec-1', 'Running', true, taken, `discovery run ${second.id}`],
    );
    assert.ok(
      (db01.ageSeconds as number) >= 590 && (db01.ageSeconds as number) < 700,
      `age ${String(db01.ageSeconds)}`,
    );
    const app01 = lpars.find((l) => l.name === 'app01')!;
    assert.deepEqual([app01.host, app01.stale, app01.source], ['cec-2', false, 'failover failover/prod-a/cec-1/r1']);
    assert.ok(run.id < second.id);
  });

  it('documents the routes, their query parameters and the new answers in the OpenAPI document', async () => {
    type Operation = { parameters?: Array<{ name: string }>; responses: Record<string, unknown> };
    const document = (await (await fetch(`${base}/v1/openapi.json`)).json()) as {
      paths: Record<string, Record<string, Operation>>;
      components: { schemas: Record<string, unknown> };
    };
    const names = (route: string) => (document.paths[route]!.get!.parameters ?? []).map((p) => p.name).sort();
    assert.deepEqual(names('/v1/failovers'), ['cursor', 'group', 'host', 'limit', 'outcome', 'since', 'until']);
    assert.deepEqual(names('/v1/failovers/{id}'), ['id', 'runId']);
    assert.ok(document.paths['/v1/failovers/{id}/override-fence']!.post!.responses['409']);
    assert.match(JSON.stringify(document.components.schemas.Hosts), /"ageSeconds".*"source".*"stale"/);
    assert.match(JSON.stringify(document.components.schemas.FailoverRuns), /"nextCursor"/);
  });
});

// The API's hardening (issue 15 item 5 and its "What was seen" API items), in process: the devserver with the
// stand-in hostFailover workflow and a SQLite store. Malformed percent-encoding on every `{param}` route is a 400;
// an unknown charset or content-encoding and a non-JSON body are 415, never 500 or "expected object"; an unknown query
// parameter is refused by name; group/host/time filters and cursor paging on the lists; a route waiting on something
// that hangs is answered 504 within the bound.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { openSqliteStore, type InventoryStore } from '../../activities/inventory/index.js';
import { createApi } from '../../api/app.js';
import { openApiDocument } from '../../api/openapi.js';
import { loadConfig, type LazarusConfig } from '../../domain/config/index.js';
import { encodeDrVerification } from '../../activities/dr/verification-records.js';
import { sampleSnapshot } from '../inventory/fixtures.js';
import { ConformanceServer, REPO_ROOT, uniqueTaskQueue, type BackgroundWorker } from '../support/temporal.js';

const STUB = new URL('./fixtures/stub-failover.ts', import.meta.url).pathname;
const config = {
  hostGroups: [
    { name: 'prod-a', hosts: ['cec-1', 'cec-2'] },
    { name: 'prod-b', hosts: ['cec-7', 'cec-8'] },
  ],
  agents: { tokens: [] },
} as unknown as LazarusConfig;
const TOKEN = 'hardening-test-token-0123456789';

type Answer = { status: number; body: Record<string, unknown>; text: string };

describe('API hardening (devserver, stand-in workflow, SQLite)', () => {
  let server: ConformanceServer;
  let worker: BackgroundWorker;
  let store: InventoryStore;
  let dir: string;
  const servers: Server[] = [];
  let base: string;
  const taskQueue = uniqueTaskQueue('api-hardening');

  const listen = async (app: ReturnType<typeof createApi>) => {
    const http = await new Promise<Server>((resolve) => {
      const listening: Server = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    servers.push(http);
    return `http://127.0.0.1:${(http.address() as { port: number }).port}`;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lazarus-api-hardening-'));
    store = await openSqliteStore(join(dir, 'lazarus.db'));
    server = await ConformanceServer.start();
    worker = await server.startBackgroundWorker(taskQueue, {
      workflowBundle: undefined,
      workflowsPath: STUB,
      activities: {},
    });
    base = await listen(
      createApi({ client: server.client, config, store, tokens: [TOKEN], log: () => undefined, taskQueue }),
    );
    const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();
    for (const group of ['prod-a', 'prod-b']) {
      const snapshot = sampleSnapshot(group);
      if (group === 'prod-b') {
        snapshot.managedSystems = snapshot.managedSystems.map((m, i) => ({ ...m, name: `cec-${7 + i}` }));
        snapshot.lpars = snapshot.lpars.map((l, i) => ({ ...l, name: `b-${l.name}`, host: `cec-${7 + i}` }));
        snapshot.vios = [];
      }
      await store.recordDiscoveryRun({
        group,
        startedAt: at(1),
        finishedAt: at(1),
        status: 'ok',
        snapshot: { ...snapshot, takenAt: at(1) },
      });
    }
  });

  after(async () => {
    for (const http of servers) await new Promise((resolve) => http.close(resolve));
    await worker?.stop();
    await server?.stop();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const call = async (
    method: string,
    path: string,
    options: { body?: string | Buffer; headers?: Record<string, string>; url?: string } = {},
  ): Promise<Answer> => {
    const response = await fetch(`${options.url ?? base}${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, ...options.headers },
      body: options.body,
    });
    const text = await response.text();
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // asserted by the callers: every answer here must be JSON
    }
    return { status: response.status, body, text };
  };
  const json = (value: unknown) => ({
    body: JSON.stringify(value),
    headers: { 'content-type': 'application/json' },
  });

  it('answers malformed percent-encoding on every {param} route with 400 invalid_path, never a 500', async () => {
    const document = openApiDocument() as unknown as { paths: Record<string, Record<string, unknown>> };
    const routes = Object.entries(document.paths).filter(([path]) => path.includes('{'));
    assert.ok(routes.length >= 20, `${routes.length} parameterized routes`);
    for (const [template, item] of routes)
      for (const method of Object.keys(item))
        for (const bad of ['%', '%zz', '%c0%af']) {
          const path = template.replace(/\{[^}]+\}/g, bad);
          const answer = await call(method.toUpperCase(), path, method === 'get' ? {} : json({}));
          assert.deepEqual(
            [answer.status, answer.body.code],
            [400, 'invalid_path'],
            `${method.toUpperCase()} ${path}: ${answer.text}`,
          );
        }
  });

  it('refuses bodies that are not UTF-8 JSON with 415, and accepts gzip-coded JSON', async () => {
    const path = '/v1/hosts/cec-1/maintenance';
    const reason = JSON.stringify({ reason: 'DIMM swap' });
    const cases: Array<[Record<string, string>, string | Buffer, string]> = [
      [{ 'content-type': 'application/json; charset=koi8-r' }, reason, 'unsupported_charset'],
      [{ 'content-type': 'application/json; charset="latin1"' }, reason, 'unsupported_charset'],
      [{ 'content-type': 'application/json', 'content-encoding': 'compress' }, reason, 'unsupported_encoding'],
      [{ 'content-type': 'application/json', 'content-encoding': 'x-lazarus' }, reason, 'unsupported_encoding'],
      [{ 'content-type': 'text/plain' }, reason, 'unsupported_media_type'],
      [{ 'content-type': 'application/x-www-form-urlencoded' }, 'reason=x', 'unsupported_media_type'],
      [{}, Buffer.from(reason), 'unsupported_media_type'],
    ];
    for (const [headers, body, code] of cases) {
      const answer = await call('PUT', path, { body, headers });
      assert.deepEqual([answer.status, answer.body.code], [415, code], `${JSON.stringify(headers)}: ${answer.text}`);
      assert.doesNotMatch(answer.text, /\n\s+at /, 'no stack trace');
    }
    const gzipped = await call('PUT', path, {
      body: gzipSync(reason),
      headers: { 'content-type': 'application/json; charset=UTF-8', 'content-encoding': 'gzip' },
    });
    assert.equal(gzipped.status, 200, gzipped.text);
    assert.equal(gzipped.body.reason, 'DIMM swap');
    assert.equal((await call('DELETE', path)).status, 200, 'a DELETE without a body passes');
    const brokenGzip = await call('PUT', path, {
      body: Buffer.from('not gzip at all'),
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    });
    assert.ok(brokenGzip.status >= 400 && brokenGzip.status < 500, brokenGzip.text);
    assert.equal(typeof brokenGzip.body.code, 'string', brokenGzip.text);
  });

  it('refuses an unknown query parameter by name on every documented GET route', async () => {
    const document = openApiDocument() as unknown as { paths: Record<string, Record<string, unknown>> };
    const gets = Object.entries(document.paths).filter(([, item]) => 'get' in item);
    for (const [template] of gets) {
      const path = template
        .replace('{id}', encodeURIComponent('failover/prod-a/cec-1'))
        .replace('{host}', 'cec-1')
        .replace('{group}', 'prod-a')
        .replace(/\{[^}]+\}/g, 'x');
      const answer = await call('GET', `${path}?hots=cec-1`, {});
      assert.deepEqual([answer.status, answer.body.code], [400, 'unknown_parameter'], `${path}: ${answer.text}`);
      assert.match(String(answer.body.message), /"hots"/);
    }
    const misspelt = await call('GET', '/v1/failovers?grop=prod-a');
    assert.match(String(misspelt.body.message), /it takes .*group/);
  });

  it('filters hosts and LPARs by group and host, and pages them with an opaque cursor', async () => {
    const all = await call('GET', '/v1/hosts');
    assert.deepEqual(
      (all.body.hosts as Array<{ name: string }>).map((h) => h.name),
      ['cec-1', 'cec-2', 'cec-7', 'cec-8'],
    );
    const byGroup = await call('GET', '/v1/hosts?group=prod-b');
    assert.deepEqual(
      (byGroup.body.hosts as Array<{ name: string }>).map((h) => h.name),
      ['cec-7', 'cec-8'],
    );
    const byHost = await call('GET', '/v1/hosts?host=cec-2');
    assert.deepEqual(
      (byHost.body.hosts as Array<{ name: string }>).map((h) => h.name),
      ['cec-2'],
    );
    const names = async (path: string) =>
      ((await call('GET', path)).body.lpars as Array<{ name: string }>).map((l) => l.name);
    const onCec7 = ((await call('GET', '/v1/lpars')).body.lpars as Array<{ name: string; host: string }>)
      .filter((l) => l.host === 'cec-7')
      .map((l) => l.name);
    assert.ok(onCec7.length > 0);
    assert.deepEqual(await names('/v1/lpars?host=cec-7'), onCec7, 'ageSeconds may differ between two reads: names');
    assert.equal((await call('GET', '/v1/hosts?group=prod-z')).body.code, 'unknown_group');
    assert.equal((await call('GET', '/v1/lpars?host=cec-99')).body.code, 'unknown_host');
    const future = new Date(Date.now() + 3_600_000).toISOString();
    assert.deepEqual((await call('GET', `/v1/hosts?since=${future}`)).body.hosts, []);
    assert.equal((await call('GET', '/v1/hosts?since=yesterday')).status, 400);
    assert.equal((await call('GET', `/v1/hosts?since=${future}&until=2020-01-01T00:00:00Z`)).status, 400);
    const paged: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 10; page++) {
      const answer = await call('GET', `/v1/lpars?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      paged.push(...(answer.body.lpars as Array<{ name: string }>).map((l) => l.name));
      cursor = answer.body.nextCursor as string | undefined;
      if (!cursor) break;
    }
    assert.deepEqual(
      paged,
      ((await call('GET', '/v1/lpars')).body.lpars as Array<{ name: string }>).map((l) => l.name),
    );
    assert.ok(paged.length >= 4, paged.join(','));
    assert.equal((await call('GET', '/v1/lpars?cursor=bm90LWEtY3Vyc29y')).body.code, 'invalid_cursor');
  });

  it('filters and pages detections and notifications', async () => {
    const monitoring = store.hostMonitoring();
    for (let i = 0; i < 5; i++)
      await monitoring.recordDetection({
        group: 'prod-a',
        host: i % 2 ? 'cec-1' : 'cec-2',
        firstBadAt: `2026-11-30T01:0${i}:00.000Z`,
        confirmedAt: `2026-11-30T01:0${i}:30.000Z`,
        verdict: 'failed',
        action: 'alert-only',
        reason: `detection ${i}`,
        monitorId: 'host-monitor/prod-a',
      });
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 10; page++) {
      const answer = await call(
        'GET',
        `/v1/groups/prod-a/detections?limit=2&since=2026-11-30T01:01:00Z${cursor ? `&cursor=${cursor}` : ''}`,
      );
      assert.equal(answer.status, 200, answer.text);
      seen.push(...(answer.body.detections as Array<{ reason: string }>).map((d) => d.reason));
      cursor = answer.body.nextCursor as string | undefined;
      if (!cursor) break;
    }
    assert.deepEqual(seen, ['detection 4', 'detection 3', 'detection 2', 'detection 1']);
    const cec1 = await call('GET', '/v1/groups/prod-a/detections?host=cec-1');
    assert.deepEqual(
      (cec1.body.detections as Array<{ reason: string }>).map((d) => d.reason),
      ['detection 3', 'detection 1'],
    );
    for (let i = 0; i < 3; i++)
      await store.raiseNotification({
        severity: 'info',
        kind: 'test',
        message: `notification ${i}`,
        raisedAt: `2026-11-30T02:0${i}:00.000Z`,
      });
    const window = await call('GET', '/v1/notifications?since=2026-11-30T02:01:00Z&until=2026-11-30T02:01:59Z');
    assert.deepEqual(
      (window.body.notifications as Array<{ message: string }>).map((n) => n.message),
      ['notification 1'],
    );
    // Every delivery of them given up on: the dead letters take the same time range.
    const outbox = store.notificationOutbox();
    const now = new Date();
    await outbox.route([{ name: 'ops', level: 'info', dedupeWindow: 0, rateLimit: { max: 100, window: 60_000 } }], now);
    for (const delivery of await outbox.claimDue(now, new Date(now.getTime() + 60_000), 10))
      await outbox.recordAttempt(
        delivery.id,
        { at: now, ok: false, result: 'HTTP 503' },
        { status: 'dead', reason: 'gave up after 1 attempt' },
      );
    const dead = await call('GET', '/v1/notifications/dead-letters?since=2026-11-30T02:01:00Z&limit=1');
    const next = await call(
      'GET',
      `/v1/notifications/dead-letters?since=2026-11-30T02:01:00Z&limit=1&cursor=${String(dead.body.nextCursor)}`,
    );
    assert.deepEqual(
      [...(dead.body.deadLetters as unknown[]), ...(next.body.deadLetters as unknown[])].map(
        (letter) => (letter as { notification: { message: string } }).notification.message,
      ),
      ['notification 2', 'notification 1'],
    );
    assert.equal(next.body.nextCursor, undefined);
  });

  it('filters and pages the DR verification history', async () => {
    const dr = loadConfig(join(REPO_ROOT, 'examples', 'lazarus-dr.yaml'));
    const url = await listen(
      createApi({ client: server.client, config: dr, store, tokens: [TOKEN], log: () => undefined, taskQueue }),
    );
    for (let i = 0; i < 5; i++)
      await store.recordVerification(
        encodeDrVerification({
          site: 'dc1',
          backupSite: 'dc2',
          verifiedAt: `2026-11-30T03:0${i}:00.000Z`,
          ready: true,
          vms: [],
          groups: [],
        }),
      );
    const times: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 10; page++) {
      const answer = await call(
        'GET',
        `/v1/sites/dc1/verification/history?limit=2&until=2026-11-30T03:03:00Z${cursor ? `&cursor=${cursor}` : ''}`,
        { url },
      );
      assert.equal(answer.status, 200, answer.text);
      times.push(
        ...(answer.body.verifications as Array<{ verifiedAt: string }>).map((v) => v.verifiedAt.slice(11, 16)),
      );
      cursor = answer.body.nextCursor as string | undefined;
      if (!cursor) break;
    }
    assert.deepEqual(times, ['03:03', '03:02', '03:01', '03:00']);
  });

  it('filters and pages the LPARs running at reduced size', async () => {
    const reduced = (group: string, lpar: string, host: string, minute: number) =>
      store.reducedSizes().record({
        group,
        lpar,
        profile: 'default_profile',
        full: { procUnits: 2, memoryMb: 16384 },
        reduced: { procUnits: 1, memoryMb: 8192 },
        host,
        reducedBy: `failover/${group}/cec-1`,
        reducedAt: `2026-11-30T04:0${minute}:00.000Z`,
      });
    await reduced('prod-a', 'db01', 'cec-2', 1);
    await reduced('prod-a', 'app01', 'cec-2', 2);
    await reduced('prod-b', 'b-db01', 'cec-8', 3);
    const names = async (query: string) =>
      ((await call('GET', `/v1/reduced-lpars${query}`)).body.lpars as Array<{ lpar: string }>).map((l) => l.lpar);
    assert.deepEqual(await names(''), ['app01', 'db01', 'b-db01']);
    assert.deepEqual(await names('?group=prod-b'), ['b-db01']);
    assert.deepEqual(await names('?host=cec-2&since=2026-11-30T04:02:00Z'), ['app01']);
    const first = await call('GET', '/v1/reduced-lpars?limit=2');
    assert.equal((first.body.lpars as unknown[]).length, 2);
    const rest = await call('GET', `/v1/reduced-lpars?limit=2&cursor=${String(first.body.nextCursor)}`);
    assert.deepEqual(
      (rest.body.lpars as Array<{ lpar: string }>).map((l) => l.lpar),
      ['b-db01'],
    );
  });

  it('filters failover runs by group and host and pages them (the list is no longer capped at 50)', async () => {
    for (const id of ['failover/prod-a/cec-1', 'failover/prod-b/cec-7', 'failover/prod-b/cec-8'])
      await server.client.workflow.start('hostFailover', {
        taskQueue,
        workflowId: id,
        workflowIdConflictPolicy: 'USE_EXISTING',
        args: [{ group: 'prod-a', host: 'cec-1', phase: 'execute' }],
      });
    const ids = async (query: string) =>
      ((await call('GET', `/v1/failovers${query}`)).body.failovers as Array<{ id: string }>).map((f) => f.id).sort();
    assert.deepEqual(await ids('?group=prod-b'), ['failover/prod-b/cec-7', 'failover/prod-b/cec-8']);
    assert.deepEqual(await ids('?host=cec-1'), ['failover/prod-a/cec-1']);
    assert.deepEqual(await ids('?until=2020-01-01T00:00:00Z'), []);
    assert.equal((await ids(`?since=${new Date(Date.now() - 3_600_000).toISOString()}`)).length, 3);
    assert.deepEqual(await ids('?outcome=succeeded'), [], 'running runs have no outcome yet');
    const first = await call('GET', '/v1/failovers?limit=2');
    assert.equal((first.body.failovers as unknown[]).length, 2);
    const second = await call('GET', `/v1/failovers?limit=2&cursor=${String(first.body.nextCursor)}`);
    assert.equal((second.body.failovers as unknown[]).length, 1, second.text);
    for (const id of ['failover/prod-a/cec-1', 'failover/prod-b/cec-7', 'failover/prod-b/cec-8'])
      await server.client.workflow.getHandle(id).terminate('test over');
  });

  it('answers a request that waits on something hung with 504 request_timeout within the bound', async () => {
    // The store never answers (a hung database connection): the request must not hang with it.
    const hung = new Proxy(store, {
      get: (target, property, receiver) =>
        property === 'notificationOutbox'
          ? () => ({ notifications: () => new Promise(() => undefined) })
          : (Reflect.get(target, property, receiver) as unknown),
    });
    const url = await listen(
      createApi({
        client: server.client,
        config,
        store: hung,
        tokens: [TOKEN],
        log: () => undefined,
        taskQueue,
        requestTimeoutMs: 1_000,
      }),
    );
    const answer = await call('GET', '/v1/notifications', { url });
    assert.equal(answer.status, 504, answer.text);
    assert.equal(answer.body.code, 'request_timeout');
    assert.match(String(answer.body.message), /did not finish within 1 s/);
    assert.equal((await call('GET', '/v1/failovers?limit=1', { url })).status, 200, 'the server still answers');
  });

  it('names the workflow that goes on when a failback outlasts the bound', async () => {
    // A Temporal whose workflows never end: the failback's answer (it waits for the end) cannot come in time.
    const neverEnding = { workflow: { execute: () => new Promise(() => undefined) } } as unknown as Client;
    const dr = loadConfig(join(REPO_ROOT, 'examples', 'lazarus-dr.yaml'));
    const url = await listen(
      createApi({
        client: neverEnding,
        config: dr,
        store,
        tokens: [TOKEN],
        log: () => undefined,
        requestTimeoutMs: 1_000,
      }),
    );
    const answer = await call('POST', '/v1/hosts/dc1-s01/failback', { url });
    assert.deepEqual([answer.status, answer.body.code], [504, 'request_timeout'], answer.text);
    assert.match(String(answer.body.message), /failback goes on as workflow failback\/dc1-prod\/dc1-s01 /);
  });

  it('accepts the Bearer scheme in any case (pinned; access.test.ts covers the roles)', async () => {
    for (const scheme of ['bearer', 'BEARER', 'Bearer'])
      assert.equal(
        (await call('GET', '/v1/failovers?limit=1', { headers: { authorization: `${scheme} ${TOKEN}` } })).status,
        200,
        scheme,
      );
  });
});

// The audit log (issue 15 item 3) in process, over a SQLite store and no Temporal (the routes used here never reach
// it): every state-changing call is recorded with the token's name and role, the ids it named, its status and error
// code and an escaped note, in the store and in the log; GET /v1/audit is for admins, filtered and paged.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { openSqliteStore, type InventoryStore } from '../../activities/inventory/index.js';
import { createApi } from '../../api/app.js';
import type { LazarusConfig } from '../../domain/config/index.js';
import { eventually } from '../support/temporal.js';

const config = {
  hostGroups: [{ name: 'prod-a', hosts: ['cec-1', 'cec-2'] }],
  agents: { tokens: [] },
} as unknown as LazarusConfig;
const TOKENS = [
  { name: 'vera', token: 'audit-viewer-token-0123456789', role: 'viewer' as const },
  { name: 'otto', token: 'audit-operator-token-0123456789', role: 'operator' as const },
  { name: 'ada', token: 'audit-admin-token-0123456789', role: 'admin' as const },
];
const [VIEWER, OPERATOR, ADMIN] = TOKENS.map((t) => t.token) as [string, string, string];

type Entry = {
  id: number;
  method: string;
  route: string;
  actor: string;
  role?: string;
  targets: Record<string, string>;
  status: number;
  code?: string;
  note?: string;
  at: string;
};

describe('API audit log (SQLite, no Temporal)', () => {
  let store: InventoryStore;
  let http: Server;
  let base: string;
  let dir: string;
  const lines: string[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lazarus-api-audit-'));
    store = await openSqliteStore(join(dir, 'lazarus.db'));
    // No route called here reaches Temporal: a client that fails loudly if one does.
    const client = new Proxy({} as Client, {
      get: (_target, property) => {
        throw new Error(`the audit test reached Temporal (${String(property)})`);
      },
    });
    const app = createApi({ client, config, store, tokens: TOKENS, log: (line) => lines.push(line) });
    http = await new Promise<Server>((resolve) => {
      const listening: Server = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    base = `http://127.0.0.1:${(http.address() as { port: number }).port}`;
  });

  after(async () => {
    if (http) await new Promise((resolve) => http.close(resolve));
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const call = async (token: string | undefined, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const audit = async (query = '') => {
    const answer = await call(ADMIN, 'GET', `/v1/audit${query}`);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    return answer.body as { entries: Entry[]; nextCursor?: string };
  };

  it('records every state-changing call: actor, role, targets, outcome, escaped note; reads are not recorded', async () => {
    const started = new Date().toISOString();
    assert.equal(
      (await call(OPERATOR, 'PUT', '/v1/hosts/cec-1/maintenance', { reason: 'DIMM swap\nINFO forged', by: 'bob' }))
        .status,
      200,
    );
    assert.equal((await call(VIEWER, 'DELETE', '/v1/hosts/cec-1/maintenance')).status, 403);
    assert.equal((await call(undefined, 'POST', '/v1/failovers', { group: 'prod-a', host: 'cec-2' })).status, 401);
    assert.equal((await call(OPERATOR, 'DELETE', '/v1/hosts/cec-9/maintenance')).status, 404);
    assert.equal((await call(OPERATOR, 'GET', '/v1/hosts')).status, 200);
    const { entries } = await eventually(
      'four audit entries',
      async () => {
        const page = await audit();
        return page.entries.length >= 4 ? page : undefined;
      },
      10_000,
    );
    assert.equal(entries.length, 4, 'the GET is not recorded');
    const [notFound, anonymous, forbidden, maintenance] = entries;
    assert.deepEqual(
      { ...maintenance, id: undefined, at: undefined, requestId: undefined },
      {
        id: undefined,
        at: undefined,
        requestId: undefined,
        method: 'PUT',
        route: '/v1/hosts/{host}/maintenance',
        path: '/v1/hosts/cec-1/maintenance',
        actor: 'otto',
        role: 'operator',
        targets: { host: 'cec-1' },
        status: 200,
        note: 'by: bob; reason: DIMM swap\\u000aINFO forged',
      },
    );
    assert.ok(maintenance!.at >= started.slice(0, 19), maintenance!.at);
    assert.deepEqual(
      [forbidden!.actor, forbidden!.role, forbidden!.status, forbidden!.code],
      ['vera', 'viewer', 403, 'forbidden'],
    );
    assert.deepEqual(
      [anonymous!.actor, anonymous!.role, anonymous!.status, anonymous!.code, anonymous!.targets],
      ['anonymous', undefined, 401, 'unauthorized', {}],
    );
    assert.deepEqual([notFound!.status, notFound!.code, notFound!.targets], [404, 'unknown_host', { host: 'cec-9' }]);
    const logged = lines.filter((line) => line.startsWith('audit '));
    assert.equal(logged.length, 4, logged.join('\n'));
    assert.ok(
      logged.some((line) => /PUT \/v1\/hosts\/cec-1\/maintenance by otto \(operator\) -> 200 /.test(line)),
      logged.join('\n'),
    );
    assert.ok(
      logged.every((line) => !line.includes('\n')),
      'a note cannot forge a log line',
    );
  });

  it('is read by admins only, filtered by actor, method, target and time, and paged', async () => {
    const viewer = await call(VIEWER, 'GET', '/v1/audit');
    assert.deepEqual([viewer.status, viewer.body.code], [403, 'forbidden']);
    assert.equal((await call(OPERATOR, 'GET', '/v1/audit')).status, 403);
    for (let i = 0; i < 5; i++) await call(OPERATOR, 'PUT', '/v1/hosts/cec-2/maintenance', { reason: `firmware ${i}` });
    await eventually(
      'the five new entries',
      async () => ((await audit('?target=cec-2&method=PUT')).entries.length === 5 ? true : undefined),
      10_000,
    );
    const byOtto = (await audit('?actor=otto')).entries;
    assert.ok(
      byOtto.every((e) => e.actor === 'otto'),
      JSON.stringify(byOtto),
    );
    assert.ok(byOtto.length >= 7);
    const notes: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 10; page++) {
      const answer = await audit(`?target=cec-2&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      notes.push(...answer.entries.map((e) => e.note ?? ''));
      cursor = answer.nextCursor;
      if (!cursor) break;
    }
    assert.deepEqual(
      notes,
      [4, 3, 2, 1, 0].map((i) => `reason: firmware ${i}`),
    );
    assert.deepEqual((await audit('?until=2020-01-01T00:00:00Z')).entries, []);
    assert.equal(
      (await audit(`?since=${new Date(Date.now() - 600_000).toISOString()}`)).entries.length,
      byOtto.length + 2,
    );
    assert.equal((await call(ADMIN, 'GET', '/v1/audit?cursor=bm9wZQ')).body.code, 'invalid_cursor');
    assert.equal((await call(ADMIN, 'GET', '/v1/audit?method=GET')).status, 400);
  });
});

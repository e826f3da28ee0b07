// A property-based fuzz of the HTTP API generated from its OpenAPI document (fast-check): random operations with
// random or schema-shaped path parameters (malformed percent-encoding included), declared and unknown query
// parameters, bodies shaped by the schema or not JSON at all, content types, charsets and codings, and every role's
// token (or none, or a wrong one). Property: no 5xx, never a stack trace, every error a JSON body with a `code`.
//
// Behind the API: the examples' DR configuration, a real SQLite store, and a stand-in Temporal client that answers
// like a quiet cluster (workflows start, describe as running once started, queries answer at once). Temporal itself is
// not fuzzed here: this is about the API's handling of what callers send; its routes on a real Temporal and fleet are
// tested in api.test.ts and access.test.ts. Runs ≤ 60 s (about 400 requests).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { openSqliteStore, type InventoryStore } from '../../activities/inventory/index.js';
import { createApi } from '../../api/app.js';
import { openApiDocument } from '../../api/openapi.js';
import { loadConfig } from '../../domain/config/index.js';
import { REPO_ROOT } from '../support/temporal.js';

const TOKENS = [
  { name: 'vera', token: 'fuzz-viewer-token-0123456789', role: 'viewer' as const },
  { name: 'otto', token: 'fuzz-operator-token-0123456789', role: 'operator' as const },
  { name: 'ada', token: 'fuzz-admin-token-0123456789', role: 'admin' as const },
];

/** A Temporal client that behaves like a quiet cluster: enough for every route, never slow, never down. */
function quietTemporal(): Client {
  const started = new Map<string, string>();
  const handle = (workflowId: string) => ({
    workflowId,
    firstExecutionRunId: started.get(workflowId) ?? randomUUID(),
    describe: async () => {
      const runId = started.get(workflowId);
      if (!runId) throw new WorkflowNotFoundError(`workflow ${workflowId} not found`, workflowId, undefined);
      return { runId, status: { name: 'RUNNING' } };
    },
    query: async () => ({ phase: 'approve', lpars: [], streams: [], queued: [], hosts: [], unreachableHmcs: [] }),
    signal: async () => undefined,
    cancel: async () => undefined,
    terminate: async () => undefined,
    executeUpdate: async () => ({ decision: 'approved', phase: 'execute' }),
    result: async () => ({ outcome: 'succeeded', lpars: [] }),
  });
  const start = async (type: string, options: { workflowId: string; workflowIdConflictPolicy?: string }) => {
    if (started.has(options.workflowId) && options.workflowIdConflictPolicy === 'FAIL')
      throw new WorkflowExecutionAlreadyStartedError('already started', options.workflowId, type);
    if (!started.has(options.workflowId)) started.set(options.workflowId, randomUUID());
    return handle(options.workflowId);
  };
  return {
    options: { namespace: 'default' },
    workflow: {
      start,
      execute: async (type: string, options: { workflowId: string }) => {
        await start(type, options);
        return { outcome: 'succeeded', lpars: [] };
      },
      getHandle: handle,
    },
    workflowService: {
      listWorkflowExecutions: async () => ({ executions: [], nextPageToken: new Uint8Array() }),
      getSystemInfo: async () => ({}),
    },
    withDeadline: <T>(_deadline: number, fn: () => Promise<T>) => fn(),
  } as unknown as Client;
}

type Schema = {
  type?: string;
  enum?: unknown[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  $ref?: string;
  nullable?: boolean;
  allOf?: Schema[];
  anyOf?: Schema[];
  oneOf?: Schema[];
};
type Operation = {
  method: string;
  path: string;
  parameters: Array<{ name: string; in: string; schema?: Schema }>;
  body?: Schema;
};

describe('API fuzz from the OpenAPI document (fast-check)', () => {
  let store: InventoryStore;
  let http: Server;
  let base: string;
  let dir: string;
  const config = loadConfig(join(REPO_ROOT, 'examples', 'lazarus-dr.yaml'));
  const document = openApiDocument() as unknown as {
    paths: Record<string, Record<string, Omit<Operation, 'method' | 'path' | 'body'> & { requestBody?: unknown }>>;
    components: { schemas: Record<string, Schema> };
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lazarus-api-fuzz-'));
    store = await openSqliteStore(join(dir, 'lazarus.db'));
    const app = createApi({ client: quietTemporal(), config, store, tokens: TOKENS, log: () => undefined });
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

  const resolve = (schema: Schema | undefined): Schema | undefined =>
    schema?.$ref ? document.components.schemas[schema.$ref.replace('#/components/schemas/', '')] : schema;
  const operations: Operation[] = Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({
      method: method.toUpperCase(),
      path,
      parameters: operation.parameters ?? [],
      body: resolve(
        (operation.requestBody as { content?: Record<string, { schema?: Schema }> } | undefined)?.content?.[
          'application/json'
        ]?.schema,
      ),
    })),
  );

  // Names the configuration knows, so that generated requests reach past "unknown group" often.
  const known = [
    ...config.hostGroups.flatMap((g) => [g.name, ...g.hosts]),
    'dc1',
    'dc2',
    'dc1-db01',
    'failover/dc1-prod/dc1-s01',
    'failover/dc1-prod/dc1-s01/round-1/stream/dc1-s02',
    '1',
  ];
  const weird = ['%', '%zz', '%c0%af', '%00', '%2F', '..', '%E2%80%A8', '%FF', 'a%20b', '%25'];
  const segment = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...known).map(encodeURIComponent) },
    { weight: 2, arbitrary: fc.constantFrom(...weird) },
    { weight: 2, arbitrary: fc.string({ minLength: 1, maxLength: 40 }).map(encodeURIComponent) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }).map(encodeURIComponent) },
  );
  const text = fc.oneof(
    fc.constantFrom(...known),
    fc.string({ maxLength: 60 }),
    fc.string({ unit: 'binary', maxLength: 30 }),
    fc.constantFrom('', ' ', '\n', 'a\nINFO forged', '\u2028', '0', '-1', '1e309', 'null', '2026-11-30T05:00:00Z'),
  );

  /** A value shaped like `schema` (often valid, sometimes not), or anything JSON. */
  const valueOf = (schema: Schema | undefined, depth = 0): fc.Arbitrary<unknown> => {
    const s = resolve(schema);
    if (!s || depth > 3) return fc.jsonValue({ maxDepth: 2 });
    const members = [...(s.allOf ?? []), ...(s.anyOf ?? []), ...(s.oneOf ?? [])];
    if (members.length) return fc.oneof(...members.map((m) => valueOf(m, depth + 1)));
    const shaped = (() => {
      if (s.enum) return fc.constantFrom(...s.enum);
      switch (s.type) {
        case 'string':
          return text;
        case 'integer':
          return fc.oneof(fc.integer({ min: -5, max: 100_000 }), fc.constantFrom(0, 1, 300, 2 ** 53));
        case 'number':
          return fc.oneof(fc.double(), fc.integer());
        case 'boolean':
          return fc.boolean();
        case 'array':
          return fc.array(valueOf(s.items, depth + 1), { maxLength: 3 });
        case 'object': {
          const entries = Object.entries(s.properties ?? {});
          return fc.record(Object.fromEntries(entries.map(([k, v]) => [k, valueOf(v, depth + 1)])), {
            requiredKeys: (s.required ?? []).filter((k) => entries.some(([name]) => name === k)),
          });
        }
        default:
          return fc.jsonValue({ maxDepth: 2 });
      }
    })();
    return fc.oneof({ weight: 5, arbitrary: shaped }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) });
  };

  const request = fc.constantFrom(...operations).chain((operation) =>
    fc.record({
      operation: fc.constant(operation),
      method: fc.oneof(
        { weight: 9, arbitrary: fc.constant(operation.method) },
        { weight: 1, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH') },
      ),
      path: fc.tuple(...operation.path.split('/').map((part) => (part.startsWith('{') ? segment : fc.constant(part)))),
      query: fc.array(
        fc.tuple(
          fc.oneof(
            {
              weight: 5,
              arbitrary: fc.constantFrom(
                '',
                ...operation.parameters.filter((p) => p.in === 'query').map((p) => p.name),
              ),
            },
            { weight: 1, arbitrary: fc.constantFrom('hots', 'grop', 'runid', 'limit[]', '__proto__', 'a[b]') },
          ),
          fc.oneof(text, fc.integer({ min: -3, max: 2000 }).map(String)),
        ),
        { maxLength: 4 },
      ),
      body: operation.body
        ? fc.oneof(
            { weight: 6, arbitrary: valueOf(operation.body).map((v) => JSON.stringify(v)) },
            { weight: 1, arbitrary: fc.string({ maxLength: 80 }) },
            { weight: 1, arbitrary: fc.constant(undefined) },
          )
        : fc.oneof(
            { weight: 4, arbitrary: fc.constant(undefined) },
            { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)) },
          ),
      contentType: fc.constantFrom(
        'application/json',
        'application/json',
        'application/json; charset=utf-8',
        'application/json; charset=latin1',
        'application/merge-patch+json',
        'text/plain',
        'multipart/form-data; boundary=x',
        undefined,
      ),
      encoding: fc.constantFrom(undefined, undefined, undefined, 'gzip', 'identity', 'br', 'x-unknown', 'gzip, br'),
      auth: fc.oneof(
        {
          weight: 8,
          arbitrary: fc
            .tuple(fc.constantFrom('Bearer', 'bearer', 'BEARER'), fc.constantFrom(...TOKENS.map((t) => t.token)))
            .map(([scheme, token]) => `${scheme} ${token}`),
        },
        { weight: 1, arbitrary: fc.constantFrom(undefined, 'Bearer nope', 'Basic Zm9vOmJhcg==', 'Bearer') },
      ),
    }),
  );

  it('never answers 5xx or a stack trace; every error is JSON with a code', { timeout: 120_000 }, async () => {
    const seen = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const query = new URLSearchParams(r.query.filter(([name]) => name !== '')).toString();
        const url = `${base}${r.path.join('/')}${query ? `?${query}` : ''}`;
        const raw = r.method === 'GET' || r.body === undefined ? undefined : Buffer.from(r.body);
        const body = raw && r.encoding === 'gzip' ? gzipSync(raw) : raw;
        const headers: Record<string, string> = {
          ...(r.auth ? { authorization: r.auth } : {}),
          ...(body && r.contentType ? { 'content-type': r.contentType } : {}),
          ...(body && r.encoding ? { 'content-encoding': r.encoding } : {}),
        };
        const response = await fetch(url, { method: r.method, headers, body });
        const answer = await response.text();
        seen.set(response.status, (seen.get(response.status) ?? 0) + 1);
        const what = `${r.method} ${url} ${JSON.stringify(headers)} ${r.body ?? ''} -> ${response.status} ${answer}`;
        assert.ok(response.status < 500, `a 5xx: ${what}`);
        assert.doesNotMatch(answer, /\n\s+at |node_modules|\.ts:\d+/, `a stack trace: ${what}`);
        if (response.status >= 400) {
          assert.match(response.headers.get('content-type') ?? '', /^application\/json/, `not JSON: ${what}`);
          const error = JSON.parse(answer) as { code?: unknown; message?: unknown };
          assert.equal(typeof error.code, 'string', `no code: ${what}`);
          assert.equal(typeof error.message, 'string', `no message: ${what}`);
        }
      }),
      // LAZARUS_FUZZ_RUNS: more runs for a longer search by hand; LAZARUS_FUZZ_SEED: replay a failure's seed.
      {
        numRuns: Number(process.env.LAZARUS_FUZZ_RUNS ?? 400),
        endOnFailure: true,
        ...(process.env.LAZARUS_FUZZ_SEED ? { seed: Number(process.env.LAZARUS_FUZZ_SEED) } : {}),
      },
    );
    // The generator must reach past the guards, not only bounce off them: successes and refusals of each kind.
    console.log(`fuzz: answers by status ${JSON.stringify([...seen].sort((a, b) => a[0] - b[0]))}`);
    const statuses = [...seen.keys()];
    for (const status of [200, 400, 401, 403, 404, 415])
      assert.ok(statuses.includes(status), `no ${status} in ${JSON.stringify([...seen])}`);
    assert.ok((seen.get(200) ?? 0) + (seen.get(202) ?? 0) >= 20, JSON.stringify([...seen]));
  });
});

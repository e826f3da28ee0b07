// /metrics on a shared recovery site (issue 13, trial finding 4): its series name every tenant's devices and counts,
// so through the HTTP API (createApi with examples/lazarus-draas.yaml, listening on loopback) a tenant-scoped token
// gets 404 like any route not its own, a loopback caller without a token gets 401 (before: 200 for both), and the
// provider's token gets the metrics.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { openSqliteStore, type InventoryStore } from '../../activities/inventory/index.js';
import { createApi } from '../../api/app.js';
import { parseConfigText } from '../../domain/config/index.js';

const CONFIG = new URL('../../examples/lazarus-draas.yaml', import.meta.url).pathname;
const TOKENS = {
  provider: 'metrics-provider-token-0123',
  acme: 'metrics-acme-token-01234567',
};

describe('/metrics on a shared recovery site', () => {
  let dir: string;
  let store: InventoryStore;
  let server: Server;
  let url = '';

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lazarus-metrics-tenant-'));
    store = await openSqliteStore(join(dir, 'lazarus.db'));
    const config = parseConfigText(readFileSync(CONFIG, 'utf8'), CONFIG);
    assert.ok(config.dr!.tenants.length > 0, 'the example is a shared recovery site');
    const app = createApi({
      // /metrics reads the store only; no route used here reaches Temporal.
      client: {} as Client,
      config,
      store,
      tokens: [
        { name: 'provider', token: TOKENS.provider, role: 'admin' },
        { name: 'acme-ops', token: TOKENS.acme, role: 'operator', tenant: 'acme' },
      ],
      log: () => undefined,
    });
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

  const scrape = (token?: string) =>
    fetch(`${url}/metrics`, token ? { headers: { authorization: `Bearer ${token}` } } : {});

  it("a tenant's token gets 404, loopback without a token 401, the provider the series", async () => {
    const tenant = await scrape(TOKENS.acme);
    assert.equal(tenant.status, 404);
    assert.equal(((await tenant.json()) as { code: string }).code, 'not_found');
    const anonymous = await scrape();
    assert.equal(anonymous.status, 401);
    await anonymous.body?.cancel();
    const provider = await scrape(TOKENS.provider);
    assert.equal(provider.status, 200);
    assert.match(await provider.text(), /lazarus_api_requests_total/);
  });
});

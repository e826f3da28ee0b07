// The InventoryStore contract against SQLite (always) and PostgreSQL (LAZARUS_TEST_DATABASE_URL, else a throwaway
// local cluster; skipped with the reason only outside CI when no server is available).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import pg from 'pg';
import { openPostgresStore, openSqliteStore, type InventoryStore } from '../../activities/inventory/index.js';
import { startPostgres, type PostgresServer } from './postgres-server.js';
import { storeContract, type StoreHarness } from './store-contract.js';

storeContract({
  name: 'SQLite',
  async open() {
    const dir = mkdtempSync(join(tmpdir(), 'lazarus-inventory-'));
    const path = join(dir, 'nested', 'lazarus.db');
    return harness(await openSqliteStore(path), () => openSqliteStore(path), async (statement) => {
      const db = new Database(path);
      try {
        db.exec(statement);
      } finally {
        db.close();
      }
    }, async () => rmSync(dir, { recursive: true, force: true }));
  },
});

const postgres = await startPostgres();
if ('server' in postgres) {
  const server: PostgresServer = postgres.server;
  storeContract({
    name: 'PostgreSQL',
    teardown: () => server.stop(),
    async open() {
      const url = await server.createDatabase();
      return harness(await openPostgresStore(url), () => openPostgresStore(url), async (statement) => {
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        try {
          await client.query(statement);
        } finally {
          await client.end();
        }
      }, async () => undefined);
    },
  });
} else if (process.env.CI) {
  test('PostgreSQL inventory store contract', () => {
    assert.fail(`CI must run the PostgreSQL contract suite: ${postgres.unavailable}; set LAZARUS_TEST_DATABASE_URL (.ci/run does)`);
  });
} else {
  console.log(`PostgreSQL inventory store contract skipped: ${postgres.unavailable}`);
  describe('InventoryStore contract: PostgreSQL', { skip: postgres.unavailable }, () => undefined);
}

function harness(first: InventoryStore, open: () => Promise<InventoryStore>, sql: (statement: string) => Promise<void>, removeFiles: () => Promise<void>): StoreHarness {
  let current: InventoryStore | undefined = first;
  const h: StoreHarness = {
    store: first,
    async reopen() {
      await current?.close();
      current = undefined;
      current = await open();
      return current;
    },
    sql,
    async cleanup() {
      await current?.close();
      await removeFiles();
    },
  };
  return h;
}

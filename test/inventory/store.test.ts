// The InventoryStore contract against SQLite (always) and PostgreSQL (LAZARUS_TEST_DATABASE_URL, else a throwaway
// local cluster; skipped with the reason only outside CI when no server is available).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import pg from 'pg';
import {
  openInventoryStore,
  openPostgresStore,
  openSqliteStore,
  type InventoryStore,
} from '../../activities/inventory/index.js';
import { startPostgres, type PostgresServer } from './postgres-server.js';
import { storeContract, type StoreHarness } from './store-contract.js';
import { loadMigrations } from '../../activities/inventory/migrations.js';

const NEWEST_SCHEMA = loadMigrations('sqlite').length;

storeContract({
  name: 'SQLite',
  async open() {
    const dir = mkdtempSync(join(tmpdir(), 'lazarus-inventory-'));
    const path = join(dir, 'nested', 'lazarus.db');
    return harness(
      'sqlite',
      await openSqliteStore(path),
      () => openSqliteStore(path),
      async (statement) => {
        const db = new Database(path);
        try {
          db.exec(statement);
        } finally {
          db.close();
        }
      },
      async () => rmSync(dir, { recursive: true, force: true }),
    );
  },
});

const postgres = await startPostgres();
if ('server' in postgres) {
  const server: PostgresServer = postgres.server;
  after(() => server.stop());
  storeContract({
    name: 'PostgreSQL',
    async open() {
      const url = await server.createDatabase();
      return harness(
        'postgresql',
        await openPostgresStore(url),
        () => openPostgresStore(url),
        async (statement) => {
          const client = new pg.Client({ connectionString: url });
          await client.connect();
          try {
            await client.query(statement);
          } finally {
            await client.end();
          }
        },
        async () => undefined,
      );
    },
  });
  test('openInventoryStore uses PostgreSQL when LAZARUS_DATABASE_URL is set, and logs no password', async () => {
    const url = new URL(await server.createDatabase());
    if (!url.password) url.password = 's3cret'; // a trust-auth throwaway cluster ignores it
    const lines: string[] = [];
    const store = await openInventoryStore(
      { LAZARUS_DATABASE_URL: url.toString(), LAZARUS_DATABASE_PATH: '/nonexistent/never.db' },
      (line) => lines.push(line),
    );
    await store.close();
    assert.equal(lines.length, 1);
    assert.match(
      lines[0]!,
      new RegExp(
        `^inventory store: PostgreSQL .*@127\\.0\\.0\\.1:${url.port}${url.pathname} \\(schema version ${NEWEST_SCHEMA}\\)$`,
      ),
    );
    assert.ok(!lines[0]!.includes(decodeURIComponent(url.password)), 'the log line must not contain the password');
  });
} else if (process.env.CI) {
  test('PostgreSQL inventory store contract', () => {
    assert.fail(
      `CI must run the PostgreSQL contract suite: ${postgres.unavailable}; set LAZARUS_TEST_DATABASE_URL (.ci/run does)`,
    );
  });
} else {
  console.log(`PostgreSQL inventory store contract skipped: ${postgres.unavailable}`);
  describe('InventoryStore contract: PostgreSQL', { skip: postgres.unavailable }, () => undefined);
}

function harness(
  dialect: 'sqlite' | 'postgresql',
  first: InventoryStore,
  openStore: () => Promise<InventoryStore>,
  sql: (statement: string) => Promise<void>,
  removeFiles: () => Promise<void>,
): StoreHarness {
  const open = new Set<InventoryStore>([first]);
  const openAnother = async () => {
    const store = await openStore();
    open.add(store);
    return store;
  };
  const closeAll = async () => {
    for (const store of open) await store.close().catch(() => undefined);
    open.clear();
  };
  return {
    store: first,
    dialect,
    async reopen() {
      await closeAll();
      return openAnother();
    },
    openAnother,
    sql,
    async cleanup() {
      await closeAll();
      await removeFiles();
    },
  };
}

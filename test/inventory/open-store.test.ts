import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { describePostgresUrl, InventoryStoreError, openInventoryStore } from '../../activities/inventory/index.js';
import { loadMigrations } from '../../activities/inventory/migrations.js';

const NEWEST_SCHEMA = loadMigrations('sqlite').length;

test('without LAZARUS_DATABASE_URL the store is SQLite in WAL mode at LAZARUS_DATABASE_PATH, and says so', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lazarus-open-store-'));
  try {
    const path = join(dir, 'state', 'lazarus.db');
    const lines: string[] = [];
    const store = await openInventoryStore({ LAZARUS_DATABASE_PATH: path }, (line) => lines.push(line));
    await store.close();
    assert.deepEqual(lines, [`inventory store: SQLite ${path} (schema version ${NEWEST_SCHEMA})`]);
    const db = new Database(path, { readonly: true });
    try {
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
      assert.deepEqual(
        db.prepare('SELECT version, name FROM schema_migrations').all(),
        loadMigrations('sqlite').map(({ version, name }) => ({ version, name })),
      );
    } finally {
      db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a PostgreSQL URL is described without its password', () => {
  assert.equal(
    describePostgresUrl('postgres://lazarus:s3cret@db.example:6543/inventory?sslmode=require'),
    'lazarus@db.example:6543/inventory',
  );
  assert.equal(describePostgresUrl('postgresql://127.0.0.1/lazarus'), '127.0.0.1:5432/lazarus');
  assert.throws(
    () => describePostgresUrl('mysql://u:p@h/db'),
    /LAZARUS_DATABASE_URL: scheme must be postgres: or postgresql:, not mysql:/,
  );
  assert.throws(() => describePostgresUrl('not a url'), /LAZARUS_DATABASE_URL: not a URL/);
});

test('an unreachable PostgreSQL server is an error naming it, never the password', async () => {
  const lines: string[] = [];
  await assert.rejects(
    openInventoryStore({ LAZARUS_DATABASE_URL: 'postgres://lazarus:s3cret@127.0.0.1:1/lazarus' }, (line) =>
      lines.push(line),
    ),
    (error: unknown) => {
      assert.ok(error instanceof InventoryStoreError);
      assert.match(error.message, /^PostgreSQL lazarus@127\.0\.0\.1:1\/lazarus: .*ECONNREFUSED/);
      assert.doesNotMatch(error.message, /s3cret/);
      return true;
    },
  );
  assert.deepEqual(lines, []);
});

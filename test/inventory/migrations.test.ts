import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadMigrations, migrate, schemaVersion } from '../../activities/inventory/migrations.js';
import { openSqliteDriver } from '../../activities/inventory/sqlite-driver.js';

test('both dialects carry the same numbered migrations', () => {
  const names = (dialect: 'sqlite' | 'postgresql') => loadMigrations(dialect).map((m) => `${m.version} ${m.name}`);
  assert.deepEqual(names('sqlite'), names('postgresql'));
  assert.deepEqual(names('sqlite'), [
    '1 initial',
    '2 report_runs_and_observations',
    '3 notification_deliveries',
    '4 agent_heartbeats',
    '5 host_monitoring',
    '6 evacuations',
    '7 reduced_sizes',
    '8 api_audit',
    '9 host_quarantine',
  ]);
});

test('a badly named or missing migration is refused naming the file or the gap', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lazarus-migrations-'));
  try {
    writeFileSync(join(dir, '001_initial.sql'), 'SELECT 1;');
    writeFileSync(join(dir, '003_later.sql'), 'SELECT 1;');
    assert.throws(
      () => loadMigrations('sqlite', dir),
      new RegExp(`migrations in ${dir}: expected version 2, found 3 \\(later\\)`),
    );
    writeFileSync(join(dir, '2-oops.sql'), 'SELECT 1;');
    assert.throws(() => loadMigrations('sqlite', dir), /2-oops\.sql: name must be NNN_name\.sql/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a migration that fails leaves the schema where it was: nothing half-applied', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lazarus-migrations-'));
  const db = openSqliteDriver(join(dir, 'lazarus.db'));
  try {
    const [initial] = loadMigrations('sqlite');
    assert.equal(await migrate(db, [initial!]), 1);
    const broken = { version: 2, name: 'broken', sql: 'CREATE TABLE half_applied (id INTEGER);\nCREATE TABLE oops (;' };
    await assert.rejects(migrate(db, [initial!, broken]), /syntax error/);
    assert.equal(await schemaVersion(db), 1);
    assert.deepEqual(await db.query("SELECT name FROM sqlite_master WHERE name = 'half_applied'"), []);
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

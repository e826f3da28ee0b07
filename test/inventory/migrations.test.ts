import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadMigrations } from '../../activities/inventory/migrations.js';

test('both dialects carry the same numbered migrations', () => {
  const names = (dialect: 'sqlite' | 'postgresql') => loadMigrations(dialect).map((m) => `${m.version} ${m.name}`);
  assert.deepEqual(names('sqlite'), names('postgresql'));
  assert.deepEqual(names('sqlite').slice(0, 1), ['1 initial']);
});

test('a badly named or missing migration is refused naming the file or the gap', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lazarus-migrations-'));
  try {
    writeFileSync(join(dir, '001_initial.sql'), 'SELECT 1;');
    writeFileSync(join(dir, '003_later.sql'), 'SELECT 1;');
    assert.throws(() => loadMigrations('sqlite', dir), new RegExp(`migrations in ${dir}: expected version 2, found 3 \\(later\\)`));
    writeFileSync(join(dir, '2-oops.sql'), 'SELECT 1;');
    assert.throws(() => loadMigrations('sqlite', dir), /2-oops\.sql: name must be NNN_name\.sql/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// Versioned schema migrations: numbered SQL files per dialect (migrations/<dialect>/NNN_name.sql), each applied in
// its own transaction together with its row in schema_migrations. Re-running is a no-op; a database whose schema is
// newer than the files this build carries is refused rather than written with an older idea of the tables.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SqlDialect, SqlDriver } from './sql-driver.js';
import { InventoryStoreError } from './store-errors.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

const MIGRATIONS_DIR = join(fileURLToPath(import.meta.url), '..', 'migrations');

export function loadMigrations(dialect: SqlDialect, dir = join(MIGRATIONS_DIR, dialect)): Migration[] {
  const migrations = readdirSync(dir)
    .filter((file) => file.endsWith('.sql'))
    .sort()
    .map((file) => {
      const match = /^(\d{3})_([a-z0-9_]+)\.sql$/.exec(file);
      if (!match) throw new InventoryStoreError(`migration file ${join(dir, file)}: name must be NNN_name.sql`);
      return { version: Number(match[1]), name: match[2]!, sql: readFileSync(join(dir, file), 'utf8') };
    });
  migrations.forEach((m, i) => {
    if (m.version !== i + 1)
      throw new InventoryStoreError(`migrations in ${dir}: expected version ${i + 1}, found ${m.version} (${m.name})`);
  });
  return migrations;
}

/** Brings the schema up to the newest migration; returns the schema version. */
export async function migrate(db: SqlDriver, migrations: Migration[] = loadMigrations(db.dialect)): Promise<number> {
  const newest = migrations.length;
  return db.transaction(
    async (tx) => {
      await tx.exec(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
      );
      const current = await schemaVersion(tx);
      if (current > newest) {
        throw new InventoryStoreError(
          `database schema version ${current} is newer than this Lazarus knows (${newest}); upgrade Lazarus or point it at another database`,
        );
      }
      for (const migration of migrations.slice(current)) {
        await tx.exec(migration.sql);
        await tx.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [
          migration.version,
          migration.name,
          new Date().toISOString(),
        ]);
      }
      return newest;
    },
    { lock: 'schema_migrations' },
  );
}

export async function schemaVersion(db: SqlDriver): Promise<number> {
  const [row] = await db.query('SELECT MAX(version) AS version FROM schema_migrations');
  const version = row?.version;
  return version === null || version === undefined ? 0 : Number(version);
}

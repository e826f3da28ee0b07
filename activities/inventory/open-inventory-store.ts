// Chooses the backend: PostgreSQL when LAZARUS_DATABASE_URL is set, otherwise SQLite in LAZARUS_DATABASE_PATH
// (default .lazarus/lazarus.db). Says which in one log line without the password.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { InventoryStore } from './inventory-store.js';
import { openPostgresDriver } from './postgres-driver.js';
import { openSqlInventoryStore } from './sql-inventory-store.js';
import { openSqliteDriver } from './sqlite-driver.js';
import { InventoryStoreError } from './store-errors.js';

export const DEFAULT_SQLITE_PATH = '.lazarus/lazarus.db';

export async function openInventoryStore(
  env: NodeJS.ProcessEnv = process.env,
  log: (line: string) => void = console.log,
): Promise<InventoryStore> {
  const url = env.LAZARUS_DATABASE_URL;
  const store = url
    ? await openPostgresStore(url)
    : await openSqliteStore(env.LAZARUS_DATABASE_PATH || DEFAULT_SQLITE_PATH);
  log(`inventory store: ${store.description} (schema version ${store.schemaVersion})`);
  return store;
}

export async function openSqliteStore(path: string): Promise<InventoryStore> {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const driver = openSqliteDriver(path);
  return openOrClose(driver, `SQLite ${path}`);
}

export async function openPostgresStore(url: string): Promise<InventoryStore> {
  const driver = openPostgresDriver(url);
  return openOrClose(driver, `PostgreSQL ${describePostgresUrl(url)}`);
}

/** user@host:port/database — the password (and any query string) left out. */
export function describePostgresUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InventoryStoreError(
      'LAZARUS_DATABASE_URL: not a URL (expected postgres://user:password@host:port/database)',
    );
  }
  if (!['postgres:', 'postgresql:'].includes(parsed.protocol))
    throw new InventoryStoreError(
      `LAZARUS_DATABASE_URL: scheme must be postgres: or postgresql:, not ${parsed.protocol}`,
    );
  const user = parsed.username ? `${decodeURIComponent(parsed.username)}@` : '';
  return `${user}${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`;
}

async function openOrClose(driver: ReturnType<typeof openSqliteDriver>, description: string): Promise<InventoryStore> {
  try {
    return await openSqlInventoryStore(driver, description);
  } catch (error) {
    await driver.close().catch(() => undefined);
    if (error instanceof InventoryStoreError) throw error;
    throw new InventoryStoreError(`${description}: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
}

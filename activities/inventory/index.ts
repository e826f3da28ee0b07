// The inventory store: discovery runs and snapshots, verification and capacity results, recovery reports,
// notifications; SQLite by default, PostgreSQL when LAZARUS_DATABASE_URL is set.
export type { InventoryStore } from './inventory-store.js';
export * from './records.js';
export { CorruptRowError, InventoryStoreError } from './store-errors.js';
export {
  DEFAULT_SQLITE_PATH,
  describePostgresUrl,
  openInventoryStore,
  openPostgresStore,
  openSqliteStore,
} from './open-inventory-store.js';

// SQLite through better-sqlite3 (synchronous underneath). Calls on one database file are queued per process, so an
// async transaction never interleaves with another caller's statements, and two connections of one process never
// wait on each other's lock (SQLite's busy wait blocks the thread, which would deadlock them). Other processes are
// waited for through busy_timeout.
import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { SqlDriver, SqlRow, SqlValue } from './sql-driver.js';

const queues = new Map<string, Promise<unknown>>();

export function openSqliteDriver(path: string): SqlDriver {
  const db = new Database(path);
  db.pragma('busy_timeout = 5000');
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  const key = path === ':memory:' ? `:memory:${Math.random()}` : resolve(path);
  const serialized = <T>(work: () => Promise<T>): Promise<T> => {
    const result = (queues.get(key) ?? Promise.resolve()).then(work);
    const settled = result.catch(() => undefined);
    queues.set(key, settled);
    void settled.then(() => queues.get(key) === settled && queues.delete(key));
    return result;
  };
  const direct: SqlDriver = {
    dialect: 'sqlite',
    query: async (sql, params = []) => runStatement(db, sql, params),
    exec: async (script) => void db.exec(script),
    transaction: () => Promise.reject(new Error('nested transactions are not supported')),
    close: () => Promise.resolve(),
  };
  return {
    dialect: 'sqlite',
    query: (sql, params) => serialized(() => direct.query(sql, params)),
    exec: (script) => serialized(() => direct.exec(script)),
    transaction: (work, options) =>
      serialized(async () => {
        // IMMEDIATE takes the write lock up front, so read-then-write transactions see the latest committed state.
        db.exec(options?.lock ? 'BEGIN IMMEDIATE' : 'BEGIN');
        try {
          const result = await work(direct);
          db.exec('COMMIT');
          return result;
        } catch (error) {
          db.exec('ROLLBACK');
          throw error;
        }
      }),
    close: () => serialized(async () => void db.close()),
  };
}

function runStatement(db: Database.Database, sql: string, params: SqlValue[]): SqlRow[] {
  const statement = db.prepare(sql);
  const values = params.map((p) => (typeof p === 'boolean' ? Number(p) : p));
  if (statement.reader) return statement.all(...values) as SqlRow[];
  statement.run(...values);
  return [];
}

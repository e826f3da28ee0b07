// SQLite through better-sqlite3 (synchronous underneath). Calls are queued so an async transaction never
// interleaves with another caller's statements on the one connection.
import Database from 'better-sqlite3';
import type { SqlDriver, SqlRow, SqlValue } from './sql-driver.js';

export function openSqliteDriver(path: string): SqlDriver {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  let queue: Promise<unknown> = Promise.resolve();
  const serialized = <T>(work: () => Promise<T>): Promise<T> => {
    const result = queue.then(work);
    queue = result.catch(() => undefined);
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
        db.exec(options?.exclusive ? 'BEGIN IMMEDIATE' : 'BEGIN');
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

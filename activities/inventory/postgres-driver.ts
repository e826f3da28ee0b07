// PostgreSQL through a pg pool. `?` placeholders become $1, $2, … (the store's SQL has no literal question marks).
import pg from 'pg';
import type { SqlDriver, SqlValue } from './sql-driver.js';

export function openPostgresDriver(connectionString: string): SqlDriver {
  const pool = new pg.Pool({ connectionString, max: 4 });
  // An idle client's error (server restart) must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  return {
    dialect: 'postgresql',
    query: async (sql, params = []) => (await pool.query(numberPlaceholders(sql), params)).rows,
    exec: async (script) => void (await pool.query(script)),
    transaction: async (work, options) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        if (options?.lock)
          await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`lazarus:${options.lock}`]);
        const tx: SqlDriver = {
          dialect: 'postgresql',
          query: async (sql, params: SqlValue[] = []) => (await client.query(numberPlaceholders(sql), params)).rows,
          exec: async (script) => void (await client.query(script)),
          transaction: () => Promise.reject(new Error('nested transactions are not supported')),
          close: () => Promise.resolve(),
        };
        const result = await work(tx);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

function numberPlaceholders(sql: string): string {
  let index = 0;
  return sql.replace(/\?/g, () => `$${++index}`);
}

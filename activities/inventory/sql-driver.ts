// The little the store needs of a SQL database, so one store works over SQLite and PostgreSQL. Statements use `?`
// placeholders; the PostgreSQL driver numbers them. Both return plain row objects.
export type SqlDialect = 'sqlite' | 'postgresql';
export type SqlValue = string | number | boolean | null;
export type SqlRow = Record<string, unknown>;

export interface SqlDriver {
  readonly dialect: SqlDialect;
  query(sql: string, params?: SqlValue[]): Promise<SqlRow[]>;
  /** Runs a script of several statements (migrations). */
  exec(script: string): Promise<void>;
  /**
   * Runs `work` in one transaction. With `lock`, transactions holding the same lock name run one at a time across
   * processes (PostgreSQL: an advisory lock on the name; SQLite: the database write lock).
   */
  transaction<T>(work: (tx: SqlDriver) => Promise<T>, options?: { lock?: string }): Promise<T>;
  close(): Promise<void>;
}

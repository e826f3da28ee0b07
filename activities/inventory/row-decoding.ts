// Turning database rows back into records, whichever backend produced them (SQLite: TEXT timestamps, JSON as text,
// 0/1 booleans; PostgreSQL: Date, parsed JSONB, booleans). Anything unexpected is a CorruptRowError naming the
// table and the row's id.
import type { z } from 'zod';
import { CorruptRowError } from './store-errors.js';
import type { SqlRow } from './sql-driver.js';

export class RowReader {
  constructor(
    readonly table: string,
    readonly row: SqlRow,
    readonly id: string | number = String(row.id ?? row.workflow_id ?? '?'),
  ) {}

  text(column: string): string {
    const value = this.row[column];
    if (typeof value !== 'string') throw this.corrupt(column, 'expected text');
    return value;
  }

  optionalText(column: string): string | undefined {
    const value = this.row[column];
    return value === null || value === undefined ? undefined : this.text(column);
  }

  integer(column: string): number {
    const value = Number(this.row[column]);
    if (!Number.isSafeInteger(value)) throw this.corrupt(column, 'expected an integer');
    return value;
  }

  boolean(column: string): boolean {
    const value = this.row[column];
    if (value === true || value === 1) return true;
    if (value === false || value === 0) return false;
    throw this.corrupt(column, 'expected a boolean');
  }

  timestamp(column: string): string {
    const value = this.row[column];
    const date = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : undefined;
    if (!date || Number.isNaN(date.getTime())) throw this.corrupt(column, 'expected a timestamp');
    return date.toISOString();
  }

  /** A JSON column checked against `schema`; the error names the column and the first bad field. */
  json<T>(column: string, schema: z.ZodType<T>): T {
    let value = this.row[column];
    if (typeof value === 'string') {
      try {
        value = JSON.parse(value);
      } catch {
        throw this.corrupt(column, 'not valid JSON');
      }
    }
    const result = schema.safeParse(value);
    if (!result.success) {
      const issue = result.error.issues[0]!;
      throw this.corrupt(column, `${issue.path.map(String).join('.') || '(value)'}: ${issue.message}`);
    }
    return result.data;
  }

  optionalJson<T>(column: string, schema: z.ZodType<T>): T | undefined {
    const value = this.row[column];
    return value === null || value === undefined ? undefined : this.json(column, schema);
  }

  oneOf<T extends string>(column: string, allowed: readonly T[]): T {
    const value = this.text(column);
    if (!(allowed as readonly string[]).includes(value))
      throw this.corrupt(column, `"${value}" is not one of ${allowed.join(', ')}`);
    return value as T;
  }

  private corrupt(column: string, problem: string): CorruptRowError {
    return new CorruptRowError(this.table, this.id, `${column}: ${problem}`);
  }
}

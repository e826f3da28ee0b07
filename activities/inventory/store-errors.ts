// Errors of the inventory store. A corrupt row names its table and id, so an operator can find and fix it.
import type { z } from 'zod';
export class InventoryStoreError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InventoryStoreError';
  }
}

export class CorruptRowError extends InventoryStoreError {
  constructor(
    readonly table: string,
    readonly id: string | number,
    problem: string,
  ) {
    super(`${table} id ${id}: corrupt row: ${problem}`);
    this.name = 'CorruptRowError';
  }
}

/**
 * `value` parsed by `schema`, or an InventoryStoreError `invalid <what>: <path>: <problem>` naming up to three
 * problems (the store's one check of what callers hand it).
 */
export function validStoreInput<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.map(String).join('.') || '(value)'}: ${issue.message}`);
  throw new InventoryStoreError(`invalid ${what}: ${problems.join('; ')}`);
}

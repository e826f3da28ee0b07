// The store's part of reduced-size restarts (migration 007): each LPAR a failover restarted smaller than its desired
// size, with the full size it had, so that `restore` or a later resize gives it back. Portable SQL over the
// SqlDriver; every input validated (InventoryStoreError naming the field), every row read back checked.
import { z } from 'zod';
import { RowReader } from './row-decoding.js';
import type { SqlDriver, SqlRow } from './sql-driver.js';
import { InventoryStoreError } from './store-errors.js';

const text = z.string().min(1).max(1000);
const procUnits = z
  .number()
  .positive()
  .max(4096)
  .refine((v) => Math.abs(Math.round(v * 100) - v * 100) < 1e-6, 'takes at most 2 decimals');
const memoryMb = z.number().int().positive();

/**
 * One LPAR running reduced: its profile, full (desired before the reduction) and reduced sizes in processing units
 * and MB, the host it was restarted on, by which workflow (a failover's id) and when (ISO 8601).
 */
export interface ReducedSizeRecord {
  group: string;
  lpar: string;
  profile: string;
  full: { procUnits: number; memoryMb: number };
  reduced: { procUnits: number; memoryMb: number };
  host: string;
  reducedBy: string;
  reducedAt: string;
}

export const reducedSizeRecordSchema = z.strictObject({
  group: text,
  lpar: text,
  profile: text,
  full: z.strictObject({ procUnits, memoryMb }),
  reduced: z.strictObject({ procUnits, memoryMb }),
  host: text,
  reducedBy: text,
  reducedAt: z.string().refine((v) => !Number.isNaN(Date.parse(v)), 'must be an ISO 8601 time'),
});

/** The record of LPARs running at reduced size (InventoryStore.reducedSizes()). */
export interface ReducedSizeStore {
  /**
   * Records a reduction. An LPAR already recorded keeps its first full size and profile (reduced twice before it
   * was returned, its full size is still the first one); the reduced size, host and workflow are replaced.
   * InventoryStoreError on a bad field, or when `reduced` is larger than `full`.
   */
  record(reduction: ReducedSizeRecord): Promise<void>;
  /** The record of one LPAR of `group`, or undefined when it is not known to run reduced. */
  of(group: string, lpar: string): Promise<ReducedSizeRecord | undefined>;
  /** Every LPAR of `group` known to run reduced, by name. */
  inGroup(group: string): Promise<ReducedSizeRecord[]>;
  /** Forgets an LPAR's record (it is back at full size); returns whether there was one. */
  forget(group: string, lpar: string): Promise<boolean>;
}

export function sqlReducedSizeStore(db: SqlDriver): ReducedSizeStore {
  return {
    async record(input) {
      const r = valid(input);
      await db.query(
        'INSERT INTO reduced_sizes (host_group, lpar, profile, full_proc_hundredths, full_memory_mb, ' +
          'reduced_proc_hundredths, reduced_memory_mb, host, reduced_by, reduced_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ' +
          'ON CONFLICT (host_group, lpar) DO UPDATE SET reduced_proc_hundredths = excluded.reduced_proc_hundredths, ' +
          'reduced_memory_mb = excluded.reduced_memory_mb, host = excluded.host, reduced_by = excluded.reduced_by, ' +
          'reduced_at = excluded.reduced_at',
        [
          r.group,
          r.lpar,
          r.profile,
          hundredths(r.full.procUnits),
          r.full.memoryMb,
          hundredths(r.reduced.procUnits),
          r.reduced.memoryMb,
          r.host,
          r.reducedBy,
          new Date(r.reducedAt).toISOString(),
        ],
      );
    },
    async of(group, lpar) {
      const rows = await db.query('SELECT * FROM reduced_sizes WHERE host_group = ? AND lpar = ?', [group, lpar]);
      return rows[0] ? recordRow(rows[0]) : undefined;
    },
    async inGroup(group) {
      const rows = await db.query('SELECT * FROM reduced_sizes WHERE host_group = ? ORDER BY lpar', [group]);
      return rows.map(recordRow);
    },
    async forget(group, lpar) {
      const rows = await db.query('DELETE FROM reduced_sizes WHERE host_group = ? AND lpar = ? RETURNING lpar', [
        group,
        lpar,
      ]);
      return rows.length > 0;
    },
  };
}

const hundredths = (units: number) => Math.round(units * 100);

function recordRow(row: SqlRow): ReducedSizeRecord {
  const r = new RowReader('reduced_sizes', row, `${String(row.host_group)}/${String(row.lpar)}`);
  return {
    group: r.text('host_group'),
    lpar: r.text('lpar'),
    profile: r.text('profile'),
    full: { procUnits: r.integer('full_proc_hundredths') / 100, memoryMb: r.integer('full_memory_mb') },
    reduced: { procUnits: r.integer('reduced_proc_hundredths') / 100, memoryMb: r.integer('reduced_memory_mb') },
    host: r.text('host'),
    reducedBy: r.text('reduced_by'),
    reducedAt: r.timestamp('reduced_at'),
  };
}

function valid(input: ReducedSizeRecord): ReducedSizeRecord {
  const parsed = reducedSizeRecordSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InventoryStoreError(`reduced size: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const { full, reduced } = parsed.data;
  if (reduced.procUnits > full.procUnits + 1e-9 || reduced.memoryMb > full.memoryMb)
    throw new InventoryStoreError(`reduced size of ${parsed.data.lpar}: reduced is larger than full`);
  return parsed.data;
}

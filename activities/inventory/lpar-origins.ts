// The store's part of planned operations (migration 006): where each LPAR came from when an evacuation moved it away,
// read by `restore` to bring every one of them home. Portable SQL over the SqlDriver; every input validated
// (InventoryStoreError naming the field), every row read back checked.
import { z } from 'zod';
import { RowReader } from './row-decoding.js';
import type { SqlDriver, SqlRow } from './sql-driver.js';
import { InventoryStoreError } from './store-errors.js';

const text = z.string().min(1).max(1000);

/** One LPAR moved away from its original host: by which workflow (an evacuation's id), when (ISO 8601). */
export interface LparOrigin {
  group: string;
  lpar: string;
  originHost: string;
  movedTo: string;
  movedBy: string;
  movedAt: string;
}

export const lparOriginSchema = z.strictObject({
  group: text,
  lpar: text,
  originHost: text,
  movedTo: text,
  movedBy: text,
  movedAt: z.string().refine((v) => !Number.isNaN(Date.parse(v)), 'must be an ISO 8601 time'),
});

/** The record of where LPARs came from (InventoryStore.lparOrigins()). */
export interface LparOriginStore {
  /**
   * Records moves. An LPAR already recorded keeps its first origin (moved again before it went home, it still
   * belongs there); where it is and who moved it are replaced. InventoryStoreError on a bad field.
   */
  recordMoves(moves: LparOrigin[]): Promise<void>;
  /** The LPARs of `group` whose original host is `host`, by LPAR name. */
  movedAwayFrom(group: string, host: string): Promise<LparOrigin[]>;
  /** Forgets the records of these LPARs (they are home again); returns how many there were. */
  forget(group: string, lpars: string[]): Promise<number>;
}

export function sqlLparOriginStore(db: SqlDriver): LparOriginStore {
  return {
    async recordMoves(moves) {
      for (const input of moves) {
        const m = valid(input);
        await db.query(
          'INSERT INTO lpar_origins (host_group, lpar, origin_host, moved_to, moved_by, moved_at) ' +
            'VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (host_group, lpar) DO UPDATE SET moved_to = excluded.moved_to, ' +
            'moved_by = excluded.moved_by, moved_at = excluded.moved_at',
          [m.group, m.lpar, m.originHost, m.movedTo, m.movedBy, new Date(m.movedAt).toISOString()],
        );
      }
    },
    async movedAwayFrom(group, host) {
      const rows = await db.query('SELECT * FROM lpar_origins WHERE host_group = ? AND origin_host = ? ORDER BY lpar', [
        group,
        host,
      ]);
      return rows.map(originRow);
    },
    async forget(group, lpars) {
      let count = 0;
      for (const lpar of lpars) {
        const rows = await db.query('DELETE FROM lpar_origins WHERE host_group = ? AND lpar = ? RETURNING lpar', [
          group,
          lpar,
        ]);
        count += rows.length;
      }
      return count;
    },
  };
}

function originRow(row: SqlRow): LparOrigin {
  const r = new RowReader('lpar_origins', row);
  return {
    group: r.text('host_group'),
    lpar: r.text('lpar'),
    originHost: r.text('origin_host'),
    movedTo: r.text('moved_to'),
    movedBy: r.text('moved_by'),
    movedAt: r.timestamp('moved_at'),
  };
}

function valid(input: LparOrigin): LparOrigin {
  const parsed = lparOriginSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InventoryStoreError(`LPAR origin: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data;
}

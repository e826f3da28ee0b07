// Fleet observations in SQL: one row per host or LPAR a failover or a live read observed, and the group's current
// fleet read back as the newest good snapshot merged with the observations that matter to it (domain/inventory).
import {
  currentFleet,
  type Fleet,
  type FleetObservations,
  type InventorySnapshot,
  type ObservedHost,
  type ObservedLpar,
} from '../../domain/inventory/index.js';
import { RowReader } from './row-decoding.js';
import type { SqlDriver } from './sql-driver.js';

/** Stores every host and LPAR of `observations` (already validated) in one transaction; returns the row counts. */
export async function insertObservations(
  db: SqlDriver,
  observations: FleetObservations,
): Promise<{ hosts: number; lpars: number }> {
  const { group, source } = observations;
  const observedAt = new Date(observations.observedAt).toISOString();
  const insert =
    'INSERT INTO fleet_observations (host_group, observed_at, source, subject, name, host, state, fenced) ' +
    'VALUES (?, ?, ?, ?, ?, ?, ?, ?)';
  const hosts = observations.hosts ?? [];
  const lpars = observations.lpars ?? [];
  await db.transaction(async (tx) => {
    for (const h of hosts)
      await tx.query(insert, [group, observedAt, source, 'host', h.name, null, h.state, h.fenced ?? null]);
    for (const l of lpars) await tx.query(insert, [group, observedAt, source, 'lpar', l.name, l.host, l.state, null]);
  });
  return { hosts: hosts.length, lpars: lpars.length };
}

/**
 * The group's fleet from its newest good snapshot and the observations since the oldest description in it (older
 * ones are superseded by that snapshot); all of them when the snapshot lists a host it never described, or there is
 * no snapshot.
 */
export async function readFleet(
  db: SqlDriver,
  group: string,
  latest: { runId: number; snapshot: InventorySnapshot } | undefined,
): Promise<Fleet> {
  const since = oldestDescription(latest?.snapshot);
  const rows = since
    ? await db.query(
        'SELECT * FROM fleet_observations WHERE host_group = ? AND observed_at >= ? ORDER BY observed_at, id',
        [group, since],
      )
    : await db.query('SELECT * FROM fleet_observations WHERE host_group = ? ORDER BY observed_at, id', [group]);
  const hosts: ObservedHost[] = [];
  const lpars: ObservedLpar[] = [];
  for (const row of rows) {
    const r = new RowReader('fleet_observations', row);
    const seen = {
      name: r.text('name'),
      state: r.text('state'),
      observedAt: r.timestamp('observed_at'),
      source: r.text('source'),
    };
    if (r.oneOf('subject', ['host', 'lpar'] as const) === 'lpar') lpars.push({ ...seen, host: r.text('host') });
    else hosts.push(row.fenced === null || row.fenced === undefined ? seen : { ...seen, fenced: r.boolean('fenced') });
  }
  return currentFleet(group, latest, { hosts, lpars });
}

function oldestDescription(snapshot: InventorySnapshot | undefined): string | undefined {
  if (!snapshot || (snapshot.undescribedHosts?.length ?? 0) > 0) return undefined;
  const times = snapshot.managedSystems.map((m) => new Date(m.describedAt ?? snapshot.takenAt).toISOString());
  return times.sort()[0] ?? new Date(snapshot.takenAt).toISOString();
}

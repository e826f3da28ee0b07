// SQLite persistence for `--db-filename`. WAL journal with synchronous=NORMAL: a committed change survives a crash
// or `kill -9` of the server process (it is in the WAL, which SQLite replays on open); after an operating-system crash
// or power loss the last few transactions may be lost. That is the right trade for a development server.
import Database from 'better-sqlite3';
import { root } from '../errors.js';
import type { HistoryEvent, RunState } from '../engine/model.js';
import { fromJson, toJson } from '../engine/values.js';
import type { ScheduleRecord, ScheduleStore } from '../schedules/types.js';
import type { ChangeSet, DevserverStore, LoadedRun, NamespaceRecord } from './store.js';

const HistoryEventType = root.lookupType('temporal.api.history.v1.HistoryEvent');
const SCHEMA_VERSION = 1;

export class DatabaseInUseError extends Error {}

/**
 * One server per database file: the state is loaded into memory and written through, so a second server on the same
 * file (a leftover one, say) would silently diverge from it. The file is locked for as long as this server runs; the
 * operating system releases the lock when the process dies, even by kill -9.
 */
function openExclusively(file: string): Database.Database {
  const db = new Database(file, { timeout: 1_000 });
  try {
    // Exclusive before WAL: the WAL then needs no shared memory, and the write lock taken below is held until close.
    db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('journal_mode = WAL');
    db.exec('BEGIN IMMEDIATE; COMMIT');
    return db;
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code === 'SQLITE_BUSY') {
      throw new DatabaseInUseError(
        `database ${file} is in use by another devserver process: stop that one first, or give this one another --db-filename`,
      );
    }
    throw err;
  }
}

export class SqliteStore implements DevserverStore {
  readonly durable = true;
  private readonly db: Database.Database;
  private readonly upsertRun: Database.Statement;
  private readonly insertEvent: Database.Statement;
  private readonly upsertNamespace: Database.Statement;
  private readonly commitAll: (changes: ChangeSet) => void;
  readonly schedules: ScheduleStore;

  constructor(file: string) {
    this.db = openExclusively(file);
    this.db.pragma('synchronous = NORMAL');
    this.migrate();
    this.upsertRun = this.db.prepare(
      'INSERT INTO runs (run_key, state) VALUES (?, ?) ON CONFLICT(run_key) DO UPDATE SET state = excluded.state',
    );
    this.insertEvent = this.db.prepare('INSERT INTO events (run_key, event_id, data) VALUES (?, ?, ?)');
    this.upsertNamespace = this.db.prepare(
      'INSERT INTO namespaces (name, record) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET record = excluded.record',
    );
    this.commitAll = this.db.transaction((changes: ChangeSet) => {
      for (const ns of changes.namespaces) this.upsertNamespace.run(ns.name, JSON.stringify(ns));
      for (const { runKey, event } of changes.events) {
        this.insertEvent.run(runKey, Number(event.eventId), HistoryEventType.encode(event).finish());
      }
      for (const [runKey, state] of changes.runs) this.upsertRun.run(runKey, toJson(state));
    });
    this.schedules = this.scheduleStore();
  }

  commit(changes: ChangeSet): void {
    if (changes.runs.size === 0 && changes.events.length === 0 && changes.namespaces.length === 0) return;
    this.commitAll(changes);
  }

  loadNamespaces(): NamespaceRecord[] {
    return (this.db.prepare('SELECT record FROM namespaces').all() as Array<{ record: string }>).map(
      (r) => JSON.parse(r.record) as NamespaceRecord,
    );
  }

  *loadRuns(): Iterable<LoadedRun> {
    const events = this.db.prepare('SELECT data FROM events WHERE run_key = ? ORDER BY event_id');
    for (const row of this.db.prepare('SELECT run_key, state FROM runs').all() as Array<{
      run_key: string;
      state: string;
    }>) {
      const state = fromJson<RunState>(row.state);
      const history = (events.all(row.run_key) as Array<{ data: Buffer }>).map(
        (e) => HistoryEventType.toObject(HistoryEventType.decode(e.data), { longs: Number }) as HistoryEvent,
      );
      yield { state, events: history };
    }
  }

  loadSearchAttributes(): Record<string, string> {
    const row = this.db.prepare(`SELECT value FROM meta WHERE key = 'search_attributes'`).get() as
      { value: string } | undefined;
    return row ? (JSON.parse(row.value) as Record<string, string>) : {};
  }

  saveSearchAttributes(types: Record<string, string>): void {
    this.db
      .prepare(
        `INSERT INTO meta (key, value) VALUES ('search_attributes', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`,
      )
      .run(JSON.stringify(types));
  }

  close(): void {
    this.db.close();
  }

  private migrate(): void {
    this.db.exec(`CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
    const row = this.db.prepare(`SELECT value FROM meta WHERE key = 'schema_version'`).get() as
      { value: string } | undefined;
    const version = row ? Number(row.value) : 0;
    if (version > SCHEMA_VERSION) {
      throw new Error(
        `database schema version ${version} is newer than this devserver understands (${SCHEMA_VERSION})`,
      );
    }
    if (version < 1) {
      this.db.exec(`
        CREATE TABLE namespaces (name TEXT PRIMARY KEY, record TEXT NOT NULL);
        CREATE TABLE runs (run_key TEXT PRIMARY KEY, state TEXT NOT NULL);
        CREATE TABLE events (run_key TEXT NOT NULL, event_id INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (run_key, event_id)) WITHOUT ROWID;
        CREATE TABLE schedules (namespace TEXT NOT NULL, schedule_id TEXT NOT NULL, record TEXT NOT NULL, PRIMARY KEY (namespace, schedule_id));
        INSERT INTO meta (key, value) VALUES ('schema_version', '1');
      `);
    }
  }

  private scheduleStore(): ScheduleStore {
    const save = this.db.prepare(
      'INSERT INTO schedules (namespace, schedule_id, record) VALUES (?, ?, ?) ON CONFLICT(namespace, schedule_id) DO UPDATE SET record = excluded.record',
    );
    const remove = this.db.prepare('DELETE FROM schedules WHERE namespace = ? AND schedule_id = ?');
    const all = this.db.prepare('SELECT namespace, schedule_id, record FROM schedules');
    return {
      loadAll: () =>
        (all.all() as Array<{ namespace: string; schedule_id: string; record: string }>).map((r): ScheduleRecord => ({
          namespace: r.namespace,
          scheduleId: r.schedule_id,
          json: r.record,
        })),
      save: (record) => void save.run(record.namespace, record.scheduleId, record.json),
      delete: (namespace, scheduleId) => void remove.run(namespace, scheduleId),
    };
  }
}

// The store's host-monitoring records (migrations 005 and 009) on SQLite and PostgreSQL (LAZARUS_TEST_DATABASE_URL or a
// throwaway cluster, as the store contract does): a detection recorded twice for the same
// streak is one row (a retried activity), newest first per group; maintenance set, replaced, listed and cleared; a
// quarantine recorded, its end moved (keeping when it began), ignored past its end and cleared; bad input is refused
// naming the field.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  InventoryStoreError,
  openPostgresStore,
  openSqliteStore,
  type InventoryStore,
} from '../../activities/inventory/index.js';
import type { HostDetection } from '../../domain/monitoring/index.js';
import { startPostgres, type PostgresServer } from '../inventory/postgres-server.js';

const postgres = await startPostgres();
if ('unavailable' in postgres && process.env.CI)
  throw new Error(`CI must run the host monitoring records on PostgreSQL too: ${postgres.unavailable}`);
if ('unavailable' in postgres) console.log(`host monitoring records on PostgreSQL not run: ${postgres.unavailable}`);

const backends: Array<[string, () => Promise<InventoryStore>]> = [['SQLite', () => openSqliteStore(':memory:')]];
if ('server' in postgres) {
  const server: PostgresServer = postgres.server;
  backends.push(['PostgreSQL', async () => openPostgresStore(await server.createDatabase())]);
  after(() => server.stop());
}

for (const [backend, open] of backends)
  describe(`host monitoring records in the store: ${backend}`, () => {
    let store: InventoryStore;
    before(async () => {
      store = await open();
    });
    after(() => store?.close());

    const detection = (host: string, firstBadAt: string, confirmedAt: string): HostDetection => ({
      group: 'dc1-prod',
      host,
      firstBadAt,
      confirmedAt,
      verdict: 'failed',
      action: 'failover-auto',
      failoverId: `failover/dc1-prod/${host}`,
      mode: 'auto',
      reason: `${host} failed`,
      monitorId: 'monitor/dc1-prod',
    });

    it('keeps one detection per streak, newest confirmation first', async () => {
      const records = store.hostMonitoring();
      await records.recordDetection(detection('dc1-s01', '2026-11-30T01:00:00Z', '2026-11-30T01:00:10Z'));
      await records.recordDetection({
        ...detection('dc1-s01', '2026-11-30T01:00:00Z', '2026-11-30T01:00:10Z'),
        action: 'failover-already-running',
      });
      await records.recordDetection(detection('dc1-s02', '2026-11-30T02:00:00Z', '2026-11-30T02:00:10Z'));
      const listed = await records.detections('dc1-prod');
      assert.deepEqual(
        listed.map((d) => [d.host, d.action, d.confirmedAt]),
        [
          ['dc1-s02', 'failover-auto', '2026-11-30T02:00:10.000Z'],
          ['dc1-s01', 'failover-already-running', '2026-11-30T01:00:10.000Z'],
        ],
      );
      assert.deepEqual(await records.detections('other-group'), []);
      await assert.rejects(
        records.recordDetection({ ...detection('dc1-s03', 'yesterday', '2026-11-30T02:00:10Z') }),
        (err: Error) => err instanceof InventoryStoreError && err.message.includes('firstBadAt'),
      );
    });

    it('sets, replaces, lists and clears maintenance', async () => {
      const records = store.hostMonitoring();
      await records.setMaintenance({ host: 'dc1-s03', reason: 'firmware', by: 'alice', since: '2026-11-30T01:00:00Z' });
      await records.setMaintenance({ host: 'dc1-s03', reason: 'DIMM swap', by: 'bob', since: '2026-11-30T01:05:00Z' });
      await records.setMaintenance({ host: 'dc1-s04', reason: 'move', by: 'bob', since: '2026-11-30T01:06:00Z' });
      assert.deepEqual(await records.maintenance(['dc1-s03', 'dc1-s01']), [
        { host: 'dc1-s03', reason: 'DIMM swap', by: 'bob', since: '2026-11-30T01:05:00.000Z' },
      ]);
      assert.equal(await records.clearMaintenance('dc1-s03'), true);
      assert.equal(await records.clearMaintenance('dc1-s03'), false);
      assert.deepEqual(
        (await records.maintenance()).map((m) => m.host),
        ['dc1-s04'],
      );
      await assert.rejects(
        records.setMaintenance({ host: 'dc1-s01', reason: '', by: 'bob', since: '2026-11-30T01:06:00Z' }),
        /reason/,
      );
    });

    it('records a quarantine, moves its end, ignores it once ended and clears it', async () => {
      const records = store.hostMonitoring();
      const quarantine = {
        group: 'dc1-prod',
        host: 'dc1-s02',
        since: '2026-11-30T01:00:00Z',
        until: '2026-11-30T02:00:00Z',
        reason: '4 changes between up and down within 60 min (flapLimit 3)',
        monitorId: 'monitor/dc1-prod',
      };
      await records.recordQuarantine(quarantine);
      // The host changed again: the end moves, the beginning stays.
      const moved = await records.recordQuarantine({
        ...quarantine,
        since: '2026-11-30T01:20:00Z',
        until: '2026-11-30T02:20:00Z',
      });
      assert.deepEqual(moved, { ...quarantine, since: '2026-11-30T01:00:00.000Z', until: '2026-11-30T02:20:00.000Z' });
      const during = new Date('2026-11-30T02:10:00Z');
      assert.deepEqual(
        (await records.quarantines(['dc1-s02', 'dc1-s03'], during)).map((q) => [q.host, q.until]),
        [['dc1-s02', '2026-11-30T02:20:00.000Z']],
      );
      assert.deepEqual(await records.quarantines(['dc1-s03'], during), []);
      assert.deepEqual(await records.quarantines(undefined, new Date('2026-11-30T02:20:00Z')), [], 'over at its end');
      // A quarantine that ended without being cleared (its monitor stopped) is replaced whole by the next one.
      const next = await records.recordQuarantine({
        ...quarantine,
        since: '2026-11-30T05:00:00Z',
        until: '2026-11-30T06:00:00Z',
      });
      assert.equal(next.since, '2026-11-30T05:00:00.000Z');
      assert.equal(await records.clearQuarantine('dc1-s02'), true);
      assert.equal(await records.clearQuarantine('dc1-s02'), false);
      assert.deepEqual(await records.quarantines(undefined, new Date('2026-11-30T05:30:00Z')), []);
      await assert.rejects(
        records.recordQuarantine({ ...quarantine, until: '2026-11-30T00:00:00Z' }),
        (err: Error) => err instanceof InventoryStoreError && /until: must be after since/.test(err.message),
      );
      await assert.rejects(
        records.recordQuarantine({ ...quarantine, group: '' }),
        (err: Error) => err instanceof InventoryStoreError && err.message.includes('group'),
      );
    });
  });

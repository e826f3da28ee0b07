// The store's host-monitoring records (migration 005) on SQLite: a detection recorded twice for the same streak is
// one row (a retried activity), newest first per group; maintenance set, replaced, listed and cleared; bad input is
// refused naming the field.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { InventoryStoreError, openSqliteStore, type InventoryStore } from '../../activities/inventory/index.js';
import type { HostDetection } from '../../domain/monitoring/index.js';

describe('host monitoring records in the store', () => {
  let dir: string;
  let store: InventoryStore;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lazarus-monitoring-store-'));
    store = await openSqliteStore(join(dir, 'lazarus.db'));
  });
  after(async () => {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

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
});

// The inventory's record of LPARs running at reduced size (migration 007): the first full size is kept through a
// second reduction, a bad field is an error naming it, and returning an LPAR to full size forgets it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { InventoryStoreError, openSqliteStore, type InventoryStore } from '../../activities/inventory/index.js';
import type { ReducedSizeRecord } from '../../activities/inventory/reduced-sizes.js';

describe('reduced sizes in the inventory (SQLite)', () => {
  let store: InventoryStore;
  before(async () => {
    store = await openSqliteStore(':memory:');
  });
  after(() => store?.close());

  const reduction = (over: Partial<ReducedSizeRecord> = {}): ReducedSizeRecord => ({
    group: 'dc1-prod',
    lpar: 'dc1-web01',
    profile: 'default_profile',
    full: { procUnits: 0.5, memoryMb: 16384 },
    reduced: { procUnits: 0.38, memoryMb: 12288 },
    host: 'dc1-s04',
    reducedBy: 'failover/dc1-prod/dc1-s01',
    reducedAt: '2026-11-30T05:00:00.000Z',
    ...over,
  });

  it('keeps the first full size when an LPAR is reduced again, and forgets it once returned', async () => {
    const sizes = store.reducedSizes();
    await sizes.record(reduction());
    // Reduced again elsewhere before it was returned: its profile then said 12288 MB, which is not its full size.
    await sizes.record(
      reduction({
        full: { procUnits: 0.38, memoryMb: 12288 },
        reduced: { procUnits: 0.25, memoryMb: 8192 },
        host: 'dc1-s03',
      }),
    );
    const record = await sizes.of('dc1-prod', 'dc1-web01');
    assert.deepEqual(record?.full, { procUnits: 0.5, memoryMb: 16384 });
    assert.deepEqual(record?.reduced, { procUnits: 0.25, memoryMb: 8192 });
    assert.equal(record?.host, 'dc1-s03');
    assert.deepEqual(
      (await sizes.inGroup('dc1-prod')).map((r) => r.lpar),
      ['dc1-web01'],
    );
    assert.equal(await sizes.forget('dc1-prod', 'dc1-web01'), true);
    assert.equal(await sizes.forget('dc1-prod', 'dc1-web01'), false);
    assert.equal(await sizes.of('dc1-prod', 'dc1-web01'), undefined);
  });

  it('refuses a bad record with the field named', async () => {
    const sizes = store.reducedSizes();
    await assert.rejects(
      sizes.record(reduction({ full: { procUnits: 0.123, memoryMb: 16384 } })),
      (err: Error) =>
        err instanceof InventoryStoreError && /full\.procUnits: takes at most 2 decimals/.test(err.message),
    );
    await assert.rejects(
      sizes.record(reduction({ reduced: { procUnits: 0.5, memoryMb: 32768 } })),
      (err: Error) => err instanceof InventoryStoreError && /reduced is larger than full/.test(err.message),
    );
    await assert.rejects(sizes.record(reduction({ reducedAt: 'yesterday' })), /reducedAt: must be an ISO 8601 time/);
  });
});

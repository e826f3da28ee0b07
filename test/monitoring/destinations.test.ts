// Which hosts may receive LPARs (activities/monitoring/destinations.ts, shared by failover planning, evacuation
// planning and a VM restart's inactive move), over a real SQLite store: a host in maintenance, one quarantined by the
// monitor for flapping and one the HMC shows in Error are no destinations, each with its reason; a quarantine past its
// end no longer counts; the source host is never listed.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openSqliteStore, type InventoryStore } from '../../activities/inventory/index.js';
import { excludedDestinations } from '../../activities/monitoring/index.js';

describe('hosts that are no destination', () => {
  let dir: string;
  let store: InventoryStore;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lazarus-destinations-'));
    store = await openSqliteStore(join(dir, 'lazarus.db'));
  });
  after(async () => {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('names maintenance, quarantine and state, and forgets a quarantine that ended', async () => {
    const records = store.hostMonitoring();
    const now = new Date('2026-11-30T03:00:00Z');
    await records.setMaintenance({ host: 'dc1-s02', reason: 'DIMM swap', by: 'alice', since: '2026-11-30T01:00:00Z' });
    const flapping = {
      group: 'dc1-prod',
      reason: '4 changes between up and down within 60 min (flapLimit 3)',
      monitorId: 'monitor/dc1-prod',
      since: '2026-11-30T02:00:00Z',
    };
    await records.recordQuarantine({ ...flapping, host: 'dc1-s03', until: '2026-11-30T03:30:00Z' });
    await records.recordQuarantine({ ...flapping, host: 'dc1-s04', until: '2026-11-30T02:59:59Z' });
    // The failed host itself is quarantined too: it is the source, never listed.
    await records.recordQuarantine({ ...flapping, host: 'dc1-s01', until: '2026-11-30T03:30:00Z' });
    const evidence = {
      hosts: [
        { host: 'dc1-s01', state: 'Error' },
        { host: 'dc1-s02', state: 'Operating' },
        { host: 'dc1-s03', state: 'Operating' },
        { host: 'dc1-s04', state: 'Operating' },
        { host: 'dc1-s05', state: 'Power Off' },
      ],
    };
    const excluded = await excludedDestinations(store, evidence, 'dc1-s01', now);
    assert.deepEqual(
      [...excluded.values()],
      [
        {
          host: 'dc1-s02',
          reason: 'maintenance',
          detail: 'in maintenance since 2026-11-30T01:00:00.000Z (DIMM swap, by alice)',
        },
        {
          host: 'dc1-s03',
          reason: 'quarantined',
          detail:
            'quarantined for flapping until 2026-11-30T03:30:00.000Z ' +
            '(4 changes between up and down within 60 min (flapLimit 3))',
        },
        { host: 'dc1-s05', reason: 'not-operating', detail: 'the HMC shows Power Off' },
      ],
    );
  });
});

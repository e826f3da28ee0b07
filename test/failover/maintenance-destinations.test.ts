// A host in maintenance shows so in GET /v1/hosts and is never a failover destination: through the HTTP API on the simulated fleet, dc1-s02 and
// dc1-s03 in maintenance, dc1-s01 fails; every LPAR that restarts does so on dc1-s04, in the dry run and for real.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FailoverReport } from '../../domain/failover/index.js';
import { startSimulatedLazarus, type SimulatedLazarus } from '../support/simulated-lazarus.js';
import { eventually } from '../support/temporal.js';

describe('failover destinations and maintenance', () => {
  let lazarus: SimulatedLazarus;
  before(async () => {
    lazarus = await startSimulatedLazarus({
      name: 'maintenance-destinations',
      editConfig: (yaml) => yaml.replace(/pollInterval: \S+/, 'pollInterval: 50'),
    });
  });
  after(() => lazarus?.stop());

  it('places nothing on a host in maintenance', { timeout: 120_000 }, async () => {
    assert.equal(await lazarus.discover(), 'ok');
    for (const host of ['dc1-s02', 'dc1-s03']) {
      const put = await lazarus.api('PUT', `/v1/hosts/${host}/maintenance`, { reason: 'firmware update' });
      assert.equal(put.status < 300, true, JSON.stringify(put.body));
    }
    const hosts = await lazarus.api<{ hosts: Array<{ name: string; maintenance: { reason: string } | null }> }>(
      'GET',
      '/v1/hosts',
    );
    assert.deepEqual(
      hosts.body.hosts.map((h) => [h.name, h.maintenance?.reason ?? null]),
      [
        ['dc1-s01', null],
        ['dc1-s02', 'firmware update'],
        ['dc1-s03', 'firmware update'],
        ['dc1-s04', null],
      ],
      'GET /v1/hosts shows which hosts are in maintenance',
    );
    await lazarus.control('POST', '/faults', { kind: 'host-error', target: 'dc1-s01' });
    const dry = await lazarus.api<{ plan?: { streams: Array<{ destination: string }> } }>('POST', '/v1/failovers', {
      group: 'dc1-prod',
      host: 'dc1-s01',
      dryRun: true,
    });
    assert.equal(dry.status, 200, JSON.stringify(dry.body));
    const dryDestinations = JSON.stringify(dry.body).match(/"destination":"[^"]+"/g) ?? [];
    assert.ok(dryDestinations.length > 0, JSON.stringify(dry.body));
    assert.ok(
      dryDestinations.every((d) => d === '"destination":"dc1-s04"'),
      `dry run: ${dryDestinations.join(', ')}`,
    );

    const started = await lazarus.api<{ id: string }>('POST', '/v1/failovers', {
      group: 'dc1-prod',
      host: 'dc1-s01',
      mode: 'auto',
    });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const path = `/v1/failovers/${encodeURIComponent(started.body.id)}`;
    const report = await eventually(
      'the report',
      async () => (await lazarus.api<{ report?: FailoverReport }>('GET', path)).body.report,
      90_000,
    );
    const placed = report.lpars.filter((l) => l.destination !== undefined);
    assert.ok(placed.length > 0, JSON.stringify(report.lpars));
    assert.deepEqual([...new Set(placed.map((l) => l.destination))], ['dc1-s04']);
    assert.deepEqual(await lazarus.control('GET', '/violations'), []);
  });
});

// The host-group routes on the simulated fleet: the group as configured, and its capacity as the planner sees it —
// 404 before any check, then which host's failure would leave which LPARs without room, and a check run on demand.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../support/temporal.js';
import { startSimulatedLazarus, type SimulatedLazarus } from '../support/simulated-lazarus.js';

interface CapacityView {
  group: string;
  checkedAt: string;
  fits: boolean;
  hostsWithShortfall: string[];
  hosts: Array<{ failedHost: string; fits: boolean; withoutRoom: Array<{ lpar: string; reason: string }> }>;
}

describe('host groups and their capacity through the API', () => {
  let lazarus: SimulatedLazarus;
  before(async () => {
    lazarus = await startSimulatedLazarus({ name: 'groups' });
  });
  after(async () => lazarus?.stop());

  it('lists each group with its HMCs and its monitoring settings, never a credential', async () => {
    const { status, body } = await lazarus.api<{ groups: Array<Record<string, unknown>> }>('GET', '/v1/groups');
    assert.equal(status, 200);
    const group = body.groups.find((g) => g.name === 'dc1-prod')!;
    assert.deepEqual(group.hosts, ['dc1-s01', 'dc1-s02', 'dc1-s03', 'dc1-s04']);
    assert.ok(Array.isArray(group.hmcs) && (group.hmcs as string[]).includes('hmc-dc1'));
    assert.ok(['auto', 'advisory', 'off'].includes((group.monitoring as { action: string }).action));
    assert.doesNotMatch(JSON.stringify(body), /credential|password|env:|secret:/);
    const openapi = await fetch(`${lazarus.apiUrl}/v1/openapi.json`).then(
      (r) => r.json() as Promise<{ paths: object }>,
    );
    for (const path of ['/v1/groups', '/v1/groups/{group}/capacity'])
      assert.ok(path in openapi.paths, `${path} is in the OpenAPI document`);
  });

  it('answers 404 for an unknown group, and before any check says how to get one', async () => {
    const unknown = await lazarus.api('GET', '/v1/groups/no-such-group/capacity');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.code, 'unknown_group');
    const none = await lazarus.api('GET', '/v1/groups/dc1-prod/capacity');
    assert.equal(none.status, 404);
    assert.equal(none.body.code, 'no_capacity_check');
    assert.match(String(none.body.message), /POST \/v1\/groups\/dc1-prod\/capacity/);
  });

  it('shows which LPARs a host failure would leave without room', { timeout: 120_000 }, async () => {
    assert.equal(await lazarus.discover(), 'ok');
    const roomy = await lazarus.api<CapacityView>('GET', '/v1/groups/dc1-prod/capacity');
    assert.equal(roomy.status, 200);
    assert.equal(roomy.body.hosts.length, 4);
    assert.equal(roomy.body.fits, true, JSON.stringify(roomy.body));
    assert.deepEqual(roomy.body.hostsWithShortfall, []);

    for (const system of ['dc1-s01', 'dc1-s02', 'dc1-s03', 'dc1-s04'])
      await lazarus.control('POST', '/actions/set-capacity', { system, memoryMb: 200_000 });
    assert.equal(await lazarus.discover(), 'ok');
    const short = await lazarus.api<CapacityView>('GET', '/v1/groups/dc1-prod/capacity');
    assert.equal(short.body.fits, false);
    assert.ok(short.body.hostsWithShortfall.length > 0);
    for (const host of short.body.hosts.filter((h) => !h.fits))
      assert.ok(
        host.withoutRoom.length > 0 && host.withoutRoom.every((u) => u.lpar.length > 0 && u.reason.length > 0),
        `${host.failedHost}: the LPARs left without room are named with the planner's reason`,
      );
    assert.deepEqual(
      short.body.hostsWithShortfall,
      short.body.hosts.filter((h) => !h.fits).map((h) => h.failedHost),
    );
  });

  it('runs a check on demand', { timeout: 120_000 }, async () => {
    const before = await lazarus.api<CapacityView>('GET', '/v1/groups/dc1-prod/capacity');
    const started = await lazarus.api('POST', '/v1/groups/dc1-prod/capacity');
    assert.equal(started.status, 202);
    const fresh = await eventually(
      'a newer capacity check',
      async () => {
        const now = await lazarus.api<CapacityView>('GET', '/v1/groups/dc1-prod/capacity');
        const newer = now.status === 200 && (before.status !== 200 || now.body.checkedAt > before.body.checkedAt);
        return newer ? now.body : undefined;
      },
      90_000,
      250,
    );
    assert.equal(fresh.hosts.length, 4);
  });
});

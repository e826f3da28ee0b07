// The HTTP API end to end: the real worker process setup (main and per-device workers), the devserver, the
// simulated fleet; failovers triggered and approved over HTTP; validation, authentication and conflicts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DeviceRegistry } from '../../activities/devices.js';
import type { InventoryStore } from '../../activities/inventory/index.js';
import type { SimulatedFleet } from '../../simulators/index.js';
import { eventually } from '../support/temporal.js';
import { startSimulatedLazarus, type SimulatedLazarus } from '../support/simulated-lazarus.js';

describe('HTTP API (devserver, workers, simulated fleet)', () => {
  let lazarus: SimulatedLazarus;
  let fleet: SimulatedFleet;
  let store: InventoryStore;
  let devices: DeviceRegistry;
  let base: string;
  let apiToken: string;

  before(async () => {
    lazarus = await startSimulatedLazarus({ name: 'api' });
    ({ fleet, store, devices, token: apiToken, apiUrl: base } = lazarus);
    assert.equal(await lazarus.discover(), 'ok');
  });

  after(() => lazarus?.stop());

  const call = async (method: string, path: string, body?: unknown, token: string | null = apiToken) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const fault = (body: unknown) =>
    fetch(`${fleet.controlUrl}/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('serves health without a token and an OpenAPI document generated from the schemas', async () => {
    const health = await call('GET', '/v1/healthz', undefined, null);
    assert.equal(health.status, 200);
    assert.equal(health.body.status, 'ok');
    const openapi = await call('GET', '/v1/openapi.json', undefined, null);
    const paths = Object.keys(openapi.body.paths as object);
    for (const path of [
      '/v1/failovers',
      '/v1/failovers/{id}',
      '/v1/failovers/{id}/approve',
      '/v1/failovers/{id}/override-fence',
      '/v1/hosts',
      '/v1/lpars',
    ])
      assert.ok(paths.includes(path), path);
  });

  it('refuses missing or wrong tokens, bad bodies (naming the fields) and unknown groups', async () => {
    assert.equal((await call('GET', '/v1/hosts', undefined, null)).status, 401);
    assert.equal((await call('GET', '/v1/hosts', undefined, 'wrong-token-0123456789')).status, 401);
    const bad = await call('POST', '/v1/failovers', { group: 'dc1-prod', mode: 'sometimes', extra: 1 });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, 'invalid_request');
    const fields = (bad.body.fields as Array<{ path: string }>).map((f) => f.path);
    assert.ok(fields.includes('host') && fields.includes('mode'), JSON.stringify(bad.body));
    assert.equal((await call('POST', '/v1/failovers', '{"group":', apiToken)).body.code, 'invalid_json');
    assert.equal((await call('POST', '/v1/failovers', { group: 'nope', host: 'dc1-s01' })).status, 404);
    assert.equal(
      (await call('POST', '/v1/failovers', { group: 'dc1-prod', host: 'dc9-s01' })).body.code,
      'unknown_host',
    );
    assert.equal((await call('GET', '/v1/failovers/no-such-failover')).status, 404);
    assert.equal((await call('GET', '/v1/nothing')).status, 404);
  });

  it('serves hosts and LPARs from the inventory, with the age and source of each', async () => {
    const hosts = (await call('GET', '/v1/hosts')).body.hosts as Array<{
      state: string;
      source: string;
      ageSeconds: number;
      stale: boolean;
    }>;
    assert.equal(hosts.length, 4);
    assert.ok(
      hosts.every(
        (h) => h.state === 'Operating' && /^discovery run \d+$/.test(h.source) && h.ageSeconds >= 0 && !h.stale,
      ),
      JSON.stringify(hosts[0]),
    );
    const lpars = (await call('GET', '/v1/lpars')).body.lpars as Array<{
      observedAt: string;
      source: string;
      stale: boolean;
    }>;
    assert.equal(lpars.length, 20);
    assert.ok(lpars.every((l) => !Number.isNaN(Date.parse(l.observedAt)) && l.source === hosts[0]!.source && !l.stale));
  });

  it(
    'runs an advisory failover approved over HTTP, with 409 for a second one on the same host',
    { timeout: 120_000 },
    async () => {
      await fault({ kind: 'host-error', target: 'dc1-s01' });
      const dry = await call('POST', '/v1/failovers', {
        group: 'dc1-prod',
        host: 'dc1-s01',
        mode: 'auto',
        dryRun: true,
      });
      assert.equal(dry.status, 200);
      assert.equal(dry.body.outcome, 'dry-run');
      const started = await call('POST', '/v1/failovers', { group: 'dc1-prod', host: 'dc1-s01', mode: 'advisory' });
      assert.equal(started.status, 202);
      const id = started.body.id as string;
      assert.equal(id, 'failover/dc1-prod/dc1-s01');
      const again = await call('POST', '/v1/failovers', { group: 'dc1-prod', host: 'dc1-s01', mode: 'auto' });
      assert.equal(again.status, 409);
      assert.equal(again.body.id, id);
      const path = `/v1/failovers/${encodeURIComponent(id)}`;
      await eventually(
        'the approval phase',
        async () => {
          const state = await call('GET', path);
          return (state.body.progress as { phase?: string } | undefined)?.phase === 'approve' ? true : undefined;
        },
        60_000,
      );
      assert.equal((await call('POST', `${path}/approve`, { by: '', reason: 'empty note' })).status, 400);
      assert.equal((await call('POST', `${path}/approve`, { by: 'carol' })).status, 200);
      const done = await eventually(
        'the report',
        async () => {
          const state = await call('GET', path);
          return state.body.status === 'completed' ? state : undefined;
        },
        90_000,
      );
      const report = done.body.report as {
        outcome: string;
        approval: { by: string };
        lpars: Array<{ lpar: string; destination?: string }>;
      };
      assert.equal(report.outcome, 'succeeded');
      assert.equal(report.approval.by, 'api (carol)');
      assert.equal((await call('POST', `${path}/approve`, { by: 'carol' })).status, 409, 'nothing to approve any more');
      const list = await call('GET', '/v1/failovers');
      const run = (list.body.failovers as Array<{ id: string; runId: string; outcome?: string }>).find(
        (f) => f.id === id,
      )!;
      assert.equal(run.outcome, 'succeeded', 'the list shows the stored outcome');
      // Issue 10 case 1: the inventory shows where the failover put each LPAR, and that it fenced the host.
      const source = `failover ${id}/${run.runId}`;
      const hosts = (await call('GET', '/v1/hosts')).body.hosts as Array<{
        name: string;
        fenced: boolean;
        source: string;
      }>;
      assert.deepEqual(
        hosts.filter((h) => h.name === 'dc1-s01').map((h) => [h.fenced, h.source]),
        [[true, source]],
      );
      const lpars = (await call('GET', '/v1/lpars')).body.lpars as Array<{
        name: string;
        host: string;
        source: string;
      }>;
      const shown = lpars.filter((l) => report.lpars.some((r) => r.lpar === l.name));
      assert.deepEqual(
        shown.map((l) => `${l.name}@${l.host}`).sort(),
        report.lpars.map((l) => `${l.lpar}@${l.destination}`).sort(),
      );
      assert.ok(
        shown.every((l) => l.source === source),
        JSON.stringify(shown[0]),
      );
    },
  );

  it(
    'cancels a running failover over HTTP: nothing new starts and every LPAR is reported in a known state',
    { timeout: 120_000 },
    async () => {
      // Every volume mapping hangs on the storage system, so the cancel arrives mid-mapping.
      const hang = (await (
        await fault({ kind: 'command-hang', target: 'svc-dc1', command: 'mkvdiskhostmap' })
      ).json()) as { id: string };
      try {
        await fault({ kind: 'host-error', target: 'dc1-s02' });
        const started = await call('POST', '/v1/failovers', { group: 'dc1-prod', host: 'dc1-s02', mode: 'auto' });
        const path = `/v1/failovers/${encodeURIComponent(started.body.id as string)}`;
        await eventually(
          'an LPAR mid-mapping',
          async () => {
            const progress = (await call('GET', path)).body.progress as { lpars: Array<{ step: string }> } | undefined;
            return progress?.lpars.some((l) => l.step === 'mapping') ? true : undefined;
          },
          60_000,
        );
        assert.equal((await call('POST', `${path}/cancel`, { reason: 7 })).status, 400, 'a bad body changes nothing');
        assert.equal((await call('POST', `${path}/cancel`, { by: 'dave', reason: 'wrong host' })).status, 200);
        const done = await eventually(
          'the report',
          async () => {
            const state = await call('GET', path);
            return state.body.status === 'completed' ? state : undefined;
          },
          60_000,
        );
        const report = done.body.report as {
          outcome: string;
          cancelledDuring: string;
          cancelledBy: unknown;
          lpars: Array<{ lpar: string; destination?: string; step: string; error?: string }>;
        };
        assert.equal(report.outcome, 'cancelled');
        assert.equal(report.cancelledDuring, 'execute');
        assert.deepEqual(report.cancelledBy, { by: 'api (dave)', reason: 'wrong host' });
        assert.ok(report.lpars.length > 0);
        for (const lpar of report.lpars) {
          assert.equal(lpar.step, 'cancelled', `${lpar.lpar}: ${lpar.step}`);
          assert.match(lpar.error ?? '', /cancelled during mapping; on dc1-s0\d it is now absent|not started/);
          assert.equal(
            await devices.hmc('hmc-dc1').partition(lpar.destination!, lpar.lpar),
            undefined,
            `${lpar.lpar} was not started on ${lpar.destination}`,
          );
        }
        assert.ok(
          report.lpars.some((l) => /cancelled during mapping/.test(l.error ?? '')),
          'the cancel interrupted a stream mid-mapping',
        );
        assert.equal((await store.recoveryReport(started.body.id as string))?.outcome, 'cancelled');
        assert.deepEqual(await (await fetch(`${fleet.controlUrl}/violations`)).json(), []);
      } finally {
        await fetch(`${fleet.controlUrl}/faults/${hang.id}`, { method: 'DELETE' });
      }
    },
  );
});

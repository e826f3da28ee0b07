// A move waiting at the provider coordinator can be withdrawn (issue 13, trial finding 3): on the simulated DRaaS fleet
// (examples/fleet-draas.yaml) acme (priority 20) asks for a planned move first and globex (80) right after, inside a
// widened gather window. While queued, acme's view shows position 2 (priority order, not arrival order); acme's cancel
// answers 200 CANCELLED (before: 409 not_running, and the move ran later and shut down production); the provider's
// queue records it as cancelled, globex's move completes, and acme's production VMs never stopped. The simulator's
// violation log stays empty.
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { createApi } from '../../api/app.js';
import { eventually } from '../support/temporal.js';
import { startSimulatedLazarus, type SimulatedLazarus } from '../support/simulated-lazarus.js';

const FLEET = new URL('../../examples/fleet-draas.yaml', import.meta.url).pathname;
const CONFIG = new URL('../../examples/lazarus-draas.yaml', import.meta.url).pathname;

describe('DRaaS: cancel of a queued move', () => {
  let lazarus: SimulatedLazarus;
  let http: Server;
  let url = '';
  const tokens = {
    provider: 'truth-provider-token-0123',
    acme: 'truth-acme-token-0123456',
    globex: 'truth-globex-token-01234',
  };
  const call = async <T = Record<string, unknown>>(
    who: keyof typeof tokens,
    method: string,
    path: string,
    body?: unknown,
  ) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${tokens[who]}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as T };
  };

  before(async () => {
    lazarus = await startSimulatedLazarus({
      name: 'draas-cancel',
      fleet: FLEET,
      config: CONFIG,
      // A wide window: both requests are gathered however loaded the machine is.
      editConfig: (yaml) => yaml.replace('gatherWindow: 5s', 'gatherWindow: 20s'),
    });
    const app = createApi({
      client: lazarus.server.client,
      config: lazarus.config,
      store: lazarus.store,
      tokens: [
        { name: 'provider', token: tokens.provider, role: 'admin' },
        { name: 'acme-ops', token: tokens.acme, role: 'operator', tenant: 'acme' },
        { name: 'globex-ops', token: tokens.globex, role: 'operator', tenant: 'globex' },
      ],
      log: () => undefined,
    });
    http = await new Promise<Server>((resolve) => {
      const listening: Server = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    const address = http.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  after(async () => {
    http?.close();
    await lazarus?.stop();
  });

  it('withdraws the queued move: 200, never started, production untouched', { timeout: 600_000 }, async () => {
    const acme = await call('acme', 'POST', '/v1/sites/ta/move', { to: 'prov', mode: 'planned' });
    assert.equal(acme.status, 202, JSON.stringify(acme.body));
    const globex = await call('globex', 'POST', '/v1/sites/tb/move', { to: 'prov', mode: 'planned' });
    assert.equal(globex.status, 202, JSON.stringify(globex.body));

    const queued = await call<{ status: string; queued?: { position: number } }>('acme', 'GET', '/v1/sites/ta/move');
    assert.equal(queued.body.status, 'QUEUED', JSON.stringify(queued.body));
    assert.equal(queued.body.queued!.position, 2, 'globex (priority 80) starts first although acme asked first');

    const cancel = await call<{ status: string }>('acme', 'POST', '/v1/sites/ta/move/cancel', { reason: 'drill' });
    assert.equal(cancel.status, 200, JSON.stringify(cancel.body));
    assert.equal(cancel.body.status, 'CANCELLED');
    const after = await call<{ status?: string; code?: string }>('acme', 'GET', '/v1/sites/ta/move');
    assert.equal(after.status, 404, JSON.stringify(after.body));
    assert.equal(after.body.code, 'no_move');

    await eventually(
      'globex move completed',
      async () => {
        const view = await call<{ status: string }>('globex', 'GET', '/v1/sites/tb/move');
        return view.body.status === 'COMPLETED' ? true : undefined;
      },
      480_000,
      500,
    );
    const queue = await call<{ queued: unknown[]; done: Array<{ tenant: string; outcome: string }> }>(
      'provider',
      'GET',
      '/v1/provider/prov/queue',
    );
    assert.deepEqual(queue.body.queued, []);
    assert.deepEqual(
      queue.body.done.map((d) => `${d.tenant}:${d.outcome}`),
      ['acme:cancelled', 'globex:moved'],
    );
    // acme's production never stopped, and no move of ta ever ran.
    for (const host of ['ta-s01', 'ta-s02'])
      for (const lpar of await lazarus.devices.hmc('hmc-ta').listPartitions(host))
        assert.equal(lpar.state, 'Running', `${host}/${lpar.name}`);
    assert.equal((await call('acme', 'GET', '/v1/sites/ta/move')).status, 404);
    assert.deepEqual(await lazarus.control('GET', '/violations'), []);
  });
});

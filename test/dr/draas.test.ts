// DRaaS on a simulated provider fleet (examples/fleet-draas.yaml, three sites): tenants acme (site ta, contract
// priority 20) and globex (site tb, 80) share the recovery site prov. Through the HTTP API: the configuration's
// checks; tenant isolation (a tenant's token sees and acts on its own sites only: 404 for the other tenant's site, VM
// and for every non-DR route; the site list filtered; the provider's token sees all); both tenants declaring a
// disaster together — acme asks first, yet globex (higher priority) moves first and acme's report says it waited for
// globex's move; never two moves on the shared site at once; the violation log empty. With capacity reserved per
// contract: each tenant's verification scheduled in its own slot, both moves running together (each fits its
// reservation), the coordinator continuing as new with what it did; the violation log empty.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { createApi } from '../../api/app.js';
import { ConfigError, parseConfigText } from '../../domain/config/index.js';
import { ensureInventorySchedules } from '../../workers/inventory-schedules.js';
import { MAIN_TASK_QUEUE } from '../../workers/lazarus-workers.js';
import { eventually } from '../support/temporal.js';
import { startSimulatedLazarus, type SimulatedLazarus } from '../support/simulated-lazarus.js';

const FLEET = new URL('../../examples/fleet-draas.yaml', import.meta.url).pathname;
const CONFIG = new URL('../../examples/lazarus-draas.yaml', import.meta.url).pathname;
const EXAMPLE = readFileSync(CONFIG, 'utf8');

interface MoveReport {
  outcome: string;
  mode: string;
  vms: Array<{ vm: string; state?: string; backupHost?: string }>;
  steps: Array<{ step: string; startedAt: string; endedAt?: string }>;
  coordination?: {
    tenant: string;
    contractPriority: number;
    requestedAt: string;
    startedAt: string;
    waitedFor: Array<{ tenant: string; site: string }>;
    capacity?: { fits: boolean; detail: string };
  };
}

describe('DRaaS: a shared recovery site for two tenants', () => {
  let lazarus: SimulatedLazarus;
  let http: Server;
  let url = '';
  const tokens = {
    provider: 'draas-provider-token-0123',
    acme: 'draas-acme-token-0123456',
    globex: 'draas-globex-token-01234',
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
    lazarus = await startSimulatedLazarus({ name: 'draas', fleet: FLEET, config: CONFIG });
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
    await new Promise((resolve) => http?.close(resolve));
    await lazarus?.stop();
  });

  it('checks the tenants in the configuration', () => {
    const dr = parseConfigText(EXAMPLE, 'lazarus-draas.yaml').dr!;
    assert.deepEqual(
      [dr, ...dr.tenants].map((p) => [p.tenant, p.contractPriority, p.sites.map((s) => s.name).join('>')]),
      [
        ['acme', 20, 'ta>prov'],
        ['globex', 80, 'tb>prov'],
      ],
    );
    const fails = (text: string, pattern: RegExp) =>
      assert.throws(
        () => parseConfigText(text, 'lazarus-draas.yaml'),
        (err) => err instanceof ConfigError && pattern.test(err.message),
      );
    fails(EXAMPLE.replace('tenant: globex\n', 'tenant: acme\n'), /dr\.tenants\[0\]\.tenant: tenant "acme" already/);
    fails(
      EXAMPLE.replace('      tenant: globex', '      tenant: initech'),
      /api\.tokens\[2\]\.tenant: unknown tenant "initech"/,
    );
    fails(
      EXAMPLE.replace('{ name: prov, role: backup, hosts: [prov-s03, prov-s04] }', '{ name: ta, role: backup }'),
      /dr\.tenants\[0\]\.hostPairs\[0\]\.backup: unknown host "prov-s03"/,
    );
  });

  it("a tenant's token sees and acts on its own sites only", { timeout: 300_000 }, async () => {
    const list = async (who: keyof typeof tokens) =>
      (await call<{ sites: Array<{ site: string }> }>(who, 'GET', '/v1/sites')).body.sites.map((s) => s.site);
    assert.deepEqual(await list('provider'), ['ta', 'tb']);
    assert.deepEqual(await list('acme'), ['ta']);
    assert.deepEqual(await list('globex'), ['tb']);
    // Verify both sites (the unplanned moves below start from the last verification), each with its own token.
    for (const [who, site] of [
      ['acme', 'ta'],
      ['globex', 'tb'],
    ] as const) {
      const verified = await call<{ result?: { ready: boolean } }>(who, 'POST', `/v1/sites/${site}/verify?wait=240`);
      assert.equal(verified.status, 200, JSON.stringify(verified.body));
      assert.equal(verified.body.result!.ready, true, JSON.stringify(verified.body));
    }
    // The other tenant's site, VM, verification and move: unknown (404), never forbidden (which would confirm them).
    for (const [method, path] of [
      ['GET', '/v1/sites/tb/verification'],
      ['POST', '/v1/sites/tb/verify'],
      ['POST', '/v1/sites/tb/move'],
      ['GET', '/v1/sites/tb/move'],
      ['POST', '/v1/sites/tb/test'],
      ['GET', '/v1/vms/tb-db01/dr'],
      ['GET', '/v1/provider/prov/queue'],
      ['GET', '/v1/failovers'],
    ] as const) {
      const seen = await call('acme', method, path, method === 'POST' ? { to: 'prov', mode: 'unplanned' } : undefined);
      assert.equal(seen.status, 404, `${method} ${path}: ${JSON.stringify(seen.body)}`);
    }
    assert.equal((await call('acme', 'GET', '/v1/vms/ta-db01/dr')).status, 200);
    assert.equal((await call('globex', 'GET', '/v1/vms/tb-db01/dr')).status, 200);
    assert.equal((await call('provider', 'GET', '/v1/vms/tb-db01/dr')).status, 200);
    assert.equal((await call('provider', 'GET', '/v1/sites/ta/verification')).status, 200);
  });

  it('two tenants declare a disaster together: the higher contract moves first', { timeout: 600_000 }, async () => {
    // acme asks first; globex a moment later, inside the gather window.
    const acme = await call('acme', 'POST', '/v1/sites/ta/move', { to: 'prov', mode: 'unplanned' });
    assert.equal(acme.status, 202, JSON.stringify(acme.body));
    const globex = await call('globex', 'POST', '/v1/sites/tb/move', { to: 'prov', mode: 'unplanned' });
    assert.equal(globex.status, 202, JSON.stringify(globex.body));
    const queued = await call<{ status: string }>('acme', 'GET', '/v1/sites/ta/move');
    assert.equal(queued.body.status, 'QUEUED', JSON.stringify(queued.body));

    const reportOf = (who: 'acme' | 'globex', site: string) =>
      eventually(
        `the move of ${site}`,
        async () => {
          const view = await call<{ status: string; report?: MoveReport }>(who, 'GET', `/v1/sites/${site}/move`);
          return view.body.status === 'COMPLETED' ? view.body.report : undefined;
        },
        480_000,
        500,
      );
    const [ta, tb] = [(await reportOf('acme', 'ta'))!, (await reportOf('globex', 'tb'))!];
    for (const report of [ta, tb]) {
      assert.equal(report.outcome, 'moved', JSON.stringify(report));
      assert.equal(report.mode, 'unplanned');
      assert.ok(report.vms.length === 4 && report.vms.every((v) => v.state === 'Running'), JSON.stringify(report.vms));
    }
    // Without a reservation a move runs alone, whatever it needs.
    for (const report of [ta, tb])
      assert.deepEqual(report.coordination!.capacity, {
        fits: false,
        detail: `no capacity is reserved for ${report === ta ? 'ta' : 'tb'} at prov`,
      });
    assert.deepEqual(tb.coordination!.waitedFor, [], 'globex (priority 80) did not wait');
    // acme's token learns that it waited, and for whose priority, never who (issue 13); the provider sees names.
    assert.deepEqual(
      ta.coordination!.waitedFor,
      [{ tenant: 'another tenant (contract priority 80)' }],
      'acme waited for globex, unnamed',
    );
    const providerView = await call<{ report: MoveReport }>('provider', 'GET', '/v1/sites/ta/move');
    assert.deepEqual(providerView.body.report.coordination!.waitedFor, [{ tenant: 'globex', site: 'tb' }]);
    assert.ok(ta.coordination!.requestedAt < tb.coordination!.requestedAt, 'acme asked first');
    // Serialized: acme's move started after globex's move ended.
    assert.ok(
      ta.steps[0]!.startedAt >= tb.steps.at(-1)!.endedAt!,
      `${ta.steps[0]!.startedAt} vs ${tb.steps.at(-1)!.endedAt}`,
    );
    assert.ok(
      ta.vms.every((v) => v.backupHost?.startsWith('prov-s0') && ['prov-s01', 'prov-s02'].includes(v.backupHost)),
    );
    // Each tenant reads its own report only.
    assert.equal((await call('globex', 'GET', '/v1/sites/ta/move')).status, 404);
    const queue = await call<{ done: Array<{ tenant: string }> }>('provider', 'GET', '/v1/provider/prov/queue');
    assert.deepEqual(
      queue.body.done.map((d) => d.tenant),
      ['globex', 'acme'],
    );
    assert.deepEqual(await lazarus.control('GET', '/violations'), []);
  });
});

describe('DRaaS: moves that fit their reserved capacity run together', () => {
  let lazarus: SimulatedLazarus;
  // Each tenant moves 4 VMs needing 3 processing units and 96 GB at prov: both reservations hold them.
  const reserve = (text: string) =>
    text
      .replace(
        '  sites:\n    - { name: ta, role: active }',
        '  reservedCapacity: { procUnits: 4, memoryMb: 131072 }\n$&',
      )
      .replace(
        '      sites:\n        - { name: tb, role: active }',
        '      reservedCapacity: { procUnits: 4, memoryMb: 131072 }\n$&',
      );
  before(async () => {
    lazarus = await startSimulatedLazarus({
      name: 'draas-reserved',
      fleet: FLEET,
      config: CONFIG,
      editConfig: reserve,
    });
  });
  after(async () => lazarus?.stop());

  it("schedules each tenant's verification in its own slot", { timeout: 120_000 }, async () => {
    assert.deepEqual(lazarus.config.dr!.reservedCapacity, { procUnits: 4, memoryMb: 131072 });
    const ids = await ensureInventorySchedules(lazarus.server.client, lazarus.config, MAIN_TASK_QUEUE);
    const argsOf = async (id: string) => {
      const described = await lazarus.server.client.schedule.getHandle(id).describe();
      return described.action.type === 'startWorkflow' ? described.action.args : undefined;
    };
    // globex (priority 80) at the schedule's time, acme (20) one stagger (10 minutes) later.
    assert.deepEqual(await argsOf('dr-verify/tb'), [{ site: 'tb' }]);
    assert.deepEqual(await argsOf('dr-verify/ta'), [{ site: 'ta', startDelayMs: 600_000 }]);
    for (const id of ids) await lazarus.server.client.schedule.getHandle(id).delete();
  });

  it('runs both tenants at once, then the coordinator continues as new', { timeout: 600_000 }, async () => {
    for (const site of ['ta', 'tb']) {
      const verified = await lazarus.api<{ result?: { ready: boolean } }>('POST', `/v1/sites/${site}/verify?wait=240`);
      assert.equal(verified.body.result?.ready, true, JSON.stringify(verified.body));
    }
    // The coordinator as the API starts it, but told to continue as new after one move.
    const coordinator = await lazarus.server.client.workflow.start('drProviderCoordinator', {
      taskQueue: MAIN_TASK_QUEUE,
      workflowId: 'dr-provider/prov',
      args: [{ site: 'prov', gatherWindowMs: 1_000, movesPerRun: 1 }],
    });
    for (const site of ['ta', 'tb'])
      assert.equal(
        (await lazarus.api('POST', `/v1/sites/${site}/move`, { to: 'prov', mode: 'unplanned' })).status,
        202,
      );
    const reportOf = (site: string) =>
      eventually(
        `the move of ${site}`,
        async () => {
          const view = await lazarus.api<{ status: string; report?: MoveReport }>('GET', `/v1/sites/${site}/move`);
          return view.body.status === 'COMPLETED' ? view.body.report : undefined;
        },
        480_000,
        500,
      );
    const [ta, tb] = [(await reportOf('ta'))!, (await reportOf('tb'))!];
    for (const report of [ta, tb]) {
      assert.equal(report.outcome, 'moved', JSON.stringify(report));
      assert.deepEqual(report.coordination!.waitedFor, [], `${report.coordination!.tenant} did not wait`);
      assert.equal(report.coordination!.capacity?.fits, true, JSON.stringify(report.coordination));
      assert.match(report.coordination!.capacity!.detail, /needs 3 units and 98304 MB at prov; fits/);
    }
    // Together: each started before the other ended.
    assert.ok(ta.steps[0]!.startedAt < tb.steps.at(-1)!.endedAt! && tb.steps[0]!.startedAt < ta.steps.at(-1)!.endedAt!);
    // Both moves done, the first run continued as new carrying them.
    const firstRun = lazarus.server.client.workflow.getHandle('dr-provider/prov', coordinator.firstExecutionRunId);
    await eventually(
      'the coordinator to continue as new',
      async () => ((await firstRun.describe()).status.name === 'CONTINUED_AS_NEW' ? true : undefined),
      60_000,
      250,
    );
    const queue = await lazarus.api<{ done: Array<{ tenant: string }>; running: unknown[] }>(
      'GET',
      '/v1/provider/prov/queue',
    );
    assert.deepEqual(queue.body.done.map((d) => d.tenant).sort(), ['acme', 'globex']);
    assert.deepEqual(queue.body.running, []);
    assert.deepEqual(await lazarus.control('GET', '/violations'), []);
  });
});

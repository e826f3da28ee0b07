// Roles and identity through the HTTP API on the simulated fleet: a viewer reads and changes nothing, an operator
// decides but cannot override a fence, an admin can; the actor of a decision is the token's name (a `by` in the body
// is only a note beside it, its control characters escaped); the Bearer scheme is case-insensitive.
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { createApi } from '../../api/app.js';
import type { FailoverReport } from '../../domain/failover/index.js';
import { startSimulatedLazarus, type SimulatedLazarus } from '../support/simulated-lazarus.js';
import { eventually } from '../support/temporal.js';

const TOKENS = [
  { name: 'vera', token: 'viewer-token-0123456789', role: 'viewer' as const },
  { name: 'otto', token: 'operator-token-0123456789', role: 'operator' as const },
  { name: 'ada', token: 'admin-token-0123456789', role: 'admin' as const },
];

describe('API roles and identity', () => {
  let lazarus: SimulatedLazarus;
  let http: Server;
  let base: string;
  const call = async (token: string, method: string, path: string, body?: unknown, scheme = 'Bearer') => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `${scheme} ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const [viewer, operator, admin] = TOKENS.map((t) => t.token) as [string, string, string];

  before(async () => {
    lazarus = await startSimulatedLazarus({
      name: 'access',
      editConfig: (yaml) => yaml.replace(/approvalTimeout: \S+/, 'approvalTimeout: 10m'),
    });
    const app = createApi({
      client: lazarus.server.client,
      config: lazarus.config,
      store: lazarus.store,
      tokens: TOKENS,
      log: () => undefined,
    });
    http = await new Promise<Server>((resolve) => {
      const listening: Server = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    base = `http://127.0.0.1:${(http.address() as { port: number }).port}`;
  });
  after(async () => {
    if (http) await new Promise((resolve) => http.close(resolve));
    await lazarus?.stop();
  });

  it('lets a viewer read and nothing else', async () => {
    assert.equal((await call(viewer, 'GET', '/v1/hosts')).status, 200);
    for (const [method, path, body] of [
      ['POST', '/v1/failovers', { group: 'dc1-prod', host: 'dc1-s01', dryRun: true }],
      ['PUT', '/v1/hosts/dc1-s01/maintenance', { reason: 'firmware' }],
      ['POST', '/v1/groups/dc1-prod/capacity', undefined],
      ['POST', '/v1/failovers/failover%2Fdc1-prod%2Fdc1-s01/approve', {}],
    ] as const) {
      const answer = await call(viewer, method, path, body);
      assert.equal(answer.status, 403, `${method} ${path}: ${JSON.stringify(answer.body)}`);
      assert.equal(answer.body.code, 'forbidden');
      assert.match(String(answer.body.message), /needs the operator role; token vera has viewer/);
    }
  });

  it('keeps overriding a fence for admins, and accepts the Bearer scheme in any case', async () => {
    const path = '/v1/failovers/failover%2Fdc1-prod%2Fdc1-s01/override-fence';
    const byOperator = await call(operator, 'POST', path, { reason: 'seen dark on site' });
    assert.equal(byOperator.status, 403);
    assert.match(String(byOperator.body.message), /needs the admin role; token otto has operator/);
    for (const spelling of [`${path}/`, path.replace('override-fence', 'Override-Fence')])
      assert.equal((await call(operator, 'POST', spelling, { reason: 'x' })).status, 403, spelling);
    const drPath = '/v1/sites/dc1/move/override-fence';
    for (const spelling of [drPath, `${drPath}/`, drPath.replace('override-fence', 'OVERRIDE-fence')])
      assert.equal((await call(operator, 'POST', spelling, { reason: 'x' })).status, 403, spelling);
    const byAdmin = await call(admin, 'POST', path, { reason: 'seen dark on site' }, 'bearer');
    assert.notEqual(byAdmin.status, 403, 'an admin passes the role check (the failover itself may refuse)');
    assert.notEqual(byAdmin.status, 401, 'lower-case bearer is accepted');
    assert.equal((await call(viewer, 'GET', '/v1/hosts', undefined, 'BEARER')).status, 200);
    assert.equal((await call('not-a-token', 'GET', '/v1/hosts')).status, 401);
  });

  it("records the token's name as the actor; a forged `by` is only an escaped note", { timeout: 90_000 }, async () => {
    assert.equal(await lazarus.discover(), 'ok');
    await lazarus.control('POST', '/faults', { kind: 'host-error', target: 'dc1-s02' });
    const started = await call(operator, 'POST', '/v1/failovers', {
      group: 'dc1-prod',
      host: 'dc1-s02',
      mode: 'advisory',
    });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const path = `/v1/failovers/${encodeURIComponent(String(started.body.id))}`;
    await eventually(
      'the approval request',
      async () =>
        ((await call(viewer, 'GET', path)).body.progress as { phase?: string })?.phase === 'approve' || undefined,
      60_000,
    );
    const rejected = await call(operator, 'POST', `${path}/reject`, {
      by: 'ada\nINFO approved by ada',
      reason: 'test',
    });
    assert.equal(rejected.status, 200, JSON.stringify(rejected.body));
    const report = await eventually(
      'the report',
      async () => (await call(viewer, 'GET', path)).body.report as FailoverReport | undefined,
      60_000,
    );
    assert.equal(report.outcome, 'rejected');
    assert.equal(report.approval?.decision, 'rejected');
    assert.equal(report.approval?.by, 'otto (ada\\u000aINFO approved by ada)');
  });

  it('answers a dry run whose devices hang within the bound: 504 dry_run_timeout, the dry run cancelled', async () => {
    // Issue 15: a dry run held the HTTP request open with no timeout while a device hung.
    const bounded = createApi({
      client: lazarus.server.client,
      config: lazarus.config,
      store: lazarus.store,
      tokens: TOKENS,
      log: () => undefined,
      requestTimeoutMs: 4_000,
    });
    const boundedHttp = await new Promise<Server>((resolve) => {
      const listening: Server = bounded.listen(0, '127.0.0.1', () => resolve(listening));
    });
    const hangs: string[] = [];
    try {
      for (const hmc of ['hmc-dc1', 'hmc-dc1b'])
        hangs.push(
          ((await lazarus.control('POST', '/faults', { kind: 'command-hang', target: hmc })) as { id: string }).id,
        );
      const url = `http://127.0.0.1:${(boundedHttp.address() as { port: number }).port}/v1/failovers`;
      const response = await fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' },
        body: JSON.stringify({ group: 'dc1-prod', host: 'dc1-s03', dryRun: true }),
      });
      const answer = (await response.json()) as { code?: string; message?: string; workflowId?: string };
      assert.equal(response.status, 504, JSON.stringify(answer));
      assert.equal(answer.code, 'dry_run_timeout');
      assert.match(String(answer.message), /did not finish in time: a device did not answer/);
      const dryRun = lazarus.server.client.workflow.getHandle(String(answer.workflowId));
      await eventually(
        'the dry run cancelled',
        async () => ((await dryRun.describe()).status.name === 'RUNNING' ? undefined : true),
        60_000,
      );
    } finally {
      for (const id of hangs) await lazarus.control('DELETE', `/faults/${id}`);
      await new Promise((resolve) => boundedHttp.close(resolve));
    }
  });
});

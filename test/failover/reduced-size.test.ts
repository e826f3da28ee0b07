// Reduced-size restart (issue 14 item 4), through the HTTP API on the simulated fleet: dc1-s01 fails while dc1-s02
// and dc1-s03 are in maintenance, so its LPARs can go to dc1-s04 only, which is 4 GB short of memory
// (fixtures/reduced-size-fleet.yaml). dc1-web01 (policy reducedSize 75 %) restarts reduced, every other LPAR at full
// size; nothing runs twice and the violation log stays empty. Then the host returns, is failed back, and `restore`
// brings the LPARs home by LPM, where dc1-web01 gets its full size back (DLPAR, then its profile).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import type { EvacuationReport, FailbackReport } from '../../domain/evacuation/index.js';
import type { FailoverReport } from '../../domain/failover/index.js';
import { startSimulatedLazarus, type SimulatedLazarus } from '../support/simulated-lazarus.js';
import { eventually } from '../support/temporal.js';

const FLEET = new URL('./fixtures/reduced-size-fleet.yaml', import.meta.url).pathname;
const BIN = new URL('../../bin/lazarus.mjs', import.meta.url).pathname;

interface SimState {
  systems: Array<{ name: string; state: string; partitions: Array<{ name: string; env: string; state: string }> }>;
}

describe('reduced-size restart and its return to full size (HTTP API, simulated fleet)', () => {
  let lazarus: SimulatedLazarus;
  before(async () => {
    lazarus = await startSimulatedLazarus({
      name: 'reduced-size',
      fleet: FLEET,
      editConfig: (yaml) => {
        const edited = yaml
          .replace(/pollInterval: \S+/, 'pollInterval: 50')
          .replace(/fenceDeadline: \S+/, 'fenceDeadline: 3s')
          // dc1-web01 may restart at 75 % of its size; dc1-batch01 may not shrink (so exactly one LPAR is reduced).
          .replace(
            /(pattern: "dc1-web\*" \}\n\s+priority: low\n\s+)allowReducedSize: true[^\n]*/,
            '$1reducedSize: { percent: 75 }',
          )
          .replace(
            /(pattern: "dc1-batch\*" \}\n\s+priority: low\n\s+)allowReducedSize: true/,
            '$1allowReducedSize: false',
          );
        assert.match(edited, /reducedSize: \{ percent: 75 \}/);
        assert.match(edited, /pattern: "dc1-batch\*" \}\n\s+priority: low\n\s+allowReducedSize: false/);
        return edited;
      },
    });
  });
  after(() => lazarus?.stop());

  const hmc = () => lazarus.devices.hmc('hmc-dc1');

  /** `lazarus <args>` against this stack's API: exit code and output. */
  const cli = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [BIN, ...args],
        {
          timeout: 120_000,
          env: {
            PATH: process.env.PATH ?? '',
            HOME: lazarus.dir,
            LAZARUS_HOME: `${lazarus.dir}/.lazarus-cli`,
            LAZARUS_URL: lazarus.apiUrl,
            LAZARUS_API_TOKEN: lazarus.token,
          },
        },
        (error, stdout, stderr) =>
          resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });

  /** Every client LPAR is active on one host at most; LPAR → that host. */
  async function runningOnce(): Promise<Map<string, string>> {
    const state = await lazarus.control<SimState>('GET', '/state');
    const hosts = new Map<string, string>();
    for (const system of state.systems)
      for (const p of system.partitions.filter((q) => q.env !== 'vioserver' && q.state !== 'Not Activated')) {
        assert.ok(!hosts.has(p.name), `${p.name} is active on ${hosts.get(p.name)} and ${system.name}`);
        hosts.set(p.name, system.name);
      }
    return hosts;
  }

  it(
    'restarts one LPAR reduced when capacity is short, then restore gives its full size back',
    { timeout: 240_000 },
    async () => {
      assert.equal(await lazarus.discover(), 'ok');
      for (const host of ['dc1-s02', 'dc1-s03']) {
        const put = await lazarus.api('PUT', `/v1/hosts/${host}/maintenance`, { reason: 'firmware update' });
        assert.ok(put.status < 300, JSON.stringify(put.body));
      }
      await lazarus.control('POST', '/faults', { kind: 'host-error', target: 'dc1-s01' });
      const started = await lazarus.api<{ id: string }>('POST', '/v1/failovers', {
        group: 'dc1-prod',
        host: 'dc1-s01',
        mode: 'auto',
      });
      assert.equal(started.status, 202, JSON.stringify(started.body));
      const report = await eventually(
        'the failover report',
        async () => {
          const s = await lazarus.api<{ status: string; report?: FailoverReport }>(
            'GET',
            `/v1/failovers/${encodeURIComponent(started.body.id)}`,
          );
          return s.body.status === 'completed' ? s.body.report : undefined;
        },
        150_000,
      );
      assert.equal(report.outcome, 'succeeded', JSON.stringify(report.lpars));
      const web = report.lpars.find((l) => l.lpar === 'dc1-web01')!;
      assert.equal(web.step, 'running');
      assert.equal(web.destination, 'dc1-s04');
      // 75 % of 0.5 units and 16384 MB: 0.375 rounded up to the HMC's hundredths, 12288 MB (whole 256 MB blocks).
      assert.deepEqual(web.reducedSize, { procUnits: 0.38, memoryMb: 12288, fullProcUnits: 0.5, fullMemoryMb: 16384 });
      const reduced = report.lpars.filter((l) => l.reducedSize).map((l) => l.lpar);
      assert.deepEqual(reduced, ['dc1-web01'], 'only the LPAR that did not fit at full size is reduced');
      const planned = report.plan?.streams.flatMap((s) => s.lpars) ?? [];
      assert.deepEqual(
        planned.filter((l) => l.reduced).map((l) => l.name),
        ['dc1-web01'],
        'the plan says which one runs reduced',
      );

      // What the HMC shows: the reduced size held on dc1-s04, its profile changed, the full size recorded.
      const held = (await hmc().partitionResources('dc1-s04')).get('dc1-web01')!;
      assert.equal(held.memoryMb, 12288);
      assert.equal(held.procUnits, 0.38);
      const record = await lazarus.store.reducedSizes().of('dc1-prod', 'dc1-web01');
      assert.deepEqual(record?.full, { procUnits: 0.5, memoryMb: 16384 });
      assert.deepEqual(record?.reduced, { procUnits: 0.38, memoryMb: 12288 });
      const hosts = await runningOnce();
      for (const lpar of ['dc1-db01', 'dc1-app01', 'dc1-web01', 'dc1-mq01', 'dc1-batch01'])
        assert.equal(hosts.get(lpar), 'dc1-s04', `${lpar} runs on dc1-s04`);
      assert.deepEqual(await lazarus.control('GET', '/violations'), [], 'nothing ran twice, no disk lost');

      // A later resize where it runs now: dc1-s04 has no room yet, so it stays reduced and its record is kept.
      const listed = await lazarus.api<{ lpars: Array<{ lpar: string; host: string }> }>('GET', '/v1/reduced-lpars');
      assert.deepEqual(
        listed.body.lpars.map((l) => [l.lpar, l.host]),
        [['dc1-web01', 'dc1-s04']],
      );
      const noRoom = await lazarus.api<{ code: string; message: string }>('POST', '/v1/lpars/dc1-web01/full-size');
      assert.equal(noRoom.status, 409, JSON.stringify(noRoom.body));
      assert.equal(noRoom.body.code, 'no_capacity');
      assert.match(noRoom.body.message, /HSCL0623/);
      assert.ok(await lazarus.store.reducedSizes().of('dc1-prod', 'dc1-web01'), 'record kept for a later try');
      assert.equal((await hmc().partitionResources('dc1-s04')).get('dc1-web01')!.memoryMb, 12288);

      // The host returns; failback cleans its stale definitions; restore brings everything home by LPM.
      await lazarus.control('POST', '/actions/recover-host', { system: 'dc1-s01' });
      const failback = await lazarus.api<FailbackReport>('POST', '/v1/hosts/dc1-s01/failback');
      assert.equal(failback.status, 200, JSON.stringify(failback.body));
      assert.equal(failback.body.outcome, 'succeeded', JSON.stringify(failback.body));
      const restore = await lazarus.api('POST', '/v1/hosts/dc1-s01/restore', {});
      assert.equal(restore.status, 202, JSON.stringify(restore.body));
      const restored = await eventually(
        'the restore report',
        async () => {
          const s = await lazarus.api<{ status: string; report?: EvacuationReport }>(
            'GET',
            '/v1/hosts/dc1-s01/restore',
          );
          return s.body.status === 'completed' ? s.body.report : undefined;
        },
        150_000,
      );
      assert.equal(restored.outcome, 'succeeded', JSON.stringify(restored.lpars));
      const home = restored.lpars.find((l) => l.lpar === 'dc1-web01')!;
      assert.equal(home.step, 'moved');
      assert.equal(home.error, undefined, 'its full size was given back');

      const full = (await hmc().partitionResources('dc1-s01')).get('dc1-web01')!;
      assert.equal(full.memoryMb, 16384, 'DLPAR gave the memory back');
      assert.equal(full.procUnits, 0.5, 'DLPAR gave the processing units back');
      const profile = (await hmc().profiles('dc1-s01')).find((p) => p.lparName === 'dc1-web01')!;
      assert.equal(profile.memoryMb.desired, 16384, 'its profile is full size again for its next activation');
      assert.equal(profile.procUnits.desired, 0.5);
      assert.equal(await lazarus.store.reducedSizes().of('dc1-prod', 'dc1-web01'), undefined, 'record forgotten');
      assert.equal((await runningOnce()).get('dc1-web01'), 'dc1-s01');
      assert.deepEqual(await lazarus.control('GET', '/violations'), []);
    },
  );

  it('a later resize gives the full size back where it runs, once there is room', { timeout: 240_000 }, async () => {
    await lazarus.control('POST', '/reset');
    await lazarus.control('DELETE', '/violations');
    assert.equal(await lazarus.discover(), 'ok');
    await lazarus.control('POST', '/faults', { kind: 'host-error', target: 'dc1-s01' });
    const started = await lazarus.api<{ id: string }>('POST', '/v1/failovers', {
      group: 'dc1-prod',
      host: 'dc1-s01',
      mode: 'auto',
    });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const report = await eventually(
      'the second failover report',
      async () => {
        const s = await lazarus.api<{ status: string; report?: FailoverReport }>(
          'GET',
          `/v1/failovers/${encodeURIComponent(started.body.id)}`,
        );
        return s.body.status === 'completed' ? s.body.report : undefined;
      },
      150_000,
    );
    assert.equal(report.outcome, 'succeeded', JSON.stringify(report.lpars));
    assert.equal(report.lpars.find((l) => l.lpar === 'dc1-web01')?.reducedSize?.memoryMb, 12288);
    const listed = await cli(['query', 'reduced']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /dc1-web01 .*dc1-prod .*dc1-s04 .*0\.38 PU, 12288 MB .*0\.5 PU, 16384 MB/);
    const refused = await cli(['full-size', 'dc1-web01']);
    assert.equal(refused.code, 6, `no room yet: a conflict (${refused.stderr})`);
    assert.match(refused.stderr, /no room yet/);
    // Room is made on dc1-s04 (its batch LPAR stopped by its owner); then the operator asks for the full size.
    await hmc().shutdownPartition('dc1-s04', 'dc1-batch04');
    await eventually('dc1-batch04 stopped', async () =>
      (await hmc().partition('dc1-s04', 'dc1-batch04'))?.state === 'Not Activated' ? true : undefined,
    );
    const done = await lazarus.api<{ changed: boolean; host: string; detail: string }>(
      'POST',
      '/v1/lpars/dc1-web01/full-size',
    );
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.equal(done.body.changed, true);
    assert.equal(done.body.host, 'dc1-s04');
    assert.deepEqual(
      { ...(await hmc().partitionResources('dc1-s04')).get('dc1-web01') },
      { procUnits: 0.5, memoryMb: 16384, procMode: 'shared' },
    );
    const profile = (await hmc().profiles('dc1-s04')).find((p) => p.lparName === 'dc1-web01')!;
    assert.equal(profile.memoryMb.desired, 16384);
    assert.deepEqual((await lazarus.api<{ lpars: unknown[] }>('GET', '/v1/reduced-lpars')).body.lpars, []);
    const again = await lazarus.api<{ code: string }>('POST', '/v1/lpars/dc1-web01/full-size');
    assert.equal(again.status, 404, 'nothing recorded any more');
    assert.equal(again.body.code, 'not_reduced');
    assert.equal((await cli(['full-size', 'dc1-web01'])).code, 5, 'the CLI: not found');
    assert.match((await cli(['query', 'reduced'])).stdout, /no LPAR runs at reduced size/);
    await runningOnce();
    assert.deepEqual(await lazarus.control('GET', '/violations'), []);
  });
});

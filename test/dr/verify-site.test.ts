// DR discovery and verification through the HTTP API on the simulated DR fleet (examples/fleet-dr.yaml with
// examples/lazarus-dr.yaml): every VM READY_TO_MOVE, then each NOT_READY reason produced by the simulator for real —
// a replication link down (not consistent, then beyond the RPO), a backup host short of memory, a backup host down to
// one VIOS, a VM whose volume no consistency group holds and which has no shadow definition — and the history showing
// each drift and its recovery. The simulator's violation log stays empty.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../support/temporal.js';
import { startSimulatedLazarus, type SimulatedLazarus } from '../support/simulated-lazarus.js';
import { MAIN_TASK_QUEUE } from '../../workers/lazarus-workers.js';
import { ensureInventorySchedules } from '../../workers/inventory-schedules.js';

const FLEET = new URL('../../examples/fleet-dr.yaml', import.meta.url).pathname;
const CONFIG = new URL('../../examples/lazarus-dr.yaml', import.meta.url).pathname;

interface VmView {
  vm: string;
  state: 'READY_TO_MOVE' | 'NOT_READY';
  productionHost: string;
  backupHost?: string;
  reasons: Array<{ code: string; message: string }>;
  warnings: Array<{ code: string; message: string }>;
}
interface VerificationView {
  id: number;
  verifiedAt: string;
  ready: boolean;
  readyToMove: number;
  notReady: number;
  vms: VmView[];
  groups: Array<{ name: string; state: string; lagSeconds?: number; recoveryPoint?: string }>;
}
interface HistoryView {
  verifications: Array<{ id: number; ready: boolean; notReady: Array<{ vm: string; codes: string[] }> }>;
}

/** Runs a verification to its end through the API and returns the stored result (GET …/verification). */
async function verify(lazarus: SimulatedLazarus): Promise<VerificationView> {
  const run = await lazarus.api<{ result: { verificationId: number } }>('POST', '/v1/sites/dc1/verify?wait=240');
  assert.equal(run.status, 200, JSON.stringify(run.body));
  const latest = await lazarus.api<VerificationView>('GET', '/v1/sites/dc1/verification');
  assert.equal(latest.status, 200);
  assert.equal(latest.body.id, run.body.result.verificationId);
  return latest.body;
}

const vmsOn = (v: VerificationView, host: string) => v.vms.filter((vm) => vm.productionHost === host);
const codesOf = (vm: VmView) => vm.reasons.map((r) => r.code);

describe('DR verification through the API', () => {
  let lazarus: SimulatedLazarus;
  before(async () => {
    lazarus = await startSimulatedLazarus({
      name: 'dr-verify',
      fleet: FLEET,
      config: CONFIG,
      // cg-dc1-s02 gets a short RPO so a lost link exceeds it within the test.
      editConfig: (yaml) => yaml.replace(/(name: cg-dc1-s02, [^}]*rpo: )5m/, '$12s'),
    });
    assert.equal(lazarus.config.dr!.consistencyGroups[1]!.rpo, 2_000);
  });
  after(async () => lazarus?.stop());

  it('answers for the active site only, validates the query, and lists its paths in OpenAPI', async () => {
    const none = await lazarus.api('GET', '/v1/sites/dc1/verification');
    assert.equal(none.status, 404);
    assert.equal(none.body.code, 'no_verification');
    const backup = await lazarus.api('POST', '/v1/sites/dc2/verify');
    assert.equal(backup.status, 409);
    assert.equal(backup.body.code, 'not_active_site');
    const unknown = await lazarus.api('GET', '/v1/sites/dc9/verification');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.code, 'unknown_site');
    const bad = await lazarus.api('POST', '/v1/sites/dc1/verify?wait=soon');
    assert.equal(bad.status, 400);
    assert.match(String(bad.body.message), /wait/);
    const openapi = (await fetch(`${lazarus.apiUrl}/v1/openapi.json`).then((r) => r.json())) as { paths: object };
    for (const path of [
      '/v1/sites/{site}/discover',
      '/v1/sites/{site}/verify',
      '/v1/sites/{site}/verification',
      '/v1/sites/{site}/verification/history',
      '/v1/vms/{vm}/dr',
      '/v1/sites/{site}/move',
      '/v1/sites/{site}/move/approve',
      '/v1/sites/{site}/move/reject',
      '/v1/sites/{site}/move/cancel',
      '/v1/sites/{site}/move-back',
      '/v1/sites/{site}/resync',
    ])
      assert.ok(path in openapi.paths, `${path} is in the OpenAPI document`);
  });

  it('discovers both sites: each volume with its consistency group', { timeout: 240_000 }, async () => {
    const started = await lazarus.api<{ workflowId: string }>('POST', '/v1/sites/dc1/discover');
    assert.equal(started.status, 202);
    assert.equal(started.body.workflowId, 'dr-discover/dc1/on-demand');
    const done = await lazarus.api<{
      result: { hosts: Array<{ name: string; state: string }>; vms: Array<{ vm: string; volumes: object[] }> };
    }>('POST', '/v1/sites/dc1/discover?wait=240');
    assert.equal(done.status, 200);
    assert.equal(done.body.result.hosts.length, 8);
    assert.ok(done.body.result.hosts.every((h) => h.state === 'Operating'));
    const db01 = done.body.result.vms.find((v) => v.vm === 'dc1-db01')!;
    assert.deepEqual(db01.volumes, [
      { volume: 'dc1-db01_data1', group: 'cg-dc1-s01' },
      { volume: 'dc1-db01_data2', group: 'cg-dc1-s01' },
      { volume: 'dc1-db01_data3', group: 'cg-dc1-s01' },
      { volume: 'dc1-db01_rootvg', group: 'cg-dc1-s01' },
    ]);
  });

  it('verifies every VM READY_TO_MOVE on the healthy fleet', { timeout: 240_000 }, async () => {
    const verification = await verify(lazarus);
    assert.equal(verification.ready, true, JSON.stringify(verification.vms.filter((v) => v.state !== 'READY_TO_MOVE')));
    assert.equal(verification.vms.length, 21, 'every production VM but the excluded dc1-test04');
    assert.ok(!verification.vms.some((v) => v.vm === 'dc1-test04'));
    assert.ok(verification.vms.every((v) => v.backupHost === v.productionHost.replace('dc1-', 'dc2-')));
    assert.ok(verification.groups.every((g) => g.state === 'consistent_synchronized' && g.lagSeconds === 0));
    const vm = await lazarus.api<VmView & { history: object[] }>('GET', '/v1/vms/dc1-db01/dr');
    assert.equal(vm.status, 200);
    assert.equal(vm.body.state, 'READY_TO_MOVE');
    assert.equal(vm.body.backupHost, 'dc2-s01');
    assert.equal((await lazarus.api('GET', '/v1/vms/dc1-test04/dr')).status, 404);
  });

  it(
    'a replication link down: not consistent at once, then beyond the RPO; ready again once resynchronized',
    {
      timeout: 300_000,
    },
    async () => {
      const fault = await lazarus.control<{ id: string }>('POST', '/faults', {
        kind: 'replication-link-down',
        target: 'cg-dc1-s02',
      });
      const broken = await verify(lazarus);
      assert.equal(broken.ready, false);
      for (const vm of vmsOn(broken, 'dc1-s02')) {
        assert.equal(vm.state, 'NOT_READY');
        assert.ok(codesOf(vm).includes('REPLICATION_NOT_CONSISTENT'), JSON.stringify(vm));
        assert.match(
          vm.reasons.find((r) => r.code === 'REPLICATION_NOT_CONSISTENT')!.message,
          /consistent_disconnected/,
        );
      }
      assert.ok(
        vmsOn(broken, 'dc1-s01').every((vm) => vm.state === 'READY_TO_MOVE'),
        'other groups are not affected',
      );
      // The copy's age grows from the last verification that saw the group synchronized, past the 2 s RPO.
      const stale = await eventually(
        'RPO_EXCEEDED for the VMs of cg-dc1-s02',
        async () => {
          const v = await verify(lazarus);
          return vmsOn(v, 'dc1-s02').every((vm) => codesOf(vm).includes('RPO_EXCEEDED')) ? v : undefined;
        },
        120_000,
        500,
      );
      assert.ok(stale.groups.find((g) => g.name === 'cg-dc1-s02')!.lagSeconds! > 2);

      await lazarus.control('DELETE', `/faults/${fault.id}`);
      // The operator restarts replication (startrcconsistgrp) once the link is back; it resynchronizes.
      await lazarus.devices.storageSystem('svc-dc1').startConsistencyGroup('cg-dc1-s02');
      const healed = await eventually(
        'all VMs READY_TO_MOVE again',
        async () => {
          const v = await verify(lazarus);
          return v.ready ? v : undefined;
        },
        120_000,
        500,
      );
      assert.equal(healed.readyToMove, 21);
    },
  );

  it(
    'a backup host short of memory: the VMs that do not fit are NOT_READY, reduced ones warned',
    {
      timeout: 240_000,
    },
    async () => {
      // 125,000 MB installed (the VIOS use some): not room for every VM of dc1-s01 even at the allowed minimum sizes.
      await lazarus.control('POST', '/actions/set-capacity', { system: 'dc2-s01', memoryMb: 125_000 });
      const short = await verify(lazarus);
      const onS01 = vmsOn(short, 'dc1-s01');
      const unfit = onS01.filter((vm) => codesOf(vm).includes('BACKUP_CAPACITY_SHORT'));
      assert.ok(unfit.length > 0, JSON.stringify(onS01));
      assert.ok(unfit.every((vm) => /dc2-s01/.test(vm.reasons[0]!.message)));
      assert.equal(
        onS01.find((vm) => vm.vm === 'dc1-db01')!.state,
        'READY_TO_MOVE',
        'the critical database is placed first',
      );
      // Placed by DR priority: the critical and high VMs keep their room; a VM allowed to shrink may fit at its minimum.
      for (const vm of ['dc1-db01', 'dc1-mq01']) assert.ok(!unfit.some((u) => u.vm === vm), `${vm} is placed first`);
      const reduced = onS01.filter((vm) => vm.warnings.some((w) => w.code === 'REDUCED_SIZE'));
      assert.ok(reduced.length > 0, JSON.stringify(onS01));
      for (const vm of reduced) {
        assert.equal(vm.state, 'READY_TO_MOVE');
        assert.ok(['dc1-web01', 'dc1-batch01'].includes(vm.vm), `${vm.vm} may start reduced (dr.policies)`);
      }
      assert.ok(vmsOn(short, 'dc1-s02').every((vm) => vm.state === 'READY_TO_MOVE'));
      await lazarus.control('POST', '/actions/set-capacity', { system: 'dc2-s01', memoryMb: 524_288 });
      assert.equal((await verify(lazarus)).ready, true);
    },
  );

  it(
    'a backup host down to one VIOS where production has two: VIOS redundancy lost',
    { timeout: 240_000 },
    async () => {
      await lazarus.control('POST', '/actions/set-lpar-state', {
        system: 'dc2-s03',
        lpar: 'dc2-s03-vios2',
        state: 'Not Activated',
      });
      const single = await verify(lazarus);
      const dual = vmsOn(single, 'dc1-s03').filter((vm) => codesOf(vm).includes('VIOS_REDUNDANCY_LOST'));
      assert.ok(dual.length > 0, JSON.stringify(vmsOn(single, 'dc1-s03')));
      assert.match(dual[0]!.reasons.find((r) => r.code === 'VIOS_REDUNDANCY_LOST')!.message, /dc2-s03-vios1/);
      await lazarus.control('POST', '/actions/set-lpar-state', {
        system: 'dc2-s03',
        lpar: 'dc2-s03-vios2',
        state: 'Running',
      });
      assert.equal((await verify(lazarus)).ready, true);
    },
  );

  it('keeps the history: each drift and its recovery, newest first, and per VM', async () => {
    const history = await lazarus.api<HistoryView>('GET', '/v1/sites/dc1/verification/history?limit=500');
    assert.equal(history.status, 200);
    const states = history.body.verifications.map((v) => v.ready).reverse();
    // ready, link down (…), ready, capacity short, ready, single VIOS, ready
    assert.equal(states[0], true);
    assert.equal(states.at(-1), true);
    const drifts = states.filter((ready, i) => i > 0 && states[i - 1] && !ready).length;
    assert.equal(drifts, 3, `three drifts, each recovered: ${JSON.stringify(states)}`);
    const codes = new Set(history.body.verifications.flatMap((v) => v.notReady.flatMap((n) => n.codes)));
    for (const code of ['REPLICATION_NOT_CONSISTENT', 'RPO_EXCEEDED', 'BACKUP_CAPACITY_SHORT', 'VIOS_REDUNDANCY_LOST'])
      assert.ok(codes.has(code), `${code} is in the history`);
    const vm = await lazarus.api<{ history: Array<{ state: string; codes: string[] }> }>(
      'GET',
      '/v1/vms/dc1-app02/dr?limit=500',
    );
    assert.ok(vm.body.history.some((h) => h.state === 'NOT_READY' && h.codes.includes('RPO_EXCEEDED')));
    assert.equal(vm.body.history[0]!.state, 'READY_TO_MOVE');
  });

  it("verifies on the site pair's Temporal Schedule (daily by default)", { timeout: 240_000 }, async () => {
    const ids = await ensureInventorySchedules(lazarus.server.client, lazarus.config, MAIN_TASK_QUEUE);
    assert.ok(ids.includes('dr-verify/dc1'), ids.join(', '));
    const schedule = lazarus.server.client.schedule.getHandle('dr-verify/dc1');
    const described = await schedule.describe();
    assert.equal(described.info.nextActionTimes[0]?.getUTCHours(), 2);
    const before = (await lazarus.api<VerificationView>('GET', '/v1/sites/dc1/verification')).body.id;
    await schedule.trigger();
    const fresh = await eventually(
      'a verification started by the schedule',
      async () => {
        const latest = await lazarus.api<VerificationView>('GET', '/v1/sites/dc1/verification');
        return latest.body.id > before ? latest.body : undefined;
      },
      120_000,
      250,
    );
    assert.equal(fresh.ready, true);
    for (const id of ids) await lazarus.server.client.schedule.getHandle(id).delete();
  });

  it('leaves the simulator without violations', async () => {
    assert.deepEqual(await lazarus.control('GET', '/violations'), []);
  });
});

describe('DR verification of a VM that is not replicated', () => {
  let lazarus: SimulatedLazarus;
  before(async () => {
    lazarus = await startSimulatedLazarus({
      name: 'dr-unreplicated',
      fleet: FLEET,
      config: CONFIG,
      // dc1-test04 protected: its volume is in no consistency group and dc2 holds no shadow of it.
      editConfig: (yaml) => yaml.replace(/\n\s+- match: \{ name: dc1-test04 \}[^\n]*\n\s+exclude: true/, ''),
    });
  });
  after(async () => lazarus?.stop());

  it('is NOT_READY: volume not replicated, shadow missing; the others stay ready', { timeout: 240_000 }, async () => {
    const verification = await verify(lazarus);
    const test04 = verification.vms.find((v) => v.vm === 'dc1-test04')!;
    assert.equal(test04.state, 'NOT_READY');
    assert.deepEqual(codesOf(test04).sort(), ['SHADOW_MISSING', 'VOLUME_NOT_REPLICATED']);
    assert.match(test04.reasons.find((r) => r.code === 'VOLUME_NOT_REPLICATED')!.message, /dc1-test04_rootvg/);
    assert.match(test04.reasons.find((r) => r.code === 'SHADOW_MISSING')!.message, /dc2-s04/);
    assert.equal(verification.readyToMove, 21);
    assert.deepEqual(await lazarus.control('GET', '/violations'), []);
  });
});

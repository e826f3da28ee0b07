// Host failover end to end through the HTTP API, with the production worker setup (main and per-device workers),
// on the devserver against the simulated fleet: auto mode, advisory approval, a host that cannot be fenced (operator
// override), two hosts at once, a restart that keeps failing (re-plan), capacity too small, a dry run; every LPAR of
// the failed host Running elsewhere, defined and mapped on one host only, the report stored, and the simulator's
// violation log empty.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { DeviceRegistry } from '../../activities/devices.js';
import type { InventoryStore } from '../../activities/inventory/index.js';
import type { SimulatedFleet } from '../../simulators/index.js';
import type { FailoverProgress, FailoverReport } from '../../domain/failover/index.js';
import { restartStreamWorkflowId } from '../../workflows/failover/messages.js';
import { MockActivityEnvironment } from '@temporalio/testing';
import { failoverContext } from '../../activities/failover/context.js';
import { createStorageActivities } from '../../activities/failover/storage-activities.js';
import { eventually } from '../support/temporal.js';
import { startSimulatedLazarus, type SimulatedLazarus } from '../support/simulated-lazarus.js';
import { assertPlacedOnce } from './fixtures/placement-checks.js';

describe('host failover through the HTTP API (devserver + simulated fleet)', () => {
  let lazarus: SimulatedLazarus;
  let fleet: SimulatedFleet;
  let store: InventoryStore;
  let devices: DeviceRegistry;

  before(async () => {
    lazarus = await startSimulatedLazarus({
      name: 'failover',
      editConfig: (yaml) =>
        yaml.replace(/pollInterval: \S+/, 'pollInterval: 50').replace(/fenceDeadline: \S+/, 'fenceDeadline: 3s'),
    });
    ({ fleet, store, devices } = lazarus);
    assert.equal(lazarus.config.hostGroups[0]!.recovery.pollInterval, 50);
  });

  after(() => lazarus?.stop());

  const control = <T = unknown>(method: string, path: string, body?: unknown) => lazarus.control<T>(method, path, body);
  const api = <T = Record<string, unknown>>(method: string, path: string, body?: unknown) =>
    lazarus.api<T>(method, path, body);

  beforeEach(async () => {
    await control('POST', '/reset');
    await control('DELETE', '/violations');
    assert.equal(await lazarus.discover(), 'ok');
  });

  /** POST /v1/failovers; the failover's path under /v1/failovers. */
  const start = async (host: string, mode: 'auto' | 'advisory'): Promise<string> => {
    const started = await api<{ id: string }>('POST', '/v1/failovers', { group: 'dc1-prod', host, mode });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    return `/v1/failovers/${encodeURIComponent(started.body.id)}`;
  };
  const dryRun = async (host: string): Promise<FailoverReport> => {
    const planned = await api<FailoverReport>('POST', '/v1/failovers', {
      group: 'dc1-prod',
      host,
      mode: 'auto',
      dryRun: true,
    });
    assert.equal(planned.status, 200);
    return planned.body;
  };
  const progress = async (path: string) => (await api<{ progress?: FailoverProgress }>('GET', path)).body.progress;
  const reportOf = (path: string): Promise<FailoverReport> =>
    eventually(
      'the report',
      async () => {
        const state = await api<{ status: string; report?: FailoverReport }>('GET', path);
        return state.body.status === 'completed' ? state.body.report : undefined;
      },
      90_000,
    );

  async function assertRestartedElsewhere(report: FailoverReport, failedHost: string): Promise<void> {
    const expected = (await store.latestGoodSnapshot('dc1-prod'))!.snapshot.lpars
      .filter((l) => l.host === failedHost)
      .map((l) => l.name)
      .sort();
    assert.deepEqual(
      report.lpars.map((l) => l.lpar).sort(),
      expected,
      'every LPAR of the failed host is accounted for',
    );
    for (const lpar of report.lpars) {
      assert.equal(lpar.step, 'running', `${lpar.lpar}: ${lpar.error ?? lpar.step}`);
      assert.notEqual(lpar.destination, failedHost);
      const partition = await devices.hmc('hmc-dc1').partition(lpar.destination!, lpar.lpar);
      assert.equal(partition?.state, 'Running', `${lpar.lpar} Running on ${lpar.destination}`);
    }
    assert.deepEqual(await control('GET', '/violations'), [], 'no invariant was violated');
    await assertPlacedOnce(fleet.controlUrl, report);
    const stored = await store.recoveryReport(report.workflowId);
    assert.equal(stored?.outcome, 'succeeded');
  }

  it(
    'fails over a host in error in auto mode: fenced, planned, every LPAR Running elsewhere',
    { timeout: 120_000 },
    async () => {
      await control('POST', '/faults', { kind: 'host-error', target: 'dc1-s01' });
      const report = await reportOf(await start('dc1-s01', 'auto'));
      assert.equal(report.outcome, 'succeeded');
      assert.equal(report.fence?.poweredOff, true);
      assert.equal(report.fence?.powerState, 'Power Off');
      // The host-level cut: the failed host's storage host object lost its ports in one command; its mappings stay.
      const svc = devices.storageSystem('svc-dc1');
      const ports = fleet.model.system('dc1-s01')!.wwpns;
      assert.deepEqual(report.fence?.hostPortsRemoved, { storageHost: 'dc1-s01', wwpns: ports });
      assert.deepEqual(report.fence?.unmappedVolumes, []);
      assert.deepEqual((await svc.host('dc1-s01'))?.wwpns, []);
      assert.ok((await svc.hostMappings('dc1-s01')).length >= 12, 'mappings kept, unreachable');
      await assertRestartedElsewhere(report, 'dc1-s01');
      assert.ok(report.plan && report.plan.streams.length >= 2, 'one stream per destination host');
      for (const stream of report.plan!.streams) {
        const ranks = stream.lpars.map((l) => ({ critical: 0, high: 1, medium: 2, low: 3 })[l.priority as 'high'] ?? 2);
        assert.deepEqual(
          ranks,
          [...ranks].sort((a, b) => a - b),
          `priorities honoured in the plan of the stream to ${stream.destination}`,
        );
        // ... and in what happened: each LPAR started mapping only once the one before it in the stream was Running
        const timings = stream.lpars.map((l) => report.lpars.find((p) => p.lpar === l.name)!.timings);
        for (let i = 1; i < timings.length; i++)
          assert.ok(
            timings[i]!.mapping! >= timings[i - 1]!.running!,
            `${stream.lpars[i]!.name} waited for ${stream.lpars[i - 1]!.name}`,
          );
      }
    },
  );

  it(
    'cleanup after a host-level fence: stale mappings go, then the recorded ports come back',
    { timeout: 120_000 },
    async () => {
      await control('POST', '/faults', { kind: 'host-error', target: 'dc1-s01' });
      const report = await reportOf(await start('dc1-s01', 'auto'));
      assert.equal(report.outcome, 'succeeded');
      const removed = report.fence!.hostPortsRemoved!;
      const storage = createStorageActivities(
        failoverContext({ config: lazarus.config, devices, store, log: () => {} }),
      );
      // Every LPAR of dc1-s01 was restarted elsewhere: each of its volumes is proven stale on dc1-s01.
      const volumes = (await devices.storageSystem('svc-dc1').hostMappings('dc1-s01')).map((m) => m.volume);
      const restore = (): Promise<string[]> =>
        new MockActivityEnvironment().run(storage.restoreHostPorts, {
          group: 'dc1-prod',
          host: removed.storageHost,
          wwpns: removed.wwpns,
          volumes,
        });
      const done = await restore();
      assert.ok(done.length >= 13, `stale mappings removed, then the ports: ${done.join('; ')}`);
      const svc = devices.storageSystem('svc-dc1');
      assert.deepEqual((await svc.host('dc1-s01'))?.wwpns.sort(), [...removed.wwpns].sort());
      assert.deepEqual(await svc.hostMappings('dc1-s01'), [], 'no volume now used elsewhere is mapped back');
      assert.match((await restore()).join('; '), /already holds/, 'a second cleanup changes nothing');
      assert.deepEqual(await control('GET', '/violations'), []);
    },
  );

  it(
    'NPIV and vSCSI LPARs in one failover: the NPIV client is not remapped, its ports proven logged out first',
    { timeout: 120_000 },
    async () => {
      const svc = devices.storageSystem('svc-dc1');
      assert.equal((await svc.hostPorts('dc1-batch02'))?.status, 'online', 'its own host object, logged in');
      await control('POST', '/faults', { kind: 'host-error', target: 'dc1-s02' });
      const report = await reportOf(await start('dc1-s02', 'auto'));
      assert.equal(report.outcome, 'succeeded', JSON.stringify(report.lpars));
      const planned = report.plan!.streams.flatMap((s) => s.lpars);
      assert.deepEqual(
        planned.filter((l) => l.attachment === 'npiv').map((l) => l.name),
        ['dc1-batch02'],
        'the inventory told NPIV from vSCSI',
      );
      assert.ok(
        planned.some((l) => l.attachment === undefined && l.volumes.length > 0),
        'vSCSI LPARs too',
      );
      assert.deepEqual(report.fence?.npivLoggedOut, ['dc1-batch02']);
      assert.ok(report.fence?.hostPortsRemoved, 'the vSCSI LPARs were cut at the host object');
      for (const volume of ['dc1-batch02_rootvg', 'dc1-batch02_data1'])
        assert.deepEqual(
          (await svc.volumeMappings(volume)).map((m) => m.host),
          ['dc1-batch02'],
          `${volume} stays on the client's own host object`,
        );
      const batch = report.lpars.find((l) => l.lpar === 'dc1-batch02')!;
      assert.equal((await svc.hostPorts('dc1-batch02'))?.status, 'online', `logged in again on ${batch.destination}`);
      await assertRestartedElsewhere(report, 'dc1-s02');
    },
  );

  it('waits for approval in advisory mode and records who approved', { timeout: 120_000 }, async () => {
    await control('POST', '/faults', { kind: 'host-error', target: 'dc1-s02' });
    const path = await start('dc1-s02', 'advisory');
    await eventually(
      'the approval phase',
      async () => ((await progress(path))?.phase === 'approve' ? true : undefined),
      60_000,
    );
    assert.equal((await api('POST', `${path}/approve`, { by: '' })).status, 400, 'a note on who decides is not empty');
    const approved = await api('POST', `${path}/approve`, { by: 'alice', reason: 'confirmed by phone' });
    assert.deepEqual(
      [approved.status, approved.body.status, approved.body.phase],
      [200, 'approved', 'fence'],
      'the answer says the approval took effect and what the failover went on to',
    );
    const late = await api('POST', `${path}/reject`, { by: 'mallory' });
    assert.equal(late.status, 409, 'a reject after the approve changes nothing, and says so');
    assert.equal(late.body.code, 'already_decided');
    assert.match(String(late.body.message), /already approved by api \(alice\)/);
    assert.ok(typeof late.body.phase === 'string' && late.body.phase !== 'approve', `phase ${late.body.phase}`);
    const report = await reportOf(path);
    assert.equal(report.outcome, 'succeeded');
    assert.deepEqual(report.approval, { decision: 'approved', by: 'api (alice)', reason: 'confirmed by phone' });
    await assertRestartedElsewhere(report, 'dc1-s02');
  });

  it(
    'does not restart anything until an operator overrides a fence that cannot be proven',
    { timeout: 120_000 },
    async () => {
      await control('POST', '/faults', { kind: 'host-power-loss', target: 'dc1-s03' });
      const path = await start('dc1-s03', 'auto');
      await eventually(
        'the fence-blocked phase',
        async () => ((await progress(path))?.phase === 'fence-blocked' ? true : undefined),
        60_000,
      );
      const blocked = (await progress(path))!;
      assert.ok(
        blocked.lpars.every((l) => l.step !== 'running'),
        'nothing restarted without a fence',
      );
      assert.ok(
        (await store.recentNotifications(10)).some((n) => n.kind === 'fence-failed' && n.message.includes('dc1-s03')),
      );
      assert.equal(
        (await api('POST', `${path}/override-fence`, { by: 'bob' })).status,
        400,
        'an override needs a reason for the audit trail',
      );
      assert.deepEqual(
        (
          await api('POST', `${path}/override-fence`, {
            by: 'bob',
            reason: 'datacenter confirms the server is unplugged',
          })
        ).body,
        { id: 'failover/dc1-prod/dc1-s03', status: 'fence overridden', phase: 'fence' },
        'the override took effect: the fence goes on with it',
      );
      const report = await reportOf(path);
      assert.equal(report.outcome, 'succeeded', JSON.stringify(report.lpars.filter((l) => l.step !== 'running')));
      assert.deepEqual(report.fence?.override, {
        by: 'api (bob)',
        reason: 'datacenter confirms the server is unplugged',
      });
      assert.equal(report.fence?.poweredOff, false);
      await assertRestartedElsewhere(report, 'dc1-s03');
    },
  );

  it(
    'fails over two hosts at once, sharing the device queues, without violating anything',
    { timeout: 120_000 },
    async () => {
      await control('POST', '/faults', { kind: 'host-error', target: 'dc1-s01' });
      await control('POST', '/faults', { kind: 'host-error', target: 'dc1-s02' });
      const [a, b] = await Promise.all([start('dc1-s01', 'auto'), start('dc1-s02', 'auto')]);
      const [ra, rb] = await Promise.all([reportOf(a), reportOf(b)]);
      assert.equal(ra!.outcome, 'succeeded', JSON.stringify(ra!.lpars.filter((l) => l.step !== 'running')));
      assert.equal(rb!.outcome, 'succeeded', JSON.stringify(rb!.lpars.filter((l) => l.step !== 'running')));
      for (const lpar of [...ra!.lpars, ...rb!.lpars])
        assert.ok(['dc1-s03', 'dc1-s04'].includes(lpar.destination!), `${lpar.lpar} went to a survivor`);
      assert.deepEqual(await control('GET', '/violations'), []);
    },
  );

  it(
    're-plans an LPAR whose restart keeps failing onto another host, releasing its volumes first',
    { timeout: 120_000 },
    async () => {
      await control('POST', '/faults', { kind: 'host-error', target: 'dc1-s01' });
      const dry = await dryRun('dc1-s01');
      const stream = dry.plan!.streams[0]!;
      const victim = stream.lpars[0]!;
      // Every remote restart of this LPAR onto its planned destination fails, as an HMC refusing it would.
      await control('POST', '/faults', {
        kind: 'command-fail',
        target: 'hmc-dc1',
        command: 'rrstartlpar',
        match: `-t ${stream.destination} -p ${victim.name}`,
        message: 'HSCLA319 The partition cannot be restarted on the destination managed system',
      });
      const report = await reportOf(await start('dc1-s01', 'auto'));
      assert.equal(report.outcome, 'succeeded', JSON.stringify(report.lpars.filter((l) => l.step !== 'running')));
      const moved = report.lpars.find((l) => l.lpar === victim.name)!;
      assert.notEqual(moved.destination, stream.destination, 're-planned onto another host');
      assert.equal(moved.attempts, 2, 'restarted in the re-plan round');
      await assertRestartedElsewhere(report, 'dc1-s01');
    },
  );

  it(
    'stops with a report and an alert when the storage system cannot be reached to fence, restarting nothing',
    { timeout: 120_000 },
    async () => {
      await control('POST', '/faults', { kind: 'host-error', target: 'dc1-s01' });
      const unreachable = await control<{ id: string }>('POST', '/faults', {
        kind: 'device-unreachable',
        target: 'svc-dc1',
      });
      try {
        const path = await start('dc1-s01', 'auto');
        const report = await reportOf(path);
        assert.equal(report.outcome, 'failed');
        assert.match(
          report.stoppedBy ?? '',
          /^fence: Power Off confirmed, but removing the host's volume mappings failed: svc-dc1: cannot reach/,
          'names the phase, what was done and the device',
        );
        assert.equal(report.fence, undefined, 'no fence proof');
        assert.equal(report.plan, undefined, 'nothing planned, nothing restarted');
        const stored = await store.recoveryReport(report.workflowId);
        assert.equal(stored?.outcome, 'failed');
        const alert = (await store.recentNotifications(20)).find(
          (n) => n.kind === 'failover-stopped' && n.workflowId === report.workflowId,
        );
        assert.equal(alert?.severity, 'critical');
        assert.match(alert?.message ?? '', /stopped in fence: /);
        const state = await api<{ status: string; report: FailoverReport }>('GET', path);
        assert.equal(state.body.report.stoppedBy, report.stoppedBy, 'GET /v1/failovers/:id shows why');
      } finally {
        await control('DELETE', `/faults/${unreachable.id}`);
      }
      assert.deepEqual(await control('GET', '/violations'), []);
    },
  );

  it(
    'blocks an LPAR whose state on its destination cannot be read after a failed restart; its stream moves on',
    { timeout: 120_000 },
    async () => {
      await control('POST', '/faults', { kind: 'host-error', target: 'dc1-s01' });
      const stream = (await dryRun('dc1-s01')).plan!.streams.find((s) => s.lpars.length >= 2)!;
      const [victim, next] = stream.lpars;
      // The victim's restart fails, and so does every attempt to read its state on the destination afterwards.
      await control('POST', '/faults', {
        kind: 'command-fail',
        target: 'hmc-dc1',
        command: 'rrstartlpar',
        match: `-p ${victim!.name}`,
        message: 'HSCLA319 The partition cannot be restarted on the destination managed system',
      });
      await control('POST', '/faults', {
        kind: 'command-fail',
        target: 'hmc-dc1',
        command: 'lssyscfg',
        match: `lpar_names=${victim!.name} `,
        message: 'HSCL350B The user does not have the appropriate authority',
      });
      const report = await reportOf(await start('dc1-s01', 'auto'));
      assert.equal(report.outcome, 'partial');
      const failed = report.lpars.find((l) => l.lpar === victim!.name)!;
      assert.equal(failed.step, 'blocked', 'a state that cannot be read may be running: an operator decides');
      assert.equal(failed.replannable, false);
      assert.equal(failed.attempts, 1, 'not restarted anywhere else: it might be running where it failed');
      assert.match(
        failed.error ?? '',
        /it is unknown .* on .*, so it is neither restarted elsewhere nor are its disks released: check it/,
      );
      assert.equal(
        report.lpars.find((l) => l.lpar === next!.name)?.step,
        'running',
        'the stream went on with the next LPAR',
      );
      assert.ok(report.lpars.filter((l) => l.lpar !== victim!.name).every((l) => l.step === 'running'));
      assert.equal(report.stoppedBy, undefined, 'the failover itself ran to its end');
      assert.deepEqual(await control('GET', '/violations'), []);
    },
  );

  it(
    'stops with a report when an operator terminates one destination stream: the others finish, its LPARs are reported where they stopped',
    { timeout: 120_000 },
    async () => {
      // Volume mappings hang on the storage system until released, so the stream is terminated mid-mapping.
      const hang = await control<{ id: string }>('POST', '/faults', {
        kind: 'command-hang',
        target: 'svc-dc1',
        command: 'mkvdiskhostmap',
      });
      await control('POST', '/faults', { kind: 'host-error', target: 'dc1-s01' });
      const path = await start('dc1-s01', 'auto');
      const workflowId = decodeURIComponent(path.split('/').pop()!);
      const inMapping = await eventually(
        'an LPAR mid-mapping',
        async () => (await progress(path))?.lpars.find((l) => l.step === 'mapping'),
        60_000,
      );
      await lazarus.server.client.workflow
        .getHandle(restartStreamWorkflowId(workflowId, 1, inMapping.destination!))
        .terminate('operator: stream stuck');
      await control('DELETE', `/faults/${hang.id}`);
      const report = await reportOf(path);
      assert.equal(
        report.stoppedBy,
        `execute: restart stream ${restartStreamWorkflowId(workflowId, 1, inMapping.destination!)} ended: Terminated`,
      );
      const stopped = report.lpars.filter((l) => l.destination === inMapping.destination);
      assert.ok(
        stopped.every((l) => l.step === 'failed' && l.replannable === false),
        JSON.stringify(stopped),
      );
      assert.match(
        stopped.find((l) => l.lpar === inMapping.lpar)?.error ?? '',
        new RegExp(`^stopped during mapping on ${inMapping.destination}: check it on the HMC`),
      );
      const others = report.lpars.filter((l) => l.destination !== inMapping.destination);
      assert.ok(others.length > 0 && others.every((l) => l.step === 'running'), 'the other streams ran to their end');
      assert.equal(report.outcome, 'partial');
      const alert = (await store.recentNotifications(20)).find(
        (n) => n.kind === 'failover-stopped' && n.workflowId === workflowId,
      );
      assert.equal(alert?.severity, 'critical');
      assert.deepEqual(await control('GET', '/violations'), []);
    },
  );

  it(
    'does not re-plan a failed LPAR whose volumes cannot be released from its first destination',
    { timeout: 120_000 },
    async () => {
      await control('POST', '/faults', { kind: 'host-error', target: 'dc1-s01' });
      const stream = (await dryRun('dc1-s01')).plan!.streams[0]!;
      const victim = stream.lpars[0]!;
      await control('POST', '/faults', {
        kind: 'command-fail',
        target: 'hmc-dc1',
        command: 'rrstartlpar',
        match: `-t ${stream.destination} -p ${victim.name}`,
        message: 'HSCLA319 The partition cannot be restarted on the destination managed system',
      });
      await control('POST', '/faults', {
        kind: 'command-fail',
        target: 'svc-dc1',
        command: 'rmvdiskhostmap',
        match: `-host ${stream.destination} `,
        message: 'CMMVC6071E The virtual disk-to-host mapping was not deleted',
      });
      const report = await reportOf(await start('dc1-s01', 'auto'));
      assert.equal(report.outcome, 'partial');
      const stuck = report.lpars.find((l) => l.lpar === victim.name)!;
      assert.equal(stuck.step, 'failed');
      assert.equal(
        stuck.attempts,
        1,
        'not restarted anywhere else while its disks are still visible to the first destination',
      );
      assert.match(stuck.error ?? '', /removing its volume mappings on .* failed .*check them/);
      assert.ok(
        report.lpars.filter((l) => l.lpar !== victim.name).every((l) => l.step === 'running'),
        'the others are restarted',
      );
      assert.deepEqual(await control('GET', '/violations'), []);
    },
  );

  it(
    'reports what does not fit when the survivors are short of capacity, and restarts the rest',
    { timeout: 120_000 },
    async () => {
      for (const system of ['dc1-s02', 'dc1-s03', 'dc1-s04'])
        await control('POST', '/actions/set-capacity', { system, memoryMb: 210_000 });
      await control('POST', '/faults', { kind: 'host-error', target: 'dc1-s01' });
      const report = await reportOf(await start('dc1-s01', 'auto'));
      assert.equal(report.outcome, 'partial');
      assert.ok(report.unplaced.length > 0);
      assert.ok(
        report.unplaced.every((u) => u.reason === 'capacity' && /MB/.test(u.detail)),
        JSON.stringify(report.unplaced),
      );
      assert.ok(
        report.unplaced.some((u) => u.lpar === 'dc1-db01'),
        'a 64 GB database fits nowhere with about 25 GB free per host',
      );
      const running = report.lpars.filter((l) => l.step === 'running');
      assert.ok(running.length > 0, 'what fits is restarted');
      assert.equal(running.length + report.unplaced.length, 5);
      assert.deepEqual(await control('GET', '/violations'), []);
      const stored = await store.recoveryReport(report.workflowId);
      assert.equal(stored?.outcome, 'partial');
    },
  );

  it('plans without touching anything in a dry run', { timeout: 60_000 }, async () => {
    await control('POST', '/faults', { kind: 'host-error', target: 'dc1-s04' });
    const report = await dryRun('dc1-s04');
    assert.equal(report.outcome, 'dry-run');
    assert.ok((report.plan?.streams.length ?? 0) > 0);
    assert.equal(report.fence, undefined);
    assert.equal(await devices.hmc('hmc-dc1').systemState('dc1-s04'), 'Error', 'not powered off');
    assert.ok((await devices.storageSystem('svc-dc1').hostMappings('dc1-s04')).length > 0, 'mappings untouched');
  });
});

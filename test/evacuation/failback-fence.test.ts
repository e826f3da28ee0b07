// Failback undoes every standing host-level storage cut, not only the newest failover's (issue 14, the 06:15 trial's
// findings 1 and 3): a failover cut dc1-s01 at its storage host object, the host came back, a second failover ended
// `not-failed`; failback must still put the ports back and say so only once `lshost` shows them; and it unmaps only
// the disks of LPARs it proved Running elsewhere, never those of an LPAR it keeps, even when a stale mapping
// elsewhere names the same volume. A host still cut is no destination (finding 2); one that never failed has nothing
// to fail back: 409, no report (finding 4).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { DeviceRegistry } from '../../activities/devices.js';
import { createEvacuationActivities } from '../../activities/evacuation/activities.js';
import { lparsRestartedAway } from '../../activities/evacuation/failback-activities.js';
import { openSqliteStore, type InventoryStore } from '../../activities/inventory/index.js';
import { storageCutHosts } from '../../activities/monitoring/storage-cut.js';
import { parseConfigText } from '../../domain/config/index.js';
import type { EvacuationReport, FailbackReport } from '../../domain/evacuation/index.js';
import type { FailoverPlan, FailoverReport } from '../../domain/failover/index.js';
import { eventually } from '../support/temporal.js';
import { startSimulatedLazarus, type SimulatedLazarus } from '../support/simulated-lazarus.js';

const EXAMPLE = readFileSync(new URL('../../examples/lazarus.yaml', import.meta.url), 'utf8');
const HOSTS = '    hosts: [dc1-s01, dc1-s02, dc1-s03, dc1-s04]\n';

describe('failback reads every failover run of the host (store)', () => {
  let dir: string;
  let store: InventoryStore;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lazarus-failback-fence-'));
    store = await openSqliteStore(join(dir, 'lazarus.db'));
  });

  after(async () => {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a later not-failed run hides neither the port cut nor the failback that is due', async () => {
    const config = parseConfigText(
      EXAMPLE.replace(HOSTS, `${HOSTS}    evacuation:\n      failback: automatic\n`),
      'test.yaml',
    );
    const { control } = createEvacuationActivities({ config, devices: {} as DeviceRegistry, store });
    const run = <T>(fn: (input: { group: string; host: string }) => Promise<T>): Promise<T> =>
      new MockActivityEnvironment().run(fn, { group: 'dc1-prod', host: 'dc1-s01' }) as Promise<T>;
    const save = (runId: string, at: string, outcome: 'succeeded' | 'rejected', report: Record<string, unknown>) =>
      store.saveRecoveryReport({
        workflowId: 'failover/dc1-prod/dc1-s01',
        runId,
        kind: 'host-failover',
        group: 'dc1-prod',
        startedAt: at,
        finishedAt: at,
        outcome,
        report,
      });
    assert.deepEqual(await run(control.failoverPortsRemoved), []);
    await save('run-1', '2026-11-30T01:00:00.000Z', 'succeeded', {
      fence: { poweredOff: true, hostPortsRemoved: { storageHost: 'dc1-s01', wwpns: ['W1', 'W2'] } },
    });
    await save('run-2', '2026-11-30T02:00:00.000Z', 'rejected', { outcome: 'not-failed' });
    assert.deepEqual(await run(control.failoverPortsRemoved), [{ storageHost: 'dc1-s01', wwpns: ['W1', 'W2'] }]);
    assert.equal((await run(control.failbackDue)).due, true, 'the fencing run, not the newest, decides');
  });

  it("restore's homecoming: a later not-failed run hides none of the LPARs the incident restarted", async () => {
    const save = (runId: string, at: string, report: Record<string, unknown>) =>
      store.saveRecoveryReport({
        workflowId: 'failover/dc1-prod/dc1-s02',
        runId,
        kind: 'host-failover',
        group: 'dc1-prod',
        startedAt: at,
        finishedAt: at,
        outcome: 'succeeded',
        report,
      });
    assert.deepEqual(await lparsRestartedAway(store, 'dc1-prod', 'dc1-s02'), []);
    await save('old', '2026-11-29T01:00:00.000Z', {
      fence: { poweredOff: true },
      lpars: [{ lpar: 'dc1-old01', step: 'running' }],
    });
    await save('first', '2026-11-30T01:00:00.000Z', {
      fence: { poweredOff: true },
      lpars: [
        { lpar: 'dc1-app02', step: 'running' },
        { lpar: 'dc1-db02', step: 'failed' },
      ],
    });
    await save('rerun', '2026-11-30T01:10:00.000Z', { lpars: [{ lpar: 'dc1-db02', step: 'running' }] });
    await save('later', '2026-11-30T02:00:00.000Z', { outcome: 'not-failed', lpars: [] });
    assert.deepEqual((await lparsRestartedAway(store, 'dc1-prod', 'dc1-s02')).sort(), ['dc1-app02', 'dc1-db02']);
  });
});

describe('a host cut at its storage is no destination (storageCutHosts)', () => {
  let dir: string;
  let store: InventoryStore;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lazarus-storage-cut-'));
    store = await openSqliteStore(join(dir, 'lazarus.db'));
  });

  after(async () => {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads lshost: no port at all, or a port a failover removed still missing; no host object is not cut', async () => {
    await store.saveRecoveryReport({
      workflowId: 'failover/dc1-prod/dc1-s02',
      runId: 'run-1',
      kind: 'host-failover',
      group: 'dc1-prod',
      startedAt: '2026-11-30T01:00:00.000Z',
      finishedAt: '2026-11-30T01:00:00.000Z',
      outcome: 'succeeded',
      report: { fence: { poweredOff: true, hostPortsRemoved: { storageHost: 'dc1-s02', wwpns: ['W1', 'W2'] } } },
    });
    const ports: Record<string, string[]> = { 'dc1-s01': [], 'dc1-s02': ['W1'], 'dc1-s03': ['W5'] };
    const storage = {
      listHosts: async () =>
        Object.entries(ports).map(([name, wwpns], id) => ({ id, name, portCount: wwpns.length, status: 'online' })),
      host: async (name: string) => (ports[name] ? { name, status: 'online', wwpns: ports[name] } : undefined),
    };
    const hosts = ['dc1-s01', 'dc1-s02', 'dc1-s03', 'dc1-s04'];
    const cut = await storageCutHosts(storage, store, 'dc1-prod', hosts);
    assert.deepEqual([...cut.keys()].sort(), ['dc1-s01', 'dc1-s02']);
    assert.match(cut.get('dc1-s01')!, /no port/);
    assert.match(cut.get('dc1-s02')!, /lacks ports W2/);
    ports['dc1-s02'] = ['W1', 'W2'];
    ports['dc1-s01'] = ['W9'];
    assert.deepEqual([...(await storageCutHosts(storage, store, 'dc1-prod', hosts)).keys()], [], 'failed back');
  });
});

describe('failback after a cut that a later failover run did not repeat (devserver + simulated fleet)', () => {
  let lazarus: SimulatedLazarus;

  before(async () => {
    lazarus = await startSimulatedLazarus({
      name: 'failback-fence',
      editConfig: (yaml) =>
        yaml.replace(/pollInterval: \S+/, 'pollInterval: 50').replace(/fenceDeadline: \S+/, 'fenceDeadline: 3s'),
    });
    assert.equal(await lazarus.discover(), 'ok');
  });

  after(() => lazarus?.stop());

  const api = <T = Record<string, unknown>>(method: string, path: string, body?: unknown) =>
    lazarus.api<T>(method, path, body);

  const failover = async (previous?: string): Promise<FailoverReport> => {
    const started = await api<{ id: string }>('POST', '/v1/failovers', {
      group: 'dc1-prod',
      host: 'dc1-s01',
      mode: 'auto',
    });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    return eventually(
      'the failover report',
      async () => {
        const s = await api<{ status: string; report?: FailoverReport }>(
          'GET',
          `/v1/failovers/${encodeURIComponent(started.body.id)}`,
        );
        const report = s.body.status === 'completed' ? s.body.report : undefined;
        return report && report.startedAt !== previous ? report : undefined;
      },
      120_000,
    );
  };

  it('refuses to fail back a host that never failed, and stores no report', async () => {
    const answer = await api<{ code: string; message: string }>('POST', '/v1/hosts/dc1-s03/failback');
    assert.equal(answer.status, 409, JSON.stringify(answer.body));
    assert.equal(answer.body.code, 'nothing_to_fail_back');
    assert.match(answer.body.message, /no failover of dc1-s03/);
    assert.deepEqual(await lazarus.store.recoveryReportRuns('failback/dc1-prod/dc1-s03'), []);
  });

  it(
    'puts back the ports of the first run and keeps every disk of an LPAR it keeps',
    { timeout: 300_000 },
    async () => {
      const svc = lazarus.devices.storageSystem('svc-dc1');
      const ports = (await svc.host('dc1-s01'))!.wwpns;
      assert.ok(ports.length > 0);
      await lazarus.control('POST', '/faults', { kind: 'host-error', target: 'dc1-s01' });
      const first = await failover();
      assert.equal(first.outcome, 'succeeded', JSON.stringify(first.lpars));
      assert.deepEqual(first.fence?.hostPortsRemoved?.wwpns, ports);
      await lazarus.control('POST', '/actions/recover-host', { system: 'dc1-s01' });
      await eventually('dc1-s01 Operating', async () =>
        (await lazarus.devices.hmc('hmc-dc1').systemState('dc1-s01')) === 'Operating' ? true : undefined,
      );
      const second = await failover(first.startedAt);
      assert.notEqual(second.startedAt, first.startedAt, 'a second run');
      assert.equal(second.outcome, 'not-failed');
      assert.deepEqual((await svc.host('dc1-s01'))!.wwpns, [], 'still cut');

      // Operating again but cut at its storage: never a destination (finding 2), for a failover nor an evacuation.
      const advisory = await api<EvacuationReport>('POST', '/v1/hosts/dc1-s02/evacuate', { advisory: true });
      assert.equal(advisory.status, 200, JSON.stringify(advisory.body));
      const moves = advisory.body.lpars.filter((l) => l.to !== undefined);
      assert.ok(moves.length > 0, JSON.stringify(advisory.body.lpars));
      assert.deepEqual(
        moves.filter((l) => l.to === 'dc1-s01').map((l) => l.lpar),
        [],
        'no evacuation places onto the cut host',
      );
      // Nor does a restore bring LPARs home to it before the failback.
      assert.equal((await api('POST', '/v1/hosts/dc1-s01/restore', {})).status, 202);
      const restore = await eventually('the restore report', async () => {
        const s = await api<{ status: string; report?: EvacuationReport }>('GET', '/v1/hosts/dc1-s01/restore');
        return s.body.status === 'completed' ? s.body.report : undefined;
      });
      assert.match(restore.stoppedBy ?? '', /cut at its storage/, JSON.stringify(restore));
      assert.deepEqual(restore.lpars, [], 'nothing went home');
      // A dry-run failover plans only for a host that is down: dc1-s02 errs while it plans.
      const fault = await lazarus.control<{ id: string }>('POST', '/faults', { kind: 'host-error', target: 'dc1-s02' });
      const dry = await api<{ plan?: FailoverPlan; report?: { plan?: FailoverPlan } }>('POST', '/v1/failovers', {
        group: 'dc1-prod',
        host: 'dc1-s02',
        dryRun: true,
      });
      assert.equal(dry.status, 200, JSON.stringify(dry.body));
      const plan = dry.body.plan ?? dry.body.report?.plan;
      assert.ok(plan && plan.streams.length > 0, JSON.stringify(dry.body));
      assert.deepEqual(
        plan.streams.filter((s) => s.destination === 'dc1-s01').flatMap((s) => s.lpars.map((l) => l.name)),
        [],
        'no failover places onto the cut host',
      );
      await lazarus.control('DELETE', `/faults/${fault.id}`);

      // One restarted LPAR is shut down where it was restarted: its definition on dc1-s01 is its only one that can
      // run, so failback keeps it, and its volumes' mappings there (also mapped to the failover's destination) stay.
      const restarted = first.lpars.filter((l) => l.step === 'running');
      const keep = restarted[0]!;
      await lazarus.devices.hmc('hmc-dc1').shutdownPartition(keep.destination!, keep.lpar);
      await eventually('the kept LPAR Not Activated', async () => {
        const p = await lazarus.devices.hmc('hmc-dc1').partition(keep.destination!, keep.lpar);
        return p?.state === 'Not Activated' ? true : undefined;
      });
      const mappedBefore = (await svc.hostMappings('dc1-s01')).map((m) => m.volume);
      const fleet = await lazarus.store.currentFleet('dc1-prod');
      const keptVolumes = fleet.lpars.find((l) => l.name === keep.lpar)!.volumes.map((v) => v.vdiskName);
      assert.ok(keptVolumes.length > 0 && keptVolumes.every((v) => mappedBefore.includes(v)));

      const done = await api<FailbackReport>('POST', '/v1/hosts/dc1-s01/failback');
      assert.equal(done.status, 200, JSON.stringify(done.body));
      assert.equal(done.body.outcome, 'succeeded');
      assert.ok(
        done.body.kept.some((k) => k.lpar === keep.lpar),
        JSON.stringify(done.body.kept),
      );
      assert.deepEqual((await svc.host('dc1-s01'))!.wwpns.sort(), [...ports].sort(), 'the ports are back');
      const mappedAfter = (await svc.hostMappings('dc1-s01')).map((m) => m.volume);
      for (const volume of keptVolumes) assert.ok(mappedAfter.includes(volume), `${volume} of ${keep.lpar} stays`);
      for (const volume of done.body.unmappedVolumes)
        assert.ok(!keptVolumes.includes(volume), `${volume} is not the kept LPAR's`);
    },
  );
});

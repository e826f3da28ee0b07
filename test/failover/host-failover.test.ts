// Host failover end to end on the devserver against the simulated fleet: auto mode, advisory approval, a host that
// cannot be fenced (operator override), a dry run; every LPAR of the failed host Running elsewhere, the report
// stored, and the simulator's violation log empty.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { Worker } from '@temporalio/worker';
import { createDiscoveryActivities } from '../../activities/discovery/activities.js';
import { createFailoverActivities } from '../../activities/failover/activities.js';
import { DeviceRegistry } from '../../activities/devices.js';
import { openSqliteStore, type InventoryStore } from '../../activities/inventory/index.js';
import { parseConfigText, type LazarusConfig } from '../../domain/config/index.js';
import { startSimulatedFleet, type SimulatedFleet } from '../../simulators/index.js';
import type { FailoverProgress, FailoverReport } from '../../workflows/failover/messages.js';
import { ConformanceServer, eventually, uniqueTaskQueue } from '../support/temporal.js';
import { assertPlacedOnce } from './fixtures/placement-checks.js';

const FLEET = new URL('../../examples/fleet-small.yaml', import.meta.url).pathname;
const EXAMPLE_CONFIG = new URL('../../examples/lazarus.yaml', import.meta.url).pathname;
const WORKFLOWS = new URL('../../workflows/index.ts', import.meta.url).pathname;

describe('host failover (devserver + simulated fleet)', () => {
  let fleet: SimulatedFleet;
  let server: ConformanceServer;
  let store: InventoryStore;
  let devices: DeviceRegistry;
  let config: LazarusConfig;
  let dir: string;
  const workers: Worker[] = [];
  const running: Array<Promise<void>> = [];
  const taskQueue = uniqueTaskQueue('failover');
  const settings = { hmc: 'hmc-dc1', storage: 'svc-dc1', approvalTimeoutMs: 60_000, onApprovalTimeout: 'abort' as const, rtoBudgetMs: 600_000, parallelMappingsPerStream: 4, pollMs: 50 };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lazarus-failover-'));
    fleet = await startSimulatedFleet({ fleet: FLEET, timeScale: 0.0005 });
    writeFileSync(join(dir, 'known_hosts'), fleet.knownHosts());
    let text = readFileSync(EXAMPLE_CONFIG, 'utf8').replace('knownHostsFile: .lazarus/known_hosts', `knownHostsFile: ${join(dir, 'known_hosts')}`);
    for (const device of fleet.endpoints.devices) {
      const variable = `LAZARUS_TEST_FAILOVER_${device.name.replace(/-/g, '_').toUpperCase()}`;
      process.env[variable] = device.password;
      text = text.replace(new RegExp(`(name: ${device.name}\\n\\s+address: )\\S+`), `$1${device.host}:${device.port}`).replace(`credential: secret:${device.name}`, `credential: env:${variable}`);
    }
    config = parseConfigText(text, 'test lazarus.yaml');
    devices = new DeviceRegistry(config);
    store = await openSqliteStore(join(dir, 'lazarus.db'));
    server = await ConformanceServer.start();
    const activities = { ...createDiscoveryActivities({ config, devices, store, log: () => undefined }), ...createFailoverActivities({ config, devices, store, log: () => undefined }) };
    workers.push(await Worker.create({ connection: server.nativeConnection, namespace: server.namespace, taskQueue, workflowsPath: WORKFLOWS, activities }));
    // One worker per device queue: its concurrency limit holds across every failover (global back-pressure).
    workers.push(await Worker.create({ connection: server.nativeConnection, namespace: server.namespace, taskQueue: 'device/hmc-dc1', activities, maxConcurrentActivityTaskExecutions: config.hmcs[0]!.limits.maxConcurrentOperations }));
    workers.push(await Worker.create({ connection: server.nativeConnection, namespace: server.namespace, taskQueue: 'device/svc-dc1', activities, maxConcurrentActivityTaskExecutions: config.storage[0]!.limits.maxConcurrentOperations }));
    running.push(...workers.map((w) => w.run()));
  });

  after(async () => {
    for (const w of workers) w.shutdown();
    await Promise.all(running.map((r) => r.catch(() => undefined)));
    await server?.stop();
    await devices?.close();
    await store?.close();
    await fleet?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const control = async <T = unknown>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${fleet.controlUrl}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    assert.ok(response.ok, `${method} ${path}: ${response.status}`);
    return (await response.json()) as T;
  };

  beforeEach(async () => {
    await control('POST', '/reset');
    await control('DELETE', '/violations');
    const outcome = (await server.client.workflow.execute('discoverHostGroup', { taskQueue, workflowId: `discovery-${Date.now()}`, args: [{ group: 'dc1-prod' }] })) as { discovery: { status: string } };
    assert.equal(outcome.discovery.status, 'ok');
  });

  const start = (host: string, mode: 'auto' | 'advisory', dryRun = false) =>
    server.client.workflow.start('hostFailover', {
      taskQueue,
      workflowId: `failover/dc1-prod/${host}/${Date.now()}`,
      args: [{ group: 'dc1-prod', host, mode, dryRun, requestedBy: 'test', settings }],
    });

  async function assertRestartedElsewhere(report: FailoverReport, failedHost: string): Promise<void> {
    const expected = (await store.latestGoodSnapshot('dc1-prod'))!.snapshot.lpars.filter((l) => l.host === failedHost).map((l) => l.name).sort();
    assert.deepEqual(report.lpars.map((l) => l.lpar).sort(), expected, 'every LPAR of the failed host is accounted for');
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

  it('fails over a host in error in auto mode: fenced, planned, every LPAR Running elsewhere', { timeout: 120_000 }, async () => {
    await control('POST', '/faults', { kind: 'host-error', target: 'dc1-s01' });
    const handle = await start('dc1-s01', 'auto');
    const report = (await handle.result()) as FailoverReport;
    assert.equal(report.outcome, 'succeeded');
    assert.equal(report.fence?.poweredOff, true);
    assert.equal(report.fence?.powerState, 'Power Off');
    assert.ok((report.fence?.unmappedVolumes.length ?? 0) >= 12, 'the failed host lost its volume mappings');
    await assertRestartedElsewhere(report, 'dc1-s01');
    assert.ok(report.plan && report.plan.streams.length >= 2, 'one stream per destination host');
    for (const stream of report.plan!.streams) {
      const ranks = stream.lpars.map((l) => ({ critical: 0, high: 1, medium: 2, low: 3 })[l.priority as 'high'] ?? 2);
      assert.deepEqual(ranks, [...ranks].sort((a, b) => a - b), `priorities honoured in the stream to ${stream.destination}`);
    }
  });

  it('waits for approval in advisory mode and records who approved', { timeout: 120_000 }, async () => {
    await control('POST', '/faults', { kind: 'host-error', target: 'dc1-s02' });
    const handle = await start('dc1-s02', 'advisory');
    await eventually('the approval phase', async () => ((await handle.query<FailoverProgress>('progress')).phase === 'approve' ? true : undefined), 60_000);
    await handle.signal('approve', { by: '' }); // malformed: ignored, never fatal
    await handle.signal('approve', { by: 'alice', reason: 'confirmed by phone' });
    const report = (await handle.result()) as FailoverReport;
    assert.equal(report.outcome, 'succeeded');
    assert.deepEqual(report.approval, { decision: 'approved', by: 'alice', reason: 'confirmed by phone' });
    await assertRestartedElsewhere(report, 'dc1-s02');
  });

  it('does not restart anything until an operator overrides a fence that cannot be proven', { timeout: 120_000 }, async () => {
    await control('POST', '/faults', { kind: 'host-power-loss', target: 'dc1-s03' });
    const handle = await start('dc1-s03', 'auto');
    await eventually('the fence-blocked phase', async () => ((await handle.query<FailoverProgress>('progress')).phase === 'fence-blocked' ? true : undefined), 60_000);
    const blocked = await handle.query<FailoverProgress>('progress');
    assert.ok(blocked.lpars.every((l) => l.step !== 'running'), 'nothing restarted without a fence');
    assert.ok((await store.recentNotifications(10)).some((n) => n.kind === 'fence-failed' && n.message.includes('dc1-s03')));
    await handle.signal('overrideFence', { by: 'bob', reason: 'datacenter confirms the server is unplugged' });
    const report = (await handle.result()) as FailoverReport;
    assert.equal(report.outcome, 'succeeded');
    assert.deepEqual(report.fence?.override, { by: 'bob', reason: 'datacenter confirms the server is unplugged' });
    assert.equal(report.fence?.poweredOff, false);
    await assertRestartedElsewhere(report, 'dc1-s03');
  });

  it('fails over two hosts at once, sharing the device queues, without violating anything', { timeout: 120_000 }, async () => {
    await control('POST', '/faults', { kind: 'host-error', target: 'dc1-s01' });
    await control('POST', '/faults', { kind: 'host-error', target: 'dc1-s02' });
    const [a, b] = await Promise.all([start('dc1-s01', 'auto'), start('dc1-s02', 'auto')]);
    const [ra, rb] = (await Promise.all([a.result(), b.result()])) as FailoverReport[];
    assert.equal(ra!.outcome, 'succeeded', JSON.stringify(ra!.lpars.filter((l) => l.step !== 'running')));
    assert.equal(rb!.outcome, 'succeeded', JSON.stringify(rb!.lpars.filter((l) => l.step !== 'running')));
    for (const lpar of [...ra!.lpars, ...rb!.lpars]) assert.ok(['dc1-s03', 'dc1-s04'].includes(lpar.destination!), `${lpar.lpar} went to a survivor`);
    assert.deepEqual(await control('GET', '/violations'), []);
  });

  it('re-plans an LPAR whose restart keeps failing onto another host, releasing its volumes first', { timeout: 120_000 }, async () => {
    await control('POST', '/faults', { kind: 'host-error', target: 'dc1-s01' });
    const dry = (await (await start('dc1-s01', 'auto', true)).result()) as FailoverReport;
    const stream = dry.plan!.streams[0]!;
    const victim = stream.lpars[0]!;
    // Every remote restart of this LPAR onto its planned destination fails, as an HMC refusing it would.
    await control('POST', '/faults', { kind: 'command-fail', target: 'hmc-dc1', command: 'rrstartlpar', match: `-t ${stream.destination} -p ${victim.name}`, message: 'HSCLA319 The partition cannot be restarted on the destination managed system' });
    const report = (await (await start('dc1-s01', 'auto')).result()) as FailoverReport;
    assert.equal(report.outcome, 'succeeded', JSON.stringify(report.lpars.filter((l) => l.step !== 'running')));
    const moved = report.lpars.find((l) => l.lpar === victim.name)!;
    assert.notEqual(moved.destination, stream.destination, 're-planned onto another host');
    assert.equal(moved.attempts, 2, 'restarted in the re-plan round');
    await assertRestartedElsewhere(report, 'dc1-s01');
  });

  it('reports what does not fit when the survivors are short of capacity, and restarts the rest', { timeout: 120_000 }, async () => {
    for (const system of ['dc1-s02', 'dc1-s03', 'dc1-s04']) await control('POST', '/actions/set-capacity', { system, memoryMb: 210_000 });
    await control('POST', '/faults', { kind: 'host-error', target: 'dc1-s01' });
    const report = (await (await start('dc1-s01', 'auto')).result()) as FailoverReport;
    assert.equal(report.outcome, 'partial');
    assert.ok(report.unplaced.length > 0);
    assert.ok(report.unplaced.every((u) => u.reason === 'capacity' && /MB/.test(u.detail)), JSON.stringify(report.unplaced));
    assert.ok(report.unplaced.some((u) => u.lpar === 'dc1-db01'), 'a 64 GB database fits nowhere with about 25 GB free per host');
    const running = report.lpars.filter((l) => l.step === 'running');
    assert.ok(running.length > 0, 'what fits is restarted');
    assert.equal(running.length + report.unplaced.length, 5);
    assert.deepEqual(await control('GET', '/violations'), []);
    const stored = await store.recoveryReport(report.workflowId);
    assert.equal(stored?.outcome, 'partial');
  });

  it('plans without touching anything in a dry run', { timeout: 60_000 }, async () => {
    await control('POST', '/faults', { kind: 'host-error', target: 'dc1-s04' });
    const handle = await start('dc1-s04', 'auto', true);
    const report = (await handle.result()) as FailoverReport;
    assert.equal(report.outcome, 'dry-run');
    assert.ok((report.plan?.streams.length ?? 0) > 0);
    assert.equal(report.fence, undefined);
    assert.equal(await devices.hmc('hmc-dc1').systemState('dc1-s04'), 'Error', 'not powered off');
    assert.ok((await devices.storageSystem('svc-dc1').hostMappings('dc1-s04')).length > 0, 'mappings untouched');
  });
});

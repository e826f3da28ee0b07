// The monitor workflow with stub activities (the fast layer beside the simulator tests): settings are read again at
// each continue-as-new, so a group whose monitoring is disabled (or that is removed) stops its monitor; an
// observation that fails is no evidence and does not stop the monitor.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Worker } from '@temporalio/worker';
import { failoverPolicy } from '../../domain/failover/index.js';
import { parseConfigText } from '../../domain/config/index.js';
import type { GroupObservation, MonitorSettings } from '../../domain/monitoring/index.js';
import { hostMonitor, type MonitorEnd } from '../../workflows/monitoring/index.js';
import { monitorViewQuery, reloadSettingsSignal } from '../../workflows/monitoring/messages.js';
import { ConformanceServer, eventually, uniqueTaskQueue, uniqueWorkflowId } from '../support/temporal.js';
import { readFileSync } from 'node:fs';

const EXAMPLE = new URL('../../examples/lazarus.yaml', import.meta.url).pathname;

describe('host monitor workflow (stub activities)', () => {
  let server: ConformanceServer;
  before(async () => {
    server = await ConformanceServer.start();
  });
  after(() => server?.stop());

  const config = parseConfigText(readFileSync(EXAMPLE, 'utf8'), EXAMPLE);
  const enabled = (group: string): MonitorSettings => ({
    status: 'enabled',
    group,
    hosts: ['dc1-s01', 'dc1-s02'],
    hmcs: ['hmc-a'],
    storage: 'svc',
    action: 'auto',
    intervalMs: 1_000,
    confirmations: 2,
    flapLimit: 3,
    flapWindowMs: 600_000,
    policy: failoverPolicy(config, 'dc1-prod')!,
  });
  const upObservation = (group: string): GroupObservation => {
    const observedAt = new Date().toISOString();
    return {
      group,
      observedAt,
      hosts: ['dc1-s01', 'dc1-s02'].map((host) => ({
        host,
        observedAt,
        hmcs: [{ hmc: 'hmc-a', reachable: true, state: 'Operating' }],
        storagePorts: { storage: 'svc', reachable: true, loggedIn: 4, total: 4 },
      })),
    };
  };

  it(
    'stops at the next continue-as-new once its group is disabled, and survives failing observations',
    { timeout: 120_000 },
    async () => {
      let settings: MonitorSettings = enabled('g1');
      let settingsReads = 0;
      let observations = 0;
      const notifications: string[] = [];
      const taskQueue = uniqueTaskQueue('monitor-stub');
      const worker = await Worker.create({
        connection: server.nativeConnection,
        namespace: server.namespace,
        taskQueue,
        workflowsPath: new URL('../../workflows/index.ts', import.meta.url).pathname,
        activities: {
          monitorSettings: async () => {
            settingsReads++;
            return settings;
          },
          observeHostGroup: async ({ group }: { group: string }) => {
            observations++;
            // Every third observation fails as a whole (a lost worker, a bug): no evidence, no stop.
            if (observations % 3 === 0) throw new Error('observation lost');
            return upObservation(group);
          },
          hostsInMaintenance: async () => [],
          recordHostDetection: async () => undefined,
          notify: async (input: { kind: string; message: string }) => {
            notifications.push(`${input.kind}: ${input.message}`);
          },
        },
      });
      const result = await worker.runUntil(async () => {
        const handle = await server.client.workflow.start(hostMonitor, {
          taskQueue,
          workflowId: uniqueWorkflowId('monitor-stub'),
          args: [{ group: 'g1', iterationsPerRun: 3 }],
        });
        await eventually(
          'two continue-as-new',
          async () => ((await handle.query(monitorViewQuery)).observations >= 5 ? true : undefined),
          60_000,
        );
        const view = await handle.query(monitorViewQuery);
        assert.ok(view.hosts.every((h) => h.verdict === 'up'));
        settings = { status: 'disabled', group: 'g1' };
        return (await handle.result()) as MonitorEnd;
      });
      assert.equal(result.stopped, 'disabled');
      assert.ok(result.observations >= 5, `${result.observations} observations carried to the end`);
      assert.ok(settingsReads >= 3, 'the settings are read at the start of every run');
      assert.ok(
        notifications.some((n) => n.startsWith('monitor-observation-failed: g1: observation failed')),
        notifications.join('\n'),
      );
    },
  );

  it(
    'reads its settings again at once when signalled (a restart of Lazarus with a changed configuration)',
    {
      timeout: 60_000,
    },
    async () => {
      let settings: MonitorSettings = {
        ...(enabled('g2') as Extract<MonitorSettings, { status: 'enabled' }>),
        intervalMs: 600_000,
      };
      const taskQueue = uniqueTaskQueue('monitor-reload');
      const worker = await Worker.create({
        connection: server.nativeConnection,
        namespace: server.namespace,
        taskQueue,
        workflowsPath: new URL('../../workflows/index.ts', import.meta.url).pathname,
        activities: {
          monitorSettings: async () => settings,
          observeHostGroup: async ({ group }: { group: string }) => upObservation(group),
          hostsInMaintenance: async () => [],
          recordHostDetection: async () => undefined,
          notify: async () => undefined,
        },
      });
      const result = await worker.runUntil(async () => {
        const handle = await server.client.workflow.start(hostMonitor, {
          taskQueue,
          workflowId: uniqueWorkflowId('monitor-reload'),
          args: [{ group: 'g2' }],
        });
        await eventually('the first observation', async () =>
          (await handle.query(monitorViewQuery)).observations >= 1 ? true : undefined,
        );
        // The next observation is ten minutes away; the reload does not wait for it.
        settings = { status: 'disabled', group: 'g2' };
        await handle.signal(reloadSettingsSignal);
        return (await handle.result()) as MonitorEnd;
      });
      assert.equal(result.stopped, 'disabled');
      assert.equal(result.observations, 1);
    },
  );

  it('does not start for a group that is not in the configuration', { timeout: 60_000 }, async () => {
    const taskQueue = uniqueTaskQueue('monitor-stub-gone');
    const worker = await Worker.create({
      connection: server.nativeConnection,
      namespace: server.namespace,
      taskQueue,
      workflowsPath: new URL('../../workflows/index.ts', import.meta.url).pathname,
      activities: { monitorSettings: async () => ({ status: 'unknown-group', group: 'gone' }) },
    });
    const result = await worker.runUntil(
      server.client.workflow.execute(hostMonitor, {
        taskQueue,
        workflowId: uniqueWorkflowId('monitor-gone'),
        args: [{ group: 'gone' }],
      }),
    );
    assert.deepEqual(result, { group: 'gone', stopped: 'unknown-group', observations: 0 });
  });
});

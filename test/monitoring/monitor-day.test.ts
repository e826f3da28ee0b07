// A day of monitoring at the default 10 s interval is 8,640 observations. The monitor makes them here with stub
// activities and no waiting between observations, so its real continue-as-new cadence (ITERATIONS_PER_RUN) is
// exercised over a whole simulated day: every run's history stays under the same bound, and the day's count is
// carried from run to run to the end.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { Worker } from '@temporalio/worker';
import { parseConfigText } from '../../domain/config/index.js';
import { failoverPolicy } from '../../domain/failover/index.js';
import type { GroupObservation, MonitorSettings } from '../../domain/monitoring/index.js';
import { hostMonitor, ITERATIONS_PER_RUN, type MonitorEnd } from '../../workflows/monitoring/index.js';
import { monitorViewQuery } from '../../workflows/monitoring/messages.js';
import { ConformanceServer, eventually, uniqueTaskQueue, uniqueWorkflowId } from '../support/temporal.js';

const EXAMPLE = new URL('../../examples/lazarus.yaml', import.meta.url).pathname;
const DAY = (24 * 3600) / 10;
/** Events one quiet observation adds at most (two workflow tasks, the activity, the timer), and a run's own. */
const EVENTS_PER_OBSERVATION = 11;
const EVENTS_PER_RUN = 12;

describe('host monitor over a simulated day', () => {
  let server: ConformanceServer;
  before(async () => {
    server = await ConformanceServer.start();
  });
  after(() => server?.stop());

  it(`keeps every run's history bounded over ${DAY} observations`, { timeout: 900_000 }, async () => {
    const config = parseConfigText(readFileSync(EXAMPLE, 'utf8'), EXAMPLE);
    let settings: MonitorSettings = {
      status: 'enabled',
      group: 'day',
      hosts: ['dc1-s01', 'dc1-s02'],
      hmcs: ['hmc-a', 'hmc-b'],
      storage: 'svc',
      action: 'auto',
      intervalMs: 1,
      confirmations: 2,
      flapLimit: 3,
      flapWindowMs: 3_600_000,
      policy: failoverPolicy(config, 'dc1-prod')!,
    };
    const up = (group: string): GroupObservation => {
      const observedAt = new Date().toISOString();
      return {
        group,
        observedAt,
        hosts: ['dc1-s01', 'dc1-s02'].map((host) => ({
          host,
          observedAt,
          hmcs: ['hmc-a', 'hmc-b'].map((hmc) => ({ hmc, reachable: true, state: 'Operating' })),
          storagePorts: { storage: 'svc', reachable: true, loggedIn: 4, total: 4 },
        })),
      };
    };
    const taskQueue = uniqueTaskQueue('monitor-day');
    const workflowId = uniqueWorkflowId('monitor-day');
    const worker = await Worker.create({
      connection: server.nativeConnection,
      namespace: server.namespace,
      taskQueue,
      workflowsPath: new URL('../../workflows/index.ts', import.meta.url).pathname,
      activities: {
        monitorSettings: async () => settings,
        observeHostGroup: async ({ group }: { group: string }) => up(group),
        hostsInMaintenance: async () => [],
        recordHostDetection: async () => undefined,
        notify: async () => undefined,
      },
    });
    const end = await worker.runUntil(async () => {
      const handle = await server.client.workflow.start(hostMonitor, {
        taskQueue,
        workflowId,
        args: [{ group: 'day' }],
      });
      await eventually(
        'a day of observations',
        async () => ((await handle.query(monitorViewQuery)).observations >= DAY ? true : undefined),
        840_000,
        1_000,
      );
      settings = { status: 'disabled', group: 'day' };
      return (await handle.result()) as MonitorEnd;
    });
    assert.equal(end.stopped, 'disabled');
    assert.ok(end.observations >= DAY, `${end.observations} observations carried to the last run`);

    const lengths: number[] = [];
    for await (const run of server.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
      const history = await server.client.workflow.getHandle(workflowId, run.runId).fetchHistory();
      lengths.push(history.events?.length ?? 0);
    }
    const bound = ITERATIONS_PER_RUN * EVENTS_PER_OBSERVATION + EVENTS_PER_RUN;
    assert.ok(lengths.length >= Math.floor(DAY / ITERATIONS_PER_RUN), `${lengths.length} runs for the day`);
    assert.ok(
      lengths.every((events) => events <= bound),
      `largest run ${Math.max(...lengths)} events, bound ${bound}`,
    );
  });
});

// A day of monitoring at the default 10 s interval is 8,640 observations. The monitor makes them here with stub
// activities and no waiting between observations, so its real continue-as-new cadence (ITERATIONS_PER_RUN) is
// exercised over a whole simulated day: every run's history stays under the same bound, and the day's count is
// carried from run to run to the end.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MonitorSettings } from '../../domain/monitoring/index.js';
import { hostMonitor, ITERATIONS_PER_RUN, type MonitorEnd } from '../../workflows/monitoring/index.js';
import { monitorViewQuery } from '../../workflows/monitoring/messages.js';
import { ConformanceServer, eventually, uniqueTaskQueue, uniqueWorkflowId } from '../support/temporal.js';
import { enabledSettings, everyHostUp, stubMonitorWorker } from './support.js';

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
    const enabled = enabledSettings('day', { hmcs: ['hmc-a', 'hmc-b'], intervalMs: 1, flapWindowMs: 3_600_000 });
    let settings: MonitorSettings = enabled;
    const taskQueue = uniqueTaskQueue('monitor-day');
    const workflowId = uniqueWorkflowId('monitor-day');
    const worker = await stubMonitorWorker(server, taskQueue, {
      monitorSettings: async () => settings,
      observeHostGroup: async () => everyHostUp(enabled),
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

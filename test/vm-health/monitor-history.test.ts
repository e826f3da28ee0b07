// The VM health monitor's history stays bounded: it continues as new every few checks (4 here, CHECKS_PER_RUN in
// production), each run's history stays under a bound linear in its checks, and the episodes it already acted on are
// carried from run to run (a silent VM is alerted on once, not once per run).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { vmHealthMonitorWorkflowId } from '../../domain/vm-health/index.js';
import { MAIN_TASK_QUEUE } from '../../workers/lazarus-workers.js';
import { startSimulatedLazarus, type SimulatedLazarus } from '../support/simulated-lazarus.js';
import { eventually } from '../support/temporal.js';

const PER_RUN = 4;
/** A check: two workflow tasks (6), the check activity (3), the timer (2). A run: start, a task, continue-as-new. */
const EVENTS_PER_CHECK = 11;
const EVENTS_PER_RUN = 6;
/** An alert: the notify activity (3) and a workflow task (3), once per episode. */
const EVENTS_PER_ALERT = 6;

describe('VM health monitor history', () => {
  let lazarus: SimulatedLazarus;
  before(async () => {
    lazarus = await startSimulatedLazarus({
      name: 'vm-health-history',
      editConfig: (yaml) =>
        `${yaml.replace(
          'policies:\n',
          'policies:\n  - match: { name: dc1-app01 }\n    health: { heartbeatTimeout: 1s, action: alert }\n',
        )}\nagents:\n  checkInterval: 250ms\n  resumeGrace: 0s\n`,
    });
    assert.equal(await lazarus.discover(), 'ok');
  });
  after(() => lazarus?.stop());

  it('continues as new with a bounded history per run, alerting once per episode', { timeout: 300_000 }, async () => {
    const heard = new Date(Date.now() - 60_000).toISOString();
    await lazarus.store.recordAgentHeartbeat({
      vm: 'dc1-app01',
      group: 'dc1-prod',
      agent: 't',
      receivedAt: heard,
      apps: [],
    });
    const client = lazarus.server.client;
    const id = vmHealthMonitorWorkflowId('dc1-prod');
    await client.workflow.start('vmHealthMonitor', {
      taskQueue: MAIN_TASK_QUEUE,
      workflowId: id,
      args: [{ group: 'dc1-prod', checksPerRun: PER_RUN }],
    });
    const runs = await eventually(
      'four runs that continued as new',
      async () => {
        const found = [];
        for await (const execution of client.workflow.list({ query: `WorkflowId = '${id}'` }))
          if (execution.status.name === 'CONTINUED_AS_NEW') found.push(execution);
        return found.length >= 4 ? found : undefined;
      },
      120_000,
      250,
    );
    const alerts = (await lazarus.store.recentNotifications(100)).filter(
      (n) => n.kind === 'vm-heartbeat-lost' && n.message.includes('dc1-app01'),
    );
    assert.equal(alerts.length, 1, 'one alert for one episode, across runs');
    const quiet = PER_RUN * EVENTS_PER_CHECK + EVENTS_PER_RUN;
    const lengths = [];
    for (const run of runs)
      lengths.push((await client.workflow.getHandle(id, run.runId).fetchHistory()).events?.length);
    assert.ok(
      lengths.every((events) => events !== undefined && events <= quiet + EVENTS_PER_ALERT),
      `events per run: ${lengths.join(', ')}; bound ${quiet + EVENTS_PER_ALERT}`,
    );
    await client.workflow.getHandle(id).terminate('test over');
  });
});

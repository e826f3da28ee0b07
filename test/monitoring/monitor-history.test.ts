// The monitor's history stays bounded: it continues as new every few observations (5 here, ITERATIONS_PER_RUN in
// production), each run's history stays under a bound linear in its observations, and what the monitor knows
// (observation count, a failure already acted on) is carried from run to run.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SimulatedLazarus } from '../support/simulated-lazarus.js';
import { eventually } from '../support/temporal.js';
import { hostMonitorWorkflowId } from '../../workflows/monitoring/messages.js';
import { GROUP, MonitorProbe, startMonitoredLazarus } from './support.js';

const PER_RUN = 5;
/**
 * Events one observation adds: two workflow tasks (6), the observation activity (3), the timer (2). A run adds its
 * start, a workflow task, the settings activity and the continue-as-new; a decision (the maintenance read, the
 * failover started as a child, its notification and record) adds at most about 30, once per failure.
 */
const EVENTS_PER_OBSERVATION = 11;
const EVENTS_PER_RUN = 12;
const EVENTS_PER_DECISION = 30;

describe('host monitor history', () => {
  let lazarus: SimulatedLazarus;
  let probe: MonitorProbe;
  before(async () => {
    lazarus = await startMonitoredLazarus('monitor-history', { action: 'auto' }, { iterationsPerRun: PER_RUN });
    probe = new MonitorProbe(lazarus);
    assert.equal(await lazarus.discover(), 'ok');
  });
  after(() => lazarus?.stop());

  it('continues as new with a bounded history per run, carrying what it knows', { timeout: 300_000 }, async () => {
    await probe.until('every host up', (v) => v.hosts.every((h) => h.verdict === 'up'));
    await lazarus.devices.hmc('hmc-dc1').powerOffSystem('dc1-s02');
    const detection = await probe.detection('dc1-s02');
    assert.equal(detection.action, 'failover-auto', detection.reason);
    // Several runs later: the failure was carried as handled, so nothing was started again.
    const view = await probe.until(
      `${PER_RUN * 4} more observations`,
      (v) => v.observations >= PER_RUN * 4 + 10,
      180_000,
    );
    assert.ok(view.runObservations <= PER_RUN, `${view.runObservations} observations in this run`);
    assert.equal((await probe.failoverRuns('dc1-s02')).length, 1, 'failed over once across the runs');
    assert.equal((await probe.host('dc1-s02'))?.handled?.action, 'failover-auto');

    const client = lazarus.server.client;
    const id = hostMonitorWorkflowId(GROUP);
    const runs = await eventually(
      'the monitor runs in visibility',
      async () => {
        const found = [];
        for await (const execution of client.workflow.list({ query: `WorkflowId = '${id}'` })) found.push(execution);
        return found.length >= 4 ? found : undefined;
      },
      60_000,
    );
    const closed = runs.filter((r) => r.status.name === 'CONTINUED_AS_NEW');
    assert.ok(closed.length >= 3, `${closed.length} runs continued as new`);
    // One run saw the failure and acted; every other run only observed.
    const quiet = PER_RUN * EVENTS_PER_OBSERVATION + EVENTS_PER_RUN;
    const lengths = [];
    for (const run of closed) {
      const history = await client.workflow.getHandle(id, run.runId).fetchHistory();
      lengths.push(history.events?.length ?? 0);
    }
    assert.ok(
      lengths.every((events) => events <= quiet + EVENTS_PER_DECISION),
      `events per run: ${lengths.join(', ')}; bound ${quiet + EVENTS_PER_DECISION}`,
    );
    assert.ok(
      lengths.filter((events) => events > quiet).length <= 1,
      `only the run that acted exceeds ${quiet}: ${lengths.join(', ')}`,
    );
  });
});

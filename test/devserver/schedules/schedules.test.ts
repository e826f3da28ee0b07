// Temporal Schedules on the devserver, driven only through the SDK's ScheduleClient: create (interval and cron
// specs), describe, list, trigger, pause/unpause, update, delete, typed errors, and schedules surviving a restart.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy } from '@temporalio/client';
import {
  ConformanceServer,
  eventually,
  temporaryDirectory,
  uniqueTaskQueue,
  uniqueWorkflowId,
  type BackgroundWorker,
} from '../../support/temporal.js';

describe('devserver schedules (through the SDK ScheduleClient)', () => {
  let server: ConformanceServer;
  let worker: BackgroundWorker;
  const taskQueue = uniqueTaskQueue('schedules');

  before(async () => {
    server = await ConformanceServer.start();
    worker = await server.startBackgroundWorker(taskQueue);
  });
  after(async () => {
    await worker?.stop();
    await server?.stop();
  });

  const action = (value: string) => ({
    type: 'startWorkflow' as const,
    workflowType: 'echo',
    args: [value],
    taskQueue,
    workflowId: uniqueWorkflowId('scheduled'),
  });

  it('runs an interval schedule and reports its actions in describe()', { timeout: 60_000 }, async () => {
    const handle = await server.client.schedule.create({
      scheduleId: uniqueWorkflowId('every-second'),
      spec: { intervals: [{ every: '1s' }] },
      action: action('tick'),
    });
    const described = await eventually(
      'two scheduled runs',
      async () => {
        const d = await handle.describe();
        return d.info.recentActions.length >= 2 ? d : undefined;
      },
      20_000,
    );
    assert.ok(described.info.createdAt instanceof Date);
    assert.ok(described.info.nextActionTimes.length > 0, 'future action times are listed');
    const first = described.info.recentActions[0]!;
    const result = await server.client.workflow
      .getHandle(first.action.workflow.workflowId, first.action.workflow.firstExecutionRunId)
      .result();
    assert.equal(result, 'tick');
    assert.match(
      first.action.workflow.workflowId,
      /^scheduled-.*-\d{4}-\d{2}-\d{2}T/,
      'workflow id is the action id plus the scheduled time',
    );
    await handle.delete();
  });

  it('accepts a cron spec and lists its matching times', { timeout: 30_000 }, async () => {
    const handle = await server.client.schedule.create({
      scheduleId: uniqueWorkflowId('cron'),
      spec: { cronExpressions: ['0 3 * * *'] },
      action: action('nightly'),
    });
    const described = await handle.describe();
    const next = described.info.nextActionTimes[0]!;
    assert.equal(next.getUTCHours(), 3);
    assert.equal(next.getUTCMinutes(), 0);
    assert.ok(next.getTime() > Date.now());
    await handle.delete();
  });

  it('triggers immediately, pauses and unpauses with notes, and lists the schedule', { timeout: 30_000 }, async () => {
    const scheduleId = uniqueWorkflowId('manual');
    const handle = await server.client.schedule.create({
      scheduleId,
      spec: { intervals: [{ every: '1h' }] },
      action: action('manual'),
      state: { paused: true, note: 'created paused' },
    });
    await handle.trigger(ScheduleOverlapPolicy.ALLOW_ALL);
    const triggered = await eventually('the triggered run', async () => {
      const d = await handle.describe();
      return d.info.recentActions.length === 1 ? d : undefined;
    });
    assert.equal(triggered.state.paused, true);
    await handle.unpause('resumed by the test');
    const unpaused = await handle.describe();
    assert.equal(unpaused.state.paused, false);
    assert.equal(unpaused.state.note, 'resumed by the test');
    await handle.pause('stopped by the test');
    assert.equal((await handle.describe()).state.paused, true);
    const listed: string[] = [];
    for await (const summary of server.client.schedule.list()) listed.push(summary.scheduleId);
    assert.ok(listed.includes(scheduleId));
    await handle.delete();
  });

  it('updates the whole schedule', { timeout: 30_000 }, async () => {
    const handle = await server.client.schedule.create({
      scheduleId: uniqueWorkflowId('update'),
      spec: { intervals: [{ every: '1h' }] },
      action: action('v1'),
    });
    await handle.update((previous) => ({ ...previous, spec: { intervals: [{ every: '2h' }] } }));
    const described = await handle.describe();
    assert.equal(described.spec.intervals?.[0]?.every, 2 * 3600 * 1000);
    await handle.delete();
  });

  it('pauses on a failed scheduled workflow when pauseOnFailure is set, with the failure in the note', async () => {
    const handle = await server.client.schedule.create({
      scheduleId: uniqueWorkflowId('pause-on-failure'),
      spec: { intervals: [{ every: '1h' }] },
      action: { ...action('x'), workflowType: 'failWorkflow', args: ['the disk is full'] },
      policies: { pauseOnFailure: true },
    });
    try {
      await handle.trigger();
      const paused = await eventually(
        'the schedule paused by the failure',
        async () => {
          const d = await handle.describe();
          return d.state.paused ? d : undefined;
        },
        20_000,
      );
      assert.match(paused.state.note ?? '', /^paused due to workflow failure: scheduled-.*: the disk is full$/);
      assert.equal(paused.policies.pauseOnFailure, true);
    } finally {
      await handle.delete();
    }
  });

  it('does not pause on a completed workflow, nor without pauseOnFailure', async () => {
    const completing = await server.client.schedule.create({
      scheduleId: uniqueWorkflowId('no-pause-completed'),
      spec: { intervals: [{ every: '1h' }] },
      action: action('fine'),
      policies: { pauseOnFailure: true },
    });
    const failingUnpaused = await server.client.schedule.create({
      scheduleId: uniqueWorkflowId('no-pause-policy'),
      spec: { intervals: [{ every: '1h' }] },
      action: { ...action('x'), workflowType: 'failWorkflow', args: ['boom'] },
    });
    try {
      for (const handle of [completing, failingUnpaused]) {
        await handle.trigger();
        const ran = await eventually(
          'the triggered run closed',
          async () => {
            const recent = (await handle.describe()).info.recentActions[0];
            if (!recent) return undefined;
            const run = server.client.workflow.getHandle(recent.action.workflow.workflowId);
            return (await run.describe()).status.name === 'RUNNING' ? undefined : run;
          },
          20_000,
        );
        assert.ok(ran);
        // describe() waits behind the schedule's queued work, where a pause for this close would be.
        assert.equal((await handle.describe()).state.paused, false);
      }
    } finally {
      await completing.delete();
      await failingUnpaused.delete();
    }
  });

  it(
    'raises ScheduleAlreadyRunning for a duplicate id and ScheduleNotFoundError after delete',
    { timeout: 30_000 },
    async () => {
      const scheduleId = uniqueWorkflowId('dup');
      const handle = await server.client.schedule.create({
        scheduleId,
        spec: { intervals: [{ every: '1h' }] },
        action: action('x'),
      });
      await assert.rejects(
        server.client.schedule.create({ scheduleId, spec: { intervals: [{ every: '1h' }] }, action: action('x') }),
        ScheduleAlreadyRunning,
      );
      await handle.delete();
      await assert.rejects(handle.describe(), ScheduleNotFoundError);
    },
  );
});

describe('devserver schedules survive a restart on the same database', () => {
  it('keeps a schedule and keeps firing it after kill -9', { timeout: 90_000 }, async () => {
    const dir = temporaryDirectory('schedules-restart');
    const dbFile = `${dir.path}/temporal.db`;
    const taskQueue = uniqueTaskQueue('schedules-restart');
    const scheduleId = uniqueWorkflowId('durable');
    let server = await ConformanceServer.start({ dbFile });
    const port = Number(server.address.split(':').pop());
    try {
      await server.client.schedule.create({
        scheduleId,
        spec: { intervals: [{ every: '1s' }] },
        action: {
          type: 'startWorkflow',
          workflowType: 'echo',
          args: ['durable'],
          taskQueue,
          workflowId: uniqueWorkflowId('durable-run'),
        },
      });
      server.service.process?.kill('SIGKILL');
      await server.stop();
      server = await ConformanceServer.start({ dbFile, port });
      const worker = await server.startBackgroundWorker(taskQueue);
      try {
        const handle = server.client.schedule.getHandle(scheduleId);
        const described = await eventually(
          'a run after the restart',
          async () => {
            const d = await handle.describe();
            return d.info.recentActions.length >= 1 ? d : undefined;
          },
          30_000,
        );
        const run = described.info.recentActions[0]!.action.workflow;
        assert.equal(
          await server.client.workflow.getHandle(run.workflowId, run.firstExecutionRunId).result(),
          'durable',
        );
        await handle.delete();
      } finally {
        await worker.stop();
      }
    } finally {
      await server.stop();
      dir.remove();
    }
  });
});

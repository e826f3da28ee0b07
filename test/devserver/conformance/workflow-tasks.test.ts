// Workflow-side features: workflow task failure and timeout, timers, child workflows and parent close policies,
// external signal and cancel, continue-as-new, markers (local activities, patched()) replayed from the fetched
// history.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import {
  ConformanceServer,
  eventually,
  fixtureWorkflowBundle,
  historyEventTypes,
  uniqueTaskQueue,
  uniqueWorkflowId,
  waitForEvent,
  type BackgroundWorker,
} from '../../support/temporal.js';
import {
  cancelExternal,
  cancelTimer,
  countdown,
  failTaskUntilReleased,
  parentOfEcho,
  parentOfFailingChild,
  parentWithClosePolicies,
  patchedWithLocalActivity,
  releaseSignal,
  signalExternal,
  timersInOrder,
  waitForRelease,
} from './fixtures/workflows.js';

describe('devserver conformance: workflow tasks, timers, children, continue-as-new, markers', () => {
  let server: ConformanceServer;
  let worker: BackgroundWorker;
  const taskQueue = uniqueTaskQueue('workflow-tasks');
  before(async () => {
    server = await ConformanceServer.start();
    worker = await server.startBackgroundWorker(taskQueue);
  });
  after(async () => {
    await worker?.stop();
    await server?.stop();
  });

  it(
    'retries a failed workflow task and, after its start-to-close timeout, recovers once the cause is gone',
    { timeout: 60_000 },
    async () => {
      const handle = await server.client.workflow.start(failTaskUntilReleased, {
        taskQueue,
        workflowId: uniqueWorkflowId('wft-failure'),
        workflowTaskTimeout: '1s',
      });
      await waitForEvent(handle, 'WorkflowTaskFailed');
      // The retried task fails too, but the worker reports failures only for attempt 1: from now on only the
      // server's workflow task timeout moves the workflow forward.
      await new Promise((resolve) => setTimeout(resolve, 300));
      await handle.signal(releaseSignal, 'the signal');
      assert.equal(await handle.result(), 'recovered after the signal');
      const types = await historyEventTypes(handle);
      assert.ok(types.indexOf('WorkflowTaskFailed') < types.indexOf('WorkflowExecutionSignaled'));
      assert.equal(types.at(-1), 'WorkflowExecutionCompleted');
    },
  );

  describe('timers', () => {
    it('fires concurrent timers in the order of their durations', { timeout: 60_000 }, async () => {
      const handle = await server.client.workflow.start(timersInOrder, {
        taskQueue,
        workflowId: uniqueWorkflowId('timers'),
      });
      assert.deepEqual(await handle.result(), ['short', 'medium', 'long']);
      const types = await historyEventTypes(handle);
      assert.equal(types.filter((type) => type === 'TimerStarted').length, 3);
      assert.equal(types.filter((type) => type === 'TimerFired').length, 3);
    });

    it('cancels a timer: TimerCanceled, and it never fires', { timeout: 60_000 }, async () => {
      const handle = await server.client.workflow.start(cancelTimer, {
        taskQueue,
        workflowId: uniqueWorkflowId('timer-cancel'),
      });
      assert.equal(await handle.result(), 'long timer cancelled');
      const events = (await handle.fetchHistory()).events ?? [];
      const cancelled = events.filter((event) => event.timerCanceledEventAttributes);
      assert.equal(cancelled.length, 1);
      const fired = events
        .filter((event) => event.timerFiredEventAttributes)
        .map((event) => event.timerFiredEventAttributes?.timerId);
      assert.ok(
        !fired.includes(cancelled[0]?.timerCanceledEventAttributes?.timerId),
        'the cancelled timer did not fire',
      );
    });
  });

  describe('child workflows', () => {
    it('returns the child result to the parent', { timeout: 60_000 }, async () => {
      const handle = await server.client.workflow.start(parentOfEcho, {
        taskQueue,
        workflowId: uniqueWorkflowId('child'),
        args: ['from child'],
      });
      assert.equal(await handle.result(), 'from child');
      const types = await historyEventTypes(handle);
      for (const type of [
        'StartChildWorkflowExecutionInitiated',
        'ChildWorkflowExecutionStarted',
        'ChildWorkflowExecutionCompleted',
      ]) {
        assert.ok(types.includes(type), `${type} in the parent's history`);
      }
      const child = await server.client.workflow.getHandle(`${handle.workflowId}-child`).describe();
      assert.equal(child.status.name, 'COMPLETED');
      assert.equal(child.parentExecution?.workflowId, handle.workflowId);
    });

    it('propagates a child failure to the parent as ChildWorkflowFailure', { timeout: 60_000 }, async () => {
      const handle = await server.client.workflow.start(parentOfFailingChild, {
        taskQueue,
        workflowId: uniqueWorkflowId('child-fail'),
        args: ['child broke'],
      });
      assert.equal(await handle.result(), 'child failed: child broke');
      assert.ok((await historyEventTypes(handle)).includes('ChildWorkflowExecutionFailed'));
    });

    it(
      'terminates a TERMINATE child and leaves an ABANDON child running when the parent completes',
      { timeout: 60_000 },
      async () => {
        const terminateChildId = uniqueWorkflowId('child-terminate');
        const abandonChildId = uniqueWorkflowId('child-abandon');
        const parent = await server.client.workflow.start(parentWithClosePolicies, {
          taskQueue,
          workflowId: uniqueWorkflowId('parent-close'),
          args: [{ terminateChildId, abandonChildId }],
        });
        assert.equal(await parent.result(), 'parent done');
        await eventually('the TERMINATE child to be terminated', async () =>
          (await server.client.workflow.getHandle(terminateChildId).describe()).status.name === 'TERMINATED'
            ? true
            : undefined,
        );
        const abandoned = server.client.workflow.getHandle(abandonChildId);
        assert.equal((await abandoned.describe()).status.name, 'RUNNING');
        await abandoned.signal(releaseSignal, 'still alive');
        assert.equal(await abandoned.result(), 'still alive');
      },
    );
  });

  describe('external workflows', () => {
    it('signals another workflow through getExternalWorkflowHandle', { timeout: 60_000 }, async () => {
      const target = await server.client.workflow.start(waitForRelease, {
        taskQueue,
        workflowId: uniqueWorkflowId('external-signal-target'),
      });
      const sender = await server.client.workflow.start(signalExternal, {
        taskQueue,
        workflowId: uniqueWorkflowId('external-signal-sender'),
        args: [target.workflowId, 'from a workflow'],
      });
      assert.equal(await sender.result(), 'signalled');
      assert.equal(await target.result(), 'from a workflow');
      const types = await historyEventTypes(sender);
      assert.ok(
        types.indexOf('SignalExternalWorkflowExecutionInitiated') < types.indexOf('ExternalWorkflowExecutionSignaled'),
      );
    });

    it('cancels another workflow through getExternalWorkflowHandle', { timeout: 60_000 }, async () => {
      const target = await server.client.workflow.start(waitForRelease, {
        taskQueue,
        workflowId: uniqueWorkflowId('external-cancel-target'),
      });
      const canceller = await server.client.workflow.start(cancelExternal, {
        taskQueue,
        workflowId: uniqueWorkflowId('external-cancel-sender'),
        args: [target.workflowId],
      });
      assert.equal(await canceller.result(), 'cancel requested');
      await assert.rejects(
        target.result(),
        (err: unknown) => err instanceof WorkflowFailedError && err.cause instanceof CancelledFailure,
      );
      const types = await historyEventTypes(canceller);
      assert.ok(
        types.indexOf('RequestCancelExternalWorkflowExecutionInitiated') <
          types.indexOf('ExternalWorkflowExecutionCancelRequested'),
      );
    });
  });

  it('follows a continue-as-new chain to the last run result', { timeout: 60_000 }, async () => {
    const handle = await server.client.workflow.start(countdown, {
      taskQueue,
      workflowId: uniqueWorkflowId('continue-as-new'),
      args: [3],
    });
    assert.equal(await handle.result(), 3);
    const firstRun = server.client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId);
    const firstEvents = (await firstRun.fetchHistory()).events ?? [];
    const last = firstEvents.at(-1)?.workflowExecutionContinuedAsNewEventAttributes;
    assert.ok(last, 'the first run ends with WorkflowExecutionContinuedAsNew');
    assert.ok(last.newExecutionRunId && last.newExecutionRunId !== handle.firstExecutionRunId);
    const latest = await server.client.workflow.getHandle(handle.workflowId).describe();
    assert.notEqual(latest.runId, handle.firstExecutionRunId);
    assert.equal(latest.status.name, 'COMPLETED');
    assert.equal((await firstRun.describe()).status.name, 'CONTINUED_AS_NEW');
  });

  it('records local-activity and patch markers that replay deterministically', { timeout: 60_000 }, async () => {
    const handle = await server.client.workflow.start(patchedWithLocalActivity, {
      taskQueue,
      workflowId: uniqueWorkflowId('markers'),
      args: ['lv'],
    });
    assert.equal(await handle.result(), 'patched:lv');
    const history = await handle.fetchHistory();
    const markers = (history.events ?? []).flatMap((event) => event.markerRecordedEventAttributes?.markerName ?? []);
    assert.ok(markers.includes('core_patch'), `patch marker recorded (markers: ${markers.join(', ')})`);
    assert.ok(
      markers.includes('core_local_activity'),
      `local activity marker recorded (markers: ${markers.join(', ')})`,
    );
    await Worker.runReplayHistory({ workflowBundle: await fixtureWorkflowBundle() }, history, handle.workflowId);
  });
});

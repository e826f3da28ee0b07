// Activity timeouts (schedule-to-start, start-to-close, schedule-to-close, heartbeat) and cancellation
// delivered through heartbeats.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, TimeoutFailure } from '@temporalio/common';
import {
  ConformanceServer,
  historyEventTypes,
  uniqueTaskQueue,
  uniqueWorkflowId,
  type BackgroundWorker,
} from '../../support/temporal.js';
import { attemptStartTimes, observedCancellations } from './fixtures/activities.js';
import { cancelHeartbeatingActivity, runActivity, type ActivityCall } from './fixtures/workflows.js';

describe('devserver conformance: activity timeouts and cancellation', () => {
  let server: ConformanceServer;
  let worker: BackgroundWorker;
  const taskQueue = uniqueTaskQueue('activity-timeouts');
  before(async () => {
    server = await ConformanceServer.start();
    worker = await server.startBackgroundWorker(taskQueue);
  });
  after(async () => {
    await worker?.stop();
    await server?.stop();
  });

  const failedActivity = async (purpose: string, call: ActivityCall) => {
    const workflowId = uniqueWorkflowId(purpose);
    const handle = await server.client.workflow.start(runActivity, { taskQueue, workflowId, args: [call] });
    const err = await handle.result().then(
      () => assert.fail('the workflow should have failed'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof WorkflowFailedError, `WorkflowFailedError expected, got ${String(err)}`);
    assert.ok(err.cause instanceof ActivityFailure, `ActivityFailure expected, got ${String(err.cause)}`);
    return { failure: err.cause, handle, attempts: attemptStartTimes.get(`${workflowId}/1`) ?? [] };
  };

  const timeoutOf = (failure: ActivityFailure): TimeoutFailure => {
    assert.ok(failure.cause instanceof TimeoutFailure, `TimeoutFailure expected, got ${String(failure.cause)}`);
    return failure.cause;
  };

  it('times out an activity nobody polls for with SCHEDULE_TO_START', { timeout: 60_000 }, async () => {
    const { failure, handle } = await failedActivity('timeout-schedule-to-start', {
      name: 'echoActivity',
      args: ['never runs'],
      options: {
        taskQueue: uniqueTaskQueue('nobody-polls'),
        scheduleToStartTimeout: '500ms',
        startToCloseTimeout: '5s',
      },
    });
    assert.equal(timeoutOf(failure).timeoutType, 'SCHEDULE_TO_START');
    const types = await historyEventTypes(handle);
    assert.ok(types.includes('ActivityTaskTimedOut'));
    assert.ok(!types.includes('ActivityTaskStarted'), 'the activity never started');
  });

  it('retries an attempt that outlives START_TO_CLOSE, then fails with it', { timeout: 60_000 }, async () => {
    const { failure, attempts } = await failedActivity('timeout-start-to-close', {
      name: 'sleepActivity',
      args: [10_000],
      options: { startToCloseTimeout: '300ms', retry: { initialInterval: '50ms', maximumAttempts: 2 } },
    });
    assert.equal(timeoutOf(failure).timeoutType, 'START_TO_CLOSE');
    assert.equal(failure.retryState, 'MAXIMUM_ATTEMPTS_REACHED');
    assert.equal(attempts.length, 2, 'the timed-out attempt was retried once');
  });

  it('fails a single long attempt with SCHEDULE_TO_CLOSE', { timeout: 60_000 }, async () => {
    const { failure } = await failedActivity('timeout-schedule-to-close', {
      name: 'sleepActivity',
      args: [10_000],
      options: { scheduleToCloseTimeout: '700ms' },
    });
    assert.equal(timeoutOf(failure).timeoutType, 'SCHEDULE_TO_CLOSE');
  });

  it(
    'stops retrying when the next attempt would pass the schedule-to-close deadline',
    { timeout: 60_000 },
    async () => {
      const { failure, attempts } = await failedActivity('timeout-schedule-to-close-retries', {
        name: 'failUntilAttempt',
        args: [{ succeedOnAttempt: 1_000, errorType: 'Transient' }],
        options: { scheduleToCloseTimeout: '1s', retry: { initialInterval: '300ms', backoffCoefficient: 1 } },
      });
      assert.equal(failure.retryState, 'TIMEOUT');
      assert.ok(
        attempts.length >= 2 && attempts.length <= 4,
        `${attempts.length} attempts within one second at 300 ms backoff`,
      );
    },
  );

  it(
    'times out an activity that stops heartbeating with HEARTBEAT, keeping its last details',
    { timeout: 60_000 },
    async () => {
      const { failure, attempts } = await failedActivity('timeout-heartbeat', {
        name: 'heartbeatOnceThenGoSilent',
        args: [10_000],
        options: { startToCloseTimeout: '30s', heartbeatTimeout: '500ms', retry: { maximumAttempts: 1 } },
      });
      const timeout = timeoutOf(failure);
      assert.equal(timeout.timeoutType, 'HEARTBEAT');
      assert.equal(timeout.lastHeartbeatDetails, 'alive');
      assert.equal(attempts.length, 1);
    },
  );

  it('delivers a workflow-side cancellation to a heartbeating activity', { timeout: 60_000 }, async () => {
    const workflowId = uniqueWorkflowId('activity-cancel');
    const handle = await server.client.workflow.start(cancelHeartbeatingActivity, {
      taskQueue,
      workflowId,
      args: [300],
    });
    assert.deepEqual(await handle.result(), { errorName: 'ActivityFailure', causeName: 'CancelledFailure' });
    assert.ok(observedCancellations.has(`${workflowId}/1`), 'the activity itself saw a CancelledFailure');
    const types = await historyEventTypes(handle);
    const requested = types.indexOf('ActivityTaskCancelRequested');
    assert.ok(requested > 0, 'ActivityTaskCancelRequested recorded');
    assert.ok(types.indexOf('ActivityTaskCanceled') > requested, 'ActivityTaskCanceled after the request');
  });
});

// Activity retries following the retry policy: attempt counts, non-retryable failures, maximum attempts,
// backoff between attempts and heartbeat details carried to the next attempt.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { ConformanceServer, uniqueTaskQueue, uniqueWorkflowId, type BackgroundWorker } from '../../support/temporal.js';
import { attemptStartTimes, type AttemptReport } from './fixtures/activities.js';
import { runActivity, type ActivityCall } from './fixtures/workflows.js';

describe('devserver conformance: activity retries', () => {
  let server: ConformanceServer;
  let worker: BackgroundWorker;
  const taskQueue = uniqueTaskQueue('activity-retry');
  before(async () => {
    server = await ConformanceServer.start();
    worker = await server.startBackgroundWorker(taskQueue);
  });
  after(async () => {
    await worker?.stop();
    await server?.stop();
  });

  const run = async (purpose: string, call: ActivityCall) => {
    const workflowId = uniqueWorkflowId(purpose);
    const handle = await server.client.workflow.start(runActivity, { taskQueue, workflowId, args: [call] });
    // the first (and only) activity of the workflow has activity id "1"
    return { handle, attempts: () => attemptStartTimes.get(`${workflowId}/1`) ?? [] };
  };

  /** The activity failure behind a failed runActivity workflow. */
  const activityFailureOf = async (result: Promise<unknown>): Promise<ActivityFailure> => {
    const err = await result.then(
      () => assert.fail('the workflow should have failed'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof WorkflowFailedError, `WorkflowFailedError expected, got ${String(err)}`);
    assert.ok(err.cause instanceof ActivityFailure, `ActivityFailure expected, got ${String(err.cause)}`);
    return err.cause;
  };

  it('retries until the attempt that succeeds', { timeout: 60_000 }, async () => {
    const { handle, attempts } = await run('retry-count', {
      name: 'failUntilAttempt',
      args: [{ succeedOnAttempt: 3, errorType: 'Transient' }],
      options: {
        startToCloseTimeout: '5s',
        retry: { initialInterval: '50ms', backoffCoefficient: 1, maximumAttempts: 5 },
      },
    });
    const report = (await handle.result()) as AttemptReport;
    assert.equal(report.attempt, 3);
    assert.equal(attempts().length, 3);
  });

  it('does not retry an error type listed in nonRetryableErrorTypes', { timeout: 60_000 }, async () => {
    const { handle, attempts } = await run('retry-non-retryable-type', {
      name: 'failUntilAttempt',
      args: [{ succeedOnAttempt: 5, errorType: 'FenceRefused' }],
      options: {
        startToCloseTimeout: '5s',
        retry: { initialInterval: '50ms', nonRetryableErrorTypes: ['FenceRefused'] },
      },
    });
    const failure = await activityFailureOf(handle.result());
    assert.equal(failure.retryState, 'NON_RETRYABLE_FAILURE');
    assert.ok(failure.cause instanceof ApplicationFailure);
    assert.equal(failure.cause.type, 'FenceRefused');
    assert.equal(attempts().length, 1);
  });

  it('does not retry an ApplicationFailure marked nonRetryable', { timeout: 60_000 }, async () => {
    const { handle, attempts } = await run('retry-non-retryable-flag', {
      name: 'failUntilAttempt',
      args: [{ succeedOnAttempt: 5, errorType: 'Permanent', nonRetryable: true }],
      options: { startToCloseTimeout: '5s', retry: { initialInterval: '50ms' } },
    });
    const failure = await activityFailureOf(handle.result());
    assert.equal(failure.retryState, 'NON_RETRYABLE_FAILURE');
    assert.ok(failure.cause instanceof ApplicationFailure && failure.cause.nonRetryable);
    assert.equal(attempts().length, 1);
  });

  it('stops after maximumAttempts with retryState MAXIMUM_ATTEMPTS_REACHED', { timeout: 60_000 }, async () => {
    const { handle, attempts } = await run('retry-maximum', {
      name: 'failUntilAttempt',
      args: [{ succeedOnAttempt: 99, errorType: 'Transient' }],
      options: {
        startToCloseTimeout: '5s',
        retry: { initialInterval: '50ms', backoffCoefficient: 1, maximumAttempts: 3 },
      },
    });
    const failure = await activityFailureOf(handle.result());
    assert.equal(failure.retryState, 'MAXIMUM_ATTEMPTS_REACHED');
    assert.equal(failure.activityType, 'failUntilAttempt');
    assert.ok(failure.cause instanceof ApplicationFailure);
    assert.equal(failure.cause.type, 'Transient');
    assert.equal(attempts().length, 3);
    const failed = ((await handle.fetchHistory()).events ?? []).filter(
      (event) => event.activityTaskFailedEventAttributes,
    );
    assert.equal(failed.length, 1, 'only the final attempt is written to history');
  });

  it('spaces attempts by at least the exponential backoff', { timeout: 60_000 }, async () => {
    const { handle, attempts } = await run('retry-backoff', {
      name: 'failUntilAttempt',
      args: [{ succeedOnAttempt: 4, errorType: 'Transient' }],
      options: {
        startToCloseTimeout: '5s',
        retry: { initialInterval: '150ms', backoffCoefficient: 2, maximumAttempts: 4 },
      },
    });
    await handle.result();
    const starts = attempts();
    assert.equal(starts.length, 4);
    const gaps = starts.slice(1).map((start, index) => start - (starts[index] as number));
    // 10 ms allowance for the clock's granularity; the backoff itself must not be shortened
    [150, 300, 600].forEach((backoff, index) =>
      assert.ok(
        (gaps[index] as number) >= backoff - 10,
        `gap ${index + 1} is ${gaps[index]} ms, backoff ${backoff} ms`,
      ),
    );
  });

  it('delivers the last heartbeat details of a failed attempt to the next attempt', { timeout: 60_000 }, async () => {
    const { handle } = await run('retry-heartbeat-details', {
      name: 'checkpointThenFail',
      args: ['checkpoint-7'],
      options: { startToCloseTimeout: '5s', retry: { initialInterval: '50ms', maximumAttempts: 3 } },
    });
    assert.equal(await handle.result(), 'checkpoint-7');
  });
});

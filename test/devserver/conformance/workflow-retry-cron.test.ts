// Workflow retry policies and cron schedules: a failed run is followed by the next attempt while the policy allows,
// a cron workflow waits for its first cron time and runs again after every close, and result() follows the chain.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { ChildWorkflowFailure } from '@temporalio/common';
import { ConformanceServer, uniqueTaskQueue, uniqueWorkflowId, type BackgroundWorker } from '../../support/temporal.js';
import {
  continueThenFailUntil,
  cronRun,
  failNonRetryableType,
  failUntilAttempt,
  parentOfRetriedChild,
  type RunReport,
  waitForRelease,
} from './fixtures/workflows.js';

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('devserver conformance: workflow retry policies and cron schedules', () => {
  let server: ConformanceServer;
  let worker: BackgroundWorker;
  const taskQueue = uniqueTaskQueue('retry-cron');
  before(async () => {
    server = await ConformanceServer.start();
    worker = await server.startBackgroundWorker(taskQueue);
  });
  after(async () => {
    await worker?.stop();
    await server?.stop();
  });

  const runsOf = async (workflowId: string) => {
    const runs = [];
    for await (const execution of server.client.workflow.list({ query: `WorkflowId = '${workflowId}'` }))
      runs.push(execution);
    return runs.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
  };

  it(
    'retries a failing workflow until an attempt succeeds; result() follows the chain',
    { timeout: 60_000 },
    async () => {
      const workflowId = uniqueWorkflowId('workflow-retry');
      const handle = await server.client.workflow.start(failUntilAttempt, {
        taskQueue,
        workflowId,
        args: [3],
        retry: { initialInterval: '100ms', backoffCoefficient: 1, maximumAttempts: 5 },
      });
      const report = await handle.result();
      assert.equal(report.attempt, 3);
      assert.equal(report.firstExecutionRunId, handle.firstExecutionRunId);
      assert.ok(report.continuedFromExecutionRunId, 'the third attempt continues from the second');
      const runs = await runsOf(workflowId);
      assert.deepEqual(
        runs.map((r) => r.status.name),
        ['FAILED', 'FAILED', 'COMPLETED'],
      );
      const first = await server.client.workflow.getHandle(workflowId, handle.firstExecutionRunId).fetchHistory();
      const failed = first.events!.find((e) => e.workflowExecutionFailedEventAttributes)!;
      assert.equal(failed.workflowExecutionFailedEventAttributes!.retryState, 1 /* IN_PROGRESS */);
      assert.ok(failed.workflowExecutionFailedEventAttributes!.newExecutionRunId);
    },
  );

  it('stops at maximumAttempts and reports MAXIMUM_ATTEMPTS_REACHED', { timeout: 60_000 }, async () => {
    const workflowId = uniqueWorkflowId('workflow-retry-max');
    const handle = await server.client.workflow.start(failUntilAttempt, {
      taskQueue,
      workflowId,
      args: [10],
      retry: { initialInterval: '50ms', maximumAttempts: 2 },
    });
    await assert.rejects(
      handle.result(),
      (err: unknown) => err instanceof WorkflowFailedError && err.retryState === 'MAXIMUM_ATTEMPTS_REACHED',
    );
    assert.equal((await runsOf(workflowId)).length, 2);
  });

  it('does not retry a failure whose type the policy names non-retryable', { timeout: 60_000 }, async () => {
    const workflowId = uniqueWorkflowId('workflow-retry-non-retryable');
    const handle = await server.client.workflow.start(failNonRetryableType, {
      taskQueue,
      workflowId,
      retry: { initialInterval: '50ms', maximumAttempts: 5, nonRetryableErrorTypes: ['Permanent'] },
    });
    await assert.rejects(
      handle.result(),
      (err: unknown) => err instanceof WorkflowFailedError && err.retryState === 'NON_RETRYABLE_FAILURE',
    );
    assert.equal((await runsOf(workflowId)).length, 1);
  });

  it(
    'keeps the retry policy across continue-as-new (the SDK repeats it on the command)',
    { timeout: 60_000 },
    async () => {
      const workflowId = uniqueWorkflowId('workflow-retry-after-can');
      const report = await server.client.workflow.execute(continueThenFailUntil, {
        taskQueue,
        workflowId,
        args: [1, 2],
        retry: { initialInterval: '50ms', maximumAttempts: 3 },
      });
      assert.equal(report.attempt, 2);
      assert.deepEqual(
        (await runsOf(workflowId)).map((r) => r.status.name),
        ['CONTINUED_AS_NEW', 'FAILED', 'COMPLETED'],
      );
    },
  );

  it('retries a run that reached its run timeout, and stops at maximumAttempts', { timeout: 60_000 }, async () => {
    const workflowId = uniqueWorkflowId('workflow-retry-timeout');
    const handle = await server.client.workflow.start(waitForRelease, {
      taskQueue,
      workflowId,
      workflowRunTimeout: '1s',
      retry: { initialInterval: '50ms', maximumAttempts: 2 },
    });
    await assert.rejects(
      handle.result(),
      (err: unknown) => err instanceof WorkflowFailedError && err.retryState === 'MAXIMUM_ATTEMPTS_REACHED',
    );
    const runs = await runsOf(workflowId);
    assert.deepEqual(
      runs.map((r) => r.status.name),
      ['TIMED_OUT', 'TIMED_OUT'],
    );
  });

  it(
    'retries a child workflow under its retry policy; the parent sees only the final outcome',
    { timeout: 60_000 },
    async () => {
      const succeeded = await server.client.workflow.execute(parentOfRetriedChild, {
        taskQueue,
        workflowId: uniqueWorkflowId('child-retry'),
        args: [2, 3],
      });
      assert.equal(succeeded.attempt, 2);
      await assert.rejects(
        server.client.workflow.execute(parentOfRetriedChild, {
          taskQueue,
          workflowId: uniqueWorkflowId('child-retry-exhausted'),
          args: [5, 2],
        }),
        (err: unknown) =>
          err instanceof WorkflowFailedError &&
          err.cause instanceof ChildWorkflowFailure &&
          err.cause.retryState === 'MAXIMUM_ATTEMPTS_REACHED',
      );
    },
  );

  it(
    'runs a cron workflow at its cron times, carrying the last result, until terminated',
    { timeout: 90_000 },
    async () => {
      const workflowId = uniqueWorkflowId('cron');
      const handle = await server.client.workflow.start(cronRun, { taskQueue, workflowId, cronSchedule: '@every 1s' });
      const history = await handle.fetchHistory();
      const started = history.events![0]!.workflowExecutionStartedEventAttributes!;
      assert.equal(started.cronSchedule, '@every 1s');
      assert.ok(started.firstWorkflowTaskBackoff, 'the first run waits for the first cron time');
      const runs = await until('three cron runs', async () => {
        const all = await runsOf(workflowId);
        return all.filter((r) => r.status.name === 'COMPLETED').length >= 2 ? all : undefined;
      });
      await handle.terminate('cron test done');
      const results: RunReport[] = [];
      for (const run of runs.filter((r) => r.status.name === 'COMPLETED'))
        results.push(await server.client.workflow.getHandle(workflowId, run.runId, { followRuns: false }).result());
      assert.equal(results[0]!.cronSchedule, '@every 1s');
      assert.equal(results[0]!.attempt, 1);
      assert.equal(results[1]!.attempt, 1);
      assert.deepEqual(results[1]!.lastResult, results[0]);
      const afterTerminate = (await runsOf(workflowId)).length;
      await new Promise((r) => setTimeout(r, 2500));
      assert.equal((await runsOf(workflowId)).length, afterTerminate, 'no run follows a terminated cron run');
    },
  );

  it(
    'reads a cron schedule with both day fields restricted as either day (robfig/cron), not both',
    { timeout: 30_000 },
    async () => {
      // Tomorrow's weekday OR the day of month three days on: tomorrow 00:00 UTC. Both at once would be months away.
      const day = 86_400_000;
      const now = Date.now();
      const tomorrow = new Date(now + day);
      const cronSchedule = `0 0 ${new Date(now + 3 * day).getUTCDate()} * ${tomorrow.getUTCDay()}`;
      const handle = await server.client.workflow.start(cronRun, {
        taskQueue,
        workflowId: uniqueWorkflowId('cron-days'),
        cronSchedule,
      });
      try {
        const history = await handle.fetchHistory();
        const startedEvent = history.events![0]!;
        const backoff = startedEvent.workflowExecutionStartedEventAttributes!.firstWorkflowTaskBackoff!;
        const startedAt = Number(startedEvent.eventTime!.seconds) * 1000 + (startedEvent.eventTime!.nanos ?? 0) / 1e6;
        const expected = Date.UTC(tomorrow.getUTCFullYear(), tomorrow.getUTCMonth(), tomorrow.getUTCDate());
        const backoffMs = Number(backoff.seconds) * 1000 + (backoff.nanos ?? 0) / 1e6;
        assert.ok(
          Math.abs(startedAt + backoffMs - expected) < 1000,
          `${cronSchedule}: first run at ${new Date(startedAt + backoffMs).toISOString()}, ` +
            `expected ${new Date(expected).toISOString()}`,
        );
      } finally {
        await handle.terminate('cron day test done');
      }
    },
  );

  it(
    'refuses a cron schedule robfig/cron ParseStandard refuses with INVALID_ARGUMENT "invalid CronSchedule."',
    { timeout: 30_000 },
    async () => {
      for (const cronSchedule of ['* * * * * *', '0 0 * * 5#3', 'H 0 * * *', '@every 1h/30m']) {
        await assert.rejects(
          server.client.workflow.start(cronRun, { taskQueue, workflowId: uniqueWorkflowId('cron-bad'), cronSchedule }),
          (err: unknown) => {
            const cause = (err as { cause?: { code?: number; details?: string } }).cause;
            return cause?.code === 3 && cause.details === 'invalid CronSchedule.';
          },
          cronSchedule,
        );
      }
    },
  );

  it(
    'starts @every D at start + D (not on the clock) and reads @every 500ms as one second',
    { timeout: 30_000 },
    async () => {
      for (const [cronSchedule, everyMs] of [
        ['@every 90m', 90 * 60_000],
        ['@every 500ms', 1000],
      ] as const) {
        const handle = await server.client.workflow.start(cronRun, {
          taskQueue,
          workflowId: uniqueWorkflowId('cron-every'),
          cronSchedule,
        });
        try {
          const description = await handle.describe();
          const waitMs = description.executionTime!.getTime() - description.startTime.getTime();
          assert.ok(
            waitMs > everyMs - 1000 && waitMs <= everyMs,
            `${cronSchedule}: first run ${waitMs} ms after start`,
          );
        } finally {
          await handle.terminate('cron every test done').catch(() => undefined);
        }
      }
    },
  );
});

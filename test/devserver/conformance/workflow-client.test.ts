// The workflow client surface: signal, signal-with-start, legacy queries, describe, history, result, cancel,
// terminate and not-found errors.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { QueryNotRegisteredError, WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure, TerminatedFailure, WorkflowNotFoundError } from '@temporalio/common';
import {
  ConformanceServer,
  historyEventTypes,
  uniqueTaskQueue,
  uniqueWorkflowId,
  type BackgroundWorker,
} from '../../support/temporal.js';
import {
  addItemSignal,
  collectItems,
  echo,
  itemsQuery,
  releaseSignal,
  runActivity,
  sleepThenReturn,
  waitForRelease,
} from './fixtures/workflows.js';

describe('devserver conformance: workflow client', () => {
  let server: ConformanceServer;
  let worker: BackgroundWorker;
  const taskQueue = uniqueTaskQueue('client');
  before(async () => {
    server = await ConformanceServer.start();
    worker = await server.startBackgroundWorker(taskQueue);
  });
  after(async () => {
    await worker?.stop();
    await server?.stop();
  });

  it('delivers signals in order', { timeout: 60_000 }, async () => {
    const handle = await server.client.workflow.start(collectItems, {
      taskQueue,
      workflowId: uniqueWorkflowId('signal'),
      args: [3],
    });
    for (const item of ['a', 'b', 'c']) await handle.signal(addItemSignal, item);
    assert.deepEqual(await handle.result(), ['a', 'b', 'c']);
    const signaled = (await historyEventTypes(handle)).filter((type) => type === 'WorkflowExecutionSignaled');
    assert.equal(signaled.length, 3);
  });

  it(
    'signal-with-start starts a new run with the signal first, then signals the existing run',
    { timeout: 60_000 },
    async () => {
      const workflowId = uniqueWorkflowId('signal-with-start');
      const started = await server.client.workflow.signalWithStart(collectItems, {
        taskQueue,
        workflowId,
        args: [2],
        signal: addItemSignal,
        signalArgs: ['first'],
      });
      const again = await server.client.workflow.signalWithStart(collectItems, {
        taskQueue,
        workflowId,
        args: [2],
        signal: addItemSignal,
        signalArgs: ['second'],
      });
      assert.equal(again.signaledRunId, started.signaledRunId, 'the existing run was signalled');
      assert.deepEqual(await started.result(), ['first', 'second']);
      const types = await historyEventTypes(started);
      assert.deepEqual(types.slice(0, 3), [
        'WorkflowExecutionStarted',
        'WorkflowExecutionSignaled',
        'WorkflowTaskScheduled',
      ]);
    },
  );

  describe('legacy queries', () => {
    it('answers a query from the handler on a running workflow', { timeout: 60_000 }, async () => {
      const handle = await server.client.workflow.start(collectItems, {
        taskQueue,
        workflowId: uniqueWorkflowId('query'),
        args: [2],
      });
      await handle.signal(addItemSignal, 'x');
      assert.deepEqual(await handle.query(itemsQuery), ['x']);
      await handle.signal(addItemSignal, 'y');
      assert.deepEqual(await handle.result(), ['x', 'y']);
    });

    it('throws QueryNotRegisteredError for an unknown query type', { timeout: 60_000 }, async () => {
      const handle = await server.client.workflow.start(collectItems, {
        taskQueue,
        workflowId: uniqueWorkflowId('query-unknown'),
        args: [1],
      });
      await assert.rejects(handle.query('noSuchQuery'), QueryNotRegisteredError);
      await handle.signal(addItemSignal, 'done');
      await handle.result();
    });

    it('answers a query on a completed workflow', { timeout: 60_000 }, async () => {
      const handle = await server.client.workflow.start(collectItems, {
        taskQueue,
        workflowId: uniqueWorkflowId('query-closed'),
        args: [1],
      });
      await handle.signal(addItemSignal, 'only');
      await handle.result();
      assert.deepEqual(await handle.query(itemsQuery), ['only']);
    });
  });

  it('describes a running then a completed workflow', { timeout: 60_000 }, async () => {
    const workflowId = uniqueWorkflowId('describe');
    const before = Date.now();
    const handle = await server.client.workflow.start(waitForRelease, {
      taskQueue,
      workflowId,
      memo: { owner: 'sre-team', tier: 1 },
    });
    const running = await handle.describe();
    assert.equal(running.workflowId, workflowId);
    assert.equal(running.runId, handle.firstExecutionRunId);
    assert.equal(running.type, 'waitForRelease');
    assert.equal(running.taskQueue, taskQueue);
    assert.equal(running.status.name, 'RUNNING');
    assert.ok(
      running.startTime.getTime() >= before - 5_000 && running.startTime.getTime() <= Date.now() + 5_000,
      'start time is now',
    );
    assert.ok(running.historyLength >= 1);
    assert.equal(running.closeTime, undefined);
    assert.deepEqual(running.memo, { owner: 'sre-team', tier: 1 });

    await handle.signal(releaseSignal, 'go');
    await handle.result();
    const closed = await handle.describe();
    assert.equal(closed.status.name, 'COMPLETED');
    assert.ok(closed.closeTime && closed.closeTime.getTime() >= closed.startTime.getTime());
    assert.equal(closed.historyLength, (await handle.fetchHistory()).events?.length);
    assert.ok(closed.historyLength > running.historyLength);
  });

  describe('history', () => {
    it('records a workflow that returns at once', { timeout: 60_000 }, async () => {
      const handle = await server.client.workflow.start(echo<string>, {
        taskQueue,
        workflowId: uniqueWorkflowId('history-echo'),
        args: ['x'],
      });
      await handle.result();
      assert.deepEqual(await historyEventTypes(handle), [
        'WorkflowExecutionStarted',
        'WorkflowTaskScheduled',
        'WorkflowTaskStarted',
        'WorkflowTaskCompleted',
        'WorkflowExecutionCompleted',
      ]);
    });

    it('records an activity between two workflow tasks', { timeout: 60_000 }, async () => {
      const handle = await server.client.workflow.start(runActivity, {
        taskQueue,
        workflowId: uniqueWorkflowId('history-activity'),
        args: [{ name: 'echoActivity', args: ['a'], options: { startToCloseTimeout: '5s' } }],
      });
      assert.equal(await handle.result(), 'a');
      assert.deepEqual(await historyEventTypes(handle), [
        'WorkflowExecutionStarted',
        'WorkflowTaskScheduled',
        'WorkflowTaskStarted',
        'WorkflowTaskCompleted',
        'ActivityTaskScheduled',
        'ActivityTaskStarted',
        'ActivityTaskCompleted',
        'WorkflowTaskScheduled',
        'WorkflowTaskStarted',
        'WorkflowTaskCompleted',
        'WorkflowExecutionCompleted',
      ]);
    });

    it('numbers events 1..n', { timeout: 60_000 }, async () => {
      const handle = await server.client.workflow.start(sleepThenReturn, {
        taskQueue,
        workflowId: uniqueWorkflowId('history-ids'),
        args: [10, 'v'],
      });
      await handle.result();
      const events = (await handle.fetchHistory()).events ?? [];
      assert.deepEqual(
        events.map((event) => Number(event.eventId)),
        events.map((_e, index) => index + 1),
      );
    });
  });

  it('returns the result of a workflow that sleeps first, through the long poll', { timeout: 60_000 }, async () => {
    const handle = await server.client.workflow.start(sleepThenReturn, {
      taskQueue,
      workflowId: uniqueWorkflowId('long-poll'),
      args: [1_500, 'late'],
    });
    const startedAt = Date.now();
    assert.equal(await handle.result(), 'late');
    assert.ok(Date.now() - startedAt >= 1_000, 'the result waited for the timer');
    const types = await historyEventTypes(handle);
    assert.ok(types.indexOf('TimerStarted') < types.indexOf('TimerFired'));
  });

  it(
    'cancels a workflow: result throws WorkflowFailedError caused by CancelledFailure',
    { timeout: 60_000 },
    async () => {
      const handle = await server.client.workflow.start(waitForRelease, {
        taskQueue,
        workflowId: uniqueWorkflowId('cancel'),
      });
      await handle.cancel();
      await assert.rejects(
        handle.result(),
        (err: unknown) => err instanceof WorkflowFailedError && err.cause instanceof CancelledFailure,
      );
      assert.equal((await handle.describe()).status.name, 'CANCELLED');
      const types = await historyEventTypes(handle);
      assert.ok(types.includes('WorkflowExecutionCancelRequested'));
      assert.equal(types.at(-1), 'WorkflowExecutionCanceled');
    },
  );

  it(
    'terminates a workflow: result throws WorkflowFailedError caused by TerminatedFailure',
    { timeout: 60_000 },
    async () => {
      const handle = await server.client.workflow.start(waitForRelease, {
        taskQueue,
        workflowId: uniqueWorkflowId('terminate'),
      });
      await handle.terminate('operator said so');
      await assert.rejects(
        handle.result(),
        (err: unknown) => err instanceof WorkflowFailedError && err.cause instanceof TerminatedFailure,
      );
      assert.equal((await handle.describe()).status.name, 'TERMINATED');
      assert.equal((await historyEventTypes(handle)).at(-1), 'WorkflowExecutionTerminated');
    },
  );

  it('throws WorkflowNotFoundError for unknown workflow ids', { timeout: 60_000 }, async () => {
    const handle = server.client.workflow.getHandle(uniqueWorkflowId('missing'));
    await assert.rejects(handle.describe(), WorkflowNotFoundError);
    await assert.rejects(handle.signal(releaseSignal, 'x'), WorkflowNotFoundError);
    await assert.rejects(handle.cancel(), WorkflowNotFoundError);
    await assert.rejects(handle.terminate(), WorkflowNotFoundError);
    // fetchHistory surfaces the raw gRPC error: NOT_FOUND
    await assert.rejects(handle.fetchHistory(), (err: Error & { code?: number }) => err.code === 5);
  });

  it('throws WorkflowNotFoundError when signalling a closed run', { timeout: 60_000 }, async () => {
    const handle = await server.client.workflow.start(echo<string>, {
      taskQueue,
      workflowId: uniqueWorkflowId('signal-closed'),
      args: ['x'],
    });
    await handle.result();
    await assert.rejects(handle.signal(releaseSignal, 'late'), WorkflowNotFoundError);
  });
});

// Starting workflows: id reuse and conflict policies, request-id dedupe, start delay.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ConformanceServer, uniqueTaskQueue, uniqueWorkflowId, type BackgroundWorker } from '../../support/temporal.js';
import { echo, failWorkflow, releaseSignal, waitForRelease } from './fixtures/workflows.js';

const isAlreadyStarted = (err: unknown) => err instanceof WorkflowExecutionAlreadyStartedError;

function jsonPayload(value: unknown) {
  return { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from(JSON.stringify(value)) };
}

describe('devserver conformance: starting workflows', () => {
  let server: ConformanceServer;
  let worker: BackgroundWorker;
  const taskQueue = uniqueTaskQueue('start');
  before(async () => {
    server = await ConformanceServer.start();
    worker = await server.startBackgroundWorker(taskQueue);
  });
  after(async () => {
    await worker?.stop();
    await server?.stop();
  });

  const runEcho = (workflowId: string, value: string, options: Record<string, unknown> = {}) =>
    server.client.workflow.start(echo<string>, { taskQueue, workflowId, args: [value], ...options });

  const startWaiting = (workflowId: string, options: Record<string, unknown> = {}) =>
    server.client.workflow.start(waitForRelease, { taskQueue, workflowId, ...options });

  describe('id reuse policy (a closed run with the same id)', () => {
    it('ALLOW_DUPLICATE starts a new run after a completed one', { timeout: 60_000 }, async () => {
      const workflowId = uniqueWorkflowId('reuse-allow');
      const first = await runEcho(workflowId, 'one');
      assert.equal(await first.result(), 'one');
      const second = await runEcho(workflowId, 'two', { workflowIdReusePolicy: 'ALLOW_DUPLICATE' });
      assert.notEqual(second.firstExecutionRunId, first.firstExecutionRunId);
      assert.equal(await second.result(), 'two');
    });

    it(
      'ALLOW_DUPLICATE_FAILED_ONLY rejects after a completed run and allows after a failed one',
      { timeout: 60_000 },
      async () => {
        const completedId = uniqueWorkflowId('reuse-failed-only-completed');
        await (await runEcho(completedId, 'done')).result();
        await assert.rejects(
          runEcho(completedId, 'again', { workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY' }),
          isAlreadyStarted,
        );

        const failedId = uniqueWorkflowId('reuse-failed-only-failed');
        const failed = await server.client.workflow.start(failWorkflow, {
          taskQueue,
          workflowId: failedId,
          args: ['boom'],
        });
        await assert.rejects(failed.result());
        const retried = await runEcho(failedId, 'after failure', {
          workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
        });
        assert.equal(await retried.result(), 'after failure');
      },
    );

    it('REJECT_DUPLICATE rejects any second run', { timeout: 60_000 }, async () => {
      const workflowId = uniqueWorkflowId('reuse-reject');
      await (await runEcho(workflowId, 'only')).result();
      await assert.rejects(
        runEcho(workflowId, 'second', { workflowIdReusePolicy: 'REJECT_DUPLICATE' }),
        isAlreadyStarted,
      );
    });

    it('TERMINATE_IF_RUNNING terminates the running run and starts a new one', { timeout: 60_000 }, async () => {
      const workflowId = uniqueWorkflowId('reuse-terminate');
      const first = await startWaiting(workflowId);
      const second = await startWaiting(workflowId, { workflowIdReusePolicy: 'TERMINATE_IF_RUNNING' });
      assert.notEqual(second.firstExecutionRunId, first.firstExecutionRunId);
      const firstRun = server.client.workflow.getHandle(workflowId, first.firstExecutionRunId);
      assert.equal((await firstRun.describe()).status.name, 'TERMINATED');
      await second.signal(releaseSignal, 'released');
      assert.equal(await second.result(), 'released');
    });
  });

  describe('id conflict policy (a running run with the same id)', () => {
    it('FAIL throws WorkflowExecutionAlreadyStartedError', { timeout: 60_000 }, async () => {
      const workflowId = uniqueWorkflowId('conflict-fail');
      const running = await startWaiting(workflowId);
      await assert.rejects(
        startWaiting(workflowId, { workflowIdConflictPolicy: 'FAIL' }),
        (err: unknown) =>
          isAlreadyStarted(err) && (err as WorkflowExecutionAlreadyStartedError).workflowId === workflowId,
      );
      // the default (unspecified) policy behaves as FAIL
      await assert.rejects(startWaiting(workflowId), isAlreadyStarted);
      await running.terminate('test done');
    });

    it('USE_EXISTING returns the running run id', { timeout: 60_000 }, async () => {
      const workflowId = uniqueWorkflowId('conflict-use-existing');
      const running = await startWaiting(workflowId);
      const again = await startWaiting(workflowId, { workflowIdConflictPolicy: 'USE_EXISTING' });
      assert.equal(again.firstExecutionRunId, running.firstExecutionRunId);
      assert.equal((await running.describe()).status.name, 'RUNNING');
      await running.terminate('test done');
    });

    it('TERMINATE_EXISTING terminates the running run and starts a new one', { timeout: 60_000 }, async () => {
      const workflowId = uniqueWorkflowId('conflict-terminate');
      const first = await startWaiting(workflowId);
      const second = await startWaiting(workflowId, { workflowIdConflictPolicy: 'TERMINATE_EXISTING' });
      assert.notEqual(second.firstExecutionRunId, first.firstExecutionRunId);
      assert.equal(
        (await server.client.workflow.getHandle(workflowId, first.firstExecutionRunId).describe()).status.name,
        'TERMINATED',
      );
      assert.equal((await second.describe()).status.name, 'RUNNING');
      await second.terminate('test done');
    });
  });

  it('deduplicates StartWorkflowExecution by request_id', { timeout: 60_000 }, async () => {
    const workflowId = uniqueWorkflowId('request-id');
    const request = {
      namespace: server.namespace,
      workflowId,
      workflowType: { name: 'echo' },
      taskQueue: { name: taskQueue },
      input: { payloads: [jsonPayload('deduped')] },
      requestId: randomUUID(),
      identity: 'conformance-test',
    };
    const first = await server.client.workflowService.startWorkflowExecution(request);
    const second = await server.client.workflowService.startWorkflowExecution(request);
    assert.ok(first.runId, 'first start returns a run id');
    assert.equal(second.runId, first.runId);
    assert.equal(await server.client.workflow.getHandle(workflowId, first.runId).result(), 'deduped');
    // a different request id for the same running-or-closed id is a new request, not a duplicate
    await assert.rejects(
      server.client.workflowService.startWorkflowExecution({
        ...request,
        requestId: randomUUID(),
        workflowIdReusePolicy: 3 /* REJECT_DUPLICATE */,
      }),
      (err: Error & { code?: number }) => err.code === 6 /* ALREADY_EXISTS */,
    );
  });

  it('honours a start delay before the first workflow task', { timeout: 60_000 }, async () => {
    const workflowId = uniqueWorkflowId('start-delay');
    const handle = await runEcho(workflowId, 'delayed', { startDelay: '1500ms' });
    assert.equal(await handle.result(), 'delayed');
    const history = await handle.fetchHistory();
    const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
    assert.equal(Number(started?.firstWorkflowTaskBackoff?.seconds ?? 0), 1, 'first workflow task backoff seconds');
    const description = await handle.describe();
    assert.ok(description.closeTime, 'closed');
    assert.ok(
      description.closeTime.getTime() - description.startTime.getTime() >= 1_400,
      'closed no earlier than the delay',
    );
  });
});

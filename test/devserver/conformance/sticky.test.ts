// Sticky execution: a caching worker runs a long sequence of workflow tasks; when that worker goes away
// mid-workflow, a new worker (with an empty cache) must still get the workflow's tasks and finish it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConformanceServer, eventually, uniqueTaskQueue, uniqueWorkflowId } from '../../support/temporal.js';
import { sequentialSteps } from './fixtures/workflows.js';

const completedActivities = async (server: ConformanceServer, workflowId: string) =>
  ((await server.client.workflow.getHandle(workflowId).fetchHistory()).events ?? []).filter(
    (event) => event.activityTaskCompletedEventAttributes,
  ).length;

describe('devserver conformance: sticky queues', () => {
  let server: ConformanceServer;
  before(async () => {
    server = await ConformanceServer.start();
  });
  after(async () => {
    await server?.stop();
  });

  it('completes a workflow of many sequential activities on a caching worker', { timeout: 60_000 }, async () => {
    const taskQueue = uniqueTaskQueue('sticky-cached');
    const result = await server.withWorker(taskQueue, { maxCachedWorkflows: 10 }, () =>
      server.client.workflow.execute(sequentialSteps, {
        taskQueue,
        workflowId: uniqueWorkflowId('sticky-cached'),
        args: [15, 1],
      }),
    );
    assert.equal(result, (15 * 16) / 2);
  });

  it(
    'falls back to the normal queue when the caching worker shuts down mid-workflow',
    { timeout: 60_000 },
    async () => {
      const taskQueue = uniqueTaskQueue('sticky-fallback');
      const workflowId = uniqueWorkflowId('sticky-fallback');
      const steps = 12;
      const handle = await server.client.workflow.start(sequentialSteps, { taskQueue, workflowId, args: [steps, 150] });

      const firstWorker = await server.createWorker(taskQueue, { maxCachedWorkflows: 10 });
      await firstWorker.runUntil(
        eventually('three steps on the first worker', async () =>
          (await completedActivities(server, workflowId)) >= 3 ? true : undefined,
        ),
      );
      const doneByFirst = await completedActivities(server, workflowId);
      assert.ok(doneByFirst < steps, 'the first worker stopped mid-workflow');

      const secondWorker = await server.createWorker(taskQueue, { maxCachedWorkflows: 10 });
      const result = await secondWorker.runUntil(handle.result());
      assert.equal(result, (steps * (steps + 1)) / 2);
      assert.equal(await completedActivities(server, workflowId), steps);
    },
  );
});

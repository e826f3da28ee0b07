// Eager activity dispatch at the protocol level: a worker that asks to run an activity it schedules on its own task
// queue gets the activity task in the completion's response, and the activity is not offered to pollers again.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import proto from '@temporalio/proto';
import { ConformanceServer, uniqueTaskQueue, uniqueWorkflowId } from '../support/temporal.js';

const { CommandType, TaskQueueKind } = proto.temporal.api.enums.v1;

describe('devserver: eager activity dispatch', () => {
  let server: ConformanceServer;
  before(async () => {
    server = await ConformanceServer.start();
  });
  after(async () => {
    await server?.stop();
  });

  async function firstTask(taskQueue: string) {
    const service = server.client.workflowService;
    const workflowId = uniqueWorkflowId('eager');
    await service.startWorkflowExecution({
      namespace: server.namespace,
      workflowId,
      workflowType: { name: 'w' },
      taskQueue: { name: taskQueue },
      requestId: workflowId,
    });
    return service.pollWorkflowTaskQueue({
      namespace: server.namespace,
      taskQueue: { name: taskQueue, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      identity: 'test',
    });
  }

  const schedule = (activityId: string, taskQueue: string, eager: boolean) => ({
    commandType: CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK,
    scheduleActivityTaskCommandAttributes: {
      activityId,
      activityType: { name: 'noop' },
      taskQueue: { name: taskQueue },
      startToCloseTimeout: { seconds: 10 },
      requestEagerExecution: eager,
    },
  });

  it('returns the eagerly requested activity task with the completion, once', { timeout: 30_000 }, async () => {
    const taskQueue = uniqueTaskQueue('eager');
    const task = await firstTask(taskQueue);
    const service = server.client.workflowService;
    const response = (await service.respondWorkflowTaskCompleted({
      namespace: server.namespace,
      taskToken: task.taskToken,
      identity: 'test',
      commands: [schedule('a1', taskQueue, true), schedule('a2', taskQueue, false)] as never,
    })) as unknown as { activityTasks: Array<{ activityId: string; attempt: number; taskToken: Uint8Array }> };
    assert.deepEqual(
      response.activityTasks.map((t) => t.activityId),
      ['a1'],
    );
    assert.equal(response.activityTasks[0]!.attempt, 1);
    const polled = await service.pollActivityTaskQueue({
      namespace: server.namespace,
      taskQueue: { name: taskQueue },
      identity: 'test',
    });
    assert.equal(polled.activityId, 'a2', 'the eager activity is not dispatched a second time');
    await service.respondActivityTaskCompleted({
      namespace: server.namespace,
      taskToken: response.activityTasks[0]!.taskToken,
      identity: 'test',
    });
  });
});

// An activity task queue's dispatch rate limit, as a worker asks for it (Worker option
// maxTaskQueueActivitiesPerSecond → task_queue_metadata.max_tasks_per_second on every activity poll): the server
// hands out at most that many tasks per second on the whole queue, after a burst of one second's worth.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import proto from '@temporalio/proto';
import { ConformanceServer, uniqueTaskQueue, uniqueWorkflowId } from '../support/temporal.js';

const { CommandType, TaskQueueKind } = proto.temporal.api.enums.v1;

describe('devserver: activity task queue rate limit', () => {
  let server: ConformanceServer;
  before(async () => {
    server = await ConformanceServer.start();
  });
  after(async () => {
    await server?.stop();
  });

  /** Starts a workflow whose first task schedules `count` activities on `activityQueue`. */
  async function scheduleActivities(activityQueue: string, count: number): Promise<void> {
    const service = server.client.workflowService;
    const taskQueue = uniqueTaskQueue('rate-workflows');
    const workflowId = uniqueWorkflowId('rate');
    await service.startWorkflowExecution({
      namespace: server.namespace,
      workflowId,
      workflowType: { name: 'anything' },
      taskQueue: { name: taskQueue },
      requestId: workflowId,
    });
    const task = await service.pollWorkflowTaskQueue({
      namespace: server.namespace,
      taskQueue: { name: taskQueue, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      identity: 'test',
    });
    await service.respondWorkflowTaskCompleted({
      namespace: server.namespace,
      taskToken: task.taskToken,
      identity: 'test',
      commands: Array.from({ length: count }, (_, i) => ({
        commandType: CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK,
        scheduleActivityTaskCommandAttributes: {
          activityId: `a${i}`,
          activityType: { name: 'anything' },
          taskQueue: { name: activityQueue },
          startToCloseTimeout: { seconds: 60 },
          scheduleToCloseTimeout: { seconds: 120 },
        },
      })) as never,
    });
  }

  const pollActivity = (taskQueue: string, maxTasksPerSecond?: number) =>
    server.client.workflowService.pollActivityTaskQueue({
      namespace: server.namespace,
      taskQueue: { name: taskQueue },
      identity: 'test',
      ...(maxTasksPerSecond !== undefined
        ? { taskQueueMetadata: { maxTasksPerSecond: { value: maxTasksPerSecond } } }
        : {}),
    });

  it('hands out at most max_tasks_per_second tasks after a one-second burst', { timeout: 60_000 }, async () => {
    const activityQueue = uniqueTaskQueue('rate-limited');
    await scheduleActivities(activityQueue, 6);
    const dispatchedAt: number[] = [];
    for (let i = 0; i < 6; i++) {
      const task = await pollActivity(activityQueue, 2);
      assert.ok(task.taskToken?.length, `task ${i} dispatched`);
      dispatchedAt.push(Date.now());
    }
    // Two at once (the burst), then one every 0.5 s: at least 2 s from the first to the sixth. Only a lower bound is
    // checked: a loaded machine can only make it slower.
    const spreadMs = dispatchedAt.at(-1)! - dispatchedAt[0]!;
    assert.ok(spreadMs >= 1_900, `six tasks at 2/s were handed out within ${spreadMs} ms`);
    const describe = (extra: object) =>
      server.client.workflowService.describeTaskQueue({
        namespace: server.namespace,
        taskQueue: { name: activityQueue },
        taskQueueType: 2 /* ACTIVITY */,
        ...extra,
      });
    const described = await describe({ includeTaskQueueStatus: true });
    assert.equal(described.taskQueueStatus?.ratePerSecond, 2, 'DescribeTaskQueue shows the limit');
    await assert.rejects(describe({ reportStats: true }), (err: { code?: number }) => err.code === 3);
  });

  it('refuses a rate limit that is not positive', { timeout: 30_000 }, async () => {
    await assert.rejects(
      pollActivity(uniqueTaskQueue('rate-zero'), 0),
      (err: { code?: number; details?: string }) =>
        err.code === 3 && /max_tasks_per_second must be positive/.test(String(err.details)),
    );
  });
});

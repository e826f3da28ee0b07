// Sticky dispatch at the protocol level, through the SDK's raw WorkflowService client: after a completion that names a
// sticky queue, the next task goes to that queue with only the events since the last completed task (so a task's cost
// does not grow with the history); when nobody takes it in time it goes to the normal queue with the full history.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import proto from '@temporalio/proto';
import { ConformanceServer, uniqueTaskQueue, uniqueWorkflowId } from '../support/temporal.js';

const { EventType, CommandType, TaskQueueKind } = proto.temporal.api.enums.v1;

describe('devserver: sticky workflow task dispatch', () => {
  let server: ConformanceServer;
  before(async () => {
    server = await ConformanceServer.start();
  });
  after(async () => {
    await server?.stop();
  });

  async function startAndTakeFirstTask(taskQueue: string) {
    const service = server.client.workflowService;
    const workflowId = uniqueWorkflowId('sticky');
    await service.startWorkflowExecution({
      namespace: server.namespace,
      workflowId,
      workflowType: { name: 'anything' },
      taskQueue: { name: taskQueue },
      requestId: workflowId,
    });
    const first = await service.pollWorkflowTaskQueue({
      namespace: server.namespace,
      taskQueue: { name: taskQueue, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      identity: 'test',
    });
    assert.equal(first.history?.events?.[0]?.eventType, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED);
    return { service, workflowId, first };
  }

  const timerCommand = (timerId: string) => ({
    commandType: CommandType.COMMAND_TYPE_START_TIMER,
    startTimerCommandAttributes: { timerId, startToFireTimeout: { seconds: 0, nanos: 50_000_000 } },
  });

  it('sends only the new events to the sticky queue named by the last completion', { timeout: 30_000 }, async () => {
    const taskQueue = uniqueTaskQueue('sticky-partial');
    const stickyQueue = `${taskQueue}-sticky`;
    const { service, first } = await startAndTakeFirstTask(taskQueue);
    await service.respondWorkflowTaskCompleted({
      namespace: server.namespace,
      taskToken: first.taskToken,
      identity: 'test',
      commands: [timerCommand('t1')] as never,
      stickyAttributes: {
        workerTaskQueue: { name: stickyQueue, kind: TaskQueueKind.TASK_QUEUE_KIND_STICKY },
        scheduleToStartTimeout: { seconds: 10 },
      } as never,
    });
    const second = await service.pollWorkflowTaskQueue({
      namespace: server.namespace,
      taskQueue: { name: stickyQueue, kind: TaskQueueKind.TASK_QUEUE_KIND_STICKY, normalName: taskQueue },
      identity: 'test',
    });
    const events = second.history?.events ?? [];
    assert.ok(events.length > 0, 'the sticky task carries events');
    assert.equal(
      Number(events[0]!.eventId),
      Number(first.startedEventId) + 1,
      'history starts right after the previous started event',
    );
    assert.equal(Number(second.previousStartedEventId), Number(first.startedEventId));
    const types = events.map((e) => e.eventType);
    assert.deepEqual(types, [
      EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
      EventType.EVENT_TYPE_TIMER_STARTED,
      EventType.EVENT_TYPE_TIMER_FIRED,
      EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
      EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
    ]);
  });

  it(
    'falls back to the normal queue with the full history when the sticky queue is not polled in time',
    { timeout: 30_000 },
    async () => {
      const taskQueue = uniqueTaskQueue('sticky-fallback');
      const { service, first } = await startAndTakeFirstTask(taskQueue);
      await service.respondWorkflowTaskCompleted({
        namespace: server.namespace,
        taskToken: first.taskToken,
        identity: 'test',
        commands: [timerCommand('t1')] as never,
        stickyAttributes: {
          workerTaskQueue: { name: `${taskQueue}-gone`, kind: TaskQueueKind.TASK_QUEUE_KIND_STICKY },
          scheduleToStartTimeout: { seconds: 0, nanos: 300_000_000 },
        } as never,
      });
      const fallback = await service.pollWorkflowTaskQueue({
        namespace: server.namespace,
        taskQueue: { name: taskQueue, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
        identity: 'test',
      });
      const events = fallback.history?.events ?? [];
      assert.equal(Number(events[0]?.eventId), 1, 'full history from the first event');
      assert.equal(Number(events[events.length - 1]?.eventId), Number(fallback.startedEventId));
    },
  );

  it(
    'moves a waiting sticky task to the normal queue at once when its worker shuts down',
    { timeout: 30_000 },
    async () => {
      const taskQueue = uniqueTaskQueue('sticky-shutdown');
      const stickyQueue = `${taskQueue}-sticky`;
      const { service, first } = await startAndTakeFirstTask(taskQueue);
      await service.respondWorkflowTaskCompleted({
        namespace: server.namespace,
        taskToken: first.taskToken,
        identity: 'test',
        commands: [timerCommand('t1')] as never,
        stickyAttributes: {
          workerTaskQueue: { name: stickyQueue, kind: TaskQueueKind.TASK_QUEUE_KIND_STICKY },
          scheduleToStartTimeout: { seconds: 60 },
        } as never,
      });
      await new Promise((resolve) => setTimeout(resolve, 300)); // the timer fires; its task waits on the sticky queue
      await service.shutdownWorker({ namespace: server.namespace, stickyTaskQueue: stickyQueue, identity: 'test' });
      const started = Date.now();
      const task = await service.pollWorkflowTaskQueue({
        namespace: server.namespace,
        taskQueue: { name: taskQueue, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
        identity: 'test',
      });
      assert.ok(task.taskToken?.length, 'the normal queue got the task');
      assert.ok(Date.now() - started < 30_000, 'without waiting for the 60 s sticky schedule-to-start timeout');
      assert.equal(Number(task.history?.events?.[0]?.eventId), 1);
    },
  );

  it(
    'returns the next workflow task in the completion when a sticky worker asks (return_new_workflow_task)',
    { timeout: 30_000 },
    async () => {
      const taskQueue = uniqueTaskQueue('return-new');
      const stickyQueue = `${taskQueue}-sticky`;
      const { service, workflowId, first } = await startAndTakeFirstTask(taskQueue);
      const sticky = {
        workerTaskQueue: { name: stickyQueue, kind: TaskQueueKind.TASK_QUEUE_KIND_STICKY },
        scheduleToStartTimeout: { seconds: 10 },
      };
      // SDK core asks for it on every sticky completion; a task is created here because the worker forces one.
      const completed = await service.respondWorkflowTaskCompleted({
        namespace: server.namespace,
        taskToken: first.taskToken,
        identity: 'test',
        commands: [timerCommand('t1')] as never,
        stickyAttributes: sticky as never,
        forceCreateNewWorkflowTask: true,
        returnNewWorkflowTask: true,
      });
      const returned = completed.workflowTask;
      assert.ok(returned?.taskToken?.length, 'a started workflow task comes back in the response');
      assert.equal(returned.workflowExecution?.workflowId, workflowId);
      assert.deepEqual(
        returned.history?.events?.map((e) => e.eventType),
        [
          EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
          EventType.EVENT_TYPE_TIMER_STARTED,
          EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
          EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
        ],
        'only the events since the previous task, as for a sticky poll',
      );
      assert.equal(Number(returned.startedEventId), Number(returned.history!.events!.at(-1)!.eventId));
      // It is the run's current task: completing it works, and a second completion with the same token does not.
      const closing = {
        namespace: server.namespace,
        taskToken: returned.taskToken,
        identity: 'test',
        commands: [
          {
            commandType: CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION,
            completeWorkflowExecutionCommandAttributes: {},
          },
        ] as never,
        returnNewWorkflowTask: true,
        stickyAttributes: sticky as never,
      };
      const last = await service.respondWorkflowTaskCompleted(closing);
      assert.equal(last.workflowTask, null, 'no task follows a completed run');
      await assert.rejects(service.respondWorkflowTaskCompleted(closing), (err: { code?: number }) => err.code === 5);
    },
  );

  it('returns no workflow task to a worker without a sticky queue; the task goes to the queue', async () => {
    const taskQueue = uniqueTaskQueue('return-new-normal');
    const { service, first } = await startAndTakeFirstTask(taskQueue);
    const completed = await service.respondWorkflowTaskCompleted({
      namespace: server.namespace,
      taskToken: first.taskToken,
      identity: 'test',
      commands: [timerCommand('t1')] as never,
      forceCreateNewWorkflowTask: true,
      returnNewWorkflowTask: true,
    });
    assert.equal(completed.workflowTask, null);
    const next = await service.pollWorkflowTaskQueue({
      namespace: server.namespace,
      taskQueue: { name: taskQueue, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      identity: 'test',
    });
    assert.equal(Number(next.history?.events?.[0]?.eventId), 1, 'the full history from the normal queue');
  });
});

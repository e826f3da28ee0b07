// What the devserver does not implement is refused with the status a real server gives an unsupported feature, never
// accepted and ignored; and the smaller details the SDK reads back: static summary/details and priority on describe,
// the BuildIds search attribute, DescribeTaskQueue pollers, a closed run's error text, a foreign task token.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ActivityNotFoundError, WorkflowNotFoundError } from '@temporalio/client';
import { ConformanceServer, uniqueTaskQueue, uniqueWorkflowId, type BackgroundWorker } from '../../support/temporal.js';
import { collectItems, cronRun, echo, releaseSignal, runActivity, summarisedTimer } from './fixtures/workflows.js';

const INVALID_ARGUMENT = 3;
const BUILD_ID = 'conformance-build-1';

/** The gRPC status code of a rejected SDK call (the SDK wraps the service error in ServiceError.cause). */
function grpcCode(err: unknown): number | undefined {
  const e = err as { code?: number; cause?: { code?: number } };
  return e.cause?.code ?? e.code;
}

/** The server's message of a rejected SDK call. */
function grpcMessage(err: unknown): string {
  const e = err as { message?: string; cause?: { message?: string } };
  return `${e.message ?? ''} ${e.cause?.message ?? ''}`;
}

describe('devserver conformance: refusals and details', () => {
  let server: ConformanceServer;
  let worker: BackgroundWorker;
  const taskQueue = uniqueTaskQueue('refusals');
  before(async () => {
    server = await ConformanceServer.start();
    worker = await server.startBackgroundWorker(taskQueue, { buildId: BUILD_ID, identity: 'conformance-worker' });
  });
  after(async () => {
    await worker?.stop();
    await server?.stop();
  });

  const rawStart = (extra: Record<string, unknown>) =>
    server.client.workflowService.startWorkflowExecution({
      namespace: server.namespace,
      workflowId: uniqueWorkflowId('raw-start'),
      workflowType: { name: 'echo' },
      taskQueue: { name: taskQueue },
      requestId: uniqueWorkflowId('request'),
      ...extra,
    });

  describe('never accept and ignore', () => {
    it('refuses a versioning override on start with INVALID_ARGUMENT', { timeout: 30_000 }, async () => {
      await assert.rejects(
        server.client.workflow.start(echo<string>, {
          taskQueue,
          workflowId: uniqueWorkflowId('versioning-override'),
          args: ['x'],
          versioningOverride: 'AUTO_UPGRADE',
        }),
        (err: unknown) => grpcCode(err) === INVALID_ARGUMENT && /versioning_override/.test(grpcMessage(err)),
      );
    });

    it('refuses completion callbacks (Nexus) on start with INVALID_ARGUMENT', { timeout: 30_000 }, async () => {
      await assert.rejects(
        rawStart({ completionCallbacks: [{ nexus: { url: 'http://localhost:1/callback' } }] }),
        (err: unknown) => grpcCode(err) === INVALID_ARGUMENT && /completion_callbacks/.test(grpcMessage(err)),
      );
    });

    it('refuses a worker that asks for build-id versioning with INVALID_ARGUMENT', { timeout: 30_000 }, async () => {
      await assert.rejects(
        server.client.workflowService.pollWorkflowTaskQueue({
          namespace: server.namespace,
          taskQueue: { name: uniqueTaskQueue('versioned') },
          identity: 'versioned-poller',
          workerVersionCapabilities: { buildId: 'b1', useVersioning: true },
        }),
        (err: unknown) => grpcCode(err) === INVALID_ARGUMENT && /versioning/.test(grpcMessage(err)),
      );
    });
  });

  it('keeps the links a request carries (Nexus) on the events it writes', { timeout: 30_000 }, async () => {
    const service = server.client.workflowService;
    const workflowId = uniqueWorkflowId('links');
    const link = (eventId: number) =>
      ({
        workflowEvent: { namespace: server.namespace, workflowId: 'nexus-caller', runId: 'r1', eventRef: { eventId } },
      }) as never;
    // No worker polls this queue: the run stays open while it is signalled, cancelled and terminated.
    const quiet = { name: uniqueTaskQueue('links-unpolled') };
    const { runId } = await service.startWorkflowExecution({
      namespace: server.namespace,
      workflowId,
      workflowType: { name: 'echo' },
      taskQueue: quiet,
      requestId: uniqueWorkflowId('request'),
      links: [link(1)],
    });
    const execution = { workflowId, runId };
    await service.signalWorkflowExecution({
      namespace: server.namespace,
      workflowExecution: execution,
      signalName: 'release',
      links: [link(2)],
    });
    await service.requestCancelWorkflowExecution({
      namespace: server.namespace,
      workflowExecution: execution,
      links: [link(3)],
    });
    await service.terminateWorkflowExecution({
      namespace: server.namespace,
      workflowExecution: execution,
      links: [link(4)],
    });
    const history = await server.client.workflow.getHandle(workflowId, runId).fetchHistory();
    const linked = (history.events ?? [])
      .filter((e) => (e.links ?? []).length > 0)
      .map((e) => [e.eventType, Number(e.links![0]!.workflowEvent!.eventRef!.eventId)]);
    const { EventType } = (await import('@temporalio/proto')).default.temporal.api.enums.v1;
    assert.deepEqual(linked, [
      [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, 1],
      [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED, 2],
      [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED, 3],
      [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED, 4],
    ]);
  });

  describe('details read back', () => {
    it('keeps staticSummary, staticDetails and priority for describe', { timeout: 60_000 }, async () => {
      const handle = await server.client.workflow.start(echo<string>, {
        taskQueue,
        workflowId: uniqueWorkflowId('metadata'),
        args: ['x'],
        staticSummary: 'failover of host A',
        staticDetails: 'details in **markdown**',
        priority: { priorityKey: 2 },
      });
      await handle.result();
      const described = await handle.describe();
      assert.equal(await described.staticSummary(), 'failover of host A');
      assert.equal(await described.staticDetails(), 'details in **markdown**');
      assert.equal(described.raw.workflowExecutionInfo?.priority?.priorityKey, 2);
    });

    it("gives an activity its priority: its own fields over the workflow's", { timeout: 60_000 }, async () => {
      const run = (activityPriority?: { priorityKey?: number; fairnessKey?: string }) =>
        server.client.workflow.execute(runActivity, {
          taskQueue,
          workflowId: uniqueWorkflowId('activity-priority'),
          priority: { priorityKey: 3, fairnessKey: 'tenant-a' },
          args: [
            {
              name: 'ownPriority',
              args: [],
              options: { startToCloseTimeout: '10s', ...(activityPriority ? { priority: activityPriority } : {}) },
            },
          ],
        });
      assert.deepEqual(await run(), { priorityKey: 3, fairnessKey: 'tenant-a' }, 'inherited from the workflow');
      assert.deepEqual(await run({ priorityKey: 1 }), { priorityKey: 1, fairnessKey: 'tenant-a' });
    });

    it(
      'sets the BuildIds search attribute after a workflow task of a worker with a build id',
      { timeout: 60_000 },
      async () => {
        const workflowId = uniqueWorkflowId('build-ids');
        await server.client.workflow.execute(echo<string>, { taskQueue, workflowId, args: ['x'] });
        const described = await server.client.workflow.getHandle(workflowId).describe();
        const raw = described.raw.workflowExecutionInfo?.searchAttributes?.indexedFields?.BuildIds;
        assert.ok(raw?.data, 'BuildIds is set');
        assert.deepEqual(JSON.parse(Buffer.from(raw.data).toString()), ['unversioned', `unversioned:${BUILD_ID}`]);
        const { count } = await server.client.workflow.count(
          `WorkflowId = '${workflowId}' AND BuildIds = 'unversioned:${BUILD_ID}'`,
        );
        assert.equal(count, 1);
      },
    );

    it('lists the pollers of a task queue with DescribeTaskQueue', { timeout: 60_000 }, async () => {
      await server.client.workflow.execute(echo<string>, {
        taskQueue,
        workflowId: uniqueWorkflowId('dtq'),
        args: ['x'],
      });
      const response = await server.client.workflowService.describeTaskQueue({
        namespace: server.namespace,
        taskQueue: { name: taskQueue },
        taskQueueType: 1 /* WORKFLOW */,
      });
      const identities = (response.pollers ?? []).map((p) => p.identity);
      assert.ok(identities.includes('conformance-worker'), `pollers: ${identities.join(', ')}`);
      assert.ok(response.pollers![0]!.lastAccessTime, 'lastAccessTime is set');
    });

    it(
      'answers a signal to a closed run with "workflow execution already completed"',
      { timeout: 60_000 },
      async () => {
        const handle = await server.client.workflow.start(echo<string>, {
          taskQueue,
          workflowId: uniqueWorkflowId('closed'),
          args: ['x'],
        });
        await handle.result();
        await assert.rejects(
          handle.signal(releaseSignal, 'late'),
          (err: unknown) =>
            err instanceof WorkflowNotFoundError && /workflow execution already completed/.test(err.message),
        );
        await assert.rejects(
          handle.terminate('late'),
          (err: unknown) =>
            err instanceof WorkflowNotFoundError && /workflow execution already completed/.test(err.message),
        );
      },
    );

    it('delivers a signal retried with the same request id once', { timeout: 60_000 }, async () => {
      const handle = await server.client.workflow.start(collectItems, {
        taskQueue,
        workflowId: uniqueWorkflowId('signal-dedupe'),
        args: [2],
      });
      const signal = (item: string, requestId: string) =>
        server.client.workflowService.signalWorkflowExecution({
          namespace: server.namespace,
          workflowExecution: { workflowId: handle.workflowId },
          signalName: 'addItem',
          input: { payloads: [{ metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from(`"${item}"`) }] },
          identity: 'conformance',
          requestId,
        });
      await signal('first', 'request-1');
      await signal('first', 'request-1'); // a client retrying the same call
      await signal('second', 'request-2');
      assert.deepEqual(await handle.result(), ['first', 'second']);
    });

    it('pages a history by maximum_page_size, forwards and in reverse', { timeout: 60_000 }, async () => {
      const workflowId = uniqueWorkflowId('history-pages');
      await server.client.workflow.execute(echo<string>, { taskQueue, workflowId, args: ['x'] });
      const whole = (await server.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
      const ids = whole.map((e) => Number(e.eventId));
      const collect = async (reverse: boolean) => {
        const seen: number[][] = [];
        let nextPageToken: Uint8Array | undefined;
        do {
          const request = { namespace: server.namespace, execution: { workflowId }, maximumPageSize: 2, nextPageToken };
          const page = reverse
            ? await server.client.workflowService.getWorkflowExecutionHistoryReverse(request)
            : await server.client.workflowService.getWorkflowExecutionHistory(request);
          seen.push((page.history?.events ?? []).map((e) => Number(e.eventId)));
          nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
        } while (nextPageToken);
        return seen;
      };
      const forwards = await collect(false);
      assert.ok(forwards.every((page) => page.length <= 2) && forwards.length >= 2, JSON.stringify(forwards));
      assert.deepEqual(forwards.flat(), ids);
      assert.deepEqual((await collect(true)).flat(), [...ids].reverse());
    });

    it('gives the workflow the last completion result a start request carries', { timeout: 60_000 }, async () => {
      const workflowId = uniqueWorkflowId('last-result');
      const { runId } = await rawStart({
        workflowId,
        workflowType: { name: 'cronRun' },
        lastCompletionResult: {
          payloads: [{ metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('{"previous":1}') }],
        },
      });
      const report = await server.client.workflow.getHandle<typeof cronRun>(workflowId, runId!).result();
      assert.deepEqual(report.lastResult, { previous: 1 });
    });

    it('keeps a timer summary on its TimerStarted event', { timeout: 60_000 }, async () => {
      const workflowId = uniqueWorkflowId('timer-summary');
      await server.client.workflow.execute(summarisedTimer, { taskQueue, workflowId });
      const history = await server.client.workflow.getHandle(workflowId).fetchHistory();
      const started = history.events!.find((e) => e.timerStartedEventAttributes)!;
      const summary = started.userMetadata?.summary?.data;
      assert.ok(summary, 'the TimerStarted event has a summary');
      assert.equal(JSON.parse(Buffer.from(summary).toString()), 'cool down before the next step');
    });

    it('answers a task token another server issued with NOT_FOUND', { timeout: 30_000 }, async () => {
      // A protobuf-encoded token of the shape a Temporal server issues (namespace id, workflow id, run id, ...).
      const foreign = Buffer.from(
        '0a2432303863613536352d613362642d346234362d396133612d3535356135646333383561381208776f726b666c6f77',
        'hex',
      );
      await assert.rejects(server.client.activity.complete(foreign, 'done'), ActivityNotFoundError);
    });

    it('refuses an undecodable or empty task token with INVALID_ARGUMENT, as the real frontend', async () => {
      const complete = (taskToken: Uint8Array) =>
        server.client.workflowService.respondActivityTaskCompleted({
          namespace: server.namespace,
          taskToken,
          identity: 'conformance',
        });
      for (const [token, text] of [
        [Buffer.from([1, 2, 3, 4]), 'Error deserializing task token.'],
        [Buffer.alloc(0), 'Task token not set on request.'],
      ] as const)
        await assert.rejects(complete(token), (err: unknown) => {
          const { code, details } = err as { code?: number; details?: string };
          assert.equal(code, INVALID_ARGUMENT, `${token.toString('hex')}: ${details}`);
          assert.equal(details, text);
          return true;
        });
    });

    it('refuses signal-with-start with workflowIdConflictPolicy FAIL, as the real frontend', async () => {
      await assert.rejects(
        server.client.workflowService.signalWithStartWorkflowExecution({
          namespace: server.namespace,
          workflowId: uniqueWorkflowId('sws-fail'),
          workflowType: { name: 'echo' },
          taskQueue: { name: taskQueue },
          requestId: uniqueWorkflowId('request'),
          signalName: 'finish',
          workflowIdConflictPolicy: 1 /* FAIL */,
        }),
        (err: unknown) => {
          const { code, details } = err as { code?: number; details?: string };
          assert.equal(code, INVALID_ARGUMENT);
          assert.equal(
            details,
            'Invalid WorkflowIDConflictPolicy: WORKFLOW_ID_CONFLICT_POLICY_FAIL is not supported for this operation.',
          );
          return true;
        },
      );
    });
  });
});

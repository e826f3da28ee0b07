// Workflow Updates through the official SDK: executeUpdate with a validator (accepted and completed, or rejected),
// startUpdate waiting for the accepted stage, update-with-start, and an admitted update that survives a restart of
// the server on its database.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  WorkflowUpdateFailedError,
  WorkflowUpdateStage,
} from '@temporalio/client';
import proto from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { freePort, startTemporalService, type RunningTemporalService } from '../../../workers/temporal-service.js';
import {
  ConformanceServer,
  assertServiceAvailable,
  connectAll,
  fixtureWorkflowBundle,
  historyEventTypes,
  installQuietRuntime,
  temporaryDirectory,
  uniqueTaskQueue,
  uniqueWorkflowId,
  type BackgroundWorker,
} from '../../support/temporal.js';
import * as activities from './fixtures/activities.js';
import {
  addUpdate,
  counterWithUpdates,
  neverFinishingUpdate,
  outlivedUpdate,
  releaseSignal,
} from './fixtures/workflows.js';

describe('devserver conformance: workflow updates', () => {
  let server: ConformanceServer;
  let worker: BackgroundWorker;
  const taskQueue = uniqueTaskQueue('updates');
  before(async () => {
    server = await ConformanceServer.start();
    worker = await server.startBackgroundWorker(taskQueue);
  });
  after(async () => {
    await worker?.stop();
    await server?.stop();
  });

  it('runs updates to completion and refuses one its validator rejects', { timeout: 60_000 }, async () => {
    const handle = await server.client.workflow.start(counterWithUpdates, {
      taskQueue,
      workflowId: uniqueWorkflowId('update'),
    });
    assert.equal(await handle.executeUpdate(addUpdate, { args: [5] }), 5);
    assert.equal(await handle.executeUpdate(addUpdate, { args: [3] }), 8);
    await assert.rejects(
      handle.executeUpdate(addUpdate, { args: [-1] }),
      (err: unknown) => err instanceof WorkflowUpdateFailedError && /negative amounts/.test(String(err.cause)),
    );
    const events = await historyEventTypes(handle);
    assert.equal(events.filter((e) => e === 'WorkflowExecutionUpdateAccepted').length, 2, events.join(', '));
    assert.equal(events.filter((e) => e === 'WorkflowExecutionUpdateCompleted').length, 2);
    await handle.signal(releaseSignal, 'done');
    assert.equal(await handle.result(), 8);
  });

  it(
    'answers startUpdate at the accepted stage and the same update id again with its result',
    { timeout: 60_000 },
    async () => {
      const handle = await server.client.workflow.start(counterWithUpdates, {
        taskQueue,
        workflowId: uniqueWorkflowId('update-accepted'),
      });
      const updateId = uniqueWorkflowId('update-id');
      const update = await handle.startUpdate(addUpdate, {
        args: [4],
        updateId,
        waitForStage: WorkflowUpdateStage.ACCEPTED,
      });
      assert.equal(await update.result(), 4);
      assert.equal(await handle.executeUpdate(addUpdate, { args: [4], updateId }), 4, 'deduplicated by update id');
      assert.equal(await handle.getUpdateHandle<number>(updateId).result(), 4);
      await handle.signal(releaseSignal, 'done');
      assert.equal(await handle.result(), 4);
    },
  );

  it('starts the workflow and runs the update in one call (update-with-start)', { timeout: 60_000 }, async () => {
    const workflowId = uniqueWorkflowId('update-with-start');
    const operation = () =>
      new WithStartWorkflowOperation(counterWithUpdates, {
        workflowId,
        taskQueue,
        workflowIdConflictPolicy: 'USE_EXISTING',
      });
    const first = operation();
    assert.equal(
      await server.client.workflow.executeUpdateWithStart(addUpdate, { args: [7], startWorkflowOperation: first }),
      7,
    );
    const second = operation();
    assert.equal(
      await server.client.workflow.executeUpdateWithStart(addUpdate, { args: [2], startWorkflowOperation: second }),
      9,
    );
    const [a, b] = [await first.workflowHandle(), await second.workflowHandle()];
    assert.equal((await a.describe()).runId, (await b.describe()).runId, 'the second call used the running workflow');
    await b.signal(releaseSignal, 'done');
    assert.equal(await b.result(), 9);
  });

  it(
    'fails an accepted update whose workflow completes first, as the real server does',
    { timeout: 60_000 },
    async () => {
      const handle = await server.client.workflow.start(outlivedUpdate, {
        taskQueue,
        workflowId: uniqueWorkflowId('outlived-update'),
      });
      const update = await handle.startUpdate(neverFinishingUpdate, { waitForStage: WorkflowUpdateStage.ACCEPTED });
      await handle.signal(releaseSignal, 'done');
      assert.equal(await handle.result(), 'done');
      await assert.rejects(update.result(), (err: unknown) => {
        assert.ok(err instanceof WorkflowUpdateFailedError, String(err));
        const cause = err.cause as { type?: string; message?: string; nonRetryable?: boolean };
        assert.equal(cause.type, 'AcceptedUpdateCompletedWorkflow');
        assert.equal(
          cause.message,
          'Workflow Update failed because the Workflow completed before the Update completed.',
        );
        assert.equal(cause.nonRetryable, true);
        return true;
      });
    },
  );

  it(
    'refuses what the real frontend refuses: a cron or delayed update-with-start, waiting for ADMITTED, a long id',
    { timeout: 60_000 },
    async () => {
      const service = server.client.workflowService;
      const rejectsWith = (call: Promise<unknown>, code: number, text: string) =>
        assert.rejects(call, (err: unknown) => {
          const { code: actual, details } = err as { code?: number; details?: string };
          assert.equal(actual, code, `${text}: ${details}`);
          assert.ok(details?.includes(text), `expected "${text}", got "${details}"`);
          return true;
        });
      const updateWithStart = (workflowId: string, start: Record<string, unknown>, lifecycleStage = 3) =>
        service.executeMultiOperation({
          namespace: server.namespace,
          operations: [
            {
              startWorkflow: {
                namespace: server.namespace,
                workflowId,
                workflowType: { name: 'counterWithUpdates' },
                taskQueue: { name: taskQueue },
                requestId: uniqueWorkflowId('request'),
                workflowIdConflictPolicy: 2 /* USE_EXISTING */,
                ...start,
              },
            },
            {
              updateWorkflow: {
                namespace: server.namespace,
                workflowExecution: { workflowId },
                waitPolicy: { lifecycleStage },
                request: { meta: { updateId: uniqueWorkflowId('u') }, input: { name: 'add', args: { payloads: [] } } },
              },
            },
          ],
        });
      const INVALID_ARGUMENT = 3;
      const PERMISSION_DENIED = 7;
      await rejectsWith(
        updateWithStart(uniqueWorkflowId('uws-cron'), { cronSchedule: '0 0 1 1 *' }),
        INVALID_ARGUMENT,
        'CronSchedule is not allowed.',
      );
      await rejectsWith(
        updateWithStart(uniqueWorkflowId('uws-delay'), { workflowStartDelay: { seconds: 3600 } }),
        INVALID_ARGUMENT,
        'WorkflowStartDelay is not supported.',
      );
      const admittedOnly =
        'UpdateWorkflowExecution issued asynchronously and waiting on update admitted is not supported.';
      await rejectsWith(updateWithStart(uniqueWorkflowId('uws-admitted'), {}, 1), PERMISSION_DENIED, admittedOnly);
      const workflowId = uniqueWorkflowId('update-refusals');
      const handle = await server.client.workflow.start(counterWithUpdates, { taskQueue, workflowId });
      try {
        const update = (updateId: string, lifecycleStage: number) =>
          service.updateWorkflowExecution({
            namespace: server.namespace,
            workflowExecution: { workflowId },
            waitPolicy: { lifecycleStage },
            request: { meta: { updateId }, input: { name: 'add', args: { payloads: [] } } },
          });
        await rejectsWith(update('admitted-only', 1), PERMISSION_DENIED, admittedOnly);
        // Without a wait policy the real frontend waits for COMPLETED (SetDefaultUpdateWorkflowExecutionLifecycleStage).
        const completed = await service.updateWorkflowExecution({
          namespace: server.namespace,
          workflowExecution: { workflowId },
          request: {
            meta: { updateId: 'no-wait-policy' },
            input: {
              name: 'add',
              args: { payloads: [{ metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('4') }] },
            },
          },
        });
        assert.equal(completed.stage, 3 /* COMPLETED */);
        assert.ok(completed.outcome?.success, 'the outcome comes with the answer');
        await rejectsWith(update('u'.repeat(1001), 2), INVALID_ARGUMENT, 'UpdateId length exceeds limit.');
        const history = await historyEventTypes(handle);
        const updateEvents = history.filter((t) => /UPDATE/.test(t));
        // Only the completed update's events: none of the refused requests reached the history.
        assert.ok(updateEvents.length <= 3, `refused updates reached the history: ${updateEvents.join(', ')}`);
      } finally {
        await handle.terminate('update refusals done');
      }
    },
  );

  it(
    'refuses update-with-start on a running workflow with the per-operation failure (conflict policy FAIL)',
    { timeout: 60_000 },
    async () => {
      const workflowId = uniqueWorkflowId('update-with-start-conflict');
      const running = await server.client.workflow.start(counterWithUpdates, { taskQueue, workflowId });
      try {
        // The SDK reads the start's own status from the detail.
        await assert.rejects(
          server.client.workflow.executeUpdateWithStart(addUpdate, {
            args: [1],
            startWorkflowOperation: new WithStartWorkflowOperation(counterWithUpdates, {
              workflowId,
              taskQueue,
              workflowIdConflictPolicy: 'FAIL',
            }),
          }),
          WorkflowExecutionAlreadyStartedError,
        );
        // The wire answer, as serviceerror.MultiOperationExecution builds it.
        const error = await server.client.workflowService
          .executeMultiOperation({
            namespace: server.namespace,
            operations: [
              {
                startWorkflow: {
                  namespace: server.namespace,
                  workflowId,
                  workflowType: { name: 'counterWithUpdates' },
                  taskQueue: { name: taskQueue },
                  requestId: uniqueWorkflowId('request'),
                  workflowIdConflictPolicy: 1 /* FAIL */,
                },
              },
              {
                updateWorkflow: {
                  namespace: server.namespace,
                  workflowExecution: { workflowId },
                  waitPolicy: { lifecycleStage: 2 /* ACCEPTED */ },
                  request: { meta: { updateId: uniqueWorkflowId('u') }, input: { name: 'add' } },
                },
              },
            ],
          })
          .then(
            () => assert.fail('the second start was accepted'),
            (err: { code?: number; details?: string; metadata?: { get(key: string): unknown[] } }) => err,
          );
        assert.equal(error.code, 6 /* ALREADY_EXISTS */);
        assert.match(String(error.details), /^MultiOperation could not be executed: Start failed: /);
        const status = proto.google.rpc.Status.decode(error.metadata!.get('grpc-status-details-bin')[0] as Buffer);
        assert.equal(
          status.details[0]!.type_url,
          'type.googleapis.com/temporal.api.errordetails.v1.MultiOperationExecutionFailure',
        );
        const { statuses } = proto.temporal.api.errordetails.v1.MultiOperationExecutionFailure.decode(
          status.details[0]!.value!,
        );
        assert.deepEqual(
          statuses.map((s) => [s.code, s.details?.[0]?.type_url?.replace('type.googleapis.com/', '')]),
          [
            [6, 'temporal.api.errordetails.v1.WorkflowExecutionAlreadyStartedFailure'],
            [10 /* ABORTED */, 'temporal.api.failure.v1.MultiOperationExecutionAborted'],
          ],
        );
        const started = proto.temporal.api.errordetails.v1.WorkflowExecutionAlreadyStartedFailure.decode(
          statuses[0]!.details![0]!.value!,
        );
        assert.equal(started.runId, running.firstExecutionRunId);
        assert.match(statuses[0]!.message ?? '', /Workflow execution is already running/);
      } finally {
        await running.terminate('conflict test done');
      }
    },
  );
});

describe('devserver conformance: an admitted update survives a server restart', () => {
  const data = temporaryDirectory('updates-restart');
  const services: RunningTemporalService[] = [];
  after(async () => {
    for (const service of services) await service.stop();
    data.remove();
  });

  it('is delivered to the workflow after the restart and completes', { timeout: 120_000 }, async () => {
    installQuietRuntime();
    assertServiceAvailable();
    const dbFile = join(data.path, 'devserver.db');
    const port = await freePort();
    const taskQueue = uniqueTaskQueue('updates-restart');
    const workflowId = uniqueWorkflowId('update-restart');
    const updateId = uniqueWorkflowId('update-restart-id');

    const first = await startTemporalService({ dbFile, port });
    services.push(first);
    const beforeRestart = await connectAll(first.address, first.namespace);
    const handle = await beforeRestart.client.workflow.start(counterWithUpdates, { taskQueue, workflowId });
    // No worker yet: the update can only be admitted. A real server refuses a request waiting for ADMITTED only, so
    // the request waits for ACCEPTED (it ends with the server) and a poll, which may ask for ADMITTED, sees it.
    const pending = beforeRestart.client.workflowService
      .updateWorkflowExecution({
        namespace: first.namespace,
        workflowExecution: { workflowId },
        waitPolicy: { lifecycleStage: 2 /* ACCEPTED */ },
        request: {
          meta: { updateId, identity: 'conformance' },
          input: {
            name: 'add',
            args: { payloads: [{ metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('6') }] },
          },
        },
      })
      .catch(() => undefined);
    const deadline = Date.now() + 30_000;
    let admittedStage: number | null | undefined;
    while (admittedStage !== 1 && Date.now() < deadline) {
      admittedStage = await beforeRestart.client.workflowService
        .pollWorkflowExecutionUpdate({
          namespace: first.namespace,
          updateRef: { workflowExecution: { workflowId }, updateId },
          waitPolicy: { lifecycleStage: 1 /* ADMITTED */ },
        })
        .then((response) => response.stage)
        .catch(() => undefined);
      if (admittedStage !== 1) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(admittedStage, 1);
    await first.stop();
    await pending;
    await beforeRestart.nativeConnection.close();
    await beforeRestart.connection.close();

    const second = await startTemporalService({ dbFile, port });
    services.push(second);
    const afterRestart = await connectAll(second.address, second.namespace);
    const worker = await Worker.create({
      connection: afterRestart.nativeConnection,
      taskQueue,
      workflowBundle: await fixtureWorkflowBundle(),
      activities,
      shutdownGraceTime: '1s',
    });
    await worker.runUntil(async () => {
      const restarted = afterRestart.client.workflow.getHandle(workflowId, handle.firstExecutionRunId);
      assert.equal(await restarted.getUpdateHandle<number>(updateId).result(), 6);
      await restarted.signal(releaseSignal, 'done');
      assert.equal(await restarted.result(), 6);
    });
    await afterRestart.nativeConnection.close();
    await afterRestart.connection.close();
  });
});

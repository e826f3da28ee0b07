// Crash tests: (a) SIGKILL the worker process in the middle of an activity, a new worker process finishes the
// workflow; (b) kill -9 the devserver persisting to --db-filename while workflows run, restart it on the same file
// and port, and every workflow completes with its correct result (pending timers fire).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Worker } from '@temporalio/worker';
import { freePort, startTemporalService, type RunningTemporalService } from '../../../workers/temporal-service.js';
import {
  CONFORMANCE_FIXTURES,
  ConformanceServer,
  REPO_ROOT,
  assertServiceAvailable,
  connectAll,
  eventually,
  fixtureWorkflowBundle,
  historyEventTypes,
  installQuietRuntime,
  temporaryDirectory,
  uniqueTaskQueue,
  uniqueWorkflowId,
  waitForEvent,
} from '../../support/temporal.js';
import * as activities from './fixtures/activities.js';
import { echo, releaseSignal, runActivity, sleepThenReturn, waitForRelease } from './fixtures/workflows.js';

function spawnWorkerProcess(address: string, taskQueue: string): ChildProcess {
  return spawn(
    process.execPath,
    ['--import', 'tsx', join(CONFORMANCE_FIXTURES, 'worker-process.ts'), address, taskQueue],
    {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
}

async function killAndWait(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const escalation = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(escalation);
}

describe('devserver conformance: crashes', () => {
  describe('(a) the worker process dies mid-activity', () => {
    let server: ConformanceServer;
    const workerProcesses: ChildProcess[] = [];
    const markers = temporaryDirectory('crash-worker');
    before(async () => {
      server = await ConformanceServer.start();
    });
    after(async () => {
      for (const child of workerProcesses) await killAndWait(child, 'SIGTERM');
      await server?.stop();
      markers.remove();
    });

    it('retries the activity on a new worker process after its heartbeat timeout', { timeout: 120_000 }, async () => {
      const taskQueue = uniqueTaskQueue('crash-worker');
      const handle = await server.client.workflow.start(runActivity, {
        taskQueue,
        workflowId: uniqueWorkflowId('crash-worker'),
        args: [
          {
            name: 'hangOnFirstAttempt',
            args: [markers.path],
            options: {
              startToCloseTimeout: '60s',
              heartbeatTimeout: '1s',
              retry: { initialInterval: '100ms', maximumAttempts: 3 },
            },
          },
        ],
      });
      const first = spawnWorkerProcess(server.address, taskQueue);
      workerProcesses.push(first);
      const firstAttempt = join(markers.path, 'attempt-1');
      await eventually(
        'the first attempt to start in the first worker process',
        async () => (existsSync(firstAttempt) ? true : undefined),
        60_000,
      );
      assert.equal(readFileSync(firstAttempt, 'utf8'), String(first.pid));
      await killAndWait(first, 'SIGKILL');

      const second = spawnWorkerProcess(server.address, taskQueue);
      workerProcesses.push(second);
      assert.equal(await handle.result(), 'completed on attempt 2');
      assert.equal(
        readFileSync(join(markers.path, 'attempt-2'), 'utf8'),
        String(second.pid),
        'the retry ran in the new process',
      );
      const types = await historyEventTypes(handle);
      assert.ok(
        !types.includes('ActivityTaskFailed') && !types.includes('ActivityTaskTimedOut'),
        'the timed-out attempt was retried, not recorded as final',
      );
      assert.equal(types.at(-1), 'WorkflowExecutionCompleted');
    });
  });

  describe('(b) the devserver is killed with -9 and restarted on the same database file and port', () => {
    const data = temporaryDirectory('crash-server');
    const services: RunningTemporalService[] = [];
    after(async () => {
      for (const service of services) await service.stop();
      data.remove();
    });

    it(
      'completes every running workflow with its correct result, and a pending timer fires',
      { timeout: 120_000 },
      async () => {
        installQuietRuntime();
        assertServiceAvailable();
        const dbFile = join(data.path, 'devserver.db');
        const port = await freePort();
        const first = await startTemporalService({ dbFile, port });
        services.push(first);
        const { connection, client, nativeConnection } = await connectAll(first.address, first.namespace);
        const taskQueue = uniqueTaskQueue('crash-server');
        const worker = await Worker.create({
          connection: nativeConnection,
          taskQueue,
          workflowBundle: await fixtureWorkflowBundle(),
          activities,
          shutdownGraceTime: '1s',
        });
        const workerRun = worker.run();
        try {
          const done = await client.workflow.start(echo<string>, {
            taskQueue,
            workflowId: uniqueWorkflowId('crash-done'),
            args: ['finished before the crash'],
          });
          assert.equal(await done.result(), 'finished before the crash');
          const timer = await client.workflow.start(sleepThenReturn, {
            taskQueue,
            workflowId: uniqueWorkflowId('crash-timer'),
            args: [4_000, 'timer fired'],
          });
          const activity = await client.workflow.start(runActivity, {
            taskQueue,
            workflowId: uniqueWorkflowId('crash-activity'),
            args: [
              {
                name: 'workWithHeartbeats',
                args: [2_500, 'activity finished'],
                options: { startToCloseTimeout: '5s', heartbeatTimeout: '2s', retry: { initialInterval: '200ms' } },
              },
            ],
          });
          const waiting = await client.workflow.start(waitForRelease, {
            taskQueue,
            workflowId: uniqueWorkflowId('crash-signal'),
          });
          await waitForEvent(timer, 'TimerStarted');
          await waitForEvent(activity, 'ActivityTaskScheduled');
          await waitForEvent(waiting, 'WorkflowTaskCompleted');
          await new Promise((resolve) => setTimeout(resolve, 500)); // the activity is now running in the worker

          const firstProcess = first.process;
          assert.ok(firstProcess, 'the test started the devserver itself');
          await killAndWait(firstProcess, 'SIGKILL');

          const second = await startTemporalService({ dbFile, port });
          services.push(second);
          await waiting.signal(releaseSignal, 'signal after restart');
          assert.deepEqual(await Promise.all([done.result(), timer.result(), activity.result(), waiting.result()]), [
            'finished before the crash',
            'timer fired',
            'activity finished',
            'signal after restart',
          ]);
          const timerTypes = await historyEventTypes(timer);
          assert.equal(
            timerTypes.filter((type) => type === 'TimerStarted').length,
            1,
            'the timer was started once, before the crash',
          );
          assert.ok(
            timerTypes.indexOf('TimerStarted') < timerTypes.indexOf('TimerFired'),
            'the pending timer fired after the restart',
          );
          assert.equal(worker.getState(), 'RUNNING', 'the same worker reconnected to the restarted server');
        } finally {
          worker.shutdown();
          await workerRun.catch(() => {});
          await nativeConnection.close().catch(() => {});
          await connection.close().catch(() => {});
        }
      },
    );
  });
});

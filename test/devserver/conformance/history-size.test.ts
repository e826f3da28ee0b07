// History size and the continue-as-new suggestion in the workflow task started event (workflowInfo().historySize,
// continueAsNewSuggested), with the real server's dynamic config keys for the thresholds.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import proto from '@temporalio/proto';
import { ConformanceServer, uniqueTaskQueue, uniqueWorkflowId, type BackgroundWorker } from '../../support/temporal.js';
import { untilContinueAsNewSuggested } from './fixtures/workflows.js';

const HistoryEvent = proto.temporal.api.history.v1.HistoryEvent;

async function withServer(
  extraArgs: string[],
  body: (server: ConformanceServer, taskQueue: string) => Promise<void>,
): Promise<void> {
  const server = await ConformanceServer.start({ extraArgs });
  const taskQueue = uniqueTaskQueue('history-size');
  let worker: BackgroundWorker | undefined;
  try {
    worker = await server.startBackgroundWorker(taskQueue);
    await body(server, taskQueue);
  } finally {
    await worker?.stop();
    await server.stop();
  }
}

describe('devserver conformance: history size and continue-as-new suggestion', () => {
  describe('with the default thresholds (4096 events, 4 MiB)', () => {
    let server: ConformanceServer;
    let worker: BackgroundWorker;
    const taskQueue = uniqueTaskQueue('history-size-default');
    before(async () => {
      server = await ConformanceServer.start();
      worker = await server.startBackgroundWorker(taskQueue);
    });
    after(async () => {
      await worker?.stop();
      await server?.stop();
    });

    it(
      'reports a history size that grows with the history and matches its encoded size',
      { timeout: 60_000 },
      async () => {
        const workflowId = uniqueWorkflowId('history-size');
        const report = await server.client.workflow.execute(untilContinueAsNewSuggested, {
          taskQueue,
          workflowId,
          args: [8],
        });
        assert.equal(report.steps, 8);
        assert.equal(report.continueAsNewSuggested, false);
        assert.ok(report.sizes[0]! > 0, `history size after the first step: ${report.sizes[0]}`);
        for (let i = 1; i < report.sizes.length; i++)
          assert.ok(report.sizes[i]! > report.sizes[i - 1]!, `history size must grow: ${report.sizes.join(', ')}`);
        // The last task's started event: its size is the encoded size of every event before it.
        const history = await server.client.workflow.getHandle(workflowId).fetchHistory();
        const events = history.events ?? [];
        const lastStarted = events.filter((e) => e.workflowTaskStartedEventAttributes).at(-1)!;
        const before = events.filter((e) => Number(e.eventId) < Number(lastStarted.eventId));
        const encoded = before.reduce((sum, e) => sum + HistoryEvent.encode(e).finish().length, 0);
        const reported = Number(lastStarted.workflowTaskStartedEventAttributes!.historySizeBytes);
        assert.equal(report.historySize, reported);
        assert.ok(Math.abs(reported - encoded) <= encoded * 0.05, `reported ${reported}, encoded ${encoded}`);
        const described = await server.client.workflow.getHandle(workflowId).describe();
        assert.ok((described.historySize ?? 0) >= reported, `describe: ${described.historySize}`);
      },
    );
  });

  it(
    'suggests continue-as-new once the history reaches limit.historyCount.suggestContinueAsNew',
    { timeout: 90_000 },
    async () => {
      await withServer(['--dynamic-config-value', 'limit.historyCount.suggestContinueAsNew=30'], async (server, tq) => {
        const report = await server.client.workflow.execute(untilContinueAsNewSuggested, {
          taskQueue: tq,
          workflowId: uniqueWorkflowId('suggest-count'),
          args: [50],
        });
        assert.equal(report.continueAsNewSuggested, true);
        assert.ok(report.steps < 50, `suggested after ${report.steps} steps`);
        assert.ok(report.historyLength >= 30, `suggested at history length ${report.historyLength}`);
        assert.ok(report.historyLength < 40, `suggested late, at history length ${report.historyLength}`);
      });
    },
  );

  it(
    'suggests continue-as-new once the history reaches limit.historySize.suggestContinueAsNew',
    { timeout: 90_000 },
    async () => {
      await withServer(
        ['--dynamic-config-value', 'limit.historySize.suggestContinueAsNew=3000'],
        async (server, tq) => {
          const report = await server.client.workflow.execute(untilContinueAsNewSuggested, {
            taskQueue: tq,
            workflowId: uniqueWorkflowId('suggest-size'),
            args: [200],
          });
          assert.equal(report.continueAsNewSuggested, true);
          assert.ok(report.historySize >= 3000, `suggested at ${report.historySize} bytes`);
          assert.ok(report.sizes.filter((size) => size >= 3000).length === 1, `sizes: ${report.sizes.join(', ')}`);
        },
      );
    },
  );
});

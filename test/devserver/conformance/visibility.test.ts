// Visibility: list and count with WorkflowId / WorkflowType / ExecutionStatus / TaskQueue filters (and AND),
// search attributes and memo given at start or upserted by the workflow.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { WorkflowExecutionInfo } from '@temporalio/client';
import {
  ConformanceServer,
  eventually,
  uniqueTaskQueue,
  uniqueWorkflowId,
  type BackgroundWorker,
} from '../../support/temporal.js';
import {
  CONFORMANCE_KEYWORD,
  echo,
  failWorkflow,
  releaseSignal,
  upsertThenWait,
  waitForRelease,
} from './fixtures/workflows.js';

async function listIds(server: ConformanceServer, query: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const execution of server.client.workflow.list({ query })) ids.push(execution.workflowId);
  return ids.sort();
}

async function listOne(server: ConformanceServer, query: string): Promise<WorkflowExecutionInfo[]> {
  const executions: WorkflowExecutionInfo[] = [];
  for await (const execution of server.client.workflow.list({ query })) executions.push(execution);
  return executions;
}

describe('devserver conformance: visibility, search attributes and memo', () => {
  let server: ConformanceServer;
  let worker: BackgroundWorker;
  const taskQueue = uniqueTaskQueue('visibility');
  const ids = {
    echoA: uniqueWorkflowId('vis-echo-a'),
    echoB: uniqueWorkflowId('vis-echo-b'),
    running: uniqueWorkflowId('vis-running'),
    failed: uniqueWorkflowId('vis-failed'),
  };

  before(async () => {
    server = await ConformanceServer.start({
      extraArgs: ['--search-attribute', `${CONFORMANCE_KEYWORD.name}=Keyword`],
    });
    worker = await server.startBackgroundWorker(taskQueue);
    const { client } = server;
    await (await client.workflow.start(echo<string>, { taskQueue, workflowId: ids.echoA, args: ['a'] })).result();
    await (await client.workflow.start(echo<string>, { taskQueue, workflowId: ids.echoB, args: ['b'] })).result();
    await client.workflow.start(waitForRelease, { taskQueue, workflowId: ids.running });
    const failed = await client.workflow.start(failWorkflow, {
      taskQueue,
      workflowId: ids.failed,
      args: ['for visibility'],
    });
    await assert.rejects(failed.result());
  });
  after(async () => {
    await worker?.stop();
    await server?.stop();
  });

  const inQueue = `TaskQueue = "${taskQueue}"`;

  it('lists by WorkflowId and fills the execution info', { timeout: 60_000 }, async () => {
    const [execution] = await eventually('the workflow in the list', async () => {
      const found = await listOne(server, `WorkflowId = "${ids.echoA}"`);
      return found.length === 1 ? found : undefined;
    });
    assert.equal(execution?.workflowId, ids.echoA);
    assert.equal(execution?.type, 'echo');
    assert.equal(execution?.taskQueue, taskQueue);
    assert.equal(execution?.status.name, 'COMPLETED');
    assert.ok(execution?.startTime instanceof Date);
    assert.ok((execution?.historyLength ?? 0) > 0);
  });

  it(
    'filters by TaskQueue, WorkflowType and ExecutionStatus, alone and combined with AND',
    { timeout: 60_000 },
    async () => {
      assert.deepEqual(await listIds(server, inQueue), Object.values(ids).sort());
      assert.deepEqual(await listIds(server, `${inQueue} AND WorkflowType = "echo"`), [ids.echoA, ids.echoB].sort());
      assert.deepEqual(await listIds(server, `${inQueue} AND ExecutionStatus = "Running"`), [ids.running]);
      assert.deepEqual(await listIds(server, `${inQueue} AND ExecutionStatus = "Failed"`), [ids.failed]);
      assert.deepEqual(
        await listIds(server, `WorkflowType = "echo" AND ExecutionStatus = "Completed" AND ${inQueue}`),
        [ids.echoA, ids.echoB].sort(),
      );
      assert.deepEqual(await listIds(server, `${inQueue} AND WorkflowType = "noSuchType"`), []);
    },
  );

  it('applies the filters of the legacy ListOpenWorkflowExecutions', { timeout: 60_000 }, async () => {
    const listOpen = async (filter: object) =>
      (
        await server.client.workflowService.listOpenWorkflowExecutions({
          namespace: server.namespace,
          maximumPageSize: 100,
          ...filter,
        })
      ).executions?.map((e) => e.execution?.workflowId) ?? [];
    assert.deepEqual(await listOpen({ executionFilter: { workflowId: ids.running } }), [ids.running]);
    assert.deepEqual(await listOpen({ executionFilter: { workflowId: ids.echoA } }), [], 'a closed run is not open');
    assert.ok((await listOpen({ typeFilter: { name: 'waitForRelease' } })).includes(ids.running));
    assert.deepEqual(await listOpen({ typeFilter: { name: 'echo' } }), []);
    const future = { seconds: Math.floor(Date.now() / 1000) + 3600 };
    assert.deepEqual(await listOpen({ startTimeFilter: { earliestTime: future } }), [], 'none started in an hour');
  });

  it(
    'reads queries as the SQLite visibility store of temporal server start-dev does',
    { timeout: 60_000 },
    async () => {
      const refused = async (query: string, text: RegExp) =>
        assert.rejects(listIds(server, query), (err: unknown) => {
          const { code, details } = ((err as { cause?: unknown }).cause ?? err) as { code?: number; details?: string };
          assert.equal(code, 3 /* INVALID_ARGUMENT */, `${query}: ${details}`);
          assert.match(details ?? '', text, query);
          return true;
        });
      await refused(`ExecutionStatus = 'Bogus'`, /invalid ExecutionStatus value 'Bogus'/);
      await refused(`StartTime > '2020-01-01'`, /unable to parse datetime/);
      await refused(`${inQueue} ORDER BY StartTime`, /'order by' clause/);
      await refused(`BuildIds > 'a'`, /operator '>' not supported for KeywordList/);
      await refused(`BuildIds STARTS_WITH 'a'`, /operator 'STARTS_WITH' not supported for KeywordList/);
      await refused(`HistoryLength > 0 AND BuildIds BETWEEN 'a' AND 'b'`, /cannot do range condition/);
      const all = [ids.echoA, ids.echoB, ids.failed, ids.running].sort();
      assert.deepEqual(await listIds(server, `${inQueue} AND ExecutionStatus = 2`), [ids.echoA, ids.echoB].sort());
      assert.deepEqual(await listIds(server, `${inQueue} AND ExecutionStatus = 'Running'`), [ids.running]);
      assert.deepEqual(
        await listIds(server, `${inQueue} AND NOT (WorkflowId = '${ids.echoA}')`),
        all.filter((id) => id !== ids.echoA),
      );
      assert.deepEqual(
        await listIds(server, `${inQueue} AND WorkflowId NOT STARTS_WITH 'vis-echo'`),
        [ids.failed, ids.running].sort(),
      );
      assert.deepEqual(await listIds(server, '`TaskQueue` = ' + `'${taskQueue}'`), all);
      assert.deepEqual(await listIds(server, `${inQueue} AND StartTime > 0`), all);
      assert.deepEqual(await listIds(server, `${inQueue} AND StartTime < ${Date.now() + 3_600_000}000000`), all);
      // Closed runs have a duration (close − execution time); the open one has none.
      assert.deepEqual(
        await listIds(server, `${inQueue} AND ExecutionDuration >= 0`),
        [ids.echoA, ids.echoB, ids.failed].sort(),
      );
      assert.deepEqual(await listIds(server, `${inQueue} AND ExecutionDuration > '1h'`), []);
      assert.deepEqual(await listIds(server, `${inQueue} AND StateTransitionCount > 0`), all);
    },
  );

  it('counts with the same filters', { timeout: 60_000 }, async () => {
    assert.equal((await server.client.workflow.count(inQueue)).count, 4);
    assert.equal((await server.client.workflow.count(`${inQueue} AND ExecutionStatus = "Completed"`)).count, 2);
    assert.equal((await server.client.workflow.count(`${inQueue} AND WorkflowType = "waitForRelease"`)).count, 1);
    assert.equal((await server.client.workflow.count(`WorkflowId = "${ids.failed}"`)).count, 1);
  });

  it(
    'stores search attributes given at start: describe shows them, list filters on them',
    { timeout: 60_000 },
    async () => {
      const workflowId = uniqueWorkflowId('vis-sa-start');
      const handle = await server.client.workflow.start(waitForRelease, {
        taskQueue,
        workflowId,
        typedSearchAttributes: [{ key: CONFORMANCE_KEYWORD, value: `start-${workflowId}` }],
      });
      const description = await handle.describe();
      assert.equal(description.typedSearchAttributes.get(CONFORMANCE_KEYWORD), `start-${workflowId}`);
      assert.deepEqual(await listIds(server, `${CONFORMANCE_KEYWORD.name} = "start-${workflowId}"`), [workflowId]);
      await handle.signal(releaseSignal, 'done');
      await handle.result();
    },
  );

  it('applies upserted search attributes and memo: describe and list see them', { timeout: 60_000 }, async () => {
    const workflowId = uniqueWorkflowId('vis-upsert');
    const keyword = `upserted-${workflowId}`;
    const handle = await server.client.workflow.start(upsertThenWait, {
      taskQueue,
      workflowId,
      args: [keyword],
      memo: { owner: 'test' },
    });
    const description = await eventually('the upserted search attribute', async () => {
      const current = await handle.describe();
      return current.typedSearchAttributes.get(CONFORMANCE_KEYWORD) === keyword ? current : undefined;
    });
    assert.deepEqual(description.memo, { owner: 'test', note: `memo for ${keyword}` });
    assert.deepEqual(
      await listIds(server, `${CONFORMANCE_KEYWORD.name} = "${keyword}" AND ExecutionStatus = "Running"`),
      [workflowId],
    );
    const events = (await handle.fetchHistory()).events ?? [];
    assert.ok(
      events.some((event) => event.upsertWorkflowSearchAttributesEventAttributes),
      'UpsertWorkflowSearchAttributes event',
    );
    assert.ok(
      events.some((event) => event.workflowPropertiesModifiedEventAttributes),
      'WorkflowPropertiesModified event',
    );
    await handle.signal(releaseSignal, 'done');
    await handle.result();
  });
});

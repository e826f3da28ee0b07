// Typed search attributes end to end: registered through OperatorService on the same port, validated on start and on
// upsert (INVALID_ARGUMENT / BAD_SEARCH_ATTRIBUTES for an unregistered name or a wrongly typed value), returned with
// their type so typedSearchAttributes reads values given as untyped searchAttributes; the visibility operators on
// StartTime / CloseTime / custom attributes; and ListSchedules queries.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { defineSearchAttributeKey } from '@temporalio/common';
import { join } from 'node:path';
import { startTemporalService, type RunningTemporalService } from '../../../workers/temporal-service.js';
import {
  ConformanceServer,
  assertServiceAvailable,
  connectAll,
  eventually,
  installQuietRuntime,
  temporaryDirectory,
  uniqueTaskQueue,
  uniqueWorkflowId,
  type BackgroundWorker,
} from '../../support/temporal.js';
import { echo, upsertUnregistered, waitForRelease } from './fixtures/workflows.js';

const INT_KEY = defineSearchAttributeKey('ConformanceInt', 'INT');
const TIME_KEY = defineSearchAttributeKey('ConformanceTime', 'DATETIME');
const REMOVED = 'ConformanceRemoved';
const INVALID_ARGUMENT = 3;

const cause = (err: unknown) => (err as { cause?: { code?: number; message?: string } }).cause ?? {};

describe('devserver conformance: typed search attributes and visibility operators', () => {
  let server: ConformanceServer;
  let worker: BackgroundWorker;
  const taskQueue = uniqueTaskQueue('search-attributes');
  before(async () => {
    server = await ConformanceServer.start();
    worker = await server.startBackgroundWorker(taskQueue);
    await server.connection.operatorService.addSearchAttributes({
      namespace: server.namespace,
      searchAttributes: { [INT_KEY.name]: 3 /* INT */, [TIME_KEY.name]: 6 /* DATETIME */, [REMOVED]: 2 },
    });
  });
  after(async () => {
    await worker?.stop();
    await server?.stop();
  });

  const listIds = async (query: string) => {
    const ids: string[] = [];
    for await (const execution of server.client.workflow.list({ query })) ids.push(execution.workflowId);
    return ids.sort();
  };

  it('lists added search attributes and removes one with OperatorService', { timeout: 30_000 }, async () => {
    const listed = await server.connection.operatorService.listSearchAttributes({ namespace: server.namespace });
    assert.equal(listed.customAttributes?.[INT_KEY.name], 3);
    assert.equal(listed.customAttributes?.[TIME_KEY.name], 6);
    assert.equal(listed.systemAttributes?.WorkflowId, 2);
    await server.connection.operatorService.removeSearchAttributes({
      namespace: server.namespace,
      searchAttributes: [REMOVED],
    });
    const after = await server.connection.operatorService.listSearchAttributes({ namespace: server.namespace });
    assert.equal(after.customAttributes?.[REMOVED], undefined);
    await assert.rejects(
      server.client.workflow.start(echo<string>, {
        taskQueue,
        workflowId: uniqueWorkflowId('removed-sa'),
        args: ['x'],
        searchAttributes: { [REMOVED]: ['x'] },
      }),
      (err: unknown) => cause(err).code === INVALID_ARGUMENT && /is not defined/.test(cause(err).message ?? ''),
    );
  });

  it(
    'returns values set as untyped searchAttributes with their type (Datetime as a Date)',
    { timeout: 60_000 },
    async () => {
      const when = new Date('2026-03-04T05:06:07.000Z');
      const handle = await server.client.workflow.start(echo<string>, {
        taskQueue,
        workflowId: uniqueWorkflowId('typed'),
        args: ['x'],
        searchAttributes: { [INT_KEY.name]: [42], [TIME_KEY.name]: [when] },
      });
      await handle.result();
      const described = await handle.describe();
      assert.equal(described.typedSearchAttributes.get(INT_KEY), 42);
      const time = described.typedSearchAttributes.get(TIME_KEY);
      assert.ok(time instanceof Date, `Datetime comes back as ${typeof time}`);
      assert.equal(time.toISOString(), when.toISOString());
    },
  );

  it('refuses an unregistered name and a wrongly typed value with INVALID_ARGUMENT', { timeout: 30_000 }, async () => {
    await assert.rejects(
      server.client.workflow.start(echo<string>, {
        taskQueue,
        workflowId: uniqueWorkflowId('unregistered'),
        args: ['x'],
        searchAttributes: { NobodyRegisteredThis: ['x'] },
      }),
      (err: unknown) =>
        cause(err).code === INVALID_ARGUMENT &&
        /search attribute NobodyRegisteredThis is not defined/.test(cause(err).message ?? ''),
    );
    await assert.rejects(
      server.client.workflow.start(echo<string>, {
        taskQueue,
        workflowId: uniqueWorkflowId('wrong-type'),
        args: ['x'],
        searchAttributes: { [INT_KEY.name]: ['not a number'] },
      }),
      (err: unknown) =>
        cause(err).code === INVALID_ARGUMENT &&
        /invalid value for search attribute ConformanceInt of type Int/.test(cause(err).message ?? ''),
    );
  });

  it('fails the workflow task of an upsert of an unregistered attribute', { timeout: 60_000 }, async () => {
    const handle = await server.client.workflow.start(upsertUnregistered, {
      taskQueue,
      workflowId: uniqueWorkflowId('upsert-unregistered'),
    });
    const failed = await eventually('a failed workflow task', async () => {
      const history = await handle.fetchHistory();
      return (
        history.events?.find((e) => e.workflowTaskFailedEventAttributes)?.workflowTaskFailedEventAttributes ?? undefined
      );
    });
    assert.equal(failed.cause, 23 /* BAD_SEARCH_ATTRIBUTES */);
    assert.match(failed.failure?.message ?? '', /ConformanceUnregistered is not defined/);
    await handle.terminate('test done');
  });

  it(
    'filters with >, <, BETWEEN, STARTS_WITH and IS [NOT] NULL on StartTime, CloseTime and custom attributes',
    { timeout: 60_000 },
    async () => {
      const prefix = uniqueWorkflowId('ops');
      const before = new Date(Date.now() - 1000).toISOString();
      const done = `${prefix}-done`;
      const running = `${prefix}-running`;
      await server.client.workflow.execute(echo<string>, {
        taskQueue,
        workflowId: done,
        args: ['x'],
        searchAttributes: { [INT_KEY.name]: [7] },
      });
      const open = await server.client.workflow.start(waitForRelease, {
        taskQueue,
        workflowId: running,
        searchAttributes: { [INT_KEY.name]: [20] },
      });
      const later = new Date(Date.now() + 60_000).toISOString();
      const scoped = (query: string) => listIds(`WorkflowId STARTS_WITH '${prefix}' AND ${query}`);
      assert.deepEqual(await scoped(`StartTime > '${before}'`), [done, running]);
      assert.deepEqual(await scoped(`StartTime > '${later}'`), []);
      assert.deepEqual(await scoped(`StartTime BETWEEN '${before}' AND '${later}'`), [done, running]);
      assert.deepEqual(await scoped(`CloseTime IS NOT NULL`), [done]);
      assert.deepEqual(await scoped(`CloseTime IS NULL`), [running]);
      assert.deepEqual(await scoped(`${INT_KEY.name} >= 10`), [running]);
      assert.deepEqual(await scoped(`${INT_KEY.name} < 10`), [done]);
      assert.deepEqual(await scoped(`ExecutionTime <= '${later}'`), [done, running]);
      await assert.rejects(listIds(`NotAnAttribute = 'x'`), (err: unknown) => cause(err).code === INVALID_ARGUMENT);
      await open.terminate('test done');
    },
  );

  it('filters ListSchedules with a query', { timeout: 60_000 }, async () => {
    const prefix = uniqueWorkflowId('sched-query');
    const make = (scheduleId: string, paused: boolean) =>
      server.client.schedule.create({
        scheduleId,
        spec: { intervals: [{ every: '1h' }] },
        action: { type: 'startWorkflow', workflowType: echo, args: ['x'], taskQueue },
        state: { paused },
      });
    const a = await make(`${prefix}-a`, true);
    const b = await make(`${prefix}-b`, false);
    const ids = async (query: string) => {
      const found: string[] = [];
      for await (const schedule of server.client.schedule.list({ query })) found.push(schedule.scheduleId);
      return found.sort();
    };
    assert.deepEqual(await ids(`ScheduleId STARTS_WITH '${prefix}'`), [`${prefix}-a`, `${prefix}-b`]);
    assert.deepEqual(await ids(`ScheduleId STARTS_WITH '${prefix}' AND TemporalSchedulePaused = true`), [
      `${prefix}-a`,
    ]);
    await a.delete();
    await b.delete();
  });

  it(
    'refuses a ListSchedules query on a reserved name other than TemporalSchedulePaused, as the real scheduler',
    { timeout: 30_000 },
    async () => {
      for (const field of ['WorkflowType', 'StartTime', 'ExecutionStatus', 'TemporalScheduledById']) {
        const query = field === 'StartTime' ? `StartTime > '2020-01-01T00:00:00Z'` : `${field} = 'x'`;
        await assert.rejects(
          (async () => {
            for await (const _ of server.client.schedule.list({ query })) void _;
          })(),
          (err: unknown) => {
            // The SDK's schedule client wraps the gRPC error in a ServiceError.
            const { code, details } = ((err as { cause?: unknown }).cause ?? err) as {
              code?: number;
              details?: string;
            };
            assert.equal(code, INVALID_ARGUMENT, `${query}: ${details}`);
            assert.equal(details, `invalid query filter for schedules: cannot filter on "${field}"`);
            return true;
          },
        );
      }
    },
  );

  it(
    "AddSearchAttributes needs a namespace and stops at the SQL store's columns per type",
    { timeout: 30_000 },
    async () => {
      const operator = server.connection.operatorService;
      const refusedWith = (call: Promise<unknown>, text: string) =>
        assert.rejects(call, (err: unknown) => {
          const { code, details } = err as { code?: number; details?: string };
          assert.equal(code, INVALID_ARGUMENT, details);
          assert.equal(details, text);
          return true;
        });
      await refusedWith(
        operator.addSearchAttributes({ searchAttributes: { NoNamespace: 2 } }),
        'Namespace not set on request.',
      );
      await refusedWith(
        operator.addSearchAttributes({ namespace: server.namespace, searchAttributes: { TemporalMine: 2 } }),
        'Search attribute TemporalMine is reserved by system.',
      );
      // Three Bool columns (Bool01-03): a fourth Bool is refused and none of the request's attributes is added.
      await operator.addSearchAttributes({
        namespace: server.namespace,
        searchAttributes: { ConformanceBool1: 5, ConformanceBool2: 5 },
      });
      await refusedWith(
        operator.addSearchAttributes({
          namespace: server.namespace,
          searchAttributes: { ConformanceBool3: 5, ConformanceBool4: 5 },
        }),
        'Unable to create search attributes: cannot have more than 3 search attribute of type Bool.',
      );
      const listed = await operator.listSearchAttributes({ namespace: server.namespace });
      assert.equal(listed.customAttributes?.ConformanceBool3, undefined);
      assert.equal(listed.customAttributes?.NoNamespace, undefined);
    },
  );

  it(
    'tags a scheduled run with TemporalScheduledById and TemporalScheduledStartTime',
    { timeout: 60_000 },
    async () => {
      const scheduleId = uniqueWorkflowId('sched-tagged');
      const schedule = await server.client.schedule.create({
        scheduleId,
        spec: { intervals: [{ every: '1h' }] },
        action: { type: 'startWorkflow', workflowType: echo, args: ['x'], taskQueue },
      });
      await schedule.trigger();
      const ids = await eventually('the triggered run', async () => {
        const found = await listIds(`TemporalScheduledById = '${scheduleId}'`);
        return found.length > 0 ? found : undefined;
      });
      const described = await server.client.workflow.getHandle(ids[0]!).describe();
      const scheduledAt = described.typedSearchAttributes.get(
        defineSearchAttributeKey('TemporalScheduledStartTime', 'DATETIME'),
      );
      assert.ok(scheduledAt instanceof Date, 'TemporalScheduledStartTime is a Datetime');
      await schedule.delete();
    },
  );
});

describe('devserver conformance: search attributes added at run time survive a restart', () => {
  const data = temporaryDirectory('search-attributes-restart');
  const services: RunningTemporalService[] = [];
  after(async () => {
    for (const service of services) await service.stop();
    data.remove();
  });

  it('lists an attribute added before the restart, from the same database', { timeout: 60_000 }, async () => {
    installQuietRuntime();
    assertServiceAvailable();
    const dbFile = join(data.path, 'devserver.db');
    const first = await startTemporalService({ dbFile });
    services.push(first);
    const beforeRestart = await connectAll(first.address, first.namespace);
    await beforeRestart.connection.operatorService.addSearchAttributes({
      namespace: first.namespace,
      searchAttributes: { ConformancePersisted: 4 /* DOUBLE */ },
    });
    await beforeRestart.nativeConnection.close();
    await beforeRestart.connection.close();
    await first.stop();

    const second = await startTemporalService({ dbFile });
    services.push(second);
    const afterRestart = await connectAll(second.address, second.namespace);
    try {
      const listed = await afterRestart.connection.operatorService.listSearchAttributes({
        namespace: second.namespace,
      });
      assert.equal(listed.customAttributes?.ConformancePersisted, 4);
    } finally {
      await afterRestart.nativeConnection.close();
      await afterRestart.connection.close();
    }
  });
});

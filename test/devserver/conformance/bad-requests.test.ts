// Bad requests get precise gRPC errors (never a crash), and the server keeps serving after garbage.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { credentials, makeGenericClientConstructor, status, type ServiceError } from '@grpc/grpc-js';
import { ConformanceServer, uniqueTaskQueue, uniqueWorkflowId } from '../../support/temporal.js';
import { echo } from './fixtures/workflows.js';

const hasCode = (code: status) => (err: Error & { code?: number }) => {
  assert.equal(err.code, code, `gRPC code ${code} expected, got ${err.code}: ${err.message}`);
  return true;
};

/** Sends raw bytes as the request message of a WorkflowService method, bypassing protobuf encoding. */
function sendRawBytes(address: string, method: string, body: Buffer): Promise<{ error?: ServiceError }> {
  const Constructor = makeGenericClientConstructor(
    {
      [method]: {
        path: `/temporal.api.workflowservice.v1.WorkflowService/${method}`,
        requestStream: false,
        responseStream: false,
        requestSerialize: (value: Buffer) => value,
        requestDeserialize: (value: Buffer) => value,
        responseSerialize: (value: Buffer) => value,
        responseDeserialize: (value: Buffer) => value,
      },
    },
    'RawWorkflowService',
  );
  const client = new Constructor(address, credentials.createInsecure());
  return new Promise((resolve) => {
    const call = client[method] as (
      body: Buffer,
      options: { deadline: number },
      callback: (error: ServiceError | null) => void,
    ) => void;
    call.call(client, body, { deadline: Date.now() + 5_000 }, (error) => {
      client.close();
      resolve(error ? { error } : {});
    });
  });
}

describe('devserver conformance: bad requests', () => {
  let server: ConformanceServer;
  const taskQueue = uniqueTaskQueue('bad-requests');
  before(async () => {
    server = await ConformanceServer.start();
  });
  after(async () => {
    await server?.stop();
  });

  const validStart = () => ({
    namespace: server.namespace,
    workflowId: uniqueWorkflowId('bad'),
    workflowType: { name: 'echo' },
    taskQueue: { name: taskQueue },
    requestId: randomUUID(),
  });

  it(
    'rejects a start without a workflow id, type or task queue with INVALID_ARGUMENT',
    { timeout: 60_000 },
    async () => {
      const service = server.client.workflowService;
      await assert.rejects(
        service.startWorkflowExecution({ ...validStart(), workflowId: '' }),
        hasCode(status.INVALID_ARGUMENT),
      );
      await assert.rejects(
        service.startWorkflowExecution({ ...validStart(), workflowType: { name: '' } }),
        hasCode(status.INVALID_ARGUMENT),
      );
      await assert.rejects(
        service.startWorkflowExecution({ ...validStart(), taskQueue: { name: '' } }),
        hasCode(status.INVALID_ARGUMENT),
      );
      await assert.rejects(
        service.startWorkflowExecution({ ...validStart(), workflowExecutionTimeout: { seconds: -5 as never } }),
        hasCode(status.INVALID_ARGUMENT),
      );
    },
  );

  it(
    'rejects describe without a workflow id, and answers NOT_FOUND / INVALID_ARGUMENT for missing or malformed runs',
    { timeout: 60_000 },
    async () => {
      const service = server.client.workflowService;
      await assert.rejects(
        service.describeWorkflowExecution({ namespace: server.namespace, execution: { workflowId: '' } }),
        hasCode(status.INVALID_ARGUMENT),
      );
      await assert.rejects(
        service.signalWorkflowExecution({
          namespace: server.namespace,
          workflowExecution: { workflowId: uniqueWorkflowId('none') },
          signalName: 'x',
        }),
        hasCode(status.NOT_FOUND),
      );
      await assert.rejects(
        service.describeWorkflowExecution({
          namespace: server.namespace,
          execution: { workflowId: uniqueWorkflowId('none'), runId: 'not-a-run-id' },
        }),
        (err: Error & { code?: number }) => err.code === status.INVALID_ARGUMENT || err.code === status.NOT_FOUND,
      );
    },
  );

  it('answers an undecodable request message with an error, not a crash', { timeout: 60_000 }, async () => {
    const garbage = Buffer.concat([Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]), randomBytes(64)]);
    const { error } = await sendRawBytes(server.address, 'StartWorkflowExecution', garbage);
    assert.ok(error, 'garbage must not be accepted as a start');
    assert.notEqual(error.code, status.UNAVAILABLE, `the server must stay up (got ${error.message})`);
    const unknownMethod = await sendRawBytes(server.address, 'NoSuchMethod', Buffer.alloc(0));
    assert.equal(unknownMethod.error?.code, status.UNIMPLEMENTED);
  });

  it('still runs workflows end to end after the bad requests', { timeout: 60_000 }, async () => {
    const info = await server.client.workflowService.getSystemInfo({});
    assert.ok(info.capabilities, 'GetSystemInfo still answers');
    const result = await server.withWorker(taskQueue, {}, () =>
      server.client.workflow.execute(echo<string>, {
        taskQueue,
        workflowId: uniqueWorkflowId('after-bad'),
        args: ['still serving'],
      }),
    );
    assert.equal(result, 'still serving');
  });
});

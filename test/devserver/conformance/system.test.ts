// System info and namespaces, through the official SDK only.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { NamespaceNotFoundError } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { DEVSERVER_EXECUTABLE } from '../../../workers/temporal-service.js';
import {
  ConformanceServer,
  fixtureWorkflowBundle,
  installQuietRuntime,
  uniqueTaskQueue,
  uniqueWorkflowId,
} from '../../support/temporal.js';
import * as activities from './fixtures/activities.js';
import { echo } from './fixtures/workflows.js';

describe('devserver conformance: system info and namespaces', () => {
  let server: ConformanceServer;
  before(async () => {
    server = await ConformanceServer.start();
  });
  after(async () => {
    await server?.stop();
  });

  it('answers GetSystemInfo with the capabilities the SDK relies on', { timeout: 60_000 }, async () => {
    const connection = await Connection.connect({ address: server.address });
    try {
      const info = await connection.workflowService.getSystemInfo({});
      assert.equal(info.capabilities?.sdkMetadata, true, 'sdk_metadata capability');
      assert.notEqual(info.capabilities?.buildIdBasedVersioning, true, 'build-id versioning must stay off');
    } finally {
      await connection.close();
    }
  });

  it('describes the default namespace as registered', { timeout: 60_000 }, async () => {
    const response = await server.client.workflowService.describeNamespace({ namespace: 'default' });
    assert.equal(response.namespaceInfo?.name, 'default');
    assert.equal(response.namespaceInfo?.state, 1 /* NAMESPACE_STATE_REGISTERED */);
  });

  it("keeps a registered namespace's owner and data; refuses archival and global namespaces", async () => {
    const service = server.client.workflowService;
    const namespace = uniqueWorkflowId('ns');
    await service.registerNamespace({
      namespace,
      ownerEmail: 'ops@example.com',
      data: { team: 'lazarus' },
      workflowExecutionRetentionPeriod: { seconds: 86_400 } as never,
    });
    const described = await service.describeNamespace({ namespace });
    assert.equal(described.namespaceInfo?.ownerEmail, 'ops@example.com');
    assert.deepEqual({ ...described.namespaceInfo?.data }, { team: 'lazarus' });
    for (const [field, extra] of [
      ['history_archival', { historyArchivalState: 2 /* ENABLED */ }],
      ['visibility_archival', { visibilityArchivalUri: 'file:///tmp/archive' }],
      ['is_global_namespace', { isGlobalNamespace: true }],
      ['clusters', { clusters: [{ clusterName: 'standby' }] }],
    ] as const) {
      await assert.rejects(
        service.registerNamespace({ namespace: uniqueWorkflowId('ns'), ...extra } as never),
        (err: { code?: number; details?: string }) => err.code === 3 && String(err.details).includes(field),
        field,
      );
    }
  });

  it('rejects an unknown namespace with NamespaceNotFoundError', { timeout: 60_000 }, async () => {
    const client = new Client({ connection: server.connection, namespace: 'no-such-namespace' });
    await assert.rejects(
      client.workflow.start(echo, { taskQueue: 'unused', workflowId: uniqueWorkflowId('ns'), args: ['x'] }),
      (err: unknown) => err instanceof NamespaceNotFoundError && err.namespace === 'no-such-namespace',
    );
    await assert.rejects(
      client.workflowService.describeNamespace({ namespace: 'no-such-namespace' }),
      (err: Error & { code?: number }) => err.code === 5 /* NOT_FOUND */,
    );
  });

  it(
    'runs end to end under TestWorkflowEnvironment.createLocal with the devserver executable',
    { timeout: 60_000 },
    async () => {
      installQuietRuntime();
      const env = await TestWorkflowEnvironment.createLocal({
        server: { executable: { type: 'existing-path', path: DEVSERVER_EXECUTABLE } },
      });
      try {
        const taskQueue = uniqueTaskQueue('create-local');
        const worker = await Worker.create({
          connection: env.nativeConnection,
          taskQueue,
          workflowBundle: await fixtureWorkflowBundle(),
          activities,
          shutdownGraceTime: '1s',
        });
        const result = await worker.runUntil(
          env.client.workflow.execute(echo<string>, {
            taskQueue,
            workflowId: uniqueWorkflowId('create-local'),
            args: ['hello from createLocal'],
          }),
        );
        assert.equal(result, 'hello from createLocal');
      } finally {
        await env.teardown();
      }
    },
  );
});

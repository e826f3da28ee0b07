// The process log: one JSON object per line, with the workflow id on every line written from inside an activity, the
// SDK's entries in the same format with their metadata, control characters and ANSI codes never raw, and the runtime
// options that forward the SDK's Rust core lines to the same logger.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { activityLineLogger, createLazarusLogger, runtimeLogging, sdkLogSink } from '../../workers/runtime-logger.js';

/** A logger writing into an array of raw lines. */
function capture() {
  const chunks: string[] = [];
  const logger = createLazarusLogger({ write: (chunk: string) => void chunks.push(chunk) });
  const lines = () => chunks.join('').split('\n').filter(Boolean);
  const records = () => lines().map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, lines, records };
}

describe('structured logs', () => {
  it('puts the workflow id, run id and activity type on every line an activity writes', async () => {
    const { logger, records } = capture();
    const log = activityLineLogger(logger);
    const environment = new MockActivityEnvironment({
      workflowExecution: { workflowId: 'failover/dc1-prod/dc1-s01', runId: 'run-7' },
      workflowType: 'hostFailover',
      activityType: 'fenceHost',
      taskQueue: 'device/hmc-dc1',
    });
    await environment.run(async () => log('fence dc1-s01: power off confirmed'));
    log('dispatcher: 2 deliveries sent');
    const [inActivity, outside] = records();
    assert.equal(inActivity!.msg, 'fence dc1-s01: power off confirmed');
    assert.equal(inActivity!.level, 'info');
    assert.equal(inActivity!.workflowId, 'failover/dc1-prod/dc1-s01');
    assert.equal(inActivity!.runId, 'run-7');
    assert.equal(inActivity!.activityType, 'fenceHost');
    assert.equal(inActivity!.component, 'worker');
    assert.ok(!Number.isNaN(Date.parse(String(inActivity!.time))), 'an ISO 8601 time');
    assert.equal(outside!.msg, 'dispatcher: 2 deliveries sent');
    assert.equal(outside!.workflowId, undefined);
  });

  it("writes the SDK's entries as JSON with their metadata, without the task token", () => {
    const { logger, records } = capture();
    const sink = sdkLogSink(logger);
    sink({
      level: 'WARN',
      message: 'Activity failed',
      timestampNanos: 1_764_464_400_000_000_000n,
      meta: { workflowId: 'failover/dc1-prod/dc1-s02', activityType: 'activate', taskToken: 'AAAA', attempt: 3 },
    });
    const [entry] = records();
    assert.equal(entry!.level, 'warn');
    assert.equal(entry!.component, 'sdk');
    assert.equal(entry!.msg, 'Activity failed');
    assert.equal(entry!.workflowId, 'failover/dc1-prod/dc1-s02');
    assert.equal(entry!.attempt, 3);
    assert.equal(entry!.taskToken, undefined);
    assert.equal(entry!.sdkTime, '2025-11-30T01:00:00.000Z');
  });

  it('escapes control characters: a newline cannot forge a line, an ANSI colour code never reaches the output', () => {
    const { logger, lines, records } = capture();
    const sink = sdkLogSink(logger);
    sink({ level: 'WARN', message: '\u001b[33mWARN\u001b[0m core: poll failed', timestampNanos: 0n, meta: {} });
    activityLineLogger(logger)('approved by alice\n{"level":"info","msg":"forged"}');
    assert.equal(lines().length, 2);
    for (const line of lines()) assert.ok(!line.includes('\u001b'), line);
    assert.equal(records()[0]!.msg, '\u001b[33mWARN\u001b[0m core: poll failed', 'kept, but escaped');
    assert.equal(records()[1]!.msg, 'approved by alice\n{"level":"info","msg":"forged"}');
  });

  it("forwards the SDK's Rust core lines to the same logger at the configured level", () => {
    const { logger, records } = capture();
    const options = runtimeLogging(logger, 'WARN');
    assert.deepEqual(options.telemetryOptions?.logging, { filter: { core: 'WARN', other: 'WARN' }, forward: {} });
    const runtimeLogger = options.logger!;
    runtimeLogger.info('below the level');
    runtimeLogger.warn('No workflows registered, not polling for workflow tasks', { taskQueue: 'device/svc-dc1' });
    runtimeLogger.error('Worker failed', { taskQueue: 'lazarus', sdkComponent: 'worker' });
    assert.deepEqual(
      records().map((r) => [r.level, r.msg, r.taskQueue]),
      [['error', 'Worker failed', 'lazarus']],
    );
  });
});

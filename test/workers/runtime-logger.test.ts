// The SDK log of Lazarus processes: a validated level, and only the device workers' expected warning dropped.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LogEntry } from '@temporalio/worker';
import { LazarusRuntimeLogger, logLevelFrom } from '../../workers/runtime-logger.js';

describe('runtime logger', () => {
  it('takes LAZARUS_LOG_LEVEL in any case, defaults to WARN, and names the variable when it is wrong', () => {
    assert.equal(logLevelFrom({}), 'WARN');
    assert.equal(logLevelFrom({ LAZARUS_LOG_LEVEL: 'debug' }), 'DEBUG');
    assert.throws(
      () => logLevelFrom({ LAZARUS_LOG_LEVEL: 'verbose' }),
      /LAZARUS_LOG_LEVEL: "verbose" is not one of TRACE, DEBUG, INFO, WARN, ERROR/,
    );
  });

  it('drops "No workflows registered" for device task queues only, and keeps every other message', () => {
    const entries: LogEntry[] = [];
    const logger = new LazarusRuntimeLogger('WARN', (entry) => entries.push(entry));
    logger.warn('No workflows registered, not polling for workflow tasks', {
      sdkComponent: 'worker',
      taskQueue: 'device/svc-dc1',
    });
    logger.warn('No workflows registered, not polling for workflow tasks', {
      sdkComponent: 'worker',
      taskQueue: 'lazarus',
    });
    logger.warn('Activity failed', { taskQueue: 'device/svc-dc1' });
    logger.info('below the level', { taskQueue: 'lazarus' });
    assert.deepEqual(
      entries.map((e) => [e.message, e.meta?.taskQueue]),
      [
        ['No workflows registered, not polling for workflow tasks', 'lazarus'],
        ['Activity failed', 'device/svc-dc1'],
      ],
    );
  });
});

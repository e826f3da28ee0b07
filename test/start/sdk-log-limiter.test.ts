// The SDK's connection-retry warnings (Rust core target temporalio_client::retry, several a second while Temporal is
// unreachable: 1.7 KB/s of log in issue 15) pass at most once per interval with the count held back, none while
// muted; every other line passes unchanged.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LogLevel, LogMetadata, Logger } from '@temporalio/common';
import { RepeatLimitedLogger } from '../../bin/sdk-log-limiter.js';

class Recorder implements Logger {
  lines: Array<{ level: LogLevel; message: string; meta?: LogMetadata }> = [];
  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    this.lines.push({ level, message, meta });
  }
  trace = (m: string, meta?: LogMetadata) => this.log('TRACE', m, meta);
  debug = (m: string, meta?: LogMetadata) => this.log('DEBUG', m, meta);
  info = (m: string, meta?: LogMetadata) => this.log('INFO', m, meta);
  warn = (m: string, meta?: LogMetadata) => this.log('WARN', m, meta);
  error = (m: string, meta?: LogMetadata) => this.log('ERROR', m, meta);
}

// As the core forwards it (captured from npm start with the devserver killed, 2026-11-30).
const retry = (n: number) => ({
  message: `gRPC call poll_workflow_task_queue retried ${n} times`,
  meta: { sdkComponent: 'core', target: 'temporalio_client::retry', error: 'Status { code: Unavailable }' },
});

describe('RepeatLimitedLogger', () => {
  it('passes one retry warning per interval, with the count held back', () => {
    const inner = new Recorder();
    let now = 0;
    const logger = new RepeatLimitedLogger(inner, { intervalMs: 60_000, now: () => now });
    for (let i = 0; i < 100; i++, now += 100) logger.warn(retry(i).message, retry(i).meta);
    assert.equal(inner.lines.length, 1, '10 s of retries: one line');
    now = 60_000;
    logger.warn(retry(100).message, retry(100).meta);
    assert.equal(inner.lines.length, 2);
    assert.equal(inner.lines[1]!.meta?.similarLinesHeldBack, 99);
    assert.equal(inner.lines[1]!.level, 'WARN');
  });

  it('holds every retry warning back while muted, and says how many at the next one', () => {
    const inner = new Recorder();
    let muted = true;
    const logger = new RepeatLimitedLogger(inner, { muted: () => muted, now: () => 0 });
    for (let i = 0; i < 50; i++) logger.warn(retry(i).message, retry(i).meta);
    assert.equal(inner.lines.length, 0);
    muted = false;
    logger.warn(retry(50).message, retry(50).meta);
    assert.deepEqual(
      inner.lines.map((l) => l.meta?.similarLinesHeldBack),
      [50],
    );
  });

  it('passes every other line, muted or not', () => {
    const inner = new Recorder();
    const logger = new RepeatLimitedLogger(inner, { muted: () => true });
    logger.warn('Workflow task failed', { workflowId: 'failover/dc1-prod/dc1-s01' });
    logger.error('Worker failed', { sdkComponent: 'worker' });
    logger.log('WARN', 'activity heartbeat timed out', { target: 'temporal_sdk_core::worker' });
    assert.equal(inner.lines.length, 3);
  });
});

// While the Temporal service is unreachable the SDK's Rust core retries every poll and warns at each retry ("gRPC call
// poll_workflow_task_queue retried 9 times", target temporalio_client::retry): several lines a second, 1.7 KB/s of log
// while a devserver is down (issue 15). This logger passes each kind of such a repeated warning at most once per
// interval, with the count of those held back, and none while `muted()` (npm start's supervisor is restarting the
// server and has said so in its own line). Every other SDK line passes unchanged.
import type { LogLevel, LogMetadata, Logger } from '@temporalio/common';

/** Core log targets whose lines repeat for as long as a connection problem lasts. */
const REPEATING_TARGETS = new Set(['temporalio_client::retry']);

export interface LimiterOptions {
  /** At most one line per kind per `intervalMs` (milliseconds); default 60 s. */
  intervalMs?: number;
  /** While true, repeating lines are only counted. */
  muted?: () => boolean;
  now?: () => number;
}

/** A Logger (as Runtime.install takes) that rate-limits the SDK's repeating connection warnings of `inner`. */
export class RepeatLimitedLogger implements Logger {
  private readonly last = new Map<string, { at: number; held: number }>();
  private readonly intervalMs: number;
  private readonly muted: () => boolean;
  private readonly now: () => number;

  constructor(
    private readonly inner: Logger,
    options: LimiterOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 60_000;
    this.muted = options.muted ?? (() => false);
    this.now = options.now ?? Date.now;
  }

  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    const target = typeof meta?.target === 'string' ? meta.target : undefined;
    if (!target || !REPEATING_TARGETS.has(target)) {
      this.inner.log(level, message, meta);
      return;
    }
    const seen = this.last.get(target);
    const now = this.now();
    if (this.muted() || (seen && now - seen.at < this.intervalMs)) {
      if (seen) seen.held++;
      else this.last.set(target, { at: Number.NEGATIVE_INFINITY, held: 1 });
      return;
    }
    const held = seen?.held ?? 0;
    this.last.set(target, { at: now, held: 0 });
    this.inner.log(level, message, held > 0 ? { ...meta, similarLinesHeldBack: held } : meta);
  }

  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

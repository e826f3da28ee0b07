// The logs of Lazarus processes: one JSON object per line (pino) on stdout, with the workflow id on every line written
// from inside an activity or a workflow, and the Temporal SDK's own lines (its TypeScript side and, forwarded, its
// Rust core) at the configured level (LAZARUS_LOG_LEVEL, default WARN) in the same format. JSON encoding escapes
// every control character, so neither a device-provided name nor an ANSI colour code reaches the output raw.
// Dropped: the one SDK warning that is expected by design: device workers host only activities (their task queues
// carry the device limits), so the SDK's "No workflows registered" for them says nothing an operator must act on.
import { Context } from '@temporalio/activity';
import { DefaultLogger, type LogEntry, type LogLevel, type LogMetadata, type RuntimeOptions } from '@temporalio/worker';
import { pino, type DestinationStream, type Logger } from 'pino';

const LEVELS: readonly LogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];

export function logLevelFrom(env: NodeJS.ProcessEnv, fallback: LogLevel = 'WARN'): LogLevel {
  const value = env.LAZARUS_LOG_LEVEL?.trim().toUpperCase();
  if (!value) return fallback;
  if (!(LEVELS as readonly string[]).includes(value))
    throw new Error(`LAZARUS_LOG_LEVEL: "${env.LAZARUS_LOG_LEVEL}" is not one of ${LEVELS.join(', ')}`);
  return value as LogLevel;
}

export class LazarusRuntimeLogger extends DefaultLogger {
  override log(level: LogLevel, message: string, meta?: LogMetadata): void {
    if (isDeviceWorkerWithoutWorkflows(message, meta)) return;
    super.log(level, message, meta);
  }
}

function isDeviceWorkerWithoutWorkflows(message: string, meta?: LogMetadata): boolean {
  return (
    message.startsWith('No workflows registered') &&
    typeof meta?.taskQueue === 'string' &&
    meta.taskQueue.startsWith('device/')
  );
}

/**
 * The process's JSON logger: `{"level":"info","time":"<ISO 8601>","pid":…,"component":…,"msg":…, …fields}` per line,
 * to `destination` (default stdout). Lazarus's own lines are logged from INFO up whatever the SDK's level.
 */
export function createLazarusLogger(destination?: DestinationStream): Logger {
  return pino(
    {
      level: 'info',
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

/** Fields the SDK attaches that are noise in a log line (the task token is an opaque byte string). */
const DROPPED_META = new Set(['taskToken']);

/**
 * The SDK's log entries as JSON lines of `logger`: its metadata (workflowId, runId, workflowType, activityType,
 * taskQueue, sdkComponent…) as fields, `component: "sdk"`, and the entry's own time.
 */
export function sdkLogSink(logger: Logger): (entry: LogEntry) => void {
  return (entry) => {
    const fields: Record<string, unknown> = { component: 'sdk' };
    for (const [key, value] of Object.entries(entry.meta ?? {}))
      if (!DROPPED_META.has(key)) fields[key] = typeof value === 'bigint' ? value.toString() : value;
    fields.sdkTime = new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString();
    const method =
      entry.level === 'TRACE' ? 'trace' : (entry.level.toLowerCase() as 'debug' | 'info' | 'warn' | 'error');
    logger[method](fields, entry.message);
  };
}

/**
 * Runtime.install options for a Lazarus process: the SDK's TypeScript-side lines and its Rust core's lines (forwarded
 * instead of printed by the core with its own format and colours) go through `logger` at `level` and above.
 */
export function runtimeLogging(logger: Logger, level: LogLevel): RuntimeOptions {
  return {
    logger: new LazarusRuntimeLogger(level, sdkLogSink(logger)),
    telemetryOptions: { logging: { filter: { core: level, other: level }, forward: {} } },
  };
}

/**
 * The `log` function for workers and activities: each line becomes a JSON line of `logger` with `component`, and —
 * when it is written from inside an activity — the workflow id, run id, workflow type and activity type of that
 * activity (read from the activity's context, so callers need not pass them).
 */
export function activityLineLogger(logger: Logger, component = 'worker'): (line: string) => void {
  return (line) => logger.info({ component, ...activityFields() }, line);
}

function activityFields(): Record<string, string> {
  let context: Context;
  try {
    context = Context.current();
  } catch {
    return {}; // not inside an activity (the dispatcher, startup)
  }
  const { workflowExecution, workflowType, activityType, taskQueue } = context.info;
  const fields: Record<string, string | undefined> = {
    workflowId: workflowExecution?.workflowId,
    runId: workflowExecution?.runId,
    workflowType,
    activityType,
    taskQueue,
  };
  return Object.fromEntries(Object.entries(fields).filter((entry): entry is [string, string] => !!entry[1]));
}

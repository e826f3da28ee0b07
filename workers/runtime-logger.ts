// The Temporal SDK's log for Lazarus processes: the level from LAZARUS_LOG_LEVEL (default WARN), validated, and
// without the one warning that is expected by design: device workers host only activities (their task queues carry
// the device limits), so the SDK's "No workflows registered" for them says nothing an operator must act on.
import { DefaultLogger, type LogLevel, type LogMetadata } from '@temporalio/worker';

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

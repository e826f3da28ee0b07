// Task tokens are opaque to the SDK; ours name the execution, the task and its attempt so that a stale token (an
// earlier attempt, a closed run) is recognised and answered NOT_FOUND, and so async completion by token works.
import { invalidArgument, notFound } from '../errors.js';

export type TaskToken =
  | { kind: 'workflow'; namespace: string; runId: string; scheduledEventId: number; attempt: number }
  | { kind: 'activity'; namespace: string; runId: string; scheduledEventId: number; attempt: number }
  | { kind: 'query'; namespace: string; queryId: string };

export function encodeToken(token: TaskToken): Buffer {
  return Buffer.from(JSON.stringify(token));
}

export function decodeToken(bytes: Uint8Array | null | undefined, expected: TaskToken['kind']): TaskToken {
  if (!bytes || bytes.length === 0) throw invalidArgument('task token is empty');
  let token: TaskToken;
  try {
    token = JSON.parse(Buffer.from(bytes).toString()) as TaskToken;
  } catch {
    // A token another server issued (or this server's before a change of format) names no task here; the real
    // server answers such a token NOT_FOUND too, so clients treat it as a task that is gone.
    throw notFound(
      `${expected === 'workflow' ? 'Workflow' : expected === 'activity' ? 'Activity' : 'Query'} task not found.`,
    );
  }
  if (token === null || typeof token !== 'object')
    throw notFound(
      `${expected === 'workflow' ? 'Workflow' : expected === 'activity' ? 'Activity' : 'Query'} task not found.`,
    );
  if (token.kind !== expected || typeof token.namespace !== 'string') {
    throw invalidArgument(`task token is not a ${expected} task token`);
  }
  return token;
}

// Task tokens are opaque to the SDK; ours name the execution, the task and its attempt so that a stale token (an
// earlier attempt, a closed run) is recognised and answered NOT_FOUND, and so async completion by token works.
import { invalidArgument } from '../errors.js';

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
    throw invalidArgument('task token is not one this server issued');
  }
  if (token?.kind !== expected || typeof token.namespace !== 'string') {
    throw invalidArgument(`task token is not a ${expected} task token`);
  }
  return token;
}

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

/**
 * Whether `bytes` is well-formed protobuf wire data (every field number above 0, known wire types, lengths inside the
 * buffer): what the real server's token deserializer (a proto Unmarshal of token.v1 Task) accepts before it looks
 * the task up.
 */
function isProtobufWireData(bytes: Uint8Array): boolean {
  let offset = 0;
  const varint = (): number | undefined => {
    let value = 0;
    for (let shift = 0; shift < 64; shift += 7) {
      if (offset >= bytes.length) return undefined;
      const byte = bytes[offset++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return value;
    }
    return undefined;
  };
  while (offset < bytes.length) {
    const tag = varint();
    if (tag === undefined || Math.floor(tag / 8) === 0) return false;
    const wireType = tag % 8;
    let skip: number | undefined;
    if (wireType === 0) skip = varint() === undefined ? undefined : 0;
    else if (wireType === 1) skip = 8;
    else if (wireType === 2) skip = varint();
    else if (wireType === 5) skip = 4;
    if (skip === undefined || offset + skip > bytes.length) return false;
    offset += skip;
  }
  return true;
}

const taskName = (kind: TaskToken['kind']) =>
  kind === 'workflow' ? 'Workflow' : kind === 'activity' ? 'Activity' : 'Query';

/**
 * Reads a task token this server issued.
 * @throws INVALID_ARGUMENT "Task token not set on request." when empty and "Error deserializing task token." when
 * it is neither this server's token nor well-formed protobuf (the real frontend's errTaskTokenNotSet and
 * errDeserializingToken); NOT_FOUND "<Kind> task not found." for a well-formed token in the real server's format,
 * which names no task here.
 */
export function decodeToken(bytes: Uint8Array | null | undefined, expected: TaskToken['kind']): TaskToken {
  if (!bytes || bytes.length === 0) throw invalidArgument('Task token not set on request.');
  let token: TaskToken | undefined;
  try {
    token = JSON.parse(Buffer.from(bytes).toString()) as TaskToken;
  } catch {
    token = undefined;
  }
  if (token === null || token === undefined || typeof token !== 'object') {
    // A token another server issued (or this server's before a change of format) names no task here; the real
    // server answers such a token NOT_FOUND, and bytes it cannot unmarshal INVALID_ARGUMENT.
    if (isProtobufWireData(bytes)) throw notFound(`${taskName(expected)} task not found.`);
    throw invalidArgument('Error deserializing task token.');
  }
  if (token.kind !== expected || typeof token.namespace !== 'string') {
    throw invalidArgument(`task token is not a ${expected} task token`);
  }
  return token;
}

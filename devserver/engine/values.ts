// Small conversions between protobuf values (as decoded with longs as numbers) and the engine's milliseconds.
import type Long from 'long';

type Int64 = number | Long | null | undefined;
interface DurationLike {
  seconds?: Int64;
  nanos?: number | null;
}

export const num = (value: Int64): number => (value == null ? 0 : typeof value === 'number' ? value : value.toNumber());

export function durationMs(duration: DurationLike | null | undefined): number {
  if (!duration) return 0;
  return num(duration.seconds) * 1000 + Math.floor((duration.nanos ?? 0) / 1e6);
}

export function duration(ms: number): { seconds: number; nanos: number } {
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: Math.round((ms - seconds * 1000) * 1e6) };
}

export function timestamp(ms: number): { seconds: number; nanos: number } {
  return duration(ms);
}

export const timestampMs = durationMs;

/** min of two timeouts where 0 means "none". */
export const minTimeout = (a: number, b: number): number => (a <= 0 ? b : b <= 0 ? a : Math.min(a, b));

/** A JSON payload's decoded value, or undefined when the payload is not JSON. */
export function payloadValue(
  payload:
    { metadata?: Record<string, Uint8Array | null | undefined> | null; data?: Uint8Array | null } | null | undefined,
): unknown {
  if (!payload?.data) return undefined;
  const encodingBytes = payload.metadata?.encoding;
  const encoding = encodingBytes ? Buffer.from(encodingBytes).toString() : '';
  if (encoding !== 'json/plain') return undefined;
  try {
    return JSON.parse(Buffer.from(payload.data).toString());
  } catch {
    return undefined;
  }
}

export function jsonPayload(value: unknown, type?: string): { metadata: Record<string, Buffer>; data: Buffer } {
  const metadata: Record<string, Buffer> = { encoding: Buffer.from('json/plain') };
  if (type) metadata.type = Buffer.from(type);
  return { metadata, data: Buffer.from(JSON.stringify(value)) };
}

/** JSON with byte arrays kept as base64: how run state is persisted. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, function replacer(this: Record<string, unknown>, key, v: unknown) {
    const raw = this[key];
    if (raw instanceof Uint8Array)
      return { $b: Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64') };
    return v;
  });
}

export function fromJson<T>(text: string): T {
  return JSON.parse(text, (_key, v: unknown) => {
    if (
      v &&
      typeof v === 'object' &&
      '$b' in v &&
      typeof (v as { $b: unknown }).$b === 'string' &&
      Object.keys(v).length === 1
    ) {
      return Buffer.from((v as { $b: string }).$b, 'base64');
    }
    return v;
  }) as T;
}

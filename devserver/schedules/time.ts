// Conversions between protobuf Duration/Timestamp (int64 seconds as Long, number or string) and milliseconds.
import type { google } from '@temporalio/proto';

type Seconds = number | string | { toNumber(): number } | null | undefined;
export interface ProtoTime {
  seconds?: Seconds;
  nanos?: number | null;
}

const secondsOf = (value: Seconds): number => {
  if (value === null || value === undefined) return 0;
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return Number(value);
  return value.toNumber();
};

/** Milliseconds of a Duration or Timestamp; undefined when absent. */
export function protoTimeToMs(time: ProtoTime | null | undefined): number | undefined {
  if (!time) return undefined;
  return secondsOf(time.seconds) * 1000 + Math.floor((time.nanos ?? 0) / 1e6);
}

export function msToTimestamp(ms: number): google.protobuf.ITimestamp {
  const seconds = Math.floor(ms / 1000);
  // protobufjs encodes a plain number for an int64 field; the generated type only names Long.
  return { seconds: seconds as unknown as google.protobuf.ITimestamp['seconds'], nanos: (ms - seconds * 1000) * 1e6 };
}

export const msToDuration = msToTimestamp as (ms: number) => google.protobuf.IDuration;

export const truncateToSecond = (ms: number): number => Math.floor(ms / 1000) * 1000;

/** RFC 3339 at second precision in UTC, e.g. 2026-11-24T11:05:00Z: the suffix of scheduled workflow ids. */
export const rfc3339Second = (ms: number): string => new Date(truncateToSecond(ms)).toISOString().replace('.000Z', 'Z');

/** Parses a Go-style duration as used by `@every`: `90s`, `1h30m`, `2d`, `500ms`. */
export function parseGoDuration(text: string): number | undefined {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  const parts = text.match(/^(\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/) ? text.match(/\d+(?:\.\d+)?(?:ms|s|m|h|d)/g) : null;
  if (!parts) return undefined;
  return parts.reduce((total, part) => {
    const [, amount, unit] = part.match(/^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/) as RegExpMatchArray;
    return total + Number(amount) * (units[unit as string] as number);
  }, 0);
}

// Wall-clock time in a named IANA time zone (or UTC), expressed as "wall milliseconds": the epoch milliseconds of
// the same calendar fields read as UTC. Conversions back to instants handle DST gaps and overlaps.

const DAY_MS = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

export const isUtc = (zone: string | undefined): boolean =>
  !zone || zone === 'UTC' || zone === 'Etc/UTC' || zone === 'Z';

/** Throws RangeError for a zone name the runtime does not know. */
export function assertKnownTimeZone(zone: string): void {
  formatterFor(zone);
}

function formatterFor(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, formatter);
  }
  return formatter;
}

/** Wall milliseconds (second precision) of `instantMs` in `zone`. */
export function instantToWall(instantMs: number, zone: string | undefined): number {
  const seconds = Math.floor(instantMs / 1000) * 1000;
  if (isUtc(zone)) return seconds;
  const fields: Record<string, number> = {};
  for (const part of formatterFor(zone as string).formatToParts(seconds)) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  const { year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0 } = fields;
  return Date.UTC(year, month - 1, day, hour, minute, second);
}

/** The earliest instant whose wall time in `zone` is `wallMs`; undefined when DST skips that wall time. */
export function wallToInstant(wallMs: number, zone: string | undefined): number | undefined {
  if (isUtc(zone)) return wallMs;
  const offsetBefore = instantToWall(wallMs - DAY_MS, zone) - (wallMs - DAY_MS);
  const offsetAfter = instantToWall(wallMs + DAY_MS, zone) - (wallMs + DAY_MS);
  const candidates = [wallMs - offsetBefore, wallMs - offsetAfter].sort((a, b) => a - b);
  return candidates.find((instant) => instantToWall(instant, zone) === wallMs);
}

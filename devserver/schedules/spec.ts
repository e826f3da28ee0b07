// A ScheduleSpec compiled for computing matching times: the union of intervals and calendars (cron strings
// included), minus excluded calendars, within start_time..end_time, in the spec's time zone.
import type { temporal } from '@temporalio/proto';
import { invalidArgument } from '../errors.js';
import { type Calendar, calendarMatches, nextCalendarTime, toCalendar } from './calendar.js';
import { compileCron } from './cron.js';
import { protoTimeToMs, msToDuration } from './time.js';
import { assertKnownTimeZone } from './time-zone.js';

type ProtoSpec = temporal.api.schedule.v1.IScheduleSpec;

export interface Interval {
  everyMs: number;
  phaseMs: number;
}

export interface CompiledSpec {
  /** The spec as Describe shows it: cron strings compiled into structured_calendar / interval. */
  described: ProtoSpec;
  /** First matching time strictly after `afterMs`, or undefined when the spec has no more. */
  next(afterMs: number): number | undefined;
  /** Matching times in [fromMs, toMs], at most `limit` of them. */
  between(fromMs: number, toMs: number, limit: number): number[];
}

const MAX_EXCLUDED_IN_A_ROW = 100_000;

/** Throws INVALID_ARGUMENT "Invalid schedule spec: …" naming the offending field. */
export function compileSpec(spec: ProtoSpec | null | undefined): CompiledSpec {
  if (!spec) throw invalidArgument('Invalid schedule spec: schedule.spec is required');
  try {
    return buildSpec(spec);
  } catch (err) {
    if (err instanceof Error && !('code' in err)) throw invalidArgument(`Invalid schedule spec: ${err.message}`);
    throw err;
  }
}

function buildSpec(spec: ProtoSpec): CompiledSpec {
  const zone = spec.timezoneName || undefined;
  if (zone) {
    try {
      assertKnownTimeZone(zone);
    } catch {
      throw new Error(`timezone_name "${zone}" is not a known IANA time zone`);
    }
  }
  if ((spec.calendar ?? []).length > 0)
    throw new Error('calendar (string CalendarSpec) is not supported; use structured_calendar or cron_string');
  if ((spec.excludeCalendar ?? []).length > 0)
    throw new Error('exclude_calendar (string CalendarSpec) is not supported; use exclude_structured_calendar');
  if (spec.timezoneData && spec.timezoneData.length > 0)
    throw new Error('timezone_data is not supported; set timezone_name (the devserver uses its own zone database)');
  const structured = [...(spec.structuredCalendar ?? [])];
  const intervalSpecs = [...(spec.interval ?? [])];
  (spec.cronString ?? []).forEach((cron) => {
    const compiled = compileCron(cron);
    if ('calendar' in compiled) structured.push(compiled.calendar);
    else
      intervalSpecs.push({
        interval: msToDuration(compiled.interval.everyMs),
        phase: msToDuration(compiled.interval.phaseMs),
      });
  });
  const intervals = intervalSpecs.map((raw, i) => toInterval(raw, i));
  const calendars = structured.map((raw, i) => toCalendar(raw, `structured_calendar[${i}]`));
  const excluded = (spec.excludeStructuredCalendar ?? []).map((raw, i) =>
    toCalendar(raw, `exclude_structured_calendar[${i}]`),
  );
  const startMs = protoTimeToMs(spec.startTime);
  const endMs = protoTimeToMs(spec.endTime);
  if (startMs !== undefined && endMs !== undefined && endMs < startMs) throw new Error('end_time is before start_time');
  if ((protoTimeToMs(spec.jitter) ?? 0) < 0) throw new Error('jitter is negative');

  const nextUnbounded = (afterMs: number): number | undefined => {
    const candidates = [
      ...intervals.map((interval) => nextIntervalTime(interval, afterMs)),
      ...calendars.map((calendar) => nextCalendarTime(calendar, afterMs, zone)),
    ].filter((t): t is number => t !== undefined);
    return candidates.length ? Math.min(...candidates) : undefined;
  };
  const isExcluded = (t: number) => excluded.some((calendar: Calendar) => calendarMatches(calendar, t, zone));

  const next = (afterMs: number): number | undefined => {
    let after = startMs !== undefined ? Math.max(afterMs, startMs - 1) : afterMs;
    for (let i = 0; i < MAX_EXCLUDED_IN_A_ROW; i++) {
      const t = nextUnbounded(after);
      if (t === undefined || (endMs !== undefined && t > endMs)) return undefined;
      if (!isExcluded(t)) return t;
      after = t;
    }
    return undefined;
  };
  const between = (fromMs: number, toMs: number, limit: number): number[] => {
    const times: number[] = [];
    for (let t = next(fromMs - 1); t !== undefined && t <= toMs && times.length < limit; t = next(t)) times.push(t);
    return times;
  };
  return { described: describedSpec(spec, structured, intervalSpecs), next, between };
}

function toInterval(raw: temporal.api.schedule.v1.IIntervalSpec, index: number): Interval {
  const everyMs = Math.floor((protoTimeToMs(raw.interval) ?? 0) / 1000) * 1000;
  const phaseMs = Math.floor((protoTimeToMs(raw.phase) ?? 0) / 1000) * 1000;
  if (everyMs < 1000) throw new Error(`interval[${index}].interval must be at least 1 second`);
  if (phaseMs < 0) throw new Error(`interval[${index}].phase is negative`);
  return { everyMs, phaseMs };
}

/** epoch + n·every + phase, the first one strictly after `afterMs`. */
export function nextIntervalTime({ everyMs, phaseMs }: Interval, afterMs: number): number {
  const n = Math.floor((afterMs - phaseMs) / everyMs) + 1;
  return n * everyMs + phaseMs;
}

function describedSpec(
  spec: ProtoSpec,
  structured: temporal.api.schedule.v1.IStructuredCalendarSpec[],
  interval: temporal.api.schedule.v1.IIntervalSpec[],
): ProtoSpec {
  return {
    structuredCalendar: structured,
    interval,
    excludeStructuredCalendar: spec.excludeStructuredCalendar ?? [],
    startTime: spec.startTime ?? null,
    endTime: spec.endTime ?? null,
    jitter: spec.jitter ?? null,
    timezoneName: spec.timezoneName ?? '',
  };
}

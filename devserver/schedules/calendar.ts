// Matching of StructuredCalendarSpec: a time matches when every field has a range containing it (an empty year
// list matches every year; any other empty field matches nothing). Fields are read in the schedule's time zone.
import type { temporal } from '@temporalio/proto';
import { instantToWall, wallToInstant } from './time-zone.js';

export interface Range {
  start: number;
  end: number;
  step: number;
}

export interface Calendar {
  second: Range[];
  minute: Range[];
  hour: Range[];
  dayOfMonth: Range[];
  month: Range[];
  year: Range[];
  dayOfWeek: Range[];
}

export const CALENDAR_FIELDS = ['second', 'minute', 'hour', 'dayOfMonth', 'month', 'year', 'dayOfWeek'] as const;
const BOUNDS: Record<(typeof CALENDAR_FIELDS)[number], [number, number]> = {
  second: [0, 59],
  minute: [0, 59],
  hour: [0, 23],
  dayOfMonth: [1, 31],
  month: [1, 12],
  year: [1970, 9999],
  dayOfWeek: [0, 6],
};
/** How far ahead a search goes before concluding that a calendar has no more matching times. */
const SEARCH_YEARS = 200;
const MAX_STEPS = 200_000;

/** Normalises and validates a protobuf StructuredCalendarSpec; throws Error naming the bad field. */
export function toCalendar(spec: temporal.api.schedule.v1.IStructuredCalendarSpec, where: string): Calendar {
  const calendar = {} as Calendar;
  for (const field of CALENDAR_FIELDS) {
    const [min, max] = BOUNDS[field];
    calendar[field] = (spec[field] ?? []).map((raw, index) => {
      const start = raw.start ?? 0;
      const end = Math.max(raw.end ?? 0, start);
      const step = raw.step && raw.step > 0 ? raw.step : 1;
      if (start < min || end > max)
        throw new Error(`${where}.${field}[${index}] ${start}-${end} is outside ${min}-${max}`);
      return { start, end, step };
    });
  }
  return calendar;
}

const inRanges = (ranges: Range[], value: number): boolean =>
  ranges.some((r) => value >= r.start && value <= r.end && (value - r.start) % r.step === 0);

const yearMatches = (calendar: Calendar, year: number): boolean =>
  calendar.year.length === 0 || inRanges(calendar.year, year);

export function calendarMatches(calendar: Calendar, instantMs: number, zone: string | undefined): boolean {
  const wall = new Date(instantToWall(instantMs, zone));
  return instantMs % 1000 === 0 && wallFieldsMatch(calendar, wall);
}

function wallFieldsMatch(calendar: Calendar, wall: Date): boolean {
  return (
    yearMatches(calendar, wall.getUTCFullYear()) &&
    inRanges(calendar.month, wall.getUTCMonth() + 1) &&
    inRanges(calendar.dayOfMonth, wall.getUTCDate()) &&
    inRanges(calendar.dayOfWeek, wall.getUTCDay()) &&
    inRanges(calendar.hour, wall.getUTCHours()) &&
    inRanges(calendar.minute, wall.getUTCMinutes()) &&
    inRanges(calendar.second, wall.getUTCSeconds())
  );
}

/** The first instant strictly after `afterMs` that matches; undefined when none within SEARCH_YEARS. */
export function nextCalendarTime(calendar: Calendar, afterMs: number, zone: string | undefined): number | undefined {
  let wall = instantToWall(afterMs, zone) + 1000;
  for (;;) {
    const candidate = nextWallMatch(calendar, wall);
    if (candidate === undefined) return undefined;
    const instant = wallToInstant(candidate, zone);
    if (instant !== undefined && instant > afterMs) return instant;
    wall = candidate + 1000;
  }
}

/** Smallest wall time >= `fromWall` whose fields match, skipping a whole year/month/day/hour/minute at a time. */
function nextWallMatch(calendar: Calendar, fromWall: number): number | undefined {
  const lastYear = new Date(fromWall).getUTCFullYear() + SEARCH_YEARS;
  let t = new Date(fromWall);
  for (let steps = 0; steps < MAX_STEPS; steps++) {
    const [y, mo, d, h, mi, s] = [
      t.getUTCFullYear(),
      t.getUTCMonth(),
      t.getUTCDate(),
      t.getUTCHours(),
      t.getUTCMinutes(),
      t.getUTCSeconds(),
    ];
    if (y > lastYear) return undefined;
    if (!yearMatches(calendar, y)) t = new Date(Date.UTC(y + 1, 0, 1));
    else if (!inRanges(calendar.month, mo + 1)) t = new Date(Date.UTC(y, mo + 1, 1));
    else if (!inRanges(calendar.dayOfMonth, d) || !inRanges(calendar.dayOfWeek, t.getUTCDay()))
      t = new Date(Date.UTC(y, mo, d + 1));
    else if (!inRanges(calendar.hour, h)) t = new Date(Date.UTC(y, mo, d, h + 1));
    else if (!inRanges(calendar.minute, mi)) t = new Date(Date.UTC(y, mo, d, h, mi + 1));
    else if (!inRanges(calendar.second, s)) t = new Date(Date.UTC(y, mo, d, h, mi, s + 1));
    else return t.getTime();
  }
  return undefined;
}

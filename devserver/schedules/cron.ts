// Compiles a cron string into what the real Temporal server stores instead: a StructuredCalendarSpec (5, 6 or 7
// fields, @yearly/@monthly/@weekly/@daily/@hourly) or an IntervalSpec (`@every <duration>[/<phase>]`).
// Day of month and day of week are both required to match (Temporal's calendar semantics, not classic cron's OR).
import { CronExpressionParser } from 'cron-parser';
import type { Range } from './calendar.js';
import { parseGoDuration } from './time.js';

export interface CompiledCalendar {
  second: Range[];
  minute: Range[];
  hour: Range[];
  dayOfMonth: Range[];
  month: Range[];
  year: Range[];
  dayOfWeek: Range[];
  comment: string;
}

export type CompiledCron = { calendar: CompiledCalendar } | { interval: { everyMs: number; phaseMs: number } };

/** Throws Error with a message naming what is wrong with `cron`. */
export function compileCron(cron: string): CompiledCron {
  const [expression = '', ...comment] = cron.split('#');
  const text = expression.trim();
  if (text.startsWith('@every')) return { interval: compileEvery(text) };
  if (/^CRON_TZ=|^TZ=/.test(text))
    throw new Error(`cron string "${cron}": CRON_TZ prefixes are not supported, set timezone_name instead`);
  const fields = text.split(/\s+/);
  if (!text.startsWith('@') && (fields.length < 5 || fields.length > 7)) {
    throw new Error(`cron string "${cron}" has ${fields.length} fields, expected 5, 6 or 7`);
  }
  const year = fields.length === 7 ? parseYearField(fields.pop() as string, cron) : [];
  let parsed;
  try {
    parsed = CronExpressionParser.parse(fields.join(' '), { tz: 'UTC', strict: false });
  } catch (err) {
    throw new Error(`cron string "${cron}": ${(err as Error).message}`);
  }
  const f = parsed.fields;
  if (f.dayOfMonth.hasLastChar || f.dayOfWeek.hasLastChar || f.dayOfWeek.nthDay > 0) {
    throw new Error(`cron string "${cron}": L and # (last/nth day) are not supported`);
  }
  const days = [...new Set(f.dayOfWeek.values.map((d) => Number(d) % 7))];
  return {
    calendar: {
      second: toRanges(f.second.values.map(Number)),
      minute: toRanges(f.minute.values.map(Number)),
      hour: toRanges(f.hour.values.map(Number)),
      dayOfMonth: toRanges(f.dayOfMonth.values.map(Number)),
      month: toRanges(f.month.values.map(Number)),
      year,
      dayOfWeek: toRanges(days),
      comment: comment.join('#').trim(),
    },
  };
}

function compileEvery(text: string): { everyMs: number; phaseMs: number } {
  const [every = '', phase] = text.replace(/^@every\s*/, '').split('/');
  const everyMs = parseGoDuration(every.trim());
  const phaseMs = phase === undefined ? 0 : parseGoDuration(phase.trim());
  if (!everyMs || phaseMs === undefined)
    throw new Error(`"${text}": expected @every <duration>[/<phase>], e.g. @every 1h30m`);
  return { everyMs, phaseMs };
}

function parseYearField(field: string, cron: string): Range[] {
  if (field === '*' || field === '?') return [];
  return field.split(',').map((part) => {
    const match = part.match(/^(\d{4})(?:-(\d{4}))?(?:\/(\d+))?$/);
    if (!match) throw new Error(`cron string "${cron}": bad year field "${field}"`);
    const start = Number(match[1]);
    return { start, end: match[2] ? Number(match[2]) : start, step: match[3] ? Number(match[3]) : 1 };
  });
}

/** Sorted distinct values as few ranges: one stepped range for an arithmetic progression, else consecutive runs. */
export function toRanges(values: number[]): Range[] {
  const sorted = [...new Set(values)].sort((a, b) => a - b);
  if (sorted.length === 0) return [];
  const step = sorted.length > 1 ? (sorted[1] as number) - (sorted[0] as number) : 1;
  if (sorted.every((v, i) => v === (sorted[0] as number) + i * step)) {
    return [{ start: sorted[0] as number, end: sorted[sorted.length - 1] as number, step }];
  }
  const ranges: Range[] = [];
  for (const value of sorted) {
    const last = ranges[ranges.length - 1];
    if (last && last.end === value - 1) last.end = value;
    else ranges.push({ start: value, end: value, step: 1 });
  }
  return ranges;
}

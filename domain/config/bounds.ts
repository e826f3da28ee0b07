// The sane range of every duration, port and schedule in lazarus.yaml, in one table that the schema enforces and the
// README's "Configuration bounds" documents. A value outside its range is refused at load with the config path named
// (`hostGroups[0].recovery.pollInterval: must be longer than 0`): `pollInterval: 0` made one failover send 715 HMC
// commands instead of 59, and `approvalTimeout: 99999999999d` was accepted as 8.6e18 ms. The minimums leave room for
// the simulated fleet, which runs at 1/20 of real time in the test suite; the maximums are where a value stops
// meaning anything for a recovery (a week-long approval wait, a day-long poll).
import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';
import { parseDuration } from './duration.js';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A duration's allowed range in milliseconds, both ends included; `why` says what the value is for. */
export interface DurationBound {
  min: number;
  max: number;
  why: string;
}

/**
 * Every duration of lazarus.yaml by its path (`[]` stands for any list index), with its range. Cross-setting rules
 * (one duration against another) are refinements in schema.ts, listed in CROSS_SETTING_RULES and the README.
 */
export const DURATION_BOUNDS = {
  'hostGroups[].recovery.approvalTimeout': { min: SECOND, max: 7 * DAY, why: 'advisory mode waits this long' },
  'hostGroups[].recovery.rtoBudget': { min: SECOND, max: DAY, why: 'detection to the last LPAR running' },
  'hostGroups[].recovery.pollInterval': { min: 50, max: MINUTE, why: 'power-off and boot waits ask the HMC' },
  'hostGroups[].recovery.fenceDeadline': { min: SECOND, max: DAY, why: 'transient fence errors retried' },
  'hostGroups[].recovery.stepTimeouts.*': { min: 100, max: DAY, why: 'one LPAR step, retries included' },
  'hostGroups[].recovery.stepDurations.*': { min: 0, max: DAY, why: 'measured step time, for the planner' },
  'hostGroups[].monitoring.interval': { min: SECOND, max: 10 * MINUTE, why: 'one observation of every host' },
  'hostGroups[].monitoring.flapWindow': { min: MINUTE, max: DAY, why: 'up/down changes counted this long' },
  'hostGroups[].evacuation.migrationTimeout': { min: SECOND, max: DAY, why: 'one LPM migration' },
  'policies[].health.heartbeatTimeout': { min: SECOND, max: DAY, why: 'agent silence before action' },
  'policies[].health.bootTimeout': { min: SECOND, max: DAY, why: 'after an activation, until Running' },
  'agents.checkInterval': { min: 200, max: 10 * MINUTE, why: 'how often heartbeat ages are read' },
  'agents.resumeGrace': { min: 0, max: HOUR, why: 'silence ignored after an outage of Lazarus' },
  'notifications[].dedupeWindow': { min: 0, max: 7 * DAY, why: 'the same event again is suppressed' },
  'notifications[].rateLimit.window': { min: SECOND, max: DAY, why: 'rate limit period' },
  'notifications[].retry.initialDelay': { min: 10, max: HOUR, why: 'first retry backoff' },
  'notifications[].retry.maxDelay': { min: 10, max: DAY, why: 'longest retry backoff' },
  'notifications[].retry.maxAge': { min: SECOND, max: 30 * DAY, why: 'a delivery is given up after this' },
  'notifications[].timeout': { min: 100, max: 5 * MINUTE, why: 'one delivery attempt' },
  'discovery.interval': { min: 10 * SECOND, max: DAY, why: 'quick discovery of each host group' },
  'api.requestTimeout': { min: SECOND, max: 10 * MINUTE, why: 'an API request waits on a device or Temporal' },
  'dr.consistencyGroups[].rpo': { min: SECOND, max: DAY, why: 'how old the backup copy may be' },
  'dr.coordination.gatherWindow': { min: 0, max: 10 * MINUTE, why: 'moves declared together are gathered' },
  'dr.coordination.verifyStagger': { min: 0, max: 6 * HOUR, why: 'between scheduled verifications of two tenants' },
} as const satisfies Record<string, DurationBound>;

export type BoundedDurationPath = keyof typeof DURATION_BOUNDS;

/** "90s", "15m", "1h30m", "2d", "250ms" for a number of milliseconds (the shortest exact spelling). */
export function formatMs(ms: number): string {
  if (ms === 0) return '0';
  const units: Array<[string, number]> = [
    ['d', DAY],
    ['h', HOUR],
    ['m', MINUTE],
    ['s', SECOND],
    ['ms', 1],
  ];
  let rest = ms;
  let text = '';
  for (const [unit, size] of units) {
    if (rest >= size) {
      text += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return text;
}

/**
 * A configuration duration ("90s", "15m", "1h30m", "2d", or a number of milliseconds) parsed to milliseconds and held
 * to the range of `path` in DURATION_BOUNDS. Errors: "not a duration", "must be longer than 0" (0 where the minimum
 * is above it), "must be at least <min>", "must be at most <max>".
 */
export function boundedDuration(path: BoundedDurationPath) {
  const { min, max } = DURATION_BOUNDS[path];
  return z.union([z.number().int().nonnegative(), z.string()]).transform((value, ctx) => {
    const ms = typeof value === 'number' ? value : parseDuration(value);
    if (ms === undefined || !Number.isFinite(ms)) {
      ctx.addIssue({ code: 'custom', message: `"${value}" is not a duration (e.g. 90s, 15m, 1h30m)` });
      return z.NEVER;
    }
    if (ms < min || ms > max) {
      const range = `(${formatMs(min)} to ${formatMs(max)})`;
      const message =
        ms === 0
          ? 'must be longer than 0'
          : ms < min
            ? `must be at least ${formatMs(min)} ${range}`
            : `must be at most ${formatMs(max)} ${range}`;
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    }
    return ms;
  });
}

/** TCP ports a device or the API may use: 1–65535 (0 would be "any port", which no device listens on). */
export const PORT_RANGE = { min: 1, max: 65_535 } as const;

/**
 * `host` or `host:port` (IPv6 in brackets), the port within PORT_RANGE. Port 99999 used to be accepted and startup
 * then hung in discovery; now: "port 99999 is out of range (1–65535)".
 */
export const hostAndPort = z
  .string()
  .regex(/^[A-Za-z0-9_.-]+(:\d{1,5})?$|^\[[0-9a-fA-F:]+\](:\d{1,5})?$/, 'must be host or host:port')
  .superRefine((value, ctx) => {
    const port = /:(\d+)$/.exec(value.replace(/^\[[^\]]*\]/, ''))?.[1];
    if (port !== undefined && (Number(port) < PORT_RANGE.min || Number(port) > PORT_RANGE.max))
      ctx.addIssue({
        code: 'custom',
        message: `port ${Number(port)} is out of range (${PORT_RANGE.min}–${PORT_RANGE.max})`,
      });
  });

/**
 * A cron expression as Temporal schedules take it (5 fields, or 6–7 with seconds/years, or @daily-style macros),
 * checked with cron-parser so that "0 25 * * *" is refused at load rather than by the Temporal service at startup.
 */
export const cronExpression = z
  .string()
  .min(1)
  .superRefine((value, ctx) => {
    const text = value.split('#')[0]!.trim();
    const fields = text.split(/\s+/).length;
    if (!text.startsWith('@') && (fields < 5 || fields > 7)) {
      ctx.addIssue({
        code: 'custom',
        message: `"${value}" has ${fields} fields; a cron expression has 5 (m h dom mon dow)`,
      });
      return;
    }
    if (text.startsWith('@every')) return; // Temporal's interval form; the Temporal service checks its duration
    try {
      CronExpressionParser.parse(fields === 7 ? text.split(/\s+/).slice(0, 6).join(' ') : text, { tz: 'UTC' });
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `"${value}" is not a cron expression: ${(err as Error).message}` });
    }
  });

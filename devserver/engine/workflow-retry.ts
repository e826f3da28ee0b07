// Workflow-level retry policies and cron schedules, as the real server runs them: a run that fails (or reaches its
// run timeout) is followed by a new run of the same workflow id while its retry policy allows (attempt + 1, after
// the policy's backoff); otherwise, and after a completion, a cron workflow is followed by a new run at the next
// cron time (attempt 1). The closing event names the next run (new_execution_run_id) so `result()` follows the
// chain; the next run's started event says why it exists (initiator RETRY or CRON_SCHEDULE).
import { invalidArgument } from '../errors.js';
import { compileSpec } from '../schedules/spec.js';
import { ContinueAsNewInitiator, RetryState } from './enums.js';
import type { Failure, RetryPolicy } from './model.js';
import type { Run } from './engine.js';
import { duration, durationMs } from './values.js';

/**
 * Checks a workflow retry policy the way the real server does (common/retrypolicy ValidateRetryPolicy) and returns
 * it with the server's defaults filled in (initial interval 1 s, coefficient 2, maximum interval 100 × initial).
 * @throws INVALID_ARGUMENT naming the bad field.
 */
export function normaliseWorkflowRetryPolicy(policy: RetryPolicy | null | undefined): RetryPolicy | undefined {
  if (!policy) return undefined;
  const initialMs = durationMs(policy.initialInterval);
  const maximumMs = durationMs(policy.maximumInterval);
  const coefficient = policy.backoffCoefficient ?? 0;
  const maximumAttempts = policy.maximumAttempts ?? 0;
  if (initialMs < 0) throw invalidArgument('InitialInterval cannot be negative on retry policy.');
  if (coefficient !== 0 && coefficient < 1)
    throw invalidArgument('BackoffCoefficient cannot be less than 1 on retry policy.');
  if (maximumMs < 0) throw invalidArgument('MaximumInterval cannot be negative on retry policy.');
  if (maximumMs > 0 && maximumMs < initialMs)
    throw invalidArgument('MaximumInterval cannot be less than InitialInterval on retry policy.');
  if (maximumAttempts < 0) throw invalidArgument('MaximumAttempts cannot be negative on retry policy.');
  const initial = initialMs || 1000;
  return {
    initialInterval: duration(initial),
    backoffCoefficient: coefficient || 2,
    maximumInterval: duration(maximumMs || 100 * initial),
    maximumAttempts,
    nonRetryableErrorTypes: (policy.nonRetryableErrorTypes ?? []).filter((t): t is string => typeof t === 'string'),
  };
}

const DESCRIPTORS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);
/** A Go `time.ParseDuration` string (units ns, us, µs, ms, s, m, h; no days). */
const GO_DURATION = /^[-+]?(?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/;
const GO_UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};
/** robfig/cron/v3 ParseStandard's fields: minute, hour, day of month, month, day of week (bounds and names). */
const FIELDS: { min: number; max: number; names?: string[] }[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] },
  { min: 0, max: 6, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
];

/** The real server's answer to any cron schedule robfig/cron refuses (common/backoff/cron.go ValidateSchedule). */
const invalidCron = () => invalidArgument('invalid CronSchedule.');

/**
 * The interval of `@every <duration>` in milliseconds as robfig/cron's `Every` keeps it: truncated to whole seconds,
 * at least one second (`@every 500ms` runs every second). Undefined when `cron` is not an `@every` descriptor;
 * throws INVALID_ARGUMENT "invalid CronSchedule." when the duration is not a Go duration (`@every 1h/30m`, `2d`).
 */
function everyMs(cron: string): number | undefined {
  if (!cron.startsWith('@every ')) return undefined;
  const text = cron.slice('@every '.length);
  if (text !== '0' && !GO_DURATION.test(text)) throw invalidCron();
  let ms = 0;
  for (const [, value, unit] of text.matchAll(/(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g))
    ms += Number(value) * GO_UNIT_MS[unit!]!;
  if (text.startsWith('-')) ms = -ms;
  return Math.max(1000, Math.floor(ms / 1000) * 1000);
}

/**
 * Checks one field the way robfig/cron/v3 parser.go `getRange` does: comma parts of `*` or `?`, a number or name, or
 * a range `a-b`, each with an optional `/step` (a single value with a step runs to the field's maximum).
 * @throws INVALID_ARGUMENT "invalid CronSchedule." for anything else (`5#3`, `L`, `H`, `W`, out of bounds, step 0).
 */
function checkField(field: string, bounds: { min: number; max: number; names?: string[] }): void {
  const value = (text: string): number => {
    const named = bounds.names?.indexOf(text.toLowerCase()) ?? -1;
    if (named >= 0) return named + (bounds.min === 1 ? 1 : 0);
    if (!/^\+?\d+$/.test(text)) throw invalidCron();
    return Number(text);
  };
  for (const part of field.split(',')) {
    const rangeAndStep = part.split('/');
    if (rangeAndStep.length > 2) throw invalidCron();
    const lowAndHigh = (rangeAndStep[0] ?? '').split('-');
    let start = bounds.min;
    let end = bounds.max;
    if (lowAndHigh[0] !== '*' && lowAndHigh[0] !== '?') {
      if (lowAndHigh.length > 2) throw invalidCron();
      start = value(lowAndHigh[0] ?? '');
      end = lowAndHigh.length === 2 ? value(lowAndHigh[1] ?? '') : start;
    }
    if (rangeAndStep.length === 2) {
      const step = value(rangeAndStep[1] ?? '');
      if (step === 0) throw invalidCron();
      if (lowAndHigh.length === 1) end = bounds.max;
    }
    if (start < bounds.min || end > bounds.max || start > end) throw invalidCron();
  }
}

/**
 * Checks a workflow cron schedule as the real server does: robfig/cron/v3 `ParseStandard` (five fields, or a
 * descriptor @yearly … @hourly, or `@every <Go duration>`) must accept it.
 * @throws INVALID_ARGUMENT "invalid CronSchedule." (the real server's text, which names no detail).
 */
export function validateCronSchedule(cron: string): void {
  if (cron.startsWith('@')) {
    if (!DESCRIPTORS.has(cron) && everyMs(cron) === undefined) throw invalidCron();
    return;
  }
  const fields = cron.trim().split(/\s+/);
  // A CRON_TZ= prefix (which robfig accepts) is refused here too: workflow cron schedules run in UTC in this server.
  if (fields.length !== 5) throw invalidCron();
  fields.forEach((field, i) => checkField(field, FIELDS[i]!));
}

/**
 * Milliseconds from `afterMs` to the cron schedule's next time. Workflow cron schedules take the standard five
 * fields (minute hour day-of-month month day-of-week, UTC) or a descriptor (@daily, @every 30s, ...), as the real
 * server's parser does (common/backoff/cron.go: robfig/cron/v3 `ParseStandard`). Its day rule differs from Temporal
 * Schedules': when both day fields are restricted a day matches either of them (classic cron's OR); when either is
 * starred both must match (robfig spec.go `dayMatches`). `@every D` counts from `anchorMs`, the run's execution
 * time (the server's GetBackoffForNextSchedule: anchor + D, then every D, the first such time not before
 * `afterMs`), not from the clock; a first run's anchor is its start, so it runs at start + D.
 * @throws INVALID_ARGUMENT "invalid CronSchedule.".
 */
export function cronDelayMs(cron: string, afterMs: number, anchorMs = afterMs): number {
  validateCronSchedule(cron);
  const every = everyMs(cron);
  if (every !== undefined) {
    // robfig's ConstantDelaySchedule.Next drops the sub-second part of the time it starts from.
    let next = Math.floor(anchorMs / 1000) * 1000 + every;
    if (next < afterMs) next += Math.ceil((afterMs - next) / every) * every;
    return Math.max(0, next - afterMs);
  }
  const fields = cron.trim().split(/\s+/);
  const expression = cron === '@midnight' ? '@daily' : cron === '@annually' ? '@yearly' : cron.trim();
  const [minute, hour, dayOfMonth, month, dayOfWeek] = fields;
  // OR of the two day fields = the earlier of two schedules, each restricted by one day field only.
  const expressions =
    fields.length === 5 && !starred(dayOfMonth!) && !starred(dayOfWeek!)
      ? [`${minute} ${hour} ${dayOfMonth} ${month} *`, `${minute} ${hour} * ${month} ${dayOfWeek}`]
      : [expression];
  let next: number | undefined;
  try {
    for (const each of expressions) {
      const candidate = compileSpec({ cronString: [each] }).next(afterMs);
      if (candidate !== undefined && (next === undefined || candidate < next)) next = candidate;
    }
  } catch {
    throw invalidCron();
  }
  // A schedule with no next time (the 30th of February) is refused by the real server too.
  if (next === undefined) throw invalidCron();
  return Math.max(0, next - afterMs);
}

/**
 * robfig/cron's star bit: a field counts as unrestricted when one of its comma parts is `*` or `?` with no step
 * above 1 (`*\/2` restricts, `*\/1` does not).
 */
function starred(field: string): boolean {
  return field.split(',').some((part) => {
    const [range = '', step] = part.split('/');
    return (range === '*' || range === '?') && (step === undefined || Number(step) <= 1);
  });
}

/** How a run ended, as far as retry and cron are concerned. */
export type RunOutcome = { kind: 'completed' } | { kind: 'failed'; failure: Failure } | { kind: 'timedOut' };

export interface NextRunPlan {
  runId: string;
  initiator: number;
  attempt: number;
  delayMs: number;
}

/**
 * What follows a closing run: the retry state for its closing event and, when the retry policy or the cron
 * schedule calls for one, the next run (its id is chosen now so the closing event can name it).
 */
export function planNextRun(
  run: Run,
  outcome: RunOutcome,
  newRunId: () => string,
  now = Date.now(),
): { retryState: number; next?: NextRunPlan } {
  const state = run.state;
  let retryState: number = RetryState.RETRY_POLICY_NOT_SET;
  if (outcome.kind !== 'completed') {
    const verdict = retryVerdict(run, outcome.kind === 'failed' ? outcome.failure : undefined, now);
    retryState = verdict.retryState;
    if (verdict.retryState === RetryState.IN_PROGRESS) {
      return {
        retryState,
        next: {
          runId: newRunId(),
          initiator: ContinueAsNewInitiator.RETRY,
          attempt: (state.attempt ?? 1) + 1,
          delayMs: verdict.delayMs,
        },
      };
    }
  }
  if (state.cronSchedule) {
    const delayMs = cronDelayMs(state.cronSchedule, now, state.executionAt);
    if (!state.executionDeadline || now + delayMs < state.executionDeadline) {
      return {
        retryState,
        next: { runId: newRunId(), initiator: ContinueAsNewInitiator.CRON_SCHEDULE, attempt: 1, delayMs },
      };
    }
  }
  return { retryState };
}

function retryVerdict(run: Run, failure: Failure | undefined, now: number): { retryState: number; delayMs: number } {
  const state = run.state;
  const policy = state.retryPolicy;
  if (!policy) return { retryState: RetryState.RETRY_POLICY_NOT_SET, delayMs: 0 };
  const info = failure?.applicationFailureInfo;
  if (failure?.canceledFailureInfo || failure?.terminatedFailureInfo || info?.nonRetryable)
    return { retryState: RetryState.NON_RETRYABLE_FAILURE, delayMs: 0 };
  const type = failure ? info?.type : 'TemporalTimeout:StartToClose';
  if (type && (policy.nonRetryableErrorTypes ?? []).includes(type))
    return { retryState: RetryState.NON_RETRYABLE_FAILURE, delayMs: 0 };
  const attempt = state.attempt ?? 1;
  const maximumAttempts = policy.maximumAttempts ?? 0;
  if (maximumAttempts > 0 && attempt >= maximumAttempts)
    return { retryState: RetryState.MAXIMUM_ATTEMPTS_REACHED, delayMs: 0 };
  const initialMs = durationMs(policy.initialInterval) || 1000;
  const coefficient = policy.backoffCoefficient || 2;
  const maximumMs = durationMs(policy.maximumInterval) || 100 * initialMs;
  const explicit = durationMs(info?.nextRetryDelay);
  const delayMs = explicit > 0 ? explicit : Math.min(initialMs * coefficient ** (attempt - 1), maximumMs);
  if (state.executionDeadline > 0 && now + delayMs >= state.executionDeadline)
    return { retryState: RetryState.TIMEOUT, delayMs: 0 };
  return { retryState: RetryState.IN_PROGRESS, delayMs };
}

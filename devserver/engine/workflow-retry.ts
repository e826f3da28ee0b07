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

const DESCRIPTORS = /^@(yearly|annually|monthly|weekly|daily|midnight|hourly|every\s+\S+)$/;

/**
 * Milliseconds from `afterMs` to the cron schedule's next time, strictly after it. Workflow cron schedules take the
 * standard five fields (minute hour day-of-month month day-of-week, UTC) or a descriptor (@daily, @every 30s, ...),
 * as the real server's parser does (common/backoff/cron.go: robfig/cron/v3 `ParseStandard`). Its day rule differs
 * from Temporal Schedules': when both day fields are restricted a day matches either of them (classic cron's OR);
 * when either is starred both must match (robfig spec.go `dayMatches`).
 * @throws INVALID_ARGUMENT "Invalid CronSchedule: …".
 */
export function cronDelayMs(cron: string, afterMs: number): number {
  const text = cron.trim();
  const fields = text.split(/\s+/);
  if (!DESCRIPTORS.test(text) && fields.length !== 5)
    throw invalidArgument(`Invalid CronSchedule: "${cron}" has ${fields.length} fields, expected 5 or a descriptor`);
  const expression = text === '@midnight' ? '@daily' : text === '@annually' ? '@yearly' : text;
  // robfig's day-of-week runs 0-6 only (7 is not Sunday there).
  if (fields.length === 5 && rangeBounds(fields[4]!).some((n) => n > 6))
    throw invalidArgument(`Invalid CronSchedule: "${cron}": day of week above 6 (0-6 or SUN-SAT)`);
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
  } catch (err) {
    throw invalidArgument(`Invalid CronSchedule: ${(err as Error).message.replace(/^Invalid schedule spec: /, '')}`);
  }
  if (next === undefined) throw invalidArgument(`Invalid CronSchedule: "${cron}" has no next time`);
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

/** The numeric range bounds of a field's comma parts (names and steps left out). */
function rangeBounds(field: string): number[] {
  return field
    .split(',')
    .flatMap((part) => (part.split('/')[0] ?? '').split('-'))
    .filter((bound) => /^\d+$/.test(bound))
    .map(Number);
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
    const delayMs = cronDelayMs(state.cronSchedule, now);
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

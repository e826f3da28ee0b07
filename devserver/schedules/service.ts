// The Temporal Schedules service of the devserver: RPC handlers over an in-memory map of schedules, each
// persisted through the store before an RPC answers, each with one timer armed for its next nominal time.
//
// Catch-up after downtime (or a late timer): with policies.catchup_window set, every missed nominal time inside
// the window is taken (the latest MAX_CATCHUP_ACTIONS of them); without it, only the latest missed time within a
// year is taken, so a server that was down for a day does not start a storm of workflows. Others count as missed.
import { status } from '@grpc/grpc-js';
import type { temporal } from '@temporalio/proto';
import { RpcError, alreadyExists, invalidArgument, notFound } from '../errors.js';
import { OverlapPolicy, drainBuffer, mayTakeAction, refreshRunning, schedulePolicy, takeAction } from './actions.js';
import { type CompiledSpec, compileSpec } from './spec.js';
import {
  type ScheduleState,
  normaliseMemo,
  normaliseSchedule,
  normaliseSearchAttributes,
  parseState,
  serialiseState,
} from './state.js';
import { msToTimestamp, protoTimeToMs } from './time.js';
import type { ClosedRun, ScheduleDeps, ScheduleService } from './types.js';
import { WorkflowExecutionStatus } from '../engine/enums.js';
import { attributeValues, matchesFilter, parseQuery } from '../engine/visibility.js';
import { isReservedSearchAttribute } from '../engine/search-attributes.js';

/**
 * What a ListSchedules query may name besides custom search attributes: every other reserved name (WorkflowType,
 * StartTime, ExecutionStatus, …) is refused, as the real scheduler's ValidateVisibilityQuery does; ScheduleId is the
 * real server's stand-in field for the schedule's id.
 */
const SCHEDULE_QUERY_FIELDS: Record<string, string> = {
  ScheduleId: 'Keyword',
  TemporalSchedulePaused: 'Bool',
};

type DescribeResponse = temporal.api.workflowservice.v1.IDescribeScheduleResponse;

const DEFAULT_CATCHUP_MS = 365 * 86_400_000;
export const MAX_CATCHUP_ACTIONS = 100;
const MAX_BACKFILL_ACTIONS = 1000;
const MAX_MATCHING_TIMES = 1000;
const FUTURE_ACTION_TIMES = 10;
const BUFFER_RECHECK_MS = 1000;
const MAX_TIMER_MS = 2 ** 31 - 1;

interface Entry {
  state: ScheduleState;
  spec: CompiledSpec;
  timer?: NodeJS.Timeout;
  recheck?: NodeJS.Timeout;
  queue: Promise<void>;
  deleted: boolean;
}

export function createScheduleService(deps: ScheduleDeps): ScheduleService {
  const now = deps.now ?? Date.now;
  const entries = new Map<string, Entry>();
  let running = false;

  const key = (namespace: string, scheduleId: string) => `${namespace}\u0000${scheduleId}`;
  const find = (namespace: string | null | undefined, scheduleId: string | null | undefined): Entry => {
    const entry = entries.get(key(namespace ?? '', scheduleId ?? ''));
    if (!entry) throw notFound(`schedule "${scheduleId}" not found in namespace "${namespace}"`);
    return entry;
  };

  /** Runs `work` after everything already queued for this schedule, so RPCs and fires never interleave. */
  function enqueue<T>(entry: Entry, work: () => Promise<T> | T): Promise<T> {
    const result = entry.queue.then(() =>
      entry.deleted ? Promise.reject(notFound(`schedule "${entry.state.scheduleId}" was deleted`)) : work(),
    );
    entry.queue = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  function persist(entry: Entry): void {
    deps.store.save({
      namespace: entry.state.namespace,
      scheduleId: entry.state.scheduleId,
      json: serialiseState(entry.state),
    });
  }

  function arm(entry: Entry): void {
    clearTimeout(entry.timer);
    clearTimeout(entry.recheck);
    if (!running || entry.deleted) return;
    const next = entry.spec.next(entry.state.processedUntilMs);
    if (next !== undefined) {
      const delay = Math.min(Math.max(0, next - now()), MAX_TIMER_MS);
      entry.timer = setTimeout(() => void enqueue(entry, () => fire(entry)).catch(logFailure(entry)), delay);
      entry.timer.unref();
    }
    if (entry.state.buffered.length > 0) {
      entry.recheck = setTimeout(
        () => void enqueue(entry, () => settle(entry, () => drainBuffer(deps, entry.state))).catch(logFailure(entry)),
        BUFFER_RECHECK_MS,
      );
      entry.recheck.unref();
    }
  }

  const logFailure = (entry: Entry) => (err: unknown) => {
    if (!entry.deleted)
      deps.log.error('schedule processing failed', {
        scheduleId: entry.state.scheduleId,
        error: (err as Error).message,
      });
  };

  /** Applies a change, persists it, re-arms the timer. */
  async function settle(entry: Entry, change: () => Promise<void> | void): Promise<void> {
    await change();
    persist(entry);
    arm(entry);
  }

  const fire = (entry: Entry) => settle(entry, () => takeDueActions(entry, now()));

  async function takeDueActions(entry: Entry, at: number): Promise<void> {
    const { state, spec } = entry;
    const { due, missed } = dueTimes(state, spec, at);
    state.missedCatchupWindow += missed;
    state.processedUntilMs = Math.max(state.processedUntilMs, at);
    for (const nominalMs of due) {
      if (mayTakeAction(state, false)) await takeAction(deps, state, nominalMs, schedulePolicy(state));
    }
    await drainBuffer(deps, state);
  }

  async function applyPatch(
    entry: Entry,
    patch: temporal.api.schedule.v1.ISchedulePatch | null | undefined,
  ): Promise<void> {
    if (!patch) return;
    const { state, spec } = entry;
    if (patch.triggerImmediately) {
      await takeAction(deps, state, now(), patch.triggerImmediately.overlapPolicy || OverlapPolicy.ALLOW_ALL);
    }
    for (const [index, backfill] of (patch.backfillRequest ?? []).entries()) {
      const from = protoTimeToMs(backfill.startTime);
      const to = protoTimeToMs(backfill.endTime);
      if (from === undefined || to === undefined || to < from) {
        throw invalidArgument(`backfill_request[${index}] needs start_time and end_time with end_time >= start_time`);
      }
      for (const nominalMs of spec.between(from, to, MAX_BACKFILL_ACTIONS)) {
        await takeAction(deps, state, nominalMs, backfill.overlapPolicy || schedulePolicy(state));
      }
    }
    const scheduleState = (state.schedule.state ??= {});
    if (patch.pause) Object.assign(scheduleState, { paused: true, notes: patch.pause });
    if (patch.unpause) Object.assign(scheduleState, { paused: false, notes: patch.unpause });
    await drainBuffer(deps, state);
  }

  function futureActionTimes(entry: Entry, count: number): ReturnType<typeof msToTimestamp>[] {
    const scheduleState = entry.state.schedule.state;
    const limit = scheduleState?.limitedActions ? Math.min(count, Number(scheduleState.remainingActions ?? 0)) : count;
    const times = [];
    for (
      let t = entry.spec.next(Math.max(entry.state.processedUntilMs, now()));
      t !== undefined && times.length < limit;
      t = entry.spec.next(t)
    ) {
      times.push(msToTimestamp(t));
    }
    return times;
  }

  function describedSchedule(entry: Entry): temporal.api.schedule.v1.ISchedule {
    const { schedule } = entry.state;
    return {
      ...schedule,
      spec: entry.spec.described,
      policies: { ...schedule.policies, overlapPolicy: schedulePolicy(entry.state) },
    };
  }

  const recentActions = (entry: Entry) =>
    entry.state.recentActions.map((action) => ({
      scheduleTime: msToTimestamp(action.scheduleMs),
      actualTime: msToTimestamp(action.actualMs),
      startWorkflowResult: { workflowId: action.workflowId, runId: action.runId },
    }));

  const conflictToken = (entry: Entry) => Buffer.from(String(entry.state.conflictToken));

  function checkConflictToken(entry: Entry, token: Uint8Array | null | undefined): void {
    if (token && token.length > 0 && Buffer.from(token).toString() !== String(entry.state.conflictToken)) {
      throw new RpcError(
        status.FAILED_PRECONDITION,
        `schedule "${entry.state.scheduleId}" was changed since its conflict token was read`,
      );
    }
  }

  function load(state: ScheduleState): Entry {
    const entry: Entry = { state, spec: compileSpec(state.schedule.spec), queue: Promise.resolve(), deleted: false };
    entries.set(key(state.namespace, state.scheduleId), entry);
    return entry;
  }

  return {
    async CreateSchedule(req) {
      const scheduleId = requireText(req.scheduleId, 'schedule_id');
      const namespace = requireText(req.namespace, 'namespace');
      const schedule = validateSchedule(req.schedule);
      const spec = compileSpec(schedule.spec);
      if (entries.has(key(namespace, scheduleId)))
        throw alreadyExists(`schedule "${scheduleId}" already exists in namespace "${namespace}"`);
      const createdAt = now();
      const entry = load({
        namespace,
        scheduleId,
        schedule,
        memo: normaliseMemo(req.memo),
        searchAttributes: normaliseSearchAttributes(req.searchAttributes),
        createMs: createdAt,
        updateMs: null,
        conflictToken: 1,
        processedUntilMs: createdAt,
        actionCount: 0,
        missedCatchupWindow: 0,
        overlapSkipped: 0,
        bufferDropped: 0,
        recentActions: [],
        running: [],
        buffered: [],
      });
      entry.spec = spec;
      await enqueue(entry, () => settle(entry, () => applyPatch(entry, req.initialPatch)));
      deps.log.info('schedule created', { namespace, scheduleId });
      return { conflictToken: conflictToken(entry) };
    },

    async DescribeSchedule(req) {
      const entry = find(req.namespace, req.scheduleId);
      return enqueue(entry, () => {
        refreshRunning(deps, entry.state);
        const { state } = entry;
        return {
          schedule: describedSchedule(entry),
          memo: state.memo,
          searchAttributes: state.searchAttributes,
          conflictToken: conflictToken(entry),
          info: {
            actionCount: state.actionCount,
            missedCatchupWindow: state.missedCatchupWindow,
            overlapSkipped: state.overlapSkipped,
            bufferDropped: state.bufferDropped,
            bufferSize: state.buffered.length,
            runningWorkflows: state.running.map(({ workflowId, runId }) => ({ workflowId, runId })),
            recentActions: recentActions(entry),
            futureActionTimes: futureActionTimes(entry, FUTURE_ACTION_TIMES),
            createTime: msToTimestamp(state.createMs),
            updateTime: state.updateMs === null ? null : msToTimestamp(state.updateMs),
          },
        } as unknown as DescribeResponse; // int64 counters as plain numbers, which protobufjs encodes
      });
    },

    async ListSchedules(req) {
      // The real server lists schedules through visibility: ScheduleId, TemporalSchedulePaused and the schedules'
      // custom search attributes may be queried.
      const fieldType = (field: string) => {
        if (SCHEDULE_QUERY_FIELDS[field]) return SCHEDULE_QUERY_FIELDS[field];
        if (isReservedSearchAttribute(field))
          throw invalidArgument(`invalid query filter for schedules: cannot filter on ${JSON.stringify(field)}`);
        return deps.searchAttributeType?.(field) ?? undefined;
      };
      const query = parseQuery(req.query, fieldType);
      if (query.groupBy) throw invalidArgument('ListSchedules: GROUP BY is not supported');
      const valuesOf = (entry: Entry) => (field: string) => {
        if (field === 'ScheduleId') return [entry.state.scheduleId];
        if (field === 'TemporalSchedulePaused') return [entry.state.schedule.state?.paused ?? false];
        return attributeValues(entry.state.searchAttributes?.indexedFields?.[field], fieldType(field));
      };
      const schedules = [...entries.values()]
        .filter((entry) => entry.state.namespace === req.namespace)
        .filter((entry) => matchesFilter(query.filter, valuesOf(entry)))
        .sort((a, b) => a.state.scheduleId.localeCompare(b.state.scheduleId))
        .map((entry) => ({
          scheduleId: entry.state.scheduleId,
          memo: entry.state.memo,
          searchAttributes: entry.state.searchAttributes,
          info: {
            spec: entry.spec.described,
            workflowType: entry.state.schedule.action?.startWorkflow?.workflowType ?? null,
            notes: entry.state.schedule.state?.notes ?? '',
            paused: entry.state.schedule.state?.paused ?? false,
            recentActions: recentActions(entry),
            futureActionTimes: futureActionTimes(entry, 5),
          },
        }));
      return { schedules, nextPageToken: new Uint8Array() };
    },

    async DeleteSchedule(req) {
      const entry = find(req.namespace, req.scheduleId);
      await enqueue(entry, () => {
        entry.deleted = true;
        clearTimeout(entry.timer);
        clearTimeout(entry.recheck);
        deps.store.delete(entry.state.namespace, entry.state.scheduleId);
        entries.delete(key(entry.state.namespace, entry.state.scheduleId));
      });
      deps.log.info('schedule deleted', { namespace: req.namespace, scheduleId: req.scheduleId });
      return {};
    },

    async UpdateSchedule(req) {
      const entry = find(req.namespace, req.scheduleId);
      const schedule = validateSchedule(req.schedule);
      const spec = compileSpec(schedule.spec);
      await enqueue(entry, () =>
        settle(entry, () => {
          checkConflictToken(entry, req.conflictToken);
          Object.assign(entry, { spec });
          Object.assign(entry.state, { schedule, updateMs: now(), conflictToken: entry.state.conflictToken + 1 });
          if (req.searchAttributes) entry.state.searchAttributes = normaliseSearchAttributes(req.searchAttributes);
        }),
      );
      return {};
    },

    async PatchSchedule(req) {
      const entry = find(req.namespace, req.scheduleId);
      await enqueue(entry, () =>
        settle(entry, async () => {
          await applyPatch(entry, req.patch);
          entry.state.updateMs = now();
          entry.state.conflictToken++;
        }),
      );
      return {};
    },

    async ListScheduleMatchingTimes(req) {
      const entry = find(req.namespace, req.scheduleId);
      const from = protoTimeToMs(req.startTime);
      const to = protoTimeToMs(req.endTime);
      if (from === undefined || to === undefined || to < from)
        throw invalidArgument('start_time and end_time are required, with end_time >= start_time');
      return { startTime: entry.spec.between(from, to, MAX_MATCHING_TIMES).map(msToTimestamp) };
    },

    workflowClosed(namespace, workflowId, runId, outcome) {
      for (const entry of entries.values()) {
        if (entry.state.namespace !== namespace) continue;
        const state = entry.state;
        const started = (r: { workflowId: string }) => r.workflowId === workflowId;
        if (
          outcome &&
          pausesOnFailure(state, outcome) &&
          (state.running.some(started) || state.recentActions.some(started))
        )
          void enqueue(entry, () => settle(entry, () => pauseForFailure(state, workflowId, outcome))).catch(
            logFailure(entry),
          );
        if (!entry.state.running.some((r) => r.workflowId === workflowId && r.runId === runId)) continue;
        if (entry.state.buffered.length === 0) continue;
        void enqueue(entry, () => settle(entry, () => drainBuffer(deps, entry.state))).catch(logFailure(entry));
      }
    },

    async settled() {
      let before: Promise<void>[];
      do {
        before = [...entries.values()].map((entry) => entry.queue);
        await Promise.all(before);
      } while ([...entries.values()].some((entry, i) => entry.queue !== before[i]));
    },

    start() {
      running = true;
      for (const record of deps.store.loadAll()) {
        try {
          const entry = load(parseState(record.json, `${record.namespace}/${record.scheduleId}`));
          void enqueue(entry, () => fire(entry)).catch(logFailure(entry));
        } catch (err) {
          deps.log.error('stored schedule could not be loaded; it is ignored', {
            namespace: record.namespace,
            scheduleId: record.scheduleId,
            error: (err as Error).message,
          });
        }
      }
      for (const entry of entries.values()) if (!entry.timer) arm(entry);
    },

    stop() {
      running = false;
      for (const entry of entries.values()) {
        clearTimeout(entry.timer);
        clearTimeout(entry.recheck);
      }
    },
  };
}

/** Missed nominal times in (processedUntil, at] to take now, and how many fall outside the catch-up rule. */
function dueTimes(state: ScheduleState, spec: CompiledSpec, at: number): { due: number[]; missed: number } {
  const explicitWindow = protoTimeToMs(state.schedule.policies?.catchupWindow);
  const window = explicitWindow || DEFAULT_CATCHUP_MS;
  const from = state.processedUntilMs + 1;
  if (spec.next(state.processedUntilMs) === undefined || (spec.next(state.processedUntilMs) as number) > at)
    return { due: [], missed: 0 };
  const wanted = explicitWindow ? MAX_CATCHUP_ACTIONS : 1;
  const due = latestTimes(spec, Math.max(from, at - window), at, wanted);
  const all = spec.between(from, at, 10_000).length;
  return { due, missed: Math.max(0, all - due.length) };
}

/** The latest `count` matching times in [from, to], searching backwards in growing spans. */
function latestTimes(spec: CompiledSpec, from: number, to: number, count: number): number[] {
  for (const span of [60_000, 3_600_000, 86_400_000, 31 * 86_400_000, 366 * 86_400_000, Infinity]) {
    const lo = Math.max(from, to - span);
    const times = spec.between(lo, to, 1_000_000);
    if (times.length >= count || lo === from) return times.slice(-count);
  }
  return [];
}

function requireText(value: string | null | undefined, field: string): string {
  if (!value) throw invalidArgument(`${field} is required`);
  return value;
}

function validateSchedule(
  raw: temporal.api.schedule.v1.ISchedule | null | undefined,
): temporal.api.schedule.v1.ISchedule {
  if (!raw) throw invalidArgument('schedule is required');
  const action = raw.action?.startWorkflow;
  if (!action) throw invalidArgument('schedule.action.start_workflow is required (the only action the devserver runs)');
  requireText(action.workflowId, 'schedule.action.start_workflow.workflow_id');
  requireText(action.workflowType?.name, 'schedule.action.start_workflow.workflow_type.name');
  requireText(action.taskQueue?.name, 'schedule.action.start_workflow.task_queue.name');
  const policy = raw.policies?.overlapPolicy ?? 0;
  if (policy < 0 || policy > OverlapPolicy.ALLOW_ALL)
    throw invalidArgument(`schedule.policies.overlap_policy ${policy} is not a known policy`);
  if ((raw.policies as { keepOriginalWorkflowId?: boolean } | null | undefined)?.keepOriginalWorkflowId)
    throw invalidArgument(
      'schedule.policies.keep_original_workflow_id is not supported by the Lazarus devserver (run ids get the time)',
    );
  if (raw.state?.limitedActions && Number(raw.state.remainingActions ?? 0) < 0)
    throw invalidArgument('schedule.state.remaining_actions is negative');
  return normaliseSchedule(raw);
}

const { FAILED, TIMED_OUT } = WorkflowExecutionStatus;

/** pause_on_failure: a workflow the schedule started that ended failed or timed out (its last run) pauses it. */
function pausesOnFailure(state: ScheduleState, outcome: ClosedRun): boolean {
  if (!state.schedule.policies?.pauseOnFailure || outcome.continued) return false;
  return outcome.status === FAILED || outcome.status === TIMED_OUT;
}

/** As the real scheduler (scheduler workflow, processWatcherResult): paused, with a note naming the workflow. */
function pauseForFailure(state: ScheduleState, workflowId: string, outcome: ClosedRun): void {
  const scheduleState = (state.schedule.state ??= {});
  if (scheduleState.paused) return;
  scheduleState.paused = true;
  scheduleState.notes =
    outcome.status === FAILED
      ? `paused due to workflow failure: ${workflowId}: ${outcome.failureMessage ?? ''}`
      : `paused due to workflow timeout: ${workflowId}`;
}

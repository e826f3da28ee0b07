// The devserver's execution model: what it remembers about each workflow run between requests. Everything in
// `RunState` is plain data (persisted as one small JSON row per run); history events are kept separately and only
// ever appended.
import type { temporal } from '@temporalio/proto';
import type Long from 'long';
import type { UpdateState } from './updates.js';

/**
 * A protobuf message as the devserver handles it: decoded with int64 as numbers (`toObject(..., { longs: Number })`)
 * and every field optional. @temporalio/proto's own interfaces insist on Long for int64 fields.
 */
export type P<T> = T extends Long
  ? number | Long
  : T extends Uint8Array
    ? Uint8Array
    : T extends Array<infer U>
      ? Array<P<U>>
      : T extends object
        ? { [K in keyof T]?: P<NonNullable<T[K]>> | null }
        : T;

export type HistoryEvent = P<temporal.api.history.v1.IHistoryEvent>;
export type Payloads = P<temporal.api.common.v1.IPayloads>;
export type Payload = P<temporal.api.common.v1.IPayload>;
export type Header = P<temporal.api.common.v1.IHeader>;
export type Memo = P<temporal.api.common.v1.IMemo>;
export type SearchAttributes = P<temporal.api.common.v1.ISearchAttributes>;
export type RetryPolicy = P<temporal.api.common.v1.IRetryPolicy>;
export type Failure = P<temporal.api.failure.v1.IFailure>;
export type WorkflowExecution = P<temporal.api.common.v1.IWorkflowExecution>;

export interface WorkflowTaskState {
  scheduledEventId: number;
  attempt: number;
  /** Sticky queue name when dispatched (or to be dispatched) to one worker's cache; normal queue otherwise. */
  stickyQueue?: string;
  startedEventId?: number;
  startedAt?: number;
  /** Start-to-close deadline of a started task. */
  deadline?: number;
  scheduledAt: number;
  /** Not dispatchable before this time (first task of a delayed start or continue-as-new backoff). */
  notBefore?: number;
  /** A sticky task that is not picked up by then goes to the normal queue. */
  stickyDeadline?: number;
}

export interface ActivityState {
  scheduledEventId: number;
  activityId: string;
  activityType: string;
  taskQueue: string;
  input?: Payloads | null;
  header?: Header | null;
  attempt: number;
  started: boolean;
  startedAt?: number;
  startedIdentity?: string;
  scheduledAt: number;
  /** When the current attempt becomes dispatchable (after a retry backoff). */
  attemptScheduledAt: number;
  scheduleToCloseMs: number;
  scheduleToStartMs: number;
  startToCloseMs: number;
  heartbeatMs: number;
  retryPolicy: {
    nonRetryableErrorTypes: string[];
    initialMs: number;
    coefficient: number;
    maximumMs: number;
    maximumAttempts: number;
  };
  heartbeatDetails?: Payloads | null;
  lastHeartbeatAt?: number;
  lastFailure?: Failure | null;
  cancelRequestedEventId?: number;
  /** Its effective priority (the command's fields over the workflow's), for the activity task and describe. */
  priority?: unknown;
}

export interface TimerState {
  timerId: string;
  startedEventId: number;
  fireAt: number;
}

export interface ChildState {
  initiatedEventId: number;
  namespace: string;
  workflowId: string;
  workflowType: string;
  runId?: string;
  startedEventId?: number;
  parentClosePolicy: number;
}

export interface ParentRef {
  namespace: string;
  workflowId: string;
  runId: string;
  initiatedEventId: number;
}

export interface RunState {
  namespace: string;
  workflowId: string;
  runId: string;
  firstExecutionRunId: string;
  workflowType: string;
  taskQueue: string;
  status: number;
  startedAt: number;
  executionAt: number;
  closedAt?: number;
  startRequestId?: string;
  memo: Record<string, Payload | null | undefined>;
  searchAttributes: Record<string, Payload | null | undefined>;
  parent?: ParentRef;
  root?: { workflowId: string; runId: string };
  runTimeoutMs: number;
  executionTimeoutMs: number;
  workflowTaskTimeoutMs: number;
  /** Absolute deadlines for the run and for the whole chain of runs (0 = none). */
  runDeadline: number;
  executionDeadline: number;
  workflowTask?: WorkflowTaskState;
  /** Started event id of the last completed workflow task (previous_started_event_id of the next one). */
  lastCompletedStartedEventId: number;
  /** The worker's sticky queue from the last completion, and how long a task may wait on it. */
  stickyQueue?: string;
  stickyScheduleToStartMs?: number;
  /** Events that arrived while a workflow task was started; written after its completion. */
  buffered: HistoryEvent[];
  activities: Record<string, ActivityState>;
  timers: Record<string, TimerState>;
  children: Record<string, ChildState>;
  cancelRequested: boolean;
  /** Set on close when the run continued as new (or was retried): the next run of the chain. */
  nextRunId?: string;
  historySizeBytes: number;
  /** The run's attempt under its workflow retry policy (1 for the first run and every cron run); 1 when absent. */
  attempt?: number;
  /** The workflow retry policy with the server's defaults filled in; no retries when absent. */
  retryPolicy?: RetryPolicy;
  /** The workflow cron schedule: a new run follows each close (except terminate and cancel). */
  cronSchedule?: string;
  /** The last successful cron run's result, carried to the next cron run after a failed one. */
  lastCompletionResult?: Payloads | null;
  /** Summary and details given at start (temporal.api.sdk.v1.UserMetadata), shown by describe. */
  userMetadata?: unknown;
  /** Priority given at start (temporal.api.common.v1.Priority), shown by describe. */
  priority?: unknown;
  /** Request ids of the signals delivered (the most recent ones), so a retried signal call is not delivered twice. */
  signalRequestIds?: string[];
  /** Workflow updates by update id: admitted, accepted or completed (with the outcome). */
  updates?: Record<string, UpdateState>;
}

export const runKeyOf = (namespace: string, runId: string) => `${namespace}/${runId}`;

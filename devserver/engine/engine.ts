// The devserver's execution engine: every workflow run, its history and its pending work, kept in memory and written
// through to the store. Each accepted change runs inside `transaction()`, which persists it (synchronously) before
// the caller answers its RPC and only then hands new tasks to waiting polls.
import { randomUUID } from 'node:crypto';
import { root } from '../errors.js';
import { DYNAMIC_SETTINGS, type DynamicConfig } from '../dynamic-config.js';
import type { ChangeSet, DevserverStore, NamespaceRecord } from '../store/store.js';
import { Deadlines } from './deadlines.js';
import { EventType, TaskQueueKind, WorkflowExecutionStatus } from './enums.js';
import type { HistoryEvent, RunState } from './model.js';
import { runKeyOf } from './model.js';
import { TaskQueues, type QueueTask } from './task-queues.js';
import { duration, timestamp } from './values.js';

export interface EngineLog {
  debug(msg: string, fields?: object): void;
  info(msg: string, fields?: object): void;
  warn(msg: string, fields?: object): void;
  error(msg: string, fields?: object): void;
}

export interface EngineOptions {
  store: DevserverStore;
  log: EngineLog;
  namespaces: string[];
  /** Registered custom search attributes: name → IndexedValueType name (Keyword, Text, Int, ...). */
  searchAttributes: Map<string, string>;
  pollTimeoutMs?: number;
  queryTimeoutMs?: number;
  /** Honoured dynamic config settings (`--dynamic-config-value`); the real server's defaults when absent. */
  dynamicConfig?: Partial<DynamicConfig>;
}

const HistoryEventType = root.lookupType('temporal.api.history.v1.HistoryEvent');

/** An event's size as the real server counts history size: its encoded protobuf bytes. */
export const encodedEventSize = (event: HistoryEvent): number =>
  HistoryEventType.encode(event as Record<string, unknown>).finish().length;

export interface PendingQuery {
  id: string;
  runKey: string;
  request: { queryType?: string | null; queryArgs?: unknown; header?: unknown };
  resolve(result: unknown): void;
  reject(err: unknown): void;
  dispatched: boolean;
}

/** Marks a buffered event field that must be set to the id of the event just before it when written. */
export const PREVIOUS_EVENT_ID = -1;

export class Run {
  readonly key: string;
  /** Callbacks waiting for this run's history to change (long polls). */
  readonly historyWaiters = new Set<() => void>();
  /** Queries held back while a workflow task is in flight. */
  readonly deferredQueries: string[] = [];

  constructor(
    public state: RunState,
    readonly events: HistoryEvent[],
  ) {
    this.key = runKeyOf(state.namespace, state.runId);
  }

  get open(): boolean {
    return this.state.status === WorkflowExecutionStatus.RUNNING;
  }

  get lastEventId(): number {
    return this.events.length;
  }
}

export class Engine {
  readonly store: DevserverStore;
  readonly log: EngineLog;
  readonly deadlines: Deadlines;
  readonly queues: TaskQueues;
  readonly namespaces = new Map<string, NamespaceRecord>();
  readonly runs = new Map<string, Run>();
  /** namespace/workflowId → key of the latest run of that workflow id. */
  readonly currentRuns = new Map<string, string>();
  /** namespace/requestId → run started by that request (StartWorkflowExecution dedupe). */
  readonly startRequests = new Map<string, string>();
  readonly queries = new Map<string, PendingQuery>();
  /** Registered custom search attributes: name → IndexedValueType name; change them through saveSearchAttributes. */
  readonly searchAttributeTypes: Map<string, string>;
  readonly queryTimeoutMs: number;
  readonly dynamicConfig: DynamicConfig;
  /** Told (after commit) whenever a run closes; the schedules service uses it to start buffered actions. */
  onRunClosed: ((run: Run) => void) | undefined;
  private changes: ChangeSet | undefined;
  private afterCommit: Array<() => void> = [];

  constructor(options: EngineOptions) {
    this.store = options.store;
    this.log = options.log;
    // Those added at run time (OperatorService) and saved, then those of the command line.
    this.searchAttributeTypes = new Map([
      ...Object.entries(this.store.loadSearchAttributes()),
      ...options.searchAttributes,
    ]);
    this.queryTimeoutMs = options.queryTimeoutMs ?? 30_000;
    this.dynamicConfig = {
      historyCountSuggestContinueAsNew: DYNAMIC_SETTINGS.historyCountSuggestContinueAsNew.default,
      historySizeSuggestContinueAsNew: DYNAMIC_SETTINGS.historySizeSuggestContinueAsNew.default,
      ...options.dynamicConfig,
    };
    this.deadlines = new Deadlines((err) =>
      this.log.error('deadline handler failed', { err: String((err as Error)?.stack ?? err) }),
    );
    this.queues = new TaskQueues(options.pollTimeoutMs ?? 55_000);
    for (const record of this.store.loadNamespaces()) this.namespaces.set(record.name, record);
    this.transaction(() => {
      for (const name of ['default', ...options.namespaces]) {
        if (!this.namespaces.has(name)) this.registerNamespace(name, '', 3);
      }
    });
  }

  // ---- transactions -------------------------------------------------------------------------------------------

  /** Runs `change` as one accepted change: persisted before this returns, tasks handed out after. */
  transaction<T>(change: () => T): T {
    if (this.changes) return change();
    const changes: ChangeSet = { runs: new Map(), events: [], namespaces: [] };
    this.changes = changes;
    // Handlers validate before they mutate, so a throw usually leaves nothing to write; when a handler records
    // something and then rejects the request (a workflow task failed for a bad command), that record must persist
    // too. Either way memory and database stay the same.
    try {
      return change();
    } finally {
      this.changes = undefined;
      this.commit(changes);
      const followUps = this.afterCommit;
      this.afterCommit = [];
      for (const followUp of followUps) followUp();
    }
  }

  private commit(changes: ChangeSet): void {
    try {
      this.store.commit(changes);
    } catch (err) {
      // Memory is now ahead of the database; continuing would acknowledge changes a restart would lose.
      this.log.error('cannot persist a change; stopping the server to keep the database consistent', {
        err: String(err),
      });
      process.exit(70);
    }
  }

  /** Runs `action` once the current transaction has been persisted. */
  later(action: () => void): void {
    if (this.changes) this.afterCommit.push(action);
    else action();
  }

  touch(run: Run): void {
    this.changes?.runs.set(run.key, run.state);
  }

  // ---- namespaces ---------------------------------------------------------------------------------------------

  registerNamespace(
    name: string,
    description: string,
    retentionDays: number,
    extra: Pick<NamespaceRecord, 'ownerEmail' | 'data'> = {},
  ): NamespaceRecord {
    const record: NamespaceRecord = {
      name,
      id: randomUUID(),
      description,
      retentionDays,
      registeredAt: Date.now(),
      ...extra,
    };
    this.namespaces.set(name, record);
    this.changes?.namespaces.push(record);
    return record;
  }

  /** Persists the registered custom search attributes after an OperatorService change. */
  saveSearchAttributes(): void {
    try {
      this.store.saveSearchAttributes(Object.fromEntries(this.searchAttributeTypes));
    } catch (err) {
      this.log.error('cannot persist the search attributes; stopping the server', { err: String(err) });
      process.exit(70);
    }
  }

  // ---- runs and history ---------------------------------------------------------------------------------------

  addRun(run: Run): void {
    this.runs.set(run.key, run);
    this.currentRuns.set(`${run.state.namespace}/${run.state.workflowId}`, run.key);
    if (run.state.startRequestId) this.startRequests.set(`${run.state.namespace}/${run.state.startRequestId}`, run.key);
  }

  currentRun(namespace: string, workflowId: string): Run | undefined {
    const key = this.currentRuns.get(`${namespace}/${workflowId}`);
    return key ? this.runs.get(key) : undefined;
  }

  /** The run an RPC names: a specific run id, or the latest run of the workflow id. */
  findRun(namespace: string, workflowId: string, runId?: string | null): Run | undefined {
    if (runId) {
      const run = this.runs.get(runKeyOf(namespace, runId));
      return run && run.state.workflowId === workflowId ? run : undefined;
    }
    return this.currentRun(namespace, workflowId);
  }

  /** Writes an event to the run's history now. */
  append(run: Run, event: Omit<HistoryEvent, 'eventId' | 'eventTime'>): HistoryEvent {
    const written: HistoryEvent = { eventId: run.events.length + 1, eventTime: timestamp(Date.now()), ...event };
    for (const [field, value] of Object.entries(written)) {
      if (
        field.endsWith('Attributes') &&
        value &&
        (value as { startedEventId?: number }).startedEventId === PREVIOUS_EVENT_ID
      ) {
        (value as { startedEventId: number }).startedEventId = run.events.length;
      }
    }
    run.events.push(written);
    run.state.historySizeBytes = (run.state.historySizeBytes ?? 0) + encodedEventSize(written);
    this.changes?.events.push({ runKey: run.key, event: written });
    this.touch(run);
    if (run.historyWaiters.size > 0) this.later(() => this.wakeHistoryWaiters(run));
    return written;
  }

  /** Writes an event now, or holds it until the in-flight workflow task completes (the server's event buffering). */
  appendOrBuffer(run: Run, event: Omit<HistoryEvent, 'eventId' | 'eventTime'>): void {
    if (run.state.workflowTask?.startedEventId !== undefined) {
      run.state.buffered.push(event);
      this.touch(run);
    } else {
      this.append(run, event);
    }
  }

  flushBuffered(run: Run): number {
    const buffered = run.state.buffered;
    run.state.buffered = [];
    for (const event of buffered) this.append(run, event);
    return buffered.length;
  }

  /** Wakes the long polls waiting on this run's history (call after commit, via `later`). */
  wakeHistoryWaiters(run: Run): void {
    const waiters = [...run.historyWaiters];
    run.historyWaiters.clear();
    for (const wake of waiters) wake();
  }

  waitForHistoryChange(run: Run, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        run.historyWaiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, timeoutMs);
      run.historyWaiters.add(wake);
    });
  }

  // ---- workflow tasks -----------------------------------------------------------------------------------------

  /** Ensures a workflow task will run for this run (at most one is scheduled or in flight at a time). */
  scheduleWorkflowTask(run: Run, attempt = 1, notBefore?: number): void {
    const state = run.state;
    if (!run.open || state.workflowTask) return;
    const sticky = state.stickyQueue;
    const event = this.append(run, {
      eventType: EventType.WORKFLOW_TASK_SCHEDULED,
      workflowTaskScheduledEventAttributes: {
        taskQueue: sticky
          ? { name: sticky, kind: TaskQueueKind.STICKY, normalName: state.taskQueue }
          : { name: state.taskQueue, kind: TaskQueueKind.NORMAL },
        startToCloseTimeout: duration(state.workflowTaskTimeoutMs),
        attempt,
      },
    });
    state.workflowTask = {
      scheduledEventId: Number(event.eventId),
      attempt,
      scheduledAt: Date.now(),
      stickyQueue: sticky,
      notBefore,
    };
    this.touch(run);
    this.later(() => this.enqueueWorkflowTask(run));
  }

  enqueueWorkflowTask(run: Run): void {
    const task = run.state.workflowTask;
    if (!run.open || !task || task.startedEventId !== undefined) return;
    const { scheduledEventId, attempt } = task;
    if (task.notBefore && task.notBefore > Date.now()) {
      this.deadlines.at(task.notBefore, () => {
        const current = run.state.workflowTask;
        if (current?.scheduledEventId === scheduledEventId && current.attempt === attempt) {
          current.notBefore = undefined;
          this.enqueueWorkflowTask(run);
        }
      });
      return;
    }
    const queueTask: QueueTask = { kind: 'workflow', runKey: run.key, scheduledEventId, attempt };
    if (task.stickyQueue) {
      const stickyQueue = task.stickyQueue;
      const waitMs = run.state.stickyScheduleToStartMs || 5_000;
      this.deadlines.at(Date.now() + waitMs, () => this.stickyTaskExpired(run, scheduledEventId, attempt, stickyQueue));
      this.queues.offer(TaskQueues.key(run.state.namespace, 'workflow', stickyQueue), queueTask);
    } else {
      this.queues.offer(TaskQueues.key(run.state.namespace, 'workflow', run.state.taskQueue), queueTask);
    }
  }

  /** Nobody took the task from the worker's sticky queue in time: hand it to any worker, with the full history. */
  private stickyTaskExpired(run: Run, scheduledEventId: number, attempt: number, stickyQueue: string): void {
    const task = run.state.workflowTask;
    if (!run.open || !task || task.scheduledEventId !== scheduledEventId || task.attempt !== attempt) return;
    if (task.startedEventId !== undefined || task.stickyQueue !== stickyQueue) return;
    this.transaction(() => {
      this.log.debug('sticky task not picked up in time; moving it to the normal queue', {
        workflowId: run.state.workflowId,
      });
      this.clearSticky(run);
      this.later(() => this.enqueueWorkflowTask(run));
    });
  }

  clearSticky(run: Run): void {
    run.state.stickyQueue = undefined;
    run.state.stickyScheduleToStartMs = undefined;
    if (run.state.workflowTask && run.state.workflowTask.startedEventId === undefined)
      run.state.workflowTask.stickyQueue = undefined;
    this.touch(run);
  }

  // ---- lifecycle ----------------------------------------------------------------------------------------------

  newRunId(): string {
    return randomUUID();
  }

  stop(): void {
    this.deadlines.stop();
    this.queues.releaseAll();
    for (const query of this.queries.values()) query.reject(new Error('server shutting down'));
    this.queries.clear();
  }
}

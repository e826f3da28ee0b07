// The contract between the devserver's gRPC binding and its Temporal Schedules service.
import type { temporal } from '@temporalio/proto';

export type StartWorkflowRequest = temporal.api.workflowservice.v1.IStartWorkflowExecutionRequest;

export interface ScheduleDeps {
  /** Starts a workflow; throws RpcError ALREADY_EXISTS when the workflow id is already running. */
  startWorkflow(namespace: string, request: StartWorkflowRequest): Promise<{ runId: string }>;
  isRunning(namespace: string, workflowId: string, runId: string): boolean;
  terminateWorkflow(namespace: string, workflowId: string, runId: string, reason: string): Promise<void>;
  cancelWorkflow(namespace: string, workflowId: string, runId: string, reason: string): Promise<void>;
  store: ScheduleStore;
  log: ScheduleLog;
  /** Current time; `Date.now` by default (tests pass a fake clock). */
  now?: () => number;
  /** The type of a registered custom search attribute (for ListSchedules queries); none when absent. */
  searchAttributeType?: (name: string) => string | undefined;
}

export interface ScheduleLog {
  info(msg: string, fields?: object): void;
  warn(msg: string, fields?: object): void;
  error(msg: string, fields?: object): void;
}

export interface ScheduleStore {
  loadAll(): ScheduleRecord[];
  save(record: ScheduleRecord): void;
  delete(namespace: string, scheduleId: string): void;
}

export interface ScheduleRecord {
  namespace: string;
  scheduleId: string;
  /** Opaque to the store: the schedule's full persisted state. */
  json: string;
}

/** Decoded protobuf requests in, plain response objects out; errors are thrown as RpcError. */
export interface ScheduleService {
  CreateSchedule(
    req: temporal.api.workflowservice.v1.ICreateScheduleRequest,
  ): Promise<temporal.api.workflowservice.v1.ICreateScheduleResponse>;
  DescribeSchedule(
    req: temporal.api.workflowservice.v1.IDescribeScheduleRequest,
  ): Promise<temporal.api.workflowservice.v1.IDescribeScheduleResponse>;
  ListSchedules(
    req: temporal.api.workflowservice.v1.IListSchedulesRequest,
  ): Promise<temporal.api.workflowservice.v1.IListSchedulesResponse>;
  DeleteSchedule(
    req: temporal.api.workflowservice.v1.IDeleteScheduleRequest,
  ): Promise<temporal.api.workflowservice.v1.IDeleteScheduleResponse>;
  UpdateSchedule(
    req: temporal.api.workflowservice.v1.IUpdateScheduleRequest,
  ): Promise<temporal.api.workflowservice.v1.IUpdateScheduleResponse>;
  PatchSchedule(
    req: temporal.api.workflowservice.v1.IPatchScheduleRequest,
  ): Promise<temporal.api.workflowservice.v1.IPatchScheduleResponse>;
  ListScheduleMatchingTimes(
    req: temporal.api.workflowservice.v1.IListScheduleMatchingTimesRequest,
  ): Promise<temporal.api.workflowservice.v1.IListScheduleMatchingTimesResponse>;
  /**
   * The binding calls this when any workflow closes: a schedule with a buffered action (BUFFER_ONE, BUFFER_ALL,
   * CANCEL_OTHER) starts it as soon as its running workflow closes. Without the call a buffered action still
   * starts, but only at the next one-second re-check.
   */
  workflowClosed(namespace: string, workflowId: string, runId: string, outcome?: ClosedRun): void;
  /** Resolves once every queued operation on every schedule (RPCs, fires) has finished. */
  settled(): Promise<void>;
  /** Loads every schedule from the store and arms its timer. */
  start(): void;
  /** Disarms every timer; in-flight fires finish but arm nothing new. */
  stop(): void;
}

/** How a workflow run closed, for a schedule's pause-on-failure. */
export interface ClosedRun {
  /** WorkflowExecutionStatus of the run. */
  status: number;
  /** The failure's message when the run failed. */
  failureMessage?: string;
  /** True when another run follows it (retry, cron, continue-as-new): the workflow has not closed yet. */
  continued: boolean;
}

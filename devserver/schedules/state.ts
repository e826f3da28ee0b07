// One schedule's full state and its persisted JSON form (the `json` of a ScheduleRecord).
import type { temporal } from '@temporalio/proto';
import { root } from '../errors.js';

export type Schedule = temporal.api.schedule.v1.ISchedule;
export type Memo = temporal.api.common.v1.IMemo;
export type SearchAttributes = temporal.api.common.v1.ISearchAttributes;

export interface WorkflowRun {
  workflowId: string;
  runId: string;
}

export interface RecentAction extends WorkflowRun {
  scheduleMs: number;
  actualMs: number;
}

export interface BufferedStart {
  nominalMs: number;
  overlapPolicy: number;
}

export interface ScheduleState {
  namespace: string;
  scheduleId: string;
  schedule: Schedule;
  memo: Memo | null;
  searchAttributes: SearchAttributes | null;
  createMs: number;
  updateMs: number | null;
  conflictToken: number;
  /** Every nominal time up to here has been handled (taken, skipped or missed). */
  processedUntilMs: number;
  actionCount: number;
  missedCatchupWindow: number;
  overlapSkipped: number;
  bufferDropped: number;
  recentActions: RecentAction[];
  running: WorkflowRun[];
  buffered: BufferedStart[];
}

const PERSISTED_VERSION = 1;
const ScheduleType = root.lookupType('temporal.api.schedule.v1.Schedule');
const MemoType = root.lookupType('temporal.api.common.v1.Memo');
const SearchAttributesType = root.lookupType('temporal.api.common.v1.SearchAttributes');
const jsonOptions = { longs: String, bytes: String, enums: Number, defaults: false };

/** Copies a decoded or plain protobuf object into a fresh message (int64 as Long, bytes as Uint8Array). */
export const normaliseSchedule = (schedule: Schedule): Schedule =>
  ScheduleType.fromObject(toJson(ScheduleType, schedule)) as Schedule;
export const normaliseMemo = (memo: Memo | null | undefined): Memo | null =>
  memo ? (MemoType.fromObject(toJson(MemoType, memo)) as Memo) : null;
export const normaliseSearchAttributes = (attributes: SearchAttributes | null | undefined): SearchAttributes | null =>
  attributes ? (SearchAttributesType.fromObject(toJson(SearchAttributesType, attributes)) as SearchAttributes) : null;

function toJson(type: typeof ScheduleType, value: object): Record<string, unknown> {
  return type.toObject(type.fromObject(value as Record<string, unknown>), jsonOptions);
}

export function serialiseState(state: ScheduleState): string {
  return JSON.stringify({
    ...state,
    version: PERSISTED_VERSION,
    schedule: toJson(ScheduleType, state.schedule),
    memo: state.memo && toJson(MemoType, state.memo),
    searchAttributes: state.searchAttributes && toJson(SearchAttributesType, state.searchAttributes),
  });
}

/** Throws Error naming the record when its JSON is not a schedule this version wrote. */
export function parseState(json: string, where: string): ScheduleState {
  let raw: ScheduleState & { version?: number };
  try {
    raw = JSON.parse(json);
  } catch (err) {
    throw new Error(`stored schedule ${where} is not JSON: ${(err as Error).message}`);
  }
  if (
    raw.version !== PERSISTED_VERSION ||
    typeof raw.scheduleId !== 'string' ||
    typeof raw.processedUntilMs !== 'number'
  ) {
    throw new Error(`stored schedule ${where} has an unknown format (version ${String(raw.version)})`);
  }
  delete raw.version;
  return {
    ...raw,
    schedule: ScheduleType.fromObject(raw.schedule as Record<string, unknown>) as Schedule,
    memo: raw.memo && (MemoType.fromObject(raw.memo as Record<string, unknown>) as Memo),
    searchAttributes:
      raw.searchAttributes &&
      (SearchAttributesType.fromObject(raw.searchAttributes as Record<string, unknown>) as SearchAttributes),
  };
}

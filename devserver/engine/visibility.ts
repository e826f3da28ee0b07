// Visibility: describe, list and count executions. List queries support the part of Temporal's SQL-like language
// that Lazarus and the SDK use: comparisons (=, !=, IN) on WorkflowId, RunId, WorkflowType, ExecutionStatus,
// TaskQueue and custom search attributes, combined with AND, OR and parentheses; ORDER BY is accepted and ignored
// (results are newest first); GROUP BY ExecutionStatus for counts.
import type { temporal } from '@temporalio/proto';
import type { P } from './model.js';
import { invalidArgument } from '../errors.js';
import { pendingActivityInfo } from './activities.js';
import type { Engine, Run } from './engine.js';
import { WorkflowExecutionStatus } from './enums.js';
import { duration, jsonPayload, payloadValue, timestamp } from './values.js';

const STATUS_NAMES: Record<string, number> = {
  Running: WorkflowExecutionStatus.RUNNING,
  Completed: WorkflowExecutionStatus.COMPLETED,
  Failed: WorkflowExecutionStatus.FAILED,
  Canceled: WorkflowExecutionStatus.CANCELED,
  Terminated: WorkflowExecutionStatus.TERMINATED,
  ContinuedAsNew: WorkflowExecutionStatus.CONTINUED_AS_NEW,
  TimedOut: WorkflowExecutionStatus.TIMED_OUT,
};
const statusName = (value: number) => Object.entries(STATUS_NAMES).find(([, v]) => v === value)?.[0] ?? 'Unspecified';

type Value = string | number | boolean;
type Filter =
  | { op: 'and' | 'or'; left: Filter; right: Filter }
  | { op: '=' | '!='; field: string; value: Value }
  | { op: 'in'; field: string; values: Value[] }
  | { op: 'true' };

export interface ParsedQuery {
  filter: Filter;
  groupBy?: string;
}

export function parseQuery(text: string | null | undefined): ParsedQuery {
  const tokens = tokenize(text ?? '');
  let i = 0;
  const peek = () => tokens[i];
  const isWord = (word: string) => peek()?.toUpperCase() === word;
  const expect = (what: string) => {
    const token = tokens[i++];
    if (token === undefined) throw invalidArgument(`invalid query: expected ${what} at the end of "${text}"`);
    return token;
  };
  const parseValue = (): Value => {
    const token = expect('a value');
    if (/^['"]/.test(token)) return token.slice(1, -1);
    if (/^-?\d+(\.\d+)?$/.test(token)) return Number(token);
    if (/^(true|false)$/i.test(token)) return token.toLowerCase() === 'true';
    throw invalidArgument(`invalid query: "${token}" is not a value (quote strings) in "${text}"`);
  };
  const parseAtom = (): Filter => {
    if (peek() === '(') {
      i++;
      const inner = parseOr();
      if (expect(')') !== ')') throw invalidArgument(`invalid query: missing ) in "${text}"`);
      return inner;
    }
    const field = expect('a field name');
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(field))
      throw invalidArgument(`invalid query: "${field}" is not a field name in "${text}"`);
    const op = expect('an operator');
    if (op === '=' || op === '!=') return { op, field, value: parseValue() };
    if (op.toUpperCase() === 'IN') {
      if (expect('(') !== '(') throw invalidArgument(`invalid query: IN needs a list in "${text}"`);
      const values = [parseValue()];
      while (peek() === ',') {
        i++;
        values.push(parseValue());
      }
      if (expect(')') !== ')') throw invalidArgument(`invalid query: missing ) in "${text}"`);
      return { op: 'in', field, values };
    }
    throw invalidArgument(
      `invalid query: operator "${op}" is not supported by the Lazarus devserver (use =, != or IN)`,
    );
  };
  const parseAnd = (): Filter => {
    let left = parseAtom();
    while (isWord('AND')) {
      i++;
      left = { op: 'and', left, right: parseAtom() };
    }
    return left;
  };
  const parseOr = (): Filter => {
    let left = parseAnd();
    while (isWord('OR')) {
      i++;
      left = { op: 'or', left, right: parseAnd() };
    }
    return left;
  };
  let filter: Filter = { op: 'true' };
  if (tokens.length > 0 && !isWord('ORDER') && !isWord('GROUP')) filter = parseOr();
  let groupBy: string | undefined;
  while (i < tokens.length) {
    if (isWord('ORDER')) {
      i += 2; // ORDER BY
      expect('a field name');
      if (isWord('ASC') || isWord('DESC')) i++;
    } else if (isWord('GROUP')) {
      i += 2;
      groupBy = expect('a field name');
      if (groupBy !== 'ExecutionStatus')
        throw invalidArgument('invalid query: only GROUP BY ExecutionStatus is supported');
    } else {
      throw invalidArgument(`invalid query: unexpected "${tokens[i]}" in "${text}"`);
    }
  }
  return { filter, groupBy };
}

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  const pattern = /\s*(?:('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")|(!=|=|\(|\)|,)|([^\s=!(),'"]+))/y;
  let match: RegExpExecArray | null;
  let position = 0;
  while (position < text.length) {
    pattern.lastIndex = position;
    match = pattern.exec(text);
    if (!match || match[0].length === 0) {
      if (/^\s*$/.test(text.slice(position))) break;
      throw invalidArgument(`invalid query: cannot read "${text.slice(position)}"`);
    }
    tokens.push(match[1] ?? match[2] ?? match[3]!);
    position = pattern.lastIndex;
  }
  return tokens;
}

function fieldValues(run: Run, field: string): Value[] {
  const s = run.state;
  switch (field) {
    case 'WorkflowId':
      return [s.workflowId];
    case 'RunId':
      return [s.runId];
    case 'WorkflowType':
      return [s.workflowType];
    case 'TaskQueue':
      return [s.taskQueue];
    case 'ExecutionStatus':
      return [statusName(s.status)];
    default: {
      const value = payloadValue(s.searchAttributes[field]);
      if (Array.isArray(value)) return value as Value[];
      return value === undefined || value === null ? [] : [value as Value];
    }
  }
}

function matches(run: Run, filter: Filter): boolean {
  switch (filter.op) {
    case 'true':
      return true;
    case 'and':
      return matches(run, filter.left) && matches(run, filter.right);
    case 'or':
      return matches(run, filter.left) || matches(run, filter.right);
    case '=':
      return fieldValues(run, filter.field).some((v) => v === filter.value);
    case '!=':
      return !fieldValues(run, filter.field).some((v) => v === filter.value);
    case 'in':
      return fieldValues(run, filter.field).some((v) => filter.values.includes(v));
  }
}

function matchingRuns(engine: Engine, namespace: string, query: ParsedQuery): Run[] {
  const result: Run[] = [];
  for (const run of engine.runs.values()) {
    if (run.state.namespace === namespace && matches(run, query.filter)) result.push(run);
  }
  return result.sort((a, b) => b.state.startedAt - a.state.startedAt || (a.state.runId < b.state.runId ? -1 : 1));
}

export function listExecutions(
  engine: Engine,
  namespace: string,
  request: P<temporal.api.workflowservice.v1.IListWorkflowExecutionsRequest>,
) {
  const query = parseQuery(request.query);
  const runs = matchingRuns(engine, namespace, query);
  const offset = request.nextPageToken?.length ? Number(Buffer.from(request.nextPageToken).toString()) || 0 : 0;
  const pageSize = request.pageSize && request.pageSize > 0 ? request.pageSize : 1000;
  const page = runs.slice(offset, offset + pageSize);
  const next = offset + pageSize < runs.length ? Buffer.from(String(offset + pageSize)) : Buffer.alloc(0);
  return { executions: page.map(executionInfo), nextPageToken: next };
}

export function countExecutions(
  engine: Engine,
  namespace: string,
  request: P<temporal.api.workflowservice.v1.ICountWorkflowExecutionsRequest>,
) {
  const query = parseQuery(request.query);
  const runs = matchingRuns(engine, namespace, query);
  if (!query.groupBy) return { count: runs.length };
  const counts = new Map<string, number>();
  for (const run of runs) counts.set(statusName(run.state.status), (counts.get(statusName(run.state.status)) ?? 0) + 1);
  return {
    count: runs.length,
    groups: [...counts].map(([name, count]) => ({ groupValues: [jsonPayload(name, 'Keyword')], count })),
  };
}

export function executionInfo(run: Run): P<temporal.api.workflow.v1.IWorkflowExecutionInfo> {
  const s = run.state;
  return {
    execution: { workflowId: s.workflowId, runId: s.runId },
    type: { name: s.workflowType },
    startTime: timestamp(s.startedAt),
    closeTime: s.closedAt ? timestamp(s.closedAt) : undefined,
    status: s.status,
    historyLength: run.events.length,
    historySizeBytes: s.historySizeBytes ?? 0,
    executionTime: timestamp(s.executionAt),
    memo: { fields: s.memo },
    searchAttributes: { indexedFields: s.searchAttributes },
    taskQueue: s.taskQueue,
    parentNamespaceId: s.parent?.namespace,
    parentExecution: s.parent ? { workflowId: s.parent.workflowId, runId: s.parent.runId } : undefined,
    rootExecution: s.root,
    firstRunId: s.firstExecutionRunId,
    stateTransitionCount: run.events.length,
    priority: s.priority as P<temporal.api.common.v1.IPriority> | undefined,
  };
}

export function describeExecution(run: Run): P<temporal.api.workflowservice.v1.IDescribeWorkflowExecutionResponse> {
  const s = run.state;
  const wt = s.workflowTask;
  return {
    executionConfig: {
      taskQueue: { name: s.taskQueue, kind: 1 },
      workflowExecutionTimeout: duration(s.executionTimeoutMs),
      workflowRunTimeout: duration(s.runTimeoutMs),
      defaultWorkflowTaskTimeout: duration(s.workflowTaskTimeoutMs),
      userMetadata: s.userMetadata as P<temporal.api.sdk.v1.IUserMetadata> | undefined,
    },
    workflowExecutionInfo: executionInfo(run),
    pendingActivities: Object.values(s.activities).map(pendingActivityInfo),
    pendingChildren: Object.values(s.children)
      .filter((c) => c.runId)
      .map((c) => ({
        workflowId: c.workflowId,
        runId: c.runId,
        workflowTypeName: c.workflowType,
        initiatedId: c.initiatedEventId,
        parentClosePolicy: c.parentClosePolicy,
      })),
    pendingWorkflowTask: wt
      ? {
          state: wt.startedEventId !== undefined ? 2 : 1,
          scheduledTime: timestamp(wt.scheduledAt),
          startedTime: wt.startedAt ? timestamp(wt.startedAt) : undefined,
          attempt: wt.attempt,
        }
      : undefined,
  };
}

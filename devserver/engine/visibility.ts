// Visibility: describe, list and count executions. List queries support Temporal's SQL-like language (see
// parseQuery) on the system search attributes (WorkflowId, RunId, WorkflowType, ExecutionStatus, TaskQueue,
// StartTime, CloseTime, ExecutionTime, HistoryLength, ...) and registered custom ones; results are newest first
// unless ORDER BY says otherwise; GROUP BY ExecutionStatus for counts.
import type { temporal } from '@temporalio/proto';
import type { P } from './model.js';
import { invalidArgument } from '../errors.js';
import { pendingActivityInfo } from './activities.js';
import type { Engine, Run } from './engine.js';
import { WorkflowExecutionStatus } from './enums.js';
import { queryableType } from './search-attributes.js';
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
type Comparison = '=' | '!=' | '>' | '<' | '>=' | '<=';
type Filter =
  | { op: 'and' | 'or'; left: Filter; right: Filter }
  | { op: 'cmp'; cmp: Comparison; field: string; value: Value }
  | { op: 'in' | 'notIn'; field: string; values: Value[] }
  | { op: 'between'; field: string; low: Value; high: Value }
  | { op: 'startsWith'; field: string; prefix: string }
  | { op: 'isNull' | 'isNotNull'; field: string }
  | { op: 'true' };

export interface ParsedQuery {
  filter: Filter;
  groupBy?: string;
  orderBy?: { field: string; descending: boolean };
}

/** The type of a field a query may use (Keyword, Datetime, Int, ...), or undefined when it is not defined. */
export type FieldTypes = (field: string) => string | undefined;

const COMPARISONS = new Set(['=', '!=', '>', '<', '>=', '<=']);

/**
 * Parses Temporal's SQL-like visibility query: comparisons (=, !=, <>, >, <, >=, <=), IN / NOT IN, BETWEEN … AND …,
 * STARTS_WITH, IS [NOT] NULL, combined with AND, OR and parentheses; ORDER BY one field; GROUP BY ExecutionStatus.
 * Datetime values (RFC 3339 strings) are compared as instants.
 * @throws INVALID_ARGUMENT "invalid query: …" naming what is wrong, including a field that is not defined.
 */
export function parseQuery(text: string | null | undefined, types: FieldTypes): ParsedQuery {
  const tokens = tokenize(text ?? '');
  let i = 0;
  const peek = () => tokens[i];
  const isWord = (word: string) => peek()?.toUpperCase() === word;
  const expect = (what: string) => {
    const token = tokens[i++];
    if (token === undefined) throw invalidArgument(`invalid query: expected ${what} at the end of "${text}"`);
    return token;
  };
  const expectWord = (word: string) => {
    if (expect(word).toUpperCase() !== word) throw invalidArgument(`invalid query: expected ${word} in "${text}"`);
  };
  const parseValue = (field: string): Value => {
    const token = expect('a value');
    let value: Value;
    if (/^['"]/.test(token)) value = token.slice(1, -1);
    else if (/^-?\d+(\.\d+)?$/.test(token)) value = Number(token);
    else if (/^(true|false)$/i.test(token)) value = token.toLowerCase() === 'true';
    else throw invalidArgument(`invalid query: "${token}" is not a value (quote strings) in "${text}"`);
    if (types(field) === 'Datetime') {
      const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
      if (Number.isNaN(ms)) throw invalidArgument(`invalid query: ${field} needs a date-time value, got ${token}`);
      return ms;
    }
    return value;
  };
  const parseField = () => {
    const field = expect('a field name');
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(field))
      throw invalidArgument(`invalid query: "${field}" is not a field name in "${text}"`);
    if (!types(field)) throw invalidArgument(`invalid query: search attribute ${field} is not defined`);
    return field;
  };
  const parseList = (field: string): Value[] => {
    if (expect('(') !== '(') throw invalidArgument(`invalid query: IN needs a list in "${text}"`);
    const values = [parseValue(field)];
    while (peek() === ',') {
      i++;
      values.push(parseValue(field));
    }
    if (expect(')') !== ')') throw invalidArgument(`invalid query: missing ) in "${text}"`);
    return values;
  };
  const parseAtom = (): Filter => {
    if (peek() === '(') {
      i++;
      const inner = parseOr();
      if (expect(')') !== ')') throw invalidArgument(`invalid query: missing ) in "${text}"`);
      return inner;
    }
    const field = parseField();
    const op = expect('an operator');
    const word = op.toUpperCase();
    if (COMPARISONS.has(op) || op === '<>')
      return { op: 'cmp', cmp: (op === '<>' ? '!=' : op) as Comparison, field, value: parseValue(field) };
    if (word === 'IN') return { op: 'in', field, values: parseList(field) };
    if (word === 'NOT') {
      expectWord('IN');
      return { op: 'notIn', field, values: parseList(field) };
    }
    if (word === 'BETWEEN') {
      const low = parseValue(field);
      expectWord('AND');
      return { op: 'between', field, low, high: parseValue(field) };
    }
    if (word === 'STARTS_WITH') {
      const prefix = parseValue(field);
      if (typeof prefix !== 'string') throw invalidArgument(`invalid query: STARTS_WITH needs a string in "${text}"`);
      return { op: 'startsWith', field, prefix };
    }
    if (word === 'IS') {
      if (isWord('NOT')) {
        i++;
        expectWord('NULL');
        return { op: 'isNotNull', field };
      }
      expectWord('NULL');
      return { op: 'isNull', field };
    }
    throw invalidArgument(`invalid query: operator "${op}" is not supported in "${text}"`);
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
  let orderBy: ParsedQuery['orderBy'];
  while (i < tokens.length) {
    if (isWord('ORDER')) {
      i++;
      expectWord('BY');
      const field = parseField();
      let descending = false;
      if (isWord('ASC') || isWord('DESC')) descending = tokens[i++]!.toUpperCase() === 'DESC';
      orderBy = { field, descending };
    } else if (isWord('GROUP')) {
      i++;
      expectWord('BY');
      groupBy = expect('a field name');
      if (groupBy !== 'ExecutionStatus')
        throw invalidArgument('invalid query: only GROUP BY ExecutionStatus is supported');
    } else {
      throw invalidArgument(`invalid query: unexpected "${tokens[i]}" in "${text}"`);
    }
  }
  return { filter, groupBy, orderBy };
}

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  const pattern = /\s*(?:('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")|(!=|<>|<=|>=|=|<|>|\(|\)|,)|([^\s=!<>(),'"]+))/y;
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

/** A search attribute's values as a query compares them: Datetime as ms since epoch, lists as their items. */
export function attributeValues(payload: Parameters<typeof payloadValue>[0], type: string | undefined): Value[] {
  const value = payloadValue(payload);
  const values = (Array.isArray(value) ? value : value === undefined || value === null ? [] : [value]) as Value[];
  return type === 'Datetime' ? values.map((v) => Date.parse(String(v))).filter((v) => !Number.isNaN(v)) : values;
}

function fieldValues(engine: Engine, run: Run, field: string): Value[] {
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
    case 'StartTime':
      return [s.startedAt];
    case 'CloseTime':
      return s.closedAt ? [s.closedAt] : [];
    case 'ExecutionTime':
      return [s.executionAt];
    case 'HistoryLength':
      return [run.events.length];
    case 'HistorySizeBytes':
      return [s.historySizeBytes ?? 0];
    case 'ParentWorkflowId':
      return s.parent ? [s.parent.workflowId] : [];
    case 'ParentRunId':
      return s.parent ? [s.parent.runId] : [];
    case 'RootWorkflowId':
      return s.root ? [s.root.workflowId] : [];
    case 'RootRunId':
      return s.root ? [s.root.runId] : [];
    default:
      return attributeValues(s.searchAttributes[field], queryableType(engine, field));
  }
}

/** Whether the values a record has for each field (`valuesOf`) satisfy the filter. */
export function matchesFilter(filter: Filter, valuesOf: (field: string) => Value[]): boolean {
  switch (filter.op) {
    case 'true':
      return true;
    case 'and':
      return matchesFilter(filter.left, valuesOf) && matchesFilter(filter.right, valuesOf);
    case 'or':
      return matchesFilter(filter.left, valuesOf) || matchesFilter(filter.right, valuesOf);
    case 'cmp': {
      const values = valuesOf(filter.field);
      if (filter.cmp === '!=') return !values.some((v) => v === filter.value);
      return values.some((v) => compare(v, filter.cmp, filter.value));
    }
    case 'in':
      return valuesOf(filter.field).some((v) => filter.values.includes(v));
    case 'notIn':
      return !valuesOf(filter.field).some((v) => filter.values.includes(v));
    case 'between':
      return valuesOf(filter.field).some((v) => compare(v, '>=', filter.low) && compare(v, '<=', filter.high));
    case 'startsWith':
      return valuesOf(filter.field).some((v) => typeof v === 'string' && v.startsWith(filter.prefix));
    case 'isNull':
      return valuesOf(filter.field).length === 0;
    case 'isNotNull':
      return valuesOf(filter.field).length > 0;
  }
}

function compare(a: Value, cmp: Comparison, b: Value): boolean {
  if (typeof a !== typeof b) return false;
  switch (cmp) {
    case '=':
      return a === b;
    case '!=':
      return a !== b;
    case '>':
      return a > b;
    case '<':
      return a < b;
    case '>=':
      return a >= b;
    case '<=':
      return a <= b;
  }
}

function matchingRuns(engine: Engine, namespace: string, query: ParsedQuery): Run[] {
  const result: Run[] = [];
  for (const run of engine.runs.values()) {
    if (run.state.namespace === namespace && matchesFilter(query.filter, (f) => fieldValues(engine, run, f)))
      result.push(run);
  }
  const newestFirst = (a: Run, b: Run) =>
    b.state.startedAt - a.state.startedAt || (a.state.runId < b.state.runId ? -1 : 1);
  const order = query.orderBy;
  if (!order) return result.sort(newestFirst);
  const key = (run: Run) => fieldValues(engine, run, order.field)[0];
  return result.sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    if (ka === kb) return newestFirst(a, b);
    if (ka === undefined) return 1; // missing values last, either direction
    if (kb === undefined) return -1;
    const ascending = ka < kb ? -1 : 1;
    return order.descending ? -ascending : ascending;
  });
}

/** The query's fields as the engine types them: system, predefined and registered custom search attributes. */
export const engineFieldTypes =
  (engine: Engine): FieldTypes =>
  (field) =>
    queryableType(engine, field);

export function listExecutions(
  engine: Engine,
  namespace: string,
  request: P<temporal.api.workflowservice.v1.IListWorkflowExecutionsRequest>,
) {
  const query = parseQuery(request.query, engineFieldTypes(engine));
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
  const query = parseQuery(request.query, engineFieldTypes(engine));
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

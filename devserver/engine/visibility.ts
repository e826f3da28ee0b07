// Visibility: describe, list and count executions. List queries support Temporal's SQL-like language as
// `temporal server start-dev`'s SQLite visibility store reads it (common/persistence/visibility/store/sql
// query_converter.go; see parseQuery) on the system search attributes (WorkflowId, RunId, WorkflowType,
// ExecutionStatus, TaskQueue, StartTime, CloseTime, ExecutionTime, ExecutionDuration, HistoryLength, ...) and
// registered custom ones; results are newest first (ORDER BY is refused, as by the SQL store); GROUP BY
// ExecutionStatus for counts.
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

/**
 * A WorkflowExecutionStatus by name as the real server's WorkflowExecutionStatusFromString reads it: the short name
 * (`Running`) or the full one (`WORKFLOW_EXECUTION_STATUS_RUNNING`), case as written; undefined when unknown.
 */
function statusCode(name: string): number | undefined {
  if (name === 'Unspecified' || name === 'WORKFLOW_EXECUTION_STATUS_UNSPECIFIED') return 0;
  const short = Object.keys(STATUS_NAMES).find(
    (key) => key === name || `WORKFLOW_EXECUTION_STATUS_${key.replace(/(?<=.)([A-Z])/g, '_$1').toUpperCase()}` === name,
  );
  return short === undefined ? undefined : STATUS_NAMES[short];
}

/** Go's time.RFC3339Nano, the only date-time text the SQL store parses (fraction optional, a zone required). */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** The types a BETWEEN may range over (query_converter.go supportedTypesRangeCond). */
const RANGE_TYPES = new Set(['Datetime', 'Double', 'Int', 'Keyword']);
/** The only operators on KeywordList and Text attributes (supportedKeyworkListOperators, supportedTextOperators). */
const KEYWORD_LIST_OPERATORS = new Set(['=', '!=', 'IN', 'NOT IN']);
const TEXT_OPERATORS = new Set(['=', '!=']);

/**
 * An ExecutionDuration value in nanoseconds, as query.ParseExecutionDurationStr reads a string: integer
 * nanoseconds, `hh:mm:ss`, or a Go duration with days allowed (`1d2h`, `90s`, `1.5h`); undefined when unreadable.
 */
function executionDurationNs(text: string): number | undefined {
  if (/^-?\d+$/.test(text)) return Number(text);
  const clock = /^(\d+):(\d{2}):(\d{2})$/.exec(text);
  if (clock) return ((Number(clock[1]) * 60 + Number(clock[2])) * 60 + Number(clock[3])) * 1e9;
  const units: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9, d: 86_400e9 };
  if (!/^-?((\d+\.?\d*|\.\d+)(ns|us|µs|ms|s|m|h|d))+$/.test(text)) return undefined;
  let ns = 0;
  for (const [, value, unit] of text.matchAll(/(\d+\.?\d*|\.\d+)(ns|us|µs|ms|s|m|h|d)/g))
    ns += Number(value) * units[unit!]!;
  return text.startsWith('-') ? -ns : ns;
}

type Value = string | number | boolean;
type Comparison = '=' | '!=' | '>' | '<' | '>=' | '<=';
type Filter =
  | { op: 'and' | 'or'; left: Filter; right: Filter }
  | { op: 'not'; inner: Filter }
  | { op: 'cmp'; cmp: Comparison; field: string; value: Value }
  | { op: 'in' | 'notIn'; field: string; values: Value[] }
  | { op: 'between'; field: string; low: Value; high: Value }
  | { op: 'startsWith' | 'notStartsWith'; field: string; prefix: string }
  | { op: 'isNull' | 'isNotNull'; field: string }
  | { op: 'true' };

export interface ParsedQuery {
  filter: Filter;
  groupBy?: string;
}

/** The type of a field a query may use (Keyword, Datetime, Int, ...), or undefined when it is not defined. */
export type FieldTypes = (field: string) => string | undefined;

const COMPARISONS = new Set(['=', '!=', '>', '<', '>=', '<=']);

/**
 * Parses Temporal's SQL-like visibility query as the SQL visibility store (query_converter.go) reads it:
 * comparisons (=, !=, <>, >, <, >=, <=), IN / NOT IN, BETWEEN … AND …, STARTS_WITH / NOT STARTS_WITH,
 * IS [NOT] NULL, combined with AND, OR, NOT and parentheses; field names bare or in backquotes; GROUP BY
 * ExecutionStatus. Per type: KeywordList takes only =, !=, IN, NOT IN; Text only = and !=; BETWEEN only Datetime,
 * Double, Int and Keyword. Datetime values are RFC 3339 strings or integer nanoseconds since the epoch (kept as
 * milliseconds); ExecutionStatus takes a status name (unknown names refused) or its number (kept as the number);
 * ExecutionDuration takes nanoseconds or a duration string (kept as nanoseconds). ORDER BY and LIMIT are refused.
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
      // Integers are nanoseconds since the epoch (time.Unix(0, v)); strings must be RFC 3339.
      if (typeof value === 'number' && Number.isInteger(value)) return Math.floor(value / 1e6);
      const ms = typeof value === 'string' && RFC3339.test(value) ? Date.parse(value) : Number.NaN;
      if (Number.isNaN(ms)) throw invalidArgument(`invalid query: unable to parse datetime ${token} for ${field}`);
      return ms;
    }
    if (field === 'ExecutionStatus') {
      const code = typeof value === 'number' ? value : typeof value === 'string' ? statusCode(value) : undefined;
      if (code === undefined) throw invalidArgument(`invalid query: invalid ExecutionStatus value ${token}`);
      return code;
    }
    if (field === 'ExecutionDuration' && typeof value === 'string') {
      const ns = executionDurationNs(value);
      if (ns === undefined) throw invalidArgument(`invalid query: invalid value for ExecutionDuration: ${token}`);
      return ns;
    }
    return value;
  };
  const parseField = () => {
    let field = expect('a field name');
    if (/^`[^`]+`$/.test(field)) field = field.slice(1, -1);
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
  /** Refuses an operator the field's type does not take, as the SQL store does. */
  const checkOperator = (field: string, operator: string) => {
    const type = types(field);
    // A BETWEEN is a range condition, checked on its own (convertRangeCond) before any operator list.
    if (operator === 'BETWEEN' && !RANGE_TYPES.has(type ?? ''))
      throw invalidArgument(`invalid query: cannot do range condition on search attribute '${field}' of type ${type}`);
    if (type === 'KeywordList' && !KEYWORD_LIST_OPERATORS.has(operator))
      throw invalidArgument(
        `invalid query: operator '${operator}' not supported for KeywordList type search attribute`,
      );
    if (type === 'Text' && !TEXT_OPERATORS.has(operator))
      throw invalidArgument(`invalid query: operator '${operator}' not supported for Text type search attribute`);
  };
  const parseAtom = (): Filter => {
    if (isWord('NOT')) {
      i++;
      return { op: 'not', inner: parseAtom() };
    }
    if (peek() === '(') {
      i++;
      const inner = parseOr();
      if (expect(')') !== ')') throw invalidArgument(`invalid query: missing ) in "${text}"`);
      return inner;
    }
    const field = parseField();
    const op = expect('an operator');
    let word = op.toUpperCase();
    if (word === 'NOT' && (isWord('IN') || isWord('STARTS_WITH'))) word = `NOT ${tokens[i++]!.toUpperCase()}`;
    const operator = op === '<>' ? '!=' : COMPARISONS.has(op) ? op : word;
    if (operator !== 'IS') checkOperator(field, operator);
    if (COMPARISONS.has(operator)) return { op: 'cmp', cmp: operator as Comparison, field, value: parseValue(field) };
    if (word === 'IN') return { op: 'in', field, values: parseList(field) };
    if (word === 'NOT IN') return { op: 'notIn', field, values: parseList(field) };
    if (word === 'BETWEEN') {
      const low = parseValue(field);
      expectWord('AND');
      return { op: 'between', field, low, high: parseValue(field) };
    }
    if (word === 'STARTS_WITH' || word === 'NOT STARTS_WITH') {
      const prefix = parseValue(field);
      if (typeof prefix !== 'string')
        throw invalidArgument(`invalid query: right-hand side of '${word}' must be a literal string in "${text}"`);
      return { op: word === 'STARTS_WITH' ? 'startsWith' : 'notStartsWith', field, prefix };
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
  while (i < tokens.length) {
    // The SQL visibility store of `temporal server start-dev` refuses both (convertSelectStmt).
    if (isWord('ORDER')) throw invalidArgument(`invalid query: operation is not supported: 'order by' clause`);
    if (isWord('LIMIT')) throw invalidArgument(`invalid query: operation is not supported: 'limit' clause`);
    if (isWord('GROUP')) {
      i++;
      expectWord('BY');
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
  const pattern =
    /\s*(?:('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|`[^`]+`)|(!=|<>|<=|>=|=|<|>|\(|\)|,)|([^\s=!<>(),'"`]+))/y;
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
      return [s.status];
    case 'StartTime':
      return [s.startedAt];
    case 'CloseTime':
      return s.closedAt ? [s.closedAt] : [];
    case 'ExecutionTime':
      return [s.executionAt];
    case 'HistoryLength':
      return [run.events.length];
    case 'ExecutionDuration':
      // Nanoseconds from the execution time to the close, as the SQL store keeps it; none while open.
      return s.closedAt ? [(s.closedAt - s.executionAt) * 1e6] : [];
    case 'StateTransitionCount':
      // Counted as history events, the figure describe reports (see README, known differences).
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

/** Whether the values a record has for each field (`valuesOf`) satisfy the filter (its SQL value is TRUE). */
export function matchesFilter(filter: Filter, valuesOf: (field: string) => Value[]): boolean {
  return evaluate(filter, valuesOf) === true;
}

/**
 * The filter's value in SQL's three-valued logic, as the SQL store evaluates it: a comparison on an attribute the
 * record lacks is NULL (neither true nor false), so `NOT (X = 'a')` and `X != 'a'` leave such records out too.
 */
function evaluate(filter: Filter, valuesOf: (field: string) => Value[]): boolean | null {
  switch (filter.op) {
    case 'true':
      return true;
    case 'and': {
      const left = evaluate(filter.left, valuesOf);
      const right = evaluate(filter.right, valuesOf);
      if (left === false || right === false) return false;
      return left === null || right === null ? null : true;
    }
    case 'or': {
      const left = evaluate(filter.left, valuesOf);
      const right = evaluate(filter.right, valuesOf);
      if (left === true || right === true) return true;
      return left === null || right === null ? null : false;
    }
    case 'not': {
      const inner = evaluate(filter.inner, valuesOf);
      return inner === null ? null : !inner;
    }
    case 'isNull':
      return valuesOf(filter.field).length === 0;
    case 'isNotNull':
      return valuesOf(filter.field).length > 0;
  }
  const values = valuesOf(filter.field);
  if (values.length === 0) return null;
  switch (filter.op) {
    case 'cmp':
      if (filter.cmp === '!=') return !values.some((v) => v === filter.value);
      return values.some((v) => compare(v, filter.cmp, filter.value));
    case 'in':
      return values.some((v) => filter.values.includes(v));
    case 'notIn':
      return !values.some((v) => filter.values.includes(v));
    case 'between':
      return values.some((v) => compare(v, '>=', filter.low) && compare(v, '<=', filter.high));
    case 'startsWith':
      return values.some((v) => typeof v === 'string' && v.startsWith(filter.prefix));
    case 'notStartsWith':
      return !values.some((v) => typeof v === 'string' && v.startsWith(filter.prefix));
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
  return result.sort((a, b) => b.state.startedAt - a.state.startedAt || (a.state.runId < b.state.runId ? -1 : 1));
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
  if (query.groupBy) throw invalidArgument(`invalid query: operation is not supported: 'group by' clause`);
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

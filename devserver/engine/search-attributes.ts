// Search attributes as the real server types them: every name must be registered (a custom attribute from
// `--search-attribute` or OperatorService AddSearchAttributes, or one of the predefined ones a workflow may set), every
// value must suit its type, and values are stored with their type in the payload metadata ("type": "Keyword", ...),
// so the SDK's typedSearchAttributes can read them back. Names and messages follow Temporal's
// common/searchattribute package.
import { invalidArgument } from '../errors.js';
import type { Engine } from './engine.js';
import type { Payload } from './model.js';
import { payloadValue } from './values.js';

/** IndexedValueType names and their enum numbers (temporal.api.enums.v1.IndexedValueType). */
export const INDEXED_VALUE_TYPES: Record<string, number> = {
  Text: 1,
  Keyword: 2,
  Int: 3,
  Double: 4,
  Bool: 5,
  Datetime: 6,
  KeywordList: 7,
};

/** System attributes: queryable, set by the server only ("reserved by system"). */
export const SYSTEM_SEARCH_ATTRIBUTES: Record<string, string> = {
  WorkflowId: 'Keyword',
  RunId: 'Keyword',
  WorkflowType: 'Keyword',
  ExecutionStatus: 'Keyword',
  TaskQueue: 'Keyword',
  StartTime: 'Datetime',
  CloseTime: 'Datetime',
  ExecutionTime: 'Datetime',
  ExecutionDuration: 'Int',
  HistoryLength: 'Int',
  HistorySizeBytes: 'Int',
  StateTransitionCount: 'Int',
  ParentWorkflowId: 'Keyword',
  ParentRunId: 'Keyword',
  RootWorkflowId: 'Keyword',
  RootRunId: 'Keyword',
  BuildIds: 'KeywordList',
};

/** Predefined attributes that workflows and clients may set (the SDK sets TemporalChangeVersion for patches). */
export const PREDEFINED_SEARCH_ATTRIBUTES: Record<string, string> = {
  TemporalChangeVersion: 'KeywordList',
  BinaryChecksums: 'KeywordList',
  BatcherUser: 'Keyword',
  BatcherNamespace: 'Keyword',
  TemporalScheduledStartTime: 'Datetime',
  TemporalScheduledById: 'Keyword',
  TemporalSchedulePaused: 'Bool',
  TemporalNamespaceDivision: 'Keyword',
  PausedActivityTypes: 'KeywordList',
};

/**
 * Whether a name is reserved by the server and cannot be a custom attribute (common/searchattribute `IsReserved`):
 * a system or predefined attribute, an internal field (NamespaceId, Memo, MemoEncoding, VisibilityTaskKey) or any
 * name starting with "Temporal".
 */
export function isReservedSearchAttribute(name: string): boolean {
  return (
    name in SYSTEM_SEARCH_ATTRIBUTES ||
    name in PREDEFINED_SEARCH_ATTRIBUTES ||
    ['NamespaceId', 'Memo', 'MemoEncoding', 'VisibilityTaskKey'].includes(name) ||
    name.startsWith('Temporal')
  );
}

/**
 * How many custom attributes of each type the real server's SQL visibility store (`temporal server start-dev` on
 * SQLite) has columns for (common/searchattribute sqlDbCustomSearchAttributes: Bool01-03, Keyword01-10, …).
 */
export const SQL_CUSTOM_ATTRIBUTE_SLOTS: Record<string, number> = {
  Bool: 3,
  Datetime: 3,
  Double: 3,
  Int: 3,
  Keyword: 10,
  Text: 3,
  KeywordList: 3,
};

type Fields = Record<string, Payload | null | undefined>;

/** The registered type of a name a request may set, or undefined. */
export function settableType(engine: Engine, name: string): string | undefined {
  return engine.searchAttributeTypes.get(name) ?? PREDEFINED_SEARCH_ATTRIBUTES[name];
}

/** The type of any name a query may use (system, predefined or custom), or undefined. */
export function queryableType(engine: Engine, name: string): string | undefined {
  return SYSTEM_SEARCH_ATTRIBUTES[name] ?? settableType(engine, name);
}

const isEmpty = (payload: Payload | null | undefined) =>
  !payload?.data || payload.data.length === 0 || Buffer.from(payload.data).toString() === 'null';

function suits(type: string, value: unknown): boolean {
  if (Array.isArray(value)) return value.every((item) => !Array.isArray(item) && suits(type, item));
  switch (type) {
    case 'Text':
    case 'Keyword':
    case 'KeywordList':
      return typeof value === 'string';
    case 'Int':
      return typeof value === 'number' && Number.isInteger(value);
    case 'Double':
      return typeof value === 'number';
    case 'Bool':
      return typeof value === 'boolean';
    case 'Datetime':
      return typeof value === 'string' && !Number.isNaN(Date.parse(value));
    default:
      return false;
  }
}

/**
 * Checks search attributes a request or command sets.
 * @throws INVALID_ARGUMENT "search attribute X is reserved by system" / "search attribute X is not defined" /
 *   "invalid value for search attribute X of type T: V".
 */
export function checkSearchAttributes(engine: Engine, fields: Fields | null | undefined): void {
  for (const [name, payload] of Object.entries(fields ?? {})) {
    if (SYSTEM_SEARCH_ATTRIBUTES[name]) throw invalidArgument(`search attribute ${name} is reserved by system`);
    const type = settableType(engine, name);
    if (!type) throw invalidArgument(`search attribute ${name} is not defined`);
    if (isEmpty(payload)) continue; // unsets the attribute
    const value = payloadValue(payload);
    if (value === undefined || !suits(type, value))
      throw invalidArgument(
        `invalid value for search attribute ${name} of type ${type}: ${Buffer.from(payload!.data!).toString()}`,
      );
  }
}

/** The fields with each registered attribute's type in its payload metadata (as the real server returns them). */
export function tagSearchAttributes(engine: Engine, fields: Fields | null | undefined): Fields {
  const tagged: Fields = {};
  for (const [name, payload] of Object.entries(fields ?? {})) {
    const type = queryableType(engine, name);
    tagged[name] =
      payload && type && !isEmpty(payload)
        ? { ...payload, metadata: { ...(payload.metadata ?? {}), type: Buffer.from(type) } }
        : payload;
  }
  return tagged;
}

/**
 * The attributes a next run (continue-as-new, retry, cron) inherits: without the system ones (BuildIds), which the
 * server sets afresh and a workflow may not set itself.
 */
export function userSearchAttributes(fields: Fields): Fields {
  return Object.fromEntries(Object.entries(fields).filter(([name]) => !SYSTEM_SEARCH_ATTRIBUTES[name]));
}

// The list-filter language of ListWorkflowExecutions / CountWorkflowExecutions (and ListSchedules), as the SQLite
// visibility store of `temporal server start-dev` reads it (temporal common/persistence/visibility/store/sql
// query_converter.go).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { matchesFilter, parseQuery, type FieldTypes } from '../../devserver/engine/visibility.js';

const TYPES: Record<string, string> = {
  WorkflowType: 'Keyword',
  ExecutionStatus: 'Keyword',
  TaskQueue: 'Keyword',
  WorkflowId: 'Keyword',
  StartTime: 'Datetime',
  CloseTime: 'Datetime',
  Priority: 'Int',
  ExecutionDuration: 'Int',
  Tags: 'KeywordList',
  Notes: 'Text',
  Flag: 'Bool',
};
const types: FieldTypes = (field) => TYPES[field];
const parse = (text: string) => parseQuery(text, types);

describe('devserver visibility query parser', () => {
  it('parses equality joined by AND, with both quote styles', () => {
    const { filter } = parse(`WorkflowType = 'hostFailover' AND ExecutionStatus = "Running"`);
    assert.deepEqual(filter, {
      op: 'and',
      left: { op: 'cmp', cmp: '=', field: 'WorkflowType', value: 'hostFailover' },
      right: { op: 'cmp', cmp: '=', field: 'ExecutionStatus', value: 1 /* RUNNING */ },
    });
  });

  it('parses OR, parentheses, IN, != and numbers; refuses ORDER BY and LIMIT as the SQL store does', () => {
    const query = parse(`(TaskQueue = 'a' OR TaskQueue != 'b') AND Priority IN (1, 2)`);
    assert.equal(query.filter.op, 'and');
    assert.deepEqual((query.filter as { right: unknown }).right, { op: 'in', field: 'Priority', values: [1, 2] });
    assert.throws(() => parse(`TaskQueue = 'a' ORDER BY StartTime DESC`), /not supported: 'order by' clause/);
    assert.throws(() => parse(`ORDER BY StartTime`), /not supported: 'order by' clause/);
    assert.throws(() => parse(`TaskQueue = 'a' LIMIT 5`), /not supported: 'limit' clause/);
  });

  it('reads GROUP BY ExecutionStatus and an empty query', () => {
    assert.equal(parse('GROUP BY ExecutionStatus').groupBy, 'ExecutionStatus');
    assert.deepEqual(parse('').filter, { op: 'true' });
  });

  it('compares date-times as instants with >, <, >=, <= and BETWEEN', () => {
    const at = Date.parse('2026-01-02T03:04:05Z');
    const values = (field: string) => (field === 'StartTime' ? [at] : []);
    const check = (text: string) => matchesFilter(parse(text).filter, values);
    assert.equal(check(`StartTime > '2026-01-01T00:00:00Z'`), true);
    assert.equal(check(`StartTime < '2026-01-01T00:00:00Z'`), false);
    assert.equal(check(`StartTime >= '2026-01-02T03:04:05Z' AND StartTime <= '2026-01-02T03:04:05Z'`), true);
    assert.equal(check(`StartTime BETWEEN '2026-01-02T00:00:00Z' AND '2026-01-03T00:00:00Z'`), true);
    assert.equal(check(`StartTime BETWEEN '2026-01-03T00:00:00Z' AND '2026-01-04T00:00:00Z'`), false);
    assert.equal(check(`CloseTime IS NULL`), true);
    assert.equal(check(`CloseTime IS NOT NULL`), false);
  });

  it('matches STARTS_WITH, NOT IN and <> on keywords', () => {
    const values = (field: string) => (field === 'WorkflowId' ? ['failover-host-a'] : []);
    const check = (text: string) => matchesFilter(parse(text).filter, values);
    assert.equal(check(`WorkflowId STARTS_WITH 'failover-'`), true);
    assert.equal(check(`WorkflowId STARTS_WITH 'monitor-'`), false);
    assert.equal(check(`WorkflowId NOT IN ('a', 'b')`), true);
    assert.equal(check(`WorkflowId <> 'failover-host-a'`), false);
  });

  it('rejects what it does not understand with INVALID_ARGUMENT naming the problem', () => {
    assert.throws(
      () => parse(`WorkflowId LIKE 'x%'`),
      (e: Error & { code?: number }) => e.code === 3 && /operator "LIKE"/.test(e.message),
    );
    assert.throws(() => parse(`WorkflowId = `), /expected a value/);
    assert.throws(() => parse(`WorkflowId = unquoted`), /quote strings/);
    assert.throws(() => parse(`GROUP BY WorkflowType`), /only GROUP BY ExecutionStatus/);
    assert.throws(() => parse(`Unregistered = 'x'`), /search attribute Unregistered is not defined/);
    assert.throws(() => parse(`StartTime > 'yesterday'`), /unable to parse datetime/);
  });

  it('reads ExecutionStatus by name (refusing unknown ones) and by number', () => {
    const values = (field: string) => (field === 'ExecutionStatus' ? [2 /* COMPLETED */] : []);
    const check = (text: string) => matchesFilter(parse(text).filter, values);
    assert.equal(check(`ExecutionStatus = 'Completed'`), true);
    assert.equal(check(`ExecutionStatus = 'WORKFLOW_EXECUTION_STATUS_COMPLETED'`), true);
    assert.equal(check(`ExecutionStatus = 2`), true);
    assert.equal(check(`ExecutionStatus = 1`), false);
    assert.equal(check(`ExecutionStatus IN ('Running', 'Completed')`), true);
    assert.throws(() => parse(`ExecutionStatus = 'Bogus'`), /invalid ExecutionStatus value 'Bogus'/);
  });

  it('takes RFC 3339 times only, and integers as nanoseconds since the epoch', () => {
    const at = Date.parse('2026-01-02T03:04:05Z');
    const check = (text: string) => matchesFilter(parse(text).filter, (f) => (f === 'StartTime' ? [at] : []));
    assert.throws(() => parse(`StartTime > '2020-01-01'`), /unable to parse datetime/);
    assert.throws(() => parse(`StartTime > '2020-01-01 00:00:00'`), /unable to parse datetime/);
    assert.equal(check(`StartTime > '2026-01-02T03:04:04.5+00:00'`), true);
    assert.equal(check(`StartTime > 0`), true);
    assert.equal(check(`StartTime > ${(at + 1000) * 1e6}`), false);
    assert.equal(check(`StartTime = ${at * 1e6}`), true);
  });

  it('allows per type only the operators the SQL store allows', () => {
    assert.throws(() => parse(`Tags > 'a'`), /operator '>' not supported for KeywordList/);
    assert.throws(() => parse(`Tags STARTS_WITH 'a'`), /operator 'STARTS_WITH' not supported for KeywordList/);
    assert.throws(() => parse(`Notes STARTS_WITH 'a'`), /operator 'STARTS_WITH' not supported for Text/);
    assert.throws(() => parse(`Notes IN ('a')`), /operator 'IN' not supported for Text/);
    assert.throws(() => parse(`Flag BETWEEN true AND false`), /cannot do range condition on search attribute 'Flag'/);
    assert.throws(() => parse(`Tags BETWEEN 'a' AND 'b'`), /cannot do range condition/);
    for (const ok of [`Tags = 'a'`, `Tags IN ('a')`, `Tags NOT IN ('a')`, `Notes != 'a'`, `Priority BETWEEN 1 AND 2`])
      assert.doesNotThrow(() => parse(ok), ok);
  });

  it('reads NOT (...), NOT STARTS_WITH and backquoted names, with SQL NULL logic', () => {
    const values = (field: string) => (field === 'WorkflowId' ? ['failover-a'] : []);
    const check = (text: string) => matchesFilter(parse(text).filter, values);
    assert.equal(check(`NOT (WorkflowId = 'x')`), true);
    assert.equal(check(`NOT (WorkflowId = 'failover-a')`), false);
    assert.equal(check(`WorkflowId NOT STARTS_WITH 'failover-'`), false);
    assert.equal(check(`WorkflowId NOT STARTS_WITH 'monitor-'`), true);
    assert.equal(check("`WorkflowId` = 'failover-a'"), true);
    // TaskQueue is absent here: a comparison on it is NULL, and NOT NULL is NULL, so neither matches.
    assert.equal(check(`TaskQueue != 'a'`), false);
    assert.equal(check(`NOT (TaskQueue = 'a')`), false);
    assert.equal(check(`TaskQueue = 'a' OR WorkflowId = 'failover-a'`), true);
  });

  it('reads ExecutionDuration as nanoseconds or a duration string', () => {
    const check = (text: string) => matchesFilter(parse(text).filter, (f) => (f === 'ExecutionDuration' ? [90e9] : []));
    assert.equal(check(`ExecutionDuration > '1m'`), true);
    assert.equal(check(`ExecutionDuration > '00:01:31'`), false);
    assert.equal(check(`ExecutionDuration = 90000000000`), true);
    assert.equal(check(`ExecutionDuration < '1d'`), true);
    assert.throws(() => parse(`ExecutionDuration > 'soon'`), /invalid value for ExecutionDuration/);
  });
});

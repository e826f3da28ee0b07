// The list-filter language of ListWorkflowExecutions / CountWorkflowExecutions (and ListSchedules).
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
};
const types: FieldTypes = (field) => TYPES[field];
const parse = (text: string) => parseQuery(text, types);

describe('devserver visibility query parser', () => {
  it('parses equality joined by AND, with both quote styles', () => {
    const { filter } = parse(`WorkflowType = 'hostFailover' AND ExecutionStatus = "Running"`);
    assert.deepEqual(filter, {
      op: 'and',
      left: { op: 'cmp', cmp: '=', field: 'WorkflowType', value: 'hostFailover' },
      right: { op: 'cmp', cmp: '=', field: 'ExecutionStatus', value: 'Running' },
    });
  });

  it('parses OR, parentheses, IN, != and numbers; ORDER BY one field', () => {
    const query = parse(`(TaskQueue = 'a' OR TaskQueue != 'b') AND Priority IN (1, 2) ORDER BY StartTime DESC`);
    assert.equal(query.filter.op, 'and');
    assert.deepEqual((query.filter as { right: unknown }).right, { op: 'in', field: 'Priority', values: [1, 2] });
    assert.deepEqual(query.orderBy, { field: 'StartTime', descending: true });
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
    assert.throws(() => parse(`StartTime > 'yesterday'`), /StartTime needs a date-time value/);
  });
});

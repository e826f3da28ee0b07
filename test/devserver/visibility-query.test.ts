// The list-filter language of ListWorkflowExecutions / CountWorkflowExecutions.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseQuery } from '../../devserver/engine/visibility.js';

describe('devserver visibility query parser', () => {
  it('parses equality joined by AND, with both quote styles', () => {
    const { filter } = parseQuery(`WorkflowType = 'hostFailover' AND ExecutionStatus = "Running"`);
    assert.deepEqual(filter, {
      op: 'and',
      left: { op: '=', field: 'WorkflowType', value: 'hostFailover' },
      right: { op: '=', field: 'ExecutionStatus', value: 'Running' },
    });
  });

  it('parses OR, parentheses, IN, != and numbers; ORDER BY is accepted', () => {
    const { filter } = parseQuery(
      `(TaskQueue = 'a' OR TaskQueue != 'b') AND Priority IN (1, 2) ORDER BY StartTime DESC`,
    );
    assert.equal(filter.op, 'and');
    assert.deepEqual((filter as { right: unknown }).right, { op: 'in', field: 'Priority', values: [1, 2] });
  });

  it('reads GROUP BY ExecutionStatus and an empty query', () => {
    assert.equal(parseQuery('GROUP BY ExecutionStatus').groupBy, 'ExecutionStatus');
    assert.deepEqual(parseQuery('').filter, { op: 'true' });
  });

  it('rejects what it does not understand with INVALID_ARGUMENT naming the problem', () => {
    assert.throws(
      () => parseQuery(`WorkflowId LIKE 'x%'`),
      (e: Error & { code?: number }) => e.code === 3 && /operator "LIKE"/.test(e.message),
    );
    assert.throws(() => parseQuery(`WorkflowId = `), /expected a value/);
    assert.throws(() => parseQuery(`WorkflowId = unquoted`), /quote strings/);
    assert.throws(() => parseQuery(`GROUP BY WorkflowType`), /only GROUP BY ExecutionStatus/);
  });
});

// The batches a DR host stream's requests carry (workflows/dr/move-steps.ts requestBatches): the first VM alone, then
// at most MAX_REQUEST_BATCH at a time, in order, every VM exactly once — so a cancel or a refusal acts after the first
// request, and 100 VMs a host cost 3 requests instead of 100 (bench:dr).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_REQUEST_BATCH, requestBatches } from '../../workflows/dr/move-steps.js';

describe('DR request batches', () => {
  it('sends the first VM alone, then batches of at most the maximum, in order', () => {
    const vms = Array.from({ length: 100 }, (_, i) => `vm${i + 1}`);
    const batches = requestBatches(vms);
    assert.deepEqual(
      batches.map((b) => b.length),
      [1, MAX_REQUEST_BATCH, 99 - MAX_REQUEST_BATCH],
    );
    assert.deepEqual(batches.flat(), vms);
    assert.deepEqual(requestBatches(['a', 'b', 'c'], 2), [['a'], ['b', 'c']]);
    assert.deepEqual(requestBatches(['a']), [['a']]);
    assert.deepEqual(requestBatches([]), []);
  });
});

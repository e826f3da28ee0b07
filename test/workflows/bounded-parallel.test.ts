import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { boundedParallel } from '../../workflows/shared/bounded-parallel.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('boundedParallel', () => {
  it('keeps at most `limit` in flight and returns results in input order', async () => {
    let inFlight = 0;
    let peak = 0;
    const results = await boundedParallel([5, 1, 4, 2, 3], 2, async (n) => {
      peak = Math.max(peak, ++inFlight);
      for (let i = 0; i < n; i++) await tick();
      inFlight--;
      return n * 10;
    });
    assert.deepEqual(results, [50, 10, 40, 20, 30]);
    assert.equal(peak, 2);
  });

  it('starts nothing after a failure, waits for work in flight, then rethrows the first failure', async () => {
    const started: number[] = [];
    let finished = 0;
    await assert.rejects(
      boundedParallel([1, 2, 3, 4, 5], 2, async (n) => {
        started.push(n);
        if (n === 1) throw new Error('first');
        for (let i = 0; i < 3; i++) await tick();
        finished++;
        return n;
      }),
      /first/,
    );
    assert.deepEqual(started, [1, 2]);
    assert.equal(finished, 1, 'the item in flight finished before the rejection');
  });

  it('treats a limit below 1 as 1 and an empty list as nothing to do', async () => {
    let peak = 0;
    let inFlight = 0;
    await boundedParallel([1, 2, 3], 0, async () => {
      peak = Math.max(peak, ++inFlight);
      await tick();
      inFlight--;
    });
    assert.equal(peak, 1);
    assert.deepEqual(await boundedParallel([], 4, async () => 1), []);
  });
});

// The chaos campaign in CI: a few fixed seeds through the same code as `npm run chaos` (bench/chaos/campaign.ts),
// each on a fresh stack (simulated fleet, devserver, API, production workers in a child process). A failing seed's
// message carries what broke, the one-line replay command and the seed's timeline.
// Seeds chosen from the first 20 (bench/results/chaos.md): together they cover cascading failures, a power loss
// blocked fence with an override, a host returning, busy and hung commands, a storage outage, cancel, duplicates
// and a worker SIGKILL.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { replayCommand, runSeed } from '../../bench/chaos/campaign.js';

const CI_SEEDS = [3, 5, 7, 11];

describe('chaos campaign (fixed seeds)', () => {
  for (const seed of CI_SEEDS) {
    it(
      `seed ${seed}: no violation, every LPAR running once or reported with its reason, ` +
        'reports that agree with the devices',
      { timeout: 200_000 },
      async () => {
        const result = await runSeed(seed, { seedTimeoutMs: 150_000 });
        assert.ok(
          result.ok,
          [
            `seed ${seed} failed in ${(result.durationMs / 1000).toFixed(1)} s; replay: ${replayCommand(seed)}`,
            ...result.failures.map((f) => `  - ${f}`),
            'timeline:',
            ...result.timeline.map((line) => `  ${line}`),
          ].join('\n'),
        );
      },
    );
  }
});

// A restart of Lazarus is an outage of the heartbeat receiver, however short: agents that backed off while it was
// down get agents.resumeGrace to report again before their silence counts (the check's own rule, whatever the
// monitor carried). vmHealthCheck against a real store: a VM silent for ten minutes while another reports is a
// candidate when Lazarus has been up for long, and not within its heartbeat timeout after the grace that follows a
// restart.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { DeviceRegistry } from '../../activities/devices.js';
import { openSqliteStore } from '../../activities/inventory/index.js';
import { createVmHealthActivities } from '../../activities/vm-health/activities.js';
import { parseConfigText } from '../../domain/config/index.js';

const EXAMPLE = readFileSync(new URL('../../examples/lazarus.yaml', import.meta.url), 'utf8');

async function candidates(resumeGrace: string, startedAgoMs: number, forget: string[] = []): Promise<string[]> {
  const config = parseConfigText(`${EXAMPLE}\nagents:\n  resumeGrace: ${resumeGrace}\n`, 'lazarus.yaml');
  const store = await openSqliteStore(':memory:');
  try {
    const now = Date.now();
    for (const [vm, agoMs] of [
      ['dc1-app01', 600_000],
      ['dc1-app02', 1_000],
    ] as const)
      await store.recordAgentHeartbeat({
        vm,
        group: 'dc1-prod',
        agent: 'prod-agents',
        receivedAt: new Date(now - agoMs).toISOString(),
        apps: [],
      });
    for (const vm of forget) assert.equal(await store.forgetAgentHeartbeat(vm), true);
    assert.equal(await store.forgetAgentHeartbeat('never-reported'), false);
    const { control } = createVmHealthActivities(
      { config, store, devices: {} as DeviceRegistry },
      { startedAt: now - startedAgoMs },
    );
    const check = await control.vmHealthCheck({ group: 'dc1-prod' });
    return check.candidates.map((c) => c.vm);
  } finally {
    await store.close();
  }
}

describe('heartbeat silence after a restart of Lazarus', () => {
  it('counts only after resumeGrace from the restart', async () => {
    assert.deepEqual(await candidates('5m', 3_600_000), ['dc1-app01'], 'Lazarus up for an hour: a candidate');
    assert.deepEqual(await candidates('5m', 30_000), [], 'restarted 30 s ago: within the grace, not yet');
    assert.deepEqual(await candidates('5m', 350_000), [], 'restarted 350 s ago: counted silent for 50 s only');
    assert.deepEqual(
      await candidates('0s', 120_000),
      ['dc1-app01'],
      'no grace: silent since the restart (120 s > 90 s)',
    );
  });

  it('no longer watches a VM an operator told it to forget (DELETE /v1/vms/:vm/health)', async () => {
    assert.deepEqual(await candidates('5m', 3_600_000, ['dc1-app01']), []);
  });
});

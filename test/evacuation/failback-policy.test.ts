// The group policy that decides whether the monitor's failback of a returned host acts (`failbackDue`), and its
// configuration field: on-request by default; automatic only after a failover that fenced the host and until a
// failback succeeded after it. A refused failback does not count as one.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { DeviceRegistry } from '../../activities/devices.js';
import { createEvacuationActivities } from '../../activities/evacuation/activities.js';
import { openSqliteStore, type InventoryStore } from '../../activities/inventory/index.js';
import { ConfigError, parseConfigText, type LazarusConfig } from '../../domain/config/index.js';

const EXAMPLE = readFileSync(new URL('../../examples/lazarus.yaml', import.meta.url), 'utf8');
const HOSTS = '    hosts: [dc1-s01, dc1-s02, dc1-s03, dc1-s04]\n';

function configWith(evacuation: string): LazarusConfig {
  assert.ok(EXAMPLE.includes(HOSTS));
  return parseConfigText(EXAMPLE.replace(HOSTS, `${HOSTS}    evacuation:\n${evacuation}`), 'test.yaml');
}

describe('automatic failback policy (failbackDue)', () => {
  let dir: string;
  let store: InventoryStore;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lazarus-failback-policy-'));
    store = await openSqliteStore(join(dir, 'lazarus.db'));
  });

  after(async () => {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const due = (config: LazarusConfig) => {
    // failbackDue reads the configuration and the store only: no device is ever asked (nor its known_hosts read).
    const devices = {} as DeviceRegistry;
    const { control } = createEvacuationActivities({ config, devices, store });
    // Activities run in an activity context; the mock gives them one.
    return new MockActivityEnvironment().run(control.failbackDue, { group: 'dc1-prod', host: 'dc1-s01' }) as ReturnType<
      typeof control.failbackDue
    >;
  };

  const reasonOf = async (config: LazarusConfig) => {
    const answer = await due(config);
    return 'reason' in answer ? answer.reason : 'due';
  };

  const save = (workflowId: string, kind: string, outcome: 'succeeded' | 'rejected', finishedAt: string, report = {}) =>
    store.saveRecoveryReport({
      workflowId,
      runId: `run-${finishedAt}`,
      kind,
      group: 'dc1-prod',
      startedAt: finishedAt,
      finishedAt,
      outcome,
      report,
    });

  it('is on-request unless the group says automatic, and names a bad value', async () => {
    const config = parseConfigText(EXAMPLE, 'test.yaml');
    assert.equal(config.hostGroups[0]!.evacuation, undefined);
    assert.deepEqual(await due(config), { due: false, reason: "dc1-prod's failback policy is on-request" });
    assert.equal(configWith('      maxMigrationsPerHmc: 4\n').hostGroups[0]!.evacuation?.failback, 'on-request');
    assert.throws(
      () => configWith('      failback: sometimes\n'),
      (err: unknown) => err instanceof ConfigError && /hostGroups.*evacuation.*failback/.test(err.message),
    );
  });

  it('is due after a failover that fenced the host, until a failback succeeds after it', async () => {
    const config = configWith('      failback: automatic\n');
    assert.match(await reasonOf(config), /no failover of dc1-s01 fenced it/);

    await save('failover/dc1-prod/dc1-s01', 'host-failover', 'succeeded', '2026-11-30T01:00:00.000Z', {
      fence: { poweredOff: true },
    });
    const yes = await due(config);
    assert.equal(yes.due, true);
    assert.equal(yes.due && yes.policy.hmc, 'hmc-dc1');

    await save('failback/dc1-prod/dc1-s01', 'host-failback', 'rejected', '2026-11-30T01:10:00.000Z');
    assert.equal((await due(config)).due, true, 'a refused failback is not a failback');
    await save('failback/dc1-prod/dc1-s01', 'host-failback', 'succeeded', '2026-11-30T01:20:00.000Z');
    assert.match(await reasonOf(config), /was failed back at 2026-11-30T01:20/);

    // A later failover of the host makes it due again.
    await save('failover/dc1-prod/dc1-s01', 'host-failover', 'succeeded', '2026-11-30T02:00:00.000Z', {
      fence: { poweredOff: true },
    });
    assert.equal((await due(config)).due, true);
  });
});

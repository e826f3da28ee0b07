// start-after resolved against the inventory (issue 15: a start-after naming an unknown VM, and a cycle through
// patterns, were accepted silently): what the file cannot decide alone is a warning naming the policy, from the pure
// check and at every discovery of the simulated fleet.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createDiscoveryActivities } from '../../activities/discovery/activities.js';
import { DeviceRegistry } from '../../activities/devices.js';
import { openSqliteStore } from '../../activities/inventory/index.js';
import { parseConfigText } from '../../domain/config/index.js';
import { startAfterWarnings } from '../../domain/config/start-after.js';
import { startSimulatedFleet } from '../../simulators/index.js';
import { configForSimulatedFleet } from '../support/simulated-lazarus.js';

const EXAMPLE = readFileSync(new URL('../../examples/lazarus.yaml', import.meta.url), 'utf8');
const FLEET = new URL('../../examples/fleet-small.yaml', import.meta.url).pathname;

/** The example with `lines` appended to its policies (they come after the example's nine, from policies[9]). */
const withPolicies = (text: string, lines: string) => {
  assert.ok(text.includes('\nnotifications:'));
  return text.replace('\nnotifications:', `${lines}\nnotifications:`);
};

const UNKNOWN = '  - { match: { pattern: "dc1-app*" }, startAfter: [dc1-mq01, dc1-db09] }\n';
// web* VMs are collocated and wait for dc1-db01, which waits for dc1-app01, collocated with them: a cycle that only a
// discovered web VM closes, so the file alone cannot refuse it.
const THROUGH_PATTERN =
  '  - { match: { pattern: "dc1-web*" }, collocationGroup: web, startAfter: [dc1-db01] }\n' +
  '  - { match: { name: dc1-db01 }, startAfter: [dc1-app01] }\n' +
  '  - { match: { name: dc1-app01 }, collocationGroup: web }\n';

describe('start-after against the inventory', () => {
  it('warns about a start-after naming a VM the host group does not have, naming the policy', () => {
    const config = parseConfigText(withPolicies(EXAMPLE, UNKNOWN), 'x');
    const vms = ['dc1-app01', 'dc1-app02', 'dc1-mq01'].map((name) => ({ name }));
    assert.deepEqual(startAfterWarnings(config, 'dc1-prod', vms), [
      {
        group: 'dc1-prod',
        path: ['policies', 9, 'startAfter', 1],
        message:
          'policies[9].startAfter[1]: "dc1-db09" is not a VM of host group dc1-prod; dc1-app01, dc1-app02 will not ' +
          'wait for it',
      },
    ]);
  });

  it('warns about a cycle through a pattern and a collocation group once the VMs that close it exist', () => {
    const config = parseConfigText(withPolicies(EXAMPLE, THROUGH_PATTERN), 'x');
    assert.deepEqual(
      startAfterWarnings(config, 'dc1-prod', [{ name: 'dc1-db01' }, { name: 'dc1-app01' }]),
      [],
      'no web VM: no cycle',
    );
    const [warning, ...others] = startAfterWarnings(config, 'dc1-prod', [
      { name: 'dc1-db01' },
      { name: 'dc1-app01' },
      { name: 'dc1-web01' },
    ]);
    assert.deepEqual(others, []);
    assert.match(
      warning!.message,
      /^policies\[9\], policies\[10\]: start-after cycle in host group dc1-prod through collocation group web: /,
    );
    assert.match(warning!.message, /dc1-web01 \[collocation group web\] after dc1-db01 \(policies\[9\]\)/);
    assert.match(warning!.message, /dc1-db01 after dc1-app01 \[collocation group web\] \(policies\[10\]\)/);
    assert.match(warning!.message, /priorities are best effort/);
  });

  it('warns about a cycle that tags close, and says nothing for a group the policies are scoped out of', () => {
    const text = withPolicies(
      EXAMPLE,
      '  - { match: { tag: db }, startAfter: [dc1-app01], groups: [dc1-prod] }\n' +
        '  - { match: { name: dc1-app01 }, startAfter: [dc1-db01] }\n',
    );
    const config = parseConfigText(text, 'x');
    const vms = [{ name: 'dc1-app01' }, { name: 'dc1-db01', tags: ['db'] }];
    const [warning] = startAfterWarnings(config, 'dc1-prod', vms);
    assert.match(warning!.message, /start-after cycle in host group dc1-prod: .*; no order can start them$/);
    assert.deepEqual(startAfterWarnings(config, 'dc1-prod', [{ name: 'dc1-app01' }, { name: 'dc1-db01' }]), []);
    assert.deepEqual(startAfterWarnings(config, 'other', vms), [], 'the tag policy applies to dc1-prod only');
  });

  it('says nothing for the shipped example and the simulated fleet', () => {
    const config = parseConfigText(EXAMPLE, 'x');
    const vms = ['db', 'app', 'web', 'mq', 'batch'].flatMap((kind) =>
      [1, 2, 3, 4].map((n) => ({ name: `dc1-${kind}0${n}` })),
    );
    assert.deepEqual(startAfterWarnings(config, 'dc1-prod', vms), []);
  });

  it('is logged at every discovery, with the policy named, and returned in the discovery result', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lazarus-start-after-'));
    const fleet = await startSimulatedFleet({ fleet: FLEET, timeScale: 0.0005 });
    const lines: string[] = [];
    let devices: DeviceRegistry | undefined;
    const store = await openSqliteStore(join(dir, 'lazarus.db'));
    try {
      const { config } = configForSimulatedFleet(fleet, dir, (yaml) => withPolicies(yaml, UNKNOWN + THROUGH_PATTERN));
      devices = new DeviceRegistry(config);
      const activities = createDiscoveryActivities({ config, devices, store, log: (line) => lines.push(line) });
      for (const round of [1, 2]) {
        lines.length = 0;
        const summary = await activities.discoverGroupInventory('dc1-prod');
        assert.equal(summary.status, 'ok', JSON.stringify(summary));
        const warnings = lines.filter((line) => line.startsWith('discovery dc1-prod: warning: '));
        assert.equal(warnings.length, 2, `round ${round}: ${lines.join('\n')}`);
        assert.match(warnings.join('\n'), /policies\[9\]\.startAfter\[1\]: "dc1-db09" is not a VM of host group/);
        assert.match(warnings.join('\n'), /policies\[10\], policies\[11\]: start-after cycle in host group dc1-prod/);
        assert.deepEqual(
          summary.policyWarnings,
          warnings.map((line) => line.replace('discovery dc1-prod: warning: ', '')),
        );
      }
    } finally {
      await devices?.close();
      await store.close();
      await fleet.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// A VM with no shadow definition on its backup host is not started and is named SHADOW_MISSING, while the other VMs
// of the same batch start (issue 13, the 06:25 trial: a missing shadow made the whole batch fail with
// `profile "" is empty…` and no VM of that host started). Activity level, with a stand-in HMC client.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { DeviceRegistry } from '../../activities/devices.js';
import type { InventoryStore } from '../../activities/inventory/index.js';
import { createDrMoveActivities, type DrVmOutcome } from '../../activities/dr/move-activities.js';
import { parseConfigText } from '../../domain/config/index.js';

const CONFIG = new URL('../../examples/lazarus-dr.yaml', import.meta.url).pathname;

test('drActivateVms: a VM without a shadow definition is SHADOW_MISSING, the others start', async () => {
  const config = parseConfigText(readFileSync(CONFIG, 'utf8'), CONFIG);
  const sent: string[] = [];
  const client = {
    listPartitions: async () => [
      { name: 'dc1-app01', state: 'Not Activated' },
      { name: 'dc1-db01', state: 'Not Activated' },
    ],
    run: async (command: string) => {
      sent.push(command);
      return '';
    },
    partition: async () => undefined,
  };
  const devices = { hmc: () => client } as unknown as DeviceRegistry;
  const { hmc } = createDrMoveActivities({ config, devices, store: {} as InventoryStore });
  const outcomes: DrVmOutcome[] = await new MockActivityEnvironment().run(hmc.drActivateVms, {
    hmc: config.hmcs[0]!.name,
    host: 'dc2-s01',
    vms: [
      { vm: 'dc1-db01', profile: 'default_profile' },
      { vm: 'dc1-web01', profile: '' },
      { vm: 'dc1-app01', profile: 'default_profile' },
    ],
  });
  assert.deepEqual(
    outcomes.map((o) => [o.vm, o.changed, o.error?.split(':')[0]]),
    [
      ['dc1-db01', true, undefined],
      ['dc1-web01', false, 'SHADOW_MISSING'],
      ['dc1-app01', true, undefined],
    ],
  );
  assert.equal(sent.length, 2, sent.join('\n'));
  assert.ok(sent.every((c) => !c.includes('dc1-web01')));
});

// DR discovery within the HMC's operation limit (issue 13, "Measure"; bench:dr lost whole hosts to HSCL3F01). The DR
// example fleet (examples/fleet-dr.yaml) with HMCs that accept only 2 concurrent operations (the simulator counts
// every viosvrcmd, and a site discovery issues one per mapped disk, all hosts at once) while the SSH pool would allow
// 4 connections × 8 channels: every host of both sites must still be described. Configured at the HMC's limit, the
// reads never exceed it; configured above it, the HMC's refusals are retried until they pass. A VIOS's disks are
// identified with one chkdev, not one lsdev per disk (the time of a 200-VM site's discovery).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DeviceRegistry } from '../../activities/devices.js';
import { discoverDrSite } from '../../activities/dr/discover-site.js';
import { drReadHmc, type PacedHmcClient } from '../../activities/dr/paced-hmc.js';
import type { LazarusConfig } from '../../domain/config/index.js';
import { startSimulatedFleet, type SimulatedFleet } from '../../simulators/index.js';
import { configForSimulatedFleet } from '../support/simulated-lazarus.js';

const FLEET = new URL('../../examples/fleet-dr.yaml', import.meta.url).pathname;
const CONFIG = new URL('../../examples/lazarus-dr.yaml', import.meta.url).pathname;
const HMC_LIMIT = 2;

describe('DR discovery within the HMC operation limit', () => {
  let fleet: SimulatedFleet;
  let dir: string;
  const registries: DeviceRegistry[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lazarus-dr-limits-'));
    const text = readFileSync(FLEET, 'utf8').replace(
      /(\n\s+password: sim-dc[12]-hmc\n)/g,
      `$1        maxConcurrentOperations: ${HMC_LIMIT}\n`,
    );
    assert.equal(text.match(/maxConcurrentOperations: 2/g)?.length, 2, 'both HMCs limited');
    writeFileSync(join(dir, 'fleet.yaml'), text);
    // Slow enough that the VIOS reads of all hosts overlap (2 s viosvrcmd → 10 ms).
    fleet = await startSimulatedFleet({ fleet: join(dir, 'fleet.yaml'), timeScale: 0.005 });
  });

  after(async () => {
    for (const devices of registries) await devices.close();
    await fleet?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The DR example config with every HMC configured for `operations` concurrent operations and 4 connections. */
  const configured = (operations: number): { config: LazarusConfig; devices: DeviceRegistry } => {
    const { config } = configForSimulatedFleet(
      fleet,
      dir,
      (yaml) =>
        yaml.replace(
          /(credential: secret:hmc-dc[12]\n)/g,
          `$1    limits: { maxConcurrentOperations: ${operations}, maxConnections: 4 }\n`,
        ),
      CONFIG,
    );
    assert.equal(config.hmcs.find((h) => h.name === 'hmc-dc1')!.limits.maxConcurrentOperations, operations);
    const devices = new DeviceRegistry(config);
    registries.push(devices);
    return { config, devices };
  };

  const assertFullyDiscovered = (discovery: Awaited<ReturnType<typeof discoverDrSite>>) => {
    for (const host of [...discovery.productionHosts, ...discovery.backupHosts])
      assert.equal(host.undescribed, undefined, `${host.name} undescribed: ${host.undescribed}`);
    assert.deepEqual(
      discovery.productionHosts.map((h) => [h.name, h.state, h.vios.length]),
      ['dc1-s01', 'dc1-s02', 'dc1-s03', 'dc1-s04'].map((h) => [h, 'Operating', 2]),
    );
    assert.deepEqual(
      discovery.backupHosts.map((h) => [h.name, h.state]),
      ['dc2-s01', 'dc2-s02', 'dc2-s03', 'dc2-s04'].map((h) => [h, 'Operating']),
    );
    // Every production VM read with its volumes (through the VIOS or its own NPIV host objects).
    const [dc1, dc2] = readFileSync(FLEET, 'utf8').split('\n  - name: dc2') as [string, string];
    const fleetVms = dc1.match(/^ {10}- name: /gm)!.length;
    assert.equal(discovery.vms.length, fleetVms);
    for (const vm of discovery.vms) assert.ok(vm.volumes.length > 0, `${vm.name} has no volumes`);
    assert.equal(discovery.shadows.length, dc2.match(/^ {10}- name: /gm)!.length, 'every shadow definition read');
  };

  it('configured at the HMC limit, reads every host and never exceeds the limit', async () => {
    const { config, devices } = configured(HMC_LIMIT);
    const discovery = await discoverDrSite(config, devices, 'dc1');
    assertFullyDiscovered(discovery);
    const member = drReadHmc(devices, ['hmc-dc1']).members[0] as PacedHmcClient;
    assert.equal(member.slots.size, HMC_LIMIT);
    assert.ok(member.slots.peak <= HMC_LIMIT, `peak ${member.slots.peak}`);
    assert.equal(member.retries, 0, 'no refusal to retry');
  });

  it('reads the disk identities of a VIOS in one command, not one per disk', async () => {
    const { config, devices } = configured(HMC_LIMIT);
    const commandsRun = async () => {
      const state = (await (await fetch(`${fleet.controlUrl}/state`)).json()) as {
        devices: Array<{ name: string; counters?: { commandsRun: number } }>;
      };
      return state.devices.find((d) => d.name === 'hmc-dc1')!.counters!.commandsRun;
    };
    const before = await commandsRun();
    const discovery = await discoverDrSite(config, devices, 'dc1');
    const commands = (await commandsRun()) - before;
    // A vSCSI VM's disks are presented by each of its VIOS: one unique_id read each before chkdev.
    const diskReads = discovery.vms.reduce((sum, vm) => sum + vm.volumes.length * vm.vios.length, 0);
    assert.ok(diskReads > 40, `the fleet maps ${diskReads} disks`);
    assert.ok(commands < diskReads / 2, `${commands} HMC commands for ${diskReads} mapped disks`);
  });

  it('configured above the HMC limit, retries its refusals until every host is read', async () => {
    const { config, devices } = configured(16);
    const discovery = await discoverDrSite(config, devices, 'dc1');
    assertFullyDiscovered(discovery);
    const member = drReadHmc(devices, ['hmc-dc1']).members[0] as PacedHmcClient;
    assert.ok(member.retries > 0, 'the HMC refused some reads (HSCL3F01) and they were asked again');
  });
});

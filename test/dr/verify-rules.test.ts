// The verification rules on hand-made discoveries, for what the simulated fleet cannot show: a device freeze time,
// no evidence of the copy's age, groups reversed, a shadow that runs, several production hosts sharing one backup
// host, a VM split over two groups, VIOS redundancy allowed to be lost.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseConfigText } from '../../domain/config/index.js';
import type { DrDiscovery, DrVm } from '../../domain/dr/contracts.js';
import { verifyDrSite } from '../../domain/dr/verify.js';
import { parseFreezeTime } from '../../activities/dr/discover-site.js';

const EXAMPLE = readFileSync(new URL('../../examples/lazarus-dr.yaml', import.meta.url), 'utf8');
const dr = parseConfigText(EXAMPLE, 'lazarus-dr.yaml').dr!;
const NOW = new Date('2026-11-30T02:00:00Z');

function vm(name: string, host: string, volumes: string[], memory = 16_384): DrVm {
  return {
    name,
    host,
    state: 'Running',
    procUnits: { min: 0.5, desired: 1 },
    memoryMb: { min: memory / 2, desired: memory },
    volumes,
    vios: [`${host}-vios1`, `${host}-vios2`],
    priority: 'medium',
  };
}

function discovery(edit: (d: DrDiscovery) => void = () => {}): DrDiscovery {
  const host = (name: string) => ({
    name,
    state: 'Operating',
    freeProcUnits: 32,
    freeMemoryMb: 524_288,
    vios: [
      { name: `${name}-vios1`, state: 'Running' },
      { name: `${name}-vios2`, state: 'Running' },
    ],
  });
  const d: DrDiscovery = {
    site: 'dc1',
    backupSite: 'dc2',
    discoveredAt: NOW.toISOString(),
    productionHosts: ['dc1-s01', 'dc1-s02'].map(host),
    backupHosts: ['dc2-s01', 'dc2-s02'].map(host),
    vms: [vm('dc1-app01', 'dc1-s01', ['a1']), vm('dc1-app02', 'dc1-s02', ['a2'])],
    shadows: [
      {
        name: 'dc1-app01',
        host: 'dc2-s01',
        state: 'Not Activated',
        profile: 'normal',
        procUnits: { min: 0.5, desired: 1 },
        memoryMb: { min: 1, desired: 2 },
      },
      {
        name: 'dc1-app02',
        host: 'dc2-s02',
        state: 'Not Activated',
        profile: 'normal',
        procUnits: { min: 0.5, desired: 1 },
        memoryMb: { min: 1, desired: 2 },
      },
    ],
    relationships: [
      { name: 'r1', masterVolume: 'a1', auxVolume: 'a1r', group: 'cg-dc1-s01', state: 'consistent_synchronized' },
      { name: 'r2', masterVolume: 'a2', auxVolume: 'a2r', group: 'cg-dc1-s02', state: 'consistent_synchronized' },
    ],
    groups: ['cg-dc1-s01', 'cg-dc1-s02'].map((name) => ({
      name,
      masterStorage: 'svc-dc1',
      auxStorage: 'svc-dc2',
      primary: 'master',
      state: 'consistent_synchronized',
      copyType: 'global',
    })),
  };
  edit(d);
  return d;
}

const codes = (d: DrDiscovery, name: string, config = dr, lastInSync?: Record<string, string>) =>
  verifyDrSite(d, config, { now: NOW, lastInSync })
    .vms.find((v) => v.vm === name)!
    .reasons.map((r) => r.code);

describe('DR verification rules', () => {
  it('a healthy pair is READY_TO_MOVE', () => {
    const result = verifyDrSite(discovery(), dr, { now: NOW });
    assert.equal(result.ready, true);
    assert.deepEqual(
      result.vms.map((v) => v.state),
      ['READY_TO_MOVE', 'READY_TO_MOVE'],
    );
  });

  it("reads the copy's age from the device's freeze time (YY/MM/DD/HH/MM, UTC)", () => {
    assert.equal(parseFreezeTime('26/11/30/01/50'), '2026-11-30T01:50:00.000Z');
    assert.equal(parseFreezeTime(''), undefined);
    const stopped = (freeze?: string) =>
      discovery((d) =>
        Object.assign(d.groups[0]!, { state: 'consistent_copying', ...(freeze ? { freezeTime: freeze } : {}) }),
      );
    assert.deepEqual(codes(stopped('2026-11-30T01:58:00.000Z'), 'dc1-app01'), [], 'copying, 2 min old, RPO 5 min');
    assert.deepEqual(codes(stopped('2026-11-30T01:50:00.000Z'), 'dc1-app01'), ['RPO_EXCEEDED']);
    assert.deepEqual(codes(stopped(), 'dc1-app01'), ['RPO_UNKNOWN'], 'no freeze time, never seen in sync');
    assert.deepEqual(codes(stopped(), 'dc1-app01', dr, { 'cg-dc1-s01': '2026-11-30T01:59:00.000Z' }), []);
  });

  it('refuses a reversed group, a running shadow, a missing pair and a VM split over two groups', () => {
    assert.deepEqual(
      codes(
        discovery((d) => (d.groups[0]!.primary = 'aux')),
        'dc1-app01',
      ),
      ['REPLICATION_REVERSED'],
    );
    assert.deepEqual(
      codes(
        discovery((d) => (d.shadows[0]!.state = 'Running')),
        'dc1-app01',
      ),
      ['SHADOW_ACTIVE'],
    );
    const unpaired = { ...dr, hostPairs: dr.hostPairs.filter((p) => p.production !== 'dc1-s02') };
    assert.deepEqual(codes(discovery(), 'dc1-app02', unpaired), ['NO_HOST_PAIR']);
    const split = discovery((d) => {
      d.vms[1]!.volumes.push('a3');
      d.relationships.push({ name: 'r3', masterVolume: 'a3', auxVolume: 'a3r', group: 'cg-dc1-s01', state: 'x' });
    });
    assert.deepEqual(codes(split, 'dc1-app02'), ['CONSISTENCY_GROUP_MISMATCH']);
    const configuredElsewhere = discovery((d) => (d.relationships[0]!.group = 'cg-dc1-s02'));
    assert.deepEqual(codes(configuredElsewhere, 'dc1-app01'), ['CONSISTENCY_GROUP_MISMATCH'], 'config: cg-dc1-s01');
  });

  it('places the VMs of every production host paired to one backup host together', () => {
    const shared = {
      ...dr,
      hostPairs: [
        { production: 'dc1-s01', backup: 'dc2-s01' },
        { production: 'dc1-s02', backup: 'dc2-s01' },
      ],
    };
    const d = discovery((x) => {
      x.backupHosts[0]!.freeMemoryMb = 20_000;
      x.shadows[1]!.host = 'dc2-s01';
    });
    const result = verifyDrSite(d, shared, { now: NOW });
    assert.deepEqual(
      result.vms.map((v) => [v.vm, v.reasons.map((r) => r.code)]),
      [
        ['dc1-app01', []],
        ['dc1-app02', ['BACKUP_CAPACITY_SHORT']],
      ],
      'each fits alone; together they do not',
    );
  });

  it('lets VIOS redundancy be lost when configured (a warning then)', () => {
    const single = discovery((d) => (d.backupHosts[0]!.vios[1]!.state = 'Not Activated'));
    assert.deepEqual(codes(single, 'dc1-app01'), ['VIOS_REDUNDANCY_LOST']);
    const lenient = { ...dr, verify: { ...dr.verify, loseViosRedundancy: true } };
    const result = verifyDrSite(single, lenient, { now: NOW }).vms[0]!;
    assert.equal(result.state, 'READY_TO_MOVE');
    assert.deepEqual(
      result.warnings.map((w) => w.code),
      ['VIOS_REDUNDANCY_LOST'],
    );
    const none = discovery((d) => d.backupHosts[0]!.vios.forEach((v) => (v.state = 'Not Activated')));
    assert.deepEqual(codes(none, 'dc1-app01'), ['BACKUP_VIOS_MISSING']);
  });

  it('keeps the VMs of a production host that cannot be described, NOT_READY, instead of dropping them', () => {
    const previous = verifyDrSite(discovery(), dr, { now: NOW });
    const lost = discovery((d) => {
      d.productionHosts[1]!.undescribed = 'dc1-s02 is No Connection; the HMC cannot describe its partitions';
      d.vms = d.vms.filter((v) => v.host !== 'dc1-s02');
    });
    const result = verifyDrSite(lost, dr, { now: NOW, previous });
    const app02 = result.vms.find((v) => v.vm === 'dc1-app02')!;
    assert.equal(app02.state, 'NOT_READY');
    assert.deepEqual(
      app02.reasons.map((r) => r.code),
      ['PRODUCTION_HOST_UNAVAILABLE'],
    );
    assert.match(app02.reasons[0]!.message, /No Connection/);
    assert.equal(result.ready, false);
  });
});

// The fleet as Lazarus knows it, pure (domain/inventory/fleet.ts): stale hosts carried over between discoveries,
// and the newest snapshot merged with what failovers and live reads observed since.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  carryOverStaleHosts,
  currentFleet,
  fleetSnapshot,
  parseInventorySnapshot,
  type InventorySnapshot,
  type ObservedHost,
  type ObservedLpar,
} from '../../domain/inventory/index.js';
import { modified, sampleSnapshot } from './fixtures.js';

const at = (minute: number) => `2026-11-24T12:${String(minute).padStart(2, '0')}:00.000Z`;
const cec2Only = (minute: number, change: (s: InventorySnapshot) => void = () => undefined) =>
  modified((s) => {
    s.takenAt = at(minute);
    s.managedSystems = s.managedSystems.filter((m) => m.name === 'cec-2');
    s.lpars = [];
    s.vios = [];
    change(s);
  });
const powerOff = { name: 'cec-1', state: 'Power Off', reason: 'cec-1 is Power Off' };
const fleetOf = (snapshot: InventorySnapshot, hosts: ObservedHost[] = [], lpars: ObservedLpar[] = []) =>
  currentFleet('prod-a', { runId: 7, snapshot }, { hosts, lpars });

test('a host stale over several runs keeps its first description; one the HMC no longer lists keeps its state', () => {
  const once = carryOverStaleHosts(sampleSnapshot(), cec2Only(10), [powerOff]);
  const twice = carryOverStaleHosts(once, cec2Only(20), [
    { ...powerOff, state: 'unknown', reason: 'hmc-dc1 does not know managed system cec-1' },
  ]);
  const cec1 = twice.managedSystems.find((m) => m.name === 'cec-1')!;
  assert.deepEqual(
    [cec1.state, cec1.observedAt, cec1.describedAt, cec1.staleReason],
    ['Power Off', at(10), at(0), 'hmc-dc1 does not know managed system cec-1'],
  );
  assert.deepEqual(
    twice.lpars.map((l) => `${l.name}@${l.host}`),
    ['app01@cec-1', 'db01@cec-1'],
  );
  assert.doesNotThrow(() => parseInventorySnapshot(twice, 'carried over'));
  const firstEver = carryOverStaleHosts(undefined, cec2Only(0), [powerOff]);
  assert.deepEqual(firstEver.undescribedHosts, [powerOff]);
  const hosts = fleetOf(firstEver).hosts;
  assert.deepEqual(
    hosts.map((h) => [h.name, h.state, h.staleReason ?? null, h.system === undefined]),
    [
      ['cec-1', 'Power Off', 'cec-1 is Power Off', true],
      ['cec-2', 'Operating', null, false],
    ],
  );
});

test("the newest sighting of an LPAR wins, in any order; one older than its host's description does not", () => {
  const snapshot = carryOverStaleHosts(sampleSnapshot(), cec2Only(10), [powerOff]);
  const seen = (minute: number, host: string, state = 'Running'): ObservedLpar => ({
    name: 'db01',
    host,
    state,
    observedAt: at(minute),
    source: `failover run ${minute}`,
  });
  const fleet = fleetOf(snapshot, [], [seen(15, 'cec-2'), seen(12, 'cec-1', 'Not Activated')]);
  const db01 = fleet.lpars.find((l) => l.name === 'db01')!;
  assert.deepEqual(
    [db01.host, db01.state, db01.source, db01.stale],
    ['cec-2', 'Running', 'failover run 15', undefined],
  );
  // cec-2 was described at minute 10 without db01: a sighting there at minute 5 is superseded; db01 stays as last seen.
  const superseded = fleetOf(snapshot, [], [seen(5, 'cec-2')]).lpars.find((l) => l.name === 'db01')!;
  assert.deepEqual([superseded.host, superseded.stale, superseded.observedAt], ['cec-1', true, at(0)]);
});

test('a fence holds through later discoveries of the host powered off, and ends when the host is seen up', () => {
  const fenced: ObservedHost = {
    name: 'cec-1',
    state: 'Power Off',
    fenced: true,
    observedAt: at(5),
    source: 'failover f/1',
  };
  const off = carryOverStaleHosts(sampleSnapshot(), cec2Only(10), [powerOff]);
  assert.equal(fleetOf(off, [fenced]).hosts[0]!.fenced, true);
  const up = modified((s) => (s.takenAt = at(10)));
  assert.equal(fleetOf(up, [fenced]).hosts[0]!.fenced, undefined, 'described Operating after the fence');
  assert.equal(
    fleetOf(off, [fenced, { name: 'cec-1', state: 'Standby', observedAt: at(12), source: 'live read' }]).hosts[0]!
      .fenced,
    undefined,
  );
  assert.equal(
    fleetOf(off, [fenced, { name: 'cec-1', state: 'Power Off', fenced: false, observedAt: at(12), source: 'operator' }])
      .hosts[0]!.fenced,
    undefined,
  );
});

test('the fleet as a snapshot: LPARs on their current hosts, hosts in their current state (for the planner)', () => {
  const fleet = fleetOf(
    sampleSnapshot(),
    [{ name: 'cec-1', state: 'Power Off', fenced: true, observedAt: at(5), source: 'f' }],
    [
      { name: 'db01', host: 'cec-2', state: 'Running', observedAt: at(5), source: 'f' },
      { name: 'web09', host: 'cec-2', state: 'Running', observedAt: at(5), source: 'live read' },
    ],
  );
  const snapshot = parseInventorySnapshot(fleetSnapshot(fleet), 'fleet');
  assert.deepEqual(
    snapshot.lpars.map((l) => `${l.name}@${l.host}`),
    ['app01@cec-1', 'db01@cec-2'],
  );
  assert.deepEqual(
    snapshot.managedSystems.map((m) => m.state),
    ['Power Off', 'Operating'],
  );
  assert.equal(snapshot.takenAt, at(5));
  assert.deepEqual(
    fleet.undescribedLpars.map((l) => l.name),
    ['web09'],
    'known, but not in the snapshot: nothing is known of its sizes',
  );
});

// The monitor's pure rules, the fast layer beside the end-to-end monitoring tests: what one observation says (the
// signals and their agreement), confirmation over consecutive observations, the flap guard and quarantine, and the
// mode a confirmed failure is acted on in.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  failoverModeFor,
  hmcSays,
  judgeObservation,
  newTrack,
  trackObservation,
  type HostObservation,
  type HostTrack,
  type MonitorRules,
} from '../../domain/monitoring/index.js';

const T0 = Date.parse('2026-11-30T01:00:00.000Z');
const rules: MonitorRules = { confirmations: 2, flapLimit: 3, flapWindowMs: 3_600_000 };

interface Shape {
  hmcs?: Array<string | null>; // a state, or null = unreachable
  ports?: number | null; // logged-in ports of 4, or null = storage unreachable
  vios?: string[];
}

function observation({ hmcs = ['Operating'], ports = 4, vios }: Shape, at = T0): HostObservation {
  return {
    host: 'dc1-s01',
    observedAt: new Date(at).toISOString(),
    hmcs: hmcs.map((state, i) =>
      state === null
        ? { hmc: `hmc-${i}`, reachable: false, error: 'connection refused' }
        : { hmc: `hmc-${i}`, reachable: true, state },
    ),
    storagePorts:
      ports === null
        ? { storage: 'svc', reachable: false, error: 'timeout' }
        : { storage: 'svc', reachable: true, loggedIn: ports, total: 4 },
    ...(vios && { vios: vios.map((state, i) => ({ name: `vios${i + 1}`, state })) }),
  };
}

const verdict = (shape: Shape) => judgeObservation(observation(shape)).verdict;

describe('one observation (IBM managed-system states, the storage view of the ports, the VIOS)', () => {
  it('reads the HMC states by their IBM meaning', () => {
    assert.equal(hmcSays('Operating'), 'up');
    assert.equal(hmcSays('Standby'), 'up');
    assert.equal(hmcSays('Power Off'), 'off');
    assert.equal(hmcSays('Error'), 'error');
    assert.equal(hmcSays('Error - Terminated'), 'error');
    assert.equal(hmcSays('No Connection'), 'lost');
    assert.equal(hmcSays('Incomplete'), 'lost');
    assert.equal(hmcSays('Initializing'), 'unsure');
    assert.equal(hmcSays('Power Off In Progress'), 'unsure');
    assert.equal(hmcSays('Something New'), 'unsure');
  });

  it('declares a failure only when the HMC and the storage agree', () => {
    assert.equal(verdict({ hmcs: ['Power Off'], ports: 0 }), 'failed');
    assert.equal(verdict({ hmcs: ['Error'], ports: 0, vios: ['Not Available', 'Not Available'] }), 'failed');
    assert.equal(verdict({ hmcs: ['Error'], ports: 4 }), 'failed-unproven', 'ports still logged in');
    assert.equal(verdict({ hmcs: ['Power Off'], ports: null }), 'failed-unproven', 'storage unreachable');
    assert.equal(verdict({ hmcs: ['Error'], ports: 0, vios: ['Running'] }), 'failed-unproven', 'a VIOS runs');
  });

  it('does not take No Connection for down', () => {
    assert.equal(verdict({ hmcs: ['No Connection'], ports: 4 }), 'hmc-lost-host');
    assert.equal(verdict({ hmcs: ['No Connection'], ports: 0 }), 'failed-unproven', 'power loss: fence unprovable');
    assert.equal(verdict({ hmcs: ['No Connection'], ports: null }), 'unknown');
  });

  it('judges from the HMC that answers, and from the one that still sees the host', () => {
    assert.equal(verdict({ hmcs: [null, 'Power Off'], ports: 0 }), 'failed', 'one HMC down: the other is used');
    assert.equal(verdict({ hmcs: ['No Connection', 'Operating'], ports: 4 }), 'up', 'one HMC lost it, one sees it');
    assert.equal(verdict({ hmcs: ['No Connection', 'Power Off'], ports: 0 }), 'failed', 'the informed HMC');
    assert.equal(verdict({ hmcs: [null, null], ports: 0 }), 'unknown', 'both HMCs unreachable: no verdict');
    assert.equal(verdict({ hmcs: ['Initializing'], ports: 0 }), 'unknown');
    const refused = observation({ hmcs: ['Operating', 'Power Off'], ports: 0 });
    refused.hmcs[0] = { hmc: 'hmc-0', reachable: true, error: 'HSCL0237 no connection to the system' };
    assert.equal(judgeObservation(refused).verdict, 'failed', 'an HMC answering with an error says nothing');
  });

  it('a host object without ports proves nothing', () => {
    const o = observation({ hmcs: ['Power Off'] });
    o.storagePorts = { storage: 'svc', reachable: true, loggedIn: 0, total: 0 };
    assert.equal(judgeObservation(o).verdict, 'failed-unproven');
  });
});

function run(shapes: Shape[], start: HostTrack = newTrack('dc1-s01'), stepMs = 10_000, from = T0) {
  let track = start;
  const updates = shapes.map((shape, i) => {
    const update = trackObservation(track, observation(shape, from + i * stepMs), rules, from + i * stepMs);
    track = update.track;
    return update;
  });
  return { track, updates };
}

const UP: Shape = { hmcs: ['Operating'], ports: 4 };
const OFF: Shape = { hmcs: ['Power Off'], ports: 0 };
const LOSS: Shape = { hmcs: ['No Connection'], ports: 0 };

describe('over several observations', () => {
  it('confirms after `confirmations` consecutive failing observations, with the streak start', () => {
    const { updates } = run([UP, OFF, OFF]);
    assert.equal(updates[1]!.confirmed, undefined, 'one observation is not enough');
    assert.deepEqual(updates[2]!.confirmed, {
      strength: 'failed',
      firstBadAt: new Date(T0 + 10_000).toISOString(),
      confirmedAt: new Date(T0 + 20_000).toISOString(),
    });
  });

  it('an observation that cannot judge breaks the streak', () => {
    const { updates, track } = run([OFF, { hmcs: [null, null] }, OFF]);
    assert.ok(updates.every((u) => u.confirmed === undefined));
    assert.equal(track.failing, 1);
  });

  it('a streak with an unproven observation is confirmed as unproven', () => {
    const { updates } = run([LOSS, OFF]);
    assert.equal(updates[1]!.confirmed?.strength, 'failed-unproven');
  });

  it('a handled failure is not confirmed again until the host was seen up', () => {
    const { track } = run([OFF, OFF]);
    const handled: HostTrack = { ...track, handled: { at: new Date(T0).toISOString(), action: 'failover-auto' } };
    const again = run([OFF, OFF], handled, 10_000, T0 + 30_000);
    assert.ok(again.updates.every((u) => u.confirmed === undefined));
    const back = run([UP, OFF, OFF], handled, 10_000, T0 + 30_000);
    assert.equal(back.updates[2]!.confirmed?.strength, 'failed');
  });

  it('a failure skipped for maintenance is offered again (maintenance may have ended)', () => {
    const { track } = run([OFF, OFF]);
    const skipped: HostTrack = { ...track, handled: { at: new Date(T0).toISOString(), action: 'maintenance' } };
    assert.ok(run([OFF], skipped, 10_000, T0 + 30_000).updates[0]!.confirmed);
  });

  it('alerts once per episode when the HMC lost a host that runs', () => {
    const lost: Shape = { hmcs: ['No Connection'], ports: 4 };
    const { updates } = run([lost, lost, UP, lost]);
    assert.deepEqual(
      updates.map((u) => u.hmcLostHost),
      [true, false, false, true],
    );
  });
});

describe('flap guard and quarantine', () => {
  it('quarantines a host with more than flapLimit up/down changes within the window, once', () => {
    const { updates, track } = run([UP, OFF, UP, OFF, UP]);
    assert.deepEqual(
      updates.map((u) => u.quarantined),
      [false, false, false, false, true],
    );
    assert.equal(track.quarantinedUntil, new Date(T0 + 40_000 + rules.flapWindowMs).toISOString());
    assert.ok(
      updates.every((u) => u.confirmed === undefined),
      'no single down lasted two observations',
    );
  });

  it('ends the quarantine a whole window after the newest change: fixed while steady, moved by a change', () => {
    // Quarantined at the 5th observation (T0 + 40 s); steady up for 20 more observations, then one more change.
    const { updates } = run([UP, OFF, UP, OFF, UP, ...Array<Shape>(20).fill(UP), OFF]);
    const ends = updates.slice(4).map((u) => u.track.quarantinedUntil);
    const first = new Date(T0 + 40_000 + rules.flapWindowMs).toISOString();
    assert.deepEqual(ends.slice(0, 21), Array<string>(21).fill(first), 'steady: the end stays (one durable record)');
    assert.equal(ends[21], new Date(T0 + 250_000 + rules.flapWindowMs).toISOString(), 'a new change moves it');
    assert.deepEqual(updates.map((u) => u.quarantined).filter(Boolean), [true], 'said once');
  });

  it('keeps the transition list bounded and forgets changes older than the window', () => {
    const shapes = Array.from({ length: 201 }, (_, i) => (i % 2 ? OFF : UP));
    const { track } = run(shapes);
    assert.ok(track.transitions.length <= rules.flapLimit + 1, `${track.transitions.length} transitions kept`);
    const later = run([UP], track, 10_000, T0 + 201 * 10_000 + rules.flapWindowMs + 1);
    assert.equal(later.track.transitions.length, 0);
    assert.equal(later.track.quarantinedUntil, undefined, 'quarantine ends with the window');
  });
});

describe('the mode of the failover', () => {
  it('auto only when every signal agrees and the host is not quarantined', () => {
    assert.deepEqual(failoverModeFor('auto', 'failed', false), { mode: 'auto' });
    assert.equal(failoverModeFor('auto', 'failed-unproven', false).mode, 'advisory');
    assert.equal(failoverModeFor('auto', 'failed', true).mode, 'advisory');
    assert.equal(failoverModeFor('advisory', 'failed', false).mode, 'advisory');
    assert.equal(failoverModeFor('off', 'failed', false).mode, 'none');
    assert.equal(failoverModeFor('off', 'failed-unproven', true).mode, 'none');
  });
});

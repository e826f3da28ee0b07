// The per-LPAR safety gate and the outcome rules, as pure functions (the fast layer beside the end-to-end failover
// tests): every state IBM documents as possibly running blocks a restart, an override replaces only the power proof
// a lost HMC cannot give, the owner's intent is kept, and `succeeded` needs every LPAR running.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  gateVerdict,
  partitionEvidence,
  restartOutcome,
  type GroupEvidence,
  type LparProgress,
  type RosterLpar,
} from '../../domain/failover/index.js';

const lpar = (name: string, lastKnownState = 'Running'): RosterLpar => ({
  name,
  lastKnownState,
  source: 'discovery run 1',
  volumes: [`${name}_rootvg`],
  priority: 'medium',
});

function evidence(hosts: Record<string, { state: string; partitions?: Record<string, string> }>): GroupEvidence {
  return { readAt: '2026-11-29T23:00:00.000Z', hosts: Object.entries(hosts).map(([host, h]) => ({ host, ...h })) };
}

const poweredOff = { sourcePoweredOff: true, overridden: false };
const overridden = { sourcePoweredOff: false, overridden: true };

describe('partition state evidence (IBM HMC partition states)', () => {
  it('reads Running as running, Not Activated as not active, and everything else as may be running', () => {
    assert.equal(partitionEvidence('Running'), 'running');
    assert.equal(partitionEvidence('Not Activated'), 'not-active');
    assert.equal(partitionEvidence('absent'), 'absent');
    for (const state of [
      'Starting',
      'Open Firmware',
      'Error',
      'Not Available',
      'Shutting Down',
      'Migrating - Running',
      'Migrating - Not Activated',
      'Some Future State',
    ]) {
      assert.equal(partitionEvidence(state), 'may-be-running', state);
    }
  });
});

describe('the per-LPAR safety gate', () => {
  const source = 'dc1-s01';

  it('restarts an LPAR of a host proven powered off that runs nowhere else', () => {
    const seen = evidence({
      [source]: { state: 'Power Off', partitions: { db01: 'Not Activated' } },
      s02: { state: 'Operating', partitions: {} },
    });
    assert.deepEqual(gateVerdict(lpar('db01'), seen, source, poweredOff), { kind: 'restart' });
  });

  it('reports an LPAR already Running on another host instead of restarting it', () => {
    const seen = evidence({
      [source]: { state: 'Power Off', partitions: { db01: 'Not Activated' } },
      s02: { state: 'Operating', partitions: { db01: 'Running' } },
    });
    assert.deepEqual(gateVerdict(lpar('db01'), seen, source, poweredOff), { kind: 'running-elsewhere', host: 's02' });
  });

  it('blocks, and never calls recovered, an LPAR listed Running on another host that is not up', () => {
    for (const state of ['Error', 'No Connection', 'Power Off', 'Initializing']) {
      const seen = evidence({
        [source]: { state: 'Power Off', partitions: { db01: 'Not Activated' } },
        s02: { state, partitions: { db01: 'Running' } },
      });
      assert.deepEqual(
        gateVerdict(lpar('db01'), seen, source, poweredOff),
        { kind: 'blocked', reason: `it is Running on s02, which is ${state}` },
        state,
      );
    }
  });

  it('blocks an LPAR that may be running on another host, whatever the fence proved', () => {
    for (const state of [
      'Starting',
      'Open Firmware',
      'Error',
      'Not Available',
      'Shutting Down',
      'Migrating - Running',
    ]) {
      const seen = evidence({
        [source]: { state: 'Power Off', partitions: {} },
        s02: { state: 'Error', partitions: { db01: state } },
      });
      const verdict = gateVerdict(lpar('db01'), seen, source, poweredOff);
      assert.equal(verdict.kind, 'blocked', state);
      assert.match((verdict as { reason: string }).reason, new RegExp(`${state} on s02`));
    }
  });

  it('without a power proof, blocks what the source still shows as possibly running, override or not', () => {
    for (const fence of [{ sourcePoweredOff: false, overridden: false }, overridden]) {
      for (const state of ['Running', 'Error', 'Not Available', 'Starting']) {
        const seen = evidence({ [source]: { state: 'Error', partitions: { db01: state } } });
        assert.equal(
          gateVerdict(lpar('db01'), seen, source, fence).kind,
          'blocked',
          `${state} with ${JSON.stringify(fence)}`,
        );
      }
    }
  });

  it('lets an override stand in for what the HMC cannot see of a host it lost contact with', () => {
    const unlisted = evidence({ [source]: { state: 'No Connection' } });
    assert.equal(
      gateVerdict(lpar('db01'), unlisted, source, { sourcePoweredOff: false, overridden: false }).kind,
      'blocked',
    );
    assert.deepEqual(gateVerdict(lpar('db01'), unlisted, source, overridden), { kind: 'restart' });
    const notAvailable = evidence({ [source]: { state: 'No Connection', partitions: { db01: 'Not Available' } } });
    assert.deepEqual(gateVerdict(lpar('db01'), notAvailable, source, overridden), { kind: 'restart' });
    const running = evidence({ [source]: { state: 'No Connection', partitions: { db01: 'Running' } } });
    assert.equal(
      gateVerdict(lpar('db01'), running, source, overridden).kind,
      'blocked',
      'evidence of life is never overridden',
    );
  });

  it('restarts without a power proof only what the source proves not active', () => {
    const seen = evidence({ [source]: { state: 'Error', partitions: { db01: 'Not Activated' } } });
    assert.deepEqual(gateVerdict(lpar('db01'), seen, source, { sourcePoweredOff: false, overridden: false }), {
      kind: 'restart',
    });
  });

  it("keeps the owner's intent: an LPAR that was not running before the failure is not restarted", () => {
    const seen = evidence({ [source]: { state: 'Power Off', partitions: { web01: 'Not Activated' } } });
    const verdict = gateVerdict(lpar('web01', 'Not Activated'), seen, source, poweredOff);
    assert.equal(verdict.kind, 'not-restarted');
    assert.match((verdict as { reason: string }).reason, /Not Activated before the failure \(discovery run 1\)/);
  });

  it('restarts an LPAR whose earlier state is unknown (seen only by the live listing) once the gate holds', () => {
    const seen = evidence({ [source]: { state: 'Power Off', partitions: { new01: 'Not Activated' } } });
    assert.deepEqual(gateVerdict(lpar('new01', 'unknown'), seen, source, poweredOff), { kind: 'restart' });
  });
});

describe('the outcome of the restarts', () => {
  const at = (step: LparProgress['step']): LparProgress => ({ lpar: step, step, attempts: 1, timings: {} });
  it('is succeeded only when every LPAR runs', () => {
    assert.equal(restartOutcome([at('running'), at('running')]), 'succeeded');
    for (const other of ['failed', 'blocked', 'not-restarted', 'cancelled', 'unplaced', 'pending'] as const) {
      assert.equal(restartOutcome([at('running'), at(other)]), 'partial', other);
      assert.equal(restartOutcome([at(other)]), 'failed', other);
    }
  });
});

describe('one LPAR, one failover', () => {
  it('leaves an LPAR Lazarus last knew on another host to that host, even if the failed host still lists it', () => {
    const seen = evidence({
      'dc1-s04': { state: 'Error', partitions: { app04: 'Not Available' } },
      'dc1-s03': { state: 'Power Off', partitions: { app04: 'Not Activated' } },
    });
    const moved = { ...lpar('app04'), lastKnownHost: 'dc1-s03', source: 'failover failover/g/dc1-s04/run-1' };
    const verdict = gateVerdict(moved, seen, 'dc1-s04', { sourcePoweredOff: true, overridden: false });
    assert.equal(verdict.kind, 'not-restarted');
    assert.match(
      (verdict as { reason: string }).reason,
      /last knew it on dc1-s03 .*: a failover of that host restarts it/,
    );
  });

  it('restarts it from the failed host when the host Lazarus last knew it on no longer holds it (moved by LPM)', () => {
    const seen = evidence({
      'dc1-s03': { state: 'Power Off', partitions: { web03: 'Not Activated' } },
      'dc1-s01': { state: 'Operating', partitions: {} },
    });
    const moved = { ...lpar('web03'), lastKnownHost: 'dc1-s01' };
    assert.deepEqual(gateVerdict(moved, seen, 'dc1-s03', { sourcePoweredOff: true, overridden: false }), {
      kind: 'restart',
    });
  });

  it('still reports it running where it runs', () => {
    const seen = evidence({
      'dc1-s04': { state: 'Power Off', partitions: { app04: 'Not Activated' } },
      'dc1-s03': { state: 'Operating', partitions: { app04: 'Running' } },
    });
    const moved = { ...lpar('app04'), lastKnownHost: 'dc1-s03' };
    assert.deepEqual(gateVerdict(moved, seen, 'dc1-s04', { sourcePoweredOff: true, overridden: false }), {
      kind: 'running-elsewhere',
      host: 'dc1-s03',
    });
  });
});

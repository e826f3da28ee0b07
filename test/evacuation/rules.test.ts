// The planned operations' pure rules, fast: the failback decision from what the HMC shows, the migration slots
// (per system and per HMC), priority order and outcomes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseConfigText } from '../../domain/config/index.js';
import {
  evacuationOutcome,
  evacuationPolicy,
  failbackDecision,
  inPriorityOrder,
  MigrationSlots,
  type LparMove,
} from '../../domain/evacuation/index.js';
import type { GroupEvidence } from '../../domain/failover/index.js';

const evidence = (hosts: GroupEvidence['hosts']): GroupEvidence => ({ readAt: '2026-11-30T00:00:00Z', hosts });

describe('failback decision', () => {
  const back = { host: 's01', state: 'Operating', partitions: { db: 'Not Activated', app: 'Not Activated' } };

  it('cleans up definitions whose LPAR runs on exactly one other host', () => {
    const decision = failbackDecision(
      's01',
      evidence([back, { host: 's02', state: 'Operating', partitions: { db: 'Running', app: 'Running' } }]),
    );
    assert.equal(decision.refusal, undefined);
    assert.deepEqual(decision.cleanup, [
      { lpar: 'app', runsOn: 's02' },
      { lpar: 'db', runsOn: 's02' },
    ]);
  });

  it('keeps the only definition of an LPAR that runs nowhere else', () => {
    const decision = failbackDecision(
      's01',
      evidence([back, { host: 's02', state: 'Operating', partitions: { db: 'Running' } }]),
    );
    assert.deepEqual(decision.cleanup, [{ lpar: 'db', runsOn: 's02' }]);
    assert.deepEqual(decision.kept, [{ lpar: 'app', reason: 'runs nowhere else: this is its only definition' }]);
  });

  it('refuses while another host cannot be read or shows an LPAR in doubt', () => {
    const lost = failbackDecision(
      's01',
      evidence([back, { host: 's02', state: 'Error', partitions: { db: 'Not Available' } }]),
    );
    assert.match(lost.refusal ?? '', /unknown: s02 is Error/);
    assert.deepEqual(lost.cleanup, []);
    const unlisted = failbackDecision('s01', evidence([back, { host: 's02', state: 'Operating', error: 'timeout' }]));
    assert.match(unlisted.refusal ?? '', /s02 is Operating \(timeout\)/);
    const starting = failbackDecision(
      's01',
      evidence([back, { host: 's02', state: 'Operating', partitions: { db: 'Running', app: 'Starting' } }]),
    );
    assert.match(starting.refusal ?? '', /app is Starting on s02/);
    assert.deepEqual(starting.cleanup, [{ lpar: 'db', runsOn: 's02' }], 'the decision lists, the refusal stops all');
    const twice = failbackDecision(
      's01',
      evidence([
        back,
        { host: 's02', state: 'Operating', partitions: { db: 'Running' } },
        { host: 's03', state: 'Operating', partitions: { db: 'Running' } },
      ]),
    );
    assert.match(twice.refusal ?? '', /db runs on s02 and s03/);
  });

  it('refuses a host that is not back, and never cleans an LPAR active on the returned host', () => {
    assert.match(failbackDecision('s01', evidence([{ ...back, state: 'Power Off' }])).refusal ?? '', /not back/);
    const running = failbackDecision(
      's01',
      evidence([
        { host: 's01', state: 'Operating', partitions: { db: 'Running' } },
        { host: 's02', state: 'Operating', partitions: {} },
      ]),
    );
    assert.deepEqual(running.cleanup, []);
    assert.equal(running.kept[0]?.lpar, 'db');
  });
});

describe('migration slots', () => {
  it('holds each system and the HMC to their limits', () => {
    const slots = new MigrationSlots({ perSystem: 2, perHmc: 3 });
    assert.ok(slots.canStart('a', 'b'));
    slots.take('a', 'b');
    slots.take('a', 'c');
    assert.equal(slots.canStart('a', 'd'), false, 'the source a takes part in 2 already');
    assert.ok(slots.canStart('d', 'b'));
    slots.take('d', 'b');
    assert.equal(slots.canStart('e', 'f'), false, 'the HMC drives 3 already');
    slots.give('a', 'b');
    assert.ok(slots.canStart('a', 'f'));
    slots.take('x', 'b');
    assert.equal(slots.canStart('y', 'b'), false, 'the destination b receives 2 already');
    assert.equal(slots.inFlight, 3);
  });
});

describe('order and outcome', () => {
  it('moves the highest priority first, keeping the plan order within a class', () => {
    const order = inPriorityOrder([
      { name: 'w', priority: 'low' },
      { name: 'd', priority: 'critical' },
      { name: 'a', priority: 'medium' },
      { name: 'm', priority: 'high' },
      { name: 'b', priority: 'medium' },
    ]).map((m) => m.name);
    assert.deepEqual(order, ['d', 'm', 'a', 'b', 'w']);
  });

  it('says succeeded, partial, failed or cancelled from the final steps', () => {
    const move = (step: LparMove['step']): LparMove => ({ lpar: step, from: 's01', step });
    assert.equal(evacuationOutcome([move('moved'), move('skipped')], false), 'succeeded');
    assert.equal(evacuationOutcome([move('moved'), move('invalid')], false), 'partial');
    assert.equal(evacuationOutcome([move('failed')], false), 'failed');
    assert.equal(evacuationOutcome([move('moved'), move('cancelled')], true), 'cancelled');
  });
});

describe('evacuation policy', () => {
  const example = readFileSync(new URL('../../examples/lazarus.yaml', import.meta.url), 'utf8');

  it("takes IBM's 16 per system and at most half of the HMC's device-queue slots", () => {
    const policy = evacuationPolicy(parseConfigText(example, 'lazarus.yaml'), 'dc1-prod')!;
    assert.deepEqual(policy.limits, { perSystem: 16, perHmc: 4 }, 'the example HMC has 8 slots');
    assert.equal(policy.hmc, 'hmc-dc1');
    assert.equal(evacuationPolicy(parseConfigText(example, 'lazarus.yaml'), 'nope'), undefined);
  });

  it('honours configured limits below those caps and names a bad one', () => {
    const edited = example.replace(
      'hosts: [dc1-s01, dc1-s02, dc1-s03, dc1-s04]\n',
      'hosts: [dc1-s01, dc1-s02, dc1-s03, dc1-s04]\n    evacuation:\n      maxMigrationsPerSystem: 4\n' +
        '      maxMigrationsPerHmc: 2\n      migrationTimeout: 30m\n',
    );
    const policy = evacuationPolicy(parseConfigText(edited, 'lazarus.yaml'), 'dc1-prod')!;
    assert.deepEqual(policy.limits, { perSystem: 4, perHmc: 2 });
    assert.equal(policy.migrationDeadlineMs, 30 * 60_000);
    assert.throws(
      () => parseConfigText(edited.replace('maxMigrationsPerSystem: 4', 'maxMigrationsPerSystem: 17'), 'lazarus.yaml'),
      /maxMigrationsPerSystem/,
    );
  });
});

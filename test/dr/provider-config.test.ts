// DRaaS settings of lazarus.yaml (examples/lazarus-draas.yaml): the capacity a contract reserves at the shared site
// and the stagger of the tenants' scheduled verifications — defaults, precise errors naming file, line and path, and
// the verification slots they give (highest contract priority first, each next one verifyStagger later).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ConfigError, parseConfigText } from '../../domain/config/index.js';
import { drVerificationSlots } from '../../domain/dr/verification-slots.js';

const DRAAS = readFileSync(new URL('../../examples/lazarus-draas.yaml', import.meta.url), 'utf8');
const DR = readFileSync(new URL('../../examples/lazarus-dr.yaml', import.meta.url), 'utf8');

const edit = (text: string, from: string, to: string) => {
  const changed = text.replace(from, to);
  assert.notEqual(changed, text, `the example contains ${from}`);
  return changed;
};
const fails = (text: string, pattern: RegExp) =>
  assert.throws(
    () => parseConfigText(text, 'lazarus-draas.yaml'),
    (err) => err instanceof ConfigError && pattern.test(err.message),
    String(pattern),
  );
// Lines a field is inserted before: the first line of acme's (top-level) and of globex's (dr.tenants[0]) sites.
const ACME = '  sites:\n    - { name: ta, role: active }';
const GLOBEX = '      sites:\n        - { name: tb, role: active }';
const reserve = (at: string, indent: string, value: string) => `${indent}reservedCapacity: ${value}\n${at}`;

describe('DRaaS configuration: reserved capacity and staggered verification', () => {
  it('defaults: no reservation, verifications 10 minutes apart by contract priority', () => {
    const config = parseConfigText(DRAAS, 'lazarus-draas.yaml');
    assert.equal(config.dr!.reservedCapacity, undefined);
    assert.equal(config.dr!.coordination.verifyStagger, 10 * 60_000);
    assert.deepEqual(drVerificationSlots(config), [
      { site: 'tb', delayMs: 0 },
      { site: 'ta', delayMs: 10 * 60_000 },
    ]);
    // One pair, no tenants: one slot, no wait.
    assert.deepEqual(drVerificationSlots(parseConfigText(DR, 'lazarus-dr.yaml')), [{ site: 'dc1', delayMs: 0 }]);
  });

  it('reads a reservation per tenant and the stagger', () => {
    let text = edit(DRAAS, ACME, reserve(ACME, '  ', '{ procUnits: 4, memoryMb: 131072 }'));
    text = edit(text, GLOBEX, reserve(GLOBEX, '      ', '{ procUnits: 8.5, memoryMb: 262144 }'));
    text = edit(text, '    gatherWindow: 5s', '    gatherWindow: 5s\n    verifyStagger: 30m');
    const config = parseConfigText(text, 'lazarus-draas.yaml');
    assert.deepEqual(config.dr!.reservedCapacity, { procUnits: 4, memoryMb: 131072 });
    assert.deepEqual(config.dr!.tenants[0]!.reservedCapacity, { procUnits: 8.5, memoryMb: 262144 });
    assert.deepEqual(
      drVerificationSlots(config).map((s) => s.delayMs),
      [0, 30 * 60_000],
    );
  });

  it('names what is wrong', () => {
    fails(
      edit(DRAAS, GLOBEX, reserve(GLOBEX, '      ', '{ procUnits: 0, memoryMb: 1024 }')),
      /dr\.tenants\[0\]\.reservedCapacity\.procUnits: /,
    );
    fails(
      edit(DRAAS, ACME, reserve(ACME, '  ', '{ procUnits: 2, memoryMb: 10.5 }')),
      /dr\.reservedCapacity\.memoryMb: /,
    );
    fails(edit(DRAAS, ACME, reserve(ACME, '  ', '{ procUnits: 2 }')), /dr\.reservedCapacity\.memoryMb: /);
    fails(edit(DRAAS, ACME, reserve(ACME, '  ', '{ procUnits: 2, memoryMb: 1, cores: 1 }')), /dr\.reservedCapacity/);
    fails(edit(DRAAS, '    gatherWindow: 5s', '    gatherWindow: 5s\n    verifyStagger: 7h'), /verifyStagger/);
    fails(edit(DRAAS, '    gatherWindow: 5s', '    gatherWindow: 5s\n    verifyStagger: soon'), /verifyStagger/);
    // A reservation only means something at a site shared by several tenants.
    const single = edit(DR, '\n  hostPairs:', '\n  reservedCapacity: { procUnits: 2, memoryMb: 1024 }\n  hostPairs:');
    fails(single, /dr\.reservedCapacity: capacity is reserved only at a recovery site shared by several tenants/);
  });
});

// The `dr` section of lazarus.yaml: examples/lazarus-dr.yaml loads with its defaults; every kind of mistake is an
// error naming the file, line and path (unknown host in a pair, a pair across the wrong sites, RPO not positive,
// storage at the wrong site, two active sites, a VM in two groups).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ConfigError, parseConfigText } from '../../domain/config/index.js';

const EXAMPLE = readFileSync(new URL('../../examples/lazarus-dr.yaml', import.meta.url), 'utf8');

function expectError(text: string, pattern: RegExp): void {
  assert.throws(
    () => parseConfigText(text, 'lazarus-dr.yaml'),
    (err) => err instanceof ConfigError && pattern.test(err.message),
  );
}

const replace = (from: string | RegExp, to: string) => {
  const changed = EXAMPLE.replace(from, to);
  assert.notEqual(changed, EXAMPLE, `the example contains ${String(from)}`);
  return changed;
};

describe('DR configuration', () => {
  it('loads the example: roles, pairs, groups with RPO, policies and the daily verification', () => {
    const dr = parseConfigText(EXAMPLE, 'examples/lazarus-dr.yaml').dr!;
    assert.deepEqual(
      dr.sites.map((s) => [s.name, s.role]),
      [
        ['dc1', 'active'],
        ['dc2', 'backup'],
      ],
    );
    assert.equal(dr.hostPairs.length, 4);
    assert.equal(dr.consistencyGroups[0]!.rpo, 5 * 60_000);
    assert.equal(dr.consistencyGroups[0]!.mode, 'global');
    assert.equal(dr.verify.schedule, '0 2 * * *');
    assert.equal(dr.verify.loseViosRedundancy, false);
  });

  it('allows several production hosts on one backup host', () => {
    const config = parseConfigText(
      replace('{ production: dc1-s02, backup: dc2-s02 }', '{ production: dc1-s02, backup: dc2-s01 }'),
      'x',
    );
    assert.equal(config.dr!.hostPairs.filter((p) => p.backup === 'dc2-s01').length, 2);
  });

  it('names an unknown host in a pair', () =>
    expectError(
      replace('backup: dc2-s03 }', 'backup: dc2-s09 }'),
      /^lazarus-dr\.yaml:\d+:\d+: dr\.hostPairs\[2\]\.backup: unknown host "dc2-s09" \(not a host of site "dc2"\)/,
    ));

  it('refuses a pair across the wrong sites', () =>
    expectError(
      replace('{ production: dc1-s01, backup: dc2-s01 }', '{ production: dc2-s01, backup: dc1-s01 }'),
      /dr\.hostPairs\[0\]\.production: host "dc2-s01" is at site "dc2"; a pair's production host must be at the active site "dc1"/,
    ));

  it('refuses a production host paired twice', () =>
    expectError(
      replace('{ production: dc1-s02, backup: dc2-s02 }', '{ production: dc1-s01, backup: dc2-s02 }'),
      /dr\.hostPairs\[1\]\.production: host "dc1-s01" is already paired \(dr\.hostPairs\[0\]\)/,
    ));

  it('refuses an RPO that is not positive, or not a duration', () => {
    expectError(
      replace('mode: global, rpo: 5m }   # VMs', 'mode: global, rpo: 0s }   # VMs'),
      /dr\.consistencyGroups\[1\]\.rpo: must be longer than 0/,
    );
    expectError(
      replace('mode: global, rpo: 5m }   # VMs', 'mode: global, rpo: soon }   # VMs'),
      /dr\.consistencyGroups\[1\]\.rpo: "soon" is not a duration/,
    );
  });

  it('refuses a group whose storage is at the wrong site', () =>
    expectError(
      replace('name: cg-dc1-s03, master: svc-dc1, aux: svc-dc2', 'name: cg-dc1-s03, master: svc-dc1, aux: svc-dc1'),
      /dr\.consistencyGroups\[2\]\.aux: storage system "svc-dc1" is not at site "dc2"/,
    ));

  it('refuses two active sites and a site that does not exist', () => {
    expectError(
      replace('role: backup ', 'role: active '),
      /dr\.sites\[1\]\.role: one site must be active and the other backup/,
    );
    expectError(
      replace('    - name: dc2\n      role: backup', '    - name: dc7\n      role: backup'),
      /dr\.sites\[1\]\.name: unknown site "dc7"/,
    );
  });

  it('refuses a VM in two consistency groups, and an unknown field', () => {
    expectError(
      replace(
        'name: cg-dc1-s02, master: svc-dc1, aux: svc-dc2, mode: global, rpo: 5m }',
        'name: cg-dc1-s02, master: svc-dc1, aux: svc-dc2, mode: global, rpo: 5m, vms: [dc1-db01] }',
      ),
      /dr\.consistencyGroups\[1\]\.vms\[0\]: VM "dc1-db01" is already in consistency group "cg-dc1-s01"/,
    );
    expectError(replace('startOrder: 2', 'startOrdr: 2'), /dr\.policies\[2\]: unknown field "startOrdr"/);
  });
});

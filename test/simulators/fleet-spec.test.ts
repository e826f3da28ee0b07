import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FleetSpecError, loadFleetSpecFile, parseFleetSpecText } from '../../simulators/index.js';
import { DR_FLEET, SMALL_FLEET } from './helpers.js';

const VALID = `sites:
  - name: lab
    hmcs:
      - { name: hmc-lab, password: pw, systems: [lab-s01] }
    storage:
      - { name: svc-lab, password: pw }
    systems:
      - name: lab-s01
        procUnits: 4
        memoryMb: 65536
        storage: svc-lab
        vios: [{ name: vios1 }]
        lpars:
          - name: db
            procUnits: { desired: 1 }
            memoryMb: { desired: 8192 }
            volumes: [db_rootvg]
`;

function rejects(text: string, expected: RegExp): void {
  assert.throws(
    () => parseFleetSpecText(text, 'fleet.yaml'),
    (error: unknown) => {
      assert.ok(error instanceof FleetSpecError);
      assert.match(error.message, expected);
      return true;
    },
  );
}

describe('fleet YAML validation', () => {
  it('the example fleets load with the names the contract promises', () => {
    const small = loadFleetSpecFile(SMALL_FLEET);
    assert.deepEqual(
      small.sites.map((s) => s.name),
      ['dc1'],
    );
    assert.deepEqual(
      small.sites[0]!.systems.map((s) => s.name),
      ['dc1-s01', 'dc1-s02', 'dc1-s03', 'dc1-s04'],
    );
    const lpars = small.sites[0]!.systems.flatMap((s) => s.lpars);
    assert.ok(lpars.length >= 16 && lpars.length <= 24);
    assert.ok(lpars.every((l) => l.volumes.length >= 1 && l.volumes.length <= 6));
    assert.deepEqual([...new Set(lpars.map((l) => l.priority))].sort(), ['high', 'low', 'medium']);
    assert.ok(small.sites[0]!.systems.every((s) => s.vios.length === 2));
    const dr = loadFleetSpecFile(DR_FLEET);
    assert.deepEqual(
      dr.sites.map((s) => [s.name, s.hmcs[0]!.name, s.storage[0]!.name]),
      [
        ['dc1', 'hmc-dc1', 'svc-dc1'],
        ['dc2', 'hmc-dc2', 'svc-dc2'],
      ],
    );
    assert.ok(dr.remoteCopy.consistencyGroups.every((g) => g.master === 'svc-dc1' && g.aux === 'svc-dc2'));
  });

  it('a valid minimal fleet gets its defaults', () => {
    const spec = parseFleetSpecText(VALID, 'fleet.yaml');
    const lpar = spec.sites[0]!.systems[0]!.lpars[0]!;
    assert.equal(lpar.priority, 'medium');
    assert.equal(lpar.profile, 'default_profile');
    assert.equal(spec.sites[0]!.hmcs[0]!.user, 'hscroot');
    assert.equal(spec.sites[0]!.storage[0]!.user, 'superuser');
    assert.equal(spec.sites[0]!.storage[0]!.maxSessions, 32);
  });

  it('a schema error names the file, the line and the YAML path', () => {
    rejects(VALID.replace('procUnits: 4', 'procUnits: -4'), /^fleet\.yaml:9: sites\[0\]\.systems\[0\]\.procUnits: /);
    rejects(
      VALID.replace('priority', 'x').replace('volumes: [db_rootvg]', 'volumes: [db_rootvg]\n            colour: blue'),
      /^fleet\.yaml:\d+: sites\[0\]\.systems\[0\]\.lpars\[0\]: .*colour/,
    );
  });

  it('cross-references are checked: unknown system, unknown storage, duplicate names, min/desired/max', () => {
    rejects(
      VALID.replace('systems: [lab-s01]', 'systems: [lab-s09]'),
      /sites\[0\]\.hmcs\[0\]\.systems\[0\]: unknown managed system "lab-s09"/,
    );
    rejects(
      VALID.replace('storage: svc-lab', 'storage: svc-nope'),
      /sites\[0\]\.systems\[0\]\.storage: unknown storage system "svc-nope"/,
    );
    rejects(
      VALID.replace('- name: db', '- name: vios1'),
      /sites\[0\]\.systems\[0\]\.lpars\[0\]\.name: duplicate partition name "vios1"/,
    );
    rejects(
      VALID.replace('procUnits: { desired: 1 }', 'procUnits: { desired: 1, max: 0.5 }'),
      /lpars\[0\]\.procUnits: must satisfy min <= desired <= max/,
    );
  });

  it('broken YAML is reported with its line', () => {
    rejects('sites:\n  - name: [unclosed\n', /^fleet\.yaml:\d+: \(root\): invalid YAML/);
  });
});

// The host-level storage fence on the simulated Spectrum Virtualize: rmhostport takes a host object's FC ports (its
// mappings stay, unreachable), addhostport gives them back; the violation log catches a cut under a running LPAR.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { type SimulatedFleet } from '../../simulators/index.js';
import type { Violation } from '../../simulators/violations.js';
import { control, eventually, exec, startFleet } from './helpers.js';

const portsOf = async (fleet: SimulatedFleet, host: string) =>
  (await exec(fleet, 'svc-dc1', `lshost -delim : ${host}`)).stdout
    .split('\n')
    .filter((line) => line.startsWith('WWPN:'))
    .map((line) => line.slice('WWPN:'.length));

describe('simulated Spectrum Virtualize: rmhostport and addhostport', () => {
  let fleet: SimulatedFleet;
  before(async () => (fleet = await startFleet()));
  after(() => fleet.stop());
  beforeEach(async () => {
    await control(fleet, 'POST', '/reset');
    await control(fleet, 'DELETE', '/violations');
  });

  it('cutting a powered-off host: mappings stay, no access, no violation; addhostport restores access', async () => {
    const ports = await portsOf(fleet, 'dc1-s03');
    assert.equal(ports.length, 4);
    const mapped = (await exec(fleet, 'svc-dc1', 'lshostvdiskmap -delim : -nohdr dc1-s03')).stdout.trim().split('\n');
    await exec(fleet, 'hmc-dc1', 'chsysstate -m dc1-s03 -r sys -o off --immed');
    await eventually(
      async () => (await exec(fleet, 'hmc-dc1', 'lssyscfg -r sys -m dc1-s03 -F state')).stdout.trim() === 'Power Off',
      'dc1-s03 Power Off',
    );
    const cut = await exec(fleet, 'svc-dc1', `rmhostport -fcwwpn ${ports.join(':')} dc1-s03`);
    assert.deepEqual([cut.code, cut.stdout, cut.stderr], [0, '', '']);
    assert.deepEqual(await portsOf(fleet, 'dc1-s03'), []);
    assert.match(
      (await exec(fleet, 'svc-dc1', 'lshost -delim : -nohdr -filtervalue name=dc1-s03')).stdout,
      /:0:4:offline:/,
    );
    assert.deepEqual(
      (await exec(fleet, 'svc-dc1', 'lshostvdiskmap -delim : -nohdr dc1-s03')).stdout.trim().split('\n'),
      mapped,
      'the mappings are kept',
    );
    const again = await exec(fleet, 'svc-dc1', `rmhostport -fcwwpn ${ports[0]} dc1-s03`);
    assert.match(again.stderr, /^CMMVC5753E/, 'a port the host no longer holds is refused');
    // Powered on now, the server cannot activate an LPAR: its host object reaches no volume.
    await exec(fleet, 'hmc-dc1', 'chsysstate -m dc1-s03 -r sys -o on');
    await eventually(
      async () => (await exec(fleet, 'hmc-dc1', 'lssyscfg -r sys -m dc1-s03 -F state')).stdout.trim() === 'Operating',
      'dc1-s03 Operating',
    );
    const lpar = fleet.model.system('dc1-s03')!.partitions.find((p) => !p.vios && p.volumes.length > 0)!;
    const profile = lpar.profiles[0]!.name;
    const refused = await exec(fleet, 'hmc-dc1', `chsysstate -m dc1-s03 -r lpar -o on -n ${lpar.name} -f ${profile}`);
    assert.match(`${refused.stdout}${refused.stderr}`, /its storage is not available through a Virtual I\/O Server/);
    const restored = await exec(fleet, 'svc-dc1', `addhostport -fcwwpn ${ports.join(':')} -force dc1-s03`);
    assert.deepEqual([restored.code, restored.stderr], [0, '']);
    assert.deepEqual((await portsOf(fleet, 'dc1-s03')).sort(), [...ports].sort());
    assert.match((await exec(fleet, 'svc-dc1', `addhostport -fcwwpn ${ports[0]} dc1-s03`)).stderr, /^CMMVC6035E/);
    assert.deepEqual((await control(fleet, 'GET', '/violations')).body, []);
  });

  it('the violation log catches a host-level cut under a running LPAR', async () => {
    const ports = await portsOf(fleet, 'dc1-s01');
    const cut = await exec(fleet, 'svc-dc1', `rmhostport -fcwwpn ${ports.join(':')} dc1-s01`);
    assert.equal(cut.code, 0);
    const violations = (await control<Violation[]>(fleet, 'GET', '/violations')).body;
    assert.ok(violations.length > 0, 'the running LPARs of dc1-s01 lost their disks');
    assert.ok(
      violations.every((v) => v.kind === 'running-lpar-lost-disks'),
      JSON.stringify(violations),
    );
    assert.match(violations[0]!.detail, /unmapped from host dc1-s01 \(its last port was removed\)/);
  });

  it('removing some of the ports leaves access (paths lost, disks kept): no violation', async () => {
    const ports = await portsOf(fleet, 'dc1-s01');
    assert.equal((await exec(fleet, 'svc-dc1', `rmhostport -fcwwpn ${ports[0]} dc1-s01`)).code, 0);
    assert.deepEqual((await control(fleet, 'GET', '/violations')).body, []);
  });
});

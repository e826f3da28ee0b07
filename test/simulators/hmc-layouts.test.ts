// The simulated HMC and VIOS print what real ones print: field names and order of every listing the drivers read are
// compared with the real samples of test/fixtures/devices (field by field), and the behaviours issue 11 found wrong
// (invented codes, Not Available, remote restart of a partition that was not running, names with spaces) are checked.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { parseAttributes, splitQuoted } from '../../activities/hmc/hmc-output.js';
import { shellWord } from '../../activities/hmc/names.js';
import { type SimulatedFleet } from '../../simulators/index.js';
import { startDriverFleet, type DriverFleet } from '../drivers/support.js';
import { control, eventually, exec, startFleet } from './helpers.js';
import { labFleet } from './lab-fleet.js';

const CORPUS = join(import.meta.dirname, '..', 'fixtures', 'devices');
const corpus = (file: string) => readFileSync(join(CORPUS, file), 'utf8');

/** The keys of a `key=value,…` line, in order. */
const keysOf = (line: string) => Object.keys(parseAttributes(line.trim()));
/** The line of a listing whose first field is `first=name`. */
const lineOf = (output: string, field: string, name: string) => {
  const line = output.split('\n').find((l) => splitQuoted(l, ',').includes(`${field}=${name}`));
  assert.ok(line, `${field}=${name} in:\n${output}`);
  return line;
};

describe('simulated HMC layouts = real HMC layouts', () => {
  let fleet: SimulatedFleet;
  const hmc = async (command: string) => {
    const result = await exec(fleet, 'hmc-lab', command);
    assert.equal(result.code, 0, `${command}: ${result.stdout}`);
    return result.stdout;
  };
  before(async () => (fleet = await startFleet(labFleet(), 0.0005)));
  after(() => fleet.stop());
  beforeEach(() => control(fleet, 'POST', '/reset'));

  it('lssyscfg -r prof: a shared profile has the HMC V8 fields, a dedicated one the proc_mode=ded fields, in order', async () => {
    const shared = lineOf(await hmc('lssyscfg -r prof -m lab-s01'), 'lpar_name', 'big');
    assert.deepEqual(keysOf(shared), keysOf(corpus('hmc/lssyscfg-prof-srr-chmod666.txt')));
    const ded = lineOf(await hmc('lssyscfg -r prof -m lab-s02'), 'lpar_name', 'lab erp');
    assert.deepEqual(keysOf(ded), keysOf(corpus('hmc/lssyscfg-prof-dedicated-veritas.txt')));
    assert.match(
      ded,
      /^name=lab erp normal,lpar_name=lab erp,.*,proc_mode=ded,min_procs=1,desired_procs=1,max_procs=1,sharing_mode=share_idle_procs,/,
    );
  });

  it('lshwres proc/mem at sys and lpar level: the fields of the real POWER5 and dedicated samples, in order', async () => {
    assert.deepEqual(
      keysOf(await hmc('lshwres -r proc -m lab-s01 --level sys')),
      keysOf(corpus('hmc/lshwres-proc-sys-power5.txt')),
    );
    assert.deepEqual(
      keysOf(await hmc('lshwres -r mem -m lab-s01 --level sys')),
      keysOf(corpus('hmc/lshwres-mem-sys-power5.txt')),
    );
    const realShared = lineOf(corpus('hmc/lshwres-proc-lpar-power5.txt'), 'lpar_name', 'nim1');
    assert.deepEqual(
      keysOf(lineOf(await hmc('lshwres -r proc -m lab-s01 --level lpar'), 'lpar_name', 'big')),
      keysOf(realShared),
    );
    assert.deepEqual(
      keysOf(lineOf(await hmc('lshwres -r proc -m lab-s02 --level lpar'), 'lpar_name', 'lab erp')),
      keysOf(corpus('hmc/lshwres-proc-lpar-dedicated.txt')),
    );
    const realMem = lineOf(corpus('hmc/lshwres-mem-lpar-power5.txt'), 'lpar_name', 'vios1');
    assert.deepEqual(
      keysOf(lineOf(await hmc('lshwres -r mem -m lab-s01 --level lpar'), 'lpar_name', 'lab-s01-vios1')),
      keysOf(realMem),
    );
    // As the real sample's Not Activated partition: nothing held.
    assert.match(
      lineOf(await hmc('lshwres -r proc -m lab-s01 --level lpar'), 'lpar_name', 'small'),
      /curr_proc_units=0\.0,/,
    );
  });

  it('lssyscfg -r lpar: every field of the real V7 listing is printed, in the same order (newer fields in between)', async () => {
    const real = keysOf(lineOf(corpus('hmc/lssyscfg-lpar-power5-pl.txt'), 'name', 'nim1'));
    const simulated = keysOf(lineOf(await hmc('lssyscfg -r lpar -m lab-s01'), 'name', 'big'));
    const positions = real.map((key) => simulated.indexOf(key));
    assert.ok(
      positions.every((p) => p >= 0),
      `missing: ${real.filter((k) => !simulated.includes(k)).join(', ')}`,
    );
    assert.deepEqual(
      positions,
      [...positions].sort((a, b) => a - b),
      'same order',
    );
  });

  it('a bad -F attribute prints the real prose without a code (exit 1)', async () => {
    const result = await exec(fleet, 'hmc-lab', 'lssyscfg -r sys -F name,bogus_attr_xyz --header');
    assert.equal(result.code, 1);
    assert.equal(result.stdout, corpus('hmc/error-invalid-attribute-en.txt'));
  });

  it('lsmap -fmt: vSCSI rows have 6 fields per target (as VIOS 2.2), NPIV rows 12 with a space for an empty field', async () => {
    const vscsi = (await hmc('viosvrcmd -m lab-s01 -p lab-s01-vios1 -c "lsmap -all -fmt :"'))
      .trim()
      .split('\n')[0]!
      .split(':');
    const real = corpus('vios/lsmap-fmt-colon-vios22.txt').trim().split(':');
    assert.equal((vscsi.length - 3) % 6, 0);
    assert.deepEqual(
      [vscsi[4], vscsi[5]!.length, vscsi.at(-1)],
      [real[4], real[5]!.length, real.at(-1)],
      'status, LUN width, mirrored',
    );
    await hmc('viosvrcmd -m lab-s02 -p lab-s02-vios1 -c "vfcmap -vadapter vfchost0 -fcp"');
    const npiv = (await hmc('viosvrcmd -m lab-s02 -p lab-s02-vios1 -c "lsmap -all -npiv -fmt :"')).trim().split(':');
    assert.equal(npiv.length, corpus('vios/lsmap-npiv-fmt-colon-vios2.txt').split('\n')[0]!.split(':').length);
    assert.deepEqual([npiv[3], npiv[5], npiv[6]], ['lab erp', 'NOT_LOGGED_IN', ' ']);
  });
});

describe('simulated HMC: partition state meanings and remote restart (IBM HMC help)', () => {
  let fleet: SimulatedFleet;
  const run = (command: string) => exec(fleet, 'hmc-lab', command);
  const shown = async (lpar: string) =>
    (await run(`lssyscfg -r lpar -m lab-s01 --filter lpar_names=${lpar} -F state`)).stdout.trim();
  before(async () => (fleet = await startFleet(labFleet(), 0.0005)));
  after(() => fleet.stop());
  beforeEach(() => control(fleet, 'POST', '/reset'));

  it('a system in Error lists its partitions Not Available, keeps them as they were, and shows them again after', async () => {
    const fault = await control<{ id: string }>(fleet, 'POST', '/faults', { kind: 'host-error', target: 'lab-s01' });
    assert.deepEqual([await shown('big'), await shown('small')], ['Not Available', 'Not Available']);
    assert.match((await run('lsrrstartlpar -r lpar -m lab-s01 -F lpar_name,state')).stdout, /^big,Not Available\n/);
    const partitions = fleet.model.system('lab-s01')!.partitions;
    assert.deepEqual(
      ['big', 'small'].map((n) => partitions.find((p) => p.name === n)!.state),
      ['Running', 'Not Activated'],
    );
    await control(fleet, 'DELETE', `/faults/${fault.body.id}`);
    assert.deepEqual([await shown('big'), await shown('small')], ['Running', 'Not Activated']);
  });

  it('rrstartlpar refuses a partition that had been shut down before its server failed, without a code', async () => {
    await control(fleet, 'POST', '/actions/set-capacity', { system: 'lab-s02', procUnits: 8, memoryMb: 131072 });
    // `small` runs once (so it is Remote Restartable), then is shut down before its server fails.
    assert.equal((await run('chsysstate -m lab-s01 -r lpar -o on -n small -f default_profile')).code, 0);
    await eventually(async () => (await shown('small')) === 'Running', 'small Running');
    assert.equal((await run('chsysstate -m lab-s01 -r lpar -o shutdown --immed -n small')).code, 0);
    await eventually(async () => (await shown('small')) === 'Not Activated', 'small Not Activated');
    assert.match(
      (await run('lsrrstartlpar -r lpar -m lab-s01 -F lpar_name,remote_restart_status')).stdout,
      /small,Remote Restartable/,
    );
    await control(fleet, 'POST', '/faults', { kind: 'host-error', target: 'lab-s01' });
    const refused = await run('rrstartlpar -o validate -m lab-s01 -t lab-s02 -p small');
    assert.equal(refused.code, 1);
    assert.equal(
      refused.stdout,
      'The partition small cannot be remote restarted because it was not running when the managed system lab-s01 failed.\n',
    );
    const running = await run('rrstartlpar -o validate -m lab-s01 -t lab-s02 -p big');
    assert.doesNotMatch(
      running.stdout,
      /was not running/,
      'big ran at the failure: refused only for its unmapped storage',
    );
    const wrongState = await run('migrlpar -o v -m lab-s02 -t lab-s01 -p lab erp'.replace('lab erp', "'lab erp'"));
    assert.doesNotMatch(wrongState.stdout, /HSCLA319/, 'HSCLA319 is the NPIV hosting failure, not a state refusal');
  });
});

describe('names with spaces end to end: the driver against the simulated HMC', () => {
  let f: DriverFleet;
  before(async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'lazarus-lab-')), 'lab.yaml');
    writeFileSync(file, stringify(labFleet()));
    f = await startDriverFleet(file);
  });
  after(() => f?.stop());

  it('reads, activates and shuts down `lab erp` with profile `lab erp normal` (dedicated processors)', async () => {
    const hmc = f.hmc('hmc-lab');
    const profile = (await hmc.profiles('lab-s02')).find((p) => p.lparName === 'lab erp');
    assert.deepEqual([profile?.name, profile?.procMode, profile?.procUnits.desired], ['lab erp normal', 'ded', 1]);
    assert.equal((await hmc.partition('lab-s02', 'lab erp'))?.state, 'Not Activated');
    assert.equal((await hmc.activatePartition('lab-s02', 'lab erp', 'lab erp normal')).changed, true);
    const resources = await hmc.partitionResources('lab-s02');
    assert.deepEqual(
      resources.get('lab erp'),
      { procUnits: 1, memoryMb: 4096, procMode: 'ded' },
      'a dedicated core counts 1.0 unit',
    );
    assert.equal((await hmc.systemCapacity('lab-s02')).availableProcUnits, 0.5, '2.0 - VIOS 0.5 - 1 dedicated core');
    assert.equal((await hmc.shutdownPartition('lab-s02', 'lab erp')).changed, true);
    assert.equal(shellWord('hmc', 'partition', 'lab erp'), "'lab erp'");
  });
});

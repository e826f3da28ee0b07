import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import type ssh2 from 'ssh2';
import { type SimulatedFleet, startSimulatedFleet } from '../../simulators/index.js';
import { SMALL_FLEET, connect, control, device, eventually, execOn, startFleet } from './helpers.js';
import { labFleet } from './lab-fleet.js';

/** Time scale 0.01: an LPAR boots in 1 s, a system powers off in 0.5 s, LPM takes about 1.2 s, so transitions can be watched. */
describe('simulated HMC: power, remote restart, mobility and VIOS mappings', () => {
  let fleet: SimulatedFleet;
  let hmc: ssh2.Client;
  let svc: ssh2.Client;
  const run = (command: string) => execOn(hmc, command);
  const storage = (command: string) => execOn(svc, command);
  const state = async (system: string, lpar: string) =>
    (await run(`lssyscfg -r lpar -m ${system} --filter lpar_names=${lpar} -F state`)).stdout.trim();
  const systemState = async (system: string) => (await run(`lssyscfg -r sys -m ${system} -F state`)).stdout.trim();

  // Transitions the test watches through the HMC get enough time to be seen on a loaded machine.
  before(
    async () =>
      (fleet = await startSimulatedFleet({
        fleet: labFleet(),
        timeScale: 0.01,
        latency: { lparBoot: 100_000, systemPowerOffImmediate: 50_000, migrationSetup: 100_000 },
      })),
  );
  after(() => fleet.stop());
  beforeEach(async () => {
    await control(fleet, 'POST', '/reset');
    hmc = await connect(device(fleet, 'hmc-lab'));
    svc = await connect(device(fleet, 'svc-lab'));
  });
  afterEach(async () => {
    hmc.end();
    svc.end();
    assert.deepEqual((await control(fleet, 'GET', '/violations')).body, []);
  });

  it('activation goes Not Activated -> Starting -> Running after the modelled boot time', async () => {
    const started = await run('chsysstate -m lab-s01 -r lpar -o on -n small -f default_profile');
    assert.deepEqual(started, { stdout: '', stderr: '', code: 0 });
    assert.equal(await state('lab-s01', 'small'), 'Starting');
    await eventually(async () => (await state('lab-s01', 'small')) === 'Running', 'small to be Running');
    const detail = await run(
      'lssyscfg -r lpar -m lab-s01 --filter lpar_names=small -F curr_profile,rmc_state,remote_restart_status',
    );
    assert.equal(detail.stdout, 'default_profile,active,Remote Restartable\n');
  });

  it('activation errors: already running, no profile on first activation, unknown profile', async () => {
    const running = await run('chsysstate -m lab-s01 -r lpar -o on -n big -f default_profile');
    assert.equal(running.code, 1);
    assert.match(running.stdout, /^HSCL1529 .*big is in the Running state/);
    assert.match((await run('chsysstate -m lab-s01 -r lpar -o on -n small')).stdout, /^HSCL8016 /);
    assert.match(
      (await run('chsysstate -m lab-s01 -r lpar -o on -n small -f nosuch')).stdout,
      /^HSCL8016 The profile named nosuch/,
    );
  });

  it('an LPAR cannot start without processing units or memory (HSCL0622/HSCL0623)', async () => {
    await control(fleet, 'POST', '/actions/set-capacity', { system: 'lab-s01', procUnits: 2.8 });
    const short = await run('chsysstate -m lab-s01 -r lpar -o on -n small -f default_profile');
    assert.equal(short.code, 1);
    assert.match(short.stdout, /^HSCL0622 .*small: 0\.50 requested, 0\.30 available/);
    await control(fleet, 'POST', '/actions/set-capacity', { system: 'lab-s01', procUnits: 4, memoryMb: 30000 });
    assert.match(
      (await run('chsysstate -m lab-s01 -r lpar -o on -n small -f default_profile')).stdout,
      /^HSCL0623 .*8192 MB requested, 5424 MB available/,
    );
  });

  it('an LPAR cannot start when its volumes are not mapped to the host', async () => {
    assert.equal((await storage('rmvdiskhostmap -host lab-s01 small_rootvg')).code, 0);
    const result = await run('chsysstate -m lab-s01 -r lpar -o on -n small -f default_profile');
    assert.equal(result.code, 1);
    assert.match(
      result.stdout,
      /^The partition small cannot be activated .*storage is not available.*small_rootvg/,
      'no invented code: plain text',
    );
  });

  it('-b sms ends in Open Firmware; osshutdown stops the partition', async () => {
    assert.equal((await run('chsysstate -m lab-s01 -r lpar -o on -n small -f default_profile -b sms')).code, 0);
    await eventually(async () => (await state('lab-s01', 'small')) === 'Open Firmware', 'small in SMS');
    assert.equal((await run('chsysstate -m lab-s01 -r lpar -o osshutdown -n small')).code, 0);
    await eventually(async () => (await state('lab-s01', 'small')) === 'Not Activated', 'small stopped');
    assert.match(
      (await run('chsysstate -m lab-s01 -r lpar -o on -n small -f default_profile -b bogus')).stdout,
      /^An invalid parameter was entered: -b bogus$/m,
    );
  });

  it('remote restart from a system the HMC cannot reach needs --noconnection', async () => {
    // Power first: unmapping big's volumes while it still runs on lab-s01 is itself a violation (running-lpar-lost-disks).
    await control(fleet, 'POST', '/faults', { kind: 'host-power-loss', target: 'lab-s01' });
    for (const volume of ['big_rootvg', 'big_data']) {
      await storage(`rmvdiskhostmap -host lab-s01 ${volume}`);
      await storage(`mkvdiskhostmap -host lab-s02 ${volume}`);
    }
    await control(fleet, 'POST', '/actions/set-capacity', { system: 'lab-s02', procUnits: 4 });
    assert.match(
      (await run('rrstartlpar -o restart -m lab-s01 -t lab-s02 -p big')).stdout,
      /^HSCLA9A6 .*--noconnection/,
    );
    assert.equal((await run('rrstartlpar -o restart -m lab-s01 -t lab-s02 -p big --noconnection')).code, 0);
    await eventually(async () => (await state('lab-s02', 'big')) === 'Running', 'big Running on lab-s02');
    assert.match((await run('lsrrstartlpar -r mc')).stdout, /^auto_cleanup_enabled=0,max_num_rr=32\n$/);
  });

  it('lslparmigr -r sys reports mobility capability; migrlpar -o r on an idle LPAR is an error', async () => {
    assert.equal(
      (
        await run(
          'lslparmigr -r sys -m lab-s01 -F active_lpar_mobility_capable,num_active_migrations_supported,num_active_migrations_in_progress',
        )
      ).stdout,
      '1,16,0\n',
    );
    assert.match((await run('migrlpar -o r -m lab-s01 -p big')).stdout, /^HSCLA31A /);
    assert.match((await run('migrlpar -o s -m lab-s01 -p big')).stdout, /^HSCLA31A /);
    assert.match((await run('migrlpar -o x -m lab-s01 -p big')).stdout, /^An invalid parameter was entered: -o x$/m);
  });

  it('shutdown --immed ends in Not Activated and frees capacity', async () => {
    assert.equal((await run('chsysstate -m lab-s01 -r lpar -o shutdown --immed -n big')).code, 0);
    await eventually(async () => (await state('lab-s01', 'big')) === 'Not Activated', 'big to stop');
    assert.equal((await run('lshwres -r proc -m lab-s01 --level sys -F curr_avail_sys_proc_units')).stdout, '3.5\n');
    assert.match((await run('chsysstate -m lab-s01 -r lpar -o shutdown --immed -n big')).stdout, /^HSCL1529 /);
  });

  it('power off: Power Off In Progress -> Power Off, every partition stops; power on brings VIOS back', async () => {
    assert.equal((await run('chsysstate -m lab-s01 -r sys -o off --immed')).code, 0);
    assert.equal(await systemState('lab-s01'), 'Power Off In Progress');
    await eventually(async () => (await systemState('lab-s01')) === 'Power Off', 'Power Off');
    assert.equal(await state('lab-s01', 'big'), 'Not Activated');
    assert.match((await storage('lshost -delim : -nohdr -filtervalue name=lab-s01')).stdout, /^0:lab-s01:4:4:offline:/);
    assert.match((await run('chsysstate -m lab-s01 -r sys -o off --immed')).stdout, /^HSCL0237 .*Power Off state/);
    assert.match((await run('chsysstate -m lab-s01 -r lpar -o on -n big -f default_profile')).stdout, /^HSCL0237 /);
    assert.equal((await run('chsysstate -m lab-s01 -r sys -o on')).code, 0);
    await eventually(async () => (await systemState('lab-s01')) === 'Operating', 'Operating');
    assert.equal(await state('lab-s01', 'lab-s01-vios1'), 'Running');
  });

  it('remote restart: refused while the source runs, then validate, restart on the target and cleanup', async () => {
    assert.match(
      (await run('rrstartlpar -o validate -m lab-s01 -t lab-s02 -p big')).stdout,
      /^HSCLA9A2 .*Operating state/,
    );
    await run('chsysstate -m lab-s01 -r sys -o off --immed');
    await eventually(async () => (await systemState('lab-s01')) === 'Power Off', 'Power Off');
    // big needs 2.0 units; lab-s02 has 1.5 free.
    assert.match((await run('rrstartlpar -o validate -m lab-s01 -t lab-s02 -p big')).stdout, /^HSCL0622 /);
    await control(fleet, 'POST', '/actions/set-capacity', { system: 'lab-s02', procUnits: 4 });
    assert.match(
      (await run('rrstartlpar -o validate -m lab-s01 -t lab-s02 -p big')).stdout,
      /^The partition big cannot be activated .*big_rootvg, big_data/,
    );
    for (const volume of ['big_rootvg', 'big_data']) {
      assert.equal((await storage(`rmvdiskhostmap -host lab-s01 ${volume}`)).code, 0);
      assert.equal((await storage(`mkvdiskhostmap -host lab-s02 ${volume}`)).code, 0);
    }
    assert.deepEqual(await run('rrstartlpar -o validate -m lab-s01 -t lab-s02 -p big'), {
      stdout: '',
      stderr: '',
      code: 0,
    });
    assert.equal((await run('rrstartlpar -o restart -m lab-s01 -t lab-s02 -p big')).code, 0);
    assert.equal(
      (await run('lsrrstartlpar -r lpar -m lab-s01 --filter lpar_names=big -F remote_restart_status')).stdout,
      'Remote Restarted\n',
    );
    await eventually(async () => (await state('lab-s02', 'big')) === 'Running', 'big Running on lab-s02');
    assert.match((await run('rrstartlpar -o cleanup -m lab-s01 -p big')).stdout, /^HSCLA9A5 /);
    await run('chsysstate -m lab-s01 -r sys -o on');
    await eventually(async () => (await systemState('lab-s01')) === 'Operating', 'source Operating');
    assert.equal((await run('rrstartlpar -o cleanup -m lab-s01 -p big')).code, 0);
    assert.match((await run('lssyscfg -r lpar -m lab-s01 --filter lpar_names=big -F name')).stdout, /^HSCL8012 /);
  });

  it('LPM: validate, then migrate shows Migrating - Running and ends on the target', async () => {
    await run('chsysstate -m lab-s01 -r lpar -o on -n small -f default_profile');
    await eventually(async () => (await state('lab-s01', 'small')) === 'Running', 'small Running');
    assert.match(
      (await run('migrlpar -o v -m lab-s01 -t lab-s02 -p small')).stdout,
      /^The partition small cannot be activated /,
    );
    assert.equal((await storage('mkvdiskhostmap -force -host lab-s02 small_rootvg')).code, 0);
    assert.equal((await run('migrlpar -o v -m lab-s01 -t lab-s02 -p small')).code, 0);
    assert.match(
      (await run('viosvrcmd -m lab-s01 -p lab-s01-vios1 -c "lsmap -all -fmt :"')).stdout,
      /^vhost1:[^:]+:0x00000003:/m,
    );
    const migration = run('migrlpar -o m -m lab-s01 -t lab-s02 -p small');
    const monitor = await connect(device(fleet, 'hmc-lab'));
    try {
      await eventually(
        async () =>
          (await execOn(monitor, 'lslparmigr -r lpar -m lab-s01 --filter lpar_names=small -F migration_state'))
            .stdout === 'Migration In Progress\n',
        'migration in progress',
      );
      assert.equal(
        (await execOn(monitor, 'lssyscfg -r lpar -m lab-s01 --filter lpar_names=small -F state')).stdout,
        'Migrating - Running\n',
      );
    } finally {
      monitor.end();
    }
    assert.equal((await migration).code, 0);
    assert.equal(await state('lab-s02', 'small'), 'Running');
    assert.match((await run('lssyscfg -r lpar -m lab-s01 --filter lpar_names=small -F name')).stdout, /^HSCL8012 /);
    // The HMC moved the VIOS side too: small's adapter is gone from the source and present on the target.
    const smallId = fleet.model.system('lab-s02')!.partitions.find((p) => p.name === 'small')!.id;
    // On lab-s01 small had id 3 (VIOS 1, big 2); before the migration vhost1 served client 0x00000003.
    assert.doesNotMatch(
      (await run('viosvrcmd -m lab-s01 -p lab-s01-vios1 -c "lsmap -all -fmt :"')).stdout,
      /:0x00000003:/,
    );
    const target = await run('viosvrcmd -m lab-s02 -p lab-s02-vios1 -c "lsmap -all -fmt :"');
    assert.match(
      target.stdout,
      new RegExp(
        `^vhost0:[^:]+:0x${smallId.toString(16).padStart(8, '0')}:vtscsi0:Available:0x8100000000000000:hdisk0:`,
      ),
    );
  });

  it('LPM stop (-o s) ends a migration with an error and the LPAR stays on the source', async () => {
    await storage('mkvdiskhostmap -force -host lab-s02 big_rootvg');
    await storage('mkvdiskhostmap -force -host lab-s02 big_data');
    await control(fleet, 'POST', '/actions/set-capacity', { system: 'lab-s02', procUnits: 4 });
    const migration = run('migrlpar -o m -m lab-s01 -t lab-s02 -p big');
    const other = await connect(device(fleet, 'hmc-lab'));
    try {
      await eventually(
        async () =>
          (await execOn(other, 'lslparmigr -r lpar -m lab-s01 --filter lpar_names=big -F migration_state')).stdout ===
          'Migration In Progress\n',
        'migration in progress',
      );
      assert.equal((await execOn(other, 'migrlpar -o s -m lab-s01 -p big')).code, 0);
    } finally {
      other.end();
    }
    const result = await migration;
    assert.equal(result.code, 1);
    assert.match(result.stdout, /^HSCLA31B /);
    assert.equal(await state('lab-s01', 'big'), 'Running');
  });

  it('viosvrcmd carries lsmap, lsdev, cfgdev, mkvdev and rmvdev to the VIOS', async () => {
    const vios = (command: string) => run(`viosvrcmd -m lab-s02 -p lab-s02-vios1 -c "${command}"`);
    assert.deepEqual(await vios('lsmap -all -fmt :'), { stdout: '', stderr: '', code: 0 });
    assert.equal((await storage('mkvdiskhostmap -force -host lab-s02 small_rootvg')).code, 0);
    assert.equal((await vios('cfgdev')).code, 0);
    const disks = await vios('lsdev -type disk -fmt :');
    assert.equal(disks.stdout, 'hdisk0:Available:MPIO IBM 2145 FC Disk\n');
    const uid = fleet.model.storage.get('svc-lab')!.vdisks.find((v) => v.name === 'small_rootvg')!.uid;
    assert.equal((await vios('lsdev -dev hdisk0 -attr unique_id')).stdout, `value\n\n332136${uid}04214503IBMfcp\n`);
    assert.match(
      (await vios('mkvdev -vdev hdisk0 -vadapter vhost0')).stdout,
      /^\[VIOSE\d+-\d+\] Device "vhost0" is not a Server Virtual SCSI Adapter/,
    );
    // LPM of `small` creates its adapters on lab-s02; here a direct placement does the same.
    await control(fleet, 'POST', '/actions/place-lpar', {
      lpar: 'small',
      from: 'lab-s01',
      to: 'lab-s02',
      mapVolumes: false,
      start: false,
    });
    const mapped = await vios('mkvdev -vdev hdisk0 -vadapter vhost0 -dev small_rootvg');
    assert.deepEqual(mapped, { stdout: 'small_rootvg Available\n', stderr: '', code: 0 });
    const map = await vios('lsmap -vadapter vhost0 -fmt ,');
    assert.match(
      map.stdout,
      /^vhost0,U9009\.42A\.[0-9A-Z]{7}-V1-C\d+,0x0000000[0-9a-f],small_rootvg,Available,0x8100000000000000,hdisk0,[^,]+,false\n$/,
    );
    assert.match(
      (await vios('lsmap -all')).stdout,
      /SVSA {12}Physloc[\s\S]*VTD {19}small_rootvg\nStatus {16}Available\nLUN {19}0x8100000000000000\nBacking device {8}hdisk0\n/,
    );
    assert.deepEqual(await vios('rmvdev -vtd small_rootvg'), { stdout: 'small_rootvg deleted\n', stderr: '', code: 0 });
    assert.match((await vios('rmvdev -vtd small_rootvg')).stdout, /^\[VIOSE\d+-\d+\] /);
    assert.match((await vios('oem_setup_env')).stdout, /is not a valid command/);
  });

  it('viosvrcmd needs a VIOS with RMC active on an operating system', async () => {
    assert.match((await run('viosvrcmd -m lab-s01 -p big -c "lsmap -all"')).stdout, /^HSCL2971 /);
    await run('chsysstate -m lab-s01 -r lpar -o shutdown --immed -n lab-s01-vios1');
    await eventually(async () => (await state('lab-s01', 'lab-s01-vios1')) === 'Not Activated', 'VIOS down');
    assert.match((await run('viosvrcmd -m lab-s01 -p lab-s01-vios1 -c "lsmap -all"')).stdout, /^HSCL2970 /);
  });
});

describe('simulated VIOS: NPIV', () => {
  let fleet: SimulatedFleet;
  before(async () => (fleet = await startFleet(SMALL_FLEET, 0.001)));
  after(() => fleet.stop());

  it('lsmap -npiv shows the client and its port; vfcmap unmaps and maps it, and activation needs it', async () => {
    const hmc = await connect(device(fleet, 'hmc-dc1'));
    const run = (command: string) => execOn(hmc, command);
    try {
      const vios = (n: number, command: string) => run(`viosvrcmd -m dc1-s01 -p dc1-s01-vios${n} -c "${command}"`);
      const listed = await vios(1, 'lsmap -all -npiv -fmt :');
      assert.match(
        listed.stdout,
        /^vfchost0:U9009\.42A\.[0-9A-Z]{7}-V1-C\d+:7:dc1-batch01:AIX:LOGGED_IN:fcs0:[^:]+:1:a:fcs0:/,
      );
      assert.match(
        (await vios(1, 'lsmap -all -npiv')).stdout,
        /^Name {10}Physloc[\s\S]*\nStatus:LOGGED_IN\nFC name:fcs0 /,
      );
      for (const n of [1, 2])
        assert.deepEqual(await vios(n, 'vfcmap -vadapter vfchost0 -fcp'), {
          stdout: 'vfchost0 changed\n',
          stderr: '',
          code: 0,
        });
      assert.match((await vios(1, 'lsmap -vadapter vfchost0 -npiv -fmt :')).stdout, /:NOT_LOGGED_IN:/);
      assert.match((await vios(1, 'vfcmap -vadapter vfchost0 -fcp fcs9')).stdout, /^\[VIOSE\d+-\d+\] .*fcs9/);
      await run('chsysstate -m dc1-s01 -r lpar -o shutdown --immed -n dc1-batch01');
      await eventually(
        async () =>
          (await run('lssyscfg -r lpar -m dc1-s01 --filter lpar_names=dc1-batch01 -F state')).stdout ===
          'Not Activated\n',
        'batch01 stopped',
      );
      assert.match(
        (await run('chsysstate -m dc1-s01 -r lpar -o on -n dc1-batch01 -f default_profile')).stdout,
        /^The partition dc1-batch01 cannot be activated /,
      );
      assert.equal((await vios(2, 'vfcmap -vadapter vfchost0 -fcp fcs1')).code, 0);
      assert.equal((await run('chsysstate -m dc1-s01 -r lpar -o on -n dc1-batch01 -f default_profile')).code, 0);
    } finally {
      hmc.end();
    }
  });
});

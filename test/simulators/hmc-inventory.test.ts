import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type SimulatedFleet } from '../../simulators/index.js';
import { exec, startFleet } from './helpers.js';

describe('simulated HMC: listing commands', () => {
  let fleet: SimulatedFleet;
  before(async () => (fleet = await startFleet()));
  after(() => fleet.stop());

  it('lssyscfg -r sys -F … --header prints the field names then one line per managed system', async () => {
    const result = await exec(fleet, 'hmc-dc1', 'lssyscfg -r sys -F name,state,type_model --header');
    assert.equal(result.code, 0);
    assert.equal(result.stderr, '');
    assert.equal(
      result.stdout,
      'name,state,type_model\ndc1-s01,Operating,9009-42A\ndc1-s02,Operating,9009-42A\ndc1-s03,Operating,9009-42A\ndc1-s04,Operating,9009-42A\n',
    );
  });

  it('-F with another delimiter splits values by that delimiter', async () => {
    const result = await exec(
      fleet,
      'hmc-dc1',
      'lssyscfg -r lpar -m dc1-s01 -F name:lpar_id:state --filter lpar_names=dc1-db01',
    );
    assert.equal(result.stdout, 'dc1-db01:3:Running\n');
  });

  it('without -F prints key=value pairs, quoting a pair whose value holds commas', async () => {
    const result = await exec(fleet, 'hmc-dc1', 'lssyscfg -r sys -m dc1-s01');
    assert.equal(result.code, 0);
    assert.match(result.stdout, /^name=dc1-s01,type_model=9009-42A,serial_num=[0-9A-Z]{7},/);
    assert.match(
      result.stdout,
      /,"capabilities=active_lpar_mobility_capable,inactive_lpar_mobility_capable,powervm_lpar_simplified_remote_restart_capable",/,
    );
  });

  it('--filter "lpar_names=a,b" selects several partitions', async () => {
    const result = await exec(
      fleet,
      'hmc-dc1',
      'lssyscfg -r lpar -m dc1-s02 --filter "lpar_names=dc1-web02,dc1-app02" -F name,state,curr_profile',
    );
    assert.deepEqual(result.stdout.trim().split('\n').sort(), [
      'dc1-app02,Running,default_profile',
      'dc1-web02,Running,default_profile',
    ]);
  });

  it('an unknown partition is HSCL8012 on stdout with exit 1', async () => {
    const result = await exec(fleet, 'hmc-dc1', 'lssyscfg -r lpar -m dc1-s01 --filter lpar_names=ghost -F name');
    assert.equal(result.code, 1);
    assert.equal(result.stderr, '');
    assert.match(result.stdout, /^HSCL8012 The partition named ghost was not found/);
  });

  it('an unknown managed system is an HSCL error', async () => {
    const result = await exec(fleet, 'hmc-dc1', 'lssyscfg -r lpar -m dc9-s01 -F name');
    assert.equal(result.code, 1);
    assert.match(result.stdout, /^HSCL[0-9A-F]{4} The managed system dc9-s01 was not found/);
  });

  it('an empty result prints exactly "No results were found." with exit 0', async () => {
    const result = await exec(fleet, 'hmc-dc1', 'lssyscfg -r lpar -m dc1-s01 --filter lpar_env=os400 -F name');
    assert.deepEqual(result, { stdout: 'No results were found.\n', stderr: '', code: 0 });
  });

  it('lssyscfg -r prof shows the profile the capacity check reads', async () => {
    const result = await exec(
      fleet,
      'hmc-dc1',
      'lssyscfg -r prof -m dc1-s01 --filter "lpar_names=dc1-db01,profile_names=default_profile" -F name,lpar_name,desired_proc_units,desired_mem,min_mem',
    );
    assert.equal(result.stdout, 'default_profile,dc1-db01,2.0,65536,32768\n');
  });

  it('lshwres -r proc/mem --level sys reports configurable and available capacity', async () => {
    const proc = await exec(
      fleet,
      'hmc-dc1',
      'lshwres -r proc -m dc1-s01 --level sys -F configurable_sys_proc_units,curr_avail_sys_proc_units',
    );
    // 32 units; 2 VIOS x 1.0 + db 2.0 + app 1.0 + web 0.5 + mq 1.0 + batch 1.5 = 8.0 in use.
    assert.equal(proc.stdout, '32.0,24.0\n');
    const mem = await exec(
      fleet,
      'hmc-dc1',
      'lshwres -r mem -m dc1-s01 --level sys -F configurable_sys_mem,curr_avail_sys_mem,sys_firmware_mem',
    );
    // 524288 - 4096 firmware - 2 x 8192 VIOS - (65536 + 32768 + 16384 + 16384 + 32768) = 339968
    assert.equal(mem.stdout, '524288,339968,4096\n');
  });

  it('lshwres --level lpar lists per-partition processor and memory settings', async () => {
    const proc = await exec(
      fleet,
      'hmc-dc1',
      'lshwres -r proc -m dc1-s01 --level lpar --filter lpar_names=dc1-web01 -F lpar_name,curr_proc_mode,curr_proc_units,curr_min_proc_units',
    );
    assert.equal(proc.stdout, 'dc1-web01,shared,0.5,0.25\n');
    const mem = await exec(
      fleet,
      'hmc-dc1',
      'lshwres -r mem -m dc1-s01 --level lpar --filter lpar_names=dc1-web01 -F lpar_name,curr_mem,run_mem',
    );
    assert.equal(mem.stdout, 'dc1-web01,16384,16384\n');
  });

  it('lshwres -r virtualio --rsubtype fc quotes the comma-separated WWPN pair', async () => {
    const result = await exec(
      fleet,
      'hmc-dc1',
      'lshwres -r virtualio --rsubtype fc --level lpar -m dc1-s01 -F lpar_name,adapter_type,remote_lpar_name,wwpns',
    );
    const clients = result.stdout.split('\n').filter((line) => line.startsWith('dc1-batch01,client'));
    assert.equal(clients.length, 2);
    assert.match(clients[0]!, /^dc1-batch01,client,dc1-s01-vios1,"[0-9a-f]{16},[0-9a-f]{16}"$/);
    assert.match(clients[1]!, /^dc1-batch01,client,dc1-s01-vios2,"[0-9a-f]{16},[0-9a-f]{16}"$/);
    assert.notEqual(
      clients[0]!.split(',"')[1],
      clients[1]!.split(',"')[1],
      'each client adapter has its own WWPN pair',
    );
  });

  it('lshwres -r virtualio --rsubtype scsi pairs server and client adapters with ":" delimiters', async () => {
    const result = await exec(
      fleet,
      'hmc-dc1',
      'lshwres -r virtualio --rsubtype scsi --level lpar -m dc1-s01 -F lpar_name:adapter_type:remote_lpar_name --filter lpar_names=dc1-db01',
    );
    assert.equal(result.stdout, 'dc1-db01:client:dc1-s01-vios1\ndc1-db01:client:dc1-s01-vios2\n');
  });

  it('a bad flag, a bad field and an unknown command get device errors, never a crash', async () => {
    const badFlag = await exec(fleet, 'hmc-dc1', 'lssyscfg -r sys --bogus');
    assert.equal(badFlag.code, 1);
    assert.match(badFlag.stdout, /invalid parameter.*--bogus/);
    const badField = await exec(fleet, 'hmc-dc1', 'lssyscfg -r sys -F name,nonsense');
    assert.equal(badField.code, 1);
    assert.equal(
      badField.stdout,
      'An invalid attribute was entered.  The invalid attribute is nonsense.  Please correct your entry and retry the command.\n',
      'as a real HMC: prose, no code',
    );
    const unknown = await exec(fleet, 'hmc-dc1', 'rm -rf /');
    assert.deepEqual(unknown, { stdout: '', stderr: 'rbash: rm: command not found\n', code: 127 });
    const unbalanced = await exec(fleet, 'hmc-dc1', 'lssyscfg -r lpar -m "dc1-s01');
    assert.equal(unbalanced.code, 2);
    assert.match(unbalanced.stderr, /unexpected EOF/);
  });

  it('lsrrstartlpar and lslparmigr report remote-restart and migration state', async () => {
    const rr = await exec(
      fleet,
      'hmc-dc1',
      'lsrrstartlpar -r lpar -m dc1-s01 --filter lpar_names=dc1-db01 -F lpar_name,simplified_remote_restart_capable,remote_restart_status',
    );
    assert.equal(rr.stdout, 'dc1-db01,1,Remote Restartable\n');
    const migr = await exec(
      fleet,
      'hmc-dc1',
      'lslparmigr -r lpar -m dc1-s01 --filter lpar_names=dc1-db01 -F name,migration_state',
    );
    assert.equal(migr.stdout, 'dc1-db01,Not Migrating\n');
  });
});

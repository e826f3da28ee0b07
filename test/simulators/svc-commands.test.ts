import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { type SimulatedFleet } from '../../simulators/index.js';
import { DR_FLEET, control, eventually, exec, startFleet } from './helpers.js';

describe('simulated Spectrum Virtualize: inventory and mapping', () => {
  let fleet: SimulatedFleet;
  before(async () => (fleet = await startFleet()));
  after(() => fleet.stop());
  beforeEach(() => control(fleet, 'POST', '/reset'));

  it('concise view: header, -delim, -nohdr and -filtervalue', async () => {
    const full = await exec(fleet, 'svc-dc1', 'lsvdisk -delim : -filtervalue name=dc1-web01_rootvg');
    const [header, row, ...rest] = full.stdout.split('\n');
    assert.equal(rest.join(''), '');
    assert.match(header!, /^id:name:IO_group_id:IO_group_name:status:.*:capacity:.*:vdisk_UID:/);
    const columns = header!.split(':');
    const values = row!.split(':');
    assert.equal(values[columns.indexOf('name')], 'dc1-web01_rootvg');
    assert.equal(values[columns.indexOf('capacity')], '50.00GB');
    assert.match(values[columns.indexOf('vdisk_UID')]!, /^[0-9A-F]{32}$/);
    const bare = await exec(
      fleet,
      'svc-dc1',
      'svcinfo lsvdisk -nohdr -delim , -bytes -filtervalue name=dc1-web01_rootvg',
    );
    assert.equal(bare.stdout.split('\n').length, 2);
    assert.equal(bare.stdout.split(',')[7], String(50 * 1024 ** 3));
  });

  it('concise view without -delim pads columns with spaces', async () => {
    const result = await exec(fleet, 'svc-dc1', 'lshost');
    const [header, first] = result.stdout.split('\n');
    // The name column is as wide as the longest name, dc1-batch02 (the NPIV client's own host object).
    assert.match(header!, /^id name {8}port_count iogrp_count status/);
    assert.match(first!, /^0 {2}dc1-s01 {5}4 {10}4 {11}online/);
  });

  it('detailed view prints key:value lines, one WWPN/node_logged_in_count/state group per port, no blank lines', async () => {
    const result = await exec(fleet, 'svc-dc1', 'lshost -delim : dc1-s01');
    assert.equal(result.code, 0);
    assert.doesNotMatch(result.stdout.trimEnd(), /\n\n/);
    assert.match(result.stdout, /^id:0\nname:dc1-s01\nport_count:4\n/);
    const ports = result.stdout.match(/WWPN:[0-9A-F]{16}\nnode_logged_in_count:2\nstate:active\n/g);
    assert.equal(ports?.length, 4);
  });

  it('lsvdisk VOL prints the detailed view with its copy block', async () => {
    const result = await exec(fleet, 'svc-dc1', 'svcinfo lsvdisk -bytes dc1-web01_rootvg');
    assert.equal(result.code, 0);
    const [main, copy] = result.stdout.trimEnd().split('\n\n');
    assert.match(main!, /^id \d+\nname dc1-web01_rootvg\nIO_group_id 0\n/);
    assert.match(main!, new RegExp(`\\ncapacity ${50 * 1024 ** 3}\\n`));
    assert.match(copy!, /^copy_id 0\nstatus online\nsync yes\n/);
    assert.match((await exec(fleet, 'svc-dc1', 'lsvdisk -filtervalue name=x dc1-web01_rootvg')).stderr, /^CMMVC5713E /);
  });

  it('lshostvdiskmap without a host lists every mapping; an unknown host is CMMVC5754E', async () => {
    const all = await exec(fleet, 'svc-dc1', 'lshostvdiskmap -delim : -nohdr');
    assert.equal(all.stdout.trim().split('\n').length, fleet.model.storage.get('svc-dc1')!.mappings.length);
    assert.match((await exec(fleet, 'svc-dc1', 'lshostvdiskmap nohost')).stderr, /^CMMVC5754E /);
    assert.match((await exec(fleet, 'svc-dc1', 'lsvdiskhostmap')).stderr, /^CMMVC5701E /);
  });

  it('an unknown object is CMMVC5754E on stderr with exit 1', async () => {
    const result = await exec(fleet, 'svc-dc1', 'lsvdisk -delim : nosuchvolume');
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /^CMMVC5754E /);
  });

  it('bad flags and unknown commands get the device errors', async () => {
    assert.match(
      (await exec(fleet, 'svc-dc1', 'lsvdisk -frobnicate')).stderr,
      /^CMMVC5709E \[-frobnicate\] is not a supported parameter\./,
    );
    assert.match((await exec(fleet, 'svc-dc1', 'mkhost -name x -fcwwpn')).stderr, /^CMMVC5707E /);
    assert.match((await exec(fleet, 'svc-dc1', 'lsvdisk -filtervalue bogus=1')).stderr, /^CMMVC5758E /);
    assert.deepEqual(await exec(fleet, 'svc-dc1', 'shutdown'), {
      stdout: '',
      stderr: 'rbash: shutdown: command not found\n',
      code: 127,
    });
    assert.equal((await exec(fleet, 'svc-dc1', 'svctask lsvdisk')).code, 1);
  });

  it('mkhost creates a host and refuses a duplicate name, a taken WWPN and a bad name', async () => {
    const created = await exec(
      fleet,
      'svc-dc1',
      'svctask mkhost -name dr-test-host -fcwwpn 10000000C9A1B2C3:10000000C9A1B2C4 -force',
    );
    // Ids 0-3 are the servers' host objects, 4 the NPIV client dc1-batch02's own (storageHost: client).
    assert.deepEqual(created, { stdout: 'Host, id [5], successfully created\n', stderr: '', code: 0 });
    assert.match(
      (await exec(fleet, 'svc-dc1', 'mkhost -name dr-test-host -fcwwpn 10000000C9A1B2C5')).stderr,
      /^CMMVC6035E /,
    );
    assert.match((await exec(fleet, 'svc-dc1', 'mkhost -name other -hbawwpn 10000000C9A1B2C3')).stderr, /^CMMVC6035E /);
    assert.match((await exec(fleet, 'svc-dc1', 'mkhost -name "9bad" -fcwwpn 10000000C9A1B2C6')).stderr, /^CMMVC6527E /);
    const listed = await exec(fleet, 'svc-dc1', 'lshost -delim : -nohdr -filtervalue name=dr-test-host');
    assert.match(listed.stdout, /^5:dr-test-host:2:4:offline:/);
  });

  it('mkvdiskhostmap / lsvdiskhostmap / lshostvdiskmap / rmvdiskhostmap round trip', async () => {
    // Fence-like step: remove the mapping from dc1-s01, then map to dc1-s02.
    const before = await exec(fleet, 'svc-dc1', 'lsvdiskhostmap -delim : dc1-web01_rootvg');
    assert.match(before.stdout, /\n\d+:dc1-web01_rootvg:\d+:0:dc1-s01:[0-9A-F]{32}:0:io_grp0:/);
    assert.match(
      (await exec(fleet, 'svc-dc1', 'mkvdiskhostmap -host dc1-s02 dc1-web01_rootvg')).stderr,
      /^CMMVC6071E /,
    );
    assert.deepEqual(await exec(fleet, 'svc-dc1', 'rmvdiskhostmap -host dc1-s01 dc1-web01_rootvg'), {
      stdout: '',
      stderr: '',
      code: 0,
    });
    // A mapping that does not exist: CMMVC5842E, as a real SVC answers (issue 11); unknown host 5754E, volume 5753E.
    assert.match(
      (await exec(fleet, 'svc-dc1', 'rmvdiskhostmap -host dc1-s01 dc1-web01_rootvg')).stderr,
      /^CMMVC5842E /,
    );
    assert.match(
      (await exec(fleet, 'svc-dc1', 'rmvdiskhostmap -host nosuchhost dc1-web01_rootvg')).stderr,
      /^CMMVC5754E /,
    );
    assert.match((await exec(fleet, 'svc-dc1', 'rmvdiskhostmap -host dc1-s01 nosuchvolume')).stderr, /^CMMVC5753E /);
    assert.deepEqual(await exec(fleet, 'svc-dc1', 'lsvdiskhostmap -delim : dc1-web01_rootvg'), {
      stdout: '',
      stderr: '',
      code: 0,
    });
    const mapped = await exec(fleet, 'svc-dc1', 'mkvdiskhostmap -host dc1-s02 dc1-web01_rootvg');
    assert.match(mapped.stdout, /^Virtual Disk to Host map, id \[\d+\], successfully created\n$/);
    assert.match(
      (await exec(fleet, 'svc-dc1', 'mkvdiskhostmap -host dc1-s02 dc1-web01_rootvg')).stderr,
      /^CMMVC5878E /,
    );
    const onHost = await exec(
      fleet,
      'svc-dc1',
      'lshostvdiskmap -delim : -filtervalue vdisk_name=dc1-web01_rootvg dc1-s02',
    );
    const [header, row] = onHost.stdout.split('\n');
    assert.equal(header!.split(':').slice(0, 5).join(':'), 'id:name:SCSI_id:vdisk_id:vdisk_name');
    // dc1-s02 already uses LUNs 0..n-1 for its own volumes, so the next free LUN is n.
    const lunsBefore = fleet.model.storage.get('svc-dc1')!.mappings.filter((m) => m.hostId === 1).length - 1;
    assert.equal(row!.split(':')[2], String(lunsBefore));
  });

  it('mkvdiskhostmap -scsi refuses a LUN in use and -force maps to a second host', async () => {
    assert.match(
      (await exec(fleet, 'svc-dc1', 'mkvdiskhostmap -force -host dc1-s02 -scsi 0 dc1-web01_rootvg')).stderr,
      /^CMMVC5879E /,
    );
    assert.equal(
      (await exec(fleet, 'svc-dc1', 'mkvdiskhostmap -force -host dc1-s02 -scsi 99 dc1-web01_rootvg')).code,
      0,
    );
    const hosts = await exec(fleet, 'svc-dc1', 'lsvdiskhostmap -delim : -nohdr dc1-web01_rootvg');
    // dc1-web01_rootvg is the 7th volume mapped to dc1-s01 in fleet-small.yaml, so it has LUN 6 there.
    assert.deepEqual(
      hosts.stdout
        .trim()
        .split('\n')
        .map((line) => line.split(':').slice(2, 5).join(':')),
      ['6:0:dc1-s01', '99:1:dc1-s02'],
    );
  });

  it("a host made of an NPIV client's virtual WWPNs is online while that LPAR runs", async () => {
    const wwpn = fleet.model.system('dc1-s01')!.partitions.find((p) => p.name === 'dc1-batch01')!.clientWwpns[0]![0]!;
    assert.match(
      (await exec(fleet, 'svc-dc1', `mkhost -name batch01-npiv -fcwwpn ${wwpn}`)).stdout,
      /^Host, id \[\d+\], successfully created/,
    );
    assert.match(
      (await exec(fleet, 'svc-dc1', 'lshost -delim : -nohdr -filtervalue name=batch01-npiv')).stdout,
      /:online:/,
    );
    await exec(fleet, 'hmc-dc1', 'chsysstate -m dc1-s01 -r lpar -o shutdown --immed -n dc1-batch01');
    await eventually(
      async () =>
        (await exec(fleet, 'svc-dc1', 'lshost -delim : -nohdr -filtervalue name=batch01-npiv')).stdout.includes(
          ':offline:',
        ),
      'host offline',
    );
  });

  it('a host goes offline when its server loses power', async () => {
    const fault = await control<{ id: string }>(fleet, 'POST', '/faults', {
      kind: 'host-power-loss',
      target: 'dc1-s03',
    });
    const result = await exec(fleet, 'svc-dc1', 'lshost -delim : -nohdr -filtervalue name=dc1-s03');
    assert.match(result.stdout, /^2:dc1-s03:4:4:offline:/);
    await control(fleet, 'DELETE', `/faults/${fault.body.id}`);
  });
});

describe('simulated Spectrum Virtualize: remote copy and FlashCopy', () => {
  let fleet: SimulatedFleet;
  before(async () => (fleet = await startFleet(DR_FLEET)));
  after(() => fleet.stop());
  beforeEach(() => control(fleet, 'POST', '/reset'));

  it('lsrcconsistgrp lists groups on both systems; the detailed view adds status, sync and relationships', async () => {
    for (const storage of ['svc-dc1', 'svc-dc2']) {
      const result = await exec(fleet, storage, 'lsrcconsistgrp -delim : -filtervalue name=cg-dc1-s01');
      assert.match(
        result.stdout,
        /^id:name:master_cluster_id:master_cluster_name:aux_cluster_id:aux_cluster_name:primary:state:relationship_count:copy_type:cycling_mode:freeze_time\n0:cg-dc1-s01:[0-9A-F]{16}:svc-dc1:[0-9A-F]{16}:svc-dc2:master:consistent_synchronized:12:global:none:\n$/,
      );
    }
    const detail = await exec(fleet, 'svc-dc2', 'lsrcconsistgrp -delim : cg-dc1-s01');
    assert.match(detail.stdout, /\nsync:in_sync\n/);
    assert.match(detail.stdout, /\ncycle_period_seconds:300\nRC_rel_id:0\nRC_rel_name:rcrel0\nRC_rel_id:1\n/);
    assert.match((await exec(fleet, 'svc-dc2', 'lsrcconsistgrp nosuchgroup')).stderr, /^CMMVC5804E /);
  });

  it('lsrcrelationship shows master and aux volumes of each relationship', async () => {
    const result = await exec(
      fleet,
      'svc-dc1',
      'lsrcrelationship -delim : -filtervalue master_vdisk_name=dc1-db01_rootvg',
    );
    const [header, row] = result.stdout.split('\n');
    const record = Object.fromEntries(header!.split(':').map((key, i) => [key, row!.split(':')[i]]));
    assert.equal(record.aux_vdisk_name, 'dc2r-db01_rootvg');
    assert.equal(record.consistency_group_name, 'cg-dc1-s01');
    assert.equal(record.state, 'consistent_synchronized');
  });

  it('unplanned failover: stop -access makes the aux writable (idling), start -primary aux resynchronises', async () => {
    assert.equal((await exec(fleet, 'svc-dc2', 'stoprcconsistgrp -access cg-dc1-s01')).code, 0);
    assert.match(
      (await exec(fleet, 'svc-dc2', 'lsrcconsistgrp -delim : -nohdr -filtervalue name=cg-dc1-s01')).stdout,
      /::idling:12:/,
    );
    assert.match((await exec(fleet, 'svc-dc2', 'startrcconsistgrp cg-dc1-s01')).stderr, /^CMMVC5963E /);
    assert.equal((await exec(fleet, 'svc-dc2', 'startrcconsistgrp -force -primary aux cg-dc1-s01')).code, 0);
    await eventually(
      async () =>
        (await exec(fleet, 'svc-dc1', 'lsrcconsistgrp -delim : -nohdr -filtervalue name=cg-dc1-s01')).stdout.includes(
          ':aux:consistent_synchronized:',
        ),
      'aux-primary group to synchronise',
    );
  });

  it('lsrcrelationship REL prints the detailed view; an unknown one is CMMVC5804E', async () => {
    const result = await exec(fleet, 'svc-dc2', 'lsrcrelationship -delim : rcrel0');
    assert.match(
      result.stdout,
      /^id:0\nname:rcrel0\nmaster_cluster_id:[0-9A-F]{16}\nmaster_cluster_name:svc-dc1\nmaster_vdisk_id:0\nmaster_vdisk_name:dc1-db01_rootvg\n/,
    );
    assert.match(result.stdout, /\nstate:consistent_synchronized\n[\s\S]*\nsync:in_sync\n/);
    assert.match((await exec(fleet, 'svc-dc2', 'lsrcrelationship nosuch')).stderr, /^CMMVC5804E /);
  });

  it('stop without -access keeps the group consistent_stopped; a restart resynchronises it', async () => {
    assert.equal((await exec(fleet, 'svc-dc1', 'stoprcconsistgrp cg-dc1-s03')).code, 0);
    assert.match(
      (await exec(fleet, 'svc-dc1', 'lsrcconsistgrp -delim : -nohdr -filtervalue name=cg-dc1-s03')).stdout,
      /:master:consistent_stopped:/,
    );
    assert.match((await exec(fleet, 'svc-dc1', 'startrcconsistgrp -primary aux cg-dc1-s03')).stderr, /^CMMVC5982E /);
    assert.equal((await exec(fleet, 'svc-dc1', 'startrcconsistgrp cg-dc1-s03')).code, 0);
    await eventually(
      async () =>
        (await exec(fleet, 'svc-dc1', 'lsrcconsistgrp -delim : -nohdr -filtervalue name=cg-dc1-s03')).stdout.includes(
          ':master:consistent_synchronized:',
        ),
      'resync',
    );
  });

  it('switchrcconsistgrp: consistent_synchronized, or consistent_stopped/idling while in sync (IBM doc); else 5982E', async () => {
    const row = async () =>
      (await exec(fleet, 'svc-dc1', 'lsrcconsistgrp -delim : -nohdr -filtervalue name=cg-dc1-s02')).stdout;
    assert.equal((await exec(fleet, 'svc-dc1', 'switchrcconsistgrp -primary aux cg-dc1-s02')).code, 0);
    assert.match(await row(), /:aux:consistent_synchronized:/);
    await exec(fleet, 'svc-dc1', 'stoprcconsistgrp cg-dc1-s02');
    assert.match(
      (await exec(fleet, 'svc-dc1', 'lsrcconsistgrp -delim : cg-dc1-s02')).stdout,
      /\nstate:consistent_stopped\n[^]*\nsync:in_sync\n/,
    );
    assert.equal((await exec(fleet, 'svc-dc1', 'switchrcconsistgrp -primary master cg-dc1-s02')).stderr, '');
    assert.match(
      await row(),
      /:master:consistent_synchronized:/,
      'consistent_stopped and in sync: switched and synchronized',
    );
    await exec(fleet, 'svc-dc1', 'stoprcconsistgrp -access cg-dc1-s02');
    assert.match(await row(), /::idling:/);
    assert.equal((await exec(fleet, 'svc-dc1', 'switchrcconsistgrp -primary aux cg-dc1-s02')).stderr, '');
    assert.match(await row(), /:aux:consistent_synchronized:/, 'idling and in sync: switched and synchronized');
    await exec(fleet, 'svc-dc1', 'stoprcconsistgrp cg-dc1-s02');
    const fault = (
      await control<{ id: string }>(fleet, 'POST', '/faults', { kind: 'replication-link-down', target: 'cg-dc1-s02' })
    ).body;
    assert.match(
      (await exec(fleet, 'svc-dc1', 'switchrcconsistgrp -primary master cg-dc1-s02')).stderr,
      /^CMMVC5982E /,
    );
    await control(fleet, 'DELETE', `/faults/${fault.id}`);
  });

  it('FlashCopy: mkfcmap, startfcmap -prep, lsfcmap, stopfcmap, rmfcmap and their errors', async () => {
    assert.match(
      (await exec(fleet, 'svc-dc2', 'mkfcmap -source dc2r-web01_rootvg -target dc2r-web01_rootvg')).stderr,
      /^CMMVC6303E /,
    );
    assert.match(
      (await exec(fleet, 'svc-dc2', 'mkfcmap -source dc2r-web01_rootvg -target dc2r-db01_rootvg -copyrate 0')).stdout,
      /^FlashCopy Mapping, id \[0\], successfully created\n$/,
    );
    assert.match((await exec(fleet, 'svc-dc2', 'startfcmap 0')).stderr, /^CMMVC5903E /);
    assert.equal((await exec(fleet, 'svc-dc2', 'startfcmap -prep 0')).code, 0);
    const listed = await exec(fleet, 'svc-dc2', 'lsfcmap -delim : -filtervalue id=0');
    assert.match(
      listed.stdout,
      /^id:name:source_vdisk_id:source_vdisk_name:target_vdisk_id:target_vdisk_name:group_id:group_name:status:progress:copy_rate:/,
    );
    assert.match(listed.stdout, /\n0:fcmap0:\d+:dc2r-web01_rootvg:\d+:dc2r-db01_rootvg:::copying:0:0:/);
    assert.match((await exec(fleet, 'svc-dc2', 'rmfcmap -force 0')).stderr, /^CMMVC5903E /);
    assert.equal((await exec(fleet, 'svc-dc2', 'stopfcmap -force 0')).code, 0);
    assert.equal((await exec(fleet, 'svc-dc2', 'rmfcmap -force 0')).code, 0);
    assert.equal((await exec(fleet, 'svc-dc2', 'lsfcmap -delim :')).stdout, '');
  });

  it('a FlashCopy map with a copy rate finishes its background copy', async () => {
    await exec(
      fleet,
      'svc-dc2',
      'mkfcmap -source dc2r-web02_rootvg -target dc2r-web03_rootvg -copyrate 100 -name drtest',
    );
    assert.equal((await exec(fleet, 'svc-dc2', 'prestartfcmap drtest')).code, 0);
    await eventually(
      async () => (await exec(fleet, 'svc-dc2', 'lsfcmap -delim : -nohdr drtest')).stdout.includes('status:prepared'),
      'map prepared',
    );
    assert.equal((await exec(fleet, 'svc-dc2', 'startfcmap drtest')).code, 0);
    await eventually(
      async () =>
        (await exec(fleet, 'svc-dc2', 'lsfcmap -delim : drtest')).stdout.includes(
          'status:idle_or_copied\nprogress:100',
        ),
      'background copy done',
    );
  });
});

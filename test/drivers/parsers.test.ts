// Parsers on recorded device output (formats from power-cli.md and captures of the simulator).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAttributeLines, parseAttributes, parseFieldLines, splitQuoted } from '../../activities/hmc/hmc-output.js';
import { hmcFailure } from '../../activities/hmc/hmc-errors.js';
import { createdId, parseConcise, parseDetailed } from '../../activities/storage/svc-output.js';
import { svcFailure } from '../../activities/storage/svc-errors.js';

describe('HMC output parsers', () => {
  it('splits quoted values holding the delimiter, with doubled quotes for nested lists', () => {
    assert.deepEqual(splitQuoted('a,"b,c",d', ','), ['a', 'b,c', 'd']);
    assert.deepEqual(splitQuoted('"x=""1,2"",""3""",y', ','), ['x="1,2","3"', 'y']);
    assert.deepEqual(splitQuoted('name:state', ':'), ['name', 'state']);
    assert.throws(() => splitQuoted('a,"b', ','), /unterminated quote/);
  });

  it('reads -F output with --header by field name, tolerating added fields', () => {
    const out = 'name,lpar_id,state,extra_field\nvios1,1,Running,x\ndb01,3,Not Activated,y\n';
    const rows = parseFieldLines('hmc', 'lssyscfg', out, ['name', 'state']);
    assert.deepEqual(
      rows.map((r) => [r.name, r.state]),
      [
        ['vios1', 'Running'],
        ['db01', 'Not Activated'],
      ],
    );
  });

  it('reads No results were found. as an empty list', () => {
    assert.deepEqual(parseFieldLines('hmc', 'lssyscfg', 'No results were found.\n', ['name']), []);
    assert.deepEqual(parseAttributeLines('hmc', 'lssyscfg', 'No results were found.'), []);
  });

  it('names the line when the shape is wrong', () => {
    assert.throws(
      () => parseFieldLines('hmc-dc1', 'lssyscfg -r sys', 'name,state\np9,Operating,extra\n', ['name', 'state']),
      /hmc-dc1: cannot read the output of "lssyscfg -r sys" at line 2: 3 values for 2 fields/,
    );
    assert.throws(() => parseFieldLines('hmc-dc1', 'x', 'name\np9\n', ['name', 'state']), /header lacks state/);
  });

  it('reads key=value lines with quoted list attributes (recorded profile line)', () => {
    const line =
      'name=default_profile,lpar_name=dc1-db01,lpar_id=3,desired_mem=65536,"virtual_scsi_adapters=2/client/1/dc1-s01-vios1/10/1,3/client/2/dc1-s01-vios2/10/1",virtual_fc_adapters=none,lpar_avail_priority=191';
    const record = parseAttributes(line);
    assert.equal(record.virtual_scsi_adapters, '2/client/1/dc1-s01-vios1/10/1,3/client/2/dc1-s01-vios2/10/1');
    assert.equal(record.lpar_avail_priority, '191');
  });

  it('classifies HSCL errors: insufficient resources is capacity, too many operations is transient, wrapped by inner code', () => {
    const noMemory = hmcFailure('hmc', 'chsysstate', {
      stdout: 'HSCL0623 There is not enough memory available to activate partition db01.\n',
      stderr: '',
      exitCode: 1,
    });
    assert.equal(noMemory?.code, 'HSCL0623');
    assert.equal(noMemory?.retryable, false);
    assert.equal(noMemory?.failureType, 'HmcError.HSCL0623');
    assert.equal(noMemory?.errorClass, 'capacity');
    const busy = hmcFailure('hmc', 'chsysstate', {
      stdout: 'HSCL3F01 The maximum number of concurrent operations (32) on this HMC has been reached.',
      stderr: '',
      exitCode: 1,
    });
    assert.equal(busy?.retryable, true);
    const wrapped = hmcFailure('hmc', 'chhwres', {
      stdout: 'HSCL127D: HSCL1288 logical port 27004002 is already assigned to the partition.',
      stderr: '',
      exitCode: 1,
    });
    assert.equal(wrapped?.code, 'HSCL1288');
    const vios = hmcFailure('hmc', 'viosvrcmd', {
      stdout: '[VIOSE01040181-0181] Device "vtscsi0" is not in the device configuration database.',
      stderr: '',
      exitCode: 1,
    });
    assert.equal(vios?.code, 'VIOSE01040181');
    assert.equal(hmcFailure('hmc', 'lssyscfg', { stdout: 'ok', stderr: '', exitCode: 0 }), undefined);
    const shell = hmcFailure('hmc', 'frob', { stdout: '', stderr: 'rbash: frob: command not found', exitCode: 127 });
    assert.equal(shell?.retryable, false);
    assert.match(shell!.message, /command not found/);
  });
});

describe('SVC output parsers', () => {
  it('reads the concise view by column name, whatever the column order or count', () => {
    const out =
      'id!name!SCSI_id!host_id!host_name!vdisk_UID!IO_group_id!IO_group_name\n14!db01_data1!1!3!p9b_vios!6005076801810062E000000000000123!0!io_grp0\n';
    const [row] = parseConcise('svc', 'lsvdiskhostmap', out, ['name', 'host_name', 'SCSI_id']);
    assert.equal(row?.text('host_name'), 'p9b_vios');
    assert.equal(row?.int('SCSI_id'), 1);
    assert.deepEqual(parseConcise('svc', 'lsvdiskhostmap', '', ['name']), [], 'no output at all means no mappings');
  });

  it('reads the detailed view with repeated port lines', () => {
    const out =
      'id!0\nname!dc1-s01\nport_count!2\nstatus!online\nWWPN!C050760000000001\nnode_logged_in_count!2\nstate!active\nWWPN!C050760000000002\nnode_logged_in_count!2\nstate!active\n';
    const view = parseDetailed('svc', 'lshost', out);
    assert.equal(view.text('name'), 'dc1-s01');
    assert.deepEqual(view.all('WWPN'), ['C050760000000001', 'C050760000000002']);
  });

  it('extracts the id of a created object and refuses anything else', () => {
    assert.equal(createdId('svc', 'mkvdiskhostmap', 'Virtual Disk to Host map, id [7], successfully created\n'), 7);
    assert.equal(createdId('svc', 'mkhost', 'Host, id [4], successfully created'), 4);
    assert.throws(() => createdId('svc', 'mkhost', 'something else'), /expected "…, id \[N\], successfully created"/);
  });

  it('classifies CMMVC errors: unknown object permanent, LUN conflict and unstable state retryable', () => {
    const missing = svcFailure('svc', 'lsvdisk', {
      stdout: '',
      stderr: 'CMMVC5754E The specified object does not exist, or the name supplied does not meet the naming rules.',
      exitCode: 1,
    });
    assert.equal(missing?.code, 'CMMVC5754E');
    assert.equal(missing?.retryable, false);
    assert.equal(
      svcFailure('svc', 'mkvdiskhostmap', {
        stdout: '',
        stderr:
          'CMMVC5879E The virtual disk-to-host mapping was not created because a VDisk is already mapped to this host with this SCSI LUN.',
        exitCode: 1,
      })?.retryable,
      true,
    );
    assert.equal(
      svcFailure('svc', 'x', {
        stdout: '',
        stderr: 'CMMVC5786E The action failed because the cluster is not in a stable state.',
        exitCode: 1,
      })?.retryable,
      true,
    );
  });
});

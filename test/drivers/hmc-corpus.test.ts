// The HMC and VIOS drivers on real device output (test/fixtures/devices/hmc and vios, provenance in each index.json):
// every sample goes through the parser or the error classifier it belongs to, through the real HmcClient/ViosClient
// over a pool that answers with the sample. Each case of issue 11 (HMC side) is asserted on real text here.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { HMC_ERROR_CODES, hmcFailure } from '../../activities/hmc/hmc-errors.js';
import { ACTIVE_PARTITION_STATES, HmcClient } from '../../activities/hmc/hmc-client.js';
import { parseAttributeLines, parseFieldLines } from '../../activities/hmc/hmc-output.js';
import { shellWord } from '../../activities/hmc/names.js';
import { ViosClient, parseNpivMappings, parseScsiMappings } from '../../activities/hmc/vios.js';
import type { ApplicationFailure } from '@temporalio/common';
import { errorClassOf, toActivityFailure } from '../../activities/device-failure.js';
import { DeviceError } from '../../activities/ssh/device-errors.js';
import type { DevicePool, ExecResult } from '../../activities/ssh/device-pool.js';
import { splitShellWords } from '../../simulators/shell-words.js';

const ROOT = join(import.meta.dirname, '..', 'fixtures', 'devices');

interface Sample {
  file: string;
  command: string;
  exitCode: number;
  parser: string;
  source: string;
  version?: string;
  expect?: { code: string | null; class: string };
}

function index(dir: 'hmc' | 'vios'): Sample[] {
  return (JSON.parse(readFileSync(join(ROOT, dir, 'index.json'), 'utf8')) as { samples: Sample[] }).samples;
}

function text(dir: 'hmc' | 'vios', file: string): string {
  return readFileSync(join(ROOT, dir, file), 'utf8');
}

/** A device pool that answers every command with one canned result and records what it was asked. */
function cannedPool(answer: (command: string) => ExecResult): DevicePool & { commands: string[] } {
  const commands: string[] = [];
  return {
    target: { name: 'hmc-real' },
    commands,
    exec: async (command: string) => {
      commands.push(command);
      return answer(command);
    },
  } as unknown as DevicePool & { commands: string[] };
}

const ok = (stdout: string): ExecResult => ({ stdout, stderr: '', exitCode: 0 });

/**
 * A pool answering `lssyscfg -r prof` with a real profile sample; the partition-level lpar_avail_priority read it
 * triggers gets what an HMC without that attribute prints (the real bad -F attribute text, exit 1), or `priorities`.
 */
function profilePool(sample: string, priorities?: string): DevicePool & { commands: string[] } {
  return cannedPool((command) => {
    if (!command.includes('lpar_avail_priority')) return ok(sample);
    if (priorities !== undefined) return ok(priorities);
    return {
      stdout: text('hmc', 'error-invalid-attribute-en.txt').replace('bogus_attr_xyz', 'lpar_avail_priority'),
      stderr: '',
      exitCode: 1,
    };
  });
}

describe('HMC corpus: every sample has its provenance', () => {
  for (const dir of ['hmc', 'vios'] as const) {
    it(`${dir}: every index entry names a source and its file exists`, () => {
      for (const sample of index(dir)) {
        assert.ok(sample.source.length > 10, `${sample.file} names its source`);
        assert.ok(text(dir, sample.file).trim().length > 0, `${sample.file} is not empty`);
      }
    });
  }
});

describe('HMC corpus: parsers', () => {
  it('reads every attribute listing without a parse error, and every record has unique keys', () => {
    for (const sample of index('hmc').filter((s) =>
      [
        'attributes',
        'profiles',
        'systemCapacity.proc',
        'systemCapacity.mem',
        'partitionResources.proc',
        'partitionResources.mem',
      ].includes(s.parser),
    )) {
      const records = parseAttributeLines('hmc-real', sample.command, text('hmc', sample.file));
      assert.ok(records.length > 0, sample.file);
    }
  });

  it('case 1: dedicated-processor profiles parse, counted as whole cores (lssyscfg -r prof, proc_mode=ded)', async () => {
    const hmc = new HmcClient(profilePool(text('hmc', 'lssyscfg-prof-dedicated-veritas.txt')));
    const [profile] = await hmc.profiles('sys');
    assert.equal(profile?.procMode, 'ded');
    assert.deepEqual(profile?.procUnits, { min: 1, desired: 1, max: 1 });
    assert.deepEqual(profile?.memoryMb, { min: 512, desired: 2048, max: 4096 });
    assert.equal(profile?.virtualFcAdapters.length, 2);
  });

  it('case 1: every profile sample parses (shared, dedicated, VIOS, NPIV, remote restart, a name with a space)', async () => {
    for (const sample of index('hmc').filter((s) => s.parser === 'profiles')) {
      const hmc = new HmcClient(profilePool(text('hmc', sample.file)));
      const profiles = await hmc.profiles('sys');
      assert.ok(profiles.length > 0, sample.file);
      for (const p of profiles)
        assert.ok(p.procUnits.desired > 0 && p.memoryMb.desired > 0, `${sample.file}: ${p.lparName}/${p.name}`);
    }
    const shared = await new HmcClient(profilePool(text('hmc', 'lssyscfg-prof-shared-power5.txt'))).profiles('sys');
    assert.deepEqual(shared.find((p) => p.lparName === 'nim1' && p.name === 'normal')?.procUnits, {
      min: 0.1,
      desired: 0.3,
      max: 0.8,
    });
    assert.equal(
      shared.find((p) => p.lparName === 'nim1')?.availabilityPriority,
      127,
      'an HMC without lpar_avail_priority: the default',
    );
    const spaced = await new HmcClient(profilePool(text('hmc', 'lssyscfg-prof-name-with-space-p590.txt'))).profiles(
      'sys',
    );
    assert.equal(spaced[0]?.name, 'p590n22 normal');
    // No real profile carries lpar_avail_priority: it is read from the partition listing.
    const withPriority = await new HmcClient(
      profilePool(text('hmc', 'lssyscfg-prof-name-with-space-p590.txt'), 'name,lpar_avail_priority\np590n22,191\n'),
    ).profiles('sys');
    assert.equal(withPriority[0]?.availabilityPriority, 191);
  });

  it('case 1: lshwres proc at lpar level counts dedicated cores and shared units; sys level reads the POWER5 sample', async () => {
    const answers: Record<string, string> = {
      'lshwres -r proc -m sys --level lpar': text('hmc', 'lshwres-proc-lpar-dedicated.txt'),
      'lshwres -r mem -m sys --level lpar':
        'lpar_name=aix53_15,lpar_id=15,curr_min_mem=1024,curr_mem=2048,curr_max_mem=4096,mem_mode=ded',
    };
    const ded = await new HmcClient(cannedPool((c) => ok(answers[c] ?? ''))).partitionResources('sys');
    assert.deepEqual(ded.get('aix53_15'), { procUnits: 2, memoryMb: 2048, procMode: 'ded' });
    const power5: Record<string, string> = {
      'lshwres -r proc -m sys --level lpar': text('hmc', 'lshwres-proc-lpar-power5.txt'),
      'lshwres -r mem -m sys --level lpar': text('hmc', 'lshwres-mem-lpar-power5.txt'),
      'lshwres -r proc -m sys --level sys': text('hmc', 'lshwres-proc-sys-power5.txt'),
      'lshwres -r mem -m sys --level sys': text('hmc', 'lshwres-mem-sys-power5.txt'),
    };
    const hmc = new HmcClient(cannedPool((c) => ok(power5[c] ?? '')));
    const shared = await hmc.partitionResources('sys');
    assert.deepEqual(shared.get('nim1'), { procUnits: 0.3, memoryMb: 6144, procMode: 'shared' });
    assert.deepEqual(
      shared.get('dump'),
      { procUnits: 0, memoryMb: 0, procMode: 'shared' },
      'a Not Activated partition holds nothing',
    );
    assert.deepEqual(await hmc.systemCapacity('sys'), {
      configurableProcUnits: 2,
      availableProcUnits: 1.1,
      configurableMemoryMb: 32768,
      availableMemoryMb: 13696,
      firmwareMemoryMb: 640,
    });
  });

  it('case 5: a non-English HMC is refused with the fix named, on its localized "no results"', async () => {
    const polish = text('hmc', 'no-results-pl.txt');
    assert.throws(
      () => parseFieldLines('hmc-real', 'lssyscfg -r frame', polish, ['name']),
      (err: DeviceError) =>
        /language other than English/.test(err.message) &&
        /locale/.test(err.message) &&
        err.errorClass === 'configuration',
    );
    assert.throws(
      () => parseAttributeLines('hmc-real', 'lssyscfg -r frame', polish),
      /language other than English.*chhmc -c locale/,
    );
    const hmc = new HmcClient(cannedPool(() => ok(polish)));
    await assert.rejects(
      hmc.listPartitions('sys'),
      /at line 1: the HMC answered in a language other than English \("Nie znaleziono wyników\."\)/,
    );
    assert.deepEqual(parseFieldLines('hmc-real', 'x', '', ['name']), [], 'empty output is no rows');
    assert.deepEqual(parseFieldLines('hmc-real', 'x', 'No results were found.\n', ['name']), []);
  });

  it('case 5: localized descriptions in a record (os_version=Nieznane) do not matter: states stay English', async () => {
    const hmc = new HmcClient(cannedPool(() => ok(text('hmc', 'lssyscfg-lpar-power5-pl.txt'))));
    const records = parseAttributeLines('hmc-real', 'lssyscfg -r lpar', text('hmc', 'lssyscfg-lpar-power5-pl.txt'));
    assert.deepEqual(
      records.map((r) => r.state),
      ['Running', 'Running', 'Running', 'Not Activated'],
    );
    assert.equal(records[3]?.rmc_ipaddr, '', 'an empty text field is read as empty');
    void hmc;
  });

  it('case 8: partition() and systemState() check the row name; empty numbers and duplicate keys are errors naming line and field', async () => {
    // Crafted, as in the issue: the real V10R3 row widened with the two columns the driver also asks for.
    const real = text('hmc', 'lssyscfg-lpar-F-header-v10r3.txt').split('\n');
    assert.deepEqual(real.slice(0, 2), ['name,lpar_id,state,rmc_state', 'lpar-c,3,Not Activated,inactive']);
    const sample =
      'name,lpar_id,state,rmc_state,lpar_env,curr_profile\nlpar-c,3,Not Activated,inactive,aixlinux,default_profile\n';
    const hmc = new HmcClient(cannedPool(() => ok(sample)));
    assert.equal((await hmc.partition('system-a', 'lpar-c'))?.state, 'Not Activated');
    await assert.rejects(hmc.partition('system-a', 'lpar-d'), /at line 2: field name is "lpar-c", expected "lpar-d"/);
    const system = new HmcClient(cannedPool(() => ok('name,state\np5-server-a,Operating\n')));
    assert.equal(await system.systemState('p5-server-a'), 'Operating');
    await assert.rejects(
      system.systemState('p5-server-b'),
      /"lssyscfg -r sys -m p5-server-b -F name,state --header" at line 2: field name is "p5-server-a"/,
    );
    const emptyId = new HmcClient(cannedPool(() => ok(sample.replace('lpar-c,3,', 'lpar-c,,'))));
    await assert.rejects(emptyId.partition('system-a', 'lpar-c'), /at line 2: field lpar_id is empty/);
    const profile = text('hmc', 'lssyscfg-prof-dedicated-veritas.txt').trim();
    assert.throws(
      () => parseAttributeLines('hmc-real', 'lssyscfg -r prof', `${profile},desired_mem=9999`),
      /at line 1: field desired_mem appears twice/,
    );
    const emptyMem = new HmcClient(profilePool(profile.replace('desired_mem=2048', 'desired_mem=')));
    await assert.rejects(emptyMem.profiles('sys'), /"lssyscfg -r prof -m sys" at line 1: field desired_mem is empty/);
    const noProcs = new HmcClient(profilePool(profile.replace('desired_procs=1,', '')));
    await assert.rejects(noProcs.profiles('sys'), /at line 1: field desired_procs is missing/);
  });

  it('reads -F output without a header (lssyscfg -r sys -F name,serial_num,state)', () => {
    const rows = parseFieldLines(
      'hmc-real',
      'lssyscfg -r sys -F name,serial_num,state',
      text('hmc', 'lssyscfg-sys-F-name-serial-state-power5.txt'),
      ['name', 'serial_num', 'state'],
      ',',
      false,
    );
    assert.deepEqual(rows, [{ name: 'p5-server-a', serial_num: 'SN00001', state: 'Operating' }]);
  });
});

describe('HMC corpus: partition state meanings', () => {
  it('case 7: Error (running, needs attention) and Not Available (state unknown) may be running; Not Activated is off', () => {
    const help = text('hmc', 'help-partition-states.txt');
    assert.match(help, /^Error\nThe logical partition is running, but it requires attention\./m);
    assert.match(
      help,
      /^Not Available\nThe logical partition is unavailable because the state of the managed system is Error/m,
    );
    for (const state of ['Error', 'Not Available']) assert.ok(ACTIVE_PARTITION_STATES.has(state), state);
    assert.equal(ACTIVE_PARTITION_STATES.has('Not Activated'), false);
  });
});

describe('HMC corpus: error classification', () => {
  it('cases 3 and 4: every error sample gets its code (innermost when wrapped) and class', () => {
    for (const sample of index('hmc').filter((s) => s.parser === 'error')) {
      const failure = hmcFailure('hmc-real', sample.command, {
        stdout: text('hmc', sample.file),
        stderr: '',
        exitCode: sample.exitCode,
      });
      assert.ok(failure, sample.file);
      assert.equal(failure.code ?? null, sample.expect!.code, `${sample.file}: code`);
      assert.equal(failure.errorClass, sample.expect!.class, `${sample.file}: class`);
      assert.equal(
        failure.retryable,
        sample.expect!.class === 'transient',
        `${sample.file}: retryable follows the class`,
      );
      assert.ok(
        failure.message.includes(text('hmc', sample.file).trim().slice(0, 30)),
        `${sample.file}: the text is surfaced`,
      );
    }
  });

  it('an unknown code is unknown and not retried; HSCLA9A4 (remote restart in progress) is re-checked, not final', () => {
    const unknown = hmcFailure('hmc-real', 'chsysstate', {
      stdout: 'HSCLFFFF Something Lazarus has never seen.',
      stderr: '',
      exitCode: 1,
    });
    assert.equal(unknown?.errorClass, 'unknown');
    assert.equal(unknown?.retryable, false);
    assert.match(unknown!.message, /Something Lazarus has never seen/);
    assert.equal(
      hmcFailure('hmc-real', 'rrstartlpar', { stdout: 'HSCLA9A4 remote restart in progress', stderr: '', exitCode: 1 })
        ?.errorClass,
      'state-recheck',
    );
    for (const [code, entry] of Object.entries(HMC_ERROR_CODES))
      assert.ok(entry.source.length > 5, `${code} names its source`);
  });
});

describe('HMC corpus: classes reach the activities', () => {
  it('the ApplicationFailure carries the class; only an idempotent read may retry an unknown code', () => {
    const real = hmcFailure('hmc-real', 'chhwres', {
      stdout: text('hmc', 'error-HSCL127D-HSCL1288.txt'),
      stderr: '',
      exitCode: 1,
    });
    const failure = toActivityFailure(real) as ApplicationFailure;
    assert.equal(failure.type, 'HmcError.HSCL1288');
    assert.equal(failure.nonRetryable, true);
    assert.equal(errorClassOf(failure), 'configuration');
    const unknown = hmcFailure('hmc-real', 'lssyscfg', { stdout: 'HSCLFFFF never seen', stderr: '', exitCode: 1 });
    assert.equal(
      (toActivityFailure(unknown) as ApplicationFailure).nonRetryable,
      true,
      'a change: not retried blindly',
    );
    assert.equal(
      (toActivityFailure(unknown, { retryUnknown: true }) as ApplicationFailure).nonRetryable,
      false,
      'an idempotent read may retry',
    );
    assert.equal(
      (toActivityFailure(real, { retryUnknown: true }) as ApplicationFailure).nonRetryable,
      true,
      'a known final class stays final',
    );
  });

  it('a bad -F attribute in Polish is configuration, and its message names the locale fix', () => {
    const failure = hmcFailure('hmc-real', 'lssyscfg', {
      stdout: text('hmc', 'error-invalid-attribute-pl.txt'),
      stderr: '',
      exitCode: 1,
    });
    assert.equal(failure?.errorClass, 'configuration');
    assert.match(
      failure!.message,
      /Niepoprawnym atrybutem jest type_serial.*language other than English.*chhmc -c locale/,
    );
  });

  it('HSCLA9A4 (restart already in progress) re-checks the target: running there is success (crafted answer)', async () => {
    const running =
      'name,lpar_id,state,lpar_env,curr_profile,rmc_state\nlpar-c,3,Running,aixlinux,default_profile,active\n';
    let restarts = 0;
    const hmc = new HmcClient(
      cannedPool((command) => {
        if (!command.startsWith('rrstartlpar')) return ok(restarts === 0 ? 'No results were found.\n' : running);
        restarts++;
        return {
          stdout: 'HSCLA9A4 A remote restart operation is already in progress for partition lpar-c.',
          stderr: '',
          exitCode: 1,
        };
      }),
    );
    const outcome = await hmc.remoteRestart('restart', 'failed-sys', 'lpar-c', { target: 'system-a' });
    assert.deepEqual(outcome, { changed: false, detail: 'lpar-c already Running on system-a' });
  });
});

describe('VIOS corpus: lsmap forms', () => {
  it('case 9: reads every lsmap -fmt sample (newer 6-field and older 5-field targets, NPIV 12 fields, empty fields as a space)', () => {
    for (const sample of index('vios').filter((s) => s.parser !== 'none' && !s.parser.startsWith('none'))) {
      const out = text('vios', sample.file);
      const rows =
        sample.parser === 'scsiMappings'
          ? parseScsiMappings('vios', sample.command, out)
          : parseNpivMappings('vios', sample.command, out);
      assert.ok(rows.length > 0, sample.file);
    }
    const [newer] = parseScsiMappings('vios', 'lsmap -all -fmt :', text('vios', 'lsmap-fmt-colon-vios22.txt'));
    assert.deepEqual(newer, {
      vhost: 'vhost0',
      physloc: 'U7778.23X.0000003-V1-C11',
      clientId: 6,
      targets: [{ vtd: 'vd_sys_ene', status: 'Available', lun: '0x8100000000000000', backing: 'hdisk1' }],
    });
    const [older] = parseScsiMappings('vios', 'lsmap -all -fmt :', text('vios', 'lsmap-fmt-colon-older-derived.txt'));
    assert.deepEqual(
      older?.targets.map((t) => t.backing),
      ['hdisk2', 'hdisk3', 'hdisk4'],
    );
    const npiv = parseNpivMappings('vios', 'lsmap -all -npiv -fmt :', text('vios', 'lsmap-npiv-fmt-colon-vios2.txt'));
    assert.deepEqual(npiv.map((m) => [m.vfchost, m.clientId, m.clientName, m.fcPort]).slice(0, 2), [
      ['vfchost0', 5, 'nim1', 'fcs0'],
      ['vfchost1', 5, 'nim1', 'fcs1'],
    ]);
    const [unmapped] = parseNpivMappings(
      'vios',
      'lsmap -all -npiv -fmt :',
      text('vios', 'lsmap-npiv-fmt-colon-unmapped-derived.txt'),
    );
    assert.deepEqual(
      [unmapped?.clientName, unmapped?.fcPort, unmapped?.status],
      ['', '', 'NOT_LOGGED_IN'],
      'a space is an empty field',
    );
    assert.throws(
      () => parseScsiMappings('vios', 'lsmap -all -fmt :', 'vhost0:U1-V1-C5:0x00000005:vtscsi0:Available'),
      /at line 1: 2 target fields fit no lsmap -fmt form/,
    );
  });

  it('an unmapped NPIV adapter (space-filled port) is mapped by mapNpiv, a mapped one is a no-op', async () => {
    const answers = (command: string): ExecResult =>
      ok(command.includes('lsmap') ? text('vios', 'lsmap-npiv-fmt-colon-unmapped-derived.txt') : 'vfchost4 changed\n');
    const pool = cannedPool(answers);
    const vios = new ViosClient(new HmcClient(pool), 'p590 frame', 'vios 1');
    assert.equal((await vios.mapNpiv('vfchost4', 'fcs0')).changed, true);
    assert.deepEqual(splitShellWords(pool.commands.at(-1)!), [
      'viosvrcmd',
      '-m',
      'p590 frame',
      '-p',
      'vios 1',
      '-c',
      'vfcmap -vadapter vfchost4 -fcp fcs0',
    ]);
  });
});

describe('names: quoting for the HMC shell', () => {
  it('case 6: any name the HMC allows comes back as one word from the simulator shell parser', () => {
    for (const name of [
      'p590n22 normal',
      "it's",
      'a"b',
      'tab\tname'.replace('\t', ' '),
      '$(reboot)',
      'semi;colon',
      'back\\slash',
      'plain-name_1.2',
    ]) {
      assert.deepEqual(
        splitShellWords(`chsysstate -f ${shellWord('hmc', 'profile', name)}`),
        ['chsysstate', '-f', name],
        name,
      );
    }
    assert.throws(() => shellWord('hmc', 'profile', 'two\nlines'), /control characters/);
    assert.throws(() => shellWord('hmc', 'profile', ''), /empty/);
  });
});

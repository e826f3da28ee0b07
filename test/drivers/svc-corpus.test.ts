// The Spectrum Virtualize corpus (test/fixtures/devices/svc/): every parser and the error classifier run over every
// file; the simulator's output for the same commands is compared with the corpus layouts field by field; and each
// SVC case of issue 11 is replayed on corpus text through the driver (a pool that answers with that text).
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SVC_LISTING_COLUMNS, SvcClient } from '../../activities/storage/svc-client.js';
import { classOf, isRetryableClass } from '../../activities/storage/svc-error-codes.js';
import { SvcError, svcFailure } from '../../activities/storage/svc-errors.js';
import { isSvcName, svcName } from '../../activities/storage/svc-names.js';
import { createdId, parseConcise, parseDetailed } from '../../activities/storage/svc-output.js';
import type { DevicePool, ExecResult } from '../../activities/ssh/device-pool.js';
import { DeviceError } from '../../activities/ssh/device-errors.js';
import { splitShellWords } from '../../simulators/shell-words.js';
import { type SimulatedFleet } from '../../simulators/index.js';
import { DR_FLEET, connect, device, execOn, startFleet } from '../simulators/helpers.js';
import type ssh2 from 'ssh2';

const ROOT = new URL('../fixtures/devices/svc/', import.meta.url).pathname;

interface CorpusFile {
  file: string;
  meta: Record<string, string>;
  body: string;
}

function load(path: string): CorpusFile {
  const text = readFileSync(path, 'utf8');
  const split = text.indexOf('\n---\n');
  assert.ok(split > 0, `${path}: no "---" line after the header`);
  const meta: Record<string, string> = {};
  for (const line of text.slice(0, split).split('\n')) {
    const match = /^# ([a-z-]+): (.*)$/.exec(line);
    assert.ok(match, `${path}: header line "${line}" is not "# key: value"`);
    meta[match[1]!] = match[2]!;
  }
  assert.ok(meta.source, `${path}: no source`);
  return { file: relative(ROOT, path), meta, body: text.slice(split + 5) };
}

function corpus(dir = ROOT): CorpusFile[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return corpus(path);
      return name.endsWith('.txt') ? [load(path)] : [];
    });
}

const FILES = corpus();
const byName = (file: string) => FILES.find((f) => f.file === file) ?? assert.fail(`no corpus file ${file}`);
const commandName = (f: CorpusFile) => f.meta.command!.split(' ')[0]!;
const delimiterOf = (f: CorpusFile) => /-delim (\S)/.exec(f.meta.command!)?.[1] ?? ' ';
const isDetailed = (f: CorpusFile) => f.file.includes('-detail-');
const listings = FILES.filter(
  (f) => ['capture', 'header'].includes(f.meta.kind!) && commandName(f) in SVC_LISTING_COLUMNS,
);

/**
 * The corpus text re-delimited with `!` (what the driver asks for), refusing a line whose field count differs.
 * Space-padded views (no -delim) split on runs of spaces: right for the samples here, whose values hold no space.
 */
function withBang(f: CorpusFile): string {
  const delimiter = delimiterOf(f);
  const split = (line: string) => (delimiter === ' ' ? line.trim().split(/ +/) : line.split(delimiter));
  const lines = f.body.trimEnd().split('\n');
  const width = split(lines[0]!).length;
  for (const line of lines) {
    if (isDetailed(f)) continue;
    assert.equal(split(line).length, width, `${f.file}: "${line}" does not split into ${width} fields`);
  }
  const rebuilt = lines.map((line) => (isDetailed(f) ? line.replace(delimiter, '!') : split(line).join('!')));
  return `${rebuilt.join('\n')}\n`;
}

/** A driver whose device answers each command from a table (the first prefix that matches), like a real SVC would. */
function clientAnswering(answers: Array<[prefix: string, result: Partial<ExecResult>]>): {
  svc: SvcClient;
  sent: string[];
} {
  const sent: string[] = [];
  const pool = {
    target: { name: 'svc-corpus' },
    async exec(command: string): Promise<ExecResult> {
      sent.push(command);
      const found = answers.find(([prefix]) => command.startsWith(prefix));
      if (!found) return { stdout: '', stderr: `rbash: ${command.split(' ')[0]}: command not found\n`, exitCode: 127 };
      return { stdout: '', stderr: '', exitCode: 0, ...found[1] };
    },
  } as unknown as DevicePool;
  return { svc: new SvcClient(pool), sent };
}

const ok = (stdout: string): Partial<ExecResult> => ({ stdout });
const failed = (f: CorpusFile): Partial<ExecResult> => ({ stderr: f.body, exitCode: Number(f.meta.exit) });

/** Header plus the rows of a corpus listing whose `name` is one of `names` (real rows, as a filter would give). */
function rowsNamed(f: CorpusFile, ...names: string[]): string {
  const [header, ...rows] = withBang(f).trimEnd().split('\n');
  const at = header!.split('!').indexOf('name');
  return `${[header, ...rows.filter((row) => names.includes(row.split('!')[at]!))].join('\n')}\n`;
}

describe('SVC corpus: every file is read by the parsers and the classifier', () => {
  it('has provenance on every file and covers the commands the driver reads', () => {
    assert.ok(FILES.length >= 30, `${FILES.length} files`);
    const kinds = ['capture', 'header', 'layout', 'error', 'doc'];
    for (const f of FILES) assert.ok(kinds.includes(f.meta.kind!), `${f.file}: kind`);
    const covered = new Set(FILES.filter((f) => f.meta.command).map(commandName));
    // lsrcrelationship: no public sample of its concise view was found (Cinder's simulator models only the detail).
    const listed = Object.keys(SVC_LISTING_COLUMNS).filter((command) => command !== 'lsrcrelationship');
    for (const command of [...listed, 'mkvdiskhostmap', 'rmvdiskhostmap', 'mkhost', 'switchrcconsistgrp']) {
      assert.ok(covered.has(command), `no corpus file for ${command}`);
    }
  });

  it('classifies every error text as its file says, retrying only transient and state-recheck', () => {
    const errors = FILES.filter((f) => f.meta.kind === 'error');
    assert.ok(errors.length >= 15);
    for (const f of errors) {
      const failure = svcFailure('svc', f.meta.command!, { stdout: '', stderr: f.body, exitCode: Number(f.meta.exit) });
      assert.ok(failure, f.file);
      assert.equal(failure.code, /^(CMMVC[0-9]{4}[EW])/.exec(f.body)?.[1], `${f.file}: code`);
      assert.equal(failure.errorClass, f.meta.class, `${f.file}: class`);
      assert.equal(failure.retryable, isRetryableClass(failure.errorClass), `${f.file}: retryable follows the class`);
      assert.match(failure.message, new RegExp(failure.code!), `${f.file}: the text is surfaced`);
    }
  });

  it('reads every listing through the driver, with every field it uses', async () => {
    assert.ok(listings.length >= 7);
    for (const f of listings) {
      const command = commandName(f);
      const columns = SVC_LISTING_COLUMNS[command as keyof typeof SVC_LISTING_COLUMNS];
      const rows = parseConcise('svc', f.meta.command!, withBang(f), columns);
      const { svc } = clientAnswering([[command, ok(withBang(f))]]);
      const read = {
        lsvdisk: () => svc.listVolumes(),
        lshost: () => svc.listHosts(),
        lsvdiskhostmap: () => svc.volumeMappings('VOLUME'),
        lshostvdiskmap: () => svc.hostMappings('HOST'),
        lsrcconsistgrp: () => svc.consistencyGroups(),
        lsrcrelationship: () => svc.relationships(),
        lsfcmap: () => svc.flashCopyMappings(),
      }[command]!;
      assert.equal((await read()).length, rows.length, f.file);
    }
    const lsvdisk = withBang(byName('lsvdisk-concise-v7000-6x.txt'));
    const volumes = await clientAnswering([['lsvdisk', ok(lsvdisk)]]).svc.listVolumes();
    assert.deepEqual(volumes[3], {
      id: 3,
      name: 'vol_app02_lun2',
      status: 'online',
      capacity: '1.00GB',
      uid: '600507680280809AB000000000000003',
      rcName: '',
      fcMapCount: 0,
    });
  });

  it('reads every detailed view through the driver, keeping every port', async () => {
    const host = await clientAnswering([['lshost', ok(withBang(byName('lshost-detail-cinder.txt')))]]).svc.host('HOST');
    assert.deepEqual(host, { name: 'HOST', status: 'online', wwpns: ['C050760000000001', 'C050760000000002'] });
    const detail = withBang(byName('lsrcconsistgrp-detail-cinder.txt'));
    const group = await clientAnswering([['lsrcconsistgrp', ok(detail)]]).svc.consistencyGroup('CG');
    assert.equal(group?.state, 'consistent_stopped');
    assert.equal(group?.relationshipCount, 2);
    for (const f of FILES.filter(isDetailed)) {
      assert.ok(parseDetailed('svc', f.meta.command!, f.body, delimiterOf(f)).lines.length > 5, f.file);
    }
  });

  it('reads the id of every created object', () => {
    assert.equal(createdId('svc', 'mkvdiskhostmap', byName('mkvdiskhostmap-created.txt').body), 7);
    assert.equal(createdId('svc', 'mkhost', byName('mkhost-created.txt').body), 4);
  });
});

describe('SVC corpus: the cases of issue 11, on corpus text', () => {
  const lsvdisk = byName('lsvdisk-concise-v7000-6x.txt');
  const host = byName('lshost-detail-cinder.txt');

  it('case 2: rmvdiskhostmap answering CMMVC5842E is an idempotent unmap when volume and host exist', async () => {
    const notMapped = byName('errors/CMMVC5842E-rmvdiskhostmap.txt');
    const { svc, sent } = clientAnswering([
      ['rmvdiskhostmap', failed(notMapped)],
      ['lsvdisk', ok(rowsNamed(lsvdisk, 'vol_app02_lun3'))],
      ['lshost', ok(withBang(host))],
    ]);
    const outcome = await svc.unmapVolume('vol_app02_lun3', 'HOST');
    assert.deepEqual(outcome, { changed: false, detail: 'vol_app02_lun3 was not mapped to HOST (CMMVC5842E)' });
    assert.deepEqual(sent, [
      'rmvdiskhostmap -host HOST vol_app02_lun3',
      'lsvdisk -delim ! -filtervalue name=vol_app02_lun3',
      'lshost -delim ! HOST',
    ]);
  });

  it('case 2: ... but not when the host does not exist (a misspelt host must not pass for a fenced one)', async () => {
    const { svc } = clientAnswering([
      ['rmvdiskhostmap', failed(byName('errors/CMMVC5842E-rmvdiskhostmap.txt'))],
      ['lsvdisk', ok(rowsNamed(lsvdisk, 'vol_app02_lun3'))],
      ['lshost', failed(byName('errors/CMMVC5754E.txt'))],
    ]);
    await assert.rejects(
      svc.unmapVolume('vol_app02_lun3', 'HOST'),
      (err: SvcError) => err.code === 'CMMVC5842E' && err.errorClass === 'not-found' && !err.retryable,
    );
  });

  it('case 8: a listing without a column the driver reads is an error naming command, line and field', async () => {
    const withoutRcName = f2(lsvdisk, (line) =>
      line
        .split('!')
        .filter((_, i) => i !== 12)
        .join('!'),
    );
    const { svc } = clientAnswering([['lsvdisk', ok(withoutRcName)]]);
    await assert.rejects(
      svc.listVolumes(),
      (err: DeviceError) =>
        err.kind === 'output' && /"lsvdisk -delim !" at line 1: header lacks field RC_name/.test(err.message),
    );
  });

  it('case 8: a ":" inside a value cannot shift columns: -delim : fails at that line, -delim ! reads it', async () => {
    // Derived: the pool name of the real row 2 given a ':' (as iSCSI names, NQNs and IPv6 addresses hold one).
    const real = '2:vol_app02_lun1:0:io_grp0:online:0:pool_r5_01';
    const colon = lsvdisk.body.replace(real, '2:vol_app02_lun1:0:io_grp0:online:0:pool:r5');
    assert.throws(
      () => parseConcise('svc', lsvdisk.meta.command!, colon, SVC_LISTING_COLUMNS.lsvdisk, ':'),
      /at line 4: 19 values for 18 columns/,
    );
    const bang = withBang(lsvdisk).replace(real.split(':').join('!'), '2!vol_app02_lun1!0!io_grp0!online!0!pool:r5');
    const { svc } = clientAnswering([['lsvdisk', ok(bang)]]);
    const volume = (await svc.listVolumes())[2]!;
    assert.equal(volume.capacity, '1.00GB');
    assert.equal(volume.uid, '600507680280809AB000000000000002');
  });

  it('case 8: an empty numeric field is an error, an empty optional one is read as empty', async () => {
    const emptyCount = f2(lsvdisk, (line, n) => (n === 2 ? line.replace('!0!1!empty!1', '!!1!empty!1') : line));
    const read = clientAnswering([['lsvdisk', ok(emptyCount)]]).svc.listVolumes();
    await assert.rejects(read, /at line 2: field fc_map_count is empty/);
    const volumes = await clientAnswering([['lsvdisk', ok(withBang(lsvdisk))]]).svc.listVolumes();
    assert.deepEqual(
      volumes.map((v) => v.rcName),
      ['', '', '', ''],
      'RC_name is blank without remote copy (IBM doc)',
    );
  });

  it('case 8: repeated port lines are all kept; a repeated key that must be unique is an error', async () => {
    assert.deepEqual(parseDetailed('svc', 'lshost', withBang(host)).all('state'), ['active', 'active']);
    const twice = withBang(host).replace('status!online\n', 'status!online\nstatus!offline\n');
    const read = clientAnswering([['lshost', ok(twice)]]).svc.host('HOST');
    await assert.rejects(read, /at line 8: field status appears 2 times; it must be unique/);
  });

  it('case 8: row lookups check names: an answer about another object is an error', async () => {
    const { svc } = clientAnswering([['lsvdisk', ok(rowsNamed(lsvdisk, 'vol_app02_lun1'))]]);
    const expected = /line 2: field name is "vol_app02_lun1", expected "vol_app02_lun3"/;
    await assert.rejects(svc.volume('vol_app02_lun3'), expected);
    const other = withBang(host).replace('name!HOST', 'name!OTHER');
    const read = clientAnswering([['lshost', ok(other)]]).svc.host('HOST');
    await assert.rejects(read, /"lshost -delim ! HOST" at line 2: field name is "OTHER", expected "HOST"/);
  });

  it('case 3 (SVC side): the innermost error code decides, warnings alone succeed, unknown is not retried', () => {
    const [outer, inner] = [byName('errors/CMMVC5753E.txt').body.trim(), byName('errors/CMMVC5879E.txt').body.trim()];
    const wrapped = svcFailure('svc', 'mkvdiskhostmap', { stdout: '', stderr: `${outer}\n${inner}\n`, exitCode: 1 });
    assert.equal(wrapped?.code, 'CMMVC5879E');
    assert.equal(wrapped?.errorClass, 'transient');
    assert.equal(svcFailure('svc', 'x', { stdout: '', stderr: 'CMMVC6372W a warning\n', exitCode: 1 }), undefined);
    const text = byName('errors/CMMVC6581E-unknown.txt').body;
    const unknown = svcFailure('svc', 'mkhost', { stdout: '', stderr: text, exitCode: 1 });
    assert.equal(unknown?.errorClass, 'unknown');
    assert.equal(unknown?.retryable, false);
    assert.equal(classOf('CMMVC0000E'), 'unknown');
  });
});

/** The corpus body re-delimited with `!`, then each line passed through `edit` (line numbers from 1). */
function f2(f: CorpusFile, edit: (line: string, n: number) => string): string {
  return `${withBang(f)
    .trimEnd()
    .split('\n')
    .map((line, i) => edit(line, i + 1))
    .join('\n')}\n`;
}

describe('SVC corpus: names Spectrum Virtualize allows go through its shell unchanged', () => {
  it('accepts the names the naming rules allow, quotes spaces, refuses the rest', async () => {
    const rules = byName('docs/naming-rules.txt').body;
    assert.match(rules, /letters, numbers, spaces, periods, dashes, and underscores/);
    for (const name of ['p590 normal', 'dr host 1', '_x', 'a.b-c_d', 'x'.repeat(63), 'Vol 1.2-3_4']) {
      assert.ok(isSvcName(name), name);
      const line = `lshost -delim ! ${svcName('svc', 'host', name)}`;
      assert.deepEqual(splitShellWords(line), ['lshost', '-delim', '!', name], line);
    }
    const { svc, sent } = clientAnswering([['lsvdisk', ok('')]]);
    await svc.volume('my vol 1');
    assert.deepEqual(splitShellWords(sent[0]!), ['lsvdisk', '-delim', '!', '-filtervalue', 'name=my vol 1']);
    for (const name of ['1host', ' lead', 'trail ', 'semi;colon', "quo'te", 'x'.repeat(64), '', 'a:b', 'dollar$']) {
      assert.throws(
        () => svcName('svc', 'host', name),
        (err: DeviceError) => err.code === 'InvalidName' && err.errorClass === 'configuration',
        name,
      );
    }
  });
});

describe('SVC corpus ↔ simulator: the simulator prints the corpus layouts', () => {
  let fleet: SimulatedFleet;
  // One connection per storage system: the simulator, like a real SVC, accepts 15 new connections per second.
  const clients = new Map<string, ssh2.Client>();
  const exec = async (_fleet: SimulatedFleet, name: string, line: string) => {
    if (!clients.has(name)) clients.set(name, await connect(device(fleet, name)));
    return execOn(clients.get(name)!, line);
  };
  before(async () => {
    fleet = await startFleet(DR_FLEET);
    // The DR fleet has no FlashCopy mapping; make one so lsfcmap prints its header.
    const made = await exec(fleet, 'svc-dc2', 'mkfcmap -source dc2r-db01_data1 -target dc2r-db01_data2 -copyrate 0');
    assert.equal(made.code, 0);
  });
  after(async () => {
    for (const client of clients.values()) client.end();
    await fleet.stop();
  });

  /** The simulator's object for a corpus placeholder. */
  const OBJECTS: Record<string, string> = { VOLUME: 'dc1-db01_rootvg', HOST: 'dc1-s01', CG: 'cg-dc1-s01' };
  const deviceFor = (command: string) => (command === 'lsfcmap' ? 'svc-dc2' : 'svc-dc1');

  async function simulated(f: CorpusFile): Promise<string> {
    const [name, ...rest] = f.meta.command!.replace(/ ?-delim \S/, '').split(' ');
    const command = [name, '-delim !', ...rest].join(' ').replace(/\b(VOLUME|HOST|CG)\b/, (word) => OBJECTS[word]!);
    const result = await exec(fleet, deviceFor(commandName(f)), command);
    assert.equal(result.code, 0, `${command}: ${result.stderr}`);
    return result.stdout;
  }

  it('concise views: every corpus column, in the corpus order, starts the simulator header', async () => {
    for (const f of listings) {
      const corpusHeader = withBang(f).split('\n')[0]!.split('!');
      const simulatorHeader = (await simulated(f)).split('\n')[0]!.split('!');
      assert.deepEqual(simulatorHeader.slice(0, corpusHeader.length), corpusHeader, f.file);
    }
  });

  it('detailed views: corpus keys appear in the same order, ports and relationships as repeated lines', async () => {
    for (const f of FILES.filter(isDetailed)) {
      const keys = f.body
        .trimEnd()
        .split('\n')
        .map((line) => line.split(delimiterOf(f))[0]!);
      const output = await simulated(f);
      assert.doesNotMatch(output.trimEnd(), /\n\n/, `${f.file}: no blank lines`);
      const simulatorKeys = output
        .trimEnd()
        .split('\n')
        .map((line) => line.split('!')[0]!);
      let at = 0;
      for (const key of keys) {
        at = simulatorKeys.indexOf(key, at);
        assert.ok(at >= 0, `${f.file}: key ${key} missing or out of order in ${simulatorKeys.join(',')}`);
        at++;
      }
    }
  });

  it('errors: the simulator answers the corpus codes for the same situations', async () => {
    const code = async (line: string) => /^CMMVC[0-9]{4}[EW]/.exec((await exec(fleet, 'svc-dc1', line)).stderr)?.[0];
    const source = byName('errors/CMMVC5842E-rmvdiskhostmap.txt').meta.source;
    assert.equal(await code('rmvdiskhostmap -host dc1-s02 dc1-db01_rootvg'), 'CMMVC5842E', source);
    assert.equal(await code('lshost nosuchhost'), 'CMMVC5754E');
    assert.equal(await code('lsrcconsistgrp nosuchgroup'), 'CMMVC5804E');
    assert.equal(await code('mkvdiskhostmap -host dc1-s02 dc1-db01_rootvg'), 'CMMVC6071E');
    assert.equal(await code('lsvdisk -frob'), 'CMMVC5709E');
    assert.equal(await code('mkhost -name 1host -fcwwpn C050760000000099'), 'CMMVC6527E');
  });

  it('case 9: switchrcconsistgrp works in each state IBM documents, ending consistent_synchronized', async () => {
    const doc = byName('docs/switchrcconsistgrp-states.txt').body;
    const documented = [...doc.matchAll(/^- (\w+)(?: and Synchronized)?$/gm)].map((m) => m[1]);
    assert.deepEqual(documented, ['ConsistentSynchronized', 'ConsistentStopped', 'Idling']);
    const state = async () =>
      /\nstate!(\w+)\n/.exec((await exec(fleet, 'svc-dc1', 'lsrcconsistgrp -delim ! cg-dc1-s03')).stdout)?.[1];
    const reach: Record<string, string> = {
      ConsistentSynchronized: '',
      ConsistentStopped: 'stoprcconsistgrp cg-dc1-s03',
      Idling: 'stoprcconsistgrp -access cg-dc1-s03',
    };
    let primary = 'master';
    for (const name of documented) {
      if (reach[name!]) assert.equal((await exec(fleet, 'svc-dc1', reach[name!]!)).code, 0);
      assert.equal(await state(), name!.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase());
      primary = primary === 'master' ? 'aux' : 'master';
      const switched = await exec(fleet, 'svc-dc1', `switchrcconsistgrp -primary ${primary} cg-dc1-s03`);
      assert.equal(switched.stderr, '', `${name}: ${switched.stderr}`);
      assert.equal(await state(), 'consistent_synchronized');
    }
  });
});

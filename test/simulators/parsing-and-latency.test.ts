import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_LATENCY_MS, LatencyModel } from '../../simulators/latency.js';
import { parseHmcFilter, renderHmcRecords } from '../../simulators/hmc-output.js';
import { ShellSyntaxError, quoteShellWord, splitShellWords } from '../../simulators/shell-words.js';

const flags = (values: Record<string, string>, switches: string[] = []) => ({
  values: new Map(Object.entries(values)),
  switches: new Set(switches),
  positionals: [],
});

describe('command line splitting (shell rules)', () => {
  it('splits on whitespace and keeps quoted text together', () => {
    assert.deepEqual(splitShellWords(`viosvrcmd -m s1 -p vios1 -c "lsmap -all -fmt ,"`), [
      'viosvrcmd',
      '-m',
      's1',
      '-p',
      'vios1',
      '-c',
      'lsmap -all -fmt ,',
    ]);
    assert.deepEqual(splitShellWords(`mkhost -name 'my host' -fcwwpn A:B`), [
      'mkhost',
      '-name',
      'my host',
      '-fcwwpn',
      'A:B',
    ]);
    assert.deepEqual(splitShellWords(`-c 'it'\\''s' "a \\"b\\" \\$c" x\\ y`), ['-c', "it's", 'a "b" $c', 'x y']);
    assert.deepEqual(splitShellWords(`vfcmap -fcp ""`), ['vfcmap', '-fcp', '']);
    assert.deepEqual(splitShellWords('  '), []);
  });

  it('refuses pipes, separators and unbalanced quotes', () => {
    assert.throws(() => splitShellWords('lssyscfg -r sys | grep x'), ShellSyntaxError);
    assert.throws(() => splitShellWords('lssyscfg; rm x'), ShellSyntaxError);
    assert.throws(() => splitShellWords('echo "open'), /unexpected EOF/);
    assert.deepEqual(splitShellWords('echo "a|b;c"'), ['echo', 'a|b;c']);
  });

  it('quoteShellWord round-trips any word', () => {
    for (const word of ["it's", 'a b', 'plain', '', '"q"', 'x;y|z'])
      assert.deepEqual(splitShellWords(quoteShellWord(word)), [word]);
  });
});

describe('HMC record rendering', () => {
  const records: [string, string | number][][] = [
    [
      ['name', 'db01'],
      ['lpar_id', 3],
      ['wwpns', 'c05076000000000a,c05076000000000b'],
      ['note', 'say "hi"'],
    ],
  ];

  it('-F quotes values holding the delimiter or a quote (doubling inner quotes)', () => {
    assert.equal(
      renderHmcRecords(records, flags({ '-F': 'name,wwpns,note' })),
      'db01,"c05076000000000a,c05076000000000b","say ""hi"""\n',
    );
    assert.equal(
      renderHmcRecords(records, flags({ '-F': 'name:wwpns' }, ['--header'])),
      'name:wwpns\ndb01:"c05076000000000a,c05076000000000b"\n',
    );
  });

  it('without -F quotes the whole key=value pair when the value holds commas', () => {
    assert.equal(
      renderHmcRecords(
        records.map((r) => r.slice(0, 3)),
        flags({}),
      ),
      'name=db01,lpar_id=3,"wwpns=c05076000000000a,c05076000000000b"\n',
    );
  });

  it('--header without -F and an unknown -F field are device errors', () => {
    assert.throws(() => renderHmcRecords(records, flags({}, ['--header'])), /--header is only valid with -F/);
    assert.throws(
      () => renderHmcRecords(records, flags({ '-F': 'name,colour' })),
      /^Error: An invalid attribute was entered\. {2}The invalid attribute is colour\./,
    );
  });

  it('--filter values: lists, quoted lists and several filters', () => {
    assert.deepEqual([...parseHmcFilter('lpar_names=a,b', ['lpar_names'])], [['lpar_names', ['a', 'b']]]);
    assert.deepEqual(
      [...parseHmcFilter('"lpar_names=a,b",profile_names=p', ['lpar_names', 'profile_names'])],
      [
        ['lpar_names', ['a', 'b']],
        ['profile_names', ['p']],
      ],
    );
    assert.throws(() => parseHmcFilter('colour=red', ['lpar_names']), /HSCL0008/);
  });
});

describe('latency model', () => {
  it('scales every default by timeScale and a slow factor', () => {
    const model = new LatencyModel(0.01);
    assert.equal(model.ms('lparBoot'), DEFAULT_LATENCY_MS.lparBoot * 0.01);
    assert.equal(model.ms('migrationPerGbMemory', 3, 64), DEFAULT_LATENCY_MS.migrationPerGbMemory * 0.01 * 3 * 64);
    assert.equal(new LatencyModel(1, { lparBoot: 5 }).ms('lparBoot'), 5);
    assert.throws(() => new LatencyModel(-1), /timeScale must be a finite number >= 0/);
  });

  it('a seed gives reproducible jitter within ±20 %', () => {
    const a = new LatencyModel(1, {}, 42);
    const b = new LatencyModel(1, {}, 42);
    const first = Array.from({ length: 50 }, () => a.ms('hmcQuery'));
    assert.deepEqual(
      first,
      Array.from({ length: 50 }, () => b.ms('hmcQuery')),
    );
    assert.ok(first.every((ms) => ms >= 320 && ms <= 480));
    assert.ok(new Set(first).size > 1);
  });
});

// Configuration that refuses nonsense (issue 15): every duration within its documented range, ports in range, cron
// strings that parse, settings that contradict each other, start-after cycles the file decides alone, and a YAML
// alias bomb, each refused with the file and the config path named.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseDocument } from 'yaml';
import { DURATION_BOUNDS, formatMs, type BoundedDurationPath } from '../../domain/config/bounds.js';
import { CROSS_SETTING_RULES } from '../../domain/config/cross-settings.js';
import { ConfigError, parseConfigText } from '../../domain/config/index.js';

const EXAMPLE = readFileSync(new URL('../../examples/lazarus.yaml', import.meta.url), 'utf8');
const DR_EXAMPLE = readFileSync(new URL('../../examples/lazarus-dr.yaml', import.meta.url), 'utf8');
const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

function refused(text: string, pattern: RegExp): ConfigError {
  try {
    parseConfigText(text, 'lazarus.yaml');
  } catch (err) {
    assert.ok(err instanceof ConfigError, `a ConfigError, got ${String(err)}`);
    assert.match(err.message, pattern);
    return err;
  }
  assert.fail(`expected a refusal matching ${pattern}`);
}

/** The example with `path` set to `value` (maps created on the way), as YAML text. */
function withSetting(base: string, path: Array<string | number>, value: unknown): string {
  const doc = parseDocument(base);
  doc.setIn(path, doc.createNode(value));
  return doc.toString();
}

const replace = (text: string, from: string, to: string) => {
  assert.ok(text.includes(from), `the example contains ${from}`);
  return text.replace(from, to);
};

/** Where each bounded duration is set in an example, `[]` → the first entry, `*` → one named field. */
const WHERE: Record<BoundedDurationPath, { base: string; path: Array<string | number> }> = {
  'hostGroups[].recovery.approvalTimeout': { base: EXAMPLE, path: ['hostGroups', 0, 'recovery', 'approvalTimeout'] },
  'hostGroups[].recovery.rtoBudget': { base: EXAMPLE, path: ['hostGroups', 0, 'recovery', 'rtoBudget'] },
  'hostGroups[].recovery.pollInterval': { base: EXAMPLE, path: ['hostGroups', 0, 'recovery', 'pollInterval'] },
  'hostGroups[].recovery.fenceDeadline': { base: EXAMPLE, path: ['hostGroups', 0, 'recovery', 'fenceDeadline'] },
  'hostGroups[].recovery.stepTimeouts.*': {
    base: EXAMPLE,
    path: ['hostGroups', 0, 'recovery', 'stepTimeouts', 'mapping'],
  },
  'hostGroups[].recovery.stepDurations.*': {
    base: withSetting(EXAMPLE, ['hostGroups', 0, 'recovery', 'stepDurations'], {
      viosConfig: '4s',
      volumeMapping: '2s',
      activate: '30s',
      boot: '60s',
    }),
    path: ['hostGroups', 0, 'recovery', 'stepDurations', 'boot'],
  },
  'hostGroups[].monitoring.interval': { base: EXAMPLE, path: ['hostGroups', 0, 'monitoring', 'interval'] },
  'hostGroups[].monitoring.flapWindow': { base: EXAMPLE, path: ['hostGroups', 0, 'monitoring', 'flapWindow'] },
  'hostGroups[].evacuation.migrationTimeout': {
    base: EXAMPLE,
    path: ['hostGroups', 0, 'evacuation', 'migrationTimeout'],
  },
  'policies[].health.heartbeatTimeout': { base: EXAMPLE, path: ['policies', 0, 'health', 'heartbeatTimeout'] },
  'policies[].health.bootTimeout': { base: EXAMPLE, path: ['policies', 0, 'health', 'bootTimeout'] },
  'agents.checkInterval': { base: EXAMPLE, path: ['agents', 'checkInterval'] },
  'agents.resumeGrace': { base: EXAMPLE, path: ['agents', 'resumeGrace'] },
  'notifications[].dedupeWindow': { base: EXAMPLE, path: ['notifications', 0, 'dedupeWindow'] },
  'notifications[].rateLimit.window': { base: EXAMPLE, path: ['notifications', 0, 'rateLimit', 'window'] },
  'notifications[].retry.initialDelay': { base: EXAMPLE, path: ['notifications', 0, 'retry', 'initialDelay'] },
  'notifications[].retry.maxDelay': { base: EXAMPLE, path: ['notifications', 0, 'retry', 'maxDelay'] },
  'notifications[].retry.maxAge': { base: EXAMPLE, path: ['notifications', 0, 'retry', 'maxAge'] },
  'notifications[].timeout': { base: EXAMPLE, path: ['notifications', 0, 'timeout'] },
  'discovery.interval': { base: EXAMPLE, path: ['discovery', 'interval'] },
  'api.requestTimeout': { base: EXAMPLE, path: ['api', 'requestTimeout'] },
  'dr.consistencyGroups[].rpo': { base: DR_EXAMPLE, path: ['dr', 'consistencyGroups', 0, 'rpo'] },
  'dr.coordination.gatherWindow': { base: DR_EXAMPLE, path: ['dr', 'coordination', 'gatherWindow'] },
  'dr.coordination.verifyStagger': { base: DR_EXAMPLE, path: ['dr', 'coordination', 'verifyStagger'] },
} as Record<BoundedDurationPath, { base: string; path: Array<string | number> }>;

/** `hostGroups[0].recovery.pollInterval` as ConfigError prints it. */
const printed = (path: Array<string | number>) =>
  path.map((p, i) => (typeof p === 'number' ? `\\[${p}\\]` : i === 0 ? p : `\\.${p}`)).join('');

describe('configuration bounds', () => {
  it('refuses what issue 15 saw accepted: pollInterval 0, approvalTimeout 99999999999d, port 99999', () => {
    refused(
      replace(EXAMPLE, 'pollInterval: 2s', 'pollInterval: 0'),
      /^lazarus\.yaml:\d+:\d+: hostGroups\[0\]\.recovery\.pollInterval: must be longer than 0$/,
    );
    refused(
      replace(EXAMPLE, 'approvalTimeout: 15m', 'approvalTimeout: 99999999999d'),
      /^lazarus\.yaml:\d+:\d+: hostGroups\[0\]\.recovery\.approvalTimeout: must be at most 7d \(1s to 7d\)$/,
    );
    refused(
      replace(EXAMPLE, 'address: 127.0.0.1:22001', 'address: 127.0.0.1:99999'),
      /^lazarus\.yaml:\d+:\d+: hmcs\[0\]\.address: port 99999 is out of range \(1–65535\)$/,
    );
    refused(
      replace(EXAMPLE, 'address: 127.0.0.1:22002', 'address: "[::1]:0"'),
      /storage\[0\]\.address: port 0 is out of range/,
    );
    refused(replace(EXAMPLE, 'listen: 127.0.0.1:8740', 'listen: 127.0.0.1:70000'), /api\.listen: port 70000/);
  });

  it('holds every duration to its documented range, naming the path', () => {
    for (const [key, bound] of Object.entries(DURATION_BOUNDS) as Array<
      [BoundedDurationPath, (typeof DURATION_BOUNDS)[BoundedDurationPath]]
    >) {
      const where = WHERE[key];
      assert.ok(where, `${key}: say where the test sets it (WHERE above)`);
      const path = printed(where.path);
      refused(withSetting(where.base, where.path, bound.max + 1), new RegExp(`: ${path}: must be at most `));
      refused(withSetting(where.base, where.path, '99999999999d'), new RegExp(`: ${path}: must be at most `));
      refused(withSetting(where.base, where.path, 'soon'), new RegExp(`: ${path}: "soon" is not a duration`));
      if (bound.min > 0) {
        refused(withSetting(where.base, where.path, 0), new RegExp(`: ${path}: must be longer than 0$`));
        if (bound.min > 1)
          refused(withSetting(where.base, where.path, bound.min - 1), new RegExp(`: ${path}: must be at least `));
      }
    }
  });

  it('accepts the ends of each range and the shipped examples', () => {
    for (const example of ['lazarus.yaml', 'lazarus-dr.yaml', 'lazarus-draas.yaml'])
      parseConfigText(readFileSync(new URL(`../../examples/${example}`, import.meta.url), 'utf8'), example);
    const config = parseConfigText(
      withSetting(
        withSetting(EXAMPLE, ['hostGroups', 0, 'recovery', 'approvalTimeout'], '7d'),
        ['discovery', 'interval'],
        '10s',
      ),
      'x',
    );
    assert.equal(config.hostGroups[0]!.recovery.approvalTimeout, 7 * 86_400_000);
    assert.equal(config.discovery.interval, 10_000);
  });

  it('documents every bound and every cross-setting rule in the README', () => {
    for (const [key, bound] of Object.entries(DURATION_BOUNDS)) {
      const row = README.split('\n').find((line) => line.startsWith(`| \`${key}\` |`));
      assert.ok(row, `README lists ${key}`);
      assert.ok(row.includes(`| ${formatMs(bound.min)} | ${formatMs(bound.max)} |`), `README gives ${key}'s range`);
    }
    for (const rule of CROSS_SETTING_RULES) {
      const setting = rule.split(' ')[0]!;
      assert.ok(README.includes(`\`${setting}`), `README states the rule on ${setting}`);
    }
  });

  it('refuses cron strings that do not parse', () => {
    refused(
      replace(EXAMPLE, 'capacityCheckCron: "0 3 * * *"', 'capacityCheckCron: "0 25 * * *"'),
      /discovery\.capacityCheckCron: "0 25 \* \* \*" is not a cron expression/,
    );
    refused(
      replace(EXAMPLE, 'capacityCheckCron: "0 3 * * *"', 'capacityCheckCron: "daily"'),
      /discovery\.capacityCheckCron: "daily" has 1 fields/,
    );
  });
});

describe('settings that contradict each other', () => {
  const group = ['hostGroups', 0] as const;
  it('a flap guard that can never fire: flapWindow ≤ interval × flapLimit', () => {
    let text = withSetting(EXAMPLE, [...group, 'monitoring', 'interval'], '10m');
    text = withSetting(text, [...group, 'monitoring', 'flapLimit'], 6);
    refused(
      withSetting(text, [...group, 'monitoring', 'flapWindow'], '1h'),
      /hostGroups\[0\]\.monitoring\.flapWindow: must be longer than interval × flapLimit \(10m × 6 = 1h\)/,
    );
    parseConfigText(withSetting(text, [...group, 'monitoring', 'flapWindow'], '1h1m'), 'x');
  });

  it('a heartbeat timeout no longer than the check that reads it', () => {
    const text = withSetting(EXAMPLE, ['agents', 'checkInterval'], '30s');
    refused(
      withSetting(text, ['policies', 2, 'health', 'heartbeatTimeout'], '30s'),
      /policies\[2\]\.health\.heartbeatTimeout: must be longer than agents\.checkInterval \(30s\)/,
    );
    refused(
      withSetting(text, ['policies', 2, 'health', 'bootTimeout'], '20s'),
      /policies\[2\]\.health\.bootTimeout: must be longer than agents\.checkInterval/,
    );
    const withTokens = withSetting(
      withSetting(EXAMPLE, ['agents', 'checkInterval'], '2m'),
      ['agents', 'tokens'],
      [{ name: 'all', token: 'env:LAZARUS_AGENT_TOKEN', group: 'dc1-prod' }],
    );
    refused(withTokens, /agents\.checkInterval: must be shorter than the default heartbeatTimeout \(1m30s\)/);
  });

  it('a poll no faster than the deadline it waits for (a step or the fence)', () => {
    refused(
      withSetting(
        replace(EXAMPLE, 'pollInterval: 2s', 'pollInterval: 30s'),
        [...group, 'recovery', 'stepTimeouts', 'boot'],
        '20s',
      ),
      /hostGroups\[0\]\.recovery\.pollInterval: must be shorter than stepTimeouts\.boot \(20s\)/,
    );
    refused(
      replace(replace(EXAMPLE, 'pollInterval: 2s', 'pollInterval: 5s'), 'fenceDeadline: 3m', 'fenceDeadline: 5s'),
      /hostGroups\[0\]\.recovery\.pollInterval: must be shorter than fenceDeadline \(5s\)/,
    );
  });

  it('notification retries: maxDelay beyond maxAge, an attempt longer than maxAge', () => {
    refused(
      withSetting(EXAMPLE, ['notifications', 0, 'retry'], { maxDelay: '2h', maxAge: '1h' }),
      /notifications\[0\]\.retry\.maxDelay: must not be longer than maxAge \(1h\)/,
    );
    refused(
      withSetting(
        withSetting(EXAMPLE, ['notifications', 0, 'retry'], { maxAge: '1m', maxDelay: '30s' }),
        ['notifications', 0, 'timeout'],
        '1m',
      ),
      /notifications\[0\]\.timeout: must be shorter than retry\.maxAge \(1m\)/,
    );
  });
});

describe('start-after cycles decided by the file alone', () => {
  // After the example's own policies: its `dc1-app*` entry sets `startAfter: []`, which a later entry replaces.
  const policies = (lines: string) => replace(EXAMPLE, '\nnotifications:', `${lines}\nnotifications:`);

  it('refuses a cycle through a pattern that matches a named VM', () => {
    refused(
      policies(
        '  - { match: { pattern: "dc1-app*" }, startAfter: [dc1-db01] }\n' +
          '  - { match: { name: dc1-db01 }, startAfter: [dc1-app02] }\n',
      ),
      new RegExp(
        '^lazarus\\.yaml:\\d+:\\d+: policies\\[9\\]\\.startAfter\\[0\\]: start-after cycle in host group dc1-prod: ' +
          'dc1-app02 after dc1-db01 \\(policies\\[9\\]\\), dc1-db01 after dc1-app02 \\(policies\\[10\\]\\)',
      ),
    );
  });

  it('refuses a cycle through a collocation group', () => {
    refused(
      policies(
        '  - { match: { name: dc1-web01 }, collocationGroup: web, startAfter: [dc1-db01] }\n' +
          '  - { match: { name: dc1-db01 }, startAfter: [dc1-web02] }\n' +
          '  - { match: { name: dc1-web02 }, collocationGroup: web }\n',
      ),
      new RegExp(
        'policies\\[9\\]\\.startAfter\\[0\\]: start-after cycle in host group dc1-prod ' +
          'through collocation group web: ' +
          'dc1-web01 \\[collocation group web\\] after dc1-db01 \\(policies\\[9\\]\\), ' +
          'dc1-db01 after dc1-web02 \\[collocation group web\\] \\(policies\\[10\\]\\); ' +
          'a collocation group restarts as one',
      ),
    );
  });

  it('accepts a chain through a pattern, and a wait inside one collocation group', () => {
    parseConfigText(
      policies(
        '  - { match: { pattern: "dc1-app*" }, startAfter: [dc1-db01] }\n' +
          '  - { match: { name: dc1-db01 }, startAfter: [dc1-mq01] }\n' +
          '  - { match: { name: dc1-web01 }, collocationGroup: web, startAfter: [dc1-web02] }\n' +
          '  - { match: { name: dc1-web02 }, collocationGroup: web }\n',
      ),
      'x',
    );
  });
});

describe('loading', () => {
  it("names the file of a YAML alias bomb (the yaml library's error had no file)", () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++) {
      const [self, previous] = [String.fromCharCode(97 + i), String.fromCharCode(96 + i)];
      lines.push(`${self}: &${self} [${Array<string>(9).fill(`*${previous}`).join(', ')}]`);
    }
    const err = refused(
      lines.join('\n'),
      /^lazarus\.yaml: \(document\): cannot be read as configuration: Excessive alias count/,
    );
    assert.equal(err.source, 'lazarus.yaml');
  });
});

// lazarus.yaml: the annotated example loads; every kind of mistake is an error naming file, line, column and path.
import assert from 'node:assert/strict';
import { failoverPolicy } from '../../domain/failover/index.js';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ConfigError, configPath, parseConfigText, policyFor } from '../../domain/config/index.js';

const EXAMPLE = readFileSync(new URL('../../examples/lazarus.yaml', import.meta.url), 'utf8');

function expectError(text: string, pattern: RegExp): ConfigError {
  try {
    parseConfigText(text, 'lazarus.yaml');
  } catch (err) {
    assert.ok(err instanceof ConfigError, `a ConfigError, got ${String(err)}`);
    assert.match(err.message, pattern);
    return err;
  }
  assert.fail(`expected an error matching ${pattern}`);
}

const replace = (from: string | RegExp, to: string) => {
  const changed = EXAMPLE.replace(from, to);
  assert.notEqual(changed, EXAMPLE, `the example contains ${String(from)}`);
  return changed;
};

describe('configuration', () => {
  it('loads the annotated example with defaults and durations applied', () => {
    const config = parseConfigText(EXAMPLE, 'examples/lazarus.yaml');
    const group = config.hostGroups[0]!;
    assert.equal(group.recovery.approvalTimeout, 15 * 60_000);
    assert.equal(group.recovery.parallelMappingsPerStream, 4);
    assert.equal(config.discovery.interval, 5 * 60_000);
    assert.equal(config.storage[0]!.limits.maxNewConnectionsPerSecond, 5);
  });

  it('names the line, column and path of a schema error', () => {
    const err = expectError(
      replace('mode: advisory', 'mode: sometimes'),
      /^lazarus\.yaml:\d+:\d+: hostGroups\[0\]\.recovery\.mode: /,
    );
    assert.equal(err.line, EXAMPLE.split('\n').findIndex((l) => l.includes('mode: advisory')) + 1);
    expectError(
      replace('approvalTimeout: 15m', 'approvalTimeout: soon'),
      /hostGroups\[0\]\.recovery\.approvalTimeout: "soon" is not a duration/,
    );
    expectError(
      replace('    user: hscroot\n', '    user: hscroot\n    pasword: x\n'),
      /hmcs\[0\]: unknown field "pasword"/,
    );
    expectError(
      replace('credential: secret:hmc-dc1', 'credential: hunter2'),
      /hmcs\[0\]\.credential: must be a credential reference/,
    );
    expectError(
      replace('maxNewConnectionsPerSecond: 5', 'maxNewConnectionsPerSecond: 50'),
      /storage\[0\]\.limits\.maxNewConnectionsPerSecond/,
    );
    expectError(replace('hosts: [dc1-s01, dc1-s02, dc1-s03, dc1-s04]', 'hosts: [dc1-s01]'), /at least two hosts/);
    expectError('hmcs: [\n', /^lazarus\.yaml:\d+:\d+: \(document\): invalid YAML/);
  });

  it('takes the fence deadline and step deadlines, each step shorter than the RTO budget', () => {
    const config = parseConfigText(EXAMPLE, 'x');
    const policy = failoverPolicy(config, 'dc1-prod')!;
    assert.equal(policy.timing.fenceDeadlineMs, 3 * 60_000);
    assert.deepEqual(policy.timing.steps, { mappingMs: 5 * 60_000, remoteRestartMs: 5 * 60_000, bootMs: 15 * 60_000 });
    expectError(
      replace('        boot: 15m\n', '        boot: 45m\n'),
      /stepTimeouts\.boot: must be shorter than rtoBudget/,
    );
    expectError(replace('      fenceDeadline: 3m ', '      fenceDeadline: 0 '), /fenceDeadline: must be longer than 0/);
    const defaults = parseConfigText(
      EXAMPLE.replace(/ {6}fenceDeadline:[^\n]*\n(?: {38}#[^\n]*\n)?/, '')
        .replace(/ {6}stepTimeouts:[\s\S]*?boot: 15m\n/, '')
        .replace('rtoBudget: 30m', 'rtoBudget: 10m'),
      'x',
    );
    const capped = failoverPolicy(defaults, 'dc1-prod')!;
    assert.equal(capped.timing.fenceDeadlineMs, 3 * 60_000, 'the default fence deadline');
    assert.equal(capped.timing.steps.bootMs, 10 * 60_000, 'a default step deadline is capped at the RTO budget');
  });

  it('rejects references that do not resolve', () => {
    expectError(
      replace('    hmcs: [hmc-dc1, hmc-dc1b]  ', '    hmcs: [hmc-dc1, hmc-dc9]  '),
      /hostGroups\[0\]\.hmcs\[1\]: unknown HMC "hmc-dc9"/,
    );
    expectError(
      replace('    storage: svc-dc1\n    hosts', '    storage: svc-dc9\n    hosts'),
      /hostGroups\[0\]\.storage: unknown storage system "svc-dc9"/,
    );
    expectError(replace('    site: dc1\n', '    site: dc7\n'), /hostGroups\[0\]\.site: unknown site "dc7"/);
    expectError(
      replace('    hmcs: [hmc-dc1, hmc-dc1b]\n', '    hmcs: [hmc-dc2, hmc-dc1b]\n'),
      /sites\[0\]\.hmcs\[0\]: unknown HMC "hmc-dc2"/,
    );
    expectError(
      replace('  - match: { pattern: "dc1-mq*" }\n', '  - match: { pattern: "dc1-mq*" }\n    groups: [dc9-prod]\n'),
      /policies\[5\]\.groups\[0\]: unknown host group "dc9-prod"/,
    );
    expectError(
      replace('hosts: [dc1-s01, dc1-s02, dc1-s03, dc1-s04]', 'hosts: [dc1-s01, dc1-s02, dc1-s01]'),
      /host "dc1-s01" is listed twice/,
    );
    expectError(replace('knownHostsFile: .lazarus/known_hosts\n', ''), /hmcs\[0\]\.hostKey: a host key is required/);
  });

  it('rejects a host in two groups and a start-after cycle', () => {
    const twoGroups = `${EXAMPLE}`.replace(
      'hostGroups:\n',
      'hostGroups:\n  - { name: other, site: dc1, hmc: hmc-dc1, storage: svc-dc1, hosts: [dc1-s04, dc1-s05] }\n',
    );
    expectError(twoGroups, /host "dc1-s04" is already in host group "other"/);
    const cycle = `${EXAMPLE}\n`.replace(
      'policies:\n',
      'policies:\n  - { match: { name: a }, startAfter: [b] }\n  - { match: { name: b }, startAfter: [c] }\n  - { match: { name: c }, startAfter: [a] }\n',
    );
    expectError(cycle, /start-after dependency cycle: a → b → c → a/);
  });

  it('applies policies by pattern, name, tag and group scope, later ones refining earlier ones', () => {
    const config = parseConfigText(EXAMPLE, 'x');
    assert.equal(policyFor(config, { name: 'dc1-db01', group: 'dc1-prod' }).priority, 'critical');
    assert.equal(policyFor(config, { name: 'dc1-db01', group: 'dc1-prod' }).antiCollocationGroup, 'db-pair-a');
    assert.equal(policyFor(config, { name: 'dc1-db03', group: 'dc1-prod' }).antiCollocationGroup, 'db-pair-b');
    assert.equal(policyFor(config, { name: 'dc1-web01', group: 'dc1-prod' }).allowReducedSize, true);
    assert.equal(policyFor(config, { name: 'other', group: 'dc1-prod' }).priority, 'medium');
  });

  it('finds the config file from --config, LAZARUS_CONFIG or the default', () => {
    assert.equal(configPath(['node', 'x', '--config', 'a.yaml'], {}), 'a.yaml');
    assert.equal(configPath(['node', 'x', '--config=b.yaml'], {}), 'b.yaml');
    assert.equal(configPath(['node', 'x'], { LAZARUS_CONFIG: 'c.yaml' }), 'c.yaml');
    assert.equal(configPath(['node', 'x'], {}), 'lazarus.yaml');
  });
});

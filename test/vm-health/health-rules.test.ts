// The pure rules of VM health: configuration (agents and per-VM health policy, with precise errors), the policy a
// VM gets, which VMs an agent token covers, and which heartbeats make a VM a restart candidate.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ConfigError, parseConfigText } from '../../domain/config/index.js';
import {
  afterCheck,
  beforeCheck,
  DEFAULT_VM_HEALTH,
  heardFrom,
  healthCandidates,
  heartbeatBodySchema,
  tokenCovers,
  vmHealthPolicy,
  type VmHeartbeat,
} from '../../domain/vm-health/index.js';

const EXAMPLE = readFileSync(new URL('../../examples/lazarus.yaml', import.meta.url), 'utf8');
const withAgents = (agents: string, policies = '') =>
  `${EXAMPLE.replace('policies:\n', `policies:\n${policies}`)}\nagents:\n${agents}`;

function configError(text: string): string {
  try {
    parseConfigText(text, 'lazarus.yaml');
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.message;
  }
  assert.fail('expected a ConfigError');
}

describe('VM health configuration', () => {
  it('reads agent tokens and per-VM health fields, refining in order over the defaults', () => {
    const config = parseConfigText(
      withAgents(
        '  checkInterval: 5s\n  tokens:\n    - { name: dbs, token: env:DB_AGENT, vms: ["dc1-db*"] }\n' +
          '    - { name: prod, token: "file:/etc/lazarus/prod.token", group: dc1-prod }\n',
        '  - match: { pattern: "dc1-*" }\n    health: { heartbeatTimeout: 2m, restartLimit: 5 }\n' +
          '  - match: { name: dc1-db01 }\n    health: { action: alert, appFailureThreshold: 2 }\n',
      ),
      'lazarus.yaml',
    );
    assert.equal(config.agents.checkInterval, 5_000);
    assert.deepEqual(
      config.agents.tokens.map((t) => [t.name, t.vms ?? t.group]),
      [
        ['dbs', ['dc1-db*']],
        ['prod', 'dc1-prod'],
      ],
    );
    assert.deepEqual(vmHealthPolicy(config, { name: 'dc1-db01', group: 'dc1-prod' }), {
      ...DEFAULT_VM_HEALTH,
      heartbeatTimeoutMs: 120_000,
      restartLimit: 5,
      action: 'alert',
      appFailureThreshold: 2,
    });
    assert.deepEqual(vmHealthPolicy(config, { name: 'other', group: 'dc1-prod' }), DEFAULT_VM_HEALTH);
    assert.deepEqual(parseConfigText(EXAMPLE, 'x').agents, { checkInterval: 15_000, resumeGrace: 300_000, tokens: [] });
  });

  it('names the field of every mistake', () => {
    assert.match(
      configError(withAgents('  tokens:\n    - { name: a, token: plain-secret-in-the-file, group: dc1-prod }\n')),
      /agents\.tokens\[0\]\.token: must be a credential reference/,
    );
    assert.match(
      configError(withAgents('  tokens:\n    - { name: a, token: env:A }\n')),
      /agents\.tokens\[0\]\.vms: give exactly one of vms or group/,
    );
    assert.match(
      configError(withAgents('  tokens:\n    - { name: a, token: env:A, group: nowhere }\n')),
      /agents\.tokens\[0\]\.group: unknown host group "nowhere"/,
    );
    assert.match(
      configError(
        withAgents(
          '  tokens:\n    - { name: a, token: env:A, group: dc1-prod }\n    - { name: a, token: env:B, vms: [x] }\n',
        ),
      ),
      /agents\.tokens\[1\]\.name: duplicate agent token name "a"/,
    );
    assert.match(
      configError(withAgents('  tokens: []\n', '  - match: { name: x }\n    health: { heartbeatTimeout: soon }\n')),
      /policies\[0\]\.health\.heartbeatTimeout: "soon" is not a duration/,
    );
    assert.match(
      configError(withAgents('  tokens: []\n', '  - match: { name: x }\n    health: { action: reboot }\n')),
      /policies\[0\]\.health\.action: /,
    );
    assert.match(
      configError(withAgents('  tokens: []\n', '  - match: { name: x }\n    health: { restartsPerHour: 3 }\n')),
      /policies\[0\]\.health: .*restartsPerHour/,
    );
  });
});

describe('agent token scope', () => {
  it('covers the VMs a token names (glob) or every VM of its group, nothing else', () => {
    const named = { name: 'dbs', vms: ['dc1-db*', 'dc1-mq01'] };
    assert.equal(tokenCovers(named, 'dc1-db07', 'dc1-prod'), true);
    assert.equal(tokenCovers(named, 'dc1-mq01', undefined), true);
    assert.equal(tokenCovers(named, 'dc1-mq011', 'dc1-prod'), false);
    assert.equal(tokenCovers(named, 'dc1-app01', 'dc1-prod'), false);
    const group = { name: 'prod', group: 'dc1-prod' };
    assert.equal(tokenCovers(group, 'anything', 'dc1-prod'), true);
    assert.equal(tokenCovers(group, 'anything', 'dc1-test'), false);
    assert.equal(tokenCovers(group, 'anything', undefined), false);
  });
});

describe('heartbeat body', () => {
  it('accepts the documented shape and names the bad field', () => {
    const ok = heartbeatBodySchema.parse({ vm: 'dc1-db01', apps: [{ name: 'oracle', status: 'failed', detail: 'x' }] });
    assert.equal(ok.apps.length, 1);
    assert.deepEqual(heartbeatBodySchema.parse({ vm: 'dc1-db01' }).apps, []);
    const issues = (body: unknown) =>
      heartbeatBodySchema.safeParse(body).error?.issues.map((i) => i.path.join('.')) ?? [];
    assert.deepEqual(issues({ vm: 'a b' }), ['vm']);
    assert.deepEqual(issues({ vm: 'x', sentAt: 'yesterday' }), ['sentAt']);
    assert.deepEqual(issues({ vm: 'x', apps: [{ name: 'a', status: 'fine' }] }), ['apps.0.status']);
    assert.deepEqual(
      issues({
        vm: 'x',
        apps: [
          { name: 'a', status: 'ok' },
          { name: 'a', status: 'ok' },
        ],
      }),
      ['apps'],
    );
    assert.deepEqual(
      issues({ vm: 'x', apps: Array.from({ length: 65 }, (_, i) => ({ name: `a${i}`, status: 'ok' })) }),
      ['apps'],
    );
  });
});

describe('health candidates', () => {
  const now = Date.UTC(2026, 10, 30, 3, 0, 0);
  const beat = (vm: string, secondsAgo: number, failures = 0): VmHeartbeat => ({
    vm,
    group: 'g',
    agent: 'a',
    receivedAt: new Date(now - secondsAgo * 1000).toISOString(),
    firstReceivedAt: new Date(now - 3_600_000).toISOString(),
    apps: [
      {
        name: 'app',
        status: failures > 0 ? 'failed' : 'ok',
        consecutiveFailures: failures,
        ...(failures > 0 ? { failingSince: new Date(now - 60_000).toISOString() } : {}),
        reportedAt: new Date(now - secondsAgo * 1000).toISOString(),
      },
    ],
  });
  const policy = () => ({ heartbeatTimeoutMs: 90_000, appFailureThreshold: 3 });

  it('finds silent VMs past their timeout and applications failed N times in a row; silence wins', () => {
    const found = healthCandidates(
      [beat('fresh', 0), beat('edge', 90), beat('silent', 91, 5), beat('failing', 10, 3), beat('flaky', 10, 2)],
      policy,
      now,
    );
    assert.deepEqual(
      found.map((c) => [c.vm, c.reason.kind]),
      [
        ['silent', 'heartbeat-lost'],
        ['failing', 'app-failed'],
      ],
    );
    const [silent, failing] = found;
    // Every agent silent at once (the newest other heartbeat is older than the silence): nobody is a candidate yet.
    assert.deepEqual(
      healthCandidates([beat('a', 100), beat('b', 95)], policy, now).map((c) => c.vm),
      [],
      'no other VM got through after a or b became overdue',
    );
    assert.deepEqual(
      healthCandidates([beat('a', 100), beat('b', 5)], policy, now).map((c) => c.vm),
      ['a'],
    );
    assert.equal(silent!.episode, `silent-since ${beat('silent', 91).receivedAt}`);
    assert.match(failing!.episode, /^app app failing-since /);
  });
});

describe('outage guard', () => {
  const t0 = Date.UTC(2026, 10, 30, 3, 0, 0);
  const iso = (ms: number) => new Date(ms).toISOString();

  it('counts silence from the grace after a resumption only', () => {
    const beats = [
      {
        vm: 'quiet',
        group: 'g',
        agent: 'a',
        receivedAt: iso(t0 - 3_600_000),
        firstReceivedAt: iso(t0 - 7_200_000),
        apps: [],
      },
    ];
    const policy = () => ({ heartbeatTimeoutMs: 90_000, appFailureThreshold: 3 });
    const from = heardFrom({ resumedAt: t0 }, 300_000);
    assert.equal(from, iso(t0 + 300_000));
    assert.deepEqual(healthCandidates(beats, policy, t0 + 380_000, from), [], 'within grace + timeout');
    assert.equal(healthCandidates(beats, policy, t0 + 391_000, from).length, 1, 'silent past grace + timeout');
    assert.equal(healthCandidates(beats, policy, t0 + 10_000).length, 1, 'no resumption: from its last heartbeat');
    assert.equal(heardFrom({}, 300_000), undefined);
  });

  it('turns a gap in its own checks into a resumption', () => {
    assert.deepEqual(beforeCheck({ lastCheckAt: t0 }, 10_000, t0 + 10_500), { lastCheckAt: t0 + 10_500 });
    assert.deepEqual(beforeCheck({ lastCheckAt: t0 }, 10_000, t0 + 600_000), {
      lastCheckAt: t0 + 600_000,
      resumedAt: t0 + 600_000,
    });
  });

  it('holds back during a blackout of two or more VMs, alerts once, and resumes when heartbeats flow', () => {
    const reading = (newestSecondsAgo: number, watched = 3) => ({
      watched,
      newestHeartbeatAt: iso(t0 - newestSecondsAgo * 1000),
      shortestTimeoutMs: 90_000,
    });
    assert.deepEqual(afterCheck({}, reading(10), t0), { state: {}, blackout: false, began: false });
    assert.equal(afterCheck({}, reading(120, 1), t0).blackout, false, 'one VM silent is that VM, not a blackout');
    const began = afterCheck({}, reading(120), t0);
    assert.deepEqual(began, { state: { blackoutSince: t0 - 120_000 }, blackout: true, began: true });
    const still = afterCheck(began.state, reading(180), t0 + 60_000);
    assert.deepEqual([still.blackout, still.began], [true, false]);
    const resumed = afterCheck(still.state, { ...reading(0), newestHeartbeatAt: iso(t0 + 119_000) }, t0 + 120_000);
    assert.deepEqual(resumed, { state: { resumedAt: t0 + 120_000 }, blackout: false, began: false });
  });
});

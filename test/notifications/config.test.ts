// The `notifications:` section of lazarus.yaml: defaults, and a precise error (file, line, path, problem) for each
// mistake an operator can make: a URL that is not http(s), an e-mail channel without its server or recipients, an
// unknown level or event, a zero duration, a secret pasted inline instead of referenced.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ConfigError, parseConfigText } from '../../domain/config/index.js';
import { NOTIFICATION_EVENTS } from '../../domain/notifications/index.js';

const EXAMPLE = readFileSync(new URL('../../examples/lazarus.yaml', import.meta.url), 'utf8');

/** examples/lazarus.yaml with its notifications section replaced by `block` (YAML list items, 2-space indented). */
function withNotifications(block: string) {
  const text = EXAMPLE.replace(/^notifications:.*\n(?:(?: .*)?\n)*/m, `notifications:\n${block}\n`);
  assert.notEqual(text, EXAMPLE, 'the example has a notifications section to replace');
  return parseConfigText(text, 'lazarus.yaml');
}

function problem(block: string): string {
  try {
    withNotifications(block);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return `${error.path.join('.')}: ${error.problem}`;
  }
  assert.fail('the configuration was accepted');
}

describe('notifications configuration', () => {
  it('parses webhook, email and log channels with their defaults', () => {
    const config = withNotifications(
      [
        '  - name: pager',
        '    kind: webhook',
        '    url: https://alerts.example.com/hooks/lazarus',
        '    secret: env:LAZARUS_WEBHOOK_SECRET',
        '    level: critical',
        '    events: [host-failed, hmc-pair-lost, vm-restart-failed]',
        '  - name: ops-mail',
        '    kind: email',
        '    host: smtp.example.com',
        '    from: lazarus@example.com',
        '    to: [oncall@example.com]',
        '    auth: { user: lazarus, password: "secret:smtp" }',
        '    rateLimit: { max: 5, window: 10m }',
        '    retry: { attempts: 3, initialDelay: 30s }',
        '  - name: ops-log',
        '    kind: log',
      ].join('\n'),
    );
    const [pager, mail, log] = config.notifications;
    assert.deepEqual(pager, {
      name: 'pager',
      kind: 'webhook',
      url: 'https://alerts.example.com/hooks/lazarus',
      secret: 'env:LAZARUS_WEBHOOK_SECRET',
      level: 'critical',
      events: ['host-failed', 'hmc-pair-lost', 'vm-restart-failed'],
      dedupeWindow: 600_000,
      rateLimit: { max: 20, window: 300_000 },
      retry: { attempts: 10, initialDelay: 5_000, maxDelay: 600_000, maxAge: 86_400_000 },
      timeout: 10_000,
    });
    assert.equal(mail?.kind, 'email');
    assert.deepEqual(mail?.kind === 'email' && [mail.port, mail.secure, mail.rateLimit, mail.retry], [
      587,
      false,
      { max: 5, window: 600_000 },
      { attempts: 3, initialDelay: 30_000, maxDelay: 600_000, maxAge: 86_400_000 },
    ]);
    assert.equal(log?.level, 'info');
  });

  it('accepts every event kind of the shared list, the monitors and VM health included', () => {
    const config = withNotifications(
      ['  - name: all', '    kind: log', `    events: [${NOTIFICATION_EVENTS.join(', ')}]`].join('\n'),
    );
    assert.deepEqual(config.notifications[0]!.events, [...NOTIFICATION_EVENTS]);
  });

  it('names the field and the mistake', () => {
    const webhook = (extra: string) =>
      `  - name: hook\n    kind: webhook\n    url: https://x.example/h\n    secret: env:HOOK_SECRET\n${extra}`;
    const cases: Array<[string, RegExp]> = [
      [
        '  - name: hook\n    kind: webhook\n    url: ftp://x.example/h\n    secret: env:S',
        /^notifications\.0\.url: must be an http:\/\/ or https:\/\/ URL$/,
      ],
      [
        '  - name: hook\n    kind: webhook\n    url: https://x.example/h',
        /^notifications\.0\.secret: a webhook needs a secret to sign with/,
      ],
      [
        '  - name: hook\n    kind: webhook\n    url: https://x.example/h\n    secret: hunter2-the-real-secret',
        /^notifications\.0\.secret: must be a credential reference: env:NAME, file:\/path or secret:KEY \(never the/,
      ],
      [webhook('    level: debug'), /^notifications\.0\.level: .*"info"\|"warning"\|"critical"/],
      [webhook('    events: [host-exploded]'), /^notifications\.0\.events\.0: .*"host-failed"/],
      [webhook('    dedupeWindow: soon'), /^notifications\.0\.dedupeWindow: "soon" is not a duration/],
      [webhook('    timeout: 0s'), /^notifications\.0\.timeout: must be longer than 0$/],
      [webhook('    rateLimit: { max: 0 }'), /^notifications\.0\.rateLimit\.max: /],
      [
        webhook('    retry: { initialDelay: 1h, maxDelay: 1m }'),
        /^notifications\.0\.retry\.initialDelay: must not be longer than maxDelay$/,
      ],
      [
        '  - name: mail\n    kind: email\n    host: smtp.example.com\n    from: a@example.com',
        /^notifications\.0\.to: an email channel needs recipients/,
      ],
      [
        '  - name: mail\n    kind: email\n    host: smtp.example.com\n    to: [b@example.com]',
        /^notifications\.0\.from: an email channel needs a from address$/,
      ],
      [
        '  - name: mail\n    kind: email\n    from: a@example.com\n    to: [b@example.com]',
        /^notifications\.0\.host: an email channel needs the host of its SMTP server$/,
      ],
      [
        '  - name: mail\n    kind: email\n    host: smtp.example.com\n    from: a@example.com\n    to: [oncall]',
        /^notifications\.0\.to\.0: must be an e-mail address \(user@domain\)$/,
      ],
      [
        '  - name: mail\n    kind: email\n    host: s\n    from: a@x.y\n    to: [b@x.y]\n' +
          '    auth: { user: u, password: pw123 }',
        /^notifications\.0\.auth\.password: must be a credential reference/,
      ],
      ['  - name: pager\n    kind: sms', /^notifications\.0\.kind: .*'log' \| 'webhook' \| 'email'/],
      [
        '  - name: a\n    kind: log\n  - name: a\n    kind: log',
        /^notifications\.1\.name: duplicate notification name "a"/,
      ],
    ];
    for (const [block, expected] of cases) assert.match(problem(block), expected, block);
  });
});

// `npm start` with a configuration it cannot run refuses before it starts anything (issue 15): an unresolvable
// secret of any kind, a missing known_hosts or key file, port 99999, a YAML alias bomb — each said with the config
// path and the file, and the process exits 1 without having started the Temporal service (before, agent-token and
// notification-secret problems surfaced only after Temporal started, a missing secret let startup say "ready", a
// missing known_hosts was a bare ENOENT and port 99999 hung in discovery).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { findStartupProblems } from '../../bin/startup-checks.js';
import { parseConfigText } from '../../domain/config/index.js';

const EXAMPLE = readFileSync(new URL('../../examples/lazarus.yaml', import.meta.url), 'utf8');

/** Runs bin/lazarus-start.ts with `configFile`; resolves with its exit code and output (killed after 90 s). */
async function start(home: string, configFile: string, env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/lazarus-start.ts'], {
    env: {
      ...process.env,
      LAZARUS_HOME: home,
      LAZARUS_CONFIG: configFile,
      TEMPORAL_ADDRESS: '',
      TEMPORAL_CLI: '',
      LAZARUS_API_TOKEN: '',
      LAZARUS_API_LISTEN: '127.0.0.1:0',
      LAZARUS_DATABASE_URL: '',
      LAZARUS_DATABASE_PATH: '',
      LAZARUS_SECRETS_FILE: join(home, 'secrets.yaml'),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  // Old code went on to start the devserver and could hang in discovery: stop it rather than wait forever.
  const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearTimeout(timer);
  return { code, output };
}

/** Nothing was started: the Temporal service's lines never appear. */
function assertNothingStarted(output: string): void {
  assert.doesNotMatch(output, /Temporal service ready|^Temporal: /m, `nothing may start first:\n${output}`);
  assert.doesNotMatch(output, /Lazarus is ready/);
}

describe('npm start refuses a configuration it cannot run, before starting anything', () => {
  let home: string;
  before(() => {
    home = mkdtempSync(join(tmpdir(), 'lazarus-refusals-'));
    writeFileSync(join(home, 'secrets.yaml'), 'hmc-dc1b: { password: ok }\n', { mode: 0o600 });
  });
  after(() => rmSync(home, { recursive: true, force: true }));

  it('names every unresolvable secret and missing file, with its config path', { timeout: 120_000 }, async () => {
    const missingKey = join(home, 'keys', 'svc_rsa');
    const text = EXAMPLE.replace('knownHostsFile: .lazarus/known_hosts', `knownHostsFile: ${join(home, 'known_hosts')}`)
      .replace('credential: secret:svc-dc1', `credential: file:${missingKey}`)
      .replace(
        '  - name: ops-log\n',
        '  - { name: pager, kind: webhook, url: "https://alerts.example.com/x",\n' +
          '      secret: env:LAZARUS_TEST_UNSET_HOOK }\n' +
          '  - name: ops-log\n',
      )
      .replace(
        'discovery:\n',
        'agents:\n  tokens:\n    - { name: dbs, token: secret:agent-dbs, group: dc1-prod }\ndiscovery:\n',
      );
    const file = join(home, 'lazarus.yaml');
    writeFileSync(file, text);
    const { code, output } = await start(home, file);
    assert.equal(code, 1, output);
    assertNothingStarted(output);
    const secrets = join(home, 'secrets\\.yaml');
    const lines = [
      new RegExp(`knownHostsFile: the known_hosts file ${join(home, 'known_hosts')} does not exist`),
      new RegExp(
        `hmcs\\[0\\]\\.credential: secret:hmc-dc1 cannot be resolved: secrets file ${secrets} has no entry "hmc-dc1"`,
      ),
      new RegExp(`storage\\[0\\]\\.credential: file:${missingKey} cannot be resolved: private key file ${missingKey}`),
      /api\.tokens\[0\]\.token: env:LAZARUS_API_TOKEN cannot be resolved: environment variable LAZARUS_API_TOKEN/,
      new RegExp(
        `agents\\.tokens\\[0\\]\\.token: secret:agent-dbs cannot be resolved: secrets file ${secrets} has no entry`,
      ),
      /notifications\[0\]\.secret: env:LAZARUS_TEST_UNSET_HOOK cannot be resolved/,
    ];
    for (const line of lines) assert.match(output, new RegExp(`lazarus\\.yaml:\\d+:\\d+: ${line.source}`), output);
    assert.match(output, /lazarus: cannot start: .*lazarus\.yaml: 6 problems to fix before Lazarus can start/);
    assert.doesNotMatch(output, /hmcs\[1\]/, 'the HMC whose secret resolves is not named');
    assert.doesNotMatch(output, /^Error: ENOENT/m, 'no bare ENOENT');
  });

  it('refuses port 99999 and a YAML alias bomb, naming the file', { timeout: 120_000 }, async () => {
    const port = join(home, 'port.yaml');
    writeFileSync(port, EXAMPLE.replace('address: 127.0.0.1:22001', 'address: 127.0.0.1:99999'));
    const refusedPort = await start(home, port);
    assert.equal(refusedPort.code, 1, refusedPort.output);
    assertNothingStarted(refusedPort.output);
    const portLine = /port\.yaml:\d+:\d+: hmcs\[0\]\.address: port 99999 is out of range \(1–65535\)/;
    assert.match(refusedPort.output, portLine);

    const bomb = join(home, 'bomb.yaml');
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++) {
      const [self, previous] = [String.fromCharCode(97 + i), String.fromCharCode(96 + i)];
      lines.push(`${self}: &${self} [${Array<string>(9).fill(`*${previous}`).join(', ')}]`);
    }
    writeFileSync(bomb, lines.join('\n'));
    const refusedBomb = await start(home, bomb);
    assert.equal(refusedBomb.code, 1, refusedBomb.output);
    assertNothingStarted(refusedBomb.output);
    assert.match(refusedBomb.output, new RegExp(`lazarus: cannot start: ${bomb}: \\(document\\): cannot be read`));
  });
});

describe('startup checks of tokens (in process)', () => {
  it('refuses an agent token equal to an API token, a short one, and an API token in a file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lazarus-tokens-'));
    try {
      const tokenFile = join(dir, 'api-token');
      writeFileSync(tokenFile, 'an-api-token-in-a-file');
      writeFileSync(join(dir, 'known_hosts'), '127.0.0.1 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB0c\n');
      const text = EXAMPLE.replace(
        'knownHostsFile: .lazarus/known_hosts',
        `knownHostsFile: ${join(dir, 'known_hosts')}`,
      )
        .replace(
          '      role: admin ',
          `      role: admin\n    - { name: filed, token: "file:${tokenFile}", role: viewer }\n     `,
        )
        .replace(
          'discovery:\n',
          'agents:\n  tokens:\n' +
            '    - { name: same, token: env:SAME_AS_API, group: dc1-prod }\n' +
            '    - { name: short, token: env:SHORT_AGENT, group: dc1-prod }\n' +
            'discovery:\n',
        );
      const env = {
        LAZARUS_API_TOKEN: 'operator-token-0123456789',
        SAME_AS_API: 'operator-token-0123456789',
        SHORT_AGENT: 'short',
        LAZARUS_SECRETS_FILE: join(dir, 'secrets.yaml'),
      };
      writeFileSync(
        env.LAZARUS_SECRETS_FILE,
        ['hmc-dc1', 'hmc-dc1b', 'svc-dc1'].map((k) => `${k}: { password: x }\n`).join(''),
      );
      const problems = findStartupProblems(parseConfigText(text, 'x'), env).map(
        (p) => `${p.path.join('.')}: ${p.message}`,
      );
      assert.deepEqual(problems, [
        `api.tokens.1.token: file:${tokenFile} must resolve to a value (env: or a secret's password), not a file`,
        'agents.tokens.0.token: the same secret as api.tokens[0] (operator): give agents their own tokens',
        'agents.tokens.1.token: env:SHORT_AGENT: the token must be at least 16 characters',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

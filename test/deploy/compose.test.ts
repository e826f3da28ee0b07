// docker-compose.yml must describe a real Temporal Service on PostgreSQL plus the Temporal UI, and be valid for
// docker-compose itself (Debian's docker-compose package; .ci/run installs it, so CI always checks).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';

const composeFile = new URL('../../docker-compose.yml', import.meta.url);

interface ComposeService {
  image?: string;
  environment?: Record<string, string>;
  ports?: string[];
  depends_on?: unknown;
}

test('compose runs Temporal on PostgreSQL with the UI, all on loopback ports', () => {
  const compose = parse(readFileSync(composeFile, 'utf8')) as { services: Record<string, ComposeService> };
  const { postgresql, temporal, 'temporal-ui': ui } = compose.services;
  assert.ok(postgresql && temporal && ui, 'services postgresql, temporal and temporal-ui are declared');
  assert.match(postgresql.image ?? '', /^postgres:\d+/);
  assert.match(temporal.image ?? '', /^temporalio\/auto-setup:\d+\.\d+\.\d+$/);
  assert.equal(temporal.environment?.DB, 'postgres12');
  assert.equal(temporal.environment?.POSTGRES_SEEDS, 'postgresql');
  assert.deepEqual(temporal.ports, ['127.0.0.1:7233:7233']);
  assert.match(ui.image ?? '', /^temporalio\/ui:\d+\.\d+\.\d+$/);
  assert.equal(ui.environment?.TEMPORAL_ADDRESS, 'temporal:7233');
});

const dockerCompose = spawnSync('docker-compose', ['version'], { encoding: 'utf8' });
const haveDockerCompose = dockerCompose.status === 0;

test(
  'docker-compose config accepts the file',
  {
    skip:
      !haveDockerCompose && !process.env.CI
        ? 'docker-compose is not installed (apt-get install docker-compose); CI always runs this'
        : false,
  },
  () => {
    assert.ok(haveDockerCompose, 'docker-compose must be installed in CI (.ci/run installs it)');
    const result = spawnSync('docker-compose', ['-f', composeFile.pathname, 'config', '-q'], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
  },
);

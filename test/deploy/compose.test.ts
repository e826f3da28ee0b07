// The deployment: docker-compose.yml runs Lazarus (the image of ./Dockerfile) beside a real Temporal Service on
// PostgreSQL, the Temporal UI and PostgreSQL, with health checks, a state volume, configuration read-only and secrets
// from a file, on loopback ports that clash with nothing; the file is valid for docker-compose itself (Debian's
// docker-compose package; .ci/run installs it, so CI always checks). The image runs the compiled JavaScript of
// `npm run build`: the build is run here into a scratch directory and its CLI entry point started. Docker itself
// cannot run on the development machines, so the image build is not exercised here.
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { configSchema, parseConfigText } from '../../domain/config/index.js';

const root = new URL('../../', import.meta.url).pathname;
const read = (path: string) => readFileSync(join(root, path), 'utf8');

interface ComposeService {
  image?: string;
  build?: unknown;
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  secrets?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}
interface Compose {
  services: Record<string, ComposeService>;
  secrets: Record<string, { file: string }>;
  volumes: Record<string, unknown>;
}
const compose = parse(read('docker-compose.yml')) as Compose;

test('compose runs Temporal on PostgreSQL with the UI', () => {
  const { postgresql, temporal, 'temporal-ui': ui } = compose.services;
  assert.ok(postgresql && temporal && ui, 'services postgresql, temporal and temporal-ui are declared');
  assert.match(postgresql.image ?? '', /^postgres:\d+/);
  assert.match(temporal.image ?? '', /^temporalio\/auto-setup:\d+\.\d+\.\d+$/);
  assert.equal(temporal.environment?.DB, 'postgres12');
  assert.equal(temporal.environment?.POSTGRES_SEEDS, 'postgresql');
  assert.deepEqual(temporal.ports, ['127.0.0.1:7233:7233']);
  assert.match(ui.image ?? '', /^temporalio\/ui:\d+\.\d+\.\d+$/);
  assert.equal(ui.environment?.TEMPORAL_ADDRESS, 'temporal:7233');
  const init = postgresql.volumes?.find((v) => v.includes('/docker-entrypoint-initdb.d/'));
  assert.ok(init && existsSync(join(root, init.split(':')[0]!)), `the PostgreSQL init script exists: ${init}`);
});

test('compose runs Lazarus from the Dockerfile beside them, its inventory in the same PostgreSQL', () => {
  const lazarus = compose.services.lazarus;
  assert.ok(lazarus, 'a lazarus service');
  assert.equal(lazarus.build, '.');
  assert.equal(lazarus.environment?.TEMPORAL_ADDRESS, 'temporal:7233');
  assert.match(lazarus.environment?.LAZARUS_DATABASE_URL ?? '', /^postgres:\/\/lazarus:.+@postgresql:5432\/lazarus$/);
  assert.deepEqual(Object.keys(lazarus.depends_on ?? {}).sort(), ['postgresql', 'temporal']);
  assert.ok(Object.values(lazarus.depends_on ?? {}).every((d) => d.condition === 'service_healthy'));
  // State on a named volume; configuration read-only; secrets from a file, never in the environment.
  assert.ok(lazarus.volumes?.some((v) => /^lazarus-state:\/var\/lib\/lazarus$/.test(v)));
  assert.ok('lazarus-state' in compose.volumes);
  assert.ok(
    lazarus.volumes?.some((v) => /:\/etc\/lazarus:ro$/.test(v)),
    'configuration mounted read-only',
  );
  assert.deepEqual(lazarus.secrets, ['lazarus-secrets']);
  assert.equal(lazarus.environment?.LAZARUS_SECRETS_FILE, '/run/secrets/lazarus-secrets');
  assert.match(compose.secrets['lazarus-secrets']?.file ?? '', /deploy\/secrets\/lazarus-secrets\.yaml/);
  assert.deepEqual(lazarus.healthcheck?.test, ['CMD', 'node', 'deploy/healthcheck.mjs']);
});

test('every service has a health check and its own loopback port, clear of the API default', () => {
  const published = Object.entries(compose.services).flatMap(([name, service]) => {
    assert.ok(service.healthcheck, `${name} has a health check`);
    return (service.ports ?? []).map((port) => {
      const match = /^127\.0\.0\.1:(?:\$\{[A-Z_]+:-)?(\d+)\}?:(\d+)$/.exec(port);
      assert.ok(match, `${name} publishes ${port} on loopback only`);
      return { name, host: Number(match[1]), container: Number(match[2]) };
    });
  });
  const hostPorts = published.map((p) => p.host);
  assert.equal(new Set(hostPorts).size, hostPorts.length, `no two services share a port: ${hostPorts.join(', ')}`);
  // The API's default port (api.listen) is Lazarus's published port, and neither Temporal's (7233, its dev UI 8233)
  // nor the Temporal UI's 8080.
  const defaults = configSchema.shape.api.parse(undefined) as { listen: string };
  const apiPort = Number(defaults.listen.split(':').at(-1));
  assert.deepEqual(
    published.filter((p) => p.name === 'lazarus').map((p) => [p.host, p.container]),
    [[apiPort, apiPort]],
  );
  for (const taken of [7233, 8233, 8080, 5432]) assert.notEqual(apiPort, taken);
});

test('the mounted configuration is valid and its secrets are in the example secrets file', () => {
  const file = join(root, 'deploy/lazarus/lazarus.yaml');
  const config = parseConfigText(readFileSync(file, 'utf8'), file);
  assert.equal(config.knownHostsFile, '/etc/lazarus/known_hosts');
  assert.ok(existsSync(join(root, 'deploy/lazarus/known_hosts')));
  const secrets = parse(read('deploy/secrets/lazarus-secrets.example.yaml')) as Record<string, unknown>;
  const references = [...readFileSync(file, 'utf8').matchAll(/(?:credential|token): secret:([A-Za-z0-9_.-]+)/g)].map(
    (m) => m[1]!,
  );
  assert.ok(references.length >= 4);
  for (const key of references) assert.ok(key in secrets, `secret:${key} has an example entry`);
});

test('the Dockerfile builds compiled JavaScript and runs it as a non-root user with a health check', () => {
  const dockerfile = read('Dockerfile');
  const stages = [...dockerfile.matchAll(/^FROM \S+ AS (\S+)$/gm)].map((m) => m[1]);
  assert.deepEqual(stages, ['build', 'runtime']);
  const runtime = dockerfile.slice(dockerfile.indexOf('AS runtime'));
  assert.match(dockerfile.slice(0, dockerfile.indexOf('AS runtime')), /RUN npm run build/);
  assert.match(runtime, /npm ci --omit=dev/);
  assert.match(runtime, /^USER node$/m);
  assert.match(runtime, /^HEALTHCHECK .*CMD \["node", "deploy\/healthcheck\.mjs"\]$/m);
  assert.match(runtime, /^CMD \["node", "dist\/bin\/lazarus-start\.js"\]$/m);
  assert.doesNotMatch(runtime, /\btsx\b/, 'no TypeScript loader at run time');
  // Whatever the Dockerfile copies from the context exists and is not excluded by .dockerignore.
  const ignored = read('.dockerignore')
    .split('\n')
    .filter((l) => l && !l.startsWith('#'));
  for (const [, source] of dockerfile.matchAll(/^COPY (?!--from)(\S+)/gm)) {
    assert.ok(existsSync(join(root, source!)), `COPY ${source} exists`);
    assert.ok(!ignored.includes(source!.split('/')[0]!), `COPY ${source} is not in .dockerignore`);
  }
});

test(
  'npm run build emits JavaScript that runs: the CLI starts, workflows and migrations are there',
  { timeout: 300_000 },
  () => {
    // A scratch outDir under node_modules/ so that the compiled code resolves the packages as dist/ does.
    const out = mkdtempSync(join(root, 'node_modules', '.lazarus-build-test-'));
    try {
      const tsc = spawnSync(
        process.execPath,
        [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', out],
        {
          cwd: root,
          encoding: 'utf8',
        },
      );
      assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);
      const assets = spawnSync(process.execPath, ['deploy/copy-build-assets.mjs', out], {
        cwd: root,
        encoding: 'utf8',
      });
      assert.equal(assets.status, 0, assets.stderr);
      for (const file of [
        'bin/lazarus-start.js',
        'workflows/index.js',
        'activities/inventory/migrations/sqlite/001_initial.sql',
      ])
        assert.ok(existsSync(join(out, file)), `${file} is in the build`);
      const cli = spawnSync(process.execPath, [join(out, 'bin/lazarus.js'), '--help'], { encoding: 'utf8' });
      assert.equal(cli.status, 0, cli.stderr);
      assert.match(cli.stdout, /Usage: lazarus/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  },
);

test('the container health check passes on 200 from /v1/healthz only', async () => {
  let status = 200;
  const server: Server = createServer((_req, res) => void res.writeHead(status).end('{}'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const check = () =>
    new Promise<number>((resolve) => {
      const env = { ...process.env, LAZARUS_API_LISTEN: `0.0.0.0:${port}` };
      execFile(process.execPath, [join(root, 'deploy/healthcheck.mjs')], { env }, (err) =>
        resolve(err ? Number(err.code) : 0),
      );
    });
  try {
    assert.equal(await check(), 0);
    status = 503;
    assert.equal(await check(), 1);
  } finally {
    server.close();
  }
  assert.equal(await check(), 1, 'nothing listening');
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
    const result = spawnSync('docker-compose', ['-f', join(root, 'docker-compose.yml'), 'config', '-q'], {
      encoding: 'utf8',
    });
    assert.equal(result.status, 0, result.stderr);
  },
);

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type FleetEndpoints, startSimulatedFleet } from '../../simulators/index.js';
import { generateHostKey } from '../../simulators/ssh-device-server.js';
import { SMALL_FLEET, connect, device, execOn } from './helpers.js';
import { labFleet } from './lab-fleet.js';

const root = new URL('../..', import.meta.url).pathname;

describe('SSH endpoints', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'lazarus-sim-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('known_hosts lines and fingerprints match the keys the servers present; a wrong password is refused', async () => {
    const fleet = await startSimulatedFleet({ fleet: labFleet(), timeScale: 0.001 });
    try {
      const lines = fleet.knownHosts().trim().split('\n');
      assert.equal(lines.length, 2);
      for (const endpoint of fleet.endpoints.devices) {
        assert.ok(lines.includes(`[127.0.0.1]:${endpoint.port} ${endpoint.hostKey}`));
        assert.match(endpoint.fingerprint, /^SHA256:[A-Za-z0-9+/]{43}$/);
        const client = await connect(endpoint);
        client.end();
      }
      await assert.rejects(connect(device(fleet, 'hmc-lab'), { password: 'wrong' }), /authentication/i);
    } finally {
      await fleet.stop();
    }
  });

  it('accepts a public key listed in authorizedKeys and refuses another key', async () => {
    const allowed = generateHostKey();
    const other = generateHostKey();
    const spec = labFleet();
    spec.sites[0]!.hmcs[0]!.authorizedKeys = [allowed.publicKey];
    const fleet = await startSimulatedFleet({ fleet: spec, timeScale: 0.001 });
    try {
      const client = await connect(device(fleet, 'hmc-lab'), { privateKey: allowed.privateKey });
      assert.equal((await execOn(client, 'lssyscfg -r sys -F name')).stdout, 'lab-s01\nlab-s02\n');
      client.end();
      await assert.rejects(connect(device(fleet, 'hmc-lab'), { privateKey: other.privateKey }), /authentication/i);
    } finally {
      await fleet.stop();
    }
  });

  it('a stateDir keeps host keys (and ports when free) across restarts', async () => {
    const stateDir = join(dir, 'state');
    const first = await startSimulatedFleet({ fleet: labFleet(), timeScale: 0.001, stateDir });
    const firstHosts = first.knownHosts();
    await first.stop();
    const second = await startSimulatedFleet({ fleet: labFleet(), timeScale: 0.001, stateDir });
    try {
      assert.equal(second.knownHosts(), firstHosts);
      assert.equal(statSync(join(stateDir, 'hmc-lab.key')).mode & 0o777, 0o600);
    } finally {
      await second.stop();
    }
  });

  it('a minimal interactive shell runs one command per line', async () => {
    const fleet = await startSimulatedFleet({ fleet: labFleet(), timeScale: 0.001 });
    const client = await connect(device(fleet, 'svc-lab'));
    try {
      const output = await new Promise<string>((resolve, reject) => {
        client.shell((error, stream) => {
          if (error) return reject(error);
          let text = '';
          stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
          stream.on('close', () => resolve(text));
          stream.write('lshost -delim : -nohdr\nexit\n');
        });
      });
      assert.match(output, /^IBM_2145:svc-lab:superuser>0:lab-s01:4:4:online:/);
    } finally {
      client.end();
      await fleet.stop();
    }
  });

  it('npm run sim writes the endpoints file (mode 0600), serves the fleet and stops on SIGTERM', async () => {
    const endpointsPath = join(dir, 'endpoints.json');
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'simulators/main.ts',
        '--fleet',
        SMALL_FLEET,
        '--endpoints',
        endpointsPath,
        '--time-scale',
        '0.01',
        '--state-dir',
        join(dir, 'sim'),
      ],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      let stdout = '';
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          if (stdout.includes('control API')) resolve();
        });
        child.once('exit', (code) => reject(new Error(`sim exited early with ${code}`)));
      });
      assert.match(stdout, /^hmc hmc-dc1 ssh:\/\/hscroot@127\.0\.0\.1:\d+ SHA256:/m);
      assert.equal(statSync(endpointsPath).mode & 0o777, 0o600);
      const endpoints = JSON.parse(readFileSync(endpointsPath, 'utf8')) as FleetEndpoints;
      assert.deepEqual(
        endpoints.devices.map((d) => [d.kind, d.name]),
        [
          ['hmc', 'hmc-dc1'],
          ['hmc', 'hmc-dc1b'],
          ['svc', 'svc-dc1'],
        ],
      );
      const client = await connect(endpoints.devices[0]!);
      assert.equal((await execOn(client, 'lssyscfg -r sys -F name')).stdout, 'dc1-s01\ndc1-s02\ndc1-s03\ndc1-s04\n');
      client.end();
      const state = await fetch(`${endpoints.control}/violations`);
      assert.deepEqual(await state.json(), []);
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0);
  });

  it('npm run sim reports a bad fleet file by file, line and YAML path, with exit 2', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, readFileSync(SMALL_FLEET, 'utf8').replace('procUnits: 32', 'procUnits: lots'));
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'simulators/main.ts', '--fleet', bad, '--endpoints', join(dir, 'never.json')],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(code, 2);
    assert.match(
      stderr,
      new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+: sites\\[0\\]\\.systems\\[0\\]\\.procUnits: `),
    );
  });
});

// The devices' files when Lazarus is reached other than through `npm start --config` (whose startup checks name
// them first): a worker started alone, a test, a bench. A known_hosts file or private key file that is missing is
// said with the file, its absolute path and the configuration path that names it, never as a bare ENOENT.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DeviceRegistry } from '../../activities/devices.js';
import { DeviceError } from '../../activities/ssh/device-errors.js';
import { KnownHostsFileError } from '../../activities/ssh/known-hosts.js';

type RegistryConfig = ConstructorParameters<typeof DeviceRegistry>[0];

const HOST_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDuWQGZmQTPpEo1CzDkP1b+fh2BDqyv5zWG5D5o2Xn9k';

describe('device files named in errors', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'lazarus-device-files-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('names a missing known_hosts file, its absolute path and knownHostsFile', () => {
    const relativePath = join('.lazarus-test-missing', 'known_hosts');
    const config = { hmcs: [], storage: [], knownHostsFile: relativePath } as unknown as RegistryConfig;
    assert.throws(
      () => new DeviceRegistry(config),
      (err: unknown) => {
        assert.ok(err instanceof KnownHostsFileError, String(err));
        assert.equal(err.code, 'ENOENT');
        assert.equal(
          err.message,
          `knownHostsFile: the known_hosts file ${relativePath} (${resolve(relativePath)}) does not exist: create ` +
            `it (ssh-keyscan -H <device> >> ${relativePath}) or give each device a hostKey`,
        );
        return true;
      },
    );
  });

  it('names an unreadable known_hosts file (a directory) with its code', () => {
    const config = { hmcs: [], storage: [], knownHostsFile: dir } as unknown as RegistryConfig;
    assert.throws(
      () => new DeviceRegistry(config),
      (err: unknown) =>
        err instanceof KnownHostsFileError &&
        err.message === `knownHostsFile: the known_hosts file ${dir} cannot be read (EISDIR)`,
    );
  });

  it("names a missing private key file and the device's credential path at connect", async () => {
    const key = join(dir, 'no-such-key');
    const device = (name: string) => ({
      name,
      address: '127.0.0.1:1',
      user: 'lazarus',
      credential: `file:${key}`,
      hostKey: HOST_KEY,
      limits: { maxConnections: 1, maxSessions: 1, maxNewConnectionsPerSecond: 1 },
    });
    const config = { hmcs: [device('hmc-a'), device('hmc-b')], storage: [device('svc-a')] };
    const devices = new DeviceRegistry(config as unknown as RegistryConfig);
    try {
      await assert.rejects(
        devices.hmc('hmc-b').systemState('dc1-s01'),
        (err: unknown) =>
          err instanceof DeviceError &&
          err.kind === 'credential' &&
          !err.retryable &&
          err.message ===
            `hmc-b: hmcs[1].credential: private key file ${key} (credential file:${key}) cannot be read (ENOENT)`,
      );
      await assert.rejects(devices.storageSystem('svc-a').listHosts(), (err: unknown) =>
        String((err as Error).message).startsWith(`svc-a: storage[0].credential: private key file ${key}`),
      );
    } finally {
      await devices.close();
    }
  });
});

// The simulated fleet npm start runs keeps its state and its control port across restarts (issue 15: "the simulated
// fleet resets and its control port moves at every restart"): power states, LPAR placement, SAN mappings, remote-copy
// state and faults come back as they were; something in flight is settled; POST /reset and a changed fleet file start
// from the file; a control port taken by another process is named.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ControlPortInUseError, FLEET_STATE_FILE, startPersistentFleet } from '../../simulators/index.js';

const FLEET = 'examples/fleet-dr.yaml';

interface FleetState {
  systems: Array<{
    name: string;
    state: string;
    partitions: Array<{ name: string; state: string; volumes: string[] }>;
  }>;
  storage: Array<{ name: string; mappings: Array<{ host: string; vdisk: string }> }>;
  consistencyGroups: Array<{ name: string; state: string; linkDown: boolean }>;
  faults: Array<{ kind: string; target: string; id: string }>;
}

/** One request on a fresh connection (a pooled one may belong to the fleet stopped before, on the same port). */
async function control(url: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const text = body === undefined ? '' : JSON.stringify(body);
  const { status, payload } = await new Promise<{ status: number; payload: unknown }>((resolve, reject) => {
    const req = request(`${url}${path}`, { method, agent: false, headers: { 'content-type': 'application/json' } });
    req.once('error', reject);
    req.once('response', (res) => {
      let data = '';
      res.on('data', (chunk: Buffer) => (data += chunk.toString()));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, payload: JSON.parse(data) as unknown }));
    });
    req.end(text);
  });
  assert.ok(status >= 200 && status < 300, `${method} ${path}: ${status} ${JSON.stringify(payload)}`);
  return payload;
}

const state = async (url: string) => (await control(url, 'GET', '/state')) as FleetState;
const lpar = (s: FleetState, system: string, name: string) =>
  s.systems.find((m) => m.name === system)?.partitions.find((p) => p.name === name);
/** What must survive a restart: everything but counters, times and fault ids. */
const essence = (s: FleetState) => ({
  systems: s.systems.map((m) => ({ name: m.name, state: m.state, partitions: m.partitions })),
  mappings: s.storage.map((st) => ({ name: st.name, mappings: st.mappings })),
  groups: s.consistencyGroups,
  faults: s.faults.map((f) => `${f.kind} ${f.target}`),
});

describe('the simulated fleet persists across restarts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lazarus-fleet-persist-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('comes back as it was, on the same control port, with in-flight work settled', { timeout: 120_000 }, async () => {
    const stateDir = join(dir, 'sim');
    // timeScale 1: an LPAR shutdown takes real-device time, so it is still in flight when the fleet stops.
    const first = await startPersistentFleet({ fleet: FLEET, timeScale: 1, stateDir });
    let before: FleetState;
    try {
      assert.equal(first.restored, false, 'a first start builds the fleet from its file');
      await control(first.controlUrl, 'POST', '/actions/place-lpar', {
        lpar: 'dc1-web01',
        from: 'dc1-s01',
        to: 'dc1-s02',
        mapVolumes: true,
        start: false,
      });
      await control(first.controlUrl, 'POST', '/actions/unmap-volume', {
        storage: 'svc-dc1',
        volume: 'dc1-mq01_rootvg',
        host: 'dc1-s01',
      });
      await control(first.controlUrl, 'POST', '/actions/set-lpar-state', {
        system: 'dc1-s01',
        lpar: 'dc1-batch01',
        state: 'Not Activated',
      });
      await control(first.controlUrl, 'POST', '/actions/start-lpar', { system: 'dc1-s01', lpar: 'dc1-batch01' });
      await control(first.controlUrl, 'POST', '/actions/stop-lpar', { system: 'dc1-s01', lpar: 'dc1-app01' });
      await control(first.controlUrl, 'POST', '/faults', { kind: 'replication-link-down', target: 'cg-dc1-s01' });
      await control(first.controlUrl, 'POST', '/faults', { kind: 'host-error', target: 'dc1-s03' });
      before = await state(first.controlUrl);
      assert.equal(lpar(before, 'dc1-s01', 'dc1-app01')?.state, 'Shutting Down', 'a shutdown is in flight');
      assert.equal(lpar(before, 'dc1-s01', 'dc1-batch01')?.state, 'Starting', 'a boot is in flight');
    } finally {
      await first.stop();
    }
    assert.ok(existsSync(join(stateDir, FLEET_STATE_FILE)));

    const second = await startPersistentFleet({ fleet: FLEET, timeScale: 1, stateDir });
    try {
      assert.equal(second.restored, true);
      assert.equal(second.controlUrl, first.controlUrl, 'the control API is on the same port');
      const now = await state(second.controlUrl);
      const expected = essence(before);
      // The shutdown and the boot the stopped process was timing end as the HMC would have ended them.
      const s01 = expected.systems.find((m) => m.name === 'dc1-s01')!.partitions;
      s01.find((p) => p.name === 'dc1-app01')!.state = 'Not Activated';
      s01.find((p) => p.name === 'dc1-batch01')!.state = 'Running';
      assert.deepEqual(essence(now), expected);
      assert.equal(lpar(now, 'dc1-s02', 'dc1-web01')?.state, 'Not Activated', 'the placed LPAR is still there');
      assert.equal(now.systems.find((m) => m.name === 'dc1-s03')?.state, 'Error');
      assert.equal(now.consistencyGroups.find((g) => g.name === 'cg-dc1-s01')?.linkDown, true);
      // The restored faults are live: deleting one recovers from it as before the restart.
      const hostError = now.faults.find((f) => f.kind === 'host-error')!;
      await control(second.controlUrl, 'DELETE', `/faults/${hostError.id}`);
      assert.equal((await state(second.controlUrl)).systems.find((m) => m.name === 'dc1-s03')?.state, 'Operating');
      await control(second.controlUrl, 'POST', '/reset');
    } finally {
      await second.stop();
    }

    // POST /reset is saved too: the next start is the fleet of the file again.
    const third = await startPersistentFleet({ fleet: FLEET, timeScale: 1, stateDir });
    try {
      const reset = await state(third.controlUrl);
      assert.equal(lpar(reset, 'dc1-s02', 'dc1-web01'), undefined);
      assert.equal(lpar(reset, 'dc1-s01', 'dc1-app01')?.state, 'Running');
      assert.deepEqual(reset.faults, []);
    } finally {
      await third.stop();
    }
  });

  it('starts from the fleet file when it changed, keeping the control port', { timeout: 60_000 }, async () => {
    const stateDir = join(dir, 'changed');
    const fleetFile = join(dir, 'fleet.yaml');
    writeFileSync(fleetFile, readFileSync(FLEET, 'utf8'));
    const first = await startPersistentFleet({ fleet: fleetFile, timeScale: 0.001, stateDir });
    await control(first.controlUrl, 'POST', '/faults', { kind: 'host-error', target: 'dc1-s03' });
    await first.stop();
    writeFileSync(fleetFile, `# edited\n${readFileSync(FLEET, 'utf8')}`);
    const lines: string[] = [];
    const second = await startPersistentFleet({
      fleet: fleetFile,
      timeScale: 0.001,
      stateDir,
      log: (line) => lines.push(line),
    });
    try {
      assert.equal(second.restored, false);
      assert.equal(second.controlUrl, first.controlUrl);
      assert.deepEqual((await state(second.controlUrl)).faults, []);
      assert.match(lines.join('\n'), /the fleet file changed since .* was saved; starting from the fleet file/);
    } finally {
      await second.stop();
    }
  });

  it('names a remembered control port that another process holds', { timeout: 60_000 }, async () => {
    const stateDir = join(dir, 'taken');
    const first = await startPersistentFleet({ fleet: FLEET, timeScale: 0.001, stateDir });
    const port = Number(new URL(first.controlUrl).port);
    await first.stop();
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', resolve));
    try {
      await assert.rejects(
        startPersistentFleet({ fleet: FLEET, timeScale: 0.001, stateDir }),
        (err: Error) =>
          err instanceof ControlPortInUseError &&
          err.message.includes(`port ${port} on 127.0.0.1 (the simulated fleet's control API`) &&
          err.message.includes(FLEET_STATE_FILE),
      );
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });
});

import assert from 'node:assert/strict';
import { type Socket, connect as tcpConnect } from 'node:net';
import { describe, it } from 'node:test';
import type ssh2 from 'ssh2';
import { type DeviceEndpoint, type FleetSpec } from '../../simulators/index.js';
import { connect, control, device, execOn, startFleet } from './helpers.js';
import { labFleet } from './lab-fleet.js';

function withStorageLimits(limits: {
  maxSessions?: number;
  maxNewConnectionsPerSecond?: number;
  maxUnauthenticatedConnections?: number;
}): FleetSpec {
  const spec = labFleet();
  Object.assign(spec.sites[0]!.storage[0]!, limits);
  return spec;
}

/**
 * Opens raw TCP connections at once and counts those the server greets with its SSH banner; they stay
 * open (and unauthenticated) until all have been answered, then close.
 */
async function greetedCount(endpoint: DeviceEndpoint, connections: number): Promise<number> {
  const sockets: Socket[] = [];
  const greeted = await Promise.all(
    Array.from(
      { length: connections },
      () =>
        new Promise<boolean>((resolve) => {
          const socket = tcpConnect(endpoint.port, endpoint.host);
          sockets.push(socket);
          socket.once('data', (data) => resolve(data.toString().startsWith('SSH-2.0-')));
          socket.once('close', () => resolve(false));
          socket.once('error', () => resolve(false));
        }),
    ),
  );
  for (const socket of sockets) socket.destroy();
  return greeted.filter(Boolean).length;
}

interface Counters {
  peakSessions: number;
  refusedSessions: number;
  refusedConnections: number;
  peakConnectionsPerSecond: number;
  commandsRun: number;
}

async function counters(fleet: Awaited<ReturnType<typeof startFleet>>, name: string): Promise<Counters> {
  const state = await control<{ devices: { name: string; counters: Counters }[] }>(fleet, 'GET', '/state');
  return state.body.devices.find((d) => d.name === name)!.counters;
}

describe('management interface limits', () => {
  it('the 33rd concurrent session on a storage system closes right after authentication', async () => {
    const fleet = await startFleet(withStorageLimits({ maxNewConnectionsPerSecond: 1000 }));
    const clients: ssh2.Client[] = [];
    try {
      const svc = device(fleet, 'svc-lab');
      for (let i = 0; i < 32; i++) clients.push(await connect(svc));
      const results = await Promise.all(clients.slice(0, 4).map((c) => execOn(c, 'lshost -nohdr -delim :')));
      assert.ok(results.every((r) => r.code === 0));
      const extra = await connect(svc);
      await new Promise<void>((resolve) => (extra.once('close', () => resolve()), extra.once('end', () => resolve())));
      const seen = await counters(fleet, 'svc-lab');
      assert.equal(seen.peakSessions, 32);
      assert.equal(seen.refusedSessions, 1);
      clients.pop()!.end();
      await new Promise((resolve) => setTimeout(resolve, 50));
      const again = await connect(svc);
      assert.equal((await execOn(again, 'lshost -nohdr -delim :')).code, 0);
      again.end();
    } finally {
      for (const client of clients) client.end();
      await fleet.stop();
    }
  });

  it('more than 15 new connections within a second are refused before the SSH banner', async () => {
    const fleet = await startFleet(withStorageLimits({ maxUnauthenticatedConnections: 100 }));
    try {
      assert.equal(await greetedCount(device(fleet, 'svc-lab'), 20), 15);
      const seen = await counters(fleet, 'svc-lab');
      assert.equal(seen.peakConnectionsPerSecond, 15);
      assert.equal(seen.refusedConnections, 5);
    } finally {
      await fleet.stop();
    }
  });

  it('at most 3 connections may be unauthenticated at once', async () => {
    const fleet = await startFleet(labFleet());
    try {
      assert.equal(await greetedCount(device(fleet, 'svc-lab'), 5), 3);
    } finally {
      await fleet.stop();
    }
  });

  it('an HMC refuses state changes beyond its concurrent-operation limit with an HSCL error', async () => {
    const fleet = await startFleet(labFleet(), 0.01);
    const hmc = await connect(device(fleet, 'hmc-lab'));
    try {
      // Slow the HMC so four operations are still running when the fifth arrives (limit 4 in the lab fleet).
      await control(fleet, 'POST', '/faults', { kind: 'slow', target: 'hmc-lab', factor: 200 });
      const busy = Array.from({ length: 4 }, () =>
        execOn(hmc, 'chsysstate -m lab-s01 -r lpar -o on -n small -f default_profile'),
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      const refused = await execOn(hmc, 'chsysstate -m lab-s01 -r lpar -o shutdown --immed -n big');
      assert.equal(refused.code, 1);
      assert.match(refused.stdout, /^HSCL3F01 The maximum number of concurrent operations \(4\)/);
      const queries = await execOn(hmc, 'lssyscfg -r sys -F name');
      assert.equal(queries.code, 0, 'listing commands are not limited');
      await control(fleet, 'POST', '/reset');
      await Promise.all(busy);
    } finally {
      hmc.end();
      await fleet.stop();
    }
  });

  it('an 11th channel at once on one connection is refused (sshd MaxSessions 10)', async () => {
    const fleet = await startFleet(labFleet());
    const svc = await connect(device(fleet, 'svc-lab'));
    try {
      const fault = await control<{ id: string }>(fleet, 'POST', '/faults', {
        kind: 'command-hang',
        target: 'svc-lab',
        command: 'lshost',
      });
      // Channel opens on one connection reach the server in order, so the 11th finds 10 open.
      const hung = Array.from({ length: 10 }, () => execOn(svc, 'lshost -nohdr'));
      await assert.rejects(execOn(svc, 'lsvdisk'), /open failed|Channel open failure/i);
      await control(fleet, 'DELETE', `/faults/${fault.body.id}`);
      assert.ok((await Promise.all(hung)).every((r) => r.code === 0));
      const seen = (await counters(fleet, 'svc-lab')) as Counters & {
        peakChannelsPerConnection: number;
        refusedChannels: number;
      };
      assert.equal(seen.peakChannelsPerConnection, 10);
      assert.equal(seen.refusedChannels, 1);
      assert.equal((await execOn(svc, 'lsvdisk -nohdr')).code, 0, 'the connection is still usable');
    } finally {
      svc.end();
      await fleet.stop();
    }
  });

  it('counts commands per device and DELETE /counters restarts the peaks', async () => {
    const fleet = await startFleet(labFleet());
    try {
      const svc = await connect(device(fleet, 'svc-lab'));
      await execOn(svc, 'lsvdisk');
      await execOn(svc, 'lshost');
      assert.equal((await counters(fleet, 'svc-lab')).commandsRun, 2);
      svc.end();
      await control(fleet, 'DELETE', '/counters');
      assert.equal((await counters(fleet, 'svc-lab')).commandsRun, 0);
    } finally {
      await fleet.stop();
    }
  });
});

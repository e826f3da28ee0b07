// Failover activities on the storage system. They run only on its device queue (`device/<storage>`), whose worker
// caps concurrent executions at the storage system's operation budget, shared by every stream and failover.
// Mapping what is mapped and unmapping what is not both succeed (whatever code the device uses to say so).
import { ApplicationFailure } from '@temporalio/common';
import { HOST_UP_STATES } from '../../domain/failover/index.js';
import { deviceCall } from '../device-failure.js';
import { whileHeartbeating } from '../heartbeat.js';
import type { FailoverContext } from './context.js';

/**
 * How old a "host is down" reading may be when a fencing unmapping is sent. Two devices cannot be changed atomically:
 * this bounds the window in which a host that comes back could lose a mapping to about a second plus one command.
 */
const HOST_STATE_FRESH_MS = 1_000;

export function createStorageActivities(ctx: FailoverContext) {
  // One read of a host's state serves every unmapping of this worker for HOST_STATE_FRESH_MS (a fence cuts hundreds
  // of volumes at once; one HMC read per volume would double its cost).
  const seenDown = new Map<string, { at: number; reading?: Promise<string> }>();

  async function assertStillDown(input: {
    group: string;
    host: string;
    volume: string;
    hostDownAt: number;
  }): Promise<void> {
    const key = `${input.group}/${input.host}`;
    const known = seenDown.get(key) ?? { at: 0 };
    if (Math.max(known.at, input.hostDownAt) + HOST_STATE_FRESH_MS >= Date.now()) return;
    const startedAt = Date.now();
    const reading = known.reading ?? deviceCall(() => ctx.hmc(input.group).systemState(input.host));
    seenDown.set(key, { ...known, reading });
    try {
      const state = await reading;
      if (HOST_UP_STATES.has(state)) {
        throw ApplicationFailure.nonRetryable(
          `${input.host} is ${state} again: ${input.volume} stays mapped`,
          'HostReturned',
        );
      }
      seenDown.set(key, { at: Math.max(seenDown.get(key)?.at ?? 0, startedAt) });
    } finally {
      if (seenDown.get(key)?.reading === reading) seenDown.set(key, { at: seenDown.get(key)!.at });
    }
  }

  return {
    /** The volumes mapped to the host's storage host object (storage fencing's first half). */
    async listHostMappings(input: { group: string; host: string }): Promise<string[]> {
      return whileHeartbeating(async () =>
        (await deviceCall(() => ctx.storage(input.group).hostMappings(input.host))).map((m) => m.volume),
      );
    },

    /**
     * Maps one volume to the destination's storage host object. Already mapped is success. `fencedHost`: the failed
     * host whose host object lost its ports to the fence; a mapping left there does not stop this one (-force).
     */
    async mapVolume(input: {
      group: string;
      volume: string;
      destination: string;
      fencedHost?: string;
    }): Promise<string> {
      const fencedHosts = input.fencedHost === undefined ? [] : [input.fencedHost];
      return whileHeartbeating(
        async () =>
          (await deviceCall(() => ctx.storage(input.group).mapVolume(input.volume, input.destination, { fencedHosts })))
            .detail,
      );
    },

    /**
     * The Fibre Channel ports of the host's storage host object (named as the managed system), read before the
     * host-level fence so the proof records what is removed and cleanup can put it back. No such host object is a
     * non-retryable `NoHostObject`: the fence then falls back to unmapping volume by volume.
     */
    async hostPorts(input: { group: string; host: string }): Promise<string[]> {
      return whileHeartbeating(async () => {
        const host = await deviceCall(() => ctx.storage(input.group).host(input.host));
        if (!host) throw ApplicationFailure.nonRetryable(`no storage host object named ${input.host}`, 'NoHostObject');
        return host.wwpns;
      });
    },

    /**
     * The storage fence of an NPIV-attached LPAR (PowerVC's rule for remote restart): the ports of its own host
     * objects must be logged out of the storage (`lshost`: `node_logged_in_count` 0 on every port) before it is
     * restarted elsewhere. Returns the ports still logged in (empty: proven), or the reason it cannot be read (a host
     * object gone). Reads only.
     */
    async npivPortsLoggedIn(input: { group: string; hostObjects: string[] }): Promise<string[]> {
      return whileHeartbeating(async () => {
        const loggedIn: string[] = [];
        for (const name of input.hostObjects) {
          const host = await deviceCall(() => ctx.storage(input.group).hostPorts(name));
          if (!host) loggedIn.push(`${name}: no such host object`);
          else
            for (const port of host.ports.filter((p) => p.nodeLoggedInCount > 0))
              loggedIn.push(`${name} ${port.wwpn} (${port.nodeLoggedInCount} nodes)`);
        }
        return loggedIn;
      });
    },

    /**
     * The host-level storage fence: removes these ports from the host's storage host object in one command
     * (`rmhostport`), whatever the number of its volumes; mappings stay, unreachable. Only for a host proven powered
     * off (the workflow decides). Ports already gone are success. `hostDownAt` as for unmapVolume: a host that is up
     * again fails the step with a non-retryable `HostReturned` and keeps its ports.
     */
    async cutHostPorts(input: { group: string; host: string; wwpns: string[]; hostDownAt: number }): Promise<string> {
      return whileHeartbeating(async () => {
        await assertStillDown({ ...input, volume: `every volume of ${input.host}` });
        return (await deviceCall(() => ctx.storage(input.group).removeHostPorts(input.host, input.wwpns))).detail;
      });
    },

    /**
     * Cleanup of a host-level fence, once the failed host's LPARs run elsewhere: each of `volumes` (the disks of LPARs
     * the caller proved Running elsewhere, whose stale definitions it removed) that is still mapped to the host object
     * loses that mapping first (so the returning host never sees a disk in use elsewhere), then the recorded ports go
     * back (`addhostport`). Any other mapping stays, even of a volume also mapped elsewhere: it may be the disk of an
     * LPAR whose only definition is on this host (a stale mapping elsewhere proves nothing). Idempotent. Returns what
     * was done.
     */
    async restoreHostPorts(input: {
      group: string;
      host: string;
      wwpns: string[];
      volumes: string[];
    }): Promise<string[]> {
      return whileHeartbeating(async () => {
        const storage = ctx.storage(input.group);
        const proven = new Set(input.volumes);
        const mappings = await deviceCall(() => storage.hostMappings(input.host));
        const stale = mappings.map((m) => m.volume).filter((volume) => proven.has(volume));
        const done: string[] = [];
        for (const volume of stale) done.push((await deviceCall(() => storage.unmapVolume(volume, input.host))).detail);
        done.push((await deviceCall(() => storage.addHostPorts(input.host, input.wwpns))).detail);
        return done;
      });
    },

    /**
     * Removes one volume's mapping to a host: a host proven powered off, or one where the LPAR using the volume is
     * proven not active (the workflow's gates decide; this activity only executes). Not mapped is success.
     * `hostDownAt` (epoch ms), for fencing: when the workflow last saw the host down. If that is older than
     * HOST_STATE_FRESH_MS (a retry, a wait on an unreachable storage system), the host's state is read again first,
     * and a host that is up again fails the step with a non-retryable `HostReturned`: its storage is not cut.
     */
    async unmapVolume(input: { group: string; volume: string; host: string; hostDownAt?: number }): Promise<string> {
      return whileHeartbeating(async () => {
        if (input.hostDownAt !== undefined) await assertStillDown({ ...input, hostDownAt: input.hostDownAt });
        return (await deviceCall(() => ctx.storage(input.group).unmapVolume(input.volume, input.host))).detail;
      });
    },
  };
}

export type StorageActivities = ReturnType<typeof createStorageActivities>;

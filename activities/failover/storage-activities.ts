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

    /** Maps one volume to the destination's storage host object. Already mapped is success. */
    async mapVolume(input: { group: string; volume: string; destination: string }): Promise<string> {
      return whileHeartbeating(
        async () =>
          (await deviceCall(() => ctx.storage(input.group).mapVolume(input.volume, input.destination))).detail,
      );
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

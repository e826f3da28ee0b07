// Failover activities on the storage system. They run only on its device queue (`device/<storage>`), whose worker
// caps concurrent executions at the storage system's operation budget, shared by every stream and failover.
// Mapping what is mapped and unmapping what is not both succeed (whatever code the device uses to say so).
import { deviceCall } from '../device-failure.js';
import { whileHeartbeating } from '../heartbeat.js';
import type { FailoverContext } from './context.js';

export function createStorageActivities(ctx: FailoverContext) {
  return {
    /** The volumes mapped to the host's storage host object (storage fencing's first half). */
    async listHostMappings(input: { group: string; host: string }): Promise<string[]> {
      return whileHeartbeating(async () => (await deviceCall(() => ctx.storage(input.group).hostMappings(input.host))).map((m) => m.volume));
    },

    /** Maps one volume to the destination's storage host object. Already mapped is success. */
    async mapVolume(input: { group: string; volume: string; destination: string }): Promise<string> {
      return whileHeartbeating(async () => (await deviceCall(() => ctx.storage(input.group).mapVolume(input.volume, input.destination))).detail);
    },

    /**
     * Removes one volume's mapping to a host: a host proven powered off, or one where the LPAR using the volume is
     * proven not active (the workflow's gates decide; this activity only executes). Not mapped is success.
     */
    async unmapVolume(input: { group: string; volume: string; host: string }): Promise<string> {
      return whileHeartbeating(async () => (await deviceCall(() => ctx.storage(input.group).unmapVolume(input.volume, input.host))).detail);
    },
  };
}

export type StorageActivities = ReturnType<typeof createStorageActivities>;

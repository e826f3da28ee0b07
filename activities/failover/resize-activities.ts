// Reduced-size restarts (issue 14, VMRM HA's flex capacity), the HMC side: before a reduced LPAR is remote-restarted,
// its profile is set to the planned size and its full size recorded (inventory, migration 007); afterwards — when
// `restore` brings it home, or on request — it is given its full size back: by DLPAR while it runs (`chhwres`), and in
// its profile for its next activation (`chsyscfg`). Both run on the HMC's device queue and are idempotent: the record
// is written before the device is changed and keeps the first full size, and every change re-reads the device first.
// Why the profile is changed before the restart (and not the running partition after): activities/hmc/partition-size.ts.
import { ApplicationFailure } from '@temporalio/common';
import { deviceCall } from '../device-failure.js';
import { whileHeartbeating } from '../heartbeat.js';
import type { HmcClient, PartitionProfile } from '../hmc/hmc-client.js';
import {
  describeSize,
  growRunning,
  heldSize,
  readProfile,
  setProfileSize,
  type PartitionSize,
} from '../hmc/partition-size.js';
import type { ReducedSizeRecord } from '../inventory/reduced-sizes.js';
import type { FailoverContext } from './context.js';

/** What resizeForRestart did: the profile, the recorded full size and the size set. */
export interface RestartResize {
  profile: string;
  full: PartitionSize;
  reduced: PartitionSize;
  detail: string;
}

/** What returnToFullSize did: `changed` false when the LPAR was not known to run reduced, or already full. */
export interface FullSizeReturn {
  lpar: string;
  changed: boolean;
  host?: string;
  full?: PartitionSize;
  detail: string;
}

export function createResizeActivities(ctx: FailoverContext) {
  return {
    /**
     * Sets the profile the remote restart will start `lpar` with to `size` (processing units, MB), on the failed
     * `source` system where its definition still is, after recording its full (current desired) size in the inventory
     * (a retry finds the record and keeps the first full size). Errors: `ProfileNotFound` (non-retryable) when the HMC
     * lists no profile of it; `ReducedSizeAboveFull` when `size` is not smaller; device errors keep their class
     * (a size outside the profile's min..max is `configuration`; a source the HMC cannot reach, `state-recheck`).
     */
    async resizeForRestart(input: {
      group: string;
      source: string;
      destination: string;
      lpar: string;
      size: PartitionSize;
      workflowId: string;
    }): Promise<RestartResize> {
      return whileHeartbeating(async () => {
        const hmc = ctx.hmc(input.group);
        const records = ctx.deps.store.reducedSizes();
        const earlier = await records.of(input.group, input.lpar);
        const profile = await profileOf(hmc, input.source, input.lpar, earlier?.profile);
        const full = earlier?.full ?? desiredOf(profile);
        if (input.size.procUnits > full.procUnits + 1e-9 || input.size.memoryMb > full.memoryMb) {
          throw ApplicationFailure.nonRetryable(
            `${input.lpar}: reduced size ${describeSize(input.size)} is larger than its full size ${describeSize(full)}`,
            'ReducedSizeAboveFull',
          );
        }
        const record: ReducedSizeRecord = {
          group: input.group,
          lpar: input.lpar,
          profile: profile.name,
          full,
          reduced: input.size,
          host: input.destination,
          reducedBy: input.workflowId,
          reducedAt: new Date().toISOString(),
        };
        // Recorded before the device changes: a crash between the two still leaves the full size known.
        await records.record(record);
        const change = await deviceCall(() => setProfileSize(hmc, input.source, profile, input.size));
        ctx.log(`[resize] ${input.lpar}: ${change.detail} (full size ${describeSize(full)} recorded)`);
        return { profile: profile.name, full, reduced: input.size, detail: change.detail };
      });
    },

    /**
     * Before the restart of an LPAR an earlier failover reduced and this one places at full size: sets its profile on
     * the failed `source` back to the recorded full size and forgets the record. Idempotent; nothing recorded: nothing
     * done. Errors as for resizeForRestart.
     */
    async fullSizeForRestart(input: { group: string; source: string; lpar: string }): Promise<FullSizeReturn> {
      return whileHeartbeating(async () => {
        const records = ctx.deps.store.reducedSizes();
        const record = await records.of(input.group, input.lpar);
        if (!record) return { lpar: input.lpar, changed: false, detail: `${input.lpar} is not known to run reduced` };
        const hmc = ctx.hmc(input.group);
        const profile = await profileOf(hmc, input.source, input.lpar, undefined);
        const change = await deviceCall(() => setProfileSize(hmc, input.source, profile, record.full));
        await records.forget(input.group, input.lpar);
        ctx.log(`[resize] ${input.lpar}: restarted at full size again: ${change.detail}`);
        return {
          lpar: input.lpar,
          changed: change.changed,
          host: input.source,
          full: record.full,
          detail: change.detail,
        };
      });
    },

    /**
     * Gives `lpar` its recorded full size back on `host` (where it is now; absent: the one host of the group where the
     * HMC lists it active, else `LparNotFound`/`LparOnSeveralHosts`): a running partition grows by DLPAR, then
     * its profile's desired size is set to full; an inactive one gets the profile only. The record is forgotten once
     * the HMC shows the full size. Nothing recorded: nothing done (`changed` false). Errors: device errors with their
     * class — no free capacity on the host is `capacity` (HSCL0622/HSCL0623), RMC not yet active `transient`; the
     * record is then kept, so a later call retries.
     */
    async returnToFullSize(input: { group: string; host?: string; lpar: string }): Promise<FullSizeReturn> {
      return whileHeartbeating(async () => {
        const records = ctx.deps.store.reducedSizes();
        const record = await records.of(input.group, input.lpar);
        if (!record) return { lpar: input.lpar, changed: false, detail: `${input.lpar} is not known to run reduced` };
        const hmc = ctx.hmc(input.group);
        const host = input.host ?? (await whereItRuns(hmc, ctx.group(input.group).hosts, input.lpar));
        const partition = await deviceCall(() => hmc.partition(host, input.lpar));
        if (!partition) {
          throw ApplicationFailure.nonRetryable(`${input.lpar} is not defined on ${host}`, 'LparNotOnHost');
        }
        const profile = await profileOf(hmc, host, input.lpar, partition.currentProfile || record.profile);
        const steps: string[] = [];
        if (partition.state === 'Running') {
          const grown = await deviceCall(() => growRunning(hmc, host, input.lpar, profile.procMode, record.full));
          steps.push(grown.detail);
        } else if (partition.state !== 'Not Activated') {
          throw ApplicationFailure.retryable(
            `${input.lpar} is ${partition.state} on ${host}: resized when Running or Not Activated`,
            'LparStateInTransition',
          );
        }
        steps.push((await deviceCall(() => setProfileSize(hmc, host, profile, record.full))).detail);
        if (partition.state === 'Running') {
          const now = await deviceCall(() => heldSize(hmc, host, input.lpar));
          if (!now || now.memoryMb < record.full.memoryMb || now.procUnits + 1e-9 < record.full.procUnits) {
            throw ApplicationFailure.retryable(
              `${input.lpar} on ${host} holds ${now ? describeSize(now) : 'nothing'} after the DLPAR change, ` +
                `not its full ${describeSize(record.full)}`,
              'FullSizeNotReached',
            );
          }
        }
        await records.forget(input.group, input.lpar);
        const detail = `${input.lpar} back to ${describeSize(record.full)} on ${host}: ${steps.join('; ')}`;
        ctx.log(`[resize] ${detail}`);
        return { lpar: input.lpar, changed: true, host: host, full: record.full, detail };
      });
    },
  };
}

export type ResizeActivities = ReturnType<typeof createResizeActivities>;

/** The LPAR's profile: `preferred` (its current profile), else its only/first listed one; ProfileNotFound if none. */
async function profileOf(
  hmc: HmcClient,
  system: string,
  lpar: string,
  preferred: string | undefined,
): Promise<PartitionProfile> {
  const current = preferred ?? (await deviceCall(() => hmc.partition(system, lpar)))?.currentProfile;
  const found = current
    ? await deviceCall(() => readProfile(hmc, system, lpar, current))
    : (await deviceCall(() => hmc.profiles(system))).find((p) => p.lparName === lpar);
  if (!found) {
    const which = current ? `profile ${current}` : 'a profile';
    throw ApplicationFailure.nonRetryable(`${lpar} has no ${which} on ${system}`, 'ProfileNotFound');
  }
  return found;
}

/** The one host of `hosts` where the HMC lists `lpar` active (Running, Starting…); an error when none or several. */
async function whereItRuns(hmc: HmcClient, hosts: string[], lpar: string): Promise<string> {
  const seen: string[] = [];
  for (const host of hosts) {
    // A host that cannot be read is an error, not "not there": the LPAR might run there.
    const partition = await deviceCall(() => hmc.partition(host, lpar));
    if (partition && partition.state !== 'Not Activated') seen.push(`${host} (${partition.state})`);
  }
  if (seen.length === 1) return seen[0]!.replace(/ \(.*$/, '');
  if (seen.length === 0)
    throw ApplicationFailure.nonRetryable(`${lpar} is active on no host of the group`, 'LparNotFound');
  throw ApplicationFailure.nonRetryable(`${lpar} is active on several hosts: ${seen.join(', ')}`, 'LparOnSeveralHosts');
}

function desiredOf(profile: PartitionProfile): PartitionSize {
  return { procUnits: profile.procUnits.desired, memoryMb: profile.memoryMb.desired };
}

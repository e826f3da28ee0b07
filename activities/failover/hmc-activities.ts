// Failover activities that change something through the HMC. They run only on the HMC's device queue
// (`device/<hmc>`), whose worker caps concurrent executions at the HMC's limit across every recovery. Each is
// idempotent: powered off stays off, a running LPAR is left running.
import { ApplicationFailure } from '@temporalio/common';
import { HOST_UP_STATES } from '../../domain/failover/index.js';
import { deviceCall } from '../device-failure.js';
import { whileHeartbeating } from '../heartbeat.js';
import { ViosClient } from '../hmc/vios.js';
import { DeviceError } from '../ssh/device-errors.js';
import type { FailoverContext } from './context.js';

/**
 * HMC codes that mean "the remote restart is still in progress or being cleaned up": the LPAR's state must be read
 * again before deciding, so the step is retried (within its deadline) instead of being final. Source: IBM HMC
 * messages, HSCLA9A4 "remote restart operation is already in progress".
 */
const RESTART_IN_PROGRESS = new Set(['HSCLA9A4']);

export function createHmcActivities(ctx: FailoverContext) {
  return {
    /**
     * Fencing by power, first half: `chsysstate -r sys -o off --immed`. Already off (or going off) is success.
     * Device errors keep their class: a transient one (busy, lock, timeout) is retryable, so the workflow keeps trying
     * until its fence deadline; anything else is final and blocks the fence at once.
     */
    async powerOffHost(input: { group: string; host: string }): Promise<{ changed: boolean; detail: string }> {
      return whileHeartbeating(async () => {
        // Every attempt (a retry after a busy answer, a crashed worker) reads the state first: a host that came back
        // meanwhile is never powered off (non-retryable `HostReturned`).
        const state = await deviceCall(() => ctx.hmc(input.group).systemState(input.host));
        if (HOST_UP_STATES.has(state)) {
          throw ApplicationFailure.nonRetryable(
            `${input.host} is ${state} again: it is not powered off`,
            'HostReturned',
          );
        }
        return deviceCall(() => ctx.hmc(input.group).powerOffSystem(input.host));
      });
    },

    /** Makes the destination's VIOS see newly mapped disks (cfgdev on each running VIOS). Returns how many. */
    async configureVios(input: { group: string; destination: string }): Promise<number> {
      return whileHeartbeating(async () => {
        const hmc = ctx.hmc(input.group);
        const partitions = await deviceCall(() => hmc.listPartitions(input.destination));
        const vioses = partitions.filter((p) => p.env === 'vioserver' && p.state === 'Running');
        for (const vios of vioses)
          await deviceCall(() => new ViosClient(hmc, input.destination, vios.name).configureDevices());
        return vioses.length;
      });
    },

    /**
     * Remote restart of the LPAR from the fenced source onto the destination (`rrstartlpar -o restart`). Already
     * running there is success. A restart still in progress (HSCLA9A4) is retried after its state is read again.
     */
    async restartLpar(input: { group: string; source: string; destination: string; lpar: string }): Promise<string> {
      return whileHeartbeating(async () => {
        const hmc = ctx.hmc(input.group);
        const sourceState = await deviceCall(() => hmc.systemState(input.source)).catch(() => 'No Connection');
        const options = { target: input.destination, noConnection: sourceState === 'No Connection' };
        try {
          return (await hmc.remoteRestart('restart', input.source, input.lpar, options)).detail;
        } catch (err) {
          if (err instanceof DeviceError && err.code && RESTART_IN_PROGRESS.has(err.code)) {
            throw ApplicationFailure.retryable(
              `${err.message} (its state is read again before the next try)`,
              'RemoteRestartInProgress',
            );
          }
          return deviceCall(() => Promise.reject(err));
        }
      });
    },
  };
}

export type HmcActivities = ReturnType<typeof createHmcActivities>;

// A later resize (issue 14 item 4): an LPAR a failover restarted at reduced size gets its recorded full size back
// where it runs now — by DLPAR while it runs, then in its profile — on request (POST /v1/lpars/:lpar/full-size), once
// its host has room again. `restore` does the same for the LPARs it brings home.
import { proxyActivities } from '@temporalio/workflow';
import type { FullSizeReturn, ResizeActivities } from '../../activities/failover/index.js';
import { deviceQueue, stepOptions } from '../shared/activity-options.js';

/** Workflow id: one return to full size per LPAR at a time. */
export const fullSizeWorkflowId = (group: string, lpar: string) => `full-size/${group}/${lpar}`;

export interface FullSizeInput {
  group: string;
  lpar: string;
  /** The group's (preferred) HMC: the activity runs on its device queue. */
  hmc: string;
  heartbeatMs: number;
  /** Who asked (the API token's name), for the history. */
  requestedBy: string;
}

/** Two DLPAR commands and a profile change, retries included. */
const DEADLINE_MS = 5 * 60_000;

/**
 * Returns `lpar` to its recorded full size on the host where the HMC shows it active. Resolves with what was done
 * (`changed` false when it was not recorded as reduced); fails with the device's error (no free capacity:
 * HmcError.HSCL0622/HSCL0623, class capacity), the record then kept for a later try.
 */
export async function returnLparToFullSize(input: FullSizeInput): Promise<FullSizeReturn> {
  const resize = proxyActivities<ResizeActivities>(stepOptions(DEADLINE_MS, input.heartbeatMs, deviceQueue(input.hmc)));
  return resize.returnToFullSize({ group: input.group, lpar: input.lpar });
}

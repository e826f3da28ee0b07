// DR discovery and verification of an active site and its backup site (VMRM DR's `ksysmgr discover site` and
// `ksysmgr verify site`), on the site pair's schedule (`dr.verify.schedule`) or on demand through the API:
// discover reads both sites (VMs, volumes, consistency groups, shadow definitions); verify decides per VM
// READY_TO_MOVE or NOT_READY with reasons and keeps the result in the verification history, so drift shows.
// Nothing is changed on any device.
import { proxyActivities, sleep } from '@temporalio/workflow';
import type { DrActivities, DrVerificationSummary } from '../../activities/dr/activities.js';
import { summarizeDrDiscovery, type DrDiscoverySummary } from '../../domain/dr/summary.js';

const { readDrSite, recordDrVerification } = proxyActivities<DrActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 5 },
});

export async function discoverDrSite(input: { site: string }): Promise<DrDiscoverySummary> {
  return summarizeDrDiscovery(await readDrSite(input.site));
}

/**
 * `startDelayMs`: a scheduled verification of a tenant sharing a recovery site waits its slot first
 * (domain/dr/verification-slots.ts), so the tenants' reads of the shared site are staggered.
 */
export async function verifyDrSite(input: { site: string; startDelayMs?: number }): Promise<DrVerificationSummary> {
  if (input.startDelayMs) await sleep(input.startDelayMs);
  const discovery = await readDrSite(input.site);
  return recordDrVerification(input.site, discovery);
}

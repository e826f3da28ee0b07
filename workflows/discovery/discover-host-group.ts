// Discovery of one host group, on its schedule or on demand: read the inventory through the HMC and the storage
// system and record it (a host that cannot be described keeps its last description, marked stale; a failed reading
// is recorded too and never replaces the last good snapshot); when the inventory changed, check again whether every
// host's LPARs would still fit on the others.
import { proxyActivities } from '@temporalio/workflow';
import type { CapacitySummary, DiscoveryActivities, DiscoverySummary } from '../../activities/discovery/activities.js';

const { discoverGroupInventory, checkGroupCapacity } = proxyActivities<DiscoveryActivities>({
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '5s', maximumAttempts: 5 },
});

export interface DiscoveryOutcome {
  discovery: DiscoverySummary;
  capacity?: CapacitySummary;
}

export async function discoverHostGroup(input: { group: string }): Promise<DiscoveryOutcome> {
  const discovery = await discoverGroupInventory(input.group);
  const inventoryChanged = discovery.status === 'ok' && (discovery.changes === undefined || discovery.changes > 0);
  if (!inventoryChanged) return { discovery };
  const capacity = await checkGroupCapacity(input.group);
  return { discovery, capacity };
}

/** The daily "what if each host fails" check. */
export async function checkHostGroupCapacity(input: { group: string }): Promise<CapacitySummary> {
  return checkGroupCapacity(input.group);
}

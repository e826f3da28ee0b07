// Which hosts of a group may receive LPARs now: the one rule that failover planning, evacuation planning and a VM
// restart's inactive move share. A host in maintenance (an operator's, or an evacuation's) or quarantined by the host
// monitor for flapping is never a destination, whatever its free capacity; nor is one the HMC does not show
// `Operating`. Read from the store at the moment of planning, so a quarantine the monitor recorded a second ago holds
// and one that has ended does not.
import type { ExcludedDestination, GroupEvidence } from '../../domain/failover/index.js';
import type { InventoryStore } from '../inventory/index.js';

/**
 * The hosts of `evidence` other than `source` that must not receive LPARs now, by host name, each with its reason
 * (maintenance before quarantine before state, the first that applies). Every other host of `evidence` is `Operating`
 * and open. Store errors propagate (the caller's activity retries them).
 */
export async function excludedDestinations(
  store: InventoryStore,
  evidence: Pick<GroupEvidence, 'hosts'>,
  source: string,
  at: Date = new Date(),
): Promise<Map<string, ExcludedDestination>> {
  const hosts = evidence.hosts.map((h) => h.host).filter((host) => host !== source);
  const records = store.hostMonitoring();
  const maintenance = new Map((await records.maintenance(hosts)).map((m) => [m.host, m] as const));
  const quarantines = new Map((await records.quarantines(hosts, at)).map((q) => [q.host, q] as const));
  const excluded = new Map<string, ExcludedDestination>();
  for (const { host, state } of evidence.hosts) {
    if (host === source) continue;
    const inMaintenance = maintenance.get(host);
    const quarantine = quarantines.get(host);
    if (inMaintenance)
      excluded.set(host, {
        host,
        reason: 'maintenance',
        detail: `in maintenance since ${inMaintenance.since} (${inMaintenance.reason}, by ${inMaintenance.by})`,
      });
    else if (quarantine)
      excluded.set(host, {
        host,
        reason: 'quarantined',
        detail: `quarantined for flapping until ${quarantine.until} (${quarantine.reason})`,
      });
    else if (state !== 'Operating')
      excluded.set(host, { host, reason: 'not-operating', detail: `the HMC shows ${state}` });
  }
  return excluded;
}

// A host whose storage is cut must never receive LPARs (issue 14, the 06:15 trial's finding 2): a failover's
// host-level fence removes the ports of its storage host object (`rmhostport`), and until a failback puts them back an
// LPAR restarted or moved there cannot reach its disks ("storage is not available through a VIOS"). The HMC shows such
// a host `Operating` once it is powered on again, and the inventory forgets its fence at the first sight of it up, so
// the rule reads the storage system itself, beside destinations.ts's maintenance and quarantine rule.
import type { InventoryStore } from '../inventory/index.js';
import type { SvcClient } from '../storage/svc-client.js';
import { standingPortsRemoved } from '../evacuation/failback-activities.js';

/**
 * Of `hosts` (managed-system names, which name their storage host objects), those cut at the storage now, each with
 * why: a host object with no Fibre Channel port at all (`lshost` listing, `port_count` 0), or one lacking a port that
 * a stored failover run of the host removed (`lshost <host>` detail, read only for hosts with such a record). A host
 * with no storage host object of its name (NPIV-only attachment) is not cut by this rule. One `lshost` listing plus
 * one detail read per recorded cut; device and store errors propagate (the caller's activity classifies and retries
 * them: planning onto a host whose storage cannot be read is not safe).
 */
export async function storageCutHosts(
  storage: Pick<SvcClient, 'listHosts' | 'host'>,
  store: InventoryStore,
  group: string,
  hosts: string[],
): Promise<Map<string, string>> {
  const cut = new Map<string, string>();
  if (hosts.length === 0) return cut;
  const objects = new Map((await storage.listHosts()).map((h) => [h.name, h] as const));
  for (const host of hosts) {
    const object = objects.get(host);
    if (!object) continue;
    if (object.portCount === 0) {
      cut.set(host, `its storage host object ${host} has no port (a failover's fence not failed back)`);
      continue;
    }
    const removed = (await standingPortsRemoved(store, group, host)).filter((r) => r.storageHost === host);
    if (removed.length === 0) continue;
    const now = new Set((await storage.host(host))?.wwpns ?? []);
    const missing = removed.flatMap((r) => r.wwpns).filter((w) => !now.has(w.toUpperCase()) && !now.has(w));
    if (missing.length > 0)
      cut.set(host, `its storage host object ${host} lacks ports ${missing.join(', ')} a failover removed`);
  }
  return cut;
}

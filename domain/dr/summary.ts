// A DR discovery in short, for the discover endpoint and the discover workflow's result: the hosts of both sites
// with their state, per VM its host and which consistency group holds each of its volumes, the groups' state.
import type { DrDiscovery } from './contracts.js';

/** A discovery in short, for the discover endpoint: per VM its host, pair and each volume's consistency group. */
export interface DrDiscoverySummary {
  site: string;
  backupSite: string;
  discoveredAt: string;
  hosts: Array<{ name: string; site: string; state: string; undescribed?: string }>;
  vms: Array<{ vm: string; host: string; state: string; volumes: Array<{ volume: string; group: string }> }>;
  groups: Array<{ name: string; state: string; primary: string; relationships: number }>;
}

/** The summary of one discovery (no I/O; usable in workflow code). */
export function summarizeDrDiscovery(discovery: DrDiscovery): DrDiscoverySummary {
  const byMaster = new Map(discovery.relationships.map((r) => [r.masterVolume, r]));
  return {
    site: discovery.site,
    backupSite: discovery.backupSite,
    discoveredAt: discovery.discoveredAt,
    hosts: [
      ...discovery.productionHosts.map((h) => ({ ...hostLine(h), site: discovery.site })),
      ...discovery.backupHosts.map((h) => ({ ...hostLine(h), site: discovery.backupSite })),
    ],
    vms: discovery.vms.map((vm) => ({
      vm: vm.name,
      host: vm.host,
      state: vm.state,
      volumes: vm.volumes.map((volume) => ({ volume, group: byMaster.get(volume)?.group ?? '' })),
    })),
    groups: discovery.groups.map((g) => ({
      name: g.name,
      state: g.state,
      primary: g.primary,
      relationships: discovery.relationships.filter((r) => r.group === g.name).length,
    })),
  };
}

function hostLine(h: DrDiscovery['productionHosts'][number]) {
  return { name: h.name, state: h.state, ...(h.undescribed ? { undescribed: h.undescribed } : {}) };
}

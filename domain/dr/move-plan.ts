// The plan of a planned site move (VMRM DR's `ksysmgr move site from=A to=B`, planned), worked out once from a
// discovery and its verification: which VMs stop at the active site, per production host, the least important first;
// which consistency groups switch so the backup site becomes primary; which VMs start at the backup site, in waves
// by start order and, inside a wave, one stream per backup host by priority. Only VMs that were active at the active
// site are stopped and started (one that was Not Activated stays so at the backup site); excluded VMs are left alone.
import type { DrConfig } from '../config/schema.js';
import type { DrDiscovery } from './contracts.js';
import { drPolicyFor, type DrVmPolicy } from './policy.js';

const RANK = { critical: 0, high: 1, medium: 2, low: 3 } as const;

export interface DrMovePlan {
  site: string;
  backupSite: string;
  /** Per production host: its HMC and the VMs to shut down there, lowest priority first. */
  shutdown: Array<{ hmc: string; host: string; vms: string[] }>;
  /** The configured groups holding the moved VMs' volumes, with the storage system that is their master. */
  groups: Array<{ storage: string; name: string }>;
  /** Start waves (by `startOrder`); in each, per backup host its HMC and the VMs to activate, by priority. */
  waves: Array<Array<{ hmc: string; host: string; vms: Array<{ vm: string; profile: string }> }>>;
  /** Per VM, the network (VLAN) mapping the policy records for the report. */
  networks: Array<{ vm: string; mappings: Array<{ production: string | number; backup: string | number }> }>;
}

export function planDrMove(discovery: DrDiscovery, dr: DrConfig): DrMovePlan {
  const pairOf = new Map(dr.hostPairs.map((p) => [p.production, p.backup]));
  const movers = discovery.vms
    .map((vm) => ({ vm, policy: drPolicyFor(dr, vm) }))
    .filter(({ vm, policy }) => !policy.exclude && vm.state !== 'Not Activated' && pairOf.has(vm.host));
  const hmcOf = (host: string, hosts: DrDiscovery['productionHosts']) => hosts.find((h) => h.name === host)?.hmc ?? '';
  const byImportance = (a: (typeof movers)[number], b: (typeof movers)[number]) =>
    RANK[a.policy.priority] - RANK[b.policy.priority] || (a.vm.name < b.vm.name ? -1 : 1);
  const shutdown = [...new Set(movers.map((m) => m.vm.host))].sort().map((host) => ({
    hmc: hmcOf(host, discovery.productionHosts),
    host,
    vms: movers
      .filter((m) => m.vm.host === host)
      .sort(byImportance)
      .reverse()
      .map((m) => m.vm.name),
  }));
  const byMaster = new Map(discovery.relationships.map((r) => [r.masterVolume, r.group]));
  const groupNames = new Set(movers.flatMap((m) => m.vm.volumes.map((v) => byMaster.get(v) ?? '')).filter(Boolean));
  const groups = dr.consistencyGroups
    .filter((g) => groupNames.has(g.name))
    .map((g) => ({ storage: g.master, name: g.name }));
  const waves = startWaves(
    movers.map((m) => ({ vm: m.vm.name, backupHost: pairOf.get(m.vm.host)!, policy: m.policy })),
    discovery,
  );
  return {
    site: discovery.site,
    backupSite: discovery.backupSite,
    shutdown,
    groups,
    waves,
    networks: movers
      .filter((m) => m.policy.networks.length > 0)
      .map((m) => ({ vm: m.vm.name, mappings: m.policy.networks })),
  };
}

/**
 * The start waves at the backup site: by `startOrder`, then per backup host (its HMC as discovered), the VMs by
 * priority (critical first), each with the profile of its shadow definition there.
 */
export function startWaves(
  movers: Array<{ vm: string; backupHost: string; policy: Pick<DrVmPolicy, 'priority' | 'startOrder'> }>,
  backup: {
    backupHosts: Array<{ name: string; hmc?: string }>;
    shadows: Array<{ name: string; host: string; profile: string }>;
  },
): DrMovePlan['waves'] {
  const orders = [...new Set(movers.map((m) => m.policy.startOrder))].sort((a, b) => a - b);
  return orders.map((order) => {
    const inWave = movers.filter((m) => m.policy.startOrder === order);
    return [...new Set(inWave.map((m) => m.backupHost))].sort().map((host) => ({
      hmc: backup.backupHosts.find((h) => h.name === host)?.hmc ?? '',
      host,
      vms: inWave
        .filter((m) => m.backupHost === host)
        .sort((a, b) => RANK[a.policy.priority] - RANK[b.policy.priority] || (a.vm < b.vm ? -1 : 1))
        .map((m) => ({
          vm: m.vm,
          profile: backup.shadows.find((s) => s.name === m.vm && s.host === host)?.profile ?? '',
        })),
    }));
  });
}

// Cross-references of the `dr` section of lazarus.yaml that its schema cannot see: each DR site a configured site,
// one active and one backup; every host at one site only; a host pair joins a host of the active site to one of the
// backup site; a consistency group replicates the active site's storage to the backup site's; a VM in one group only.
import type { DrConfig, LazarusConfig } from '../config/schema.js';

export interface DrConfigProblem {
  path: Array<string | number>;
  message: string;
}

/** Every DR pair of the configuration with its path: the top-level `dr`, then each of `dr.tenants` (DRaaS). */
export function drPairs(config: LazarusConfig): Array<{ pair: DrConfig; path: Array<string | number> }> {
  if (!config.dr) return [];
  return [
    { pair: config.dr, path: ['dr'] },
    ...config.dr.tenants.map((pair, i) => ({ pair, path: ['dr', 'tenants', i] })),
  ];
}

/**
 * The first problem of `config.dr`, or undefined (also when there is no `dr` section): each pair on its own, then
 * DRaaS: every tenant pair recovers to the top-level pair's backup site (the shared one), active sites and tenant
 * names differ.
 */
export function findDrConfigProblem(config: LazarusConfig): DrConfigProblem | undefined {
  const pairs = drPairs(config);
  for (const { pair, path } of pairs) {
    const problem = findPairProblem(config, pair);
    if (problem) return { ...problem, path: [...path, ...problem.path.slice(1)] };
  }
  const shared = pairs[0]?.pair.sites.find((s) => s.role === 'backup')?.name;
  const actives = new Map<string, number>();
  const tenants = new Set<string>();
  for (const [index, { pair, path }] of pairs.entries()) {
    const active = pair.sites.find((s) => s.role === 'active')!.name;
    const backup = pair.sites.find((s) => s.role === 'backup')!.name;
    if (index > 0 && backup !== shared)
      return {
        path: [...path, 'sites'],
        message: `a tenant pair recovers to the shared site "${shared}", not "${backup}"`,
      };
    if (pair.reservedCapacity && pairs.length === 1)
      return {
        path: [...path, 'reservedCapacity'],
        message: 'capacity is reserved only at a recovery site shared by several tenants (dr.tenants is empty)',
      };
    if (actives.has(active))
      return { path: [...path, 'sites'], message: `active site "${active}" is already in another DR pair` };
    actives.set(active, index);
    if (pair.tenant !== undefined) {
      if (tenants.has(pair.tenant))
        return { path: [...path, 'tenant'], message: `tenant "${pair.tenant}" already has a DR pair` };
      tenants.add(pair.tenant);
    }
  }
  for (const [ti, token] of config.api.tokens.entries())
    if (token.tenant !== undefined && !tenants.has(token.tenant))
      return {
        path: ['api', 'tokens', ti, 'tenant'],
        message: `unknown tenant "${token.tenant}" (tenants of dr: ${[...tenants].join(', ') || 'none'})`,
      };
  return undefined;
}

function findPairProblem(config: LazarusConfig, dr: DrConfig): DrConfigProblem | undefined {
  const sites = new Map(config.sites.map((s) => [s.name, s]));
  for (const [si, site] of dr.sites.entries()) {
    if (!sites.has(site.name))
      return { path: ['dr', 'sites', si, 'name'], message: `unknown site "${site.name}" (not in sites)` };
  }
  if (dr.sites[0]!.name === dr.sites[1]!.name)
    return { path: ['dr', 'sites', 1, 'name'], message: `site "${dr.sites[1]!.name}" is listed twice` };
  const active = dr.sites.findIndex((s) => s.role === 'active');
  const backup = dr.sites.findIndex((s) => s.role === 'backup');
  if (active < 0 || backup < 0)
    return { path: ['dr', 'sites', 1, 'role'], message: 'one site must be active and the other backup' };
  const siteOfHost = new Map<string, string>();
  for (const [si, site] of dr.sites.entries()) {
    for (const [hi, host] of drSiteHosts(config, site.name, dr).entries()) {
      const other = siteOfHost.get(host);
      if (other && other !== site.name)
        return { path: ['dr', 'sites', si, 'hosts', hi], message: `host "${host}" is already at site "${other}"` };
      siteOfHost.set(host, site.name);
    }
    const groupAtOtherSite = config.hostGroups.find(
      (g) => g.site !== site.name && (site.hosts ?? []).some((h) => g.hosts.includes(h)),
    );
    if (groupAtOtherSite) {
      const host = (site.hosts ?? []).find((h) => groupAtOtherSite.hosts.includes(h))!;
      return {
        path: ['dr', 'sites', si, 'hosts', site.hosts!.indexOf(host)],
        message: `host "${host}" is in host group "${groupAtOtherSite.name}" of site "${groupAtOtherSite.site}"`,
      };
    }
  }
  const activeName = dr.sites[active]!.name;
  const backupName = dr.sites[backup]!.name;
  return (
    pairsResolve(dr, siteOfHost, activeName, backupName) ??
    groupsResolve(config, dr, sites, activeName, backupName) ??
    policiesAreSound(dr)
  );
}

/** The hosts at a DR site: its `hosts`, else (for any site) the hosts of the host groups at that site. */
export function drSiteHosts(config: LazarusConfig, site: string, pair: DrConfig | undefined = config.dr): string[] {
  const listed = pair?.sites.find((s) => s.name === site)?.hosts;
  return listed ?? config.hostGroups.filter((g) => g.site === site).flatMap((g) => g.hosts);
}

function pairsResolve(
  dr: DrConfig,
  siteOfHost: Map<string, string>,
  active: string,
  backup: string,
): DrConfigProblem | undefined {
  const paired = new Map<string, number>();
  for (const [pi, pair] of dr.hostPairs.entries()) {
    for (const [end, site] of [
      ['production', active],
      ['backup', backup],
    ] as const) {
      const host = pair[end];
      const at = siteOfHost.get(host);
      const path = ['dr', 'hostPairs', pi, end];
      if (!at) return { path, message: `unknown host "${host}" (not a host of site "${site}")` };
      if (at !== site)
        return {
          path,
          message: `host "${host}" is at site "${at}"; a pair's ${end} host must be at the ${end === 'production' ? 'active' : 'backup'} site "${site}"`,
        };
    }
    const first = paired.get(pair.production);
    if (first !== undefined)
      return {
        path: ['dr', 'hostPairs', pi, 'production'],
        message: `host "${pair.production}" is already paired (dr.hostPairs[${first}]); a production host has one backup host`,
      };
    paired.set(pair.production, pi);
  }
  return undefined;
}

function groupsResolve(
  config: LazarusConfig,
  dr: DrConfig,
  sites: Map<string, { storage: string[] }>,
  active: string,
  backup: string,
): DrConfigProblem | undefined {
  const names = new Set<string>();
  const groupOfVm = new Map<string, string>();
  for (const [gi, group] of dr.consistencyGroups.entries()) {
    if (names.has(group.name))
      return { path: ['dr', 'consistencyGroups', gi, 'name'], message: `duplicate consistency group "${group.name}"` };
    names.add(group.name);
    for (const [end, site] of [
      ['master', active],
      ['aux', backup],
    ] as const) {
      const storage = group[end];
      const path = ['dr', 'consistencyGroups', gi, end];
      if (!config.storage.some((s) => s.name === storage))
        return { path, message: `unknown storage system "${storage}"` };
      if (!sites.get(site)!.storage.includes(storage))
        return {
          path,
          message: `storage system "${storage}" is not at site "${site}" (the ${end} of a group is at the ${end === 'master' ? 'active' : 'backup'} site)`,
        };
    }
    for (const [vi, vm] of (group.vms ?? []).entries()) {
      const other = groupOfVm.get(vm);
      if (other)
        return {
          path: ['dr', 'consistencyGroups', gi, 'vms', vi],
          message: `VM "${vm}" is already in consistency group "${other}"; a VM's volumes replicate in one group`,
        };
      groupOfVm.set(vm, group.name);
    }
  }
  return undefined;
}

function policiesAreSound(dr: DrConfig): DrConfigProblem | undefined {
  for (const [pi, policy] of dr.policies.entries()) {
    const seen = new Set<string>();
    for (const [ni, network] of (policy.networks ?? []).entries()) {
      const key = String(network.production);
      if (seen.has(key))
        return {
          path: ['dr', 'policies', pi, 'networks', ni, 'production'],
          message: `network "${key}" is mapped twice`,
        };
      seen.add(key);
    }
  }
  return undefined;
}

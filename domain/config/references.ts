// Cross-references in lazarus.yaml that a schema cannot see: unknown or duplicate names, a host in two groups, a
// host group whose HMC or storage is not at its site, a policy naming an unknown group, start-after cycles (by name
// here; through patterns and collocation groups in start-after.ts), settings that contradict each other
// (cross-settings.ts).
import type { LazarusConfig } from './schema.js';
import { findDrConfigProblem } from '../dr/config-checks.js';
import { findCrossSettingProblem } from './cross-settings.js';
import { findStaticStartAfterCycle } from './start-after.js';

export type ConfigPath = Array<string | number>;
export interface ConfigProblem {
  path: ConfigPath;
  message: string;
}

export function findReferenceProblem(config: LazarusConfig): ConfigProblem | undefined {
  return (
    uniqueNames(config) ??
    devicesHaveHostKeys(config) ??
    sitesNameDevices(config) ??
    hostGroupsResolve(config) ??
    policiesResolve(config) ??
    startAfterHasNoCycle(config) ??
    findStaticStartAfterCycle(config) ??
    findCrossSettingProblem(config) ??
    agentTokensResolve(config) ??
    findDrConfigProblem(config)
  );
}

function uniqueNames(config: LazarusConfig): ConfigProblem | undefined {
  const sections = [
    ['hmcs', config.hmcs, 'device'],
    ['storage', config.storage, 'device'],
    ['sites', config.sites, 'site'],
    ['hostGroups', config.hostGroups, 'host group'],
    ['notifications', config.notifications, 'notification'],
  ] as const;
  const seen = new Map<string, string>();
  for (const [section, items, kind] of sections) {
    for (const [index, item] of items.entries()) {
      const key = `${kind}:${item.name}`;
      const first = seen.get(key);
      if (first)
        return { path: [section, index, 'name'], message: `duplicate ${kind} name "${item.name}" (first at ${first})` };
      seen.set(key, `${section}[${index}]`);
    }
  }
  return undefined;
}

function devicesHaveHostKeys(config: LazarusConfig): ConfigProblem | undefined {
  if (config.knownHostsFile) return undefined;
  for (const section of ['hmcs', 'storage'] as const) {
    const index = config[section].findIndex((device) => !device.hostKey);
    if (index >= 0)
      return {
        path: [section, index, 'hostKey'],
        message: 'a host key is required (or a top-level knownHostsFile): Lazarus never trusts an unknown SSH host key',
      };
  }
  return undefined;
}

function sitesNameDevices(config: LazarusConfig): ConfigProblem | undefined {
  const hmcs = new Set(config.hmcs.map((h) => h.name));
  const storage = new Set(config.storage.map((s) => s.name));
  for (const [si, site] of config.sites.entries()) {
    for (const [i, hmc] of site.hmcs.entries())
      if (!hmcs.has(hmc)) return { path: ['sites', si, 'hmcs', i], message: `unknown HMC "${hmc}"` };
    for (const [i, system] of site.storage.entries())
      if (!storage.has(system))
        return { path: ['sites', si, 'storage', i], message: `unknown storage system "${system}"` };
  }
  return undefined;
}

function hostGroupsResolve(config: LazarusConfig): ConfigProblem | undefined {
  const sites = new Map(config.sites.map((s) => [s.name, s]));
  const groupOfHost = new Map<string, string>();
  for (const [gi, group] of config.hostGroups.entries()) {
    const site = sites.get(group.site);
    if (!site) return { path: ['hostGroups', gi, 'site'], message: `unknown site "${group.site}"` };
    for (const [i, hmc] of group.hmcs.entries()) {
      const path = group.hmcs.length > 1 ? ['hostGroups', gi, 'hmcs', i] : ['hostGroups', gi, 'hmc'];
      if (!config.hmcs.some((h) => h.name === hmc)) return { path, message: `unknown HMC "${hmc}"` };
      if (!site.hmcs.includes(hmc)) return { path, message: `HMC "${hmc}" is not at site "${site.name}"` };
    }
    if (!config.storage.some((s) => s.name === group.storage))
      return { path: ['hostGroups', gi, 'storage'], message: `unknown storage system "${group.storage}"` };
    if (!site.storage.includes(group.storage))
      return {
        path: ['hostGroups', gi, 'storage'],
        message: `storage system "${group.storage}" is not at site "${site.name}"`,
      };
    for (const [hi, host] of group.hosts.entries()) {
      const other = groupOfHost.get(host);
      if (other === group.name)
        return { path: ['hostGroups', gi, 'hosts', hi], message: `host "${host}" is listed twice` };
      if (other)
        return {
          path: ['hostGroups', gi, 'hosts', hi],
          message: `host "${host}" is already in host group "${other}"; a host belongs to one group`,
        };
      groupOfHost.set(host, group.name);
    }
  }
  return undefined;
}

function policiesResolve(config: LazarusConfig): ConfigProblem | undefined {
  const groups = new Set(config.hostGroups.map((g) => g.name));
  for (const [pi, policy] of config.policies.entries()) {
    for (const [i, group] of (policy.groups ?? []).entries()) {
      if (!groups.has(group)) return { path: ['policies', pi, 'groups', i], message: `unknown host group "${group}"` };
    }
    if (policy.collocationGroup && policy.collocationGroup === policy.antiCollocationGroup) {
      return {
        path: ['policies', pi, 'antiCollocationGroup'],
        message: 'a VM cannot be collocated and anti-collocated with the same group',
      };
    }
    if (policy.startAfter?.includes(policy.match.name ?? '\u0000'))
      return { path: ['policies', pi, 'startAfter'], message: `"${policy.match.name}" cannot start after itself` };
  }
  return undefined;
}

/** start-after edges between VMs named exactly; a cycle would deadlock the start waves. */
function startAfterHasNoCycle(config: LazarusConfig): ConfigProblem | undefined {
  const edges = new Map<string, { after: string[]; index: number }>();
  for (const [pi, policy] of config.policies.entries()) {
    if (policy.match.name && policy.startAfter?.length)
      edges.set(policy.match.name, { after: policy.startAfter, index: pi });
  }
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (vm: string, trail: string[]): string[] | undefined => {
    if (state.get(vm) === 'done') return undefined;
    if (state.get(vm) === 'visiting') return [...trail.slice(trail.indexOf(vm)), vm];
    state.set(vm, 'visiting');
    for (const next of edges.get(vm)?.after ?? []) {
      const cycle = visit(next, [...trail, vm]);
      if (cycle) return cycle;
    }
    state.set(vm, 'done');
    return undefined;
  };
  for (const vm of edges.keys()) {
    const cycle = visit(vm, []);
    if (cycle)
      return {
        path: ['policies', edges.get(cycle[0]!)!.index, 'startAfter'],
        message: `start-after dependency cycle: ${cycle.join(' → ')}`,
      };
  }
  return undefined;
}

/** Agent tokens: unique names, and a group token names a configured host group. */
function agentTokensResolve(config: LazarusConfig): ConfigProblem | undefined {
  const groups = new Set(config.hostGroups.map((g) => g.name));
  const seen = new Set<string>();
  for (const [ti, token] of config.agents.tokens.entries()) {
    if (seen.has(token.name))
      return { path: ['agents', 'tokens', ti, 'name'], message: `duplicate agent token name "${token.name}"` };
    seen.add(token.name);
    if (token.group !== undefined && !groups.has(token.group))
      return { path: ['agents', 'tokens', ti, 'group'], message: `unknown host group "${token.group}"` };
  }
  return undefined;
}

// Which policy applies to a VM: later entries refine earlier ones field by field; a policy scoped to groups applies
// only inside them. Exact names, glob patterns (* and ?) and tags match.
import type { LazarusConfig, PriorityClass, VmPolicy } from './schema.js';

export interface EffectivePolicy {
  priority: PriorityClass;
  collocationGroup?: string;
  antiCollocationGroup?: string;
  startAfter: string[];
  exclude: boolean;
  allowReducedSize: boolean;
}

export function policyFor(config: Pick<LazarusConfig, 'policies'>, vm: { name: string; group: string; tags?: string[]; priority?: PriorityClass }): EffectivePolicy {
  const effective: EffectivePolicy = { priority: vm.priority ?? 'medium', startAfter: [], exclude: false, allowReducedSize: false };
  for (const policy of config.policies) {
    if (!matches(policy, vm)) continue;
    if (policy.priority) effective.priority = policy.priority;
    if (policy.collocationGroup) effective.collocationGroup = policy.collocationGroup;
    if (policy.antiCollocationGroup) effective.antiCollocationGroup = policy.antiCollocationGroup;
    if (policy.startAfter) effective.startAfter = [...policy.startAfter];
    if (policy.exclude !== undefined) effective.exclude = policy.exclude;
    if (policy.allowReducedSize !== undefined) effective.allowReducedSize = policy.allowReducedSize;
  }
  return effective;
}

function matches(policy: VmPolicy, vm: { name: string; group: string; tags?: string[] }): boolean {
  if (policy.groups && !policy.groups.includes(vm.group)) return false;
  const { name, pattern, tag } = policy.match;
  if (name !== undefined) return vm.name === name;
  if (tag !== undefined) return vm.tags?.includes(tag) ?? false;
  return globToRegExp(pattern!).test(vm.name);
}

function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
}

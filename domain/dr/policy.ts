// Which DR policy applies to a VM: every matching `dr.policies` entry in order, later ones refining earlier ones
// field by field (as the failover's policies do), over the defaults: the HMC's priority, start wave 1, full size,
// protected, no network mapping.
import { globToRegExp } from '../config/policies.js';
import type { DrConfig, PriorityClass } from '../config/schema.js';

export interface DrVmPolicy {
  priority: PriorityClass;
  startOrder: number;
  allowReducedSize: boolean;
  exclude: boolean;
  networks: Array<{ production: string | number; backup: string | number }>;
}

export function drPolicyFor(
  dr: Pick<DrConfig, 'policies'>,
  vm: { name: string; priority: PriorityClass; tags?: string[] },
): DrVmPolicy {
  const effective: DrVmPolicy = {
    priority: vm.priority,
    startOrder: 1,
    allowReducedSize: false,
    exclude: false,
    networks: [],
  };
  for (const policy of dr.policies) {
    const { name, pattern, tag } = policy.match;
    const hit =
      name !== undefined
        ? vm.name === name
        : tag !== undefined
          ? (vm.tags?.includes(tag) ?? false)
          : globToRegExp(pattern!).test(vm.name);
    if (!hit) continue;
    if (policy.priority) effective.priority = policy.priority;
    if (policy.startOrder !== undefined) effective.startOrder = policy.startOrder;
    if (policy.allowReducedSize !== undefined) effective.allowReducedSize = policy.allowReducedSize;
    if (policy.exclude !== undefined) effective.exclude = policy.exclude;
    if (policy.networks) effective.networks = policy.networks.map((n) => ({ ...n }));
  }
  return effective;
}

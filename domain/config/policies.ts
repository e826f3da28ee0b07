// Which policy applies to a VM: later entries refine earlier ones field by field; a policy scoped to groups applies
// only inside them. Exact names, glob patterns (* and ?) and tags match.
import type { ReducedSizePolicy } from './reduced-size.js';
import type { LazarusConfig, PriorityClass, VmPolicy } from './schema.js';

export interface EffectivePolicy {
  priority: PriorityClass;
  /** Where `priority` comes from: a matching policy, the VM's own (the HMC's lpar_avail_priority), or the default. */
  prioritySource: 'policy' | 'inventory' | 'default';
  collocationGroup?: string;
  antiCollocationGroup?: string;
  startAfter: string[];
  exclude: boolean;
  allowReducedSize: boolean;
  /** How small it restarts when reduced (a percentage or figures); absent: its profile minimum. */
  reducedSize?: ReducedSizePolicy;
}

/**
 * The policy of one VM: every matching entry of `config.policies` applied in order over the defaults (the VM's own
 * priority from the inventory, else `medium`; no groups; not excluded; full size).
 */
export function policyFor(
  config: Pick<LazarusConfig, 'policies'>,
  vm: { name: string; group: string; tags?: string[]; priority?: PriorityClass },
): EffectivePolicy {
  const effective: EffectivePolicy = {
    priority: vm.priority ?? 'medium',
    prioritySource: vm.priority ? 'inventory' : 'default',
    startAfter: [],
    exclude: false,
    allowReducedSize: false,
  };
  for (const policy of config.policies) {
    if (!matches(policy, vm)) continue;
    if (policy.priority) {
      effective.priority = policy.priority;
      effective.prioritySource = 'policy';
    }
    if (policy.collocationGroup) effective.collocationGroup = policy.collocationGroup;
    if (policy.antiCollocationGroup) effective.antiCollocationGroup = policy.antiCollocationGroup;
    if (policy.startAfter) effective.startAfter = [...policy.startAfter];
    if (policy.exclude !== undefined) effective.exclude = policy.exclude;
    if (policy.allowReducedSize !== undefined) effective.allowReducedSize = policy.allowReducedSize;
    if (policy.reducedSize) {
      effective.allowReducedSize = true;
      effective.reducedSize = { ...policy.reducedSize };
    } else if (policy.allowReducedSize === false) delete effective.reducedSize;
  }
  return effective;
}

/** Whether `policy` applies to `vm`: its groups (when set) hold the VM's, and its name, glob pattern or tag matches. */
export function matches(policy: VmPolicy, vm: { name: string; group: string; tags?: string[] }): boolean {
  if (policy.groups && !policy.groups.includes(vm.group)) return false;
  const { name, pattern, tag } = policy.match;
  if (name !== undefined) return vm.name === name;
  if (tag !== undefined) return vm.tags?.includes(tag) ?? false;
  return globToRegExp(pattern!).test(vm.name);
}

/** A glob (`*` any run of characters, `?` one) as an anchored RegExp. */
export function globToRegExp(glob: string): RegExp {
  return new RegExp(
    `^${glob
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
}

// Which VMs an agent token may report for: the VMs it names (exact names or glob patterns), or every VM of its host
// group. A token never reports for a VM outside that scope (the API answers 403).
import { globToRegExp } from '../config/policies.js';

export interface AgentTokenScope {
  name: string;
  vms?: string[];
  group?: string;
}

/** Whether `token` may report for `vm`, a VM of host group `group` (undefined: the inventory does not know it). */
export function tokenCovers(token: AgentTokenScope, vm: string, group: string | undefined): boolean {
  if (token.group !== undefined) return group === token.group;
  return (token.vms ?? []).some((pattern) => globToRegExp(pattern).test(vm));
}

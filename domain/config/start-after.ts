// start-after between VMs, resolved the way the planner will see it: each VM's effective policy (later matching
// entries replace earlier ones; patterns and group scopes apply), and collocation groups, whose members restart
// together as one unit. Two kinds of trouble:
//   - a cycle: VMs that wait for each other, directly or through a collocation group (x waits for y, y waits for z,
//     z is collocated with x). The planner can only break it in some order, where priorities are best effort
//     (domain/planner/plan.ts), so a cycle the configuration decides alone is refused at load, and one that needs the
//     inventory (a pattern matching a discovered VM) is a warning at each discovery;
//   - a start-after naming a VM the host group does not have: the dependency is silently ignored by the planner, so
//     each discovery warns, naming the policy.
import { matches } from './policies.js';
import type { ConfigPath } from './references.js';
import type { LazarusConfig } from './schema.js';

/** A VM as the policies see it: its name and, when known, its tags. */
export interface PolicyVm {
  name: string;
  tags?: string[];
}

/** One start-after edge: `vm` waits for `after`, because of `policies[policy].startAfter[index]`. */
interface Edge {
  vm: string;
  after: string;
  policy: number;
  index: number;
}

/** A start-after problem found against the VMs of one host group; `path` is the policy's startAfter entry. */
export interface StartAfterWarning {
  group: string;
  path: ConfigPath;
  message: string;
}

interface Resolved {
  edges: Edge[];
  /** VM → its collocation group, when a policy gives one. */
  unitOf: Map<string, string>;
}

/** Every VM's effective start-after (with the policy it comes from) and collocation group in `group`. */
function resolve(config: Pick<LazarusConfig, 'policies'>, group: string, vms: readonly PolicyVm[]): Resolved {
  const edges: Edge[] = [];
  const unitOf = new Map<string, string>();
  for (const vm of vms) {
    let startAfter: { policy: number; names: string[] } | undefined;
    for (const [pi, policy] of config.policies.entries()) {
      if (!matches(policy, { name: vm.name, group, tags: vm.tags })) continue;
      if (policy.startAfter) startAfter = { policy: pi, names: policy.startAfter };
      if (policy.collocationGroup) unitOf.set(vm.name, policy.collocationGroup);
    }
    for (const [index, after] of (startAfter?.names ?? []).entries())
      if (after !== vm.name) edges.push({ vm: vm.name, after, policy: startAfter!.policy, index });
  }
  return { edges, unitOf };
}

/**
 * The first cycle among `edges` seen through `nodeOf` (a VM's own name, or its collocation unit), as the edges that
 * close it; edges whose ends share a node are skipped (inside one unit the order is the stream's to keep).
 */
function findCycle(edges: readonly Edge[], nodeOf: (vm: string) => string): Edge[] | undefined {
  const out = new Map<string, Edge[]>();
  for (const edge of edges) {
    const from = nodeOf(edge.vm);
    if (from === nodeOf(edge.after)) continue;
    (out.get(from) ?? out.set(from, []).get(from)!).push(edge);
  }
  const state = new Map<string, 'visiting' | 'done'>();
  const trail: Edge[] = [];
  const visit = (node: string): Edge[] | undefined => {
    state.set(node, 'visiting');
    for (const edge of out.get(node) ?? []) {
      const next = nodeOf(edge.after);
      trail.push(edge);
      if (state.get(next) === 'visiting') return trail.slice(trail.findIndex((e) => nodeOf(e.vm) === next));
      if (state.get(next) === undefined) {
        const cycle = visit(next);
        if (cycle) return cycle;
      }
      trail.pop();
    }
    state.set(node, 'done');
    return undefined;
  };
  for (const node of [...out.keys()].sort()) {
    if (state.get(node)) continue;
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

/** "a after b (policies[3]), b after c (policies[5])"; a collocation group shown where it joins the cycle. */
function describeCycle(cycle: readonly Edge[], unitOf: ReadonlyMap<string, string>): string {
  const label = (vm: string) => (unitOf.has(vm) ? `${vm} [collocation group ${unitOf.get(vm)}]` : vm);
  return cycle.map((e) => `${label(e.vm)} after ${label(e.after)} (policies[${e.policy}])`).join(', ');
}

/** The cycles (VM by VM, then through collocation groups) among `vms` of `group`, each as one warning. */
function cycleWarnings(config: Pick<LazarusConfig, 'policies'>, group: string, vms: readonly PolicyVm[]) {
  const { edges, unitOf } = resolve(config, group, vms);
  const problems: Array<{ cycle: Edge[]; message: string }> = [];
  const direct = findCycle(edges, (vm) => vm);
  if (direct)
    problems.push({
      cycle: direct,
      message: `start-after cycle in host group ${group}: ${describeCycle(direct, unitOf)}; no order can start them`,
    });
  const unit = (vm: string) => (unitOf.has(vm) ? `collocation:${unitOf.get(vm)}` : `vm:${vm}`);
  const throughGroups = direct ? undefined : findCycle(edges, unit);
  if (throughGroups) {
    const groups = [...new Set(throughGroups.flatMap((e) => [e.vm, e.after]).flatMap((vm) => unitOf.get(vm) ?? []))];
    problems.push({
      cycle: throughGroups,
      message:
        `start-after cycle in host group ${group} through collocation group${groups.length > 1 ? 's' : ''} ` +
        `${groups.join(', ')}: ${describeCycle(throughGroups, unitOf)}; a collocation group restarts ` +
        'as one, so the planner can only break the cycle in some order and its priorities are best effort',
    });
  }
  return problems;
}

/**
 * A start-after cycle that the configuration alone decides: among the VMs it names (match.name and startAfter
 * entries), untagged, in each host group, with patterns and collocation groups applied. Returned as the path of the
 * first edge's startAfter entry; undefined when there is none. Cycles that depend on which VMs exist are
 * startAfterWarnings' job, at each discovery.
 */
export function findStaticStartAfterCycle(config: Pick<LazarusConfig, 'policies' | 'hostGroups'>) {
  const named = new Set<string>();
  for (const policy of config.policies) {
    if (policy.match.name !== undefined) named.add(policy.match.name);
    for (const after of policy.startAfter ?? []) named.add(after);
  }
  const vms = [...named].sort().map((name) => ({ name }));
  for (const group of config.hostGroups) {
    const [first] = cycleWarnings(config, group.name, vms);
    if (first) {
      const edge = first.cycle[0]!;
      return { path: ['policies', edge.policy, 'startAfter', edge.index] as ConfigPath, message: first.message };
    }
  }
  return undefined;
}

/**
 * What the planner would silently work around in host group `group` with these VMs (the inventory's LPARs of the
 * group): a start-after naming a VM the group does not have (one warning per policy entry, with the VMs that wait
 * for it), and a start-after cycle, VM by VM or through collocation groups (one warning naming each policy on it).
 * Pure; never throws. Each warning's message starts with the policy path, so a log line alone says what to fix.
 */
export function startAfterWarnings(
  config: Pick<LazarusConfig, 'policies'>,
  group: string,
  vms: readonly PolicyVm[],
): StartAfterWarning[] {
  const { edges } = resolve(config, group, vms);
  const present = new Set(vms.map((vm) => vm.name));
  const unknown = new Map<string, { edge: Edge; waiting: string[] }>();
  for (const edge of edges) {
    if (present.has(edge.after)) continue;
    const key = `${edge.policy}/${edge.index}`;
    (unknown.get(key) ?? unknown.set(key, { edge, waiting: [] }).get(key)!).waiting.push(edge.vm);
  }
  const warnings: StartAfterWarning[] = [];
  for (const { edge, waiting } of unknown.values()) {
    const shown = waiting.slice(0, 5).join(', ') + (waiting.length > 5 ? ` and ${waiting.length - 5} more` : '');
    warnings.push({
      group,
      path: ['policies', edge.policy, 'startAfter', edge.index],
      message:
        `policies[${edge.policy}].startAfter[${edge.index}]: "${edge.after}" is not a VM of host group ${group}; ` +
        `${shown} will not wait for it`,
    });
  }
  for (const { cycle, message } of cycleWarnings(config, group, vms)) {
    const policies = [...new Set(cycle.map((e) => e.policy))].map((p) => `policies[${p}]`);
    warnings.push({
      group,
      path: ['policies', cycle[0]!.policy, 'startAfter'],
      message: `${policies.join(', ')}: ${message}`,
    });
  }
  return warnings;
}

// The planner's inputs built from what Lazarus knows of a host group (LPARs with their policies, survivors'
// residents), and "what if host X fails?" for every host of a group, from the latest good inventory: the planner
// places X's LPARs on the others' free capacity, beside what already runs there; anything it cannot place is a
// shortfall, stored and raised as a notification.
import type { LazarusConfig, PriorityClass } from '../../domain/config/index.js';
import { PRIORITY_CLASSES, policyFor, reducedSizeOf } from '../../domain/config/index.js';
import { partitionEvidence } from '../../domain/failover/partition-states.js';
import type { InventorySnapshot } from '../../domain/inventory/index.js';
import {
  DEFAULT_LATENCY,
  planPlacement,
  type PlannerHost,
  type PlannerLpar,
  type PlannerResident,
  type PriorityRank,
  type UnplacedReason,
} from '../../domain/planner/index.js';
import type { CapacityCheckInput } from '../inventory/index.js';

/** The planner's rank of each priority class: a lower rank restarts first. */
export const PRIORITY_RANK: Readonly<Record<PriorityClass, PriorityRank>> = { critical: 0, high: 1, medium: 2, low: 3 };

/**
 * The priority class of a planner rank (0 critical, 1 high, 2 medium, 3 low), e.g. of `Placement.priority`, for
 * plans and reports. Throws a RangeError for any other rank (only a bug of ours makes one).
 */
export function priorityClassOf(rank: PriorityRank): PriorityClass {
  const name = PRIORITY_CLASSES[rank];
  if (name === undefined) throw new RangeError(`no priority class has rank ${rank}`);
  return name;
}

/** A planner LPAR built from the inventory, with the priority class its rank came from and where that came from. */
export interface InventoryPlannerLpar extends PlannerLpar {
  /**
   * Its own priority class, which `priority` ranks: the policy's when a matching policy sets one, else the
   * inventory's (the HMC's lpar_avail_priority), else `medium`. Before inheritance: the class the plan restarts it
   * with is `priorityClassOf(placement.priority)`, raised where something more important must start after it.
   */
  priorityClass: PriorityClass;
  prioritySource: 'policy' | 'inventory' | 'default';
}

/**
 * The planner's view of the LPARs the inventory puts on `host` (every state: the caller decides which to restart),
 * each with its policy applied (priority, groups, start-after, exclusion, reduced size).
 */
export function plannerLpars(
  snapshot: Pick<InventorySnapshot, 'group' | 'lpars'>,
  config: Pick<LazarusConfig, 'policies'>,
  host: string,
): InventoryPlannerLpar[] {
  return snapshot.lpars
    .filter((l) => l.host === host)
    .map((l) => {
      const policy = policyFor(config, { name: l.name, group: snapshot.group, priority: l.priority });
      return {
        name: l.name,
        sourceHost: l.host,
        procUnits: { desired: l.processorUnits.desired, min: l.processorUnits.min },
        memoryMb: { desired: l.memoryMb.desired, min: l.memoryMb.min },
        volumes: l.volumes.length,
        ...(l.attachment === 'npiv' && { npiv: true }),
        priority: PRIORITY_RANK[policy.priority],
        priorityClass: policy.priority,
        prioritySource: policy.prioritySource,
        collocationGroup: policy.collocationGroup,
        antiCollocationGroup: policy.antiCollocationGroup,
        startAfter: policy.startAfter,
        exclude: policy.exclude,
        allowReducedSize: policy.allowReducedSize,
        ...(policy.allowReducedSize && {
          reducedTo: reducedSizeOf(policy.reducedSize, {
            min: { procUnits: l.processorUnits.min, memoryMb: l.memoryMb.min },
            desired: { procUnits: l.processorUnits.desired, memoryMb: l.memoryMb.desired },
          }),
        }),
      };
    });
}

/** Where an LPAR was last seen and in which HMC state (`state` verbatim, e.g. `Running`, `Not Activated`). */
export interface LparWhereabouts {
  name: string;
  host: string;
  state: string;
  /** For policies that match by tag. */
  tags?: string[];
}

/**
 * The residents of each host for the planner's `PlannerHost.residents`: the LPARs that may be running there
 * (`partitionEvidence(state)` is `running` or `may-be-running`: Running, Starting, Error, Not Available, unknown
 * states...), each with its collocation and anti-collocation group from `config.policies` for `group`. An LPAR proven
 * not active (`Not Activated`) or absent is no resident: it holds no place a rule must respect.
 * Returns host name → residents in input order; a host without any has no entry. Pure; never throws.
 */
export function plannerResidents(
  lpars: readonly LparWhereabouts[],
  config: Pick<LazarusConfig, 'policies'>,
  group: string,
): Map<string, PlannerResident[]> {
  const residents = new Map<string, PlannerResident[]>();
  for (const lpar of lpars) {
    if (!mayBeRunning(lpar.state)) continue;
    const policy = policyFor(config, { name: lpar.name, group, tags: lpar.tags });
    const resident: PlannerResident = { name: lpar.name, state: lpar.state };
    if (policy.collocationGroup) resident.collocationGroup = policy.collocationGroup;
    if (policy.antiCollocationGroup) resident.antiCollocationGroup = policy.antiCollocationGroup;
    (residents.get(lpar.host) ?? residents.set(lpar.host, []).get(lpar.host)!).push(resident);
  }
  return residents;
}

/** Whether an LPAR in this HMC state may be running (or is): the evidence the safety gates read. */
function mayBeRunning(state: string): boolean {
  const evidence = partitionEvidence(state);
  return evidence === 'running' || evidence === 'may-be-running';
}

/** Reasons that are a lack of room (a shortfall of processor units or memory), not a placement rule. */
const CAPACITY_REASONS: ReadonlySet<UnplacedReason> = new Set(['capacity', 'collocation-capacity']);

/**
 * "What if each host fails" for the group of `snapshot`: for every managed system, a plan of its LPARs that would be
 * restarted (those that may be running, not excluded) onto the other Operating systems' free capacity, beside their
 * residents. A host `fits` when every such LPAR is placed; `shortfalls` sum what the LPARs left out for lack of room
 * need against what the survivors have free; `unplaced` gives every LPAR left out with the planner's reason.
 */
export function checkCapacity(
  snapshot: InventorySnapshot,
  config: Pick<LazarusConfig, 'policies'>,
  checkedAt: Date,
): CapacityCheckInput {
  const residents = plannerResidents(snapshot.lpars, config, snapshot.group);
  // An LPAR that was not running is not restarted when its host fails (its owner's intent), so it needs no room.
  const mayRun = new Set(snapshot.lpars.filter((l) => mayBeRunning(l.state)).map((l) => l.name));
  const hosts = snapshot.managedSystems.map((failed) => {
    const lpars = plannerLpars(snapshot, config, failed.name).filter((l) => !l.exclude && mayRun.has(l.name));
    const survivors: PlannerHost[] = snapshot.managedSystems
      .filter((m) => m.name !== failed.name && m.state === 'Operating')
      .map((m) => ({
        name: m.name,
        freeProcUnits: m.processorUnits.available,
        freeMemoryMb: m.memoryMb.available,
        residents: residents.get(m.name) ?? [],
      }));
    const plan = planPlacement(lpars, survivors, DEFAULT_LATENCY);
    const byName = new Map(lpars.map((l) => [l.name, l]));
    const short = plan.unplaced.filter((u) => CAPACITY_REASONS.has(u.reason)).map((u) => byName.get(u.lpar)!);
    const names = short.map((l) => l.name);
    const shortfall = (resource: 'processorUnits' | 'memoryMb', needed: number[], available: number[]) => ({
      resource,
      needed: sum(needed),
      available: sum(available),
      lpars: names,
    });
    const shortfalls =
      short.length === 0
        ? []
        : [
            shortfall(
              'processorUnits',
              short.map((l) => l.procUnits.desired),
              survivors.map((s) => s.freeProcUnits),
            ),
            shortfall(
              'memoryMb',
              short.map((l) => l.memoryMb.desired),
              survivors.map((s) => s.freeMemoryMb),
            ),
          ];
    const unplaced = plan.unplaced.map(({ lpar, reason, detail }) => ({ lpar, reason, detail }));
    return { failedHost: failed.name, fits: plan.unplaced.length === 0, shortfalls, unplaced };
  });
  return { group: snapshot.group, checkedAt: checkedAt.toISOString(), hosts };
}

const sum = (values: number[]) => Math.round(values.reduce((a, b) => a + b, 0) * 100) / 100;

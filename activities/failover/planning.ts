// Planning a failover at failure time: the LPARs to restart (with their sizes and volumes from the inventory), the
// surviving hosts as the HMC shows them now (state, free capacity, and the LPARs already running there, so placement
// rules see the residents), and the planner. Re-plans exclude, per LPAR, only the hosts that failed for it.
import type { HostGroupConfig, LazarusConfig } from '../../domain/config/index.js';
import type { FailoverPlan, GroupEvidence, ReducedSize } from '../../domain/failover/index.js';
import type { Lpar } from '../../domain/inventory/index.js';
import {
  DEFAULT_LATENCY,
  planPlacement,
  type LatencyModel,
  type PlannerHost,
  type PlannerLpar,
} from '../../domain/planner/index.js';
import { plannerLpars, plannerResidents, priorityClassOf } from '../discovery/capacity-check.js';

export interface PlanRequest {
  group: HostGroupConfig;
  config: LazarusConfig;
  failedHost: string;
  /** The LPARs to place, each with the hosts it must not go to (those that already failed for it). */
  lpars: Array<{ name: string; excludeHosts: string[] }>;
  /** The inventory's record of each LPAR by name (sizes, volumes, priority), wherever it was last seen. */
  known: Map<string, Lpar>;
  /** Operating survivors with their free capacity, read from the HMC now. */
  survivors: Array<{ name: string; freeProcUnits: number; freeMemoryMb: number }>;
  evidence: GroupEvidence;
  /**
   * Plan every LPAR at its desired size, whatever its policy allows: for moves that cannot change a size on the way
   * (an evacuation's LPM). A failover plans reduced sizes where the policy allows and capacity is short.
   */
  fullSizeOnly?: boolean;
  /**
   * LPARs an earlier failover restarted at reduced size and never returned (inventory `reduced_sizes`), by name, with
   * their full size: they are planned from that full size (discovery read their reduced profile as "desired"), and one
   * placed at full size gets its profile set back to it before its restart (`PlannedLpar.fullSize`).
   */
  reducedEarlier?: Map<string, { procUnits: number; memoryMb: number }>;
}

/**
 * Places the requested LPARs. LPARs with the same exclusions are planned together; groups with other exclusions are
 * planned after them on what is left (capacity used and LPARs placed count as residents for the next group).
 */
export function planFailover(input: PlanRequest): FailoverPlan {
  const request = withFullSizes(input);
  // An LPAR whose volumes the inventory does not know cannot be restarted with its disks: it is reported, never
  // started without them (a real HMC may well start it, on no disk or the wrong one).
  const unknown = request.lpars.filter((l) => !request.known.get(l.name)?.volumes.length);
  const byExclusion = new Map<string, Array<{ name: string; excludeHosts: string[] }>>();
  for (const lpar of request.lpars.filter((l) => request.known.get(l.name)?.volumes.length)) {
    const key = [...lpar.excludeHosts].sort().join(',');
    byExclusion.set(key, [...(byExclusion.get(key) ?? []), lpar]);
  }
  let hosts = survivorHosts(request);
  const streams = new Map<string, FailoverPlan['streams'][number]>();
  const plan: FailoverPlan = { streams: [], estimatedRtoMs: 0, unplaced: unknown.map((l) => notInInventory(l.name)) };
  for (const [key, members] of [...byExclusion.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const excluded = new Set(key.split(',').filter(Boolean));
    const part = planOnce(
      request,
      members.map((m) => m.name),
      hosts.filter((h) => !excluded.has(h.name)),
    );
    plan.unplaced.push(...part.plan.unplaced);
    plan.estimatedRtoMs = Math.max(plan.estimatedRtoMs, part.plan.estimatedRtoMs);
    for (const stream of part.plan.streams) {
      const merged = streams.get(stream.destination) ?? { destination: stream.destination, lpars: [], estimatedMs: 0 };
      merged.lpars.push(...stream.lpars);
      merged.estimatedMs += stream.estimatedMs;
      streams.set(stream.destination, merged);
    }
    hosts = part.hostsAfter;
  }
  plan.streams = [...streams.values()];
  return plan;
}

function planOnce(
  request: PlanRequest,
  names: string[],
  hosts: PlannerHost[],
): { plan: FailoverPlan; hostsAfter: PlannerHost[] } {
  const lpars = plannerInputs(request, names);
  const result = planPlacement(lpars, hosts, latencyOf(request.group));
  const placement = new Map(result.placements.map((p) => [p.lpar, p]));
  const plan: FailoverPlan = {
    streams: result.streams.map((s) => ({
      destination: s.host,
      estimatedMs: s.estimatedMs,
      lpars: s.order.map((name) => ({
        name,
        priority: priorityClassOf(placement.get(name)!.priority),
        volumes: request.known.get(name)?.volumes.map((v) => v.vdiskName) ?? [],
        reduced: placement.get(name)?.reduced ?? false,
        ...reducedSizeOfPlacement(placement.get(name), request.known.get(name)),
        ...(!placement.get(name)?.reduced &&
          request.reducedEarlier?.has(name) && {
            fullSize: request.reducedEarlier.get(name)!,
          }),
        ...(request.known.get(name)?.attachment === 'npiv' && { attachment: 'npiv' as const }),
      })),
    })),
    unplaced: result.unplaced.map((u) => ({ lpar: u.lpar, reason: u.reason, detail: u.detail })),
    estimatedRtoMs: result.estimatedRtoMs,
  };
  const placedAsResidents = plannerResidents(
    result.placements.map((p) => ({ name: p.lpar, host: p.destination, state: 'Running' })),
    request.config,
    request.group.name,
  );
  const hostsAfter = hosts.map((h) => {
    const placed = result.placements.filter((p) => p.destination === h.name);
    return {
      ...h,
      freeProcUnits: h.freeProcUnits - placed.reduce((n, p) => n + p.procUnits, 0),
      freeMemoryMb: h.freeMemoryMb - placed.reduce((n, p) => n + p.memoryMb, 0),
      residents: [...(h.residents ?? []), ...(placedAsResidents.get(h.name) ?? [])],
    };
  });
  return { plan, hostsAfter };
}

/**
 * The planner's view of each LPAR: sizes from the inventory, the effective (policy) priority, placement rules and
 * the reduced size its policy allows (the restart stream changes its profile to that size before the restart).
 */
function plannerInputs(request: PlanRequest, names: string[]): PlannerLpar[] {
  const lpars = names.map((name) => ({ ...request.known.get(name)!, host: request.failedHost }));
  const planned = plannerLpars({ group: request.group.name, lpars }, request.config, request.failedHost);
  return request.fullSizeOnly ? planned.map((l) => ({ ...l, allowReducedSize: false })) : planned;
}

/** The request with every LPAR reduced earlier known at its full size (its profile still says the reduced one). */
function withFullSizes(request: PlanRequest): PlanRequest {
  if (!request.reducedEarlier?.size) return request;
  const known = new Map(request.known);
  for (const [name, full] of request.reducedEarlier) {
    const lpar = known.get(name);
    if (!lpar) continue;
    known.set(name, {
      ...lpar,
      processorUnits: { ...lpar.processorUnits, desired: full.procUnits },
      memoryMb: { ...lpar.memoryMb, desired: full.memoryMb },
    });
  }
  return { ...request, known };
}

/** `reducedSize` for a placement the planner made smaller than the LPAR's desired size; nothing otherwise. */
function reducedSizeOfPlacement(
  placement: { reduced: boolean; procUnits: number; memoryMb: number } | undefined,
  known: Lpar | undefined,
): { reducedSize?: ReducedSize } {
  if (!placement?.reduced || !known) return {};
  const { procUnits, memoryMb } = placement;
  const fullProcUnits = known.processorUnits.desired;
  const fullMemoryMb = known.memoryMb.desired;
  return { reducedSize: { procUnits, memoryMb, fullProcUnits, fullMemoryMb } };
}

/** The survivors with what the HMC shows may be running on each (the residents placement rules respect). */
function survivorHosts(request: PlanRequest): PlannerHost[] {
  const seen = request.evidence.hosts.flatMap((h) =>
    Object.entries(h.partitions ?? {}).map(([name, state]) => ({ name, host: h.host, state })),
  );
  const residents = plannerResidents(seen, request.config, request.group.name);
  return request.survivors.map((s) => ({ ...s, residents: residents.get(s.name) ?? [] }));
}

function latencyOf(group: HostGroupConfig): LatencyModel {
  const measured = group.recovery.stepDurations;
  return {
    ...DEFAULT_LATENCY,
    ...(measured && {
      viosConfigMs: measured.viosConfig,
      volumeMappingMs: measured.volumeMapping,
      activateMs: measured.activate,
      bootMs: measured.boot,
    }),
    parallelMappings: group.recovery.parallelMappingsPerStream,
  };
}

function notInInventory(name: string) {
  return {
    lpar: name,
    reason: 'volumes-unknown',
    detail:
      'the inventory knows none of its volumes (never discovered, or discovery could not tell which host object ' +
      'serves it): it is not restarted without its disks; map them and start it, or run discovery and fail over again',
  };
}

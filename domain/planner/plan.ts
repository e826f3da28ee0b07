// The placement planner: where each LPAR of the failed hosts restarts, in which order inside each destination
// stream, and how long that should take. Pure and deterministic.
//
// Rules: capacity is never exceeded (reduced size only where allowed); anti-collocated LPARs never share a host, with
// each other nor with a resident (an LPAR already running there); collocated LPARs move together, and onto a host
// where residents of their group run when there is one (collocation is a requirement, as among the restarted LPARs:
// a group is left out with the reason rather than split from its running members); LPARs are placed in priority
// order, so a lower priority never takes capacity a higher priority needed. Among valid placements it balances the
// streams (longest work first onto the least loaded host), since the slowest stream decides the RTO. One limit:
// collocation groups tied into a start-after cycle between groups must be placed in an order that breaks the cycle,
// and there the priority rule is best effort.
import { estimateStreams, lparDuration } from './estimate.js';
import { orderStream } from './order.js';
import type { LatencyModel, Placement, PlacementBlocker, Plan, PlannerHost, PlannerLpar, Unplaced } from './types.js';

/** An LPAR on a host: a resident, or one this plan put there. */
interface Occupant {
  lpar: string;
  resident: boolean;
}

interface HostState {
  name: string;
  freeProcUnits: number;
  freeMemoryMb: number;
  /** Anti-collocation group → the first LPAR of it on the host, resident or placed; created when needed. */
  antiGroups?: Map<string, Occupant>;
  /** Collocation group → the residents of it on the host; created when needed. */
  collocated?: Map<string, string[]>;
  loadMs: number;
}

/** LPARs that must land on the same host (a collocation group), or a single LPAR. */
interface Unit {
  members: PlannerLpar[];
  /** Effective priority rank (inherited from dependents) and dependency depth, which order the placement. */
  priority: number;
  wave: number;
  durationMs: number;
  antiGroups: string[];
  /** The collocation group the unit is, if it is one. */
  collocationGroup?: string;
  label: string;
}

const EPSILON = 1e-9;
/** Blockers listed per unplaced LPAR: enough to act on, small enough for a report on a 500-host group. */
const MAX_BLOCKERS = 10;
const PLACED = ' (placed by this plan)';

/**
 * Places `lpars` (the failed hosts' LPARs) on `hosts` (the survivors, with their free capacity and residents) and
 * orders the restart work per destination. Pure and deterministic: the same input gives the same plan. Every LPAR
 * ends in exactly one of `placements` or `unplaced`; `estimatedRtoMs` comes from `latency`. Never throws.
 */
export function planPlacement(lpars: PlannerLpar[], hosts: PlannerHost[], latency: LatencyModel): Plan {
  const excluded: Unplaced[] = [];
  const candidates = lpars.filter((lpar) => {
    if (!lpar.exclude) return true;
    excluded.push({ lpar: lpar.name, reason: 'excluded', detail: 'excluded from recovery by policy' });
    return false;
  });
  const priority = effectivePriorities(candidates);
  // A unit knotted into a start-after cycle is placed before everything it waits for is decided; if that then cannot
  // be restarted, its LPARs are dropped, and the room they held was lost to the units placed after them. So the
  // placement runs again with them left out from the start. Each round leaves out more, so this ends; without
  // knots there is one round.
  const dropped = new Map<string, Unplaced>();
  let round = placeAll(candidates, hosts, priority, dropped, latency);
  while (round.dropped.length > 0) {
    for (const u of round.dropped) dropped.set(u.lpar, u);
    round = placeAll(candidates, hosts, priority, dropped, latency);
  }
  const { placements } = round;
  const byName = new Map(lpars.map((l) => [l.name, l]));
  const refreshed = (u: Unplaced) =>
    dropped.has(u.lpar) ? whyDropped(byName.get(u.lpar)!, placements, candidates) : u;
  const unplaced = [...excluded, ...round.unplaced.map(refreshed)];
  const ranked = (name: string) => ({ ...byName.get(name)!, priority: priority.get(name)! });
  // One global order of every placed LPAR, dependencies first and otherwise by (effective) priority; each stream
  // takes its LPARs in that order. A stream thus never waits for something another stream reaches only after
  // waiting for it, and never starts a lower priority before a higher one that is free to start.
  const global = orderStream(placements.map((p) => ranked(p.lpar)));
  const position = new Map(global.map((name, i) => [name, i]));
  const streams = hosts
    .map((h) => ({
      host: h.name,
      order: placements
        .filter((p) => p.destination === h.name)
        .map((p) => p.lpar)
        .sort((a, b) => position.get(a)! - position.get(b)!),
    }))
    .filter((s) => s.order.length > 0);
  const { streams: estimated, waves, rtoMs } = estimateStreams(streams, placements, byName, latency);
  return { placements, streams: estimated, waves, estimatedRtoMs: rtoMs, unplaced };
}

/**
 * One placement round: every unit in placement order onto fresh host states, `dropped` LPARs left out from the start.
 * Returns the placements, every candidate left out, and the placed LPARs dropped at the end for a dependency.
 */
function placeAll(
  candidates: PlannerLpar[],
  hosts: PlannerHost[],
  priority: Map<string, number>,
  dropped: Map<string, Unplaced>,
  latency: LatencyModel,
): { placements: Placement[]; unplaced: Unplaced[]; dropped: Unplaced[] } {
  const unplaced: Unplaced[] = [...dropped.values()];
  const restarting = new Set(candidates.map((l) => l.name));
  const states = hosts.map((h) => hostState(h, restarting));
  const placements: Placement[] = [];
  const kept = candidates.filter((l) => !dropped.has(l.name));
  const units = dependencyOrder(buildUnits(kept, priority, latency, unplaced));
  // LPARs dropped in an earlier round block nothing up front: what waits for them is placed, and dropped in turn,
  // so a unit that fails on its own (say, for room) is reported for that and not for the cycle it is part of.
  const failed = new Map<string, string>(unplaced.filter((u) => !dropped.has(u.lpar)).map((u) => [u.lpar, u.reason]));
  for (const unit of units) {
    const blocker = unit.members.flatMap((m) =>
      (m.startAfter ?? []).filter((d) => restarting.has(d) && failed.has(d)),
    )[0];
    if (blocker) {
      for (const m of unit.members) {
        failed.set(m.name, 'dependency');
        unplaced.push({
          lpar: m.name,
          reason: 'dependency-unplaced',
          detail: `must start after ${blocker}, which cannot be restarted`,
        });
      }
      continue;
    }
    const placed = placeUnit(unit, states, priority, latency);
    if ('reason' in placed) {
      for (const m of unit.members) failed.set(m.name, placed.reason);
      const { reason, detail, blockedBy } = placed;
      unplaced.push(...unit.members.map((m) => ({ lpar: m.name, reason, detail, ...(blockedBy && { blockedBy }) })));
    } else placements.push(...placed);
  }
  const late = unplaced.length;
  dropWhoseDependenciesAreUnplaced(placements, candidates, unplaced);
  return { placements, unplaced, dropped: unplaced.slice(late) };
}

/**
 * Why an LPAR left out by an earlier round is not restarted, as the final plan has it: a dependency that is still
 * not placed, or (rarely: only where the next round found room for that dependency after all) the cycle breaking.
 */
function whyDropped(lpar: PlannerLpar, placements: Placement[], candidates: PlannerLpar[]): Unplaced {
  const placed = new Set(placements.map((p) => p.lpar));
  const restarting = new Set(candidates.map((l) => l.name));
  const deps = (lpar.startAfter ?? []).filter((d) => restarting.has(d));
  const missing = deps.find((d) => !placed.has(d));
  const detail = missing
    ? `must start after ${missing}, which cannot be restarted`
    : `left out to break a start-after cycle between collocation groups (it waits for ${deps.join(', ')})`;
  return { lpar: lpar.name, reason: 'dependency-unplaced', detail };
}

/** A host's starting state; residents being restarted themselves are not residents (see PlannerResident). */
function hostState(host: PlannerHost, restarting: Set<string>): HostState {
  const { name, freeProcUnits, freeMemoryMb } = host;
  // Every field set here, maps too, so all host states share one shape (V8 keeps the hot loops monomorphic).
  const state: HostState = {
    name,
    freeProcUnits,
    freeMemoryMb,
    antiGroups: undefined,
    collocated: undefined,
    loadMs: 0,
  };
  // Runs for every survivor in every what-if of the daily capacity check: most residents have no group, so they
  // cost two reads and no allocation.
  for (const resident of host.residents ?? []) {
    const anti = resident.antiCollocationGroup;
    const group = resident.collocationGroup;
    if ((!anti && !group) || restarting.has(resident.name)) continue;
    if (anti) {
      const antiGroups = (state.antiGroups ??= new Map());
      if (!antiGroups.has(anti)) antiGroups.set(anti, { lpar: resident.name, resident: true });
    }
    if (group) {
      const collocated = (state.collocated ??= new Map());
      (collocated.get(group) ?? collocated.set(group, []).get(group)!).push(resident.name);
    }
  }
  return state;
}

function buildUnits(
  lpars: PlannerLpar[],
  priority: Map<string, number>,
  latency: LatencyModel,
  unplaced: Unplaced[],
): Unit[] {
  const groups = new Map<string, PlannerLpar[]>();
  const units: Unit[] = [];
  const wave = dependencyDepths(lpars);
  const unit = (members: PlannerLpar[], label: string, collocationGroup?: string): Unit => ({
    members,
    priority: Math.min(...members.map((m) => priority.get(m.name)!)),
    wave: Math.max(...members.map((m) => wave.get(m.name)!)),
    durationMs: members.reduce((sum, m) => sum + lparDuration(m, latency), 0),
    antiGroups: members.flatMap((m) => (m.antiCollocationGroup ? [m.antiCollocationGroup] : [])),
    collocationGroup,
    label,
  });
  for (const lpar of lpars) {
    if (lpar.collocationGroup) groups.set(lpar.collocationGroup, [...(groups.get(lpar.collocationGroup) ?? []), lpar]);
    else units.push(unit([lpar], lpar.name));
  }
  for (const [group, members] of groups) {
    const anti = members.flatMap((m) => (m.antiCollocationGroup ? [m.antiCollocationGroup] : []));
    if (new Set(anti).size < anti.length) {
      for (const m of members)
        unplaced.push({
          lpar: m.name,
          reason: 'anti-collocation',
          detail: `collocation group ${group} holds two members of one anti-collocation group`,
        });
      continue;
    }
    units.push(unit(members, `collocation group ${group}`, group));
  }
  // Priority first; then dependencies before what depends on them; then the longest work first (LPT), which
  // balances the streams; names break ties.
  return units.sort(
    (a, b) => a.priority - b.priority || a.wave - b.wave || b.durationMs - a.durationMs || (a.label < b.label ? -1 : 1),
  );
}

/**
 * Units in placement order: by priority (then longest first), but never before a unit holding one of their
 * dependencies, so a unit is placed only once everything it waits for is decided (and is not placed at all if that
 * could not be). Collocation can knot units into a cycle; the best remaining unit then goes first.
 */
function dependencyOrder(units: Unit[]): Unit[] {
  const unitOf = new Map<string, Unit>();
  for (const unit of units) for (const m of unit.members) unitOf.set(m.name, unit);
  const waitsFor = new Map<Unit, Set<Unit>>();
  for (const unit of units) {
    const deps = new Set<Unit>();
    for (const m of unit.members)
      for (const d of m.startAfter ?? []) {
        const other = unitOf.get(d);
        if (other && other !== unit) deps.add(other);
      }
    waitsFor.set(unit, deps);
  }
  const ordered: Unit[] = [];
  const remaining = new Set(units); // already sorted by priority, longest first, label
  while (remaining.size > 0) {
    let next: Unit | undefined;
    for (const unit of remaining) {
      if ([...waitsFor.get(unit)!].every((d) => !remaining.has(d))) {
        next = unit;
        break;
      }
    }
    next ??= remaining.values().next().value!;
    remaining.delete(next);
    ordered.push(next);
  }
  return ordered;
}

/**
 * The priority an LPAR is placed and ordered with: as important as the most important LPAR that must start after
 * it (a critical application is no use without the database it waits for), and as important as the most
 * important member of its collocation group (they move together). A fixpoint over both relations.
 */
export function effectivePriorities(lpars: PlannerLpar[]): Map<string, number> {
  const rank = new Map(lpars.map((l) => [l.name, l.priority]));
  const groups = new Map<string, string[]>();
  for (const l of lpars)
    if (l.collocationGroup) groups.set(l.collocationGroup, [...(groups.get(l.collocationGroup) ?? []), l.name]);
  for (let changed = true; changed;) {
    changed = false;
    const lower = (name: string, value: number) => {
      if (value < rank.get(name)!) {
        rank.set(name, value);
        changed = true;
      }
    };
    for (const l of lpars) for (const dep of l.startAfter ?? []) if (rank.has(dep)) lower(dep, rank.get(l.name)!);
    for (const members of groups.values()) {
      const best = Math.min(...members.map((m) => rank.get(m)!));
      for (const m of members) lower(m, best);
    }
  }
  return rank;
}

/** 0 for an LPAR that waits for none of the others, else one more than its deepest dependency. */
function dependencyDepths(lpars: PlannerLpar[]): Map<string, number> {
  const byName = new Map(lpars.map((l) => [l.name, l]));
  const memo = new Map<string, number>();
  const depth = (name: string, trail: Set<string>): number => {
    const known = memo.get(name);
    if (known !== undefined) return known;
    if (trail.has(name)) return 0;
    trail.add(name);
    const deps = (byName.get(name)!.startAfter ?? []).filter((d) => byName.has(d));
    const value = deps.length === 0 ? 0 : 1 + Math.max(...deps.map((d) => depth(d, trail)));
    trail.delete(name);
    memo.set(name, value);
    return value;
  };
  for (const l of lpars) depth(l.name, new Set());
  return memo;
}

type Refusal = { reason: Unplaced['reason']; detail: string; blockedBy?: PlacementBlocker[] };

/**
 * The host for a unit: a host where residents of its collocation group run when there is one (the one with the most
 * of them), else any; never a host where an LPAR of one of its anti-collocation groups runs or was placed; the least
 * loaded of those with room, desired sizes before reduced ones. Otherwise why not, naming what blocked it.
 */
function placeUnit(
  unit: Unit,
  hosts: HostState[],
  priority: Map<string, number>,
  latency: LatencyModel,
): Placement[] | Refusal {
  const want = (reduced: boolean) => ({
    proc: unit.members.reduce((s, m) => s + sizeOf(m, reduced).procUnits, 0),
    mem: unit.members.reduce((s, m) => s + sizeOf(m, reduced).memoryMb, 0),
  });
  const group = unit.collocationGroup;
  const pinned = group ? hosts.filter((h) => h.collocated?.has(group)) : [];
  const eligible = pinned.length > 0 ? pinned : hosts;
  const together = (host: HostState) => (group ? (host.collocated?.get(group)?.length ?? 0) : 0);
  const canReduce = unit.members.some((m) => m.allowReducedSize);
  const antiBlockers = new Map<string, PlacementBlocker>();
  for (const reduced of canReduce ? [false, true] : [false]) {
    const need = want(reduced);
    let best: HostState | undefined;
    for (const host of eligible) {
      const clash = antiClash(unit, host);
      if (clash) {
        if (fits(host, need) && !antiBlockers.has(host.name)) antiBlockers.set(host.name, clash);
        continue;
      }
      if (!fits(host, need)) continue;
      if (!best || better(host, best, together)) best = host;
    }
    if (best) return commit(unit, best, reduced, priority, latency);
  }
  if (hosts.length === 0) return { reason: 'no-surviving-host', detail: 'no surviving host in the group' };
  const joining = pinned.flatMap((h) =>
    h
      .collocated!.get(group!)!
      .map((lpar): PlacementBlocker => ({ host: h.name, lpar, resident: true, rule: 'collocation', group: group! })),
  );
  const mustJoin = pinned.length > 0 ? `${unit.label} must join ${describe(joining, false)}; ` : '';
  if (antiBlockers.size > 0) {
    const blockers = [...antiBlockers.values()];
    const where = pinned.length > 0 ? 'there' : 'every host with room';
    const members = describe(blockers, unit.antiGroups.length > 1);
    const detail = `${mustJoin}${where} already runs a member of ${unit.antiGroups.join(', ')}: ${members}`;
    return { reason: 'anti-collocation', detail, blockedBy: blockers.slice(0, MAX_BLOCKERS) };
  }
  const need = want(canReduce);
  const reducedToo = canReduce ? ' even at reduced size' : '';
  const needs = `needs ${round(need.proc)} processing units and ${need.mem} MB${reducedToo}`;
  if (pinned.length > 0) {
    const free = pinned
      .slice(0, MAX_BLOCKERS)
      .map((h) => `${h.name} has ${round(h.freeProcUnits)} processing units and ${h.freeMemoryMb} MB free`)
      .join(', ');
    const blockedBy = joining.slice(0, MAX_BLOCKERS);
    return { reason: 'collocation-capacity', detail: `${mustJoin}${needs}; ${free}`, blockedBy };
  }
  const detail = `${needs}; no surviving host has that much free`;
  return {
    reason: unit.members.length > 1 ? 'collocation-capacity' : 'capacity',
    detail: unit.members.length > 1 ? `${unit.label}: ${detail}` : detail,
  };
}

/** The LPAR on `host` that keeps the unit off it by anti-collocation, if any. */
function antiClash(unit: Unit, host: HostState): PlacementBlocker | undefined {
  for (const group of unit.antiGroups) {
    const occupant = host.antiGroups?.get(group);
    if (!occupant) continue;
    return { host: host.name, lpar: occupant.lpar, resident: occupant.resident, rule: 'anti-collocation', group };
  }
  return undefined;
}

/** More of its collocation group's residents first; then the least loaded stream; then the most free memory. */
function better(host: HostState, best: HostState, together: (host: HostState) => number): boolean {
  const joined = together(host) - together(best);
  if (joined !== 0) return joined > 0;
  return host.loadMs < best.loadMs || (host.loadMs === best.loadMs && host.freeMemoryMb > best.freeMemoryMb);
}

/** "dc1-db02 on dc1-s02, dc1-db05 on dc1-s03 (placed by this plan)", at most MAX_BLOCKERS of them, then a count. */
function describe(blockers: PlacementBlocker[], withGroup: boolean): string {
  const shown = blockers
    .slice(0, MAX_BLOCKERS)
    .map((b) => `${b.lpar} on ${b.host}${withGroup ? ` (${b.group})` : ''}${b.resident ? '' : PLACED}`);
  const more = blockers.length > MAX_BLOCKERS ? ` and ${blockers.length - MAX_BLOCKERS} more` : '';
  return `${shown.join(', ')}${more}`;
}

function fits(host: HostState, need: { proc: number; mem: number }): boolean {
  return host.freeProcUnits + EPSILON >= need.proc && host.freeMemoryMb >= need.mem;
}

function commit(
  unit: Unit,
  host: HostState,
  reduced: boolean,
  priority: Map<string, number>,
  latency: LatencyModel,
): Placement[] {
  return unit.members.map((m) => {
    const shrink = reduced && !!m.allowReducedSize;
    const { procUnits, memoryMb } = sizeOf(m, reduced);
    host.freeProcUnits -= procUnits;
    host.freeMemoryMb -= memoryMb;
    const anti = m.antiCollocationGroup;
    if (anti) {
      const antiGroups = (host.antiGroups ??= new Map());
      if (!antiGroups.has(anti)) antiGroups.set(anti, { lpar: m.name, resident: false });
    }
    const estimatedMs = lparDuration(m, latency);
    host.loadMs += estimatedMs;
    const smaller = shrink && (procUnits < m.procUnits.desired || memoryMb < m.memoryMb.desired);
    const rank = priority.get(m.name)!;
    return { lpar: m.name, destination: host.name, priority: rank, procUnits, memoryMb, reduced: smaller, estimatedMs };
  });
}

/**
 * The size an LPAR is placed with: desired; or, in the reduced pass and where its policy allows, its reduced size
 * (`reducedTo`, else the profile minimum), never below the minimum nor above desired whatever the input says.
 */
function sizeOf(m: PlannerLpar, reduced: boolean): { procUnits: number; memoryMb: number } {
  if (!reduced || !m.allowReducedSize) return { procUnits: m.procUnits.desired, memoryMb: m.memoryMb.desired };
  const within = (value: number, min: number, desired: number) => Math.min(Math.max(value, min), desired);
  return {
    procUnits: within(m.reducedTo?.procUnits ?? m.procUnits.min, m.procUnits.min, m.procUnits.desired),
    memoryMb: within(m.reducedTo?.memoryMb ?? m.memoryMb.min, m.memoryMb.min, m.memoryMb.desired),
  };
}

/** An LPAR that must start after one that will not be restarted cannot be started either; say so. */
function dropWhoseDependenciesAreUnplaced(placements: Placement[], lpars: PlannerLpar[], unplaced: Unplaced[]): void {
  const restarting = new Set(lpars.map((l) => l.name));
  const byName = new Map(lpars.map((l) => [l.name, l]));
  for (let changed = true; changed;) {
    changed = false;
    const placed = new Set(placements.map((p) => p.lpar));
    for (let i = placements.length - 1; i >= 0; i--) {
      const lpar = byName.get(placements[i]!.lpar)!;
      const missing = (lpar.startAfter ?? []).find((dep) => restarting.has(dep) && !placed.has(dep));
      if (!missing) continue;
      placements.splice(i, 1);
      unplaced.push({
        lpar: lpar.name,
        reason: 'dependency-unplaced',
        detail: `must start after ${missing}, which cannot be restarted`,
      });
      changed = true;
    }
  }
}

const round = (n: number) => Math.round(n * 100) / 100;

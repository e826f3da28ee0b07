// The fleet as Lazarus knows it (DESIGN.md, "The fleet as Lazarus knows it"): per-host discovery, where a host that
// cannot be described keeps its last description marked stale, merged with what Lazarus observed since — changes a
// failover made (where each LPAR now runs, which host it fenced) and live reads at decision time. Pure: the store
// feeds it rows, decisions and the API read its answer. Every fact carries when it was observed and from where.
import { HOST_UP_STATES } from '../failover/partition-states.js';
import type { InventorySnapshot, Lpar, ManagedSystem, UndescribedHost } from './snapshot.js';

/** A host's state as someone saw it: `fenced` when a failover proved it powered off and cut its storage. */
export interface HostObservation {
  name: string;
  state: string;
  fenced?: boolean;
}

/** An LPAR seen on a host in a state (HMC partition state verbatim). An LPAR seen on a new host moved there. */
export interface LparObservation {
  name: string;
  host: string;
  state: string;
}

/**
 * What one source saw at one moment, e.g. `{ group: 'dc1-prod', source: 'failover failover/dc1-prod/dc1-s01/<runId>',
 * observedAt: '2026-11-29T23:10:00.000Z', hosts: [{ name: 'dc1-s01', state: 'Power Off', fenced: true }],
 * lpars: [{ name: 'dc1-db01', host: 'dc1-s02', state: 'Running' }] }`. `source` is free text naming the run:
 * `failover <workflowId>/<runId>`, `live read`, `discovery run <id>`.
 */
export interface FleetObservations {
  group: string;
  source: string;
  /** ISO 8601. */
  observedAt: string;
  hosts?: HostObservation[];
  lpars?: LparObservation[];
}

/** When a fact was observed (ISO 8601) and by what (`discovery run 12`, `failover <id>/<runId>`, `live read`). */
export interface Provenance {
  observedAt: string;
  source: string;
}

export type ObservedHost = HostObservation & Provenance;
export type ObservedLpar = LparObservation & Provenance;

/** One host of the group as Lazarus knows it now. */
export interface FleetHost extends Provenance {
  name: string;
  /** The HMC's managed-system state as last observed (`observedAt`); `unknown` when no HMC listing named it. */
  state: string;
  /** Why the newest discovery could not describe it: its LPARs and capacity are as of `describedAt`. Absent: fresh. */
  staleReason?: string;
  /** When its capacity, LPARs and VIOS were last read; absent when never. */
  describedAt?: string;
  /** A failover proved it powered off and cut its storage, and nothing seen since shows it up again. */
  fenced?: boolean;
  /** Serial, type-model, HMC and capacity as last described; absent when never described. */
  system?: ManagedSystem;
}

/** One LPAR with its host and state as last observed; `stale` when that is a stale host's last description. */
export type FleetLpar = Lpar & Provenance & { stale?: boolean };

/**
 * The group as Lazarus knows it: hosts and LPARs each with the time and source of what is known, sorted by name.
 * `undescribedLpars`: LPARs a failover or live read saw that no discovery described (no sizes or volumes known).
 * `vios`, `storageSystems`, `remoteCopyGroups` are the newest discovery's.
 */
export interface Fleet {
  group: string;
  /** The discovery run the fleet starts from; absent when the group has none yet. */
  discoveryRunId?: number;
  hosts: FleetHost[];
  lpars: FleetLpar[];
  undescribedLpars: ObservedLpar[];
  vios: InventorySnapshot['vios'];
  storageSystems: InventorySnapshot['storageSystems'];
  remoteCopyGroups: InventorySnapshot['remoteCopyGroups'];
}

/**
 * The snapshot a discovery stores when it could describe only some hosts: the `fresh` reading (described hosts only)
 * plus, for each host in `undescribed`, its last description from `previous` — capacity, VIOS and the LPARs last
 * seen on it — with the state the HMC shows now (unless `unknown`) and the reason as `staleReason`. An LPAR the
 * fresh reading found on another host moved there and is not carried over. A host never described is listed in
 * `undescribedHosts`. With hosts carried over, the result is sorted by name like a fresh snapshot.
 */
export function carryOverStaleHosts(
  previous: InventorySnapshot | undefined,
  fresh: InventorySnapshot,
  undescribed: UndescribedHost[],
): InventorySnapshot {
  if (undescribed.length === 0) return fresh;
  const seen = new Set(fresh.lpars.map((l) => l.name));
  const managedSystems = [...fresh.managedSystems];
  const lpars = [...fresh.lpars];
  const vios = [...fresh.vios];
  const never: UndescribedHost[] = [];
  for (const host of undescribed) {
    const last = previous?.managedSystems.find((m) => m.name === host.name);
    if (!previous || !last) {
      never.push(host);
      continue;
    }
    managedSystems.push(staleHost(last, previous.takenAt, fresh.takenAt, host));
    lpars.push(...previous.lpars.filter((l) => l.host === host.name && !seen.has(l.name)));
    vios.push(...previous.vios.filter((v) => v.host === host.name));
  }
  return {
    ...fresh,
    managedSystems: managedSystems.sort(byName),
    lpars: lpars.sort(byName),
    vios: vios.sort(byName),
    ...(never.length > 0 ? { undescribedHosts: never.sort(byName) } : {}),
  };
}

function staleHost(last: ManagedSystem, previousTakenAt: string, now: string, host: UndescribedHost): ManagedSystem {
  const stateKnown = host.state !== 'unknown';
  return {
    ...last,
    state: stateKnown ? host.state : last.state,
    observedAt: stateKnown ? now : (last.observedAt ?? previousTakenAt),
    describedAt: last.describedAt ?? previousTakenAt,
    staleReason: host.reason,
  };
}

/**
 * The group now: the newest discovery's snapshot (`latest`, undefined when none yet) merged with the observations
 * made since (any order). Rules:
 * - a host's state is the newest observation of it; a discovery of the host later than an observation supersedes it;
 * - `fenced` is the newest explicit fenced observation, cleared by any later sight of the host up (Operating/Standby);
 * - an LPAR is where and as its newest observation says (an LPAR seen on a new host moved there), except that an
 *   observation older than the newest description of its host is superseded (the discovery listed that host then);
 * - LPARs of a stale host not observed since are `stale`.
 */
export function currentFleet(
  group: string,
  latest: { runId: number; snapshot: InventorySnapshot } | undefined,
  observed: { hosts: ObservedHost[]; lpars: ObservedLpar[] },
): Fleet {
  const source = latest ? `discovery run ${latest.runId}` : '';
  const snapshot = latest?.snapshot;
  const hosts = new Map((snapshot ? snapshotHosts(snapshot, source) : []).map((h) => [h.name, h]));
  for (const observation of chronological(observed.hosts)) applyHost(hosts, observation);
  const described = new Map([...hosts.values()].map((h) => [h.name, h.describedAt]));
  const lpars = new Map<string, FleetLpar>();
  for (const lpar of snapshot?.lpars ?? []) lpars.set(lpar.name, snapshotLpar(lpar, snapshot!, source));
  const undescribed = new Map<string, ObservedLpar>();
  for (const observation of chronological(observed.lpars)) {
    const hostDescribedAt = described.get(observation.host);
    if (hostDescribedAt && isLater(hostDescribedAt, observation.observedAt)) continue;
    applyLpar(lpars, undescribed, observation);
  }
  return {
    group,
    ...(latest ? { discoveryRunId: latest.runId } : {}),
    hosts: [...hosts.values()].sort(byName),
    lpars: [...lpars.values()].sort(byName),
    undescribedLpars: [...undescribed.values()].sort(byName),
    vios: snapshot?.vios ?? [],
    storageSystems: snapshot?.storageSystems ?? [],
    remoteCopyGroups: snapshot?.remoteCopyGroups ?? [],
  };
}

/**
 * The fleet as an inventory snapshot (LPARs on their current hosts, hosts with their current state), for code that
 * plans from snapshots (the planner's `plannerLpars`). Hosts never described and undescribed LPARs are left out:
 * nothing about their sizes is known. `takenAt` is the newest observation in the fleet.
 */
export function fleetSnapshot(fleet: Fleet): InventorySnapshot {
  const times = [...fleet.hosts, ...fleet.lpars].map((f) => new Date(f.observedAt).toISOString()).sort();
  return {
    group: fleet.group,
    takenAt: times.at(-1) ?? new Date(0).toISOString(),
    managedSystems: fleet.hosts.flatMap((h) =>
      h.system ? [{ ...h.system, state: h.state, observedAt: h.observedAt }] : [],
    ),
    lpars: fleet.lpars.map(({ observedAt: _at, source: _source, stale: _stale, ...lpar }) => lpar),
    vios: fleet.vios,
    storageSystems: fleet.storageSystems,
    remoteCopyGroups: fleet.remoteCopyGroups,
  };
}

function snapshotHosts(snapshot: InventorySnapshot, source: string): FleetHost[] {
  const described = snapshot.managedSystems.map((m): FleetHost => {
    const { observedAt, describedAt, staleReason, ...system } = m;
    return {
      name: m.name,
      state: m.state,
      observedAt: observedAt ?? snapshot.takenAt,
      source,
      describedAt: describedAt ?? snapshot.takenAt,
      ...(staleReason ? { staleReason } : {}),
      system,
    };
  });
  const never = (snapshot.undescribedHosts ?? []).map((h): FleetHost => ({
    name: h.name,
    state: h.state,
    observedAt: snapshot.takenAt,
    source,
    staleReason: h.reason,
  }));
  return [...described, ...never];
}

function snapshotLpar(lpar: Lpar, snapshot: InventorySnapshot, source: string): FleetLpar {
  const host = snapshot.managedSystems.find((m) => m.name === lpar.host);
  const observedAt = host?.describedAt ?? snapshot.takenAt;
  return { ...lpar, observedAt, source, ...(host?.staleReason ? { stale: true } : {}) };
}

function applyHost(hosts: Map<string, FleetHost>, seen: ObservedHost): void {
  const known = hosts.get(seen.name) ?? {
    name: seen.name,
    state: seen.state,
    observedAt: seen.observedAt,
    source: seen.source,
  };
  if (isLater(known.observedAt, seen.observedAt)) {
    // A later discovery supersedes the state; an explicit fence still counts unless the discovery saw the host up.
    if (seen.fenced !== undefined && !HOST_UP_STATES.has(known.state))
      hosts.set(seen.name, withFenced(known, seen.fenced));
    return;
  }
  const fenced = seen.fenced ?? (HOST_UP_STATES.has(seen.state) ? false : known.fenced);
  const { fenced: _old, ...rest } = known;
  hosts.set(seen.name, {
    ...rest,
    state: seen.state,
    observedAt: seen.observedAt,
    source: seen.source,
    ...(fenced ? { fenced } : {}),
  });
}

function withFenced(host: FleetHost, fenced: boolean): FleetHost {
  const { fenced: _old, ...rest } = host;
  return fenced ? { ...rest, fenced } : rest;
}

function applyLpar(lpars: Map<string, FleetLpar>, undescribed: Map<string, ObservedLpar>, seen: ObservedLpar): void {
  const known = lpars.get(seen.name);
  if (!known) {
    undescribed.set(seen.name, {
      name: seen.name,
      host: seen.host,
      state: seen.state,
      observedAt: seen.observedAt,
      source: seen.source,
    });
    return;
  }
  if (isLater(known.observedAt, seen.observedAt)) return;
  const { stale: _stale, ...rest } = known;
  lpars.set(seen.name, {
    ...rest,
    host: seen.host,
    state: seen.state,
    observedAt: seen.observedAt,
    source: seen.source,
  });
}

/** Oldest first; observations of one moment keep their given (recording) order. */
function chronological<T extends Provenance>(items: T[]): T[] {
  const time = (item: T) => Date.parse(item.observedAt);
  return items
    .map((item, index) => ({ item, index }))
    .sort((a, b) => time(a.item) - time(b.item) || a.index - b.index)
    .map((e) => e.item);
}

/** Timestamps compared as times, whatever ISO 8601 spelling they came in. */
function isLater(a: string, b: string): boolean {
  return Date.parse(a) > Date.parse(b);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byName<T extends { name: string }>(a: T, b: T): number {
  return compare(a.name, b.name);
}

// The placement planner's inputs and output. Plain data, no I/O: the same planner runs at failure time, in dry
// runs and in the daily capacity check.

/** Lower rank restarts first: critical 0, high 1, medium 2, low 3. */
export type PriorityRank = number;

export interface PlannerLpar {
  name: string;
  sourceHost: string;
  procUnits: { min: number; desired: number };
  memoryMb: { min: number; desired: number };
  volumes: number;
  /**
   * Attached by NPIV (its volumes are mapped to its own virtual WWPNs, which move with it): its restart maps no
   * volume and configures no VIOS, so it has no preparation time in a stream.
   */
  npiv?: boolean;
  /**
   * Its own priority rank (the policy's when one sets it, else the inventory's); the planner raises it where what
   * waits for it matters more (see `effectivePriorities` and `Placement.priority`).
   */
  priority: PriorityRank;
  collocationGroup?: string;
  antiCollocationGroup?: string;
  /** Names of LPARs that must be Running before this one is activated. */
  startAfter?: string[];
  exclude?: boolean;
  allowReducedSize?: boolean;
  /**
   * The size it restarts with when reduced (policy `reducedSize`, already kept within the profile's min..desired):
   * processing units and MB. Absent: its minimum. Used only with `allowReducedSize`, and only when the desired size
   * fits on no host.
   */
  reducedTo?: { procUnits: number; memoryMb: number };
}

/**
 * An LPAR that already runs, or may be running, on a destination host (a resident). Placement rules see it:
 * anti-collocation keeps a restarted LPAR off a host where a resident of its group runs, and a collocation group
 * joins the host where its residents run. A resident holds no capacity here: the host's free capacity already
 * excludes it, so it is never counted twice. A resident that carries the name of an LPAR being placed is ignored
 * (an LPAR is restarted only once the safety gates found it running nowhere).
 */
export interface PlannerResident {
  name: string;
  /** The HMC partition state it was last seen in (`Running`, `Error`, ...), for the reasons a report gives. */
  state?: string;
  collocationGroup?: string;
  antiCollocationGroup?: string;
}

/** A surviving host that can take restarted LPARs. */
export interface PlannerHost {
  name: string;
  /** Processing units free on the host, with every resident already deducted. */
  freeProcUnits: number;
  /** Memory (MB) free on the host, with every resident already deducted. */
  freeMemoryMb: number;
  /** LPARs already running (or that may be running) there; none when omitted. */
  residents?: PlannerResident[];
}

/** How long each step takes, per LPAR, inside one destination stream. */
export interface LatencyModel {
  viosConfigMs: number;
  /** One volume mapping (storage map + VIOS presentation). */
  volumeMappingMs: number;
  /** Volume mappings that run at once inside a stream. */
  parallelMappings: number;
  activateMs: number;
  /** From activation until the LPAR is Running. */
  bootMs: number;
}

export const DEFAULT_LATENCY: LatencyModel = {
  viosConfigMs: 4000,
  volumeMappingMs: 2250,
  parallelMappings: 4,
  activateMs: 1500,
  bootMs: 60_000,
};

export interface Placement {
  lpar: string;
  destination: string;
  /**
   * The effective priority rank the LPAR was placed and ordered with: its own (the policy's, else the inventory's),
   * raised to that of the most important LPAR that must start after it or shares its collocation group.
   */
  priority: PriorityRank;
  procUnits: number;
  memoryMb: number;
  reduced: boolean;
  estimatedMs: number;
}

export interface Stream {
  host: string;
  /** LPAR names in the order the stream restarts them. */
  order: string[];
  estimatedMs: number;
}

export type UnplacedReason =
  'excluded' | 'capacity' | 'anti-collocation' | 'collocation-capacity' | 'dependency-unplaced' | 'no-surviving-host';

/**
 * An LPAR that kept a placement rule from being met: a resident of the destination, or an LPAR this plan placed
 * there first. `rule` says which rule: `anti-collocation` (it runs there and is of `group`, the anti-collocation
 * group of the LPAR left out) or `collocation` (it runs there, of collocation `group`, and that host had no room).
 */
export interface PlacementBlocker {
  host: string;
  lpar: string;
  /** true: it was already running on the host; false: this plan put it there. */
  resident: boolean;
  rule: 'anti-collocation' | 'collocation';
  group: string;
}

export interface Unplaced {
  lpar: string;
  reason: UnplacedReason;
  /** One sentence for an operator; names the LPARs (and hosts) that blocked a rule. */
  detail: string;
  /** What blocked it, for `anti-collocation` and for a collocation group held to its residents' hosts; at most 10. */
  blockedBy?: PlacementBlocker[];
}

export interface Plan {
  placements: Placement[];
  streams: Stream[];
  /** Groups of LPARs whose start-after dependencies are satisfied together: wave n waits for waves < n. */
  waves: string[][];
  estimatedRtoMs: number;
  unplaced: Unplaced[];
}

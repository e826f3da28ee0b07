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
  priority: PriorityRank;
  collocationGroup?: string;
  antiCollocationGroup?: string;
  /** Names of LPARs that must be Running before this one is activated. */
  startAfter?: string[];
  exclude?: boolean;
  allowReducedSize?: boolean;
}

export interface PlannerHost {
  name: string;
  freeProcUnits: number;
  freeMemoryMb: number;
  /** Anti-collocation groups of LPARs already running there. */
  antiCollocationGroups?: string[];
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

export const DEFAULT_LATENCY: LatencyModel = { viosConfigMs: 4000, volumeMappingMs: 2250, parallelMappings: 4, activateMs: 1500, bootMs: 60_000 };

export interface Placement {
  lpar: string;
  destination: string;
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

export type UnplacedReason = 'excluded' | 'capacity' | 'anti-collocation' | 'collocation-capacity' | 'dependency-unplaced' | 'no-surviving-host';

export interface Unplaced {
  lpar: string;
  reason: UnplacedReason;
  detail: string;
}

export interface Plan {
  placements: Placement[];
  streams: Stream[];
  /** Groups of LPARs whose start-after dependencies are satisfied together: wave n waits for waves < n. */
  waves: string[][];
  estimatedRtoMs: number;
  unplaced: Unplaced[];
}

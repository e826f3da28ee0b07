// The placement planner: pure, deterministic, no I/O.
export { effectivePriorities, planPlacement } from './plan.js';
export { lparDuration, preparationMs, rtoLowerBound } from './estimate.js';
export { orderStream } from './order.js';
export {
  DEFAULT_LATENCY,
  type LatencyModel,
  type Placement,
  type PlacementBlocker,
  type Plan,
  type PlannerHost,
  type PlannerLpar,
  type PlannerResident,
  type PriorityRank,
  type Stream,
  type Unplaced,
  type UnplacedReason,
} from './types.js';

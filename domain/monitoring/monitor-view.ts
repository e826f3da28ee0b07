// The monitor's contracts beyond the observation: its settings as the workflow receives them, what its query shows,
// and the detection record the store keeps. Plain JSON, no secrets (the failover policy names devices only).
import type { FailoverPolicy } from '../failover/policy.js';
import type { HostTrack, GroupAction, MonitorAction } from './host-tracker.js';

/** What the monitor of one group runs with, resolved from the configuration by an activity at each run's start. */
export type MonitorSettings =
  | { status: 'unknown-group' | 'disabled'; group: string }
  | {
      status: 'enabled';
      group: string;
      hosts: string[];
      hmcs: string[];
      storage: string;
      /** monitoring.action, else recovery.mode. */
      action: GroupAction;
      intervalMs: number;
      confirmations: number;
      flapLimit: number;
      flapWindowMs: number;
      /** The policy the API would give a failover of this group (failoverSettings). */
      policy: FailoverPolicy;
    };

/** The monitor's current view of one host (GET /v1/groups/:group/monitor). */
export interface HostMonitorView {
  host: string;
  verdict?: string;
  reason?: string;
  /** Consecutive failing observations. */
  consecutive: number;
  /** Of those, consecutive ones on which every signal agreed. */
  agreeing: number;
  firstBadAt?: string;
  confirmedAt?: string;
  lastObservedAt?: string;
  quarantinedUntil?: string;
  /** Up/down changes within the flap window. */
  recentTransitions: number;
  handled?: { at: string; action: MonitorAction };
}

export interface MonitorView {
  group: string;
  workflowId: string;
  /** Observations made by this monitor since it was first started (across continue-as-new). */
  observations: number;
  /** Observations in the current run (reset by continue-as-new). */
  runObservations: number;
  lastObservedAt?: string;
  settings?: Omit<Extract<MonitorSettings, { status: 'enabled' }>, 'policy' | 'status'>;
  /** HMCs that did not answer the last observation; `storageReachable` false when the storage did not. */
  unreachableHmcs: string[];
  storageReachable?: boolean;
  /** Why the last observation failed as a whole, if it did. */
  observationError?: string;
  hosts: HostMonitorView[];
}

export function hostView(track: HostTrack): HostMonitorView {
  return {
    host: track.host,
    ...(track.verdict && { verdict: track.verdict }),
    ...(track.reason && { reason: track.reason }),
    consecutive: track.failing,
    agreeing: track.agreeing,
    ...(track.firstBadAt && { firstBadAt: track.firstBadAt }),
    ...(track.confirmedAt && { confirmedAt: track.confirmedAt }),
    ...(track.lastObservedAt && { lastObservedAt: track.lastObservedAt }),
    ...(track.quarantinedUntil && { quarantinedUntil: track.quarantinedUntil }),
    recentTransitions: track.transitions.length,
    ...(track.handled && { handled: track.handled }),
  };
}

/** A confirmed host failure and what the monitor did, as stored (migration 005) and shown by the API. */
export interface HostDetection {
  group: string;
  host: string;
  /** When the first failing observation of the streak was made (ISO 8601). */
  firstBadAt: string;
  /** When the streak reached `confirmations` (ISO 8601). */
  confirmedAt: string;
  verdict: 'failed' | 'failed-unproven';
  action: MonitorAction;
  /** The failover started (or found running), when there is one. */
  failoverId?: string;
  mode?: 'auto' | 'advisory';
  reason: string;
  /** The monitor workflow that decided. */
  monitorId: string;
}

/** A host an operator took out of failover watch. */
export interface HostMaintenance {
  host: string;
  reason: string;
  by: string;
  /** ISO 8601. */
  since: string;
}

/**
 * A host the monitor quarantined for flapping, as stored (migration 009) and shown by GET /v1/hosts: until `until`
 * no failover, evacuation or VM restart places anything on it, and its own next failover is advisory. The monitor
 * records it when it begins or its end moves, and clears it when it ends; readers also ignore one past its end.
 */
export interface HostQuarantine {
  group: string;
  host: string;
  /** When this quarantine began (ISO 8601); kept when its end moves. */
  since: string;
  /** When it ends unless the host changes between up and down again (ISO 8601). */
  until: string;
  /** Why, in words (how many changes within the flap window). */
  reason: string;
  /** The monitor workflow that recorded it. */
  monitorId: string;
}

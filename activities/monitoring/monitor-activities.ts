// The host monitor's activities on the main queue, beside `observeHostGroup` (observe-host-group.ts): the group's
// monitoring settings and failover policy resolved from the configuration (so nothing of the configuration, and no
// secret, travels in the workflow's input), the hosts in maintenance, the record of each detection and of each
// quarantine. Reads are idempotent; a detection is keyed on its first failing observation and a quarantine on its
// host, so a retried record replaces itself.
import { ApplicationFailure } from '@temporalio/common';
import type { LazarusConfig } from '../../domain/config/index.js';
import { failoverPolicy } from '../../domain/failover/index.js';
import type {
  GroupObservation,
  HostDetection,
  HostQuarantine,
  MonitorSettings,
} from '../../domain/monitoring/index.js';
import type { InventoryStore } from '../inventory/index.js';
import { InventoryStoreError } from '../inventory/index.js';

export interface MonitorDependencies {
  config: LazarusConfig;
  store: InventoryStore;
}

export function createMonitorActivities(deps: MonitorDependencies) {
  return {
    /**
     * The group's monitor settings as the configuration says now: `unknown-group` when the group is gone,
     * `disabled` when `monitoring.enabled` is false (the monitor then stops), else the settings (durations in ms), the
     * action (`monitoring.action`, else `recovery.mode`) and the failover policy the API would use.
     */
    async monitorSettings(input: { group: string }): Promise<MonitorSettings> {
      const group = deps.config.hostGroups.find((g) => g.name === input.group);
      if (!group) return { status: 'unknown-group', group: input.group };
      if (!group.monitoring.enabled) return { status: 'disabled', group: input.group };
      const policy = failoverPolicy(deps.config, group.name)!;
      return {
        status: 'enabled',
        group: group.name,
        hosts: group.hosts,
        hmcs: group.hmcs,
        storage: group.storage,
        action: group.monitoring.action ?? group.recovery.mode,
        intervalMs: group.monitoring.interval,
        confirmations: group.monitoring.confirmations,
        flapLimit: group.monitoring.flapLimit,
        flapWindowMs: group.monitoring.flapWindow,
        policy,
      };
    },

    /** Which of `hosts` an operator put in maintenance (PUT /v1/hosts/:host/maintenance). */
    async hostsInMaintenance(input: { hosts: string[] }): Promise<string[]> {
      return (await deps.store.hostMonitoring().maintenance(input.hosts)).map((m) => m.host);
    },

    /** Stores a detection (idempotent). A record the store refuses is a bug: non-retryable, naming the field. */
    async recordHostDetection(detection: HostDetection): Promise<void> {
      try {
        await deps.store.hostMonitoring().recordDetection(detection);
      } catch (err) {
        if (err instanceof InventoryStoreError) throw ApplicationFailure.nonRetryable(err.message, 'InvalidDetection');
        throw err;
      }
    },

    /**
     * Records that the monitor quarantined a host, or moved its end (idempotent: one row per host). From then until
     * `until` no failover, evacuation or VM restart chooses it as a destination. A record the store refuses is a bug:
     * non-retryable `InvalidQuarantine`, naming the field.
     */
    async recordHostQuarantine(quarantine: HostQuarantine): Promise<void> {
      try {
        await deps.store.hostMonitoring().recordQuarantine(quarantine);
      } catch (err) {
        if (err instanceof InventoryStoreError) throw ApplicationFailure.nonRetryable(err.message, 'InvalidQuarantine');
        throw err;
      }
    },

    /** Clears a host's quarantine once it has ended (idempotent: none recorded is success). */
    async endHostQuarantine(input: { host: string }): Promise<void> {
      await deps.store.hostMonitoring().clearQuarantine(input.host);
    },
  };
}

export type MonitorControlActivities = ReturnType<typeof createMonitorActivities>;

/** The observation activity's signature (activities/monitoring/observe-host-group.ts). */
export interface ObserveActivities {
  /** Per host of the group: each HMC's reading, the storage system's view of its ports, its VIOS states. */
  observeHostGroup(input: { group: string }): Promise<GroupObservation>;
}

// What DR discovery reads and what verification concludes, as plain data: the activity's reading of both sites
// (DrDiscovery), each VM's state (READY_TO_MOVE or NOT_READY with machine-readable reasons, as `ksysmgr query vm`
// shows after `ksysmgr verify site`), and the verification of a site (DrVerification).

/** A managed system as discovery saw it: its HMC state and the capacity free on it (not used by active LPARs). */
export interface DrHost {
  name: string;
  /** The HMC's state (`Operating`, ...), or `unknown` when no HMC of the site lists it. */
  state: string;
  /** The HMC that described it (the site's first that knows it). */
  hmc?: string;
  /** Processor units and memory (MB) not used by active partitions, as the HMC reports them (lshwres). */
  freeProcUnits: number;
  freeMemoryMb: number;
  /** VIOS partitions on the host with their HMC state. */
  vios: Array<{ name: string; state: string }>;
  /** Why the host could not be described (its partitions are then unknown). */
  undescribed?: string;
}

/** A production VM (client LPAR) as discovery saw it. */
export interface DrVm {
  name: string;
  host: string;
  state: string;
  procUnits: { min: number; desired: number };
  memoryMb: { min: number; desired: number };
  /** Names of its volumes on the active site's storage system. */
  volumes: string[];
  /** The VIOS partitions that present its volumes (vSCSI or NPIV): two is a dual-VIOS (redundant) setup. */
  vios: string[];
  /** The HMC's availability priority class, used when no DR policy sets one. */
  priority: 'critical' | 'high' | 'medium' | 'low';
}

/** A partition definition on a backup host carrying a production VM's name (KSYS's shadow LPAR). */
export interface DrShadow {
  name: string;
  host: string;
  state: string;
  /** The profile it is activated with. */
  profile: string;
  procUnits: { min: number; desired: number };
  memoryMb: { min: number; desired: number };
}

/** A remote-copy relationship (lsrcrelationship): master volume at the active site, aux at the backup site. */
export interface DrRelationship {
  name: string;
  masterVolume: string;
  auxVolume: string;
  /** Blank for a stand-alone relationship (in no consistency group). */
  group: string;
  state: string;
}

/** A remote-copy consistency group (lsrcconsistgrp). */
export interface DrGroup {
  name: string;
  masterStorage: string;
  auxStorage: string;
  /** `master`, `aux`, or blank while idling. */
  primary: string;
  state: string;
  copyType: string;
  /**
   * ISO time of the last consistent freeze when the device shows one (`freeze_time`, YY/MM/DD/HH/MM, Global Mirror
   * with change volumes and stopped/disconnected groups), read as UTC.
   */
  freezeTime?: string;
}

export interface DrDiscovery {
  site: string;
  backupSite: string;
  discoveredAt: string;
  productionHosts: DrHost[];
  backupHosts: DrHost[];
  vms: DrVm[];
  shadows: DrShadow[];
  relationships: DrRelationship[];
  groups: DrGroup[];
  /**
   * The backup site storage system's volume-to-host mappings (`lshostvdiskmap`, host objects named like their managed
   * system): which aux volumes a shadow can see. Absent in discoveries stored before it was read.
   */
  backupMappings?: Array<{ volume: string; host: string }>;
}

export const DR_VM_STATES = ['READY_TO_MOVE', 'NOT_READY'] as const;
export type DrVmState = (typeof DR_VM_STATES)[number];

/**
 * Why a VM is not ready to move (or, as a warning, what an operator should know). Each is produced by a rule of
 * verify.ts; the message says what was seen and where.
 */
export const DR_REASON_CODES = [
  'NO_HOST_PAIR',
  'PRODUCTION_HOST_UNAVAILABLE',
  'NO_VOLUMES',
  'VOLUME_NOT_REPLICATED',
  'VOLUME_NOT_IN_CONSISTENCY_GROUP',
  'CONSISTENCY_GROUP_NOT_CONFIGURED',
  'CONSISTENCY_GROUP_MISMATCH',
  'REPLICATION_NOT_CONSISTENT',
  'REPLICATION_REVERSED',
  'RPO_EXCEEDED',
  'RPO_UNKNOWN',
  'BACKUP_HOST_UNAVAILABLE',
  'BACKUP_CAPACITY_SHORT',
  'REDUCED_SIZE',
  'BACKUP_VIOS_MISSING',
  'VIOS_REDUNDANCY_LOST',
  'SHADOW_MISSING',
  'SHADOW_ACTIVE',
  'SHADOW_DISKS_MISSING',
] as const;
export type DrReasonCode = (typeof DR_REASON_CODES)[number];

export interface DrReason {
  code: DrReasonCode;
  message: string;
}

export interface DrVmVerification {
  vm: string;
  productionHost: string;
  /** Its HMC state at the active site when verified (an unplanned move starts only those that were active). */
  productionState?: string;
  /** The paired backup host; absent when the production host has no pair. */
  backupHost?: string;
  state: DrVmState;
  /** Why NOT_READY (empty when READY_TO_MOVE). */
  reasons: DrReason[];
  /** Worth knowing, not blocking: a reduced size at the backup site, VIOS redundancy lost when allowed. */
  warnings: DrReason[];
}

/** A consistency group's replication as verification saw it. */
export interface DrGroupVerification {
  name: string;
  state: string;
  primary: string;
  rpoMs?: number;
  /**
   * The newest time the backup copy is known to hold: now when synchronized, the device's freeze time, else the
   * last verification that saw the group synchronized. Absent when nothing shows it.
   */
  recoveryPoint?: string;
  /** now − recoveryPoint, in seconds. */
  lagSeconds?: number;
}

export interface DrVerification {
  site: string;
  backupSite: string;
  verifiedAt: string;
  /** Every VM READY_TO_MOVE (and at least one VM verified). */
  ready: boolean;
  vms: DrVmVerification[];
  groups: DrGroupVerification[];
}

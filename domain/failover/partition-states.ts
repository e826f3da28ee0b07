// What an HMC partition state says about whether the partition may be running, the evidence every safety gate of
// a failover reads. Source: IBM HMC help, "Partition states" (Power Systems, HMC V9/V10): `Error` means the
// partition is running but needs attention; `Not Available` means its managed system is in Error, Recovery or
// Incomplete, so the HMC cannot tell the partition's state; `Migrating - Running` and `Migrating - Not Activated`
// are mid-LPM. Any state not listed here is unknown to Lazarus and treated as "may be running".

/** The partition is running: it uses its disks. */
export const RUNNING_STATES: ReadonlySet<string> = new Set(['Running']);

/** States that prove the partition is not active on that system (it cannot write to its disks there). */
export const NOT_ACTIVE_STATES: ReadonlySet<string> = new Set(['Not Activated']);

/**
 * States in which the partition may be running or about to run, or its state cannot be known: a restart elsewhere or
 * an unmapping of its disks could corrupt data. Everything not in RUNNING_STATES or NOT_ACTIVE_STATES counts too.
 */
export const MAY_BE_RUNNING_STATES: ReadonlySet<string> = new Set([
  'Starting',
  'Open Firmware',
  'Error',
  'Not Available',
  'Shutting Down',
  'Migrating - Running',
  'Migrating - Not Activated',
  'Hardware Discovery',
  'Suspending',
  'Suspended',
  'Resuming',
]);

/**
 * The evidence a partition state gives: `running`, `not-active` (proven not active on that system), `absent` (the
 * system has no such partition), or `may-be-running` (anything else, including states Lazarus does not know).
 * `state` is the HMC's `state` field verbatim, or `absent` when the HMC listed no partition of that name.
 */
export type PartitionEvidence = 'running' | 'not-active' | 'absent' | 'may-be-running';

export function partitionEvidence(state: string): PartitionEvidence {
  if (state === 'absent') return 'absent';
  if (RUNNING_STATES.has(state)) return 'running';
  if (NOT_ACTIVE_STATES.has(state)) return 'not-active';
  return 'may-be-running';
}

/** Managed-system states in which the HMC says it is up and can run partitions: a host in these is not failed. */
export const HOST_UP_STATES: ReadonlySet<string> = new Set(['Operating', 'Standby']);

/** The managed-system state that proves a host powered off (fenced by power). */
export const HOST_POWERED_OFF_STATE = 'Power Off';

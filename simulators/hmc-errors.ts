import { DeviceCommandError } from './command-result.js';

/**
 * Messages the simulated HMC prints (stdout, exit 1). Codes marked [ref] come from power-cli.md, [corpus] from a real
 * sample in test/fixtures/devices/hmc; the others are guesses (see README "Behaviours we had to guess"). Where no real
 * code is known for a refusal the simulator must make, it prints plain text without a code rather than invent one
 * (the driver classes prose without a code as `configuration`).
 */
export const hmcError = {
  partitionNotFound: (name: string, system: string) =>
    new DeviceCommandError(
      `HSCL8012 The partition named ${name} was not found on managed system ${system}. Please check your entry and retry the command.`,
    ), // [ref]
  systemNotFound: (system: string) =>
    new DeviceCommandError(
      `HSCL8015 The managed system ${system} was not found. Please check your entry and retry the command.`,
    ),
  profileNotFound: (profile: string, lpar: string) =>
    new DeviceCommandError(
      `HSCL8016 The profile named ${profile} for partition ${lpar} was not found. Please check your entry and retry the command.`,
    ),
  systemNotOperating: (system: string, state: string) =>
    new DeviceCommandError(
      `HSCL0237 This operation is not allowed when the managed system ${system} is in the ${state} state.`,
    ),
  partitionWrongState: (lpar: string, state: string) =>
    new DeviceCommandError(`HSCL1529 The operation failed because partition ${lpar} is in the ${state} state.`),
  insufficientProcessors: (lpar: string, wanted: number, available: number) =>
    new DeviceCommandError(
      `HSCL0622 There are not enough processing units available to activate partition ${lpar}: ${fmt(wanted)} requested, ${fmt(available)} available.`,
    ), // [ref] code
  insufficientMemory: (lpar: string, wanted: number, available: number) =>
    new DeviceCommandError(
      `HSCL0623 There is not enough memory available to activate partition ${lpar}: ${wanted} MB requested, ${available} MB available.`,
    ),
  storageNotAvailable: (lpar: string, system: string, volumes: string[]) =>
    new DeviceCommandError(
      `The partition ${lpar} cannot be activated on managed system ${system} because its storage is not ` +
        `available through a Virtual I/O Server: ${volumes.join(', ')}.`,
    ),
  remoteRestartSourceState: (system: string, state: string) =>
    new DeviceCommandError(
      `HSCLA9A2 The remote restart operation cannot be performed because the source managed system ${system} is in the ${state} state.`,
    ),
  remoteRestartTargetState: (system: string, state: string) =>
    new DeviceCommandError(
      `HSCLA9A3 The remote restart operation cannot be performed because the destination managed system ${system} is in the ${state} state.`,
    ),
  remoteRestartNotCapable: (lpar: string, status: string) =>
    new DeviceCommandError(`The partition ${lpar} cannot be remote restarted: its remote restart status is ${status}.`),
  /** HSCLA9A4: a remote restart of the partition is already in progress (issue 11's sample; state-recheck). */
  remoteRestartInProgress: (lpar: string) =>
    new DeviceCommandError(`HSCLA9A4 A remote restart operation is already in progress for partition ${lpar}.`),
  /** IBM "Remote restart states": only a partition that was running can be remote restarted (text is a guess). */
  remoteRestartNotRunningAtFailure: (lpar: string, system: string) =>
    new DeviceCommandError(
      `The partition ${lpar} cannot be remote restarted because it was not running when the managed system ` +
        `${system} failed.`,
    ),
  cleanupState: (system: string, state: string) =>
    new DeviceCommandError(
      `HSCLA9A5 Cleanup cannot be performed because the managed system ${system} is in the ${state} state; it must be Operating or Standby.`,
    ),
  nameInUse: (lpar: string, system: string) =>
    new DeviceCommandError(`HSCL1602 A partition named ${lpar} already exists on managed system ${system}.`),
  migrationState: (lpar: string, state: string) =>
    new DeviceCommandError(`The partition ${lpar} cannot be migrated because it is in the ${state} state.`),
  /** [corpus] error-HSCLA319-migrlpar.txt: the destination has no VIOS that can host the NPIV client adapter. */
  npivNotHostable: (adapterId: number) =>
    new DeviceCommandError(
      `HSCLA319 The migrating partition's virtual fibre channel client adapter ${adapterId} cannot be ` +
        `hosted by the existing Virtual I/O Server (VIOS) partitions on the destination managed system. To ` +
        `migrate the partition, set up the necessary VIOS host on the destination managed system, then try ` +
        `the operation again.`,
    ),
  notMigrating: (lpar: string) =>
    new DeviceCommandError(`HSCLA31A There is no migration in progress for partition ${lpar}.`),
  rmcInactive: (lpar: string) =>
    new DeviceCommandError(
      `HSCL2970 The IOServer command has failed because the RMC connection to partition ${lpar} is not active.`,
    ),
  tooManyOperations: (limit: number) =>
    new DeviceCommandError(
      `HSCL3F01 The maximum number of concurrent operations (${limit}) on this HMC has been reached. Please retry the command later.`,
    ),
  invalidParameter: (text: string) => new DeviceCommandError(`An invalid parameter was entered: ${text}`),
  /** [corpus] error-invalid-attribute-en.txt (HMC V10R3): a bad -F attribute, prose without a code, exit 1. */
  invalidAttribute: (attribute: string) =>
    new DeviceCommandError(
      `An invalid attribute was entered.  The invalid attribute is ${attribute}.  Please correct your ` +
        `entry and retry the command.`,
    ),
  missingParameter: (flag: string) => new DeviceCommandError(`The ${flag} parameter is required.`),
};

function fmt(units: number): string {
  return units.toFixed(2);
}

import { DeviceCommandError } from './command-result.js';

/**
 * CMMVC messages the simulated storage system prints (stderr, exit 1). Texts are the devices' own, as kept in
 * test/fixtures/devices/svc/errors/ (each file names its source); which command answers which code is cited at the
 * command (svc-mapping-commands.ts, svc-copy-commands.ts) or listed as a guess in the README.
 */
export const svcError = {
  notSupportedParameter: (flag: string) => new DeviceCommandError(`CMMVC5709E [${flag}] is not a supported parameter.`),
  missingParameters: () => new DeviceCommandError('CMMVC5707E Required parameters are missing.'),
  noObjectId: () => new DeviceCommandError('CMMVC5701E No object ID was specified.'),
  mutuallyExclusive: () => new DeviceCommandError('CMMVC5713E Some parameters are mutually exclusive.'),
  notSuitable: () =>
    new DeviceCommandError('CMMVC5753E The specified object does not exist or is not a suitable candidate.'),
  doesNotExist: () =>
    new DeviceCommandError(
      'CMMVC5754E The specified object does not exist, or the name supplied does not meet the naming rules.',
    ),
  objectNotFound: () =>
    new DeviceCommandError(
      'CMMVC5804E The action failed because an object that was specified in the command does not exist.',
    ),
  /** rmvdiskhostmap of a mapping that does not exist (issue 11; IBM's CSI driver: "volume already unmapped"). */
  mappingNotFound: () =>
    new DeviceCommandError(
      'CMMVC5842E The action failed because an object that was specified in the command does not exist.',
    ),
  alreadyMappedToThisHost: () =>
    new DeviceCommandError(
      'CMMVC5878E The virtual disk (VDisk)-to-host mapping was not created because this VDisk is already mapped to this host.',
    ),
  lunInUse: () =>
    new DeviceCommandError(
      'CMMVC5879E The virtual disk-to-host mapping was not created because a VDisk is already mapped to this host with this SCSI LUN.',
    ),
  fcWrongState: () =>
    new DeviceCommandError(
      'CMMVC5903E The FlashCopy mapping was not changed because the mapping or consistency group is another state.',
    ),
  fcSizeMismatch: () =>
    new DeviceCommandError(
      'CMMVC5924E The FlashCopy mapping was not created because the source and target virtual disks (VDisks) are different sizes.',
    ),
  noDirection: () => new DeviceCommandError('CMMVC5963E No direction has been defined.'),
  rcWrongState: () =>
    new DeviceCommandError(
      'CMMVC5982E The operation was not performed because it is not valid given the current relationship state.',
    ),
  alreadyExists: () => new DeviceCommandError('CMMVC6035E The action failed as the object already exists.'),
  mappedToOtherHost: () =>
    new DeviceCommandError(
      'CMMVC6071E The VDisk-to-host mapping was not created because the VDisk is already mapped to a host.',
    ),
  fcSameVolume: () =>
    new DeviceCommandError('CMMVC6303E The create failed because the source and target VDisks are the same.'),
  invalidName: () =>
    new DeviceCommandError(
      'CMMVC6527E The name that you have entered is not valid. The name can contain letters, numbers, spaces, periods, dashes, and underscores. The name must begin with a letter or an underscore. The name must not begin or end with a space.',
    ),
  invalidFilter: (text: string) =>
    new DeviceCommandError(
      `CMMVC5758E Object filter could not be applied because the filter attribute [${text}] is not valid.`,
    ),
  invalidValue: (flag: string) => new DeviceCommandError(`CMMVC5711E [${flag}] is not valid data.`),
};

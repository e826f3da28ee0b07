// Names that go into a device command line. Devices split commands like a shell, so anything outside this set
// could change the command's meaning: it is refused, never quoted around.
import { DeviceError } from '../ssh/device-errors.js';

const SAFE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.\-:]*$/;

export function safeName(device: string, what: string, value: string): string {
  if (!SAFE_NAME.test(value)) {
    throw new DeviceError('device', device, `${device}: ${what} "${value}" contains characters Lazarus does not send to a device (allowed: letters, digits, _ . - :)`, false, 'InvalidName');
  }
  return value;
}

// Object names and WWPNs as they go onto a Spectrum Virtualize command line.
//
// Naming rules (the text of CMMVC6527E, as real devices print it; see test/fixtures/devices/svc/errors/): a name
// holds letters, numbers, spaces, periods, dashes and underscores, begins with a letter or an underscore and does
// not begin or end with a space; at most 63 characters (IBM's CSI driver, max_object_name_length). The CLI is a
// restricted shell that splits words like a POSIX shell, so a name with spaces is sent in double quotes (what
// OpenStack Cinder's storwize driver does for every name: `'"%s"' % name`); no allowed character is special inside
// double quotes, so the quoting is exact. A name outside the rules is refused here: the device would refuse it too.
import { DeviceError } from '../ssh/device-errors.js';

const NAME = /^[A-Za-z_]([A-Za-z0-9 ._-]*[A-Za-z0-9._-])?$/;
const MAX_NAME_LENGTH = 63;
const WWPN = /^[0-9A-Fa-f]{16}$/;

function refused(device: string, what: string, value: string, rule: string): DeviceError {
  const text = `${device}: ${what} "${value}" is not a valid Spectrum Virtualize name (${rule})`;
  return new DeviceError('device', device, text, false, 'InvalidName', undefined, 'configuration');
}

/** True when Spectrum Virtualize accepts `value` as an object name. */
export function isSvcName(value: string): boolean {
  return value.length <= MAX_NAME_LENGTH && NAME.test(value);
}

/**
 * One word of a command line naming an object: the name itself, or in double quotes when it holds a space.
 * Throws DeviceError (code InvalidName, not retryable) for a name the naming rules do not allow.
 */
export function svcName(device: string, what: string, value: string): string {
  if (value.length > MAX_NAME_LENGTH) throw refused(device, what, value, `at most ${MAX_NAME_LENGTH} characters`);
  if (!NAME.test(value)) {
    const rule = 'letters, digits, space, . - _; first a letter or _; no leading or trailing space';
    throw refused(device, what, value, rule);
  }
  return value.includes(' ') ? `"${value}"` : value;
}

/** A Fibre Channel WWPN: 16 hexadecimal digits, sent upper-case. */
export function svcWwpn(device: string, value: string): string {
  if (!WWPN.test(value)) throw refused(device, 'WWPN', value, '16 hexadecimal digits');
  return value.toUpperCase();
}

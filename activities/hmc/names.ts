// Names that go into a device command line. The HMC's SSH command line is a restricted bash (rbash): it splits words
// like any POSIX shell, so a name is passed as one word by quoting it (single quotes; an embedded ' becomes '\'').
// HMC names may hold spaces and punctuation (a real profile is named `p590n22 normal`: corpus
// test/fixtures/devices/hmc/lssyscfg-prof-name-with-space-p590.txt), so quoting replaces refusing.
import { DeviceError } from '../ssh/device-errors.js';

const SAFE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.\-:]*$/;
const PLAIN_WORD = /^[A-Za-z0-9_.,:=/@+-]+$/;

/**
 * A name for a device whose shell Lazarus does not quote for (kept for the storage driver): letters, digits and
 * `_ . - :` only; anything else is refused with a DeviceError (code InvalidName, not retryable).
 */
export function safeName(device: string, what: string, value: string): string {
  if (!SAFE_NAME.test(value)) {
    const allowed = 'allowed: letters, digits, _ . - :';
    const message = `${device}: ${what} "${value}" contains characters Lazarus does not send to a device (${allowed})`;
    throw new DeviceError('device', device, message, false, 'InvalidName', undefined, 'configuration');
  }
  return value;
}

/**
 * Quotes `value` as one word of a POSIX shell command line (the HMC's rbash, and the VIOS command string inside
 * viosvrcmd -c). Empty names and control characters (newline, NUL…) are refused: no HMC name holds them, and a
 * newline would end the command.
 */
export function shellWord(device: string, what: string, value: string): string {
  // eslint-disable-next-line no-control-regex
  if (value === '' || /[\x00-\x1f\x7f]/.test(value)) {
    const message = `${device}: ${what} ${JSON.stringify(value)} is empty or holds control characters`;
    throw new DeviceError('device', device, message, false, 'InvalidName', undefined, 'configuration');
  }
  if (PLAIN_WORD.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

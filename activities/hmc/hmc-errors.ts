// HMC errors: `HSCLxxxx text` on stdout with exit 1, sometimes wrapped (`HSCL127D: HSCL1288 …`: the first code is the
// generic "operation failed", the last one says why), VIOS errors carried by viosvrcmd
// (`[VIOSE01040181-0181] …`), and plain prose without a code (a bad -F attribute or flag: Lazarus's own command is
// wrong). Classified as data: the table below maps each code to an ErrorClass and names where its meaning comes from.
import { type ErrorClass, retryableClass } from '../ssh/error-classes.js';
import { DeviceError } from '../ssh/device-errors.js';
import type { ExecResult } from '../ssh/device-pool.js';
import { LOCALE_FIX } from './hmc-output.js';
import { RESIZE_ERROR_CODES } from './partition-size.js';

/** One entry of the HMC/VIOS code table: its class, what it means, and where that meaning comes from. */
export interface CodeEntry {
  errorClass: ErrorClass;
  meaning: string;
  source: string;
}

const CORPUS = 'test/fixtures/devices/hmc';
const SIMULATOR = 'simulators/hmc-errors.ts (a guess: no public sample found)';

/**
 * HSCL and VIOSE codes Lazarus knows. A code not listed here is `unknown`: surfaced with its text, never retried
 * blindly. Wrapper codes (HSCL127D) are listed only so that an error carrying nothing else is still named.
 */
export const HMC_ERROR_CODES: Readonly<Record<string, CodeEntry>> = {
  HSCL127D: {
    errorClass: 'unknown',
    meaning: 'generic "the operation failed" wrapper; the inner code says why',
    source: `${CORPUS}/error-HSCL127D-*.txt (HMC V10R3)`,
  },
  HSCL1288: {
    errorClass: 'configuration',
    meaning: 'the SR-IOV logical port is already assigned to the partition',
    source: `${CORPUS}/error-HSCL127D-HSCL1288.txt (HMC V10R3 live capture)`,
  },
  HSCL1293: {
    errorClass: 'capacity',
    meaning: 'the total capacity of the physical port would be exceeded',
    source: `${CORPUS}/error-HSCL127D-HSCL1293.txt (HMC V10R3 live capture)`,
  },
  HSCL1295: {
    errorClass: 'capacity',
    meaning: 'the requested capacity is outside the valid range',
    source: `${CORPUS}/error-HSCL127D-HSCL1295.txt (HMC V10R3 live capture)`,
  },
  HSCLA4C0: {
    errorClass: 'configuration',
    meaning: 'the managed system does not support the function (virtual fibre channel)',
    source: `${CORPUS}/error-HSCLA4C0-pl.txt (HMC V7R7.9, Polish)`,
  },
  HSCLA319: {
    errorClass: 'configuration',
    meaning: 'LPM: no VIOS on the destination can host the virtual FC client adapter (SAN zoning or VIOS setup)',
    source: 'IBM Support page "HSCLA319 during LPM Validation of AIX NPIV Client"',
  },
  HSCL350B: {
    errorClass: 'authentication',
    meaning: 'the HMC user does not have the appropriate authority',
    source: 'IBM ansible-power-hmc collection, hmc_user.py USER_AUTHORITY_ERR',
  },
  HSCL3653: {
    errorClass: 'authentication',
    meaning: 'LPM between HMCs: the remote HMC has not been authenticated (mkauthkeys)',
    source: 'IBM ansible-power-hmc collection, powervm_lpar_migration.py',
  },
  HSCL8012: {
    errorClass: 'not-found',
    meaning: 'the partition does not exist on that managed system',
    source: 'IBM ansible-power-hmc collection (powervm_lpar_instance.py, vios.py treat it as "absent")',
  },
  HSCLA9A4: {
    errorClass: 'state-recheck',
    meaning: 'a remote restart of the partition is already in progress: read its state again',
    source: 'issue 11 (a sample seen on a real HMC; text not published)',
  },
  HSCL8015: { errorClass: 'not-found', meaning: 'the managed system does not exist', source: SIMULATOR },
  HSCL8016: { errorClass: 'not-found', meaning: 'the profile does not exist', source: SIMULATOR },
  HSCL0622: {
    errorClass: 'capacity',
    meaning: 'not enough processing units to activate',
    source: 'power-cli.md (the code); text from the simulator',
  },
  HSCL0623: { errorClass: 'capacity', meaning: 'not enough memory to activate', source: SIMULATOR },
  HSCL1602: {
    errorClass: 'configuration',
    meaning: 'a partition of that name already exists on the target',
    source: SIMULATOR,
  },
  HSCL1529: {
    errorClass: 'state-recheck',
    meaning: 'the partition is in a state that does not allow the operation',
    source: SIMULATOR,
  },
  HSCL0237: {
    errorClass: 'state-recheck',
    meaning: 'the managed system is in a state that does not allow the operation',
    source: SIMULATOR,
  },
  HSCL2970: {
    errorClass: 'transient',
    meaning: 'the RMC connection to the VIOS is not active (it comes up after boot)',
    source: SIMULATOR,
  },
  HSCL3F01: { errorClass: 'transient', meaning: 'too many concurrent operations on this HMC', source: SIMULATOR },
  HSCLA31A: { errorClass: 'state-recheck', meaning: 'no migration in progress for the partition', source: SIMULATOR },
  HSCLA31B: { errorClass: 'state-recheck', meaning: 'the migration was stopped', source: SIMULATOR },
  VIOSE01040181: {
    errorClass: 'not-found',
    meaning: 'the device is not in the VIOS device configuration database',
    source: 'simulators/vios-commands.ts (a guess)',
  },
  ...RESIZE_ERROR_CODES,
};

const HSCL = /HSCL[0-9A-F]{4}/g;
const VIOSE = /\[(VIOSE[0-9A-F]+)-[0-9]+\]/g;

/**
 * The code that classifies an error text: the innermost (last) HSCL code that is not a bare wrapper, else the last
 * VIOSE code, else undefined (prose without a code).
 */
export function innermostCode(text: string): string | undefined {
  const hscl = [...text.matchAll(HSCL)].map((m) => m[0]);
  const specific = hscl.filter((code) => code !== 'HSCL127D');
  const vios = [...text.matchAll(VIOSE)].map((m) => m[1]!);
  return specific.at(-1) ?? vios.at(-1) ?? hscl.at(-1);
}

/** The class of a code (`unknown` for a code not in the table). */
export function classOfCode(code: string): ErrorClass {
  return HMC_ERROR_CODES[code]?.errorClass ?? 'unknown';
}

export class HmcError extends DeviceError {
  constructor(device: string, command: string, code: string | undefined, text: string, errorClass: ErrorClass) {
    super('device', device, `${device}: ${text}`, retryableClass(errorClass), code, command, errorClass);
    this.name = 'HmcError';
  }

  override get failureType(): string {
    return this.code ? `HmcError.${this.code}` : 'HmcError';
  }
}

/**
 * The error in a failed command's output, or undefined when the command succeeded (exit 0).
 * - a code (innermost HSCL, else VIOSE) → its class from HMC_ERROR_CODES, `unknown` when not listed;
 * - prose without a code → `configuration`: on a real HMC that is a bad -F attribute, flag or syntax, i.e. the
 *   command Lazarus built is wrong (corpus: error-invalid-attribute-*.txt); retrying cannot help.
 */
export function hmcFailure(device: string, command: string, result: ExecResult): HmcError | undefined {
  if (result.exitCode === 0) return undefined;
  const text = `${result.stdout}\n${result.stderr}`.trim().replace(/\s+/g, ' ');
  const code = innermostCode(text);
  if (code) return new HmcError(device, command, code, text, classOfCode(code));
  // Prose in another language (corpus error-invalid-attribute-pl.txt): name the locale fix as well.
  const localized = /[^\x20-\x7e]/.test(text)
    ? ` (the HMC answers in a language other than English: ${LOCALE_FIX})`
    : '';
  const message = text ? `${text}${localized}` : `"${command}" failed with exit status ${result.exitCode}`;
  return new HmcError(device, command, undefined, message, 'configuration');
}

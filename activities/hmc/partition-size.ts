// Changing a partition's size through the HMC, for reduced-size restarts (issue 14, VMRM HA's flex capacity) and the
// return to full size afterwards:
// - the profile: `chsyscfg -r prof -m SYS -i "name=PROF,lpar_name=LPAR,desired_mem=MB,desired_proc_units=N"`
//   (`desired_procs` for dedicated processors), what an activation starts the partition with;
// - a running partition, by DLPAR: `chhwres -r mem -m SYS -o a -p LPAR -q MB` and
//   `chhwres -r proc -m SYS -o a -p LPAR --procunits N` (`--procs N` for dedicated processors).
// Syntax: IBM HMC manual pages chsyscfg(1), chhwres(1) (power-cli.md §1: both print nothing on success [L]).
// Sizes are read back strictly: the profile from `lssyscfg -r prof` (HmcClient.profiles), what a running partition
// holds from `lshwres --level lpar` (HmcClient.partitionResources).
//
// What remote restart starts the partition with: IBM's rrstartlpar manual page (HMC V8, P8 Knowledge Center) lists no
// size attribute among its options (`-i` takes VIOS/FC mapping and pool data), and a practitioner's description of
// (simplified) remote restart says "an LPAR with the identical configuration is created on the target managed system
// and then started" (PowerCampus LPAR tool documentation, "Support for (Simplified) Remote Restart"). Whether that
// configuration is the profile or the partition's last running configuration is not stated in any source found. So the
// safe variant is taken: the profile is changed before the restart (nothing can be changed by DLPAR on a server that
// is down, and a partition that never starts cannot be grown after), and the size is read back on the destination
// after the restart, never assumed; if a real HMC restarts at the old size and the destination has no room for it, the
// restart fails with the capacity error and the LPAR is settled as any failed restart (proven not active: re-planned;
// nothing runs twice).
import type { CodeEntry } from './hmc-errors.js';
import type { HmcClient, PartitionProfile, ProcMode } from './hmc-client.js';
import { DeviceError } from '../ssh/device-errors.js';
import { shellWord } from './names.js';

/** A partition's size: processing units (a dedicated core counts 1.0) and memory in MB. */
export interface PartitionSize {
  procUnits: number;
  memoryMb: number;
}

const GUESS = 'simulators/hmc-resize-commands.ts (a guess: no public sample found)';

/** HSCL codes of size changes, merged into HMC_ERROR_CODES (hmc-errors.ts). */
export const RESIZE_ERROR_CODES: Readonly<Record<string, CodeEntry>> = {
  HSCL0647: {
    errorClass: 'configuration',
    meaning: "a size outside the profile's minimum..maximum",
    source: GUESS,
  },
  HSCL294C: {
    errorClass: 'transient',
    meaning: "DLPAR needs the partition's RMC connection, which comes up some time after boot",
    source: GUESS,
  },
};

/** What a size change did: `changed` false when the device already had that size and nothing was sent. */
export interface SizeChange {
  changed: boolean;
  detail: string;
}

/**
 * `,` `=` and `"` cannot appear inside a plain value of an `-i` record (power-cli.md §1 "Quoting"); `$`, backquote
 * and backslash would be read by the shell inside the record's double quotes.
 */
const RECORD_UNSAFE = /[,="$`\\]/;

/** The profile `profile` of `lpar` on `system`, or undefined when the HMC lists no such profile. */
export async function readProfile(
  hmc: HmcClient,
  system: string,
  lpar: string,
  profile: string,
): Promise<PartitionProfile | undefined> {
  return (await hmc.profiles(system)).find((p) => p.lparName === lpar && p.name === profile);
}

/**
 * Sets the desired size of a profile (`chsyscfg -r prof`). Idempotent: a profile already at that size is left alone.
 * Dedicated processors take whole cores: `procUnits` is rounded up. A size outside the profile's min..max is refused
 * here, before anything is sent (DeviceError code SizeOutOfRange, configuration); the HMC refuses it too (HSCL0647 in
 * the simulator). A name holding `,` `=` or `"` cannot be written into an `-i` record: DeviceError InvalidName.
 */
export async function setProfileSize(
  hmc: HmcClient,
  system: string,
  profile: PartitionProfile,
  size: PartitionSize,
): Promise<SizeChange> {
  const units = wholeIfDedicated(size.procUnits, profile.procMode);
  const { procUnits, memoryMb } = profile;
  checkWithin(hmc.device, profile.lparName, 'processing units', units, procUnits.min, procUnits.max);
  checkWithin(hmc.device, profile.lparName, 'memory (MB)', size.memoryMb, memoryMb.min, memoryMb.max);
  const where = `profile ${profile.name} of ${profile.lparName} on ${system}`;
  if (Math.abs(procUnits.desired - units) < 1e-9 && memoryMb.desired === size.memoryMb)
    return {
      changed: false,
      detail: `${where} already has ${describeSize({ procUnits: units, memoryMb: size.memoryMb })}`,
    };
  for (const [what, value] of [
    ['profile', profile.name],
    ['partition', profile.lparName],
  ] as const) {
    if (RECORD_UNSAFE.test(value)) {
      const message = `${hmc.device}: ${what} name "${value}" holds one of , = " $ \` \\ and cannot be written into chsyscfg -i`;
      throw new DeviceError('device', hmc.device, message, false, 'InvalidName', undefined, 'configuration');
    }
  }
  const proc = profile.procMode === 'ded' ? `desired_procs=${units}` : `desired_proc_units=${units.toFixed(2)}`;
  const record = `name=${profile.name},lpar_name=${profile.lparName},desired_mem=${size.memoryMb},${proc}`;
  await hmc.run(`chsyscfg -r prof -m ${shellWord(hmc.device, 'managed system', system)} -i ${quoted(record)}`);
  return { changed: true, detail: `${where} set to ${describeSize({ procUnits: units, memoryMb: size.memoryMb })}` };
}

/**
 * What a partition holds now (`lshwres --level lpar`), or undefined when the system does not list it. A partition
 * that is not active holds 0 of both.
 */
export async function heldSize(hmc: HmcClient, system: string, lpar: string): Promise<PartitionSize | undefined> {
  const held = (await hmc.partitionResources(system)).get(lpar);
  return held && { procUnits: held.procUnits, memoryMb: held.memoryMb };
}

/**
 * Grows a running partition to `target` by DLPAR (`chhwres … -o a`), memory then processors, each only by what is
 * missing (idempotent: a partition already that big gets nothing). Never shrinks. The HMC refuses without free
 * capacity (HSCL0622/HSCL0623, class capacity) or without RMC (HSCL294C in the simulator, transient).
 */
export async function growRunning(
  hmc: HmcClient,
  system: string,
  lpar: string,
  procMode: ProcMode,
  target: PartitionSize,
): Promise<SizeChange> {
  const now = await heldSize(hmc, system, lpar);
  if (!now) {
    const message = `${hmc.device}: partition ${lpar} is not listed by lshwres on ${system}`;
    throw new DeviceError('device', hmc.device, message, false, 'HSCL8012', undefined, 'not-found');
  }
  const sys = shellWord(hmc.device, 'managed system', system);
  const part = shellWord(hmc.device, 'partition', lpar);
  const steps: string[] = [];
  const memory = target.memoryMb - now.memoryMb;
  if (memory > 0) {
    await hmc.run(`chhwres -r mem -m ${sys} -o a -p ${part} -q ${memory}`);
    steps.push(`+${memory} MB`);
  }
  const units = Math.round((wholeIfDedicated(target.procUnits, procMode) - now.procUnits) * 100) / 100;
  if (units > 0) {
    const flag = procMode === 'ded' ? `--procs ${units}` : `--procunits ${units.toFixed(2)}`;
    await hmc.run(`chhwres -r proc -m ${sys} -o a -p ${part} ${flag}`);
    steps.push(`+${units} processing units`);
  }
  const where = `${lpar} on ${system}`;
  if (steps.length === 0) return { changed: false, detail: `${where} already holds ${describeSize(now)}` };
  return { changed: true, detail: `${where} grown by DLPAR (${steps.join(', ')}) to ${describeSize(target)}` };
}

/** "0.5 processing units and 8192 MB". */
export function describeSize(size: PartitionSize): string {
  return `${Math.round(size.procUnits * 100) / 100} processing units and ${size.memoryMb} MB`;
}

function wholeIfDedicated(procUnits: number, mode: ProcMode): number {
  return mode === 'ded' ? Math.ceil(procUnits - 1e-9) : Math.round(procUnits * 100) / 100;
}

function checkWithin(device: string, lpar: string, what: string, value: number, min: number, max: number): void {
  if (value + 1e-9 >= min && value <= max + 1e-9) return;
  const message = `${device}: ${lpar}: ${what} ${value} is outside its profile's minimum ${min} and maximum ${max}`;
  throw new DeviceError('device', device, message, false, 'SizeOutOfRange', undefined, 'configuration');
}

/** The record as one shell word in double quotes (RECORD_UNSAFE keeps `"`, `$`, backquote and backslash out). */
function quoted(record: string): string {
  return `"${record}"`;
}

// Changing a partition's size on the simulated HMC: its profile (`chsyscfg -r prof -i "…"`, what the next activation
// or remote restart starts with) and, while it runs, its processors and memory by DLPAR (`chhwres -r proc|mem -o a|r|s`).
// Sizes must stay within the profile's minimum and maximum, and a DLPAR addition within the system's free capacity.
// Syntax: IBM HMC manual pages chsyscfg(1) and chhwres(1). The HSCL codes for a value outside min..max and for DLPAR
// without RMC are guesses (no public sample found; README "HMC error codes"); the capacity refusals reuse the
// activation codes HSCL0622/HSCL0623.
import { parseFlags } from './cli-flags.js';
import { type CommandContext, causeOf } from './command-context.js';
import { DeviceCommandError } from './command-result.js';
import { isActive, type Partition, type Profile } from './fleet-model.js';
import { hmcError } from './hmc-errors.js';
import { managedSystem, partitionIn } from './hmc-lookup.js';
import { formatProcUnits } from './hmc-output.js';

/** Profile attributes `chsyscfg -r prof` may change here: sizes only. */
const SIZE_ATTRIBUTES = new Set([
  'min_proc_units',
  'desired_proc_units',
  'max_proc_units',
  'min_procs',
  'desired_procs',
  'max_procs',
  'min_mem',
  'desired_mem',
  'max_mem',
]);

/** Systems whose profiles the HMC can change: profile data is kept while the server is powered off. */
const PROFILE_EDIT_STATES = new Set(['Operating', 'Standby', 'Power Off']);

export const resizeError = {
  /** A guess: no public sample of the HMC's text for a size outside the profile's min..max. */
  outOfRange: (what: string, value: number, min: number, max: number) =>
    new DeviceCommandError(
      `HSCL0647 The ${what} value ${value} is not valid: it must be between the minimum ${min} and the maximum ${max}.`,
    ),
  /** A guess: DLPAR needs the partition's RMC connection (as viosvrcmd does, HSCL2970). */
  rmcInactive: (lpar: string) =>
    new DeviceCommandError(
      `HSCL294C The dynamic logical partitioning operation failed because the RMC connection to partition ${lpar} is not active.`,
    ),
  notEnoughProcessors: (lpar: string, wanted: number, available: number) =>
    new DeviceCommandError(
      `HSCL0622 There are not enough processing units available to add ${formatProcUnits(wanted)} to partition ${lpar}: ${formatProcUnits(available)} available.`,
    ),
  notEnoughMemory: (lpar: string, wanted: number, available: number) =>
    new DeviceCommandError(
      `HSCL0623 There is not enough memory available to add ${wanted} MB to partition ${lpar}: ${available} MB available.`,
    ),
};

/** chsyscfg -r prof -m SYS -i "name=PROFILE,lpar_name=LPAR,desired_mem=…,desired_proc_units=…" */
export function chsyscfg(ctx: CommandContext, args: string[]): string {
  const flags = parseFlags(args, { values: ['-r', '-m', '-i', '-f', '-o'], switches: ['--force'] });
  const resource = flags.values.get('-r');
  if (resource === undefined) throw hmcError.missingParameter('-r');
  if (resource !== 'prof') throw hmcError.invalidParameter(`-r ${resource}`);
  const system = managedSystem(ctx, flags);
  const input = flags.values.get('-i');
  if (input === undefined) throw hmcError.missingParameter('-i');
  const record = parseInputRecord(input);
  const profileName = record.get('name');
  const lparName = record.get('lpar_name');
  if (profileName === undefined) throw hmcError.missingParameter('name');
  if (lparName === undefined) throw hmcError.missingParameter('lpar_name');
  if (!PROFILE_EDIT_STATES.has(system.state)) throw hmcError.systemNotOperating(system.name, system.state);
  const partition = system.partitions.find((p) => p.name === lparName);
  if (!partition) throw hmcError.partitionNotFound(lparName, system.name);
  const profile = partition.profiles.find((p) => p.name === profileName);
  if (!profile) throw hmcError.profileNotFound(profileName, lparName);
  const changed: Profile = { ...profile };
  const ded = profile.procMode === 'ded';
  for (const [attribute, text] of record) {
    if (attribute === 'name' || attribute === 'lpar_name') continue;
    if (!SIZE_ATTRIBUTES.has(attribute)) throw hmcError.invalidParameter(attribute);
    const value = Number(text);
    if (text === '' || !Number.isFinite(value) || value < 0) throw hmcError.invalidParameter(`${attribute}=${text}`);
    const wholeCores = attribute.endsWith('_procs');
    if (wholeCores !== ded || (wholeCores && !Number.isInteger(value)))
      throw hmcError.invalidParameter(`${attribute}=${text}`);
    const field = PROFILE_FIELDS[attribute.replace(/_procs$/, '_proc_units')]!;
    changed[field] = value;
  }
  checkOrder('processing units', changed.minProcUnits, changed.desiredProcUnits, changed.maxProcUnits);
  checkOrder('memory', changed.minMemMb, changed.desiredMemMb, changed.maxMemMb);
  // A profile change takes effect at the next activation: an active partition keeps what it holds now.
  if (isActive(system, partition) && partition.currentProfile === profile.name)
    partition.allocation ??= {
      procUnits: ctx.physics.heldProcUnits(partition),
      memMb: ctx.physics.heldMemoryMb(partition),
    };
  Object.assign(profile, changed);
  ctx.model.changed(causeOf(ctx));
  return '';
}

/** chhwres -r proc|mem -m SYS -o a|r|s {-p LPAR | --id N} [-q MB] [--procunits N] [--procs N] */
export function chhwres(ctx: CommandContext, args: string[]): string {
  const flags = parseFlags(args, {
    values: ['-r', '-m', '-o', '-p', '--id', '-q', '--procunits', '--procs', '-w', '-d'],
    switches: ['--force'],
  });
  const resource = flags.values.get('-r');
  if (resource === undefined) throw hmcError.missingParameter('-r');
  if (resource !== 'proc' && resource !== 'mem') throw hmcError.invalidParameter(`-r ${resource}`);
  const operation = flags.values.get('-o');
  if (operation === undefined) throw hmcError.missingParameter('-o');
  if (!['a', 'r', 's'].includes(operation)) throw hmcError.invalidParameter(`-o ${operation}`);
  const system = managedSystem(ctx, flags);
  if (system.state !== 'Operating') throw hmcError.systemNotOperating(system.name, system.state);
  const partition = partitionIn(system, flags, '-p');
  if (partition.state !== 'Running') throw hmcError.partitionWrongState(partition.name, partition.state);
  if (partition.rmcState !== 'active') throw resizeError.rmcInactive(partition.name);
  const profile = ctx.physics.profileOf(partition)!;
  const amount = quantity(flags, resource, profile.procMode === 'ded');
  const held = { procUnits: ctx.physics.heldProcUnits(partition), memMb: ctx.physics.heldMemoryMb(partition) };
  const now = resource === 'proc' ? held.procUnits : held.memMb;
  const wanted = operation === 'a' ? now + amount : operation === 'r' ? now - amount : amount;
  const next = Math.round(wanted * 100) / 100;
  if (resource === 'proc') {
    checkOrder('processing units', profile.minProcUnits, next, profile.maxProcUnits);
    const free = ctx.physics.availableProcUnits(system);
    if (next - now > free + 1e-9) throw resizeError.notEnoughProcessors(partition.name, next - now, free);
    setAllocation(partition, { procUnits: next, memMb: held.memMb });
  } else {
    checkOrder('memory', profile.minMemMb, next, profile.maxMemMb);
    const free = ctx.physics.availableMemoryMb(system);
    if (next - now > free) throw resizeError.notEnoughMemory(partition.name, next - now, free);
    setAllocation(partition, { procUnits: held.procUnits, memMb: next });
  }
  ctx.model.changed(causeOf(ctx));
  return '';
}

type SizeField = 'minProcUnits' | 'desiredProcUnits' | 'maxProcUnits' | 'minMemMb' | 'desiredMemMb' | 'maxMemMb';
const PROFILE_FIELDS: Record<string, SizeField> = {
  min_proc_units: 'minProcUnits',
  desired_proc_units: 'desiredProcUnits',
  max_proc_units: 'maxProcUnits',
  min_mem: 'minMemMb',
  desired_mem: 'desiredMemMb',
  max_mem: 'maxMemMb',
};

/** The -q (MB) / --procunits / --procs quantity of a chhwres; the one that fits the resource and processor mode. */
function quantity(flags: ReturnType<typeof parseFlags>, resource: 'proc' | 'mem', ded: boolean): number {
  const flag = resource === 'mem' ? '-q' : ded ? '--procs' : '--procunits';
  const text = flags.values.get(flag);
  if (text === undefined) throw hmcError.missingParameter(flag);
  const value = Number(text);
  const whole = flag !== '--procunits';
  if (!Number.isFinite(value) || value < 0 || (whole && !Number.isInteger(value)))
    throw hmcError.invalidParameter(`${flag} ${text}`);
  return value;
}

function checkOrder(what: string, min: number, desired: number, max: number): void {
  if (desired + 1e-9 < min || desired > max + 1e-9) throw resizeError.outOfRange(what, desired, min, max);
  if (min > max + 1e-9) throw resizeError.outOfRange(`minimum ${what}`, min, 0, max);
}

/** What the partition holds after a DLPAR change, until its next activation (physics.activate clears it). */
function setAllocation(partition: Partition, allocation: { procUnits: number; memMb: number }): void {
  partition.allocation = allocation;
}

/**
 * An `-i` record: `attr=value` pairs split at commas outside double quotes (power-cli.md §1, "Quoting"). A pair
 * without `=` or an attribute given twice is an invalid parameter.
 */
export function parseInputRecord(text: string): Map<string, string> {
  const record = new Map<string, string>();
  let current = '';
  let quoted = false;
  const pairs: string[] = [];
  for (const char of text) {
    if (char === '"') quoted = !quoted;
    else if (char === ',' && !quoted) {
      pairs.push(current);
      current = '';
    } else current += char;
  }
  pairs.push(current);
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw hmcError.invalidParameter(pair);
    const key = pair.slice(0, at);
    if (record.has(key)) throw hmcError.invalidParameter(`${key} given twice`);
    record.set(key, pair.slice(at + 1));
  }
  return record;
}

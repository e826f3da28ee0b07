// The HMC driver: typed reads of managed systems, partitions, profiles and capacity, and idempotent state changes
// (power off a system, activate or shut down a partition, remote restart, Live Partition Mobility). Each command is
// one SSH exec through the device pool; errors come back as HmcError/DeviceError with their ErrorClass and retryable.
// Names are quoted for the HMC's rbash (names.ts), so any name the HMC allows works, spaces included.
import {
  HOST_POWERED_OFF_STATE,
  MAY_BE_RUNNING_STATES,
  RUNNING_STATES,
} from '../../domain/failover/partition-states.js';
import { DeviceError } from '../ssh/device-errors.js';
import type { DevicePool } from '../ssh/device-pool.js';
import { hmcFailure } from './hmc-errors.js';
import {
  numberField,
  optionalNumberField,
  outputError,
  parseAttributeLines,
  parseFieldLines,
  requireField,
} from './hmc-output.js';
import { shellWord } from './names.js';

export interface ManagedSystem {
  name: string;
  state: string;
  typeModel: string;
  serial: string;
}

export interface Partition {
  name: string;
  id: number;
  state: string;
  env: string;
  currentProfile: string;
  rmcState: string;
}

/** `shared`: processing units from the shared pool; `ded`: whole dedicated cores (lssyscfg/lshwres `proc_mode`). */
export type ProcMode = 'shared' | 'ded';

export interface PartitionProfile {
  name: string;
  lparName: string;
  lparId: number;
  procMode: ProcMode;
  /**
   * Processor capacity in processing units: `*_proc_units` for shared processors, `*_procs` for dedicated ones
   * (one dedicated core = 1.0 unit), so capacity planning counts dedicated cores.
   */
  procUnits: { min: number; desired: number; max: number };
  memoryMb: { min: number; desired: number; max: number };
  /** desired_procs: virtual processors (shared) or dedicated cores (ded). */
  virtualProcessors: number;
  /** lpar_avail_priority: 0..255, higher restarts first (191 high, 127 medium, 63 low in the simulator). */
  availabilityPriority: number;
  virtualScsiAdapters: string[];
  virtualFcAdapters: string[];
}

/** One partition's current processors and memory (lshwres --level lpar); procUnits counts a dedicated core as 1.0. */
export interface PartitionResources {
  procUnits: number;
  memoryMb: number;
  procMode: ProcMode;
}

export interface SystemCapacity {
  configurableProcUnits: number;
  availableProcUnits: number;
  configurableMemoryMb: number;
  availableMemoryMb: number;
  firmwareMemoryMb: number;
}

export interface Outcome {
  /** False when the device was already in the requested state and nothing was sent. */
  changed: boolean;
  detail: string;
}

/**
 * Partition states in which it may run, i.e. use resources and write to its disks: domain/failover/partition-states.ts
 * (IBM HMC help: `Error` is running but needs attention; `Not Available` means its system is in Error/Recovery/
 * Incomplete and the state is unknown). Kept under this name for the callers that import it.
 */
export const ACTIVE_PARTITION_STATES: ReadonlySet<string> = new Set([...RUNNING_STATES, ...MAY_BE_RUNNING_STATES]);
/** States in which a partition is already up (or coming up) by its own activation: activate is then a no-op. */
const UP_STATES = new Set(['Running', 'Starting', 'Open Firmware']);
const PARTITION_FIELDS = ['name', 'lpar_id', 'state', 'lpar_env', 'curr_profile', 'rmc_state'];
const POWERED_OFF_STATES = new Set([HOST_POWERED_OFF_STATE]);

export class HmcClient {
  constructor(readonly pool: DevicePool) {}

  get device(): string {
    return this.pool.target.name;
  }

  /** Runs a command and returns stdout; throws the classified error when it failed. */
  async run(command: string, timeoutMs?: number): Promise<string> {
    const result = await this.pool.exec(command, timeoutMs);
    const failure = hmcFailure(this.device, command, result);
    if (failure) throw failure;
    return result.stdout;
  }

  private name(what: string, value: string): string {
    return shellWord(this.device, what, value);
  }

  // ---- reads ---------------------------------------------------------------------------------------------------

  async listSystems(): Promise<ManagedSystem[]> {
    const command = 'lssyscfg -r sys -F name,state,type_model,serial_num --header';
    return parseFieldLines(this.device, command, await this.run(command), [
      'name',
      'state',
      'type_model',
      'serial_num',
    ]).map((r) => ({
      name: r.name!,
      state: r.state!,
      typeModel: r.type_model!,
      serial: r.serial_num!,
    }));
  }

  /**
   * Every managed system this HMC manages with its state, in one command (`lssyscfg -r sys -F name,state`): what the
   * host monitor reads each interval. `timeoutMs` bounds the command once connected. States as power-cli.md lists
   * them (`Operating`, `Power Off`, `No Connection`, `Error`, …; corpus lssyscfg-sys-F-name-serial-state-power5.txt);
   * a system listed twice is an output error. An HMC that lost its connection to a system still lists it, as
   * `No Connection`.
   */
  async systemStates(timeoutMs?: number): Promise<Map<string, string>> {
    const command = 'lssyscfg -r sys -F name,state --header';
    const rows = parseFieldLines(this.device, command, await this.run(command, timeoutMs), ['name', 'state']);
    const states = new Map<string, string>();
    for (const [index, row] of rows.entries()) {
      if (states.has(row.name!))
        throw outputError(this.device, command, index + 2, `system "${row.name}" appears twice`);
      states.set(row.name!, requireField(this.device, command, row, 'state'));
    }
    return states;
  }

  /** The system's state; the HMC must answer with exactly one row, named like the system asked for. */
  async systemState(system: string): Promise<string> {
    const command = `lssyscfg -r sys -m ${this.name('managed system', system)} -F name,state --header`;
    const rows = parseFieldLines(this.device, command, await this.run(command), ['name', 'state']);
    if (rows.length !== 1) {
      throw outputError(this.device, command, 0, `expected one row for ${system}, got ${rows.length}`);
    }
    const row = rows[0]!;
    if (row.name !== system) {
      throw outputError(this.device, command, 2, `field name is "${row.name}", expected "${system}"`);
    }
    return requireField(this.device, command, row, 'state');
  }

  async listPartitions(system: string): Promise<Partition[]> {
    const fields = PARTITION_FIELDS.join(',');
    const command = `lssyscfg -r lpar -m ${this.name('managed system', system)} -F ${fields} --header`;
    const rows = parseFieldLines(this.device, command, await this.run(command), PARTITION_FIELDS);
    const partitions = rows.map((r) => toPartition(this.device, command, r));
    const seen = new Set<string>();
    for (const [index, p] of partitions.entries()) {
      if (seen.has(p.name)) {
        throw outputError(this.device, command, index + 2, `partition name "${p.name}" appears twice`);
      }
      seen.add(p.name);
    }
    return partitions;
  }

  /**
   * The partition, or undefined when the system has no partition of that name (HSCL8012, or no row). Every row the
   * HMC returns must carry that name: another partition's row is an error, never taken for this one. A name holding
   * a comma or a double quote cannot be given to --filter (the HMC splits filter values at commas), so the system's
   * whole list is read and the row picked by name instead.
   */
  async partition(system: string, lpar: string): Promise<Partition | undefined> {
    if (/[,"]/.test(lpar)) return (await this.listPartitions(system)).find((p) => p.name === lpar);
    const filter = this.name('partition filter', `lpar_names=${lpar}`);
    const sys = this.name('managed system', system);
    const command = `lssyscfg -r lpar -m ${sys} --filter ${filter} -F ${PARTITION_FIELDS.join(',')} --header`;
    let rows: Array<Record<string, string>>;
    try {
      rows = parseFieldLines(this.device, command, await this.run(command), PARTITION_FIELDS);
    } catch (err) {
      if ((err as { code?: string }).code === 'HSCL8012') return undefined;
      throw err;
    }
    for (const [index, row] of rows.entries()) {
      if (row.name !== lpar) {
        throw outputError(this.device, command, index + 2, `field name is "${row.name}", expected "${lpar}"`);
      }
    }
    if (rows.length > 1) throw outputError(this.device, command, 0, `${rows.length} rows for partition ${lpar}`);
    return rows[0] ? toPartition(this.device, command, rows[0]) : undefined;
  }

  /**
   * Every profile of the system. Shared-processor profiles carry min/desired/max_proc_units; dedicated ones
   * (`proc_mode=ded`) carry only min/desired/max_procs, counted as processing units (corpus:
   * lssyscfg-prof-dedicated-veritas.txt). lpar_avail_priority (default 127) and virtual_fc_adapters are optional:
   * older HMCs and POWER5 systems do not print them (corpus: lssyscfg-prof-shared-power5.txt).
   */
  async profiles(system: string): Promise<PartitionProfile[]> {
    const command = `lssyscfg -r prof -m ${this.name('managed system', system)}`;
    const records = parseAttributeLines(this.device, command, await this.run(command));
    const priorities = records.some((r) => r.lpar_avail_priority === undefined)
      ? await this.availabilityPriorities(system)
      : new Map<string, number>();
    return records.map((r) => {
      const num = (field: string) => numberField(this.device, command, r, field);
      const procMode = readProcMode(this.device, command, r, 'proc_mode');
      const units =
        procMode === 'ded'
          ? ['min_procs', 'desired_procs', 'max_procs']
          : ['min_proc_units', 'desired_proc_units', 'max_proc_units'];
      const priority = priorities.get(r.lpar_name ?? '') ?? 127;
      return {
        name: requireField(this.device, command, r, 'name'),
        lparName: requireField(this.device, command, r, 'lpar_name'),
        lparId: num('lpar_id'),
        procMode,
        procUnits: { min: num(units[0]!), desired: num(units[1]!), max: num(units[2]!) },
        memoryMb: { min: num('min_mem'), desired: num('desired_mem'), max: num('max_mem') },
        virtualProcessors: num('desired_procs'),
        availabilityPriority: optionalNumberField(this.device, command, r, 'lpar_avail_priority', priority),
        virtualScsiAdapters: adapterList(r.virtual_scsi_adapters),
        virtualFcAdapters: adapterList(r.virtual_fc_adapters),
      };
    });
  }

  /**
   * lpar_avail_priority per partition: a partition attribute (lssyscfg -r lpar), which no real profile listing
   * carries (corpus lssyscfg-prof-*.txt). An HMC or system without it (POWER5) refuses the -F attribute with prose
   * and no code; every partition then has the default 127.
   */
  private async availabilityPriorities(system: string): Promise<Map<string, number>> {
    const command = `lssyscfg -r lpar -m ${this.name('managed system', system)} -F name,lpar_avail_priority --header`;
    let output: string;
    try {
      output = await this.run(command);
    } catch (err) {
      if (err instanceof DeviceError && err.code === undefined && err.errorClass === 'configuration') return new Map();
      throw err;
    }
    const rows = parseFieldLines(this.device, command, output, ['name', 'lpar_avail_priority']);
    return new Map(rows.map((row) => [row.name!, numberField(this.device, command, row, 'lpar_avail_priority')]));
  }

  async systemCapacity(system: string): Promise<SystemCapacity> {
    const sys = this.name('managed system', system);
    const procCommand = `lshwres -r proc -m ${sys} --level sys`;
    const memCommand = `lshwres -r mem -m ${sys} --level sys`;
    const read = async (command: string) =>
      singleRecord(this.device, command, parseAttributeLines(this.device, command, await this.run(command)));
    // Two independent reads at once: a plan reads every survivor's capacity at failure time.
    const [proc, mem] = await Promise.all([read(procCommand), read(memCommand)]);
    return {
      configurableProcUnits: numberField(this.device, procCommand, proc, 'configurable_sys_proc_units'),
      availableProcUnits: numberField(this.device, procCommand, proc, 'curr_avail_sys_proc_units'),
      configurableMemoryMb: numberField(this.device, memCommand, mem, 'configurable_sys_mem'),
      availableMemoryMb: numberField(this.device, memCommand, mem, 'curr_avail_sys_mem'),
      firmwareMemoryMb: optionalNumberField(this.device, memCommand, mem, 'sys_firmware_mem', 0),
    };
  }

  /**
   * Per-partition current processor capacity and memory (lshwres --level lpar). `procUnits` is curr_proc_units for
   * shared processors and curr_procs for dedicated ones (`curr_proc_mode=ded`, one core = 1.0 unit; corpus:
   * lshwres-proc-lpar-dedicated.txt). A partition listed twice, or missing from the memory listing, is an error.
   */
  async partitionResources(system: string): Promise<Map<string, PartitionResources>> {
    const sys = this.name('managed system', system);
    const procCommand = `lshwres -r proc -m ${sys} --level lpar`;
    const memCommand = `lshwres -r mem -m ${sys} --level lpar`;
    const resources = new Map<string, PartitionResources>();
    for (const r of parseAttributeLines(this.device, procCommand, await this.run(procCommand))) {
      const name = requireField(this.device, procCommand, r, 'lpar_name');
      if (resources.has(name)) throw outputError(this.device, procCommand, 0, `partition ${name} is listed twice`);
      const procMode = readProcMode(this.device, procCommand, r, 'curr_proc_mode');
      const procUnits = numberField(this.device, procCommand, r, procMode === 'ded' ? 'curr_procs' : 'curr_proc_units');
      resources.set(name, { procUnits, memoryMb: Number.NaN, procMode });
    }
    for (const r of parseAttributeLines(this.device, memCommand, await this.run(memCommand))) {
      const name = requireField(this.device, memCommand, r, 'lpar_name');
      const entry = resources.get(name);
      if (!entry) {
        throw outputError(this.device, memCommand, 0, `partition ${name} is not in the output of "${procCommand}"`);
      }
      if (!Number.isNaN(entry.memoryMb)) {
        throw outputError(this.device, memCommand, 0, `partition ${name} is listed twice`);
      }
      entry.memoryMb = numberField(this.device, memCommand, r, 'curr_mem');
    }
    for (const [name, entry] of resources) {
      if (Number.isNaN(entry.memoryMb)) throw outputError(this.device, memCommand, 0, `partition ${name} is missing`);
    }
    return resources;
  }

  /** Virtual SCSI or FC adapters of every partition of a system (lshwres -r virtualio). */
  async virtualAdapters(system: string, kind: 'scsi' | 'fc'): Promise<Array<Record<string, string>>> {
    const command = `lshwres -r virtualio --rsubtype ${kind} --level lpar -m ${this.name('managed system', system)}`;
    return parseAttributeLines(this.device, command, await this.run(command));
  }

  async migrationStates(system: string): Promise<Array<Record<string, string>>> {
    const command = `lslparmigr -r lpar -m ${this.name('managed system', system)}`;
    return parseAttributeLines(this.device, command, await this.run(command));
  }

  async remoteRestartStates(system: string): Promise<Array<Record<string, string>>> {
    const command = `lsrrstartlpar -r lpar -m ${this.name('managed system', system)}`;
    return parseAttributeLines(this.device, command, await this.run(command));
  }

  // ---- changes -------------------------------------------------------------------------------------------------

  /** Fencing's first half: power the system off immediately. Already off (or going off) is success. */
  async powerOffSystem(system: string): Promise<Outcome> {
    const state = await this.systemState(system);
    if (POWERED_OFF_STATES.has(state) || state === 'Power Off In Progress')
      return { changed: false, detail: `${system} is already ${state}` };
    try {
      await this.run(`chsysstate -m ${this.name('managed system', system)} -r sys -o off --immed`);
      return { changed: true, detail: `${system}: immediate power off requested (was ${state})` };
    } catch (err) {
      const now = await this.systemState(system).catch(() => undefined);
      if (now && (POWERED_OFF_STATES.has(now) || now === 'Power Off In Progress'))
        return { changed: false, detail: `${system} is already ${now}` };
      throw err;
    }
  }

  /** Activates a partition with a profile. Already running (or starting) is success. */
  async activatePartition(system: string, lpar: string, profile: string): Promise<Outcome> {
    const before = await this.partition(system, lpar);
    if (before && UP_STATES.has(before.state)) {
      return { changed: false, detail: `${lpar} is already ${before.state} on ${system}` };
    }
    try {
      await this.run(
        `chsysstate -m ${this.name('managed system', system)} -r lpar -o on -n ${this.name('partition', lpar)} -f ${this.name('profile', profile)}`,
      );
      return { changed: true, detail: `${lpar} activated on ${system} with profile ${profile}` };
    } catch (err) {
      const after = (err as { code?: string }).code === 'HSCL1529' ? await this.partition(system, lpar) : undefined;
      if (after && (after.state === 'Running' || after.state === 'Starting'))
        return { changed: false, detail: `${lpar} is already ${after.state} on ${system}` };
      throw err;
    }
  }

  /** Immediate shutdown of a partition. Already Not Activated is success. */
  async shutdownPartition(system: string, lpar: string): Promise<Outcome> {
    const before = await this.partition(system, lpar);
    if (!before) return { changed: false, detail: `${lpar} is not defined on ${system}` };
    if (before.state === 'Not Activated' || before.state === 'Shutting Down')
      return { changed: false, detail: `${lpar} is already ${before.state} on ${system}` };
    await this.run(
      `chsysstate -m ${this.name('managed system', system)} -r lpar -o shutdown --immed -n ${this.name('partition', lpar)}`,
    );
    return { changed: true, detail: `${lpar} shut down immediately on ${system}` };
  }

  /**
   * Simplified remote restart of a partition of a failed system onto a target. `restart` is a no-op when the
   * partition already runs on the target (a retry after a lost answer).
   */
  async remoteRestart(
    operation: 'validate' | 'restart' | 'cleanup',
    source: string,
    lpar: string,
    options: { target?: string; noConnection?: boolean } = {},
  ): Promise<Outcome> {
    if (operation === 'restart' && options.target) {
      const onTarget = await this.partition(options.target, lpar);
      if (onTarget && ACTIVE_PARTITION_STATES.has(onTarget.state))
        return { changed: false, detail: `${lpar} already ${onTarget.state} on ${options.target}` };
    }
    const parts = [`rrstartlpar -o ${operation} -m ${this.name('managed system', source)}`];
    if (options.target) parts.push(`-t ${this.name('managed system', options.target)}`);
    parts.push(`-p ${this.name('partition', lpar)}`);
    if (options.noConnection) parts.push('--noconnection');
    try {
      await this.run(parts.join(' '));
    } catch (err) {
      // HSCLA9A4: a remote restart of this partition is already in progress (a retry after a lost answer, or
      // another HMC session): re-check the target; running there is this restart's success, anything else stands.
      if (operation !== 'restart' || !options.target || (err as { code?: string }).code !== 'HSCLA9A4') throw err;
      const onTarget = await this.partition(options.target, lpar);
      if (onTarget && UP_STATES.has(onTarget.state)) {
        return { changed: false, detail: `${lpar} already ${onTarget.state} on ${options.target}` };
      }
      throw err;
    }
    return {
      changed: true,
      detail: `rrstartlpar ${operation} of ${lpar} from ${source}${options.target ? ` to ${options.target}` : ''} succeeded`,
    };
  }

  /** Live Partition Mobility: validate (v), migrate (m), stop (s) or recover (r). */
  async migratePartition(
    operation: 'v' | 'm' | 's' | 'r',
    source: string,
    lpar: string,
    target?: string,
  ): Promise<Outcome> {
    if (operation === 'm' && target) {
      const onTarget = await this.partition(target, lpar);
      if (onTarget && onTarget.state === 'Running')
        return { changed: false, detail: `${lpar} already runs on ${target}` };
    }
    const parts = [`migrlpar -o ${operation} -m ${this.name('managed system', source)}`];
    if (target && operation !== 'r' && operation !== 's') parts.push(`-t ${this.name('managed system', target)}`);
    parts.push(`-p ${this.name('partition', lpar)}`);
    await this.run(parts.join(' '), 4 * 3600_000);
    return {
      changed: true,
      detail: `migrlpar -o ${operation} of ${lpar} from ${source}${target ? ` to ${target}` : ''} succeeded`,
    };
  }
}

/** proc_mode / curr_proc_mode: `shared` or `ded`; anything else is an error naming the field. */
function readProcMode(device: string, command: string, r: Record<string, string>, field: string): ProcMode {
  const value = requireField(device, command, r, field);
  if (value !== 'shared' && value !== 'ded') {
    throw outputError(device, command, 0, `field ${field}="${value}" is neither shared nor ded`);
  }
  return value;
}

/** The one record a `--level sys` listing prints; none or several is an error. */
function singleRecord(device: string, command: string, records: Array<Record<string, string>>): Record<string, string> {
  if (records.length !== 1) throw outputError(device, command, 0, `expected one record, got ${records.length}`);
  return records[0]!;
}

function toPartition(device: string, command: string, r: Record<string, string>): Partition {
  return {
    name: requireField(device, command, r, 'name'),
    id: numberField(device, command, r, 'lpar_id'),
    state: requireField(device, command, r, 'state'),
    env: r.lpar_env ?? '',
    currentProfile: r.curr_profile ?? '',
    rmcState: r.rmc_state ?? '',
  };
}

/** `a,b` (after the outer quotes were removed), `""a,b"",""c""` for nested lists, or `none`. */
function adapterList(value: string | undefined): string[] {
  if (!value || value === 'none') return [];
  if (value.startsWith('"')) return value.split(/","/).map((item) => item.replace(/^"|"$/g, ''));
  return value.split(',');
}

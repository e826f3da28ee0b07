// The HMC driver: typed reads of managed systems, partitions, profiles and capacity, and idempotent state changes
// (power off a system, activate or shut down a partition, remote restart, Live Partition Mobility). Each command is
// one SSH exec through the device pool; errors come back as HmcError/DeviceError with retryable set.
import type { DevicePool } from '../ssh/device-pool.js';
import { hmcFailure } from './hmc-errors.js';
import { numberField, parseAttributeLines, parseFieldLines, requireField } from './hmc-output.js';
import { safeName } from './names.js';

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

export interface PartitionProfile {
  name: string;
  lparName: string;
  lparId: number;
  procUnits: { min: number; desired: number; max: number };
  memoryMb: { min: number; desired: number; max: number };
  virtualProcessors: number;
  /** lpar_avail_priority: 0..255, higher restarts first (191 high, 127 medium, 63 low in the simulator). */
  availabilityPriority: number;
  virtualScsiAdapters: string[];
  virtualFcAdapters: string[];
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

/** Partition states in which it runs (or is about to), i.e. uses resources and may write to its disks. */
export const ACTIVE_PARTITION_STATES = new Set(['Running', 'Starting', 'Open Firmware', 'Migrating - Running', 'Shutting Down']);
const POWERED_OFF_STATES = new Set(['Power Off']);

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
    return safeName(this.device, what, value);
  }

  // ---- reads ---------------------------------------------------------------------------------------------------

  async listSystems(): Promise<ManagedSystem[]> {
    const command = 'lssyscfg -r sys -F name,state,type_model,serial_num --header';
    return parseFieldLines(this.device, command, await this.run(command), ['name', 'state', 'type_model', 'serial_num']).map((r) => ({
      name: r.name!,
      state: r.state!,
      typeModel: r.type_model!,
      serial: r.serial_num!,
    }));
  }

  async systemState(system: string): Promise<string> {
    const command = `lssyscfg -r sys -m ${this.name('managed system', system)} -F name,state --header`;
    const [row] = parseFieldLines(this.device, command, await this.run(command), ['name', 'state']);
    return requireField(this.device, command, row ?? {}, 'state');
  }

  async listPartitions(system: string): Promise<Partition[]> {
    const command = `lssyscfg -r lpar -m ${this.name('managed system', system)} -F name,lpar_id,state,lpar_env,curr_profile,rmc_state --header`;
    return parseFieldLines(this.device, command, await this.run(command), ['name', 'lpar_id', 'state', 'lpar_env', 'curr_profile', 'rmc_state']).map((r) =>
      toPartition(this.device, command, r),
    );
  }

  /** The partition, or undefined when the HMC does not know it on that system (HSCL8012). */
  async partition(system: string, lpar: string): Promise<Partition | undefined> {
    const command = `lssyscfg -r lpar -m ${this.name('managed system', system)} --filter lpar_names=${this.name('partition', lpar)} -F name,lpar_id,state,lpar_env,curr_profile,rmc_state --header`;
    try {
      const [row] = parseFieldLines(this.device, command, await this.run(command), ['name', 'lpar_id', 'state', 'lpar_env', 'curr_profile', 'rmc_state']);
      return row ? toPartition(this.device, command, row) : undefined;
    } catch (err) {
      if ((err as { code?: string }).code === 'HSCL8012') return undefined;
      throw err;
    }
  }

  async profiles(system: string): Promise<PartitionProfile[]> {
    const command = `lssyscfg -r prof -m ${this.name('managed system', system)}`;
    return parseAttributeLines(this.device, command, await this.run(command)).map((r) => ({
      name: requireField(this.device, command, r, 'name'),
      lparName: requireField(this.device, command, r, 'lpar_name'),
      lparId: numberField(this.device, command, r, 'lpar_id'),
      procUnits: {
        min: numberField(this.device, command, r, 'min_proc_units'),
        desired: numberField(this.device, command, r, 'desired_proc_units'),
        max: numberField(this.device, command, r, 'max_proc_units'),
      },
      memoryMb: {
        min: numberField(this.device, command, r, 'min_mem'),
        desired: numberField(this.device, command, r, 'desired_mem'),
        max: numberField(this.device, command, r, 'max_mem'),
      },
      virtualProcessors: r.desired_procs === undefined ? 0 : numberField(this.device, command, r, 'desired_procs'),
      availabilityPriority: r.lpar_avail_priority === undefined ? 127 : numberField(this.device, command, r, 'lpar_avail_priority'),
      virtualScsiAdapters: adapterList(r.virtual_scsi_adapters),
      virtualFcAdapters: adapterList(r.virtual_fc_adapters),
    }));
  }

  async systemCapacity(system: string): Promise<SystemCapacity> {
    const sys = this.name('managed system', system);
    const procCommand = `lshwres -r proc -m ${sys} --level sys`;
    const memCommand = `lshwres -r mem -m ${sys} --level sys`;
    const [proc] = parseAttributeLines(this.device, procCommand, await this.run(procCommand));
    const [mem] = parseAttributeLines(this.device, memCommand, await this.run(memCommand));
    return {
      configurableProcUnits: numberField(this.device, procCommand, proc ?? {}, 'configurable_sys_proc_units'),
      availableProcUnits: numberField(this.device, procCommand, proc ?? {}, 'curr_avail_sys_proc_units'),
      configurableMemoryMb: numberField(this.device, memCommand, mem ?? {}, 'configurable_sys_mem'),
      availableMemoryMb: numberField(this.device, memCommand, mem ?? {}, 'curr_avail_sys_mem'),
      firmwareMemoryMb: mem?.sys_firmware_mem === undefined ? 0 : numberField(this.device, memCommand, mem, 'sys_firmware_mem'),
    };
  }

  /** Per-partition current processing units and memory (lshwres --level lpar). */
  async partitionResources(system: string): Promise<Map<string, { procUnits: number; memoryMb: number }>> {
    const sys = this.name('managed system', system);
    const procCommand = `lshwres -r proc -m ${sys} --level lpar`;
    const memCommand = `lshwres -r mem -m ${sys} --level lpar`;
    const resources = new Map<string, { procUnits: number; memoryMb: number }>();
    for (const r of parseAttributeLines(this.device, procCommand, await this.run(procCommand))) {
      const procUnits = r.curr_proc_units !== undefined ? numberField(this.device, procCommand, r, 'curr_proc_units') : numberField(this.device, procCommand, r, 'curr_procs');
      resources.set(requireField(this.device, procCommand, r, 'lpar_name'), { procUnits, memoryMb: 0 });
    }
    for (const r of parseAttributeLines(this.device, memCommand, await this.run(memCommand))) {
      const name = requireField(this.device, memCommand, r, 'lpar_name');
      const entry = resources.get(name) ?? { procUnits: 0, memoryMb: 0 };
      entry.memoryMb = numberField(this.device, memCommand, r, 'curr_mem');
      resources.set(name, entry);
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
    if (POWERED_OFF_STATES.has(state) || state === 'Power Off In Progress') return { changed: false, detail: `${system} is already ${state}` };
    try {
      await this.run(`chsysstate -m ${this.name('managed system', system)} -r sys -o off --immed`);
      return { changed: true, detail: `${system}: immediate power off requested (was ${state})` };
    } catch (err) {
      const now = await this.systemState(system).catch(() => undefined);
      if (now && (POWERED_OFF_STATES.has(now) || now === 'Power Off In Progress')) return { changed: false, detail: `${system} is already ${now}` };
      throw err;
    }
  }

  /** Activates a partition with a profile. Already running (or starting) is success. */
  async activatePartition(system: string, lpar: string, profile: string): Promise<Outcome> {
    const before = await this.partition(system, lpar);
    if (before && ACTIVE_PARTITION_STATES.has(before.state) && before.state !== 'Shutting Down') {
      return { changed: false, detail: `${lpar} is already ${before.state} on ${system}` };
    }
    try {
      await this.run(`chsysstate -m ${this.name('managed system', system)} -r lpar -o on -n ${this.name('partition', lpar)} -f ${this.name('profile', profile)}`);
      return { changed: true, detail: `${lpar} activated on ${system} with profile ${profile}` };
    } catch (err) {
      const after = (err as { code?: string }).code === 'HSCL1529' ? await this.partition(system, lpar) : undefined;
      if (after && (after.state === 'Running' || after.state === 'Starting')) return { changed: false, detail: `${lpar} is already ${after.state} on ${system}` };
      throw err;
    }
  }

  /** Immediate shutdown of a partition. Already Not Activated is success. */
  async shutdownPartition(system: string, lpar: string): Promise<Outcome> {
    const before = await this.partition(system, lpar);
    if (!before) return { changed: false, detail: `${lpar} is not defined on ${system}` };
    if (before.state === 'Not Activated' || before.state === 'Shutting Down') return { changed: false, detail: `${lpar} is already ${before.state} on ${system}` };
    await this.run(`chsysstate -m ${this.name('managed system', system)} -r lpar -o shutdown --immed -n ${this.name('partition', lpar)}`);
    return { changed: true, detail: `${lpar} shut down immediately on ${system}` };
  }

  /**
   * Simplified remote restart of a partition of a failed system onto a target. `restart` is a no-op when the
   * partition already runs on the target (a retry after a lost answer).
   */
  async remoteRestart(operation: 'validate' | 'restart' | 'cleanup', source: string, lpar: string, options: { target?: string; noConnection?: boolean } = {}): Promise<Outcome> {
    if (operation === 'restart' && options.target) {
      const onTarget = await this.partition(options.target, lpar);
      if (onTarget && ACTIVE_PARTITION_STATES.has(onTarget.state)) return { changed: false, detail: `${lpar} already ${onTarget.state} on ${options.target}` };
    }
    const parts = [`rrstartlpar -o ${operation} -m ${this.name('managed system', source)}`];
    if (options.target) parts.push(`-t ${this.name('managed system', options.target)}`);
    parts.push(`-p ${this.name('partition', lpar)}`);
    if (options.noConnection) parts.push('--noconnection');
    await this.run(parts.join(' '));
    return { changed: true, detail: `rrstartlpar ${operation} of ${lpar} from ${source}${options.target ? ` to ${options.target}` : ''} succeeded` };
  }

  /** Live Partition Mobility: validate (v), migrate (m), stop (s) or recover (r). */
  async migratePartition(operation: 'v' | 'm' | 's' | 'r', source: string, lpar: string, target?: string): Promise<Outcome> {
    if (operation === 'm' && target) {
      const onTarget = await this.partition(target, lpar);
      if (onTarget && onTarget.state === 'Running') return { changed: false, detail: `${lpar} already runs on ${target}` };
    }
    const parts = [`migrlpar -o ${operation} -m ${this.name('managed system', source)}`];
    if (target && operation !== 'r' && operation !== 's') parts.push(`-t ${this.name('managed system', target)}`);
    parts.push(`-p ${this.name('partition', lpar)}`);
    await this.run(parts.join(' '), 4 * 3600_000);
    return { changed: true, detail: `migrlpar -o ${operation} of ${lpar} from ${source}${target ? ` to ${target}` : ''} succeeded` };
  }
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

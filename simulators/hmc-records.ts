import { type ManagedSystem, type Partition, isActive } from './fleet-model.js';
import { type HmcRecord, formatProcUnits, quoteListItem } from './hmc-output.js';
import { type Physics } from './physics.js';

/** The attribute lists the simulated HMC prints for systems, partitions, profiles and resources. */

const AVAILABILITY_PRIORITY: Record<string, number> = { high: 191, medium: 127, low: 63 };
const UNREACHABLE_SYSTEM_STATES = new Set(['Error', 'No Connection', 'Incomplete', 'Error - Dump In Progress']);

export function displayedLparState(system: ManagedSystem, partition: Partition): string {
  return UNREACHABLE_SYSTEM_STATES.has(system.state) ? 'Not Available' : partition.state;
}

export function physicalLocation(system: ManagedSystem, partitionId: number, slot: number): string {
  return `U${system.typeModel.replace('-', '.')}.${system.serial}-V${partitionId}-C${slot}`;
}

export function systemRecord(system: ManagedSystem): HmcRecord {
  return [
    ['name', system.name], ['type_model', system.typeModel], ['serial_num', system.serial],
    ['ipaddr', `10.${system.site.length}.0.${system.serial.charCodeAt(0)}`], ['state', system.state],
    ['detailed_state', system.state === 'Operating' ? 'None' : system.state],
    ['active_lpar_mobility_capable', 1], ['inactive_lpar_mobility_capable', 1],
    ['remote_restart_capable', 0], ['simplified_remote_restart_capable', 1],
    ['capabilities', 'active_lpar_mobility_capable,inactive_lpar_mobility_capable,powervm_lpar_simplified_remote_restart_capable'],
    ['max_lpars', 1000], ['service_lpar_id', 'none'],
  ];
}

export function lparRecord(system: ManagedSystem, partition: Partition): HmcRecord {
  const os = partition.env === 'vioserver' ? 'VIOS 3.1.4.10' : partition.env === 'os400' ? 'IBM i 7.5' : 'AIX 7.3 7300-02-01-2346';
  return [
    ['name', partition.name], ['lpar_id', partition.id], ['lpar_env', partition.env], ['state', displayedLparState(system, partition)],
    ['resource_config', 1], ['os_version', os], ['logical_serial_num', `${system.serial}${partition.id.toString(16).toUpperCase()}`],
    ['default_profile', partition.profiles[0]?.name ?? ''], ['curr_profile', partition.currentProfile],
    ['boot_mode', 'norm'], ['lpar_keylock', 'norm'], ['auto_start', partition.env === 'vioserver' ? 1 : 0],
    ['rmc_state', partition.rmcState], ['rmc_ipaddr', partition.rmcState === 'active' ? `10.1.${system.partitions.indexOf(partition)}.${partition.id}` : ''],
    ['lpar_avail_priority', AVAILABILITY_PRIORITY[partition.priority] ?? 127],
    ['curr_lpar_proc_compat_mode', 'POWER9'], ['suspend_capable', 0],
    ['remote_restart_capable', 0], ['simplified_remote_restart_capable', partition.srrCapable ? 1 : 0],
    ['remote_restart_status', partition.env === 'vioserver' ? '' : partition.remoteRestartStatus],
    ['sync_curr_profile', 0], ['affinity_group_id', 'none'], ['vtpm_enabled', 0],
  ];
}

export function profileRecord(system: ManagedSystem, partition: Partition, profileName: string): HmcRecord {
  const profile = partition.profiles.find((p) => p.name === profileName)!;
  return [
    ['name', profile.name], ['lpar_name', partition.name], ['lpar_id', partition.id], ['lpar_env', partition.env], ['all_resources', 0],
    ['min_mem', profile.minMemMb], ['desired_mem', profile.desiredMemMb], ['max_mem', profile.maxMemMb], ['mem_mode', 'ded'],
    ['proc_mode', 'shared'], ['min_proc_units', formatProcUnits(profile.minProcUnits)], ['desired_proc_units', formatProcUnits(profile.desiredProcUnits)],
    ['max_proc_units', formatProcUnits(profile.maxProcUnits)],
    ['min_procs', Math.max(1, Math.ceil(profile.minProcUnits))], ['desired_procs', Math.max(1, Math.ceil(profile.desiredProcUnits))], ['max_procs', Math.max(1, Math.ceil(profile.maxProcUnits))],
    ['sharing_mode', 'uncap'], ['uncap_weight', 128],
    ['virtual_scsi_adapters', scsiAdapterList(system, partition)], ['virtual_fc_adapters', fcAdapterList(system, partition)],
    ['boot_mode', 'norm'], ['conn_monitoring', 1], ['auto_start', partition.env === 'vioserver' ? 1 : 0],
    ['lpar_avail_priority', AVAILABILITY_PRIORITY[partition.priority] ?? 127],
  ];
}

/** slot/type/remote_lpar_id/remote_lpar_name/remote_slot/required, comma-separated; `none` when empty. */
function scsiAdapterList(system: ManagedSystem, partition: Partition): string {
  const items = partition.vios
    ? partition.vios.scsiAdapters.map((a) => `${a.slot}/server/${a.clientId}/${a.clientName}/${clientSlot(system, partition)}/0`)
    : scsiClientAdapters(system, partition).map((c) => `${c.slot}/client/${c.vios.id}/${c.vios.name}/${c.remoteSlot}/1`);
  return items.length === 0 ? 'none' : items.join(',');
}

function fcAdapterList(system: ManagedSystem, partition: Partition): string {
  const items = partition.vios
    ? partition.vios.fcAdapters.map((a) => `${a.slot}/server/${a.clientId}/${a.clientName}/${clientSlot(system, partition, 20)}//0`)
    : fcClientAdapters(system, partition).map((c) => quoteListItem(`${c.slot}/client/${c.vios.id}/${c.vios.name}/${c.remoteSlot}/${wwpnPair(partition, c.slot - 20)}/1`));
  return items.length === 0 ? 'none' : items.join(',');
}

/** The WWPN pair of the partition's virtual FC client adapter towards the VIOS at this index, as the HMC prints it. */
function wwpnPair(partition: Partition, viosIndex: number): string {
  return (partition.clientWwpns[viosIndex] ?? []).join(',').toLowerCase();
}

/** Client adapter slots: vSCSI 2, 3, … and virtual FC 20, 21, … one per VIOS in order. */
function clientSlot(system: ManagedSystem, vios: Partition, base = 2): number {
  return base + Math.max(0, system.partitions.filter((p) => p.vios).indexOf(vios));
}

export interface ClientAdapter { slot: number; vios: Partition; remoteSlot: number }

export function scsiClientAdapters(system: ManagedSystem, partition: Partition): ClientAdapter[] {
  return system.partitions.filter((p) => p.vios).flatMap((vios, i) => {
    const adapter = vios.vios!.scsiAdapters.find((a) => a.clientId === partition.id && a.clientName === partition.name);
    return adapter ? [{ slot: 2 + i, vios, remoteSlot: adapter.slot }] : [];
  });
}

export function fcClientAdapters(system: ManagedSystem, partition: Partition): ClientAdapter[] {
  return system.partitions.filter((p) => p.vios).flatMap((vios, i) => {
    const adapter = vios.vios!.fcAdapters.find((a) => a.clientId === partition.id && a.clientName === partition.name);
    return adapter ? [{ slot: 20 + i, vios, remoteSlot: adapter.slot }] : [];
  });
}

export function procSystemRecord(physics: Physics, system: ManagedSystem): HmcRecord {
  const available = formatProcUnits(physics.availableProcUnits(system));
  return [
    ['configurable_sys_proc_units', formatProcUnits(system.procUnits)], ['curr_avail_sys_proc_units', available],
    ['pend_avail_sys_proc_units', available], ['installed_sys_proc_units', formatProcUnits(system.procUnits)],
    ['deconfig_sys_proc_units', 0], ['min_proc_units_per_virtual_proc', '0.05'], ['max_shared_proc_pools', 64],
  ];
}

export function memSystemRecord(physics: Physics, system: ManagedSystem): HmcRecord {
  const available = physics.availableMemoryMb(system);
  return [
    ['configurable_sys_mem', system.memoryMb], ['curr_avail_sys_mem', available], ['pend_avail_sys_mem', available],
    ['installed_sys_mem', system.memoryMb], ['deconfig_sys_mem', 0], ['sys_firmware_mem', system.firmwareMemoryMb], ['mem_region_size', 256],
  ];
}

export function procLparRecord(physics: Physics, system: ManagedSystem, partition: Partition): HmcRecord {
  const profile = physics.profileOf(partition)!;
  const running = isActive(system, partition);
  const procs = (units: number) => Math.max(1, Math.ceil(units));
  return [
    ['lpar_name', partition.name], ['lpar_id', partition.id], ['curr_shared_proc_pool_id', 0], ['curr_proc_mode', 'shared'],
    ['curr_min_proc_units', formatProcUnits(profile.minProcUnits)], ['curr_proc_units', formatProcUnits(profile.desiredProcUnits)], ['curr_max_proc_units', formatProcUnits(profile.maxProcUnits)],
    ['curr_min_procs', procs(profile.minProcUnits)], ['curr_procs', procs(profile.desiredProcUnits)], ['curr_max_procs', procs(profile.maxProcUnits)],
    ['curr_sharing_mode', 'uncap'], ['curr_uncap_weight', 128],
    ['pend_proc_units', formatProcUnits(profile.desiredProcUnits)], ['pend_procs', procs(profile.desiredProcUnits)],
    ['run_proc_units', running ? formatProcUnits(profile.desiredProcUnits) : '0.0'], ['run_procs', running ? procs(profile.desiredProcUnits) : 0], ['run_uncap_weight', running ? 128 : 0],
  ];
}

export function memLparRecord(physics: Physics, system: ManagedSystem, partition: Partition): HmcRecord {
  const profile = physics.profileOf(partition)!;
  const running = isActive(system, partition);
  return [
    ['lpar_name', partition.name], ['lpar_id', partition.id],
    ['curr_min_mem', profile.minMemMb], ['curr_mem', profile.desiredMemMb], ['curr_max_mem', profile.maxMemMb],
    ['pend_min_mem', profile.minMemMb], ['pend_mem', profile.desiredMemMb], ['pend_max_mem', profile.maxMemMb],
    ['run_min_mem', running ? profile.minMemMb : 0], ['run_mem', running ? profile.desiredMemMb : 0], ['mem_mode', 'ded'], ['curr_hpt_ratio', '1:64'],
  ];
}

export function virtualScsiRecords(system: ManagedSystem): HmcRecord[] {
  return system.partitions.flatMap((partition): HmcRecord[] => {
    if (partition.vios) {
      return partition.vios.scsiAdapters.map((a) => [
        ['lpar_name', partition.name], ['lpar_id', partition.id], ['slot_num', a.slot], ['state', 1], ['is_required', 0], ['adapter_type', 'server'],
        ['remote_lpar_id', a.clientId], ['remote_lpar_name', a.clientName], ['remote_slot_num', clientSlot(system, partition)],
      ]);
    }
    return scsiClientAdapters(system, partition).map((c) => [
      ['lpar_name', partition.name], ['lpar_id', partition.id], ['slot_num', c.slot], ['state', 1], ['is_required', 1], ['adapter_type', 'client'],
      ['remote_lpar_id', c.vios.id], ['remote_lpar_name', c.vios.name], ['remote_slot_num', c.remoteSlot],
    ]);
  });
}

export function virtualFcRecords(system: ManagedSystem): HmcRecord[] {
  return system.partitions.flatMap((partition): HmcRecord[] => {
    if (partition.vios) {
      return partition.vios.fcAdapters.map((a) => [
        ['lpar_name', partition.name], ['lpar_id', partition.id], ['slot_num', a.slot], ['adapter_type', 'server'], ['state', 1], ['is_required', 0],
        ['remote_lpar_id', a.clientId], ['remote_lpar_name', a.clientName], ['remote_slot_num', clientSlot(system, partition, 20)], ['wwpns', ''],
      ]);
    }
    return fcClientAdapters(system, partition).map((c) => [
      ['lpar_name', partition.name], ['lpar_id', partition.id], ['slot_num', c.slot], ['adapter_type', 'client'], ['state', 1], ['is_required', 1],
      ['remote_lpar_id', c.vios.id], ['remote_lpar_name', c.vios.name], ['remote_slot_num', c.remoteSlot], ['wwpns', wwpnPair(partition, c.slot - 20)],
    ]);
  });
}

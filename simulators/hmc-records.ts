import { type HmcDevice, type ManagedSystem, type Partition, isActive } from './fleet-model.js';
import { type HmcRecord, formatProcUnits, quoteListItem } from './hmc-output.js';
import { type Physics } from './physics.js';

/**
 * The attribute lists the simulated HMC prints for systems, partitions, profiles and resources. Layouts follow the
 * real samples in test/fixtures/devices/hmc (field names and order; test/simulators/hmc-layouts.test.ts compares
 * them): profiles as printed by HMC V8 (lssyscfg-prof-srr-chmod666.txt) and, for dedicated processors, V7
 * (lssyscfg-prof-dedicated-veritas.txt); lshwres proc/mem as printed by HMC V7R7.9 (lshwres-*-power5.txt).
 */

const AVAILABILITY_PRIORITY: Record<string, number> = { high: 191, medium: 127, low: 63 };
/**
 * IBM HMC help (partition state `Not Available`): the partition is unavailable because its managed system is in
 * Error, Recovery or Incomplete. No Connection and Error - Dump In Progress are added by guess (the HMC cannot
 * reach the system either way).
 */
const UNREACHABLE_SYSTEM_STATES = new Set([
  'Error',
  'Recovery',
  'Incomplete',
  'No Connection',
  'Error - Dump In Progress',
]);

/**
 * The system's state as one HMC shows it: `No Connection` from an HMC that lost its connection to the system's
 * service processor (fault hmc-connection-lost), whatever the system does; otherwise its own state.
 */
export function seenState(system: ManagedSystem, hmc?: HmcDevice): string {
  return hmc?.lostSystems.has(system.name) ? 'No Connection' : system.state;
}

export function displayedLparState(system: ManagedSystem, partition: Partition, hmc?: HmcDevice): string {
  return UNREACHABLE_SYSTEM_STATES.has(seenState(system, hmc)) ? 'Not Available' : partition.state;
}

export function physicalLocation(system: ManagedSystem, partitionId: number, slot: number): string {
  return `U${system.typeModel.replace('-', '.')}.${system.serial}-V${partitionId}-C${slot}`;
}

export function systemRecord(system: ManagedSystem, hmc?: HmcDevice): HmcRecord {
  const state = seenState(system, hmc);
  return [
    ['name', system.name],
    ['type_model', system.typeModel],
    ['serial_num', system.serial],
    ['ipaddr', `10.${system.site.length}.0.${system.serial.charCodeAt(0)}`],
    ['state', state],
    ['detailed_state', state === 'Operating' ? 'None' : state],
    ['active_lpar_mobility_capable', 1],
    ['inactive_lpar_mobility_capable', 1],
    ['remote_restart_capable', 0],
    ['simplified_remote_restart_capable', 1],
    [
      'capabilities',
      'active_lpar_mobility_capable,inactive_lpar_mobility_capable,powervm_lpar_simplified_remote_restart_capable',
    ],
    ['max_lpars', 1000],
    ['service_lpar_id', 'none'],
  ];
}

export function lparRecord(system: ManagedSystem, partition: Partition, hmc?: HmcDevice): HmcRecord {
  const os =
    partition.env === 'vioserver'
      ? 'VIOS 3.1.4.10'
      : partition.env === 'os400'
        ? 'IBM i 7.5'
        : 'AIX 7.3 7300-02-01-2346';
  return [
    ['name', partition.name],
    ['lpar_id', partition.id],
    ['lpar_env', partition.env],
    ['state', displayedLparState(system, partition, hmc)],
    ['resource_config', 1],
    ['os_version', os],
    ['logical_serial_num', `${system.serial}${partition.id.toString(16).toUpperCase()}`],
    ['default_profile', partition.profiles[0]?.name ?? ''],
    ['curr_profile', partition.currentProfile],
    ['work_group_id', 'none'],
    ['shared_proc_pool_util_auth', 0],
    ['allow_perf_collection', 0],
    ['power_ctrl_lpar_ids', 'none'],
    ['boot_mode', 'norm'],
    ['lpar_keylock', 'norm'],
    ['auto_start', partition.env === 'vioserver' ? 1 : 0],
    ['redundant_err_path_reporting', 0],
    ['rmc_state', partition.rmcState],
    [
      'rmc_ipaddr',
      partition.rmcState === 'active' ? `10.1.${system.partitions.indexOf(partition)}.${partition.id}` : '',
    ],
    ['lpar_avail_priority', AVAILABILITY_PRIORITY[partition.priority] ?? 127],
    ['curr_lpar_proc_compat_mode', 'POWER9'],
    ['suspend_capable', 0],
    ['remote_restart_capable', 0],
    ['simplified_remote_restart_capable', partition.srrCapable ? 1 : 0],
    ['remote_restart_status', partition.env === 'vioserver' ? '' : partition.remoteRestartStatus],
    ['sync_curr_profile', 0],
    ['affinity_group_id', 'none'],
    ['vtpm_enabled', 0],
  ];
}

/**
 * A profile as `lssyscfg -r prof` prints it. Shared processors: the HMC V8 layout of lssyscfg-prof-srr-chmod666.txt;
 * dedicated (`proc_mode=ded`: whole cores in min/desired/max_procs, no *_proc_units, no uncap_weight or pool): the
 * layout of lssyscfg-prof-dedicated-veritas.txt. lpar_avail_priority is a partition attribute (lssyscfg -r lpar),
 * not a profile one: no real profile sample carries it.
 */
export function profileRecord(system: ManagedSystem, partition: Partition, profileName: string): HmcRecord {
  const profile = partition.profiles.find((p) => p.name === profileName)!;
  const procs = (units: number) => Math.max(1, Math.ceil(units));
  const memory: HmcRecord = [
    ['min_mem', profile.minMemMb],
    ['desired_mem', profile.desiredMemMb],
    ['max_mem', profile.maxMemMb],
    ['min_num_huge_pages', 0],
    ['desired_num_huge_pages', 0],
    ['max_num_huge_pages', 0],
    ['mem_mode', 'ded'],
    ['mem_expansion', '0.0'],
    ['hpt_ratio', '1:128'],
  ];
  const head: HmcRecord = [
    ['name', profile.name],
    ['lpar_name', partition.name],
    ['lpar_id', partition.id],
    ['lpar_env', partition.env],
    ['all_resources', 0],
    ...memory,
  ];
  const serial = '0/server/1/any//any/1,1/server/1/any//any/1';
  const tail: HmcRecord = [
    ['hca_adapters', 'none'],
    ['boot_mode', 'norm'],
    ['conn_monitoring', 1],
    ['auto_start', partition.env === 'vioserver' ? 1 : 0],
    ['power_ctrl_lpar_ids', 'none'],
    ['work_group_id', 'none'],
    ['redundant_err_path_reporting', 0],
    ['bsr_arrays', 0],
  ];
  if (profile.procMode === 'ded') {
    return [
      ...head,
      ['proc_mode', 'ded'],
      ['min_procs', profile.minProcUnits],
      ['desired_procs', profile.desiredProcUnits],
      ['max_procs', profile.maxProcUnits],
      ['sharing_mode', 'share_idle_procs'],
      ['affinity_group_id', 'none'],
      ['io_slots', 'none'],
      ['lpar_io_pool_ids', 'none'],
      ['max_virtual_slots', 1000],
      ['virtual_serial_adapters', serial],
      ['virtual_scsi_adapters', scsiAdapterList(system, partition)],
      ['virtual_eth_adapters', 'none'],
      ['vtpm_adapters', 'none'],
      ['virtual_fc_adapters', fcAdapterList(system, partition)],
      ...tail,
      ['lhea_logical_ports', 'none'],
      ['lhea_capabilities', 'none'],
      ['lpar_proc_compat_mode', 'default'],
      ['electronic_err_reporting', 'null'],
    ];
  }
  return [
    ...head,
    ['proc_mode', 'shared'],
    ['min_proc_units', formatProcUnits(profile.minProcUnits)],
    ['desired_proc_units', formatProcUnits(profile.desiredProcUnits)],
    ['max_proc_units', formatProcUnits(profile.maxProcUnits)],
    ['min_procs', procs(profile.minProcUnits)],
    ['desired_procs', procs(profile.desiredProcUnits)],
    ['max_procs', procs(profile.maxProcUnits)],
    ['sharing_mode', 'uncap'],
    ['uncap_weight', 128],
    ['shared_proc_pool_id', 0],
    ['shared_proc_pool_name', 'DefaultPool'],
    ['affinity_group_id', 'none'],
    ['io_slots', 'none'],
    ['lpar_io_pool_ids', 'none'],
    ['max_virtual_slots', 64],
    ['virtual_serial_adapters', serial],
    ['virtual_scsi_adapters', scsiAdapterList(system, partition)],
    ['virtual_eth_adapters', 'none'],
    ['virtual_eth_vsi_profiles', 'none'],
    ['virtual_fc_adapters', fcAdapterList(system, partition)],
    ['vtpm_adapters', 'none'],
    ...tail,
    ['lpar_proc_compat_mode', 'default'],
    ['electronic_err_reporting', 'null'],
    ['sriov_eth_logical_ports', 'none'],
  ];
}

/** slot/type/remote_lpar_id/remote_lpar_name/remote_slot/required, comma-separated; `none` when empty. */
function scsiAdapterList(system: ManagedSystem, partition: Partition): string {
  const items = partition.vios
    ? partition.vios.scsiAdapters.map(
        (a) => `${a.slot}/server/${a.clientId}/${a.clientName}/${clientSlot(system, partition)}/0`,
      )
    : scsiClientAdapters(system, partition).map(
        (c) => `${c.slot}/client/${c.vios.id}/${c.vios.name}/${c.remoteSlot}/1`,
      );
  return items.length === 0 ? 'none' : items.join(',');
}

function fcAdapterList(system: ManagedSystem, partition: Partition): string {
  const items = partition.vios
    ? partition.vios.fcAdapters.map(
        (a) => `${a.slot}/server/${a.clientId}/${a.clientName}/${clientSlot(system, partition, 20)}//0`,
      )
    : fcClientAdapters(system, partition).map((c) =>
        quoteListItem(
          `${c.slot}/client/${c.vios.id}/${c.vios.name}/${c.remoteSlot}/${wwpnPair(partition, c.slot - 20)}/1`,
        ),
      );
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

export interface ClientAdapter {
  slot: number;
  vios: Partition;
  remoteSlot: number;
}

export function scsiClientAdapters(system: ManagedSystem, partition: Partition): ClientAdapter[] {
  return system.partitions
    .filter((p) => p.vios)
    .flatMap((vios, i) => {
      const adapter = vios.vios!.scsiAdapters.find(
        (a) => a.clientId === partition.id && a.clientName === partition.name,
      );
      return adapter ? [{ slot: 2 + i, vios, remoteSlot: adapter.slot }] : [];
    });
}

export function fcClientAdapters(system: ManagedSystem, partition: Partition): ClientAdapter[] {
  return system.partitions
    .filter((p) => p.vios)
    .flatMap((vios, i) => {
      const adapter = vios.vios!.fcAdapters.find((a) => a.clientId === partition.id && a.clientName === partition.name);
      return adapter ? [{ slot: 20 + i, vios, remoteSlot: adapter.slot }] : [];
    });
}

export function procSystemRecord(physics: Physics, system: ManagedSystem): HmcRecord {
  const available = formatProcUnits(physics.availableProcUnits(system));
  const cores = Math.floor(system.procUnits);
  return [
    ['configurable_sys_proc_units', formatProcUnits(system.procUnits)],
    ['curr_avail_sys_proc_units', available],
    ['pend_avail_sys_proc_units', available],
    ['installed_sys_proc_units', formatProcUnits(system.procUnits)],
    ['deconfig_sys_proc_units', 0],
    ['min_proc_units_per_virtual_proc', '0.05'],
    ['max_virtual_procs_per_lpar', 64],
    ['max_procs_per_lpar', cores],
    ['max_curr_virtual_procs_per_aixlinux_lpar', 64],
    ['max_curr_virtual_procs_per_vios_lpar', 64],
    ['max_curr_virtual_procs_per_os400_lpar', 64],
    ['max_curr_procs_per_aixlinux_lpar', cores],
    ['max_curr_procs_per_vios_lpar', cores],
    ['max_curr_procs_per_os400_lpar', cores],
    ['max_shared_proc_pools', 64],
  ];
}

export function memSystemRecord(physics: Physics, system: ManagedSystem): HmcRecord {
  const available = physics.availableMemoryMb(system);
  return [
    ['configurable_sys_mem', system.memoryMb],
    ['curr_avail_sys_mem', available],
    ['pend_avail_sys_mem', available],
    ['installed_sys_mem', system.memoryMb],
    ['deconfig_sys_mem', 0],
    ['sys_firmware_mem', system.firmwareMemoryMb],
    ['mem_region_size', 256],
    ['configurable_num_sys_huge_pages', 0],
    ['curr_avail_num_sys_huge_pages', 0],
    ['pend_avail_num_sys_huge_pages', 0],
    ['max_num_sys_huge_pages', 0],
    ['requested_num_sys_huge_pages', 0],
    ['huge_page_size', 16384],
    ['max_mem_pools', 0],
    ['default_hpt_ratios', '1:128'],
    ['possible_hpt_ratios', '1:32,1:64,1:128,1:256,1:512'],
  ];
}

/**
 * `lshwres -r proc --level lpar`: the layouts of lshwres-proc-lpar-power5.txt (shared) and
 * lshwres-proc-lpar-dedicated.txt (ded). A partition that is not active holds nothing: every figure is 0, as the
 * real sample shows for its Not Activated partition.
 */
export function procLparRecord(physics: Physics, system: ManagedSystem, partition: Partition): HmcRecord {
  const profile = physics.profileOf(partition)!;
  const running = isActive(system, partition);
  const held = (value: number) => (running ? value : 0);
  const procs = (units: number) => held(Math.max(1, Math.ceil(units)));
  const now = physics.heldProcUnits(partition); // after a DLPAR change, what it holds rather than the profile's
  if (profile.procMode === 'ded') {
    return [
      ['lpar_name', partition.name],
      ['lpar_id', partition.id],
      ['curr_proc_mode', 'ded'],
      ['curr_min_procs', held(profile.minProcUnits)],
      ['curr_procs', held(now)],
      ['curr_max_procs', held(profile.maxProcUnits)],
      ['curr_sharing_mode', 'share_idle_procs'],
      ['pend_proc_mode', 'ded'],
      ['pend_min_procs', held(profile.minProcUnits)],
      ['pend_procs', held(now)],
      ['pend_max_procs', held(profile.maxProcUnits)],
      ['pend_sharing_mode', 'share_idle_procs'],
      ['run_procs', held(now)],
    ];
  }
  const units = (value: number) => formatProcUnits(held(value));
  const current = (prefix: 'curr' | 'pend'): HmcRecord => [
    [`${prefix}_shared_proc_pool_id`, 0],
    [`${prefix}_proc_mode`, 'shared'],
    [`${prefix}_min_proc_units`, units(profile.minProcUnits)],
    [`${prefix}_proc_units`, units(now)],
    [`${prefix}_max_proc_units`, units(profile.maxProcUnits)],
    [`${prefix}_min_procs`, procs(profile.minProcUnits)],
    [`${prefix}_procs`, procs(profile.desiredProcUnits)],
    [`${prefix}_max_procs`, procs(profile.maxProcUnits)],
    [`${prefix}_sharing_mode`, 'uncap'],
    [`${prefix}_uncap_weight`, held(128)],
  ];
  return [
    ['lpar_name', partition.name],
    ['lpar_id', partition.id],
    ...current('curr'),
    ...current('pend'),
    ['run_proc_units', units(now)],
    ['run_procs', procs(profile.desiredProcUnits)],
    ['run_uncap_weight', held(128)],
  ];
}

/** `lshwres -r mem --level lpar`: the layout of the VIOS lines of lshwres-mem-lpar-power5.txt; 0 when not active. */
export function memLparRecord(physics: Physics, system: ManagedSystem, partition: Partition): HmcRecord {
  const profile = physics.profileOf(partition)!;
  const running = isActive(system, partition);
  const held = (value: number) => (running ? value : 0);
  const now = physics.heldMemoryMb(partition);
  return [
    ['lpar_name', partition.name],
    ['lpar_id', partition.id],
    ['curr_min_mem', held(profile.minMemMb)],
    ['curr_mem', held(now)],
    ['curr_max_mem', held(profile.maxMemMb)],
    ['pend_min_mem', held(profile.minMemMb)],
    ['pend_mem', held(now)],
    ['pend_max_mem', held(profile.maxMemMb)],
    ['run_min_mem', held(profile.minMemMb)],
    ['run_mem', held(now)],
    ['mem_mode', 'ded'],
    ['curr_hpt_ratio', '1:64'],
  ];
}

export function virtualScsiRecords(system: ManagedSystem): HmcRecord[] {
  return system.partitions.flatMap((partition): HmcRecord[] => {
    if (partition.vios) {
      return partition.vios.scsiAdapters.map((a) => [
        ['lpar_name', partition.name],
        ['lpar_id', partition.id],
        ['slot_num', a.slot],
        ['state', 1],
        ['is_required', 0],
        ['adapter_type', 'server'],
        ['remote_lpar_id', a.clientId],
        ['remote_lpar_name', a.clientName],
        ['remote_slot_num', clientSlot(system, partition)],
      ]);
    }
    return scsiClientAdapters(system, partition).map((c) => [
      ['lpar_name', partition.name],
      ['lpar_id', partition.id],
      ['slot_num', c.slot],
      ['state', 1],
      ['is_required', 1],
      ['adapter_type', 'client'],
      ['remote_lpar_id', c.vios.id],
      ['remote_lpar_name', c.vios.name],
      ['remote_slot_num', c.remoteSlot],
    ]);
  });
}

export function virtualFcRecords(system: ManagedSystem): HmcRecord[] {
  return system.partitions.flatMap((partition): HmcRecord[] => {
    if (partition.vios) {
      return partition.vios.fcAdapters.map((a) => [
        ['lpar_name', partition.name],
        ['lpar_id', partition.id],
        ['slot_num', a.slot],
        ['adapter_type', 'server'],
        ['state', 1],
        ['is_required', 0],
        ['remote_lpar_id', a.clientId],
        ['remote_lpar_name', a.clientName],
        ['remote_slot_num', clientSlot(system, partition, 20)],
        ['wwpns', ''],
      ]);
    }
    return fcClientAdapters(system, partition).map((c) => [
      ['lpar_name', partition.name],
      ['lpar_id', partition.id],
      ['slot_num', c.slot],
      ['adapter_type', 'client'],
      ['state', 1],
      ['is_required', 1],
      ['remote_lpar_id', c.vios.id],
      ['remote_lpar_name', c.vios.name],
      ['remote_slot_num', c.remoteSlot],
      ['wwpns', wwpnPair(partition, c.slot - 20)],
    ]);
  });
}

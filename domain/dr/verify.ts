// Verification of a DR site pair from one discovery (VMRM DR's `ksysmgr verify site`): per production VM, whether
// it can be moved to the backup site now — every volume replicated in a configured consistency group that is
// consistent and within its RPO with the active site as primary; the paired backup host up, with room (at the
// reduced size where the policy allows it, placed by the planner with every VM paired there); the backup host's VIOS
// able to present the volumes with the redundancy production has; the shadow definition present and not active.
// Pure: the same discovery, configuration and clock give the same answer.
import type { DrConfig } from '../config/schema.js';
import { DEFAULT_LATENCY, planPlacement, type PlannerLpar } from '../planner/index.js';
import type {
  DrDiscovery,
  DrGroup,
  DrGroupVerification,
  DrReason,
  DrVerification,
  DrVm,
  DrVmVerification,
} from './contracts.js';
import { drPolicyFor, type DrVmPolicy } from './policy.js';

/** Group states in which the backup copy is consistent and being updated (IBM: the states a move may start from). */
export const CONSISTENT_REPLICATING_STATES: ReadonlySet<string> = new Set([
  'consistent_synchronized',
  'consistent_copying',
]);

const PRIORITY_RANK = { critical: 0, high: 1, medium: 2, low: 3 } as const;

export interface VerifyOptions {
  now: Date;
  /** Per consistency group, the newest time an earlier verification saw it consistent_synchronized (ISO). */
  lastInSync?: Readonly<Record<string, string>>;
  /**
   * The previous verification: a VM it knew on a production host this discovery could not describe is kept, NOT_READY
   * (PRODUCTION_HOST_UNAVAILABLE), instead of vanishing from the result.
   */
  previous?: Pick<DrVerification, 'vms'>;
  /**
   * Mappings at the backup site's storage that a clean-up removed and that a move towards it presents again first
   * (cleanup-activities' records, not yet restored): such an aux volume counts as a disk of its shadow.
   */
  restorable?: ReadonlyArray<{ volume: string; host: string }>;
}

export function verifyDrSite(discovery: DrDiscovery, dr: DrConfig, options: VerifyOptions): DrVerification {
  const now = options.now.getTime();
  const groups = discovery.groups.map((g) => groupVerification(g, dr, now, options.lastInSync?.[g.name]));
  const groupsByName = new Map(groups.map((g) => [g.name, g]));
  const pairOf = new Map(dr.hostPairs.map((p) => [p.production, p.backup]));
  const policies = new Map(discovery.vms.map((vm) => [vm.name, drPolicyFor(dr, vm)]));
  const protectedVms = discovery.vms.filter((vm) => !policies.get(vm.name)!.exclude);
  const capacity = capacityAtBackup(discovery, protectedVms, policies, pairOf);
  const vms = protectedVms
    .map((vm) => {
      const reasons: DrReason[] = [];
      const warnings: DrReason[] = [];
      const backupHost = pairOf.get(vm.host);
      const add = (list: DrReason[], code: DrReason['code'], message: string) => list.push({ code, message });
      const production = discovery.productionHosts.find((h) => h.name === vm.host);
      if (production?.undescribed) add(reasons, 'PRODUCTION_HOST_UNAVAILABLE', production.undescribed);
      replicationReasons(vm, discovery, dr, groupsByName, now, (code, message) => add(reasons, code, message));
      if (!backupHost) add(reasons, 'NO_HOST_PAIR', `production host ${vm.host} is not paired with a backup host`);
      else {
        const backup = discovery.backupHosts.find((h) => h.name === backupHost);
        if (!backup || backup.undescribed || backup.state !== 'Operating')
          add(
            reasons,
            'BACKUP_HOST_UNAVAILABLE',
            backup?.undescribed ??
              `backup host ${backupHost} is ${backup?.state ?? 'not listed by any HMC of its site'}`,
          );
        else {
          const fit = capacity.get(vm.name);
          if (fit?.short) add(reasons, 'BACKUP_CAPACITY_SHORT', fit.short);
          if (fit?.reduced) add(warnings, 'REDUCED_SIZE', fit.reduced);
          viosReasons(vm, backup, dr, add.bind(null, reasons), add.bind(null, warnings));
          shadowReasons(vm, backupHost, discovery, add.bind(null, reasons));
          shadowDiskReasons(vm, backupHost, discovery, options.restorable ?? [], add.bind(null, reasons));
        }
      }
      const state = reasons.length === 0 ? 'READY_TO_MOVE' : 'NOT_READY';
      const verified: DrVmVerification = {
        vm: vm.name,
        productionHost: vm.host,
        productionState: vm.state,
        ...(backupHost ? { backupHost } : {}),
        state,
        reasons,
        warnings,
      };
      return verified;
    })
    .concat(unseenOnUndescribedHosts(discovery, options.previous))
    .sort((a, b) => (a.vm < b.vm ? -1 : a.vm > b.vm ? 1 : 0));
  return {
    site: discovery.site,
    backupSite: discovery.backupSite,
    verifiedAt: options.now.toISOString(),
    ready: vms.length > 0 && vms.every((v) => v.state === 'READY_TO_MOVE'),
    vms,
    groups,
  };
}

function groupVerification(group: DrGroup, dr: DrConfig, now: number, lastInSync?: string): DrGroupVerification {
  const configured = dr.consistencyGroups.find((c) => c.name === group.name);
  const recoveryPoint =
    group.state === 'consistent_synchronized' ? new Date(now).toISOString() : (group.freezeTime ?? lastInSync);
  return {
    name: group.name,
    state: group.state,
    primary: group.primary,
    ...(configured ? { rpoMs: configured.rpo } : {}),
    ...(recoveryPoint
      ? { recoveryPoint, lagSeconds: Math.max(0, Math.round((now - Date.parse(recoveryPoint)) / 1000)) }
      : {}),
  };
}

type Report = (code: DrReason['code'], message: string) => void;

function replicationReasons(
  vm: DrVm,
  discovery: DrDiscovery,
  dr: DrConfig,
  groups: Map<string, DrGroupVerification>,
  now: number,
  report: Report,
): void {
  if (vm.volumes.length === 0) {
    report('NO_VOLUMES', `no volume of ${vm.name} was found on the active site's storage (nothing to replicate)`);
    return;
  }
  const configuredFor = dr.consistencyGroups.find((g) => g.vms?.includes(vm.name));
  const byMaster = new Map(discovery.relationships.map((r) => [r.masterVolume, r]));
  const groupsOfVm = new Set<string>();
  for (const volume of vm.volumes) {
    const relationship = byMaster.get(volume);
    if (!relationship) {
      report('VOLUME_NOT_REPLICATED', `volume ${volume} is not the master of any remote-copy relationship`);
      continue;
    }
    if (!relationship.group) {
      report(
        'VOLUME_NOT_IN_CONSISTENCY_GROUP',
        `volume ${volume} replicates in stand-alone relationship ${relationship.name}, in no consistency group`,
      );
      continue;
    }
    groupsOfVm.add(relationship.group);
    if (configuredFor && relationship.group !== configuredFor.name)
      report(
        'CONSISTENCY_GROUP_MISMATCH',
        `volume ${volume} replicates in ${relationship.group}, but dr.consistencyGroups puts ${vm.name} in ` +
          configuredFor.name,
      );
  }
  if (groupsOfVm.size > 1)
    report(
      'CONSISTENCY_GROUP_MISMATCH',
      `the volumes of ${vm.name} replicate in ${groupsOfVm.size} consistency groups (${[...groupsOfVm].sort().join(', ')}); ` +
        'one VM needs one group so its disks stay consistent with each other',
    );
  for (const name of [...groupsOfVm].sort()) {
    const configured = dr.consistencyGroups.find((g) => g.name === name);
    const group = groups.get(name);
    if (!configured || !group) {
      report('CONSISTENCY_GROUP_NOT_CONFIGURED', `consistency group ${name} is not in dr.consistencyGroups (no RPO)`);
      continue;
    }
    if (!CONSISTENT_REPLICATING_STATES.has(group.state))
      report(
        'REPLICATION_NOT_CONSISTENT',
        `consistency group ${name} is ${group.state}; a move needs consistent_synchronized or consistent_copying`,
      );
    else if (group.primary !== 'master')
      report(
        'REPLICATION_REVERSED',
        `consistency group ${name} has primary ${group.primary || '(none)'}; the active site ${discovery.site} ` +
          'must be the primary (master)',
      );
    if (group.state === 'consistent_synchronized') continue;
    if (group.lagSeconds === undefined)
      report(
        'RPO_UNKNOWN',
        `consistency group ${name} is ${group.state} and shows no freeze time, and no earlier verification saw it ` +
          'synchronized: the age of the backup copy is unknown',
      );
    else if (group.lagSeconds * 1000 > configured.rpo)
      report(
        'RPO_EXCEEDED',
        `the backup copy of consistency group ${name} may be as old as ${group.recoveryPoint} ` +
          `(${group.lagSeconds}s at ${new Date(now).toISOString()}), beyond its RPO of ${configured.rpo / 1000}s`,
      );
  }
}

/**
 * Whether each VM's backup host has room: the planner places every protected VM that is active at production and
 * paired to that host (many-to-one pairs share it), by DR priority, at its desired size or — where the policy allows
 * — down to its profile minimum. VMs not active at production need no room.
 */
function capacityAtBackup(
  discovery: DrDiscovery,
  vms: DrVm[],
  policies: Map<string, DrVmPolicy>,
  pairOf: Map<string, string>,
): Map<string, { short?: string; reduced?: string }> {
  const result = new Map<string, { short?: string; reduced?: string }>();
  for (const backup of discovery.backupHosts) {
    const movers = vms.filter((vm) => pairOf.get(vm.host) === backup.name && vm.state !== 'Not Activated');
    if (movers.length === 0 || backup.undescribed) continue;
    const lpars: PlannerLpar[] = movers.map((vm) => ({
      name: vm.name,
      sourceHost: vm.host,
      procUnits: vm.procUnits,
      memoryMb: vm.memoryMb,
      volumes: vm.volumes.length,
      priority: PRIORITY_RANK[policies.get(vm.name)!.priority],
      allowReducedSize: policies.get(vm.name)!.allowReducedSize,
    }));
    const plan = planPlacement(
      lpars,
      [{ name: backup.name, freeProcUnits: backup.freeProcUnits, freeMemoryMb: backup.freeMemoryMb }],
      DEFAULT_LATENCY,
    );
    for (const unplaced of plan.unplaced)
      result.set(unplaced.lpar, {
        short:
          `backup host ${backup.name} has no room for ${unplaced.lpar} beside the ${movers.length - 1} other VMs ` +
          `paired to it (${backup.freeProcUnits} processor units, ${backup.freeMemoryMb} MB free): ${unplaced.detail}`,
      });
    for (const placement of plan.placements.filter((p) => p.reduced))
      result.set(placement.lpar, {
        reduced:
          `${placement.lpar} fits on ${backup.name} only reduced: ${placement.procUnits} processor units, ` +
          `${placement.memoryMb} MB`,
      });
  }
  return result;
}

function viosReasons(
  vm: DrVm,
  backup: DrDiscovery['backupHosts'][number],
  dr: DrConfig,
  reason: Report,
  warning: Report,
): void {
  const running = backup.vios.filter((v) => v.state === 'Running').map((v) => v.name);
  if (running.length === 0) {
    reason('BACKUP_VIOS_MISSING', `no VIOS runs on backup host ${backup.name} to present the volumes of ${vm.name}`);
    return;
  }
  if (vm.vios.length >= 2 && running.length < 2) {
    const text =
      `${vm.name} reaches its volumes through ${vm.vios.length} VIOS at production (${vm.vios.join(', ')}) but ` +
      `only ${running.join(', ')} runs on backup host ${backup.name}: the move would lose VIOS redundancy`;
    (dr.verify.loseViosRedundancy ? warning : reason)('VIOS_REDUNDANCY_LOST', text);
  }
}

function shadowReasons(vm: DrVm, backupHost: string, discovery: DrDiscovery, reason: Report): void {
  const shadows = discovery.shadows.filter((s) => s.name === vm.name);
  const shadow = shadows.find((s) => s.host === backupHost);
  if (!shadow) {
    const elsewhere = shadows.map((s) => s.host);
    reason(
      'SHADOW_MISSING',
      `no partition definition ${vm.name} on backup host ${backupHost}` +
        (elsewhere.length > 0 ? ` (defined on ${elsewhere.join(', ')} instead)` : '') +
        '; create it there (same name and profile) before a move',
    );
    return;
  }
  if (shadow.state !== 'Not Activated')
    reason(
      'SHADOW_ACTIVE',
      `the shadow of ${vm.name} on ${backupHost} is ${shadow.state}, not Not Activated: a move would run it twice`,
    );
}

/**
 * Each replicated volume's aux copy must be mapped at the backup site's storage to the backup host's host object
 * (named like the managed system, simulators/README.md "host object named like itself"), or be a mapping a clean-up
 * removed that the move presents again: a shadow started without one of its disks boots without that data (KSYS
 * checks the same with `ksysmgr verify`: the disks of the shadow must be the replicas of the VM's disks). Skipped
 * when the discovery predates reading the backup mappings, or the shadow is missing (SHADOW_MISSING says so).
 */
function shadowDiskReasons(
  vm: DrVm,
  backupHost: string,
  discovery: DrDiscovery,
  restorable: ReadonlyArray<{ volume: string; host: string }>,
  reason: Report,
): void {
  if (!discovery.backupMappings) return;
  if (!discovery.shadows.some((s) => s.name === vm.name && s.host === backupHost)) return;
  const auxOf = new Map(discovery.relationships.map((r) => [r.masterVolume, r.auxVolume]));
  const presented = new Set(
    [...discovery.backupMappings, ...restorable].filter((m) => m.host === backupHost).map((m) => m.volume),
  );
  const missing = vm.volumes
    .filter((volume) => auxOf.has(volume) && !presented.has(auxOf.get(volume)!))
    .map((volume) => `${auxOf.get(volume)} (replica of ${volume})`);
  if (missing.length > 0)
    reason(
      'SHADOW_DISKS_MISSING',
      `the shadow of ${vm.name} on ${backupHost} would start without ${missing.join(', ')}: not mapped to host ` +
        `${backupHost} at the ${discovery.backupSite} storage; map them before a move`,
    );
}

/** VMs the previous verification knew on production hosts this discovery could not describe: NOT_READY. */
function unseenOnUndescribedHosts(
  discovery: DrDiscovery,
  previous: Pick<DrVerification, 'vms'> | undefined,
): DrVmVerification[] {
  const undescribed = new Map(
    discovery.productionHosts.filter((h) => h.undescribed).map((h) => [h.name, h.undescribed!]),
  );
  return (previous?.vms ?? [])
    .filter((vm) => undescribed.has(vm.productionHost) && !discovery.vms.some((v) => v.name === vm.vm))
    .map((vm) => ({
      vm: vm.vm,
      productionHost: vm.productionHost,
      ...(vm.productionState ? { productionState: vm.productionState } : {}),
      ...(vm.backupHost ? { backupHost: vm.backupHost } : {}),
      state: 'NOT_READY' as const,
      reasons: [
        {
          code: 'PRODUCTION_HOST_UNAVAILABLE' as const,
          message: `${vm.productionHost} could not be described (${undescribed.get(vm.productionHost)}); ${vm.vm} was last seen there`,
        },
      ],
      warnings: [],
    }));
}

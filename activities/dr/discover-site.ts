// DR discovery (VMRM DR's `ksysmgr discover site`): reads the active site and its backup site through their HMCs and
// storage systems — every managed system of each site with its free capacity and VIOS, the production VMs with
// their volumes and the VIOS presenting them, the partition definitions on the backup hosts (shadows), and on the
// active site's storage system the remote-copy relationships (which consistency group holds each volume) and the
// groups' state, primary and freeze time. Read-only; hosts are read with the host-group discovery's reader, so a
// host that cannot be described is returned with the reason instead of failing the whole site.
import type { LazarusConfig } from '../../domain/config/index.js';
import type { DrDiscovery, DrGroup, DrHost, DrShadow, DrVm } from '../../domain/dr/contracts.js';
import { drPairs, drSiteHosts } from '../../domain/dr/config-checks.js';
import type { DeviceRegistry } from '../devices.js';
import { readHostGroup, type HostGroupReading } from '../discovery/read-host-group.js';
import { DeviceError } from '../ssh/device-errors.js';
import { DELIMITER, parseDetailed } from '../storage/svc-output.js';
import { svcName } from '../storage/svc-names.js';
import type { SvcClient } from '../storage/svc-client.js';

/** A DR request about a site that is not configured as the active site of `dr` (not retryable). */
export class DrSiteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DrSiteError';
  }
}

/**
 * The DR pair whose active site is `site` (the top-level `dr` or a tenant's, DRaaS): its name, its backup site, the
 * hosts and devices of both, and its tenant.
 */
export function drSitePair(config: LazarusConfig, site: string) {
  if (!config.dr) throw new DrSiteError('no dr section in the configuration');
  const pairs = drPairs(config).map(({ pair }) => pair);
  const dr = pairs.find((p) => p.sites.some((s) => s.role === 'active' && s.name === site));
  if (!dr) {
    const all = [...new Set(pairs.flatMap((p) => p.sites.map((s) => s.name)))];
    const actives = pairs.map((p) => p.sites.find((s) => s.role === 'active')!.name);
    throw new DrSiteError(
      all.includes(site)
        ? `site ${site} is a backup site; discover and verify an active site (${actives.join(', ')})`
        : `site ${site} is not a DR site (dr.sites: ${all.join(', ')})`,
    );
  }
  const active = dr.sites.find((s) => s.role === 'active')!;
  const backup = dr.sites.find((s) => s.role === 'backup')!;
  const devicesOf = (name: string) => {
    const configured = config.sites.find((s) => s.name === name)!;
    return { hmcs: configured.hmcs, storage: configured.storage };
  };
  return {
    dr,
    tenant: dr.tenant,
    active: { name: active.name, hosts: drSiteHosts(config, active.name, dr), ...devicesOf(active.name) },
    backup: { name: backup.name, hosts: drSiteHosts(config, backup.name, dr), ...devicesOf(backup.name) },
  };
}

export async function discoverDrSite(
  config: LazarusConfig,
  devices: DeviceRegistry,
  site: string,
  now: () => Date = () => new Date(),
): Promise<DrDiscovery> {
  const pair = drSitePair(config, site);
  const masterStorage = pair.dr.consistencyGroups[0]!.master;
  const [production, backup] = await Promise.all([
    readSite(devices, pair.active, pair.active.storage[0] ?? masterStorage),
    readSite(devices, pair.backup, pair.backup.storage[0] ?? pair.dr.consistencyGroups[0]!.aux),
  ]);
  const svc = devices.storageSystem(masterStorage);
  const [relationships, groups] = await Promise.all([svc.relationships(), readGroups(svc)]);
  const vms: DrVm[] = production.snapshot.lpars.map((lpar) => ({
    name: lpar.name,
    host: lpar.host,
    state: lpar.state,
    procUnits: { min: lpar.processorUnits.min, desired: lpar.processorUnits.desired },
    memoryMb: { min: lpar.memoryMb.min, desired: lpar.memoryMb.desired },
    volumes: lpar.volumes.map((v) => v.vdiskName),
    vios: [...new Set([...lpar.vscsiMappings, ...lpar.npivMappings].map((m) => m.vios))].sort(),
    priority: lpar.priority ?? 'medium',
  }));
  const shadows: DrShadow[] = backup.snapshot.lpars.map((lpar) => ({
    name: lpar.name,
    host: lpar.host,
    state: lpar.state,
    profile: lpar.profile,
    procUnits: { min: lpar.processorUnits.min, desired: lpar.processorUnits.desired },
    memoryMb: { min: lpar.memoryMb.min, desired: lpar.memoryMb.desired },
  }));
  return {
    site: pair.active.name,
    backupSite: pair.backup.name,
    discoveredAt: now().toISOString(),
    productionHosts: hostsOf(production, pair.active.hosts),
    backupHosts: hostsOf(backup, pair.backup.hosts),
    vms,
    shadows,
    relationships: relationships.map((r) => ({
      name: r.name,
      masterVolume: r.master_vdisk_name,
      auxVolume: r.aux_vdisk_name,
      group: r.consistency_group_name,
      state: r.state,
    })),
    groups,
  };
}

/**
 * One site's hosts through the first of its HMCs that answers (a site may have a redundant pair); hosts the first
 * does not know are asked of the second.
 */
export async function readSite(
  devices: DeviceRegistry,
  site: { name: string; hosts: string[]; hmcs: string[] },
  storage: string,
): Promise<HostGroupReading> {
  let lastError: unknown;
  for (const [index, hmc] of site.hmcs.entries()) {
    try {
      const target = { name: `dr/${site.name}`, hmc, storage, hosts: site.hosts };
      const reading = await readHostGroup(target, devices.hmc(hmc), devices.storageSystem(storage));
      const unknown = reading.undescribed.filter((h) => h.state === 'unknown').map((h) => h.name);
      const next = site.hmcs[index + 1];
      if (unknown.length === 0 || !next) return reading;
      const rest = await readSite(devices, { ...site, hosts: unknown, hmcs: site.hmcs.slice(index + 1) }, storage);
      return {
        snapshot: {
          ...reading.snapshot,
          managedSystems: [...reading.snapshot.managedSystems, ...rest.snapshot.managedSystems],
          lpars: [...reading.snapshot.lpars, ...rest.snapshot.lpars],
          vios: [...reading.snapshot.vios, ...rest.snapshot.vios],
        },
        undescribed: [...reading.undescribed.filter((h) => !unknown.includes(h.name)), ...rest.undescribed],
        notes: [...reading.notes, ...rest.notes],
      };
    } catch (err) {
      if (!(err instanceof DeviceError)) throw err;
      lastError = err;
    }
  }
  if (lastError) throw lastError;
  throw new DrSiteError(`site ${site.name} has no HMC in the configuration`);
}

export function hostsOf(reading: HostGroupReading, hosts: string[]): DrHost[] {
  return hosts.map((name) => {
    const system = reading.snapshot.managedSystems.find((s) => s.name === name);
    const undescribed = reading.undescribed.find((h) => h.name === name);
    return {
      name,
      state: system?.state ?? undescribed?.state ?? 'unknown',
      ...(system ? { hmc: system.hmc } : {}),
      freeProcUnits: system?.processorUnits.available ?? 0,
      freeMemoryMb: system?.memoryMb.available ?? 0,
      vios: reading.snapshot.vios.filter((v) => v.host === name).map((v) => ({ name: v.name, state: v.state })),
      ...(undescribed ? { undescribed: undescribed.reason } : {}),
    };
  });
}

/**
 * The consistency groups of the master storage system, each with its freeze time from the detailed view
 * (`lsrcconsistgrp -delim ! NAME`; IBM CLI reference: `freeze_time` is YY/MM/DD/HH/MM, blank when there is none).
 */
export async function readGroups(svc: SvcClient): Promise<DrGroup[]> {
  const groups = await svc.consistencyGroups();
  return Promise.all(
    groups.map(async (g) => {
      const command = `lsrcconsistgrp -delim ${DELIMITER} ${svcName(svc.device, 'consistency group', g.name)}`;
      const view = parseDetailed(svc.device, command, await svc.run(command));
      const freezeTime = parseFreezeTime(view.optional('freeze_time'));
      return {
        name: g.name,
        masterStorage: g.masterCluster,
        auxStorage: g.auxCluster,
        primary: g.primary,
        state: g.state,
        copyType: g.copyType,
        ...(freezeTime ? { freezeTime } : {}),
      };
    }),
  );
}

/** "26/11/30/01/55" (YY/MM/DD/HH/MM, the device's clock, taken as UTC) → ISO; blank or malformed → undefined. */
export function parseFreezeTime(text: string): string | undefined {
  const match = /^(\d{2})\/(\d{2})\/(\d{2})\/(\d{2})\/(\d{2})$/.exec(text.trim());
  if (!match) return undefined;
  const [, yy, mo, dd, hh, mi] = match.map(Number) as [number, number, number, number, number, number];
  const time = Date.UTC(2000 + yy, mo - 1, dd, hh, mi);
  return Number.isNaN(time) ? undefined : new Date(time).toISOString();
}

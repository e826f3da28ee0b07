// DR discovery (VMRM DR's `ksysmgr discover site`): reads the active site and its backup site through their HMCs and
// storage systems — every managed system of each site with its free capacity and VIOS, the production VMs with
// their volumes and the VIOS presenting them, the partition definitions on the backup hosts (shadows), and on the
// active site's storage system the remote-copy relationships (which consistency group holds each volume) and the
// groups' state, primary and freeze time. Read-only; the production site is read with the host-group discovery's
// reader, the backup site only to its partition definitions (readSite's depths), both through the site's HMC pair
// within each HMC's operation limit (paced-hmc.ts), so a host that cannot be described is returned with the reason
// instead of failing the whole site — and a busy HMC delays a host instead of leaving it undescribed.
import type { LazarusConfig } from '../../domain/config/index.js';
import type { DrDiscovery, DrGroup, DrHost, DrShadow, DrVm } from '../../domain/dr/contracts.js';
import { drPairs, drSiteHosts } from '../../domain/dr/config-checks.js';
import type { InventorySnapshot, Lpar, ManagedSystem } from '../../domain/inventory/index.js';
import type { DeviceRegistry } from '../devices.js';
import {
  priorityClass,
  readHostGroup,
  type HostGroupReading,
  type HostGroupTarget,
} from '../discovery/read-host-group.js';
import type { HmcClient } from '../hmc/hmc-client.js';
import { drReadHmc, useDrLimits } from './paced-hmc.js';
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
  useDrLimits(config, devices);
  const pair = drSitePair(config, site);
  const masterStorage = pair.dr.consistencyGroups[0]!.master;
  const [production, backup] = await Promise.all([
    readSite(devices, pair.active, pair.active.storage[0] ?? masterStorage, 'volumes'),
    readSite(devices, pair.backup, pair.backup.storage[0] ?? pair.dr.consistencyGroups[0]!.aux, 'definitions'),
  ]);
  const svc = devices.storageSystem(masterStorage);
  const auxStorage = pair.backup.storage[0] ?? pair.dr.consistencyGroups[0]!.aux;
  const [relationships, groups, backupMappings] = await Promise.all([
    svc.relationships(),
    readGroups(svc),
    devices.storageSystem(auxStorage).allMappings(),
  ]);
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
    backupMappings: backupMappings.map((m) => ({ volume: m.volume, host: m.host })),
  };
}

/**
 * How deep a site is read. `volumes`: each VM's volumes through its VIOS (one `viosvrcmd` per mapped disk) and the
 * storage system's view — what verification needs of the production site. `definitions`: the hosts' state and
 * capacity, their partitions with profiles and the VIOS partitions' states, nothing through the VIOS and nothing from
 * storage — all a backup site's shadows, or a move's before/after states, need (a fraction of the commands).
 */
export type SiteDepth = 'volumes' | 'definitions';

/**
 * One site's hosts through its HMCs as one pair (drReadHmc: the other HMC when one is out of reach, each HMC within
 * its operation limit, busy refusals retried). Hosts the preferred HMC does not manage are asked of the site's next
 * HMC first (a site's two HMCs may manage different hosts); an HMC that answers with an error is passed over likewise.
 * Throws the last DeviceError when no HMC could list the systems, DrSiteError when the site has no HMC. The limits are
 * those registered for `devices` (paced-hmc.ts useDrLimits).
 */
export async function readSite(
  devices: DeviceRegistry,
  site: { name: string; hosts: string[]; hmcs: string[] },
  storage: string,
  depth: SiteDepth = 'volumes',
): Promise<HostGroupReading> {
  if (site.hmcs.length === 0) throw new DrSiteError(`site ${site.name} has no HMC in the configuration`);
  let lastError: unknown;
  let result: HostGroupReading | undefined;
  let hosts = site.hosts;
  for (const index of site.hmcs.keys()) {
    const order = [...site.hmcs.slice(index), ...site.hmcs.slice(0, index)];
    const target = { name: `dr/${site.name}`, hmc: order[0]!, storage, hosts };
    try {
      const hmc = drReadHmc(devices, order);
      const reading =
        depth === 'volumes'
          ? await readHostGroup(target, hmc, devices.storageSystem(storage))
          : await readDefinitions(target, hmc);
      const unknown = reading.undescribed.filter((h) => h.state === 'unknown').map((h) => h.name);
      const last = index === site.hmcs.length - 1;
      result = merge(result, {
        ...reading,
        undescribed: last ? reading.undescribed : reading.undescribed.filter((h) => !unknown.includes(h.name)),
      });
      hosts = unknown;
      if (hosts.length === 0) return result;
    } catch (err) {
      if (!(err instanceof DeviceError)) throw err;
      lastError = err;
    }
  }
  if (result) return result;
  throw lastError;
}

function merge(first: HostGroupReading | undefined, next: HostGroupReading): HostGroupReading {
  if (!first) return next;
  return {
    snapshot: {
      ...first.snapshot,
      managedSystems: [...first.snapshot.managedSystems, ...next.snapshot.managedSystems],
      lpars: [...first.snapshot.lpars, ...next.snapshot.lpars],
      vios: [...first.snapshot.vios, ...next.snapshot.vios],
    },
    undescribed: [...first.undescribed, ...next.undescribed],
    notes: [...first.notes, ...next.notes],
  };
}

/** A host whose partitions the HMC lists but cannot describe (a partition without a profile). */
class UndescribableHostError extends Error {}

/**
 * A `definitions` reading (see SiteDepth): per host `lssyscfg -r sys`, its capacity (`lshwres`), partitions and
 * profiles (`lssyscfg -r lpar|prof`); LPARs carry no volumes or mappings. A host that is not Operating, unknown to the
 * HMC, or whose reads fail is undescribed with the reason; the HMC's system list failing throws its DeviceError.
 * A partition defined on two hosts is listed on both, the one not Not Activated first.
 */
export async function readDefinitions(target: HostGroupTarget, hmc: HmcClient): Promise<HostGroupReading> {
  const systems = new Map((await hmc.listSystems()).map((s) => [s.name, s]));
  const undescribed: HostGroupReading['undescribed'] = [];
  const managedSystems: ManagedSystem[] = [];
  const lpars: Lpar[] = [];
  const vios: InventorySnapshot['vios'] = [];
  await Promise.all(
    target.hosts.map(async (host) => {
      const system = systems.get(host);
      if (!system)
        return void undescribed.push({
          name: host,
          state: 'unknown',
          reason: `${target.hmc} does not know managed system ${host}`,
        });
      if (system.state !== 'Operating')
        return void undescribed.push({
          name: host,
          state: system.state,
          reason: `${host} is ${system.state}; the HMC cannot describe its partitions`,
        });
      try {
        const [capacity, partitions, profiles] = await Promise.all([
          hmc.systemCapacity(host),
          hmc.listPartitions(host),
          hmc.profiles(host),
        ]);
        const hostLpars = partitions
          .filter((p) => p.env !== 'vioserver')
          .map((p): Lpar => {
            const profile =
              profiles.find((f) => f.lparName === p.name && f.name === p.currentProfile) ??
              profiles.find((f) => f.lparName === p.name);
            if (!profile) throw new UndescribableHostError(`partition ${p.name} has no profile`);
            return {
              id: p.id,
              name: p.name,
              host,
              state: p.state,
              profile: profile.name,
              processorUnits: profile.procUnits,
              memoryMb: profile.memoryMb,
              virtualProcessors: profile.virtualProcessors,
              priority: priorityClass(profile.availabilityPriority),
              volumes: [],
              vscsiMappings: [],
              npivMappings: [],
            };
          });
        managedSystems.push({
          name: host,
          serial: system.serial,
          typeModel: system.typeModel,
          state: system.state,
          hmc: target.hmc,
          processorUnits: {
            installed: capacity.configurableProcUnits,
            configurable: capacity.configurableProcUnits,
            available: capacity.availableProcUnits,
          },
          memoryMb: { installed: capacity.configurableMemoryMb, available: capacity.availableMemoryMb },
        });
        lpars.push(...hostLpars);
        for (const p of partitions.filter((x) => x.env === 'vioserver'))
          vios.push({ id: p.id, name: p.name, host, state: p.state });
      } catch (err) {
        if (!(err instanceof DeviceError) && !(err instanceof UndescribableHostError)) throw err;
        undescribed.push({ name: host, state: system.state, reason: `${host} could not be described: ${err.message}` });
      }
    }),
  );
  const byName = <T extends { name: string }>(a: T, b: T) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  const inactive = (l: Lpar) => (l.state === 'Not Activated' ? 1 : 0);
  return {
    snapshot: {
      group: target.name,
      takenAt: new Date().toISOString(),
      managedSystems: managedSystems.sort(byName),
      lpars: lpars.sort((a, b) => byName(a, b) || inactive(a) - inactive(b)),
      vios: vios.sort(byName),
      storageSystems: [],
      remoteCopyGroups: [],
    },
    undescribed: undescribed.sort(byName),
    notes: [],
  };
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

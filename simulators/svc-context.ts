import { type ParsedFlags } from './cli-flags.js';
import { type CommandContext } from './command-context.js';
import { type HostObject, type StorageSystem, type Vdisk, givesSystemAccess, isActive } from './fleet-model.js';
import { type ViewOptions, parseFilterValue } from './svc-output.js';
import { svcError } from './svc-errors.js';

/** Helpers every SVC command shares: the storage system it runs on, flags, views and lookups. */

export const VIEW_FLAGS = { values: ['-delim', '-filtervalue'], switches: ['-nohdr', '-bytes'] };

export function storageOf(ctx: CommandContext): StorageSystem {
  return ctx.model.storage.get(ctx.device.name) as StorageSystem;
}

export function viewOptions(flags: ParsedFlags): ViewOptions {
  return {
    delim: flags.values.get('-delim'),
    nohdr: flags.switches.has('-nohdr'),
    filters: parseFilterValue(flags.values.get('-filtervalue')),
  };
}

/** A detailed (single object) view: -filtervalue does not apply. */
export function detailedViewOptions(flags: ParsedFlags): ViewOptions {
  if (flags.values.has('-filtervalue')) throw svcError.mutuallyExclusive();
  return viewOptions(flags);
}

/** Objects are named by name or by numeric id, as on the device. */
export function vdiskRef(storage: StorageSystem, ref: string): Vdisk | undefined {
  return storage.vdisks.find((v) => v.name === ref || String(v.id) === ref);
}

export function hostRef(storage: StorageSystem, ref: string): HostObject | undefined {
  return storage.hosts.find((h) => h.name === ref || String(h.id) === ref);
}

export function requireValue(flags: ParsedFlags, flag: string): string {
  const value = flags.values.get(flag);
  if (value === undefined) throw svcError.missingParameters();
  return value;
}

/**
 * Whether the host's Fibre Channel ports are logged in to the storage system. A managed system's physical FC ports
 * belong to its VIOS partitions: they log in to the fabric when a VIOS opens them and log out when it stops or the
 * server loses power. So a server's host object is online while the server is powered and a VIOS on it is active
 * (in Error that is the hidden real state: a system whose hypervisor still runs keeps its ports logged in); a
 * powered-off server, or one with no VIOS running, is offline. An NPIV client's host object follows the client LPAR.
 * The model (ports log in with the owning partition) is ours; that SVC reports a host with no logged-in port as
 * `offline` and its ports' `state` as `offline` is IBM's lshost reference. Partial logins (`degraded`) are not modelled.
 */
export function hostStatus(ctx: CommandContext, host: HostObject): 'online' | 'offline' {
  for (const system of ctx.model.systems.values()) {
    if (system.storage !== ctx.device.name) continue;
    if (givesSystemAccess(host, system)) {
      if (system.partitions.some((p) => p.vios && isActive(system, p))) return 'online';
    }
    for (const partition of system.partitions) {
      if (isActive(system, partition) && partition.clientWwpns.flat().some((w) => host.wwpns.includes(w)))
        return 'online';
    }
  }
  return 'offline';
}

export const IO_GROUP: [string, string | number][] = [
  ['IO_group_id', 0],
  ['IO_group_name', 'io_grp0'],
];

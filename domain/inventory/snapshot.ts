// The inventory snapshot of one host group (or of the whole fleet), as discovery saw it at one moment: managed
// systems, their LPARs and VIOS, storage systems with volumes, host objects and mappings, remote-copy groups.
// Capacities are in processor units and MB, as the HMC reports them. Snapshots read back from the database are
// validated with the same schema.
import { z } from 'zod';
import { PRIORITY_CLASSES } from '../config/schema.js';

const name = z.string().min(1);
const nonNegative = z.number().finite().nonnegative();

export const managedSystemSchema = z.strictObject({
  name,
  serial: name,
  typeModel: name,
  state: name,
  hmc: name,
  processorUnits: z.strictObject({ installed: nonNegative, configurable: nonNegative, available: nonNegative }),
  memoryMb: z.strictObject({ installed: nonNegative, available: nonNegative }),
  /** When `state` was read (ISO 8601); absent: the snapshot's takenAt. */
  observedAt: z.iso.datetime().optional(),
  /** When capacity, LPARs and VIOS were last read; absent: the snapshot's takenAt. Older than that for a stale host. */
  describedAt: z.iso.datetime().optional(),
  /** Why the discovery that took the snapshot could not describe the host: its capacity, LPARs and VIOS are kept
   * as of describedAt (e.g. "dc1-s01 is Power Off; the HMC cannot describe its partitions"). Absent: fresh. */
  staleReason: name.optional(),
});

/** A host of the group that no discovery has described yet; `state` as the HMC lists it, `unknown` when it does not. */
export const undescribedHostSchema = z.strictObject({ name, state: name, reason: name });

export const lparVolumeSchema = z.strictObject({
  storageSystem: name,
  vdiskId: name,
  vdiskName: name,
  uid: name,
});

export const vscsiMappingSchema = z.strictObject({ vios: name, vhost: name, backingDevice: name });
export const npivMappingSchema = z.strictObject({ vios: name, vfchost: name, wwpns: z.array(name) });

export const lparSchema = z.strictObject({
  id: z.number().int().nonnegative(),
  name,
  host: name,
  state: name,
  profile: name,
  processorUnits: z.strictObject({ desired: nonNegative, min: nonNegative, max: nonNegative }),
  memoryMb: z.strictObject({ desired: nonNegative, min: nonNegative, max: nonNegative }),
  virtualProcessors: z.number().int().nonnegative(),
  priority: z.enum(PRIORITY_CLASSES).optional(),
  volumes: z.array(lparVolumeSchema),
  vscsiMappings: z.array(vscsiMappingSchema),
  npivMappings: z.array(npivMappingSchema),
  /**
   * `npiv`: every volume is mapped to storage host objects made only of this LPAR's own virtual FC client WWPNs (as
   * PowerVC creates them), listed in `npivHostObjects`: the volumes follow it to any server and a restart maps
   * nothing. Absent (every snapshot stored before issue 14): mapped to its server's host object (vSCSI through the
   * VIOS, or NPIV through the server's ports): a restart maps them to the destination.
   */
  attachment: z.literal('npiv').optional(),
  npivHostObjects: z.array(name).optional(),
});

export const viosSchema = z.strictObject({ id: z.number().int().nonnegative(), name, host: name, state: name });

export const storageVolumeSchema = z.strictObject({
  id: name,
  name,
  uid: name,
  capacityMb: nonNegative,
});
export const storageHostSchema = z.strictObject({ id: name, name, wwpns: z.array(name) });
export const volumeMappingSchema = z.strictObject({
  storageHost: name,
  vdiskId: name,
  scsiId: z.number().int().nonnegative(),
});

export const storageSystemSchema = z.strictObject({
  name,
  volumes: z.array(storageVolumeSchema),
  hosts: z.array(storageHostSchema),
  mappings: z.array(volumeMappingSchema),
});

export const remoteCopyGroupSchema = z.strictObject({
  name,
  storageSystem: name,
  state: name,
  primary: z.enum(['master', 'aux']).optional(),
  relationships: z.array(name),
});

export const inventorySnapshotSchema = z
  .strictObject({
    /** A host group name, or "*" for the whole fleet. */
    group: name,
    takenAt: z.iso.datetime(),
    managedSystems: z.array(managedSystemSchema),
    lpars: z.array(lparSchema),
    vios: z.array(viosSchema),
    storageSystems: z.array(storageSystemSchema),
    remoteCopyGroups: z.array(remoteCopyGroupSchema),
    /** Hosts of the group never described (so absent from managedSystems); absent when there are none. */
    undescribedHosts: z.array(undescribedHostSchema).optional(),
  })
  .superRefine((snapshot, ctx) => {
    // LPARs and hosts are identified by name across snapshots (an LPAR keeps its name when it moves).
    reportDuplicates(
      snapshot.managedSystems.map((m) => m.name),
      'managedSystems',
      ctx,
    );
    reportDuplicates(
      snapshot.lpars.map((l) => l.name),
      'lpars',
      ctx,
    );
    reportDuplicates(
      snapshot.storageSystems.map((s) => s.name),
      'storageSystems',
      ctx,
    );
  });

function reportDuplicates(names: string[], field: string, ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  names.forEach((n, index) => {
    if (seen.has(n)) ctx.addIssue({ code: 'custom', path: [field, index, 'name'], message: `duplicate name "${n}"` });
    seen.add(n);
  });
}

export type ManagedSystem = z.infer<typeof managedSystemSchema>;
export type Lpar = z.infer<typeof lparSchema>;
export type LparVolume = z.infer<typeof lparVolumeSchema>;
export type VscsiMapping = z.infer<typeof vscsiMappingSchema>;
export type NpivMapping = z.infer<typeof npivMappingSchema>;
export type Vios = z.infer<typeof viosSchema>;
export type StorageSystem = z.infer<typeof storageSystemSchema>;
export type StorageVolume = z.infer<typeof storageVolumeSchema>;
export type StorageHost = z.infer<typeof storageHostSchema>;
export type VolumeMapping = z.infer<typeof volumeMappingSchema>;
export type RemoteCopyGroup = z.infer<typeof remoteCopyGroupSchema>;
export type UndescribedHost = z.infer<typeof undescribedHostSchema>;
export type InventorySnapshot = z.infer<typeof inventorySnapshotSchema>;

export class InventoryValidationError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`${source}: invalid inventory snapshot: ${problems.join('; ')}`);
    this.name = 'InventoryValidationError';
  }
}

/** Parses an untrusted snapshot; the error names the source and each bad field's path. */
export function parseInventorySnapshot(value: unknown, source: string): InventorySnapshot {
  const result = inventorySnapshotSchema.safeParse(value);
  if (result.success) return result.data;
  throw new InventoryValidationError(
    source,
    result.error.issues.slice(0, 5).map((issue) => `${formatIssuePath(issue.path)}: ${issue.message}`),
  );
}

function formatIssuePath(path: PropertyKey[]): string {
  if (path.length === 0) return '(snapshot)';
  return path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? String(part) : `.${String(part)}`))
    .join('');
}

// The schema of one inventory change, for diffs read back from storage. Typed against InventoryChange, so the two
// cannot drift apart.
import { z } from 'zod';
import type { InventoryChange } from './diff.js';
import {
  lparSchema,
  lparVolumeSchema,
  managedSystemSchema,
  npivMappingSchema,
  remoteCopyGroupSchema,
  volumeMappingSchema,
  vscsiMappingSchema,
} from './snapshot.js';

const name = z.string().min(1);
const hostCapacity = managedSystemSchema.pick({ processorUnits: true, memoryMb: true });
const lparSize = lparSchema.pick({ processorUnits: true, memoryMb: true, virtualProcessors: true });
const remoteCopyStatus = remoteCopyGroupSchema.pick({ state: true, primary: true });
const lparMapping = z.discriminatedUnion('type', [
  vscsiMappingSchema.extend({ type: z.literal('vscsi') }),
  npivMappingSchema.extend({ type: z.literal('npiv') }),
]);

export const inventoryChangeSchema: z.ZodType<InventoryChange> = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('host-appeared'), host: name }),
  z.strictObject({ kind: z.literal('host-disappeared'), host: name }),
  z.strictObject({ kind: z.literal('host-state-changed'), host: name, from: name, to: name }),
  z.strictObject({ kind: z.literal('host-capacity-changed'), host: name, from: hostCapacity, to: hostCapacity }),
  z.strictObject({ kind: z.literal('lpar-appeared'), lpar: name, host: name }),
  z.strictObject({ kind: z.literal('lpar-disappeared'), lpar: name, host: name }),
  z.strictObject({ kind: z.literal('lpar-moved'), lpar: name, from: name, to: name }),
  z.strictObject({ kind: z.literal('lpar-resized'), lpar: name, from: lparSize, to: lparSize }),
  z.strictObject({ kind: z.literal('lpar-state-changed'), lpar: name, from: name, to: name }),
  z.strictObject({ kind: z.literal('lpar-volume-added'), lpar: name, volume: lparVolumeSchema }),
  z.strictObject({ kind: z.literal('lpar-volume-removed'), lpar: name, volume: lparVolumeSchema }),
  z.strictObject({ kind: z.literal('lpar-mapping-added'), lpar: name, mapping: lparMapping }),
  z.strictObject({ kind: z.literal('lpar-mapping-removed'), lpar: name, mapping: lparMapping }),
  z.strictObject({ kind: z.literal('storage-mapping-added'), storageSystem: name, mapping: volumeMappingSchema }),
  z.strictObject({ kind: z.literal('storage-mapping-removed'), storageSystem: name, mapping: volumeMappingSchema }),
  z.strictObject({
    kind: z.literal('remote-copy-state-changed'),
    storageSystem: name,
    group: name,
    from: remoteCopyStatus,
    to: remoteCopyStatus,
  }),
]);

export const inventoryDiffSchema = z.array(inventoryChangeSchema);

// The inventory model: a validated snapshot of what discovery found, and what changed between two snapshots.
export * from './snapshot.js';
export {
  diffInventory,
  type HostCapacity,
  type InventoryChange,
  type InventoryChangeKind,
  type LparMapping,
  type LparSize,
  type RemoteCopyStatus,
} from './diff.js';
export { inventoryChangeSchema, inventoryDiffSchema } from './change-schema.js';
export * from './fleet.js';

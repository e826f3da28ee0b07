// What changed between two inventory snapshots of the same scope. Pure and deterministic: changes are ordered by
// area (hosts, LPARs, storage mappings, remote copy), then by subject name, then by kind, then by detail, so the same pair of snapshots
// always yields the same list (it is stored with each discovery run and shown to operators).
import type {
  InventorySnapshot,
  Lpar,
  LparVolume,
  ManagedSystem,
  NpivMapping,
  RemoteCopyGroup,
  VolumeMapping,
  VscsiMapping,
} from './snapshot.js';

export type InventoryChange =
  | { kind: 'host-appeared'; host: string }
  | { kind: 'host-disappeared'; host: string }
  | { kind: 'host-state-changed'; host: string; from: string; to: string }
  | { kind: 'host-capacity-changed'; host: string; from: HostCapacity; to: HostCapacity }
  | { kind: 'lpar-appeared'; lpar: string; host: string }
  | { kind: 'lpar-disappeared'; lpar: string; host: string }
  | { kind: 'lpar-moved'; lpar: string; from: string; to: string }
  | { kind: 'lpar-resized'; lpar: string; from: LparSize; to: LparSize }
  | { kind: 'lpar-state-changed'; lpar: string; from: string; to: string }
  | { kind: 'lpar-volume-added'; lpar: string; volume: LparVolume }
  | { kind: 'lpar-volume-removed'; lpar: string; volume: LparVolume }
  | { kind: 'lpar-mapping-added'; lpar: string; mapping: LparMapping }
  | { kind: 'lpar-mapping-removed'; lpar: string; mapping: LparMapping }
  | { kind: 'storage-mapping-added'; storageSystem: string; mapping: VolumeMapping }
  | { kind: 'storage-mapping-removed'; storageSystem: string; mapping: VolumeMapping }
  | {
      kind: 'remote-copy-state-changed';
      storageSystem: string;
      group: string;
      from: RemoteCopyStatus;
      to: RemoteCopyStatus;
    };

export type InventoryChangeKind = InventoryChange['kind'];
export type HostCapacity = Pick<ManagedSystem, 'processorUnits' | 'memoryMb'>;
export type LparSize = Pick<Lpar, 'processorUnits' | 'memoryMb' | 'virtualProcessors'>;
export type RemoteCopyStatus = Pick<RemoteCopyGroup, 'state' | 'primary'>;
export type LparMapping = ({ type: 'vscsi' } & VscsiMapping) | ({ type: 'npiv' } & NpivMapping);

const KIND_ORDER: InventoryChangeKind[] = [
  'host-appeared',
  'host-disappeared',
  'host-state-changed',
  'host-capacity-changed',
  'lpar-appeared',
  'lpar-disappeared',
  'lpar-moved',
  'lpar-resized',
  'lpar-state-changed',
  'lpar-volume-added',
  'lpar-volume-removed',
  'lpar-mapping-added',
  'lpar-mapping-removed',
  'storage-mapping-added',
  'storage-mapping-removed',
  'remote-copy-state-changed',
];

export function diffInventory(previous: InventorySnapshot, next: InventorySnapshot): InventoryChange[] {
  const changes = [
    ...diffHosts(previous.managedSystems, next.managedSystems),
    ...diffLpars(previous.lpars, next.lpars),
    ...diffStorageMappings(previous, next),
    ...diffRemoteCopy(previous.remoteCopyGroups, next.remoteCopyGroups),
  ];
  return changes.sort(compareChanges);
}

function diffHosts(before: ManagedSystem[], after: ManagedSystem[]): InventoryChange[] {
  const changes: InventoryChange[] = [];
  const old = byName(before);
  for (const host of after) {
    const was = old.get(host.name);
    if (!was) {
      changes.push({ kind: 'host-appeared', host: host.name });
      continue;
    }
    if (was.state !== host.state)
      changes.push({ kind: 'host-state-changed', host: host.name, from: was.state, to: host.state });
    const from = hostCapacity(was);
    const to = hostCapacity(host);
    if (!sameValue(from, to)) changes.push({ kind: 'host-capacity-changed', host: host.name, from, to });
  }
  const current = byName(after);
  for (const host of before) if (!current.has(host.name)) changes.push({ kind: 'host-disappeared', host: host.name });
  return changes;
}

function diffLpars(before: Lpar[], after: Lpar[]): InventoryChange[] {
  const changes: InventoryChange[] = [];
  const old = byName(before);
  for (const lpar of after) {
    const was = old.get(lpar.name);
    if (was) changes.push(...diffLpar(was, lpar));
    else changes.push({ kind: 'lpar-appeared', lpar: lpar.name, host: lpar.host });
  }
  const current = byName(after);
  for (const lpar of before)
    if (!current.has(lpar.name)) changes.push({ kind: 'lpar-disappeared', lpar: lpar.name, host: lpar.host });
  return changes;
}

function diffLpar(was: Lpar, now: Lpar): InventoryChange[] {
  const lpar = now.name;
  const changes: InventoryChange[] = [];
  if (was.host !== now.host) changes.push({ kind: 'lpar-moved', lpar, from: was.host, to: now.host });
  if (!sameValue(lparSize(was), lparSize(now)))
    changes.push({ kind: 'lpar-resized', lpar, from: lparSize(was), to: lparSize(now) });
  if (was.state !== now.state) changes.push({ kind: 'lpar-state-changed', lpar, from: was.state, to: now.state });
  const volumes = setDifference(was.volumes, now.volumes, (v) => `${v.storageSystem}/${v.vdiskId}/${v.uid}`);
  changes.push(...volumes.added.map((volume) => ({ kind: 'lpar-volume-added' as const, lpar, volume })));
  changes.push(...volumes.removed.map((volume) => ({ kind: 'lpar-volume-removed' as const, lpar, volume })));
  const mappings = setDifference(lparMappings(was), lparMappings(now), stableKey);
  changes.push(...mappings.added.map((mapping) => ({ kind: 'lpar-mapping-added' as const, lpar, mapping })));
  changes.push(...mappings.removed.map((mapping) => ({ kind: 'lpar-mapping-removed' as const, lpar, mapping })));
  return changes;
}

function diffStorageMappings(previous: InventorySnapshot, next: InventorySnapshot): InventoryChange[] {
  const changes: InventoryChange[] = [];
  const names = new Set([...previous.storageSystems, ...next.storageSystems].map((s) => s.name));
  for (const storageSystem of names) {
    const before = previous.storageSystems.find((s) => s.name === storageSystem)?.mappings ?? [];
    const after = next.storageSystems.find((s) => s.name === storageSystem)?.mappings ?? [];
    const { added, removed } = setDifference(before, after, stableKey);
    changes.push(...added.map((mapping) => ({ kind: 'storage-mapping-added' as const, storageSystem, mapping })));
    changes.push(...removed.map((mapping) => ({ kind: 'storage-mapping-removed' as const, storageSystem, mapping })));
  }
  return changes;
}

/** A DR move depends on replication state; groups that appear or disappear show as storage configuration, not here. */
function diffRemoteCopy(before: RemoteCopyGroup[], after: RemoteCopyGroup[]): InventoryChange[] {
  const key = (g: RemoteCopyGroup) => `${g.storageSystem}/${g.name}`;
  const old = new Map(before.map((g) => [key(g), g]));
  return after.flatMap((g): InventoryChange[] => {
    const was = old.get(key(g));
    if (!was || (was.state === g.state && was.primary === g.primary)) return [];
    return [
      {
        kind: 'remote-copy-state-changed',
        storageSystem: g.storageSystem,
        group: g.name,
        from: remoteCopyStatus(was),
        to: remoteCopyStatus(g),
      },
    ];
  });
}

function remoteCopyStatus(group: RemoteCopyGroup): RemoteCopyStatus {
  return group.primary === undefined ? { state: group.state } : { state: group.state, primary: group.primary };
}

function hostCapacity(host: ManagedSystem): HostCapacity {
  return { processorUnits: host.processorUnits, memoryMb: host.memoryMb };
}

function lparSize(lpar: Lpar): LparSize {
  return { processorUnits: lpar.processorUnits, memoryMb: lpar.memoryMb, virtualProcessors: lpar.virtualProcessors };
}

function lparMappings(lpar: Lpar): LparMapping[] {
  return [
    ...lpar.vscsiMappings.map((m) => ({ type: 'vscsi' as const, ...m })),
    ...lpar.npivMappings.map((m) => ({ type: 'npiv' as const, ...m, wwpns: [...m.wwpns].sort() })),
  ];
}

function setDifference<T>(before: T[], after: T[], key: (item: T) => string): { added: T[]; removed: T[] } {
  const beforeKeys = new Set(before.map(key));
  const afterKeys = new Set(after.map(key));
  return {
    added: after.filter((item) => !beforeKeys.has(key(item))),
    removed: before.filter((item) => !afterKeys.has(key(item))),
  };
}

function byName<T extends { name: string }>(items: T[]): Map<string, T> {
  return new Map(items.map((item) => [item.name, item]));
}

function sameValue(a: unknown, b: unknown): boolean {
  return stableKey(a) === stableKey(b);
}

/** JSON with object keys sorted, so equal values give equal keys whatever order their fields were built in. */
function stableKey(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

function changeSubject(change: InventoryChange): string {
  if ('lpar' in change) return change.lpar;
  if ('storageSystem' in change) return change.storageSystem;
  return change.host;
}

function compareChanges(a: InventoryChange, b: InventoryChange): number {
  const area = (c: InventoryChange) => ['host', 'lpar', 'storage', 'remote'].indexOf(c.kind.split('-')[0]!);
  return (
    area(a) - area(b) ||
    compareText(changeSubject(a), changeSubject(b)) ||
    KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) ||
    compareText(stableKey(a), stableKey(b))
  );
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

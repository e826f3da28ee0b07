// What the devserver persists, and when: one `commit` per accepted change, synchronously, before the RPC that caused
// it is answered. History is append-only (one row per event); each run's mutable state is one small JSON row.
import type { HistoryEvent, RunState } from '../engine/model.js';
import type { ScheduleStore } from '../schedules/types.js';

export interface NamespaceRecord {
  name: string;
  id: string;
  description: string;
  retentionDays: number;
  registeredAt: number;
  /** As registered; absent for a namespace registered before they were kept. */
  ownerEmail?: string;
  data?: Record<string, string>;
}

export interface ChangeSet {
  runs: Map<string, RunState>;
  events: Array<{ runKey: string; event: HistoryEvent }>;
  namespaces: NamespaceRecord[];
}

export interface LoadedRun {
  state: RunState;
  events: HistoryEvent[];
}

export interface DevserverStore {
  readonly durable: boolean;
  commit(changes: ChangeSet): void;
  loadNamespaces(): NamespaceRecord[];
  loadRuns(): Iterable<LoadedRun>;
  /** Registered custom search attributes (name → IndexedValueType name), as last saved; empty when none. */
  loadSearchAttributes(): Record<string, string>;
  /** Replaces the saved custom search attributes (synchronously, before the RPC that changed them answers). */
  saveSearchAttributes(types: Record<string, string>): void;
  schedules: ScheduleStore;
  close(): void;
}

export class MemoryStore implements DevserverStore {
  readonly durable = false;
  private readonly scheduleRows = new Map<string, { namespace: string; scheduleId: string; json: string }>();
  readonly schedules: ScheduleStore = {
    loadAll: () => [...this.scheduleRows.values()],
    save: (record) => void this.scheduleRows.set(`${record.namespace}/${record.scheduleId}`, record),
    delete: (namespace, scheduleId) => void this.scheduleRows.delete(`${namespace}/${scheduleId}`),
  };
  commit(): void {}
  loadNamespaces(): NamespaceRecord[] {
    return [];
  }
  loadRuns(): Iterable<LoadedRun> {
    return [];
  }
  private searchAttributeTypes: Record<string, string> = {};
  loadSearchAttributes(): Record<string, string> {
    return { ...this.searchAttributeTypes };
  }
  saveSearchAttributes(types: Record<string, string>): void {
    this.searchAttributeTypes = { ...types };
  }
  close(): void {}
}

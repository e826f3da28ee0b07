// A ScheduleStore that keeps records in memory: for an in-memory devserver and for tests.
import type { ScheduleRecord, ScheduleStore } from './types.js';

export class InMemoryScheduleStore implements ScheduleStore {
  private readonly records = new Map<string, ScheduleRecord>();

  loadAll(): ScheduleRecord[] {
    return [...this.records.values()].map((record) => ({ ...record }));
  }

  save(record: ScheduleRecord): void {
    this.records.set(key(record.namespace, record.scheduleId), { ...record });
  }

  delete(namespace: string, scheduleId: string): void {
    this.records.delete(key(namespace, scheduleId));
  }
}

const key = (namespace: string, scheduleId: string) => `${namespace}\u0000${scheduleId}`;

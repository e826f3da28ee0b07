// The order of restart work: highest priority first (the effective priority, inherited from what waits for an
// LPAR), except that an LPAR never comes before another one of the list it must start after (a priority-guided
// topological order). Within a priority, fewer volumes first, so more LPARs are back sooner; names break ties so the
// order is deterministic. O(n log n) with a heap.
import type { PlannerLpar } from './types.js';

export function orderStream(lpars: PlannerLpar[]): string[] {
  const inList = new Map(lpars.map((l) => [l.name, l]));
  const waiting = new Map<string, number>();
  const dependents = new Map<string, PlannerLpar[]>();
  for (const l of lpars) {
    const deps = [...new Set((l.startAfter ?? []).filter((d) => inList.has(d) && d !== l.name))];
    waiting.set(l.name, deps.length);
    for (const d of deps) dependents.set(d, [...(dependents.get(d) ?? []), l]);
  }
  const ready = new Heap<PlannerLpar>(compare);
  for (const l of lpars) if (waiting.get(l.name) === 0) ready.push(l);
  const order: string[] = [];
  while (ready.size > 0) {
    const next = ready.pop()!;
    order.push(next.name);
    for (const dependent of dependents.get(next.name) ?? []) {
      const left = waiting.get(dependent.name)! - 1;
      waiting.set(dependent.name, left);
      if (left === 0) ready.push(dependent);
    }
  }
  if (order.length < lpars.length) {
    // Only a dependency cycle gets here (the configuration rejects those); keep every LPAR.
    const placed = new Set(order);
    for (const lpar of [...lpars].sort(compare)) if (!placed.has(lpar.name)) order.push(lpar.name);
  }
  return order;
}

function compare(a: PlannerLpar, b: PlannerLpar): number {
  return a.priority - b.priority || a.volumes - b.volumes || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

class Heap<T> {
  private readonly items: T[] = [];
  constructor(private readonly less: (a: T, b: T) => number) {}
  get size(): number {
    return this.items.length;
  }
  push(item: T): void {
    const items = this.items;
    items.push(item);
    for (let i = items.length - 1; i > 0;) {
      const parent = (i - 1) >> 1;
      if (this.less(items[i]!, items[parent]!) >= 0) break;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }
  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last !== undefined) {
      items[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let best = i;
        if (l < items.length && this.less(items[l]!, items[best]!) < 0) best = l;
        if (r < items.length && this.less(items[r]!, items[best]!) < 0) best = r;
        if (best === i) break;
        [items[i], items[best]] = [items[best]!, items[i]!];
        i = best;
      }
    }
    return top;
  }
}

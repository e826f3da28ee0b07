// The order of work inside one destination stream: highest priority first (the effective priority, inherited from
// what waits for an LPAR), except that an LPAR never comes
// before another LPAR of the same stream it must start after (a priority-guided topological order). Within a
// priority, shorter work first, so more LPARs are back sooner; names break ties so the order is deterministic.
import type { PlannerLpar } from './types.js';

export function orderStream(lpars: PlannerLpar[]): string[] {
  const inStream = new Map(lpars.map((l) => [l.name, l]));
  const waitingOn = new Map(lpars.map((l) => [l.name, new Set((l.startAfter ?? []).filter((d) => inStream.has(d)))]));
  const order: string[] = [];
  const ready = lpars.filter((l) => waitingOn.get(l.name)!.size === 0);
  while (ready.length > 0) {
    ready.sort(compare);
    const next = ready.shift()!;
    order.push(next.name);
    for (const lpar of lpars) {
      const deps = waitingOn.get(lpar.name)!;
      if (deps.delete(next.name) && deps.size === 0) ready.push(lpar);
    }
  }
  if (order.length < lpars.length) {
    // Only a dependency cycle inside the stream gets here (the configuration rejects those); keep every LPAR.
    for (const lpar of [...lpars].sort(compare)) if (!order.includes(lpar.name)) order.push(lpar.name);
  }
  return order;
}

function compare(a: PlannerLpar, b: PlannerLpar): number {
  return a.priority - b.priority || a.volumes - b.volumes || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

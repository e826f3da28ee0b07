// Time estimates from the latency model. One LPAR in a stream: VIOS configuration, its volume mappings in batches
// of `parallelMappings` (neither for an NPIV-attached LPAR), activation, boot until Running. Streams run in parallel;
// an LPAR that must start after another waits (after its own preparation) until that one is Running, wherever it
// runs.
import type { LatencyModel, Placement, PlannerLpar, Stream } from './types.js';

export function preparationMs(lpar: Pick<PlannerLpar, 'volumes' | 'npiv'>, latency: LatencyModel): number {
  if (lpar.npiv) return 0;
  return (
    latency.viosConfigMs + Math.ceil(lpar.volumes / Math.max(1, latency.parallelMappings)) * latency.volumeMappingMs
  );
}

export function lparDuration(lpar: Pick<PlannerLpar, 'volumes' | 'npiv'>, latency: LatencyModel): number {
  return preparationMs(lpar, latency) + latency.activateMs + latency.bootMs;
}

/**
 * The lower bound of any plan: all work spread evenly over the streams; no less than the longest LPAR; and no less
 * than the longest start-after chain (each LPAR of a chain boots only once the previous one runs).
 */
export function rtoLowerBound(
  lpars: Array<Pick<PlannerLpar, 'volumes' | 'npiv'> & { name?: string; startAfter?: string[] }>,
  streams: number,
  latency: LatencyModel,
): number {
  if (lpars.length === 0) return 0;
  const durations = lpars.map((l) => lparDuration(l, latency));
  const total = durations.reduce((a, b) => a + b, 0);
  return Math.max(total / Math.max(1, streams), Math.max(...durations), dependencyCriticalPath(lpars, latency));
}

function dependencyCriticalPath(
  lpars: Array<Pick<PlannerLpar, 'volumes' | 'npiv'> & { name?: string; startAfter?: string[] }>,
  latency: LatencyModel,
): number {
  const byName = new Map(lpars.flatMap((l) => (l.name ? [[l.name, l] as const] : [])));
  const running = new Map<string, number>();
  const runningAt = (name: string, trail: Set<string>): number => {
    const known = running.get(name);
    if (known !== undefined) return known;
    const lpar = byName.get(name)!;
    trail.add(name);
    const deps = (lpar.startAfter ?? []).filter((d) => byName.has(d) && !trail.has(d));
    const ready = Math.max(preparationMs(lpar, latency), ...deps.map((d) => runningAt(d, trail)));
    trail.delete(name);
    const at = ready + latency.activateMs + latency.bootMs;
    running.set(name, at);
    return at;
  };
  return Math.max(0, ...[...byName.keys()].map((n) => runningAt(n, new Set())));
}

export function estimateStreams(
  streams: Array<{ host: string; order: string[] }>,
  placements: Placement[],
  lpars: Map<string, PlannerLpar>,
  latency: LatencyModel,
): { streams: Stream[]; waves: string[][]; rtoMs: number } {
  const placed = new Set(placements.map((p) => p.lpar));
  const runningAt = new Map<string, number>();
  const cursor = streams.map(() => ({ index: 0, clock: 0 }));
  let remaining = streams.reduce((n, s) => n + s.order.length, 0);
  while (remaining > 0) {
    let progressed = false;
    streams.forEach((stream, i) => {
      const c = cursor[i]!;
      while (c.index < stream.order.length) {
        const lpar = lpars.get(stream.order[c.index]!)!;
        const deps = (lpar.startAfter ?? []).filter((d) => placed.has(d));
        if (deps.some((d) => !runningAt.has(d))) break;
        const prepared = c.clock + preparationMs(lpar, latency);
        const activation = Math.max(prepared, ...deps.map((d) => runningAt.get(d)!));
        c.clock = activation + latency.activateMs + latency.bootMs;
        runningAt.set(lpar.name, c.clock);
        c.index++;
        remaining--;
        progressed = true;
      }
    });
    if (!progressed) break; // a cross-stream cycle: cannot happen with validated dependencies
  }
  return {
    streams: streams.map((s, i) => ({ host: s.host, order: s.order, estimatedMs: cursor[i]!.clock })),
    waves: startWaves(placements, lpars),
    rtoMs: Math.max(0, ...cursor.map((c) => c.clock)),
  };
}

/** Wave 0: no dependency among the restarted LPARs; wave n: depends on something in wave n-1. */
function startWaves(placements: Placement[], lpars: Map<string, PlannerLpar>): string[][] {
  const placed = new Set(placements.map((p) => p.lpar));
  const wave = new Map<string, number>();
  const waveOf = (name: string, trail: Set<string>): number => {
    const known = wave.get(name);
    if (known !== undefined) return known;
    if (trail.has(name)) return 0;
    trail.add(name);
    const deps = (lpars.get(name)?.startAfter ?? []).filter((d) => placed.has(d));
    const w = deps.length === 0 ? 0 : 1 + Math.max(...deps.map((d) => waveOf(d, trail)));
    wave.set(name, w);
    return w;
  };
  const waves: string[][] = [];
  for (const p of [...placements].sort((a, b) => (a.lpar < b.lpar ? -1 : 1))) {
    const w = waveOf(p.lpar, new Set());
    (waves[w] ??= []).push(p.lpar);
  }
  return waves.filter(Boolean);
}

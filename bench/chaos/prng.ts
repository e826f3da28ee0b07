// A tiny seeded pseudo-random generator for the chaos campaign: the same seed gives the same schedule on every
// machine, so a failing seed can be replayed. Mulberry32 (public domain, Tommy Ettinger): 32-bit state, period 2^32,
// plenty for picking a few dozen events; not for cryptography.

/** Draws from one seeded sequence. Every method advances it, so call order is part of the schedule. */
export class Prng {
  private state: number;

  /** `seed`: any integer (taken modulo 2^32). */
  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability `p` (0..1). */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element of a non-empty list. Throws on an empty one: a schedule must not pick from nothing. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('Prng.pick: empty list');
    return items[this.int(0, items.length - 1)]!;
  }
}

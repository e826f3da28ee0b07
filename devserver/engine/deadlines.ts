// One timer for the whole server: a min-heap of deadlines and a single setTimeout armed for the earliest.
// Entries are never removed early; each callback re-checks that what it guards still holds (lazy cancellation),
// which keeps arming O(log n) and frees callers from tracking handles.

interface Entry {
  at: number;
  seq: number;
  fire: () => void;
}

export class Deadlines {
  private readonly heap: Entry[] = [];
  private seq = 0;
  private timer: NodeJS.Timeout | undefined;
  private armedAt = Infinity;
  private stopped = false;

  constructor(private readonly onError: (err: unknown) => void) {}

  at(when: number, fire: () => void): void {
    if (this.stopped) return;
    this.push({ at: when, seq: this.seq++, fire });
    if (when < this.armedAt) this.arm();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.heap.length = 0;
  }

  get size(): number {
    return this.heap.length;
  }

  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    const first = this.heap[0];
    if (!first) {
      this.timer = undefined;
      this.armedAt = Infinity;
      return;
    }
    this.armedAt = first.at;
    const delay = Math.max(0, Math.min(first.at - Date.now(), 2 ** 31 - 1));
    this.timer = setTimeout(() => this.run(), delay);
  }

  private run(): void {
    this.timer = undefined;
    this.armedAt = Infinity;
    const now = Date.now();
    while (this.heap.length > 0 && this.heap[0]!.at <= now) {
      const entry = this.pop();
      try {
        entry.fire();
      } catch (err) {
        this.onError(err);
      }
    }
    if (!this.stopped) this.arm();
  }

  private less(a: Entry, b: Entry): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(entry: Entry): void {
    const heap = this.heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  private pop(): Entry {
    const heap = this.heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let smallest = i;
        if (l < heap.length && this.less(heap[l]!, heap[smallest]!)) smallest = l;
        if (r < heap.length && this.less(heap[r]!, heap[smallest]!)) smallest = r;
        if (smallest === i) break;
        [heap[i], heap[smallest]] = [heap[smallest]!, heap[i]!];
        i = smallest;
      }
    }
    return top;
  }
}

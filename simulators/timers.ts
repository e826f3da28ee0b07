/** Owns every timer the simulator arms, so stop() and reset leave nothing behind. */
export class TimerSet {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly sleepers = new Set<() => void>();

  after(ms: number, action: () => void): void {
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        action();
      },
      Math.max(0, ms),
    );
    this.timers.add(timer);
  }

  /** Resolves after ms, or at once when the set is cleared (a stopping fleet must not hang its commands). */
  sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        this.sleepers.delete(wake);
        resolve();
      };
      this.sleepers.add(wake);
      this.after(ms, wake);
    });
  }

  clear(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const wake of [...this.sleepers]) wake();
  }
}

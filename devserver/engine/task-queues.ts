// Matching: tasks wait in per-queue FIFOs and long polls wait for tasks. A task is only a reference; whoever takes
// it re-validates it against the execution (stale references are dropped), so queues never need cleaning.

export type QueueTask =
  | { kind: 'workflow'; runKey: string; scheduledEventId: number; attempt: number }
  | { kind: 'query'; runKey: string; queryId: string }
  | { kind: 'activity'; runKey: string; scheduledEventId: number; attempt: number };

export interface PollAbort {
  /** True once the caller went away (gRPC call cancelled or its deadline passed). */
  readonly cancelled: boolean;
  onCancel(listener: () => void): void;
}

interface Waiter {
  resolve(task: QueueTask | undefined): void;
  abort: PollAbort;
}

class TaskQueue {
  readonly tasks: QueueTask[] = [];
  head = 0;
  readonly waiters: Waiter[] = [];
  lastPollAt = 0;
  /** Poller identity → when it last polled (ms since epoch), for DescribeTaskQueue. */
  readonly pollers = new Map<string, number>();
  /** Dispatch rate limit set by the pollers (tasks per second), and its token bucket; none by default. */
  ratePerSecond?: number;
  tokens = 0;
  tokensAt = 0;

  offer(task: QueueTask): void {
    while (this.waiters.length > 0) {
      const waiter = this.waiters.shift()!;
      if (waiter.abort.cancelled) continue;
      waiter.resolve(task);
      return;
    }
    this.tasks.push(task);
  }

  take(): QueueTask | undefined {
    if (this.head >= this.tasks.length) return undefined;
    const task = this.tasks[this.head++];
    if (this.head > 1024 && this.head * 2 > this.tasks.length) {
      this.tasks.splice(0, this.head);
      this.head = 0;
    }
    return task;
  }

  get backlog(): number {
    return this.tasks.length - this.head;
  }
}

export class TaskQueues {
  private readonly queues = new Map<string, TaskQueue>();

  constructor(private readonly pollTimeoutMs: number) {}

  static key(namespace: string, kind: 'workflow' | 'activity', name: string): string {
    return `${namespace}\u0000${kind}\u0000${name}`;
  }

  offer(key: string, task: QueueTask): void {
    this.queue(key).offer(task);
  }

  /** The next task on the queue, waiting up to the long-poll timeout; undefined when the poll times out or is cancelled. */
  poll(key: string, abort: PollAbort): Promise<QueueTask | undefined> {
    const queue = this.queue(key);
    queue.lastPollAt = Date.now();
    const ready = queue.take();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve) => {
      let done = false;
      const finish = (task: QueueTask | undefined) => {
        if (done) {
          if (task) queue.offer(task); // raced with a timeout or cancel: give it back
          return;
        }
        done = true;
        clearTimeout(timer);
        resolve(task);
      };
      const waiter: Waiter = { resolve: finish, abort };
      const remove = () => {
        const i = queue.waiters.indexOf(waiter);
        if (i >= 0) queue.waiters.splice(i, 1);
        finish(undefined);
      };
      const timer = setTimeout(remove, this.pollTimeoutMs);
      abort.onCancel(remove);
      queue.waiters.push(waiter);
    });
  }

  /** Hands a task taken by a poll that then went away back to the front of its queue. */
  giveBack(key: string, task: QueueTask): void {
    const queue = this.queue(key);
    if (queue.waiters.some((w) => !w.abort.cancelled)) return queue.offer(task);
    if (queue.head > 0) queue.tasks[--queue.head] = task;
    else queue.tasks.unshift(task);
  }

  /**
   * The queue's dispatch rate limit, as a poller asks for it (task_queue_metadata.max_tasks_per_second; the last
   * poller's value wins, as in the real server's matching service). The bucket holds at most one second of tasks.
   */
  setRateLimit(key: string, perSecond: number): void {
    const queue = this.queue(key);
    if (queue.ratePerSecond === perSecond) return;
    queue.ratePerSecond = perSecond;
    queue.tokens = Math.max(1, perSecond);
    queue.tokensAt = Date.now();
  }

  /** The queue's dispatch rate limit (tasks per second), if a poller set one. */
  rateLimit(key: string): number | undefined {
    return this.queues.get(key)?.ratePerSecond;
  }

  /**
   * Reserves the dispatch of one task under the queue's rate limit: how long (ms) to wait before handing it out; 0
   * without a limit or with a token left. Reservations queue up, so each waiting task gets its own later slot.
   */
  reserveDispatch(key: string): number {
    const queue = this.queues.get(key);
    const rate = queue?.ratePerSecond;
    if (!queue || !rate) return 0;
    const now = Date.now();
    const burst = Math.max(1, rate);
    queue.tokens = Math.min(burst, queue.tokens + ((now - queue.tokensAt) / 1000) * rate);
    queue.tokensAt = now;
    queue.tokens -= 1;
    return queue.tokens >= 0 ? 0 : Math.ceil((-queue.tokens / rate) * 1000);
  }

  /** Notes that `identity` polled the queue now (DescribeTaskQueue lists recent pollers). */
  notePoller(key: string, identity: string): void {
    this.queue(key).pollers.set(identity, Date.now());
  }

  /** Pollers seen within `withinMs`, most recent first: identity and last poll time (ms since epoch). */
  recentPollers(key: string, withinMs: number): Array<{ identity: string; lastAccessAt: number }> {
    const pollers = this.queues.get(key)?.pollers;
    if (!pollers) return [];
    const since = Date.now() - withinMs;
    return [...pollers]
      .filter(([, at]) => at >= since)
      .sort((a, b) => b[1] - a[1])
      .map(([identity, lastAccessAt]) => ({ identity, lastAccessAt }));
  }

  lastPollAt(key: string): number {
    return this.queues.get(key)?.lastPollAt ?? 0;
  }

  backlog(key: string): number {
    return this.queues.get(key)?.backlog ?? 0;
  }

  /** Ends every waiting poll with an empty answer (server shutdown). */
  releaseAll(): void {
    for (const queue of this.queues.values()) {
      for (const waiter of queue.waiters.splice(0)) waiter.resolve(undefined);
    }
  }

  private queue(key: string): TaskQueue {
    let queue = this.queues.get(key);
    if (!queue) {
      queue = new TaskQueue();
      this.queues.set(key, queue);
    }
    return queue;
  }
}

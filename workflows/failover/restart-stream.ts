// One destination stream (CMS paper §5.2): the LPARs planned onto one surviving host, restarted one after the other
// in plan order (priority first). For each: its volumes mapped to the destination, a few at a time (§5.3) or all at
// once when the storage system's queue shares its budget; the destination's VIOS rescanned; the LPAR remote-restarted
// there; then wait until it is Running. An LPAR that still fails after its retries has its volumes released here and
// is reported back, so the parent can re-plan it elsewhere; the stream moves on. A cancel starts nothing new.
import { ActivityFailure, ApplicationFailure, CancellationScope, getExternalWorkflowHandle, isCancellation, proxyActivities } from '@temporalio/workflow';
import type { FailoverActivities } from '../../activities/failover/activities.js';
import { lparProgressSignal, type LparProgress, type LparStep, type PlannedLpar } from './messages.js';

export interface RestartStreamInput {
  parentWorkflowId: string;
  group: string;
  source: string;
  destination: string;
  lpars: PlannedLpar[];
  parallelMappings: number;
  /** Task queues of the devices, so their workers bound concurrency across every failover. */
  hmcQueue: string;
  storageQueue: string;
  startedAt: number;
  pollMs?: number;
  activityTimeoutMs?: number;
  heartbeatTimeoutMs?: number;
}

export interface StreamResult {
  destination: string;
  lpars: LparProgress[];
}

/** States in which an LPAR may be using its disks on the destination. */
const ACTIVE_STATES = new Set(['Running', 'Starting', 'Open Firmware', 'Migrating - Running', 'Shutting Down']);

const retry = { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 3 };

export async function restartStream(input: RestartStreamInput): Promise<StreamResult> {
  // Device activities heartbeat while they wait on the device, so a crashed worker costs one heartbeat timeout.
  const timeouts = { startToCloseTimeout: input.activityTimeoutMs ?? 600_000, heartbeatTimeout: input.heartbeatTimeoutMs ?? 30_000, retry };
  const hmc = proxyActivities<FailoverActivities>({ taskQueue: input.hmcQueue, ...timeouts });
  const storage = proxyActivities<FailoverActivities>({ taskQueue: input.storageQueue, ...timeouts });
  // Waiting for a boot only lists partitions, which the HMC's concurrent-operation limit does not count: it runs on
  // this workflow's own queue, so a long boot never holds one of the device queue's slots.
  const watch = proxyActivities<FailoverActivities>(timeouts);
  const parent = getExternalWorkflowHandle(input.parentWorkflowId);
  const results: LparProgress[] = [];
  let cancelled = false;
  const signals: Array<Promise<void>> = [];

  for (const planned of input.lpars) {
    const progress: LparProgress = { lpar: planned.name, destination: input.destination, step: 'pending', attempts: 1, timings: {} };
    // Progress goes to the parent without waiting for it (a signal costs round trips the restart need not wait for),
    // and even while this stream is being cancelled, so the parent's report knows every LPAR's state.
    const reach = (step: LparStep, error?: string): void => {
      progress.step = step;
      progress.timings[step] = Date.now() - input.startedAt;
      if (error) progress.error = error;
      signals.push(CancellationScope.nonCancellable(() => parent.signal(lparProgressSignal, { ...progress, timings: { ...progress.timings } })));
    };
    if (cancelled) {
      reach('cancelled', 'not started: the failover was cancelled');
      results.push(progress);
      continue;
    }
    try {
      reach('mapping');
      await inBatches(planned.volumes, input.parallelMappings, (volume) => storage.mapVolume({ group: input.group, volume, destination: input.destination }));
      reach('vios');
      await hmc.configureVios({ group: input.group, destination: input.destination });
      reach('activating');
      await hmc.restartLpar({ group: input.group, source: input.source, destination: input.destination, lpar: planned.name });
      reach('waiting-running');
      await watch.waitLparRunning({ group: input.group, destination: input.destination, lpar: planned.name, pollMs: input.pollMs });
      reach('running');
    } catch (err) {
      if (isCancellation(err)) {
        cancelled = true;
        reach('cancelled', `cancelled during ${progress.step}; on ${input.destination} it is now ${await stateOn(planned.name)}`);
      } else {
        await settleFailure(planned, describe(err), progress, reach);
      }
    }
    results.push(progress);
  }
  // Progress signals are only progress: the result below is authoritative, so a failed one is not fatal.
  await Promise.allSettled(signals);
  return { destination: input.destination, lpars: results };

  /** The LPAR's state on the destination as the HMC reports it now, asked even while the stream is cancelled. */
  function stateOn(lpar: string): Promise<string> {
    return CancellationScope.nonCancellable(() =>
      watch.lparState({ group: input.group, host: input.destination, lpar }).catch((err: unknown) => `unknown (${describe(err)})`),
    );
  }

  /**
   * An LPAR whose steps failed after their retries. If the HMC shows it active on the destination after all (e.g. a
   * restart that answered with an error but happened), it must not be restarted anywhere else: it would run twice.
   * Otherwise the volumes mapped here are released and the parent re-plans it onto another host.
   */
  async function settleFailure(planned: PlannedLpar, why: string, progress: LparProgress, reach: (step: LparStep, error?: string) => void): Promise<void> {
    const state = await stateOn(planned.name);
    if (state === 'Running') return reach('running');
    if (ACTIVE_STATES.has(state) || state.startsWith('unknown')) {
      progress.replannable = false;
      return reach('failed', `${why}; it is ${state} on ${input.destination}, so it is not restarted elsewhere (it could run twice): check it`);
    }
    try {
      // Every volume of the LPAR, not only those known mapped: unmapping is idempotent and a lost answer is possible.
      for (const volume of planned.volumes) await storage.unmapVolume({ group: input.group, volume, host: input.destination });
      return reach('failed', `${why}; its volume mappings on ${input.destination} were removed`);
    } catch (err) {
      progress.replannable = false;
      return reach('failed', `${why}; removing its volume mappings on ${input.destination} failed (${describe(err)}), so it is not restarted elsewhere: check them`);
    }
  }
}

/**
 * Runs `work` over `items`, at most `limit` at a time. After a failure no new item starts, and it waits for those in
 * flight before rethrowing: nothing keeps mapping volumes to a host the stream has given up on.
 */
async function inBatches<T>(items: T[], limit: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async () => {
    while (next < items.length && !failure) {
      const item = items[next++]!;
      await work(item).catch((error: unknown) => void (failure ??= { error }));
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, lane));
  if (failure) throw failure.error;
}

function describe(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure) return `${err.cause.type ?? 'error'}: ${err.cause.message}`;
  if (err instanceof Error) return err.cause instanceof Error ? err.cause.message : err.message;
  return String(err);
}

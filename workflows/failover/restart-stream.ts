// One destination stream (CMS paper §5.2): the LPARs planned onto one surviving host, restarted one after the other
// in plan order (priority first). For each: its volumes mapped to the destination, a few at a time (§5.3); the
// destination's VIOS rescanned; the LPAR remote-restarted there; then wait until it is Running. An LPAR that still
// fails after its retries is reported back, so the parent can re-plan it elsewhere; the stream moves on.
import { ActivityFailure, ApplicationFailure, getExternalWorkflowHandle, isCancellation, proxyActivities } from '@temporalio/workflow';
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
}

export interface StreamResult {
  destination: string;
  lpars: LparProgress[];
}

const retry = { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 3 };

export async function restartStream(input: RestartStreamInput): Promise<StreamResult> {
  const hmc = proxyActivities<FailoverActivities>({ taskQueue: input.hmcQueue, startToCloseTimeout: '10m', heartbeatTimeout: '2m', retry });
  const storage = proxyActivities<FailoverActivities>({ taskQueue: input.storageQueue, startToCloseTimeout: '5m', retry });
  const parent = getExternalWorkflowHandle(input.parentWorkflowId);
  const results: LparProgress[] = [];

  for (const planned of input.lpars) {
    const progress: LparProgress = { lpar: planned.name, destination: input.destination, step: 'pending', attempts: 1, timings: {} };
    const reach = async (step: LparStep, error?: string) => {
      progress.step = step;
      progress.timings[step] = Date.now() - input.startedAt;
      if (error) progress.error = error;
      await parent.signal(lparProgressSignal, { ...progress, timings: { ...progress.timings } });
    };
    try {
      await reach('mapping');
      await inBatches(planned.volumes, input.parallelMappings, (volume) => storage.mapVolume({ group: input.group, volume, destination: input.destination }));
      await reach('vios');
      await hmc.configureVios({ group: input.group, destination: input.destination });
      await reach('activating');
      await hmc.restartLpar({ group: input.group, source: input.source, destination: input.destination, lpar: planned.name });
      await reach('waiting-running');
      await hmc.waitLparRunning({ group: input.group, destination: input.destination, lpar: planned.name, pollMs: input.pollMs });
      await reach('running');
    } catch (err) {
      if (isCancellation(err)) throw err;
      await reach('failed', describe(err));
    }
    results.push(progress);
  }
  return { destination: input.destination, lpars: results };
}

/** Runs `work` over `items`, at most `limit` at a time. */
async function inBatches<T>(items: T[], limit: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(Math.max(1, limit), items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await work(item);
    }
  });
  await Promise.all(lanes);
}

function describe(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure) return `${err.cause.type ?? 'error'}: ${err.cause.message}`;
  if (err instanceof Error) return err.cause instanceof Error ? err.cause.message : err.message;
  return String(err);
}

// One destination stream (CMS paper §5.2): the LPARs planned onto one surviving host, restarted one after the other
// in plan order (priority first). For each: its volumes mapped to the destination, a few at a time (§5.3) or all at
// once when the storage system's queue shares its budget; the destination's VIOS rescanned; the LPAR remote-restarted
// there; then wait until it is Running. Every step has a deadline, so a hung LPAR holds the ones behind it no longer
// than that. An LPAR whose step failed is settled by what the HMC shows on the destination: running after all;
// proven not active (its volumes there are released and the parent may re-plan it elsewhere); or anything that may be
// running, which blocks it for an operator. A cancel starts nothing new.
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  getExternalWorkflowHandle,
  isCancellation,
  proxyActivities,
} from '@temporalio/workflow';
import type {
  ControlActivities,
  HmcActivities,
  ResizeActivities,
  StorageActivities,
} from '../../activities/failover/index.js';
import {
  partitionEvidence,
  type FailoverPolicy,
  type LparProgress,
  type LparStep,
  type PlannedLpar,
} from '../../domain/failover/index.js';
import { controlOptions, deviceQueue, stepOptions } from '../shared/activity-options.js';
import { boundedParallel } from '../shared/bounded-parallel.js';
import { lparProgressSignal } from './messages.js';

export interface RestartStreamInput {
  parentWorkflowId: string;
  group: string;
  source: string;
  destination: string;
  round: number;
  lpars: PlannedLpar[];
  policy: Pick<FailoverPolicy, 'devices' | 'concurrency' | 'timing'>;
  /** The failover's start (epoch ms), so step timings read as offsets from it. */
  startedAt: number;
  /** The failed host, when the fence removed its storage host object's ports: its mappings left there do not count. */
  fencedHost?: string;
}

export interface StreamResult {
  destination: string;
  lpars: LparProgress[];
}

export async function restartStream(input: RestartStreamInput): Promise<StreamResult> {
  const steps = stepActivities(input);
  const parent = getExternalWorkflowHandle(input.parentWorkflowId);
  const signals: Array<Promise<void>> = [];
  const results: LparProgress[] = [];
  let cancelled = false;
  CancellationScope.current().cancelRequested.catch(() => (cancelled = true));

  for (const planned of input.lpars) {
    const progress: LparProgress = {
      lpar: planned.name,
      destination: input.destination,
      step: 'pending',
      attempts: input.round,
      timings: {},
      priority: planned.priority,
    };
    // Progress goes to the parent without waiting for it, even while this stream is being cancelled, so the parent's
    // report knows every LPAR's state; the result below stays authoritative.
    const reach = (step: LparStep, error?: string): void => {
      progress.step = step;
      progress.timings[step] = Date.now() - input.startedAt;
      if (error) progress.error = error;
      const copy = { ...progress, timings: { ...progress.timings } };
      signals.push(CancellationScope.nonCancellable(() => parent.signal(lparProgressSignal, copy)));
    };
    if (cancelled) reach('cancelled', 'not started: the failover was cancelled');
    else await restartOne(planned, progress, reach);
    results.push(progress);
  }
  await Promise.allSettled(signals);
  return { destination: input.destination, lpars: results };

  async function restartOne(
    planned: PlannedLpar,
    progress: LparProgress,
    reach: (step: LparStep, error?: string) => void,
  ) {
    try {
      reach('mapping');
      // NPIV: the volumes are mapped to the LPAR's own WWPNs, which move with it; nothing to map.
      const toMap = planned.attachment === 'npiv' ? [] : planned.volumes;
      await boundedParallel(toMap, mappingLanes(input), (volume) =>
        steps.storage.mapVolume({
          group: input.group,
          volume,
          destination: input.destination,
          fencedHost: input.fencedHost,
        }),
      );
      reach('vios');
      // NPIV: the remote restart itself gives the client its virtual FC adapter on the destination's VIOS; the VIOS
      // has no disk of it to discover (cfgdev is for vSCSI backing devices).
      if (planned.attachment !== 'npiv')
        await steps.vios.configureVios({ group: input.group, destination: input.destination });
      reach('activating');
      // Reduced-size restart: its profile is set to the planned size first (the full size recorded), as remote
      // restart starts it from its definition (activities/hmc/partition-size.ts says why not after).
      if (planned.reducedSize) {
        const { procUnits, memoryMb } = planned.reducedSize;
        await steps.resize.resizeForRestart({
          group: input.group,
          source: input.source,
          destination: input.destination,
          lpar: planned.name,
          size: { procUnits, memoryMb },
          workflowId: input.parentWorkflowId,
        });
        progress.reducedSize = planned.reducedSize;
      } else if (planned.fullSize) {
        // Reduced by an earlier failover, placed at full size now: its profile goes back to full first.
        await steps.resize.fullSizeForRestart({ group: input.group, source: input.source, lpar: planned.name });
      }
      await steps.restart.restartLpar({
        group: input.group,
        source: input.source,
        destination: input.destination,
        lpar: planned.name,
      });
      reach('waiting-running');
      const { pollMs, steps: deadlines } = input.policy.timing;
      await steps.boot.waitLparRunning({
        group: input.group,
        destination: input.destination,
        lpar: planned.name,
        pollMs,
        timeoutMs: deadlines.bootMs,
      });
      reach('running');
    } catch (err) {
      if (!isCancellation(err)) return settleFailure(planned, describe(err), progress, reach);
      cancelled = true;
      reach(
        'cancelled',
        `cancelled during ${progress.step}; on ${input.destination} it is now ${await stateOnDestination(planned.name)}`,
      );
    }
  }

  /** The LPAR's state on the destination as the HMC reports it now, asked even while the stream is cancelled. */
  function stateOnDestination(lpar: string): Promise<string> {
    return CancellationScope.nonCancellable(() =>
      steps.read
        .lparState({ group: input.group, host: input.destination, lpar })
        .catch((err: unknown) => `unknown (${describe(err)})`),
    );
  }

  /**
   * A step failed after its retries or its deadline. What the HMC shows on the destination decides: Running after all
   * (a restart that answered with an error but happened); proven not active (its volumes there are released, and the
   * parent may re-plan it onto another host); or a state that may be running or cannot be read: blocked, since a
   * restart elsewhere could run it twice and releasing its volumes could cut the disks under it.
   */
  async function settleFailure(
    planned: PlannedLpar,
    why: string,
    progress: LparProgress,
    reach: (step: LparStep, error?: string) => void,
  ) {
    const state = await stateOnDestination(planned.name);
    const seen = partitionEvidence(state.startsWith('unknown') ? 'unknown' : state);
    if (seen === 'running') return reach('running');
    if (seen === 'may-be-running') {
      progress.replannable = false;
      return reach(
        'blocked',
        `${why}; it is ${state} on ${input.destination}, so it is neither restarted elsewhere nor are its disks released: check it`,
      );
    }
    try {
      // Every volume of the LPAR, not only those known mapped: unmapping is idempotent and a lost answer is possible.
      // A cancel arriving meanwhile lets the release finish: it is cleanup, and the next LPAR is not started anyway.
      await CancellationScope.nonCancellable(() =>
        boundedParallel(planned.volumes, mappingLanes(input), (volume) =>
          steps.storage.unmapVolume({ group: input.group, volume, host: input.destination }),
        ),
      );
      return reach(
        'failed',
        `${why}; it is ${state} on ${input.destination} and its volume mappings there were removed`,
      );
    } catch (err) {
      progress.replannable = false;
      return reach(
        'failed',
        `${why}; removing its volume mappings on ${input.destination} failed (${describe(err)}), so it is not restarted elsewhere: check them`,
      );
    }
  }
}

/** One proxy per step, each with its deadline and on its device's queue (the compiler checks the routing). */
function stepActivities(input: RestartStreamInput) {
  const { devices, timing } = input.policy;
  const beat = timing.heartbeatMs;
  return {
    storage: proxyActivities<StorageActivities>(
      stepOptions(timing.steps.mappingMs, beat, deviceQueue(devices.storage)),
    ),
    vios: proxyActivities<HmcActivities>(stepOptions(timing.steps.mappingMs, beat, deviceQueue(devices.hmc))),
    restart: proxyActivities<HmcActivities>(stepOptions(timing.steps.remoteRestartMs, beat, deviceQueue(devices.hmc))),
    resize: proxyActivities<ResizeActivities>(
      stepOptions(timing.steps.remoteRestartMs, beat, deviceQueue(devices.hmc)),
    ),
    // Waiting for a boot only lists partitions, which the HMC's operation limit does not count: it runs on the main
    // queue, so a long boot never holds one of the device queue's slots.
    boot: proxyActivities<ControlActivities>({
      ...stepOptions(timing.steps.bootMs + 30_000, beat),
      retry: { maximumAttempts: 2 },
    }),
    read: proxyActivities<ControlActivities>(controlOptions(beat)),
  };
}

/** Mappings in flight for one LPAR: all of them (the storage queue shares its budget) or the paper's fixed K. */
function mappingLanes(input: RestartStreamInput): number {
  const { mapAllAtOnce, mappingsPerStream, storageOperations } = input.policy.concurrency;
  return mapAllAtOnce ? Math.max(mappingsPerStream, storageOperations) : mappingsPerStream;
}

function describe(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure)
    return `${err.cause.type ?? 'error'}: ${err.cause.message}`;
  if (err instanceof ActivityFailure && err.cause) return `${err.cause.name}: ${err.cause.message}`;
  if (err instanceof Error) return err.cause instanceof Error ? err.cause.message : err.message;
  return String(err);
}

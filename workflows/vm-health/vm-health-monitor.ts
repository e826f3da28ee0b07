// The health monitor of one host group (`vm-health/<group>`): every `agents.checkInterval` it asks the store how
// long each VM has been silent and how its applications fare (heartbeats are stored by the API, never signalled
// here), and for each VM past its policy starts `vm-restart/<group>/<vm>` (one at a time per VM; the restart decides
// whether its host is up and whether the hourly limit allows it) or, with `action: alert`, only notifies. It never
// changes a device itself. When every agent falls silent at once, or the monitor itself was away, the outage guard
// (domain/vm-health/outage-guard.ts) holds restarts back. Continue-as-new every CHECKS_PER_RUN checks keeps its history
// bounded.
import {
  ParentClosePolicy,
  continueAsNew,
  proxyActivities,
  sleep,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { ControlActivities } from '../../activities/failover/index.js';
import type { VmHealthControlActivities } from '../../activities/vm-health/activities.js';
import {
  afterCheck,
  beforeCheck,
  heardFrom,
  vmRestartWorkflowId,
  type HealthCandidate,
  type HeartbeatStreamState,
} from '../../domain/vm-health/index.js';
import { controlOptions } from '../shared/activity-options.js';
import { vmRestart } from './vm-restart.js';

const { vmHealthCheck } = proxyActivities<VmHealthControlActivities>(controlOptions(30_000));
const { notify } = proxyActivities<ControlActivities>(controlOptions(30_000));

/** Checks per run before continue-as-new: each check adds about a dozen events, so a run stays near 2,000. */
export const CHECKS_PER_RUN = 150;
/**
 * An episode (one silence, one run of application failures) already acted on is acted on again only after this long:
 * a restart that failed is tried again (within the hourly limit), a limit or an alert is repeated, not spammed.
 */
export const EPISODE_RECHECK_MS = 5 * 60_000;

export interface VmHealthMonitorInput {
  group: string;
  /** Carried over continue-as-new: the episode each VM was last acted on, and when (epoch ms). */
  handled?: Record<string, { episode: string; at: number }>;
  /** Carried over continue-as-new: the outage guard's state (domain/vm-health/outage-guard.ts). */
  stream?: HeartbeatStreamState;
  /** Carried over continue-as-new: the check interval last read (ms), so a gap in the checks can be told. */
  checkIntervalMs?: number;
  /** Carried over continue-as-new: `agents.resumeGrace` as last read (ms). */
  resumeGraceMs?: number;
  /** Checks per run before continue-as-new (default CHECKS_PER_RUN; tests use a few). */
  checksPerRun?: number;
}

export async function vmHealthMonitor(input: VmHealthMonitorInput): Promise<never> {
  const handled = { ...(input.handled ?? {}) };
  // A monitor that starts afresh does not know how long the agents could not report: it resumes.
  let stream: HeartbeatStreamState = input.stream ?? { resumedAt: Date.now() };
  let checkIntervalMs = input.checkIntervalMs ?? 15_000;
  let resumeGraceMs = input.resumeGraceMs ?? 300_000;
  for (let check = 0; ; check++) {
    stream = beforeCheck(stream, checkIntervalMs, Date.now());
    const health = await vmHealthCheck({ group: input.group, heardFrom: heardFrom(stream, resumeGraceMs) });
    resumeGraceMs = health.resumeGraceMs;
    checkIntervalMs = health.checkIntervalMs;
    const guard = afterCheck(stream, health, Date.now());
    stream = guard.state;
    if (guard.began) await alertBlackout(input.group, health);
    const unhealthy = new Set(guard.blackout ? [] : health.candidates.map((c) => c.vm));
    // A VM that reported again (or whose application recovered) starts afresh: its next episode is a new one.
    for (const vm of Object.keys(handled)) if (!unhealthy.has(vm)) delete handled[vm];
    for (const candidate of guard.blackout ? [] : health.candidates) {
      const before = handled[candidate.vm];
      if (before?.episode === candidate.episode && Date.now() - before.at < EPISODE_RECHECK_MS) continue;
      handled[candidate.vm] = { episode: candidate.episode, at: Date.now() };
      if (candidate.policy.action === 'alert') await alertOnly(input.group, candidate);
      else await startRestart(input.group, candidate, health);
    }
    if (check + 1 >= (input.checksPerRun ?? CHECKS_PER_RUN) || workflowInfo().continueAsNewSuggested)
      return continueAsNew<typeof vmHealthMonitor>({ ...input, handled, stream, checkIntervalMs, resumeGraceMs });
    await sleep(health.checkIntervalMs);
  }
}

async function startRestart(
  group: string,
  candidate: HealthCandidate & { policy: Parameters<typeof vmRestart>[0]['policy'] },
  health: { devices: { hmc: string; storage: string }; pollMs: number },
): Promise<void> {
  try {
    await startChild(vmRestart, {
      workflowId: vmRestartWorkflowId(group, candidate.vm),
      args: [
        {
          group,
          vm: candidate.vm,
          reason: candidate.reason,
          policy: candidate.policy,
          devices: health.devices,
          pollMs: health.pollMs,
        },
      ],
      // The restart outlives this run of the monitor (continue-as-new) and is never cancelled by it.
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
  } catch (err) {
    // One restart per VM at a time: the running one answers this episode too.
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

async function alertOnly(group: string, candidate: HealthCandidate): Promise<void> {
  const reason = candidate.reason;
  await notify({
    severity: 'warning',
    kind: reason.kind === 'heartbeat-lost' ? 'vm-heartbeat-lost' : 'app-failed',
    message:
      reason.kind === 'heartbeat-lost'
        ? `${candidate.vm} (${group}): no heartbeat since ${reason.lastHeartbeatAt}; its policy is alert only`
        : `${candidate.vm} (${group}): ${reason.app} failed ${reason.failures} times in a row; ` +
          'its policy is alert only',
    workflowId: workflowInfo().workflowId,
    // The same VM's same silence (or application) is one event to a dedupe window, whatever the times in the text.
    subject: `${group}/${candidate.vm}`,
    key: reason.kind === 'heartbeat-lost' ? 'alert-only' : `alert-only: ${reason.app}`,
  });
}

async function alertBlackout(group: string, health: { watched: number; newestHeartbeatAt?: string }): Promise<void> {
  await notify({
    severity: 'critical',
    kind: 'vm-heartbeat-lost',
    message:
      `no VM of ${group} has reported since ${health.newestHeartbeatAt} (${health.watched} watched): the agents' ` +
      'network or the Lazarus API may be down; nothing is restarted until heartbeats flow again',
    workflowId: workflowInfo().workflowId,
    subject: group,
    key: 'every-agent-silent',
  });
}

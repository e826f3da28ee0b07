// Restart of one VM whose agent went silent or whose application kept failing (`vm-restart/<group>/<vm>`), read top
// to bottom as a runbook:
//   1. recheck — a heartbeat since, or the application recovered: nothing to do;
//   2. locate — where the HMC shows the VM now; a host that is not Operating belongs to the host failover, and an LPAR
//      shut down cleanly (Not Activated) is the owner's intent: alert only;
//   3. admit — the VM's restart limit per hour: beyond it, alert only;
//   4. in place — shutdown --immed, Not Activated confirmed by the HMC, activate with its profile, Running, and a
//      heartbeat within `bootTimeout`;
//   5. elsewhere (when 4 failed) — Not Activated proven again and no other host showing it, a destination from the
//      planner, its volumes mapped there, inactive partition mobility, the source's mappings released (the LPAR is
//      gone from it), activate, Running, heartbeat;
//   6. report — stored with the restart record; notified.
// Never started elsewhere while it may run: without the HMC's `Not Activated` on its host, the restart stops
// (`blocked`) and alerts; activation itself is refused while any other host shows the VM.
import { ActivityFailure, ApplicationFailure, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { ControlActivities, StorageActivities } from '../../activities/failover/index.js';
import type {
  VmEvidence,
  VmHealthControlActivities,
  VmHealthHmcActivities,
  VmHealthStorageActivities,
} from '../../activities/vm-health/activities.js';
import { innermostMessage } from '../../domain/failover/index.js';
import type {
  RestartReason,
  VmHealthPolicy,
  VmRestartOutcome,
  VmRestartReport,
  VmRestartStep,
} from '../../domain/vm-health/index.js';
import { controlOptions, deviceQueue, stepOptions } from '../shared/activity-options.js';

export interface VmRestartInput {
  group: string;
  vm: string;
  reason: RestartReason;
  policy: VmHealthPolicy;
  devices: { hmc: string; storage: string };
  /** How often waits poll the HMC and the store (ms). */
  pollMs: number;
}

/** How long an immediate shutdown may take to show Not Activated (IBM: seconds; the simulator: 5 s). */
const SHUTDOWN_CONFIRM_MS = 5 * 60_000;
/** An HMC or storage change, retries of transient errors included. */
const CHANGE_DEADLINE_MS = 5 * 60_000;
/** Inactive mobility moves a definition, not memory: minutes at most. */
const MIGRATION_DEADLINE_MS = 30 * 60_000;
const HEARTBEAT_MS = 30_000;

const control = proxyActivities<VmHealthControlActivities>(controlOptions(HEARTBEAT_MS));
const failover = proxyActivities<ControlActivities>(controlOptions(HEARTBEAT_MS));
const waits = (timeoutMs: number) =>
  proxyActivities<VmHealthControlActivities>({
    ...controlOptions(HEARTBEAT_MS),
    startToCloseTimeout: timeoutMs + 60_000,
  });

export async function vmRestart(input: VmRestartInput): Promise<VmRestartReport> {
  const run = new VmRestartRun(input);
  const hmc = proxyActivities<VmHealthHmcActivities>(
    stepOptions(CHANGE_DEADLINE_MS, HEARTBEAT_MS, deviceQueue(input.devices.hmc)),
  );
  const migration = proxyActivities<VmHealthHmcActivities>(
    stepOptions(MIGRATION_DEADLINE_MS, HEARTBEAT_MS, deviceQueue(input.devices.hmc)),
  );
  const storageOptions = stepOptions(CHANGE_DEADLINE_MS, HEARTBEAT_MS, deviceQueue(input.devices.storage));
  const storage = proxyActivities<StorageActivities>(storageOptions);
  const sharedStorage = proxyActivities<VmHealthStorageActivities>(storageOptions);
  const { group, vm, policy, pollMs } = input;

  const recovered = await control.vmRecovered({ vm, reason: input.reason });
  if (recovered) return run.finish('recovered', recovered, { silent: true });

  const located = locate(await control.vmEvidence({ group, vm }));
  if ('problem' in located) return run.finish(located.outcome, located.problem);
  const { source, profile } = located;
  run.sourceHost = source.host;
  if (source.state !== 'Operating')
    return run.finish(
      'host-not-operating',
      `${vm} is on ${source.host}, which is ${source.state}: the host failover owns it, Lazarus does not restart it`,
    );
  // Shut down cleanly (by its owner, or the OS itself): the owner's intent, as a failover treats it.
  if (located.lparState === 'Not Activated')
    return run.finish(
      'left-off',
      `${vm} is Not Activated on ${source.host}: left off (start it, or stop its agent, to end this alert)`,
    );

  const admission = await control.vmAdmitRestart({ group, vm, reason: input.reason, limit: policy.restartLimit });
  if (admission.status === 'recovered') return run.finish('recovered', admission.detail, { silent: true });
  if (admission.status === 'limit-reached')
    return run.finish(
      'limit-reached',
      `${vm}: ${admission.restartsLastHour} restarts in the last hour reach its limit ` +
        `(${policy.restartLimit}); no action`,
    );
  await run.notify('warning', run.reasonKind(), `${run.why()}; restarting it in place on ${source.host}`, 'restarting');
  await control.vmClearAppFailures({ vm });

  // 4. In place.
  const stopped = await run.step('shutdown', source.host, () => stopAndConfirm(source.host));
  if (!stopped)
    return run.finish('blocked', `${vm} could not be proven Not Activated on ${source.host}: not restarted`);
  if (await run.step('activate', source.host, () => activateAndProve(source.host)))
    return run.finish('restarted-in-place', `${vm} restarted in place on ${source.host}`, { finalHost: source.host });

  // 5. Elsewhere: only once the HMC shows it Not Activated on its host and no other host shows it.
  const stoppedAgain = await run.step('shutdown', source.host, () => stopAndConfirm(source.host));
  if (!stoppedAgain)
    return run.finish('blocked', `${vm} could not be proven Not Activated on ${source.host}: not moved`);
  const evidence = await failover.groupEvidence({ group });
  const elsewhere = evidence.hosts.filter((h) => h.host !== source.host && h.partitions?.[vm] !== undefined);
  const active = elsewhere.find((h) => h.partitions![vm] !== 'Not Activated');
  if (active) return run.finish('blocked', `${vm} is ${active.partitions![vm]} on ${active.host}: not moved`);
  const plan = await control.vmPlanMove({ group, vm, source: source.host, evidence });
  if (!plan.destination) return run.finish('failed', `${vm} has no destination: ${plan.reason}`);
  const destination = plan.destination;
  const moved = await run.step('move', destination, async () => {
    for (const volume of plan.volumes) await sharedStorage.vmMapVolumeShared({ group, volume, destination });
    return migration.vmMigrateInactive({ group, source: source.host, destination, vm });
  });
  if (!moved) {
    await releaseMappings(destination, plan.volumes);
    return run.finish('failed', `${vm} could not be moved from ${source.host} to ${destination}`);
  }
  await releaseMappings(source.host, plan.volumes);
  if (await run.step('activate', destination, () => activateAndProve(destination))) {
    await control.vmRecordLocation({ group, vm, host: destination, state: 'Running' });
    return run.finish('restarted-elsewhere', `${vm} restarted on ${destination} (in place on ${source.host} failed)`, {
      finalHost: destination,
    });
  }
  await control.vmRecordLocation({ group, vm, host: destination, state: 'unknown' });
  return run.finish('failed', `${vm} did not come back on ${destination} either`);

  async function stopAndConfirm(host: string): Promise<string> {
    const detail = await hmc.vmShutdownImmediate({ group, host, vm });
    const state = await waits(SHUTDOWN_CONFIRM_MS).vmWaitState({
      group,
      host,
      vm,
      states: ['Not Activated'],
      pollMs,
      timeoutMs: SHUTDOWN_CONFIRM_MS,
    });
    return `${detail}; the HMC shows ${state}`;
  }

  async function activateAndProve(host: string): Promise<string> {
    const startedAt = Date.now();
    const requestedAt = await hmc.vmActivate({ group, host, vm, profile });
    const left = () => Math.max(pollMs, policy.bootTimeoutMs - (Date.now() - startedAt));
    await waits(policy.bootTimeoutMs).vmWaitState({
      group,
      host,
      vm,
      states: ['Running'],
      failOn: ['Not Activated', 'Error'],
      pollMs,
      timeoutMs: left(),
    });
    const heard = await waits(policy.bootTimeoutMs).vmWaitHeartbeat({
      vm,
      after: requestedAt,
      pollMs,
      timeoutMs: left(),
    });
    return `Running, heartbeat at ${heard}`;
  }

  /** Releases the VM's volumes from a host where it is proven absent (the gate reads the HMC first). */
  async function releaseMappings(host: string, volumes: string[]): Promise<void> {
    const here = (await control.vmEvidence({ group, vm })).hosts.find((h) => h.host === host);
    if (!here || here.error || here.partition) return;
    for (const volume of volumes)
      await storage
        .unmapVolume({ group, volume, host })
        .catch((err: unknown) => run.record('release', host, false, innermostMessage(err)));
  }
}

const names = (hosts: Array<{ host: string }>) => hosts.map((h) => h.host).join(', ');

/** The host the VM is on (the one active there, else the only one defining it) and its profile, or the problem. */
function locate(
  evidence: VmEvidence,
):
  | { source: { host: string; state: string }; profile: string; lparState: string }
  | { problem: string; outcome: VmRestartOutcome } {
  const defined = evidence.hosts.filter((h) => h.partition);
  const unreadable = evidence.hosts.filter((h) => h.error);
  const active = defined.filter((h) => h.partition!.state !== 'Not Activated');
  if (active.length > 1)
    return {
      outcome: 'blocked',
      problem: `active on ${active.map((h) => `${h.host} (${h.partition!.state})`).join(' and ')}: look first`,
    };
  const here = active[0] ?? (defined.length === 1 ? defined[0] : undefined);
  if (!here)
    return {
      outcome: unreadable.length > 0 ? 'blocked' : 'failed',
      problem:
        defined.length > 1
          ? `defined on ${defined.map((h) => h.host).join(' and ')}, active on none: an operator must choose`
          : `defined on no host the HMC can list${unreadable.length ? ` (${names(unreadable)} unreadable)` : ''}`,
    };
  if (!here.partition!.profile)
    return { outcome: 'failed', problem: `${here.host} shows no current profile to activate it with` };
  return {
    source: { host: here.host, state: here.state },
    profile: here.partition!.profile,
    lparState: here.partition!.state,
  };
}

/** The run's journal: every step with its host, time and result; the only writer of the report. */
class VmRestartRun {
  readonly steps: VmRestartStep[] = [];
  sourceHost?: string;

  constructor(readonly input: VmRestartInput) {}

  reasonKind(): string {
    return this.input.reason.kind === 'heartbeat-lost' ? 'vm-heartbeat-lost' : 'app-failed';
  }

  why(): string {
    const reason = this.input.reason;
    return reason.kind === 'heartbeat-lost'
      ? `${this.input.vm} (${this.input.group}): no heartbeat since ${reason.lastHeartbeatAt}`
      : `${this.input.vm} (${this.input.group}): ${reason.app} failed ${reason.failures} times in a row`;
  }

  record(step: string, host: string, ok: boolean, detail: string): void {
    this.steps.push({ step, host, at: new Date(Date.now()).toISOString(), ok, detail });
  }

  /** Runs one step; a failed activity is journaled with its innermost message and answers false. */
  async step(step: string, host: string, work: () => Promise<string>): Promise<boolean> {
    try {
      this.record(step, host, true, await work());
      return true;
    } catch (err) {
      if (!(err instanceof ActivityFailure || err instanceof ApplicationFailure)) throw err;
      this.record(step, host, false, innermostMessage(err));
      return false;
    }
  }

  /** About this VM (subject `<group>/<vm>`); `key` names the event within its kind for the channels' dedupe. */
  notify(severity: 'info' | 'warning' | 'critical', kind: string, message: string, key: string): Promise<void> {
    const subject = `${this.input.group}/${this.input.vm}`;
    return failover.notify({ severity, kind, message, workflowId: workflowInfo().workflowId, subject, key });
  }

  async finish(
    outcome: VmRestartOutcome,
    summary: string,
    options: { finalHost?: string; silent?: boolean } = {},
  ): Promise<VmRestartReport> {
    const report: VmRestartReport = {
      workflowId: workflowInfo().workflowId,
      group: this.input.group,
      vm: this.input.vm,
      reason: this.input.reason,
      outcome,
      ...(this.sourceHost ? { sourceHost: this.sourceHost } : {}),
      ...(options.finalHost ? { finalHost: options.finalHost } : {}),
      steps: this.steps,
      summary,
    };
    const notice = NOTICES[outcome];
    if (notice && !options.silent)
      await this.notify(notice.severity, notice.kind ?? this.reasonKind(), `${this.why()}: ${summary}`, outcome);
    await control.vmFinishRestart(report);
    return report;
  }
}

/** What each outcome tells people (kind undefined: the reason's own kind, vm-heartbeat-lost or app-failed). */
const NOTICES: Record<VmRestartOutcome, { severity: 'info' | 'warning' | 'critical'; kind?: string } | undefined> = {
  'restarted-in-place': { severity: 'info', kind: 'vm-restarted' },
  'restarted-elsewhere': { severity: 'warning', kind: 'vm-restarted' },
  failed: { severity: 'critical', kind: 'vm-restart-failed' },
  blocked: { severity: 'critical', kind: 'vm-restart-failed' },
  'limit-reached': { severity: 'critical', kind: 'vm-restart-limit' },
  'alert-only': { severity: 'warning' },
  'host-not-operating': { severity: 'warning' },
  'left-off': { severity: 'warning' },
  recovered: undefined,
};

// Steps shared by the planned and the unplanned site move: the move report and its step journal, polling waits in
// workflow time, and the start of the VMs at the backup site (waves by startOrder; in a wave one stream per backup
// host in parallel, by priority inside a stream: activate the shadows, in batches of requests, wait until Running).
import { ActivityFailure, condition, proxyActivities, setHandler, sleep } from '@temporalio/workflow';
import type {
  DrMoveControlActivities,
  DrMoveHmcActivities,
  DrMoveStorageActivities,
} from '../../activities/dr/move-activities.js';
import type { DrMovePlan } from '../../domain/dr/move-plan.js';
import { innermostMessage } from '../../domain/failover/outcome.js';
import { deviceQueue } from '../shared/activity-options.js';
import {
  approveMoveSignal,
  cancelMoveSignal,
  moveProgressQuery,
  rejectMoveSignal,
  type DrOperatorDecision,
} from './messages.js';

/**
 * The move's activities, each proxy with the heartbeat timeout given (default 30 s): a killed worker's activity is
 * retried on another worker within it. Reads and records on the main queue; device changes on the device's queue.
 */
export function moveActivities(heartbeatMs = 30_000) {
  const retry = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '15s', maximumAttempts: 5 };
  const control = proxyActivities<DrMoveControlActivities>({
    startToCloseTimeout: '10 minutes',
    heartbeatTimeout: heartbeatMs,
    retry,
  });
  const device = { startToCloseTimeout: '5 minutes', heartbeatTimeout: heartbeatMs, retry };
  return {
    control,
    hmcOf: (hmc: string) => proxyActivities<DrMoveHmcActivities>({ ...device, taskQueue: deviceQueue(hmc) }),
    storageOf: (storage: string) =>
      proxyActivities<DrMoveStorageActivities>({ ...device, taskQueue: deviceQueue(storage) }),
  };
}
export type MoveActivities = ReturnType<typeof moveActivities>;

/** `tested`: a DR test's VMs all ran on the copies (the move outcomes otherwise). */
/** DRaaS: how a move onto a shared recovery site was scheduled by its provider coordinator. */
export interface DrCoordination {
  providerSite: string;
  tenant: string;
  contractPriority: number;
  /** When the move was asked, and when the coordinator let it start. */
  requestedAt: string;
  startedAt: string;
  /** The other tenants' moves that went first or ran while this one waited (empty: it did not wait). */
  waitedFor: Array<{ tenant: string; site: string }>;
  /** Whether its VMs fit the capacity its contract reserves at the shared site (then it may run beside others). */
  capacity?: { fits: boolean; detail: string };
}

/** `resynced`: a resync's groups synchronized from the backup site (nothing moved). */
export type DrMoveOutcome =
  'moved' | 'resynced' | 'tested' | 'not-ready' | 'partial' | 'failed' | 'rejected' | 'cancelled';

export interface DrMoveReport {
  site: string;
  to: string;
  mode: 'planned' | 'unplanned' | 'move-back' | 'resync' | 'test';
  outcome: DrMoveOutcome;
  verificationId: number;
  notReady?: Array<{ vm: string; codes: string[] }>;
  /** Per VM: how it stopped at the active site and its state at the backup site when the report was written. */
  vms: Array<{ vm: string; stopped?: 'os' | 'immediate'; backupHost?: string; state?: string; error?: string }>;
  groups: Array<{ name: string; switched: boolean; detail: string; recoveryPoint?: string }>;
  /**
   * The recovery point: planned, the time every write had reached the backup site; unplanned, the oldest point any
   * group's backup copy is proven to hold (absent when one cannot be proven).
   */
  recoveryPoint?: string;
  /** Unplanned: production hosts powered off, and the active site's HMCs that did not answer. */
  fenced?: Array<{ host: string; detail: string }>;
  unreachable?: string[];
  /** Unplanned: the production hosts no HMC could prove down, and why (the move waits in phase fence-blocked). */
  fenceBlocked?: Array<{ host: string; reason: string }>;
  /** True while the unplanned move waits for override-fence (or a cancel); nothing is taken over before. */
  awaitingFenceOverride?: boolean;
  /** The admin's override standing in for the missing proof: who (the token's name), why, when, for which hosts. */
  fenceOverride?: { by: string; reason: string; at: string; hosts: string[] };
  networks: DrMovePlan['networks'];
  /** Advisory: true while the move waits for approveMove/rejectMove; the plan it would carry out. */
  awaitingApproval?: boolean;
  plan?: DrMovePlan;
  /** Operator decisions (approve, reject, cancel) with who, why and when. */
  decisions: Array<{
    kind: 'approve' | 'reject' | 'cancel' | 'cleanup' | 'override-fence';
    by: string;
    reason?: string;
    at: string;
  }>;
  /** A DR test (mode `test`): its copies, test networks, whether it waits for cleanup and what production did. */
  test?: {
    copies: number;
    networks: Array<{ production: string | number; test: string | number }>;
    /** True while the test VMs run and the test waits for DELETE /v1/sites/:site/test (or its hold to end). */
    awaitingCleanup: boolean;
    cleanedUp: boolean;
    /** Every replicated group kept its state and primary from before the test to after its cleanup. */
    productionUntouched?: boolean;
    replicationBefore?: Array<{ name: string; state: string; primary: string }>;
    replicationAfter?: Array<{ name: string; state: string; primary: string }>;
  };
  /**
   * The clean-up at the site the VMs left (workflows/dr/cleanup.ts): per moved VM the volume mappings removed there
   * (`storage/volume from host`), the volumes kept with why, or why the VM was left alone.
   */
  cleanup?: {
    site: string;
    vms: Array<{ vm: string; unmapped: string[]; kept?: Array<{ volume: string; reason: string }>; skipped?: string }>;
  };
  /**
   * Planned move and move back, once anything was stopped: every VM of the pair and where it runs when the report was
   * written (activities/dr/cleanup-activities.ts drWhereabouts) — a VM that ran before and now runs `nowhere` is named
   * here and keeps the outcome from `moved`.
   */
  whereabouts?: Array<{ vm: string; running: 'active' | 'backup' | 'both' | 'nowhere'; ranBefore: boolean }>;
  /** DRaaS: the provider coordinator's scheduling of this move (who it waited for). */
  coordination?: DrCoordination;
  /** Step journal: name, start and end (workflow time), and why it stopped the move when it did. */
  steps: Array<{ step: string; startedAt: string; endedAt?: string; detail?: string }>;
}

export function newReport(site: string, to: string, mode: DrMoveReport['mode']): DrMoveReport {
  return {
    site,
    to,
    mode,
    outcome: 'failed',
    verificationId: 0,
    vms: [],
    groups: [],
    networks: [],
    decisions: [],
    steps: [],
  };
}

/** Runs one named step, journaled with its start and end. */
export async function step<T>(report: DrMoveReport, name: string, work: () => Promise<T>): Promise<T> {
  const entry: DrMoveReport['steps'][number] = { step: name, startedAt: new Date().toISOString() };
  report.steps.push(entry);
  try {
    return await work();
  } finally {
    entry.endedAt = new Date().toISOString();
  }
}

/** Polls `condition` every `pollMs` until it holds (true) or `timeoutMs` of workflow time passed (false). */
export async function waitFor(condition: () => Promise<boolean>, timeoutMs: number, pollMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(pollMs);
  }
}

export function vmEntry(report: DrMoveReport, vm: string): DrMoveReport['vms'][number] {
  let entry = report.vms.find((v) => v.vm === vm);
  if (!entry) report.vms.push((entry = { vm }));
  return entry;
}

/**
 * Starts the VMs at the backup site, wave by wave (a wave after the previous one runs); in a wave one stream per
 * backup host in parallel, and inside a stream the activations in priority order, their boots awaited together (one
 * listing per host and poll): no VM is activated before a more important one of its stream, and no boot waits for
 * another. A VM that fails is reported with why, the others go on.
 */
export async function startAtBackup(
  { control, hmcOf }: MoveActivities,
  report: DrMoveReport,
  waves: DrMovePlan['waves'],
  timing: { pollMs: number; bootTimeoutMs: number },
  cancelled: () => boolean = () => false,
): Promise<void> {
  for (const wave of waves) {
    if (cancelled()) return;
    await Promise.all(
      wave.map(async ({ hmc, host, vms }) => {
        const booting: string[] = [];
        for (const batch of requestBatches(vms)) {
          if (cancelled()) break;
          for (const { vm } of batch) vmEntry(report, vm).backupHost = host;
          try {
            for (const outcome of await hmcOf(hmc).drActivateVms({ hmc, host, vms: batch })) {
              if (outcome.error) vmEntry(report, outcome.vm).error = outcome.error;
              else booting.push(outcome.vm);
            }
          } catch (err) {
            for (const { vm } of batch) vmEntry(report, vm).error = innermostMessage(err);
          }
        }
        let pending = booting;
        await waitFor(
          async () => {
            const states = await control.drVmStates({ hmc, host, vms: pending });
            for (const vm of pending) vmEntry(report, vm).state = states[vm];
            pending = pending.filter((vm) => states[vm] !== 'Running');
            return pending.length === 0;
          },
          timing.bootTimeoutMs,
          timing.pollMs,
        );
        for (const vm of pending) {
          const entry = vmEntry(report, vm);
          entry.error = `not Running on ${host} in time (${entry.state})`;
        }
      }),
    );
  }
}

/** The most changes of one host stream asked in one request (each a chsysstate, ~1.5 s): bounds how late a cancel acts. */
export const MAX_REQUEST_BATCH = 50;

/**
 * A host stream's VMs, in order, as the batches its requests carry: the first VM alone (a refusal or a cancel then
 * acts before anything else is asked), then up to MAX_REQUEST_BATCH at a time. One request per VM cost more in
 * orchestration and state reads than the HMC's changes themselves at 100 VMs a host (bench:dr).
 */
export function requestBatches<T>(items: readonly T[], max = MAX_REQUEST_BATCH): T[][] {
  const batches = items.length > 0 ? [items.slice(0, 1)] : [];
  for (let start = 1; start < items.length; start += max) batches.push(items.slice(start, start + max));
  return batches;
}

/** The outcome from what the VMs' entries say (`cancelled` once a cancel was accepted). */
export function finalOutcome(report: DrMoveReport): DrMoveOutcome {
  if (report.decisions.some((d) => d.kind === 'cancel')) return 'cancelled';
  const running = report.vms.filter((v) => v.state === 'Running' && !v.error).length;
  return running === report.vms.length && running > 0 ? 'moved' : running > 0 ? 'partial' : 'failed';
}

/**
 * Installs the operator handlers on a move: the progress query, cancel (checked with `cancelled()` at each safe
 * point), and for an advisory move `awaitApproval`, which shows the plan and waits for approve or reject (true to go).
 */
export function operatorGates(report: DrMoveReport) {
  let decision: 'approve' | 'reject' | undefined;
  let cancel = false;
  const record = (kind: 'approve' | 'reject' | 'cancel', d: DrOperatorDecision) =>
    report.decisions.push({ kind, by: d.by, ...(d.reason ? { reason: d.reason } : {}), at: new Date().toISOString() });
  setHandler(moveProgressQuery, () => report);
  // A decision counts only while the move waits for one; a second cancel changes nothing.
  const decide = (kind: 'approve' | 'reject') => (d: DrOperatorDecision) => {
    if (!report.awaitingApproval || decision) return;
    decision = kind;
    record(kind, d);
  };
  setHandler(approveMoveSignal, decide('approve'));
  setHandler(rejectMoveSignal, decide('reject'));
  setHandler(cancelMoveSignal, (d) => {
    if (cancel) return;
    cancel = true;
    record('cancel', d);
  });
  return {
    cancelled: () => cancel,
    async awaitApproval(plan: DrMovePlan): Promise<boolean> {
      report.plan = plan;
      report.awaitingApproval = true;
      await condition(() => decision !== undefined || cancel);
      report.awaitingApproval = false;
      return decision === 'approve' && !cancel;
    },
  };
}

/**
 * Runs a move's runbook; a step that still fails after its retries (a device unreachable, a refusal) ends the move
 * with its report — outcome `failed` (or `partial` when some VMs already run at the destination), the failing step
 * carrying the device's own message — instead of a failed workflow without one. A bug in workflow code is not
 * turned into a report: it fails the workflow task, which Temporal retries once the code is fixed.
 */
export async function reported(report: DrMoveReport, runbook: () => Promise<DrMoveReport>): Promise<DrMoveReport> {
  try {
    return await runbook();
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    const last = report.steps.at(-1);
    if (last) last.detail = `stopped: ${innermostMessage(err)}`;
    report.outcome = report.vms.some((v) => v.state === 'Running') ? 'partial' : 'failed';
    return report;
  }
}

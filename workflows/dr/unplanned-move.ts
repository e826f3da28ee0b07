// An unplanned site move (VMRM DR's `ksysmgr move site ... dr_type=unplanned`): the active site is gone, or an
// operator declares the disaster. Works from the backup site and the last stored verification:
//   1. prepare — the VMs that were active at the active site, their start waves on the paired backup hosts, the
//      groups on the aux storage with the recovery point each can prove, which production hosts an HMC still lists;
//   2. fence — every production host must be proven down: powered off by an HMC of the active site that lists it
//      (read Power Off), or its protected partitions read Not Activated. Unreachable is not down: a host no HMC can
//      prove (HMC unreachable, host in No Connection) stops the move in phase fence-blocked (critical notification)
//      until an admin's override-fence stands in for the proof; a VM a readable host shows running is not started.
//      Refused before anything is touched: a site whose groups already have the backup site primary
//      (REPLICATION_REVERSED, prepare) and a group whose backup copy is not consistent;
//   3. take over storage — stoprcconsistgrp -access per group on the aux storage system: the backup copies become
//      writable; the recovery point is recorded per group and for the move (the oldest);
//   4. start at the backup site (move-steps.ts);
//   5. report.
// When the active site returns nothing starts there (its hosts come back with their partitions Not Activated);
// making its volumes secondary and resynchronizing from the backup site is not done yet (issue 13).
import { ActivityFailure, condition, setHandler, workflowInfo } from '@temporalio/workflow';
import type { DrFailoverPreparation } from '../../activities/dr/move-activities.js';
import { innermostMessage } from '../../domain/failover/outcome.js';
import { overrideFenceMoveSignal } from './messages.js';
import {
  finalOutcome,
  moveActivities,
  newReport,
  operatorGates,
  reported,
  startAtBackup,
  step,
  vmEntry,
  waitFor,
  type DrCoordination,
  type MoveActivities,
  type DrMoveReport,
} from './move-steps.js';

export async function failoverDrSite(input: {
  site: string;
  to: string;
  pollMs?: number;
  bootTimeoutMs?: number;
  heartbeatMs?: number;
  /** DRaaS: set by the provider coordinator, copied into the report. */
  coordination?: DrCoordination;
}): Promise<DrMoveReport> {
  const report = newReport(input.site, input.to, 'unplanned');
  if (input.coordination) report.coordination = input.coordination;
  return reported(report, () => unplannedMove(input, report));
}

async function unplannedMove(
  input: { site: string; to: string; pollMs?: number; bootTimeoutMs?: number; heartbeatMs?: number },
  report: DrMoveReport,
): Promise<DrMoveReport> {
  const acts = moveActivities(input.heartbeatMs);
  const { control, storageOf } = acts;
  const pollMs = input.pollMs ?? 2_000;
  const gates = operatorGates(report);
  const preparation = await step(report, 'prepare', () => control.prepareDrFailover(input.site));
  report.verificationId = preparation.verificationId;
  report.unreachable = preparation.unreachable;

  // Replication that is not consistent at the backup site cannot be taken over (stoprcconsistgrp -access refuses,
  // CMMVC5982E): decided before anything is touched, never half a takeover.
  const inconsistent = preparation.groups.filter((g) => g.state === 'absent' || g.state.startsWith('inconsistent'));
  if (inconsistent.length > 0) {
    report.steps.push({
      step: 'take-over-storage',
      startedAt: new Date().toISOString(),
      endedAt: new Date().toISOString(),
      detail:
        `refused: ${inconsistent.map((g) => `${g.name} is ${g.state}`).join(', ')} at ${input.to}: its backup ` +
        'copy is not consistent and cannot be made writable. Nothing was fenced, taken over or started.',
    });
    return report;
  }

  // Fence: every production host must be proven down — powered off (or already off) as its HMC reads it, or its
  // protected partitions read Not Activated. Unreachable is not down: a host no HMC can prove blocks the move until
  // an admin overrides the fence (override-fence), and a VM any readable host shows running is never started here.
  const runningAtActive = new Map<string, string>();
  const unproven = await step(report, 'fence-active-site', async () => {
    report.fenced = [];
    const blocked: Array<{ host: string; reason: string }> = [];
    await Promise.all(
      preparation.activeHosts.map(async (host) => {
        const reason = await fenceHost(acts, preparation, host, pollMs, runningAtActive);
        if (typeof reason === 'string') blocked.push({ host, reason });
        else report.fenced!.push({ host, detail: reason.proof });
      }),
    );
    return blocked.sort((a, b) => (a.host < b.host ? -1 : 1));
  });
  if (unproven.length > 0) {
    const go = await awaitFenceOverride(acts, report, unproven, gates.cancelled);
    if (!go) {
      report.outcome = gates.cancelled() ? 'cancelled' : 'failed';
      return report;
    }
  }

  await step(report, 'take-over-storage', async () => {
    for (const group of preparation.groups) {
      const outcome = await storageOf(group.storage).drStopGroupWithAccess({
        storage: group.storage,
        group: group.name,
      });
      report.groups.push({
        name: group.name,
        switched: true,
        detail: outcome.detail,
        recoveryPoint: group.recoveryPoint,
      });
    }
    const points = preparation.groups.map((g) => g.recoveryPoint);
    if (points.every((p) => p !== undefined)) report.recoveryPoint = points.sort()[0];
  });

  // A VM still seen running at the active site keeps its place there: starting it here would run it twice.
  const waves = preparation.waves.map((wave) =>
    wave.map((stream) => ({ ...stream, vms: stream.vms.filter((v) => !runningAtActive.has(v.vm)) })),
  );
  for (const [vm, host] of runningAtActive)
    vmEntry(report, vm).error = `Running at ${input.site} on ${host}: not started at ${input.to}`;
  await step(report, 'start-at-backup-site', () =>
    startAtBackup(acts, report, waves, { pollMs, bootTimeoutMs: input.bootTimeoutMs ?? 15 * 60_000 }, gates.cancelled),
  );
  report.outcome = finalOutcome(report);
  return report;
}

const OFF_STATES = ['Power Off', 'No Power'];

/**
 * Fences one production host: powers it off through the HMC that lists it (chsysstate -r sys -o off --immed) and
 * waits up to 5 minutes for the HMC to read it Power Off; failing that, its protected partitions all read Not Activated
 * (or absent) also prove it. Returns the proof, or why the host is unproven (no HMC answers or lists it, the power
 * off was refused — HSCL0237 on a host in No Connection — and its partitions cannot be read). Records in
 * `runningAtActive` each protected VM the host's HMC reads Running.
 */
async function fenceHost(
  { control, hmcOf }: MoveActivities,
  preparation: DrFailoverPreparation,
  host: string,
  pollMs: number,
  runningAtActive: Map<string, string>,
): Promise<{ proof: string } | string> {
  const listed = preparation.fence.find((f) => f.host === host);
  if (!listed)
    return preparation.unreachable.length > 0
      ? `no HMC of the site answers for it (${preparation.unreachable.join('; ')})`
      : 'no HMC of the site lists it';
  const { hmc } = listed;
  const readSafely = async <T>(read: () => Promise<T>): Promise<T | Error> => {
    try {
      return await read();
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      return new Error(innermostMessage(err));
    }
  };
  const powerOff = await readSafely(() => hmcOf(hmc).drFenceHost({ hmc, host }));
  if (!(powerOff instanceof Error)) {
    const off = await waitFor(
      async () => {
        const state = await readSafely(() => control.drHostState({ hmc, host }));
        return typeof state === 'string' && OFF_STATES.includes(state);
      },
      5 * 60_000,
      pollMs,
    );
    if (off) return { proof: powerOff.detail };
  }
  const vms = preparation.movers.filter((m) => m.productionHost === host).map((m) => m.vm);
  const states = await readSafely(() => control.drVmStates({ hmc, host, vms }));
  const why = powerOff instanceof Error ? `power off refused: ${powerOff.message}` : 'not proven off after a power off';
  if (states instanceof Error) return `${why}; its partitions cannot be read: ${states.message}`;
  const active = vms.filter((vm) => !['Not Activated', 'absent'].includes(states[vm] ?? 'absent'));
  for (const vm of active) if (states[vm] === 'Running') runningAtActive.set(vm, host);
  if (active.length === 0) return { proof: `${why}, but ${hmc} reads its partitions Not Activated` };
  return `${why}; ${hmc} reads ${active.map((vm) => `${vm} ${states[vm]}`).join(', ')}`;
}

/**
 * The fence-blocked phase: names each unproven host and why (report and a critical notification), then waits for an
 * admin's override-fence (true: go on, recorded in `decisions` and `fenceOverride`) or a cancel (false).
 */
async function awaitFenceOverride(
  { control }: MoveActivities,
  report: DrMoveReport,
  unproven: Array<{ host: string; reason: string }>,
  cancelled: () => boolean,
): Promise<boolean> {
  let override: { by: string; reason?: string } | undefined;
  setHandler(overrideFenceMoveSignal, (d) => {
    if (report.awaitingFenceOverride && !override && d.reason) override = d;
  });
  const detail =
    `${unproven.map((u) => `${u.host}: ${u.reason}`).join('; ')}. Nothing was taken over or started: ` +
    `POST /v1/sites/${report.site}/move/override-fence with a reason once these hosts are known to be down, ` +
    'or cancel the move';
  report.fenceBlocked = unproven;
  report.awaitingFenceOverride = true;
  const entry = { step: 'fence-blocked', startedAt: new Date().toISOString(), detail } as DrMoveReport['steps'][number];
  report.steps.push(entry);
  await control.drNotify({
    severity: 'critical',
    kind: 'dr-fence-blocked',
    message: `unplanned move of ${report.site} to ${report.to} blocked at its fence: ${detail}`,
    workflowId: workflowInfo().workflowId,
    subject: report.site,
  });
  await condition(() => override !== undefined || cancelled());
  report.awaitingFenceOverride = false;
  entry.endedAt = new Date().toISOString();
  if (!override || cancelled()) return false;
  const at = new Date().toISOString();
  report.decisions.push({ kind: 'override-fence', by: override.by, reason: override.reason, at });
  report.fenceOverride = { by: override.by, reason: override.reason!, at, hosts: unproven.map((u) => u.host) };
  return true;
}

// Host failover, the runbook (DESIGN.md "How a host failover runs"):
//   1. confirm   — the HMC still says the host is down (a host that came back is left alone);
//   2. roster    — every LPAR known to have been on the host: the inventory united with the HMC's live listing;
//                  if all of them already run elsewhere, nothing is done (`already-recovered`);
//   3. approve   — in advisory mode, the dry plan goes to an operator before anything is touched;
//   4. fence     — power off with Power Off confirmed, transient errors retried until the fence deadline; without
//                  proof it blocks, alerts and waits for an audited override; a host that is back is left alone;
//   5. gate      — per LPAR, from what the HMC shows on every host: restart only what provably runs nowhere; leave
//                  what was not running before (owner's intent); block what may be running; then cut storage
//                  (every mapping of a host proven off, else only those of LPARs proven not active there);
//   6. execute   — one child stream per destination, in parallel; what failed is re-planned, each LPAR away from the
//                  host that failed for it;
//   7. report    — the HMC is read again, and only what it shows running counts; the inventory learns where each LPAR
//                  runs now; the report is stored per run.
// A cancel or a step that fails after its retries stops new work; the report says where and why. The RTO budget is
// watched from the start: an alert fires the moment it is exceeded.
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  ChildWorkflowFailure,
  executeChild,
  isCancellation,
  log,
  proxyActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { ControlActivities, HmcActivities, StorageActivities } from '../../activities/failover/index.js';
import {
  HOST_UP_STATES,
  innermostMessage,
  gateVerdict,
  isUnfinished,
  partitionEvidence,
  restartOutcome,
  type FailoverOutcome,
  type FailoverPlan,
  type FailoverPolicy,
  type FailoverReport,
  type FenceProof,
  type GroupEvidence,
  type HostFailoverInput,
  type RosterLpar,
} from '../../domain/failover/index.js';
import { controlOptions, deviceQueue, stepOptions } from '../shared/activity-options.js';
import { boundedParallel } from '../shared/bounded-parallel.js';
import { lparProgressSignal, progressQuery, restartStreamWorkflowId } from './messages.js';
import { OperatorGates } from './operator-gates.js';
import { restartStream, type StreamResult } from './restart-stream.js';
import { FailoverRun } from './run-state.js';

/** How old the final check of the devices may be when the report is stored (ms). */
const FRESH_CHECK_MS = 1_000;

/** Restart rounds at most: the first plan, then re-plans of what failed, each away from the hosts that failed it. */
const MAX_ROUNDS = 3;

export type HostFailoverArgs = HostFailoverInput & { policy: FailoverPolicy };

export async function hostFailover(input: HostFailoverArgs): Promise<FailoverReport> {
  const run = new FailoverRun(workflowInfo().workflowId, input, Date.now(), input.policy.rtoBudgetMs);
  const failover = new Failover(run, input, new OperatorGates(run));
  setHandler(progressQuery, () => run.progress());
  setHandler(lparProgressSignal, (p) => {
    // A late signal from an earlier round's stream must not overwrite the LPAR's newer round.
    if (p.destination === undefined || run.lpar(p.lpar)?.destination === p.destination) run.setLpar(p.lpar, p.step, p);
  });
  CancellationScope.current().cancelRequested.catch(() => (run.cancelledDuring ??= run.phase));
  failover.watchRtoBudget();
  try {
    return await failover.runbook();
  } catch (err) {
    if (isCancellation(err)) return CancellationScope.nonCancellable(() => failover.finishCancelled());
    // Only a step's failure ends the failover with a report; a bug in this code fails the workflow task instead, so
    // Temporal retries it once the code is fixed.
    if (err instanceof ActivityFailure || err instanceof ChildWorkflowFailure) return failover.finishStopped(err);
    throw err;
  }
}

class Failover {
  private readonly control: ControlActivities;
  private readonly hmc: HmcActivities;
  private readonly storage: StorageActivities;
  private roster: RosterLpar[] = [];
  /** What the HMC showed when the gate let LPARs through: the first plan's residents. */
  private gateEvidence?: GroupEvidence;
  /** When the final check read the HMC (workflow time, epoch ms). */
  private verifiedAt?: number;
  /** What the HMC showed in the final check, reused to tell the inventory. */
  private finalEvidence?: GroupEvidence;
  /** When the host was last seen down before storage is cut (workflow time, epoch ms). */
  private hostDownAt?: number;
  /** The fence's power half; the run's fence proof is written only once storage is cut too. */
  private power?: Omit<FenceProof, 'unmappedVolumes'>;
  /** When the fence began (workflow time, epoch ms). */
  private fenceStartedAt = 0;
  private finished = false;

  constructor(
    private readonly run: FailoverRun,
    private readonly input: HostFailoverArgs,
    private readonly gates: OperatorGates,
  ) {
    const { devices, timing } = input.policy;
    this.control = proxyActivities<ControlActivities>(controlOptions(timing.heartbeatMs));
    this.hmc = proxyActivities<HmcActivities>(
      stepOptions(timing.fenceDeadlineMs, timing.heartbeatMs, deviceQueue(devices.hmc)),
    );
    // Cutting storage is the fence's second half: bounded by the same deadline.
    this.storage = proxyActivities<StorageActivities>(
      stepOptions(timing.fenceDeadlineMs, timing.heartbeatMs, deviceQueue(devices.storage)),
    );
  }

  private get where() {
    return { group: this.input.group, host: this.input.host };
  }

  async runbook(): Promise<FailoverReport> {
    if (!(await this.confirmDown())) return this.finish('not-failed');
    const before = await this.takeRoster();
    if (this.roster.length > 0 && this.roster.every((l) => this.runningElsewhere(l, before))) {
      for (const l of this.roster)
        this.run.setLpar(l.name, 'running', { destination: this.runningElsewhere(l, before), priority: l.priority });
      return this.finish('already-recovered');
    }
    if (this.input.dryRun || this.input.mode === 'advisory') {
      this.run.plan = await this.dryPlan(before);
      if (this.input.dryRun) return this.finish('dry-run');
      if (!(await this.approved())) return this.finish('rejected');
    }
    if ((await this.fence()) === 'host-returned')
      return this.hostReturned('before its storage was cut: nothing was cut');
    const restartable = await this.gate();
    // The NPIV clients' ports are read while the host is cut (once the cut's command is asked for, so the reads do not
    // hold it up): neither needs the other, and nothing starts before both.
    let reading: Promise<{ cleared: RosterLpar[]; proven: string[] }> | undefined;
    const cut = await this.cutStorage(restartable, () => {
      reading = this.npivFence(restartable);
      // Handled now, awaited below: a cut that fails or is cancelled must not leave a rejection unhandled (that fails
      // the workflow task, and the failover would never end).
      reading.catch(() => undefined);
    });
    if (cut === 'host-returned') {
      return this.hostReturned(
        'while its storage was being cut: some of its volume mappings there may be gone, check them before starting it',
      );
    }
    const npiv = await (reading ?? this.npivFence(restartable));
    if (npiv.proven.length > 0) this.run.fence = { ...this.run.fence!, npivLoggedOut: npiv.proven };
    await this.restartAll(npiv.cleared);
    return this.finish(await this.verify());
  }

  /** 1. The HMC still says the host is down. */
  private async confirmDown(): Promise<boolean> {
    this.run.enterPhase('confirm');
    return !HOST_UP_STATES.has(await this.control.hostState(this.where));
  }

  /** 2. Every LPAR known to have been on the host, each with the step it starts from. */
  private async takeRoster(): Promise<GroupEvidence> {
    this.run.enterPhase('inventory');
    const evidence = await this.control.groupEvidence({ group: this.input.group });
    this.roster = await this.control.failoverRoster({ ...this.where, evidence });
    for (const l of this.roster) this.run.setLpar(l.name, 'pending', { priority: l.priority });
    return evidence;
  }

  private runningElsewhere(lpar: RosterLpar, evidence: GroupEvidence): string | undefined {
    const verdict = gateVerdict(lpar, evidence, this.input.host, { sourcePoweredOff: true, overridden: false });
    return verdict.kind === 'running-elsewhere' ? verdict.host : undefined;
  }

  /** The plan as it would be if the host were fenced now: what an advisory approval and a dry run show. */
  private async dryPlan(evidence: GroupEvidence): Promise<FailoverPlan> {
    this.run.enterPhase('plan');
    const names = this.roster.filter(
      (l) =>
        gateVerdict(l, evidence, this.input.host, { sourcePoweredOff: true, overridden: false }).kind === 'restart',
    );
    return this.control.planFailover({
      ...this.where,
      evidence,
      lpars: names.map((l) => ({ name: l.name, excludeHosts: [] })),
    });
  }

  /** 3. Advisory: the dry plan goes out; nothing is touched until an operator approves (or the policy says proceed). */
  private async approved(): Promise<boolean> {
    this.run.enterPhase('approve');
    const plan = this.run.plan!;
    const streams = plan.streams.map((s) => `${s.destination}: ${s.lpars.map((l) => l.name).join(', ')}`).join('; ');
    const unplaced = plan.unplaced.map((u) => `${u.lpar} (${u.reason})`).join(', ');
    await this.notify(
      'warning',
      'approval-needed',
      `failover of ${this.input.host} (${this.input.group}) waits for approval; nothing was touched yet. Plan: ${streams || 'nothing to restart'}${unplaced ? `; cannot place: ${unplaced}` : ''}`,
    );
    const decision = await this.gates.approval(this.input.policy.approval.timeoutMs);
    if (!decision) {
      this.run.approval = { decision: 'timed-out' };
      return this.input.policy.approval.onTimeout === 'proceed';
    }
    this.run.approval = {
      decision: decision.approved ? 'approved' : 'rejected',
      by: decision.by,
      reason: decision.reason,
    };
    return decision.approved;
  }

  /**
   * 4. Power off and see Power Off, transient errors retried until the fence deadline. No proof: block, alert, wait
   * for an override, after which the host's state is read again. Either way a host seen back before anything is cut
   * is left alone.
   */
  private async fence(): Promise<'fenced' | 'host-returned'> {
    this.run.enterPhase('fence');
    this.fenceStartedAt = Date.now();
    const { pollMs, fenceDeadlineMs } = this.input.policy.timing;
    const deadline = Date.now() + fenceDeadlineMs;
    // An approval can take minutes: a host that came back meanwhile is left alone. Without one, confirm read the host
    // a moment ago, and powerOffHost reads it again before it powers anything off (HostReturned).
    if (this.input.mode === 'advisory' && HOST_UP_STATES.has(await this.control.hostState(this.where)))
      return 'host-returned';
    try {
      await this.hmc.powerOffHost(this.where);
      const timeoutMs = Math.max(pollMs, deadline - Date.now());
      const powerState = await this.control.waitHostPowerOff({ ...this.where, pollMs, timeoutMs });
      // Power Off was read just now: that is the state read before the cut (which reads it again if it gets stale).
      this.power = { host: this.input.host, powerState, poweredOff: true };
      this.hostDownAt = Date.now();
      return 'fenced';
    } catch (err) {
      if (isCancellation(err) || !(err instanceof ActivityFailure)) throw err;
      if (failureType(err) === 'HostReturned') return 'host-returned';
      const override = await this.waitForOverride(innermostMessage(err));
      const powerState = await this.control.hostState(this.where);
      this.power = { host: this.input.host, powerState, poweredOff: powerState === 'Power Off', override };
    }
    const now = await this.control.hostState(this.where);
    if (HOST_UP_STATES.has(now)) return 'host-returned';
    this.hostDownAt = Date.now();
    if (now === 'Power Off') this.power = { ...this.power!, poweredOff: true, powerState: now };
    return 'fenced';
  }

  private async waitForOverride(why: string) {
    this.run.enterPhase('fence-blocked');
    await this.notify(
      'critical',
      'fence-failed',
      `cannot fence ${this.input.host}: ${why}. Nothing is restarted until an operator overrides the fence.`,
    );
    const override = await this.gates.fenceOverride();
    this.run.enterPhase('fence');
    return override;
  }

  /**
   * 5. The per-LPAR safety gate, on what the HMC shows now on every host of the group. Returns the LPARs to restart;
   * every other one gets its final step and reason here.
   */
  private async gate(): Promise<RosterLpar[]> {
    const evidence = await this.control.groupEvidence({ group: this.input.group });
    const fence = { sourcePoweredOff: this.power!.poweredOff, overridden: this.power!.override !== undefined };
    const restartable: RosterLpar[] = [];
    for (const lpar of this.roster) {
      const verdict = gateVerdict(lpar, evidence, this.input.host, fence);
      if (verdict.kind === 'restart') restartable.push(lpar);
      else if (verdict.kind === 'running-elsewhere')
        this.run.setLpar(lpar.name, 'running', { destination: verdict.host });
      else this.run.setLpar(lpar.name, verdict.kind, { error: verdict.reason });
    }
    this.gateEvidence = evidence;
    return restartable;
  }

  /**
   * Storage fencing. A host proven powered off loses its storage host object's ports in one command, whatever its
   * number of volumes (the ports are recorded for cleanup). Otherwise (an override) only the volumes of the LPARs the
   * gate let through, each proven not active there or vouched for by the operator, are unmapped one by one: an
   * override does not prove the host's other LPARs stopped, and a host-level cut would take their disks too. A host
   * with no host object of its name is also cut volume by volume. `whileCutting` is called once the host-level cut's
   * command has been asked for (work that may run beside it starts then).
   */
  private async cutStorage(restartable: RosterLpar[], whileCutting: () => void): Promise<'cut' | 'host-returned'> {
    const power = this.power!;
    const hostDownAt = this.hostDownAt!;
    try {
      if (power.poweredOff) {
        const wwpns = await this.hostPortsOrNone();
        if (wwpns !== undefined) {
          const cutting = this.storage.cutHostPorts({ ...this.where, wwpns, hostDownAt });
          whileCutting();
          await cutting;
          const hostPortsRemoved = { storageHost: this.input.host, wwpns };
          this.run.fence = { ...power, unmappedVolumes: [], hostPortsRemoved, timings: this.fenceTimings() };
          return 'cut';
        }
      }
      const volumes = power.poweredOff
        ? await this.storage.listHostMappings(this.where)
        : [...new Set(restartable.flatMap((l) => l.volumes))];
      const lanes = this.input.policy.concurrency.storageOperations;
      await boundedParallel(volumes, lanes, (volume) =>
        this.storage.unmapVolume({ group: this.input.group, volume, host: this.input.host, hostDownAt }),
      );
      this.run.fence = { ...power, unmappedVolumes: volumes, timings: this.fenceTimings() };
    } catch (err) {
      if (failureType(err) === 'HostReturned') return 'host-returned';
      throw err;
    }
    return 'cut';
  }

  private fenceTimings(): FenceProof['timings'] {
    return { startMs: this.fenceStartedAt - this.run.startedAtMs, storageCutMs: Date.now() - this.run.startedAtMs };
  }

  /**
   * NPIV-attached LPARs keep their volumes on their own host objects, which no cut of the failed host's touches: their
   * fence is that the storage shows those ports logged out (PowerVC's rule for remote restart). One still logged in
   * may be running: it is blocked. Returns the LPARs to restart, and those whose ports were read logged out.
   */
  private async npivFence(restartable: RosterLpar[]): Promise<{ cleared: RosterLpar[]; proven: string[] }> {
    const proven: string[] = [];
    const cleared = restartable.filter((l) => l.npivHostObjects === undefined);
    const npiv = restartable.filter((l) => l.npivHostObjects !== undefined);
    const lanes = this.input.policy.concurrency.storageOperations;
    const answers = await boundedParallel(npiv, lanes, (lpar) =>
      this.storage.npivPortsLoggedIn({ group: this.input.group, hostObjects: lpar.npivHostObjects! }),
    );
    for (const [i, lpar] of npiv.entries()) {
      const loggedIn = answers[i]!;
      if (loggedIn.length === 0 && lpar.npivHostObjects!.length > 0) {
        proven.push(lpar.name);
        cleared.push(lpar);
      } else {
        const why = loggedIn.length > 0 ? `still logged in: ${loggedIn.join(', ')}` : 'no host object known';
        this.run.setLpar(lpar.name, 'blocked', {
          error: `not restarted: its NPIV client ports are not proven logged out of the storage (${why}); it may run`,
        });
      }
    }
    return { cleared, proven };
  }

  /** The ports of the host's storage host object; undefined when it has none of its name (a per-volume cut then). */
  private async hostPortsOrNone(): Promise<string[] | undefined> {
    try {
      return await this.storage.hostPorts(this.where);
    } catch (err) {
      if (failureType(err) === 'NoHostObject') return undefined;
      throw err;
    }
  }

  /**
   * The host is back: the failover stops touching it, and every LPAR it had not settled stays where the HMC shows it,
   * with the reason, for an operator (`when` says what the fence had done by then).
   */
  private async hostReturned(when: string): Promise<FailoverReport> {
    const evidence = await this.control.groupEvidence({ group: this.input.group }).catch(() => undefined);
    const here = evidence?.hosts.find((h) => h.host === this.input.host);
    for (const l of this.run.allLpars().filter((l) => isUnfinished(l.step))) {
      const state = here?.partitions?.[l.lpar] ?? 'unknown';
      const why = `not restarted: ${this.input.host} came back (${here?.state ?? 'up'}) ${when}; it is ${state} there`;
      this.run.setLpar(l.lpar, state === 'Running' ? 'running' : 'not-restarted', {
        destination: this.input.host,
        error: why,
      });
    }
    return this.finish('host-returned');
  }

  /** 6. Restart rounds: plan, one stream per destination, then re-plan what failed away from where it failed. */
  private async restartAll(restartable: RosterLpar[]): Promise<void> {
    this.run.enterPhase('execute');
    const failedOn = new Map<string, string[]>(restartable.map((l) => [l.name, []]));
    let evidence = this.gateEvidence!;
    let todo = restartable.map((l) => l.name);
    for (let round = 1; round <= MAX_ROUNDS && todo.length > 0; round++) {
      if (round > 1) ({ evidence, restartable: todo } = await this.regate(todo));
      const lpars = todo.map((name) => ({ name, excludeHosts: failedOn.get(name) ?? [] }));
      const plan = await this.control.planFailover({ ...this.where, evidence, lpars });
      this.adoptPlan(plan, round);
      await this.runStreams(plan, round);
      todo = this.run
        .lparsAt('failed')
        .filter((l) => l.replannable !== false && failedOn.has(l.lpar))
        .map((l) => l.lpar);
      for (const name of todo) failedOn.get(name)!.push(this.run.lpar(name)!.destination!);
    }
  }

  /** Before a re-plan, the gate again: an LPAR that now shows signs of life anywhere is not restarted. */
  private async regate(candidates: string[]): Promise<{ evidence: GroupEvidence; restartable: string[] }> {
    const evidence = await this.control.groupEvidence({ group: this.input.group });
    const restartable: string[] = [];
    const fence = { sourcePoweredOff: this.run.fence!.poweredOff, overridden: this.run.fence!.override !== undefined };
    for (const lpar of this.roster.filter((l) => candidates.includes(l.name))) {
      const verdict = gateVerdict(lpar, evidence, this.input.host, fence);
      const previous = this.run.lpar(lpar.name)?.error;
      if (verdict.kind === 'restart') restartable.push(lpar.name);
      else if (verdict.kind === 'running-elsewhere')
        this.run.setLpar(lpar.name, 'running', { destination: verdict.host, reopen: true });
      else this.run.setLpar(lpar.name, verdict.kind, { error: `${previous}; before a re-plan: ${verdict.reason}` });
    }
    return { evidence, restartable };
  }

  private adoptPlan(plan: FailoverPlan, round: number): void {
    if (round === 1) this.run.plan = plan;
    for (const stream of plan.streams) {
      for (const l of stream.lpars) {
        this.run.setLpar(l.name, 'pending', {
          destination: stream.destination,
          attempts: round,
          priority: l.priority,
          reopen: true,
          replannable: undefined,
        });
      }
    }
    for (const u of plan.unplaced) {
      const previous = this.run.lpar(u.lpar)?.error;
      const why = `${u.reason}: ${u.detail}`;
      this.run.setLpar(u.lpar, round === 1 ? 'unplaced' : 'failed', {
        error: previous ? `${previous}; re-plan: ${why}` : why,
      });
    }
  }

  private async runStreams(plan: FailoverPlan, round: number): Promise<void> {
    const { devices, concurrency, timing } = this.input.policy;
    const results = await boundedParallel(
      plan.streams,
      concurrency.maxParallelStreams ?? plan.streams.length,
      (stream) =>
        executeChild(restartStream, {
          workflowId: restartStreamWorkflowId(this.run.workflowId, round, stream.destination),
          args: [
            {
              parentWorkflowId: this.run.workflowId,
              group: this.input.group,
              source: this.input.host,
              destination: stream.destination,
              round,
              lpars: stream.lpars,
              policy: { devices, concurrency, timing },
              startedAt: this.run.startedAtMs,
              fencedHost: this.run.fence?.hostPortsRemoved ? this.input.host : undefined,
            },
          ],
        }),
    );
    // The children's own results are authoritative (a progress signal may still be in flight).
    for (const result of results as StreamResult[]) for (const l of result.lpars) this.run.takeFromStream(l);
  }

  /**
   * 7. What the HMC shows at the end decides: an LPAR counts as running only if it runs on exactly one host, the one
   * the failover put it on. The inventory learns where each LPAR runs now.
   */
  private async verify(): Promise<FailoverOutcome> {
    if (!this.finished) this.run.enterPhase('verify');
    const evidence = await this.control.groupEvidence({ group: this.input.group });
    this.verifiedAt = Date.now();
    for (const l of this.run.lparsAt('running')) {
      const runningOn = evidence.hosts.filter((h) => h.partitions?.[l.lpar] === 'Running').map((h) => h.host);
      if (runningOn.length === 1 && runningOn[0] === l.destination) continue;
      const seen = evidence.hosts
        .filter((h) => h.partitions?.[l.lpar] !== undefined)
        .map((h) => `${h.partitions![l.lpar]} on ${h.host}`);
      const there = evidence.hosts.find((h) => h.host === l.destination);
      const stateThere = there?.partitions?.[l.lpar] ?? (there?.partitions ? 'absent' : 'unknown');
      // Not Available (its host went into Error) or unreadable: it may still run there; only proof of absence fails it.
      const step = partitionEvidence(stateThere) === 'may-be-running' ? 'blocked' : 'failed';
      this.run.setLpar(l.lpar, step, {
        error: `reported running on ${l.destination}, but at the end the HMC shows ${seen.join(', ') || 'it nowhere'}${step === 'blocked' ? ': it may still run there, check it' : ''}`,
      });
    }
    this.finalEvidence = evidence;
    return restartOutcome(this.run.allLpars());
  }

  /**
   * Tells the inventory what the HMC shows at the end, whatever the outcome (a cancelled or stopped run moved LPARs
   * too): each roster LPAR where it runs, else where the failover last put it or its source, with the state the HMC
   * shows there (an LPAR the HMC cannot see is left as the inventory knew it); the host, fenced only with a proof.
   * Best effort: a store that cannot record it must not lose the report.
   */
  private async writeBack(): Promise<void> {
    try {
      const evidence = this.finalEvidence ?? (await this.control.groupEvidence({ group: this.input.group }));
      const lpars = this.roster.flatMap((l) => {
        const listed = (host?: string) =>
          evidence.hosts.find((h) => h.host === host && h.partitions?.[l.name] !== undefined);
        const where =
          evidence.hosts.find((h) => h.partitions?.[l.name] === 'Running') ??
          listed(this.run.lpar(l.name)?.destination) ??
          listed(this.input.host);
        return where ? [{ name: l.name, host: where.host, state: where.partitions![l.name]! }] : [];
      });
      const hostState = evidence.hosts.find((h) => h.host === this.input.host)?.state ?? 'unknown';
      const fenced = this.run.fence !== undefined;
      await this.control.recordFailoverObservations({
        ...this.where,
        workflowId: this.run.workflowId,
        fenced,
        hostState,
        lpars,
      });
    } catch (err) {
      log.warn(
        `failover ${this.run.workflowId}: the inventory could not be told what changed: ${innermostMessage(err)}`,
      );
    }
  }

  /** Fires an alert the moment the RTO budget is exceeded, not only in the final report. */
  watchRtoBudget(): void {
    const budget = this.input.policy.rtoBudgetMs;
    if (this.input.dryRun) return;
    sleep(budget)
      .then(async () => {
        if (this.finished) return;
        const t = this.run.progress().totals;
        await this.notify(
          'critical',
          'rto-exceeded',
          `failover of ${this.input.host} exceeded its RTO budget of ${budget / 1000} s in phase ${this.run.phase}: ${t.running} running, ${t.pending} still in progress`,
        );
      })
      .catch(() => undefined);
  }

  private async finish(outcome: FailoverOutcome): Promise<FailoverReport> {
    this.finished = true;
    if (outcome === 'rejected')
      this.leaveUntouched(
        `the failover was ${this.run.approval?.decision === 'timed-out' ? 'not approved in time' : `rejected by ${this.run.approval?.by}`}`,
      );
    let report = this.run.report(outcome);
    if (this.input.dryRun) return report;
    await CancellationScope.nonCancellable(async () => {
      await this.control.recordFailoverReport(report);
      // The stored outcome must agree with the devices when it is written: a worker crash can hold the record for
      // seconds after the final check, so a stale check is made again and the run's report replaced.
      for (
        let tries = 0;
        tries < 3 && this.verifiedAt !== undefined && Date.now() - this.verifiedAt > FRESH_CHECK_MS;
        tries++
      ) {
        report = this.run.report(await this.verify());
        await this.control.recordFailoverReport(report);
      }
      if (!['not-failed', 'dry-run', 'rejected'].includes(report.outcome)) await this.writeBack();
      if (!['not-failed', 'dry-run'].includes(report.outcome)) await this.notifyFinished(report);
    });
    return report;
  }

  /** Nothing was touched: every LPAR not yet settled is left as it is, with the reason. */
  private leaveUntouched(why: string): void {
    for (const l of this.run.allLpars().filter((l) => isUnfinished(l.step))) {
      this.run.setLpar(l.lpar, 'not-restarted', { error: `not restarted: ${why}; nothing was touched` });
    }
  }

  private notifyFinished(report: FailoverReport) {
    const t = report.totals;
    const fine = report.outcome === 'succeeded' || report.outcome === 'already-recovered';
    const kind = report.stoppedBy ? 'failover-stopped' : 'failover-finished';
    return this.notify(
      fine ? 'info' : 'critical',
      kind,
      `failover of ${this.input.host}: ${report.outcome}, ${t.running} running, ${t.failed} failed, ${t.blocked} blocked, ${t.notRestarted} not restarted, ${t.unplaced} not placed${report.stoppedBy ? ` (stopped in ${report.stoppedBy})` : ''}`,
    );
  }

  /** Cancelled: nothing new was started after the request; every LPAR's last known state is in the report. */
  finishCancelled(): Promise<FailoverReport> {
    this.run.cancelledDuring ??= this.run.phase;
    for (const l of this.run.lparsAt('pending'))
      this.run.setLpar(l.lpar, 'cancelled', { error: 'not started: the failover was cancelled' });
    return this.finish('cancelled');
  }

  /** A step failed after its retries: every LPAR not yet done is reported with the step it was in, for an operator. */
  async finishStopped(err: ActivityFailure | ChildWorkflowFailure): Promise<FailoverReport> {
    const which = err instanceof ChildWorkflowFailure ? `restart stream ${err.execution.workflowId} ended: ` : '';
    this.run.stoppedBy = `${this.run.phase}: ${this.fenceSoFar()}${which}${innermostMessage(err)}`;
    if (this.roster.length === 0) await this.rosterFromInventory();
    for (const l of this.run.allLpars().filter((l) => isUnfinished(l.step))) {
      const where =
        l.step === 'pending' ? 'not started' : `stopped during ${l.step} on ${l.destination}: check it on the HMC`;
      this.run.setLpar(l.lpar, 'failed', {
        replannable: false,
        error: `${where}; the failover stopped (${this.run.stoppedBy})`,
      });
    }
    // A failover that stopped did not finish its work: never `succeeded`, even when nothing was left to restart.
    return this.finish(this.run.lparsAt('running').length > 0 ? 'partial' : 'failed');
  }

  /**
   * Stopped before the roster was taken (the HMC failed at the first step): the inventory alone still says which
   * LPARs were on the host, so the report names them instead of saying nothing. Best effort: the store may fail too.
   */
  private async rosterFromInventory(): Promise<void> {
    try {
      const noLiveRead: GroupEvidence = { readAt: new Date().toISOString(), hosts: [] };
      this.roster = await this.control.failoverRoster({ ...this.where, evidence: noLiveRead });
      for (const l of this.roster) this.run.setLpar(l.name, 'pending', { priority: l.priority });
    } catch (err) {
      log.warn(
        `failover ${this.run.workflowId}: the inventory could not name the host's LPARs: ${innermostMessage(err)}`,
      );
    }
  }

  /** What the fence had achieved when a step failed during it, so the operator knows the host's situation. */
  private fenceSoFar(): string {
    const power = this.power;
    if (this.run.phase !== 'fence' || !power || this.run.fence) return '';
    const proof = power.poweredOff ? `${power.powerState} confirmed` : `fence overridden by ${power.override?.by}`;
    return `${proof}, but removing the host's volume mappings failed: `;
  }

  private notify(severity: 'info' | 'warning' | 'critical', kind: string, message: string) {
    return this.control.notify({ severity, kind, message, workflowId: this.run.workflowId });
  }
}

/** The type of the innermost ApplicationFailure of a failure chain, e.g. `HostReturned`. */
function failureType(err: unknown): string | undefined {
  let inner: unknown = err;
  while (inner instanceof Error && inner.cause instanceof Error) inner = inner.cause;
  return inner instanceof ApplicationFailure ? (inner.type ?? undefined) : undefined;
}

// One failover's state, and the only writer of its phase and of its LPARs' steps (Proxmox ha-manager's single
// transition function): every change goes through enterPhase or setLpar, so progress, report and logs agree.
import { log } from '@temporalio/workflow';
import {
  FINAL_STEPS,
  totals,
  type FailoverOutcome,
  type FailoverPhase,
  type FailoverPlan,
  type FailoverProgress,
  type FailoverReport,
  type FenceProof,
  type HostFailoverInput,
  type LparProgress,
  type LparStep,
  type OperatorDecision,
} from '../../domain/failover/index.js';

/** Outcomes that end the failover in a phase of their own name (the rest end in `done`). */
const PHASE_OF_OUTCOME: Partial<Record<FailoverOutcome, FailoverPhase>> = {
  'not-failed': 'not-failed',
  rejected: 'rejected',
  cancelled: 'cancelled',
  'host-returned': 'host-returned',
};

export class FailoverRun {
  phase: FailoverPhase = 'confirm';
  fence?: FenceProof;
  plan?: FailoverPlan;
  approval?: FailoverReport['approval'];
  cancelledDuring?: FailoverPhase;
  cancelledBy?: OperatorDecision;
  stoppedBy?: string;
  private readonly lpars = new Map<string, LparProgress>();

  constructor(
    readonly workflowId: string,
    readonly input: HostFailoverInput,
    readonly startedAtMs: number,
    readonly rtoBudgetMs: number,
  ) {}

  enterPhase(phase: FailoverPhase): void {
    if (phase === this.phase) return;
    log.info(`failover ${this.workflowId}: ${this.phase} -> ${phase}`);
    this.phase = phase;
  }

  /**
   * Sets an LPAR's step (and what goes with it). A final step is not left again except by a later round of work on
   * the same LPAR (`reopen`), so a late progress signal cannot turn a reported failure back into a pending step.
   */
  setLpar(
    name: string,
    step: LparStep,
    change: Partial<Omit<LparProgress, 'lpar' | 'step'>> & { reopen?: boolean } = {},
  ): void {
    const { reopen, ...fields } = change;
    const before = this.lpars.get(name);
    if (before && FINAL_STEPS.has(before.step) && !FINAL_STEPS.has(step) && !reopen) return;
    const timings = { ...(before?.timings ?? {}), ...(fields.timings ?? {}) };
    if (timings[step] === undefined) timings[step] = Date.now() - this.startedAtMs;
    const next: LparProgress = { attempts: 0, ...before, ...fields, lpar: name, step, timings };
    if (FINAL_STEPS.has(step) && step !== 'running' && fields.error === undefined && before?.error)
      next.error = before.error;
    if (step === 'running') delete next.error;
    this.lpars.set(name, next);
  }

  /** A child stream's own record of an LPAR (authoritative over progress signals). */
  takeFromStream(progress: LparProgress): void {
    this.lpars.set(progress.lpar, { ...this.lpars.get(progress.lpar), ...progress });
  }

  lpar(name: string): LparProgress | undefined {
    return this.lpars.get(name);
  }

  allLpars(): LparProgress[] {
    return [...this.lpars.values()];
  }

  lparsAt(...steps: LparStep[]): LparProgress[] {
    return this.allLpars().filter((l) => steps.includes(l.step));
  }

  progress(): FailoverProgress {
    const lpars = this.allLpars();
    const plan = this.plan;
    return {
      workflowId: this.workflowId,
      group: this.input.group,
      host: this.input.host,
      phase: this.phase,
      startedAt: new Date(this.startedAtMs).toISOString(),
      elapsedMs: Date.now() - this.startedAtMs,
      rtoBudgetMs: this.rtoBudgetMs,
      fence: this.fence,
      planSummary: plan && {
        placed: plan.streams.reduce((n, s) => n + s.lpars.length, 0),
        unplaced: plan.unplaced.length,
        streams: plan.streams.length,
        estimatedRtoMs: plan.estimatedRtoMs,
      },
      lpars,
      totals: totals(lpars),
    };
  }

  report(outcome: FailoverOutcome): FailoverReport {
    this.enterPhase(PHASE_OF_OUTCOME[outcome] ?? 'done');
    const rtoMs = Date.now() - this.startedAtMs;
    return {
      ...this.progress(),
      outcome,
      rtoMs,
      withinBudget: rtoMs <= this.rtoBudgetMs,
      unplaced: this.plan?.unplaced ?? [],
      approval: this.approval,
      plan: this.plan,
      cancelledDuring: this.cancelledDuring,
      cancelledBy: this.cancelledBy,
      stoppedBy: this.stoppedBy,
    };
  }
}

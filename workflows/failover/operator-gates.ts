// The operator's say in a failover: approve or reject (advisory mode), override a blocked fence, cancel. Each is a
// Workflow Update whose validator decides, against the run's state at that moment, whether it can take effect: a
// refused one is answered at once with the reason and the phase and leaves no trace in the history; an accepted one
// answers with the phase it led to. The signals of the same names stay for runs started before the updates and for
// the histories that hold them: a malformed or late one is logged and ignored, never allowed to fail the failover.
// An override counts only while the fence is blocked, so one sent early is not silently used later.
import { ApplicationFailure, condition, log, setHandler } from '@temporalio/workflow';
import type { FailoverPhase, OperatorDecision } from '../../domain/failover/index.js';
import {
  DECISION_REFUSED,
  approveSignal,
  approveUpdate,
  cancelRequestedSignal,
  cancelUpdate,
  overrideFenceSignal,
  overrideFenceUpdate,
  rejectSignal,
  rejectUpdate,
  type DecisionRefusal,
  type DecisionTaken,
} from './messages.js';
import type { FailoverRun } from './run-state.js';

/** Phases in which the failover is writing its report: a cancel can no longer change anything. */
const FINISHING: ReadonlySet<FailoverPhase> = new Set(['done', 'not-failed', 'rejected', 'cancelled', 'host-returned']);

/** The longest `by` accepted: the API's actor is the token's name plus the caller's note (≤ 200, escaped). */
const MAX_BY = 2_000;

export class OperatorGates {
  private decision?: { approved: boolean } & OperatorDecision;
  private override?: OperatorDecision;
  /** Set once the approval wait is over (answered or timed out): a later approve or reject cannot take effect. */
  private approvalClosed = false;

  constructor(private readonly run: FailoverRun) {
    setHandler(approveSignal, (d) => {
      if (valid('approve', d)) this.decision ??= { approved: true, ...clean(d) };
    });
    setHandler(rejectSignal, (d) => {
      if (valid('reject', d)) this.decision ??= { approved: false, ...clean(d) };
    });
    setHandler(overrideFenceSignal, (d) => {
      if (!valid('overrideFence', d) || !d.reason?.trim())
        return void log.warn('overrideFence ignored: it needs "by" and a "reason"');
      if (run.phase !== 'fence-blocked')
        return void log.warn(`overrideFence ignored: the fence is not blocked (phase ${run.phase})`);
      this.override ??= clean(d);
    });
    setHandler(cancelRequestedSignal, (d) => {
      if (valid('cancelRequested', d)) run.cancelledBy ??= clean(d);
    });

    for (const [update, approved] of [
      [approveUpdate, true],
      [rejectUpdate, false],
    ] as const) {
      setHandler(
        update,
        async (d) => {
          this.decision = { approved, ...clean(d) };
          await condition(() => run.phase !== 'approve');
          return this.taken(approved ? 'approved' : 'rejected');
        },
        { validator: (d) => this.checkApproval(approved ? 'approve' : 'reject', d) },
      );
    }
    setHandler(
      overrideFenceUpdate,
      async (d) => {
        this.override = clean(d);
        await condition(() => run.phase !== 'fence-blocked');
        return this.taken('fence-overridden');
      },
      { validator: (d) => this.checkOverride(d) },
    );
    setHandler(
      cancelUpdate,
      // The cancellation itself is requested by the caller once this is accepted (so the history shows who asked);
      // the phase answered is the one the failover is stopped in.
      async (d) => {
        run.cancelledBy = clean(d);
        return this.taken('cancel-requested');
      },
      { validator: (d) => this.checkCancel(d) },
    );
  }

  /** Waits for approve or reject, at most `timeoutMs`; undefined when nobody answered. */
  async approval(timeoutMs: number): Promise<({ approved: boolean } & OperatorDecision) | undefined> {
    await condition(() => this.decision !== undefined, timeoutMs);
    this.approvalClosed = true;
    return this.decision;
  }

  /** Waits (without limit: the failover must not guess) for an operator's fence override. */
  async fenceOverride(): Promise<OperatorDecision> {
    await condition(() => this.override !== undefined);
    return this.override!;
  }

  private taken(decision: DecisionTaken['decision']): DecisionTaken {
    return { decision, phase: this.run.phase };
  }

  /** Approve and reject count only while the failover waits for approval and nobody has answered yet. */
  private checkApproval(action: 'approve' | 'reject', d: unknown): void {
    this.checkDecision(action, d);
    const { phase } = this.run;
    if (this.decision) {
      const what = this.decision.approved ? 'approved' : 'rejected';
      this.refuse(
        'already_decided',
        `the failover was already ${what} by ${this.decision.by}; it is in phase ${phase}`,
      );
    }
    if (phase !== 'approve' || this.approvalClosed)
      this.refuse(
        'not_waiting_for_approval',
        `the failover is in phase ${phase}${this.approvalClosed ? ' (nobody answered in time)' : ''}; ` +
          `${action} is accepted only while it waits for approval (phase approve)`,
      );
  }

  private checkOverride(d: unknown): void {
    this.checkDecision('override-fence', d);
    if (!(d as OperatorDecision).reason?.trim())
      this.refuse('invalid_decision', 'override-fence needs a reason (why the host is known to be down)');
    if (this.run.phase !== 'fence-blocked' || this.override)
      this.refuse(
        'fence_not_blocked',
        `the failover is in phase ${this.run.phase}; ` +
          'override-fence is accepted only while the fence is blocked (phase fence-blocked)',
      );
  }

  private checkCancel(d: unknown): void {
    this.checkDecision('cancel', d);
    const { phase, cancelledBy } = this.run;
    if (cancelledBy) this.refuse('already_cancelled', `the failover was already cancelled by ${cancelledBy.by}`);
    if (FINISHING.has(phase) || this.run.cancelledDuring)
      this.refuse('finishing', `the failover is finishing (phase ${phase}); a cancel would change nothing`);
  }

  private checkDecision(action: string, d: unknown): asserts d is OperatorDecision {
    if (!isDecision(d))
      this.refuse(
        'invalid_decision',
        `${action} needs "by" (the operator's name, at most ${MAX_BY} characters) and an optional string "reason"`,
      );
  }

  private refuse(code: string, message: string): never {
    const refusal: DecisionRefusal = { code, phase: this.run.phase };
    throw ApplicationFailure.create({ type: DECISION_REFUSED, message, details: [refusal], nonRetryable: true });
  }
}

function clean(d: OperatorDecision): OperatorDecision {
  return { by: d.by.trim(), ...(d.reason?.trim() && { reason: d.reason.trim() }) };
}

function isDecision(decision: unknown): decision is OperatorDecision {
  const d = decision as Partial<OperatorDecision> | undefined;
  return (
    typeof d?.by === 'string' &&
    d.by.trim() !== '' &&
    d.by.length <= MAX_BY &&
    (d.reason === undefined || typeof d.reason === 'string')
  );
}

function valid(signal: string, decision: unknown): decision is OperatorDecision {
  const ok = isDecision(decision);
  if (!ok) log.warn(`${signal} ignored: it needs "by" (the operator's name) and an optional string "reason"`);
  return ok;
}

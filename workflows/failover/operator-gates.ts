// The operator's say in a failover: approve or reject (advisory mode), override a blocked fence, cancel. Signal
// payloads come from outside: a malformed one is logged and ignored, never allowed to fail the failover. An override
// counts only while the fence is blocked, so one sent early is not silently used later.
import { condition, log, setHandler } from '@temporalio/workflow';
import type { OperatorDecision } from '../../domain/failover/index.js';
import { approveSignal, cancelRequestedSignal, overrideFenceSignal, rejectSignal } from './messages.js';
import type { FailoverRun } from './run-state.js';

export class OperatorGates {
  private decision?: { approved: boolean } & OperatorDecision;
  private override?: OperatorDecision;

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
  }

  /** Waits for approve or reject, at most `timeoutMs`; undefined when nobody answered. */
  async approval(timeoutMs: number): Promise<({ approved: boolean } & OperatorDecision) | undefined> {
    await condition(() => this.decision !== undefined, timeoutMs);
    return this.decision;
  }

  /** Waits (without limit: the failover must not guess) for an operator's fence override. */
  async fenceOverride(): Promise<OperatorDecision> {
    await condition(() => this.override !== undefined);
    return this.override!;
  }
}

function clean(d: OperatorDecision): OperatorDecision {
  return { by: d.by.trim(), ...(d.reason?.trim() && { reason: d.reason.trim() }) };
}

function valid(signal: string, decision: unknown): decision is OperatorDecision {
  const d = decision as Partial<OperatorDecision> | undefined;
  const ok =
    typeof d?.by === 'string' &&
    d.by.trim() !== '' &&
    d.by.length <= 200 &&
    (d.reason === undefined || typeof d.reason === 'string');
  if (!ok) log.warn(`${signal} ignored: it needs "by" (the operator's name) and an optional string "reason"`);
  return ok;
}

// The run state of an evacuation or a restore: the only writer of its phase and of each LPAR's move (the journal the
// progress query and the report read).
import {
  moveTotals,
  type EvacuationKind,
  type EvacuationPhase,
  type EvacuationProgress,
  type LparMove,
  type MigrationLimits,
  type MoveStep,
  type Requester,
} from '../../domain/evacuation/index.js';

export class MoveRun {
  phase: EvacuationPhase = 'maintenance';
  cancelledBy?: Requester;
  cancelled = false;
  stoppedBy?: string;
  private readonly moves = new Map<string, LparMove>();
  /** The moves whose volumes were shared to their destination (validation started): each is cleaned up at the end. */
  readonly shared = new Map<string, { lpar: string; from: string; to: string; volumes: string[] }>();

  constructor(
    readonly workflowId: string,
    readonly kind: EvacuationKind,
    readonly group: string,
    readonly host: string,
    readonly limits: MigrationLimits,
    private readonly startedMs: number,
  ) {}

  enterPhase(phase: EvacuationPhase): void {
    this.phase = phase;
  }

  /** Adds an LPAR to the journal (first time) or moves it to `step`, with the fields that changed. */
  set(lpar: string, step: MoveStep, fields: Partial<Omit<LparMove, 'lpar' | 'step'>> = {}): void {
    const now = Date.now() - this.startedMs;
    const before = this.moves.get(lpar) ?? { lpar, from: this.host, step };
    const started = step === 'migrating' || step === 'shutting-down' ? { startedMs: before.startedMs ?? now } : {};
    const finished = ['moved', 'restarted', 'failed'].includes(step) ? { finishedMs: now } : {};
    this.moves.set(lpar, { ...before, ...fields, ...started, ...finished, step });
  }

  /** Adds fields to an LPAR already in the journal, keeping its step and times (a note after the fact). */
  note(lpar: string, fields: Partial<Omit<LparMove, 'lpar' | 'step'>>): void {
    const before = this.moves.get(lpar);
    if (before) this.moves.set(lpar, { ...before, ...fields });
  }

  lpar(name: string): LparMove | undefined {
    return this.moves.get(name);
  }

  get lpars(): LparMove[] {
    return [...this.moves.values()];
  }

  progress(): EvacuationProgress {
    const lpars = this.lpars;
    return {
      workflowId: this.workflowId,
      kind: this.kind,
      group: this.group,
      host: this.host,
      phase: this.phase,
      startedAt: new Date(this.startedMs).toISOString(),
      elapsedMs: Date.now() - this.startedMs,
      limits: this.limits,
      lpars,
      totals: moveTotals(lpars),
    };
  }
}

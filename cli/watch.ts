// `lazarus watch <id>`: a failover's progress, live, until it ends. On a terminal, cli-progress draws the RTO budget
// burning down and one bar per destination stream (LPARs done of LPARs planned, each LPAR's step beside it); phase
// changes scroll above the bars. When stdout is not a terminal (a pipe, a log, a test) the same events are plain
// lines, one per change, so the output reads as a timeline.
import cliProgress from 'cli-progress';
import {
  FINAL_STEPS,
  type FailoverProgress,
  type FailoverReport,
  type LparProgress,
} from '../domain/failover/index.js';
import type { ApiClient } from './client.js';
import { CliError, EXIT } from './errors.js';
import { storageCutText } from '../domain/failover/index.js';
import { duration } from './render.js';
import { failoverPath, FAILOVER_ID_HINT } from './targets.js';

/** One run as GET /v1/failovers/:id answers: progress while running, the report (or an error) once closed. */
export interface RunView {
  id: string;
  runId: string;
  status: string;
  progress?: FailoverProgress;
  report?: FailoverReport;
  error?: string;
}

/** Where watch writes, and whether it may redraw (a TTY). */
export interface WatchOutput {
  write(text: string): void;
  tty: boolean;
  /** Terminal width for the bars (columns). */
  columns?: number;
}

/** How long watch keeps asking a failover or an API that does not answer before it gives up. */
const UNANSWERED_LIMIT_MS = 60_000;

/** Reads the run every `intervalMs` and draws it until it is closed; the closed run's view. */
export async function watchFailover(
  client: ApiClient,
  id: string,
  output: WatchOutput,
  intervalMs = 1000,
): Promise<RunView> {
  const view: ProgressView = output.tty ? new BarsView(output) : new LinesView(output);
  let unanswered: number | undefined;
  // An API that never answered is a wrong URL, said at once; one that stops answering may be restarting.
  let answered = false;
  try {
    for (;;) {
      let run: RunView;
      try {
        run = await client.get<RunView>(failoverPath(id), { notFoundHint: FAILOVER_ID_HINT });
      } catch (err) {
        // A failover whose worker is restarting answers 503 `failover_not_answering` for a few seconds, and an API
        // that restarts is unreachable for a while: wait both out (the failover goes on regardless).
        const waitable =
          err instanceof CliError &&
          ((err.exitCode === EXIT.api && /failover_not_answering/.test(err.message)) ||
            (err.exitCode === EXIT.unreachable && answered));
        if (!waitable || Date.now() - (unanswered ??= Date.now()) > UNANSWERED_LIMIT_MS) throw err;
        view.note(`${err.message}; still watching`);
        await sleep(intervalMs);
        continue;
      }
      unanswered = undefined;
      answered = true;
      if (run.status !== 'running') return run;
      if (run.progress) view.update(run.progress);
      await sleep(intervalMs);
    }
  } finally {
    view.stop();
  }
}

/** watch's exit code for a closed run: 0 when it succeeded (or was a dry run), EXIT.notSucceeded otherwise. */
export function exitCodeOf(run: RunView): number {
  const outcome = run.report?.outcome;
  return outcome === 'succeeded' || outcome === 'dry-run' ? EXIT.ok : EXIT.notSucceeded;
}

interface ProgressView {
  update(progress: FailoverProgress): void;
  note(text: string): void;
  stop(): void;
}

/** Milliseconds since the failover started, now (the workflow's own elapsedMs only moves with its tasks). */
function elapsedOf(progress: FailoverProgress): number {
  const started = Date.parse(progress.startedAt);
  return Number.isNaN(started) ? progress.elapsedMs : Math.max(0, Date.now() - started);
}

/** LPARs by destination stream, in the order destinations first appear; LPARs without one under ''. */
function streams(lpars: LparProgress[]): Map<string, LparProgress[]> {
  const byDestination = new Map<string, LparProgress[]>();
  for (const lpar of lpars) {
    const key = lpar.destination ?? '';
    byDestination.set(key, [...(byDestination.get(key) ?? []), lpar]);
  }
  return byDestination;
}

/** Plain lines, one per change: the phase, the fence proof, each LPAR's step. */
class LinesView implements ProgressView {
  private phase?: string;
  private fenced = false;
  private readonly steps = new Map<string, string>();
  /** The last note shown since the last progress: each different one is said once. */
  private noted?: string;

  constructor(private readonly output: WatchOutput) {}

  update(progress: FailoverProgress): void {
    this.noted = undefined;
    const at = `[${duration(elapsedOf(progress)).padStart(8)}]`;
    if (progress.phase !== this.phase) {
      this.phase = progress.phase;
      const budget = `RTO budget ${duration(progress.rtoBudgetMs)}, ${duration(Math.max(0, progress.rtoBudgetMs - elapsedOf(progress)))} left`;
      this.output.write(`${at} phase ${progress.phase} (${budget})\n`);
    }
    if (progress.fence && !this.fenced) {
      this.fenced = true;
      const fence = progress.fence;
      this.output.write(
        `${at} fence ${fence.host}: ${fence.powerState}${fence.override ? ` (override by ${fence.override.by})` : ''}, ` +
          `${storageCutText(fence)}\n`,
      );
    }
    for (const lpar of progress.lpars) {
      const step = `${lpar.destination ?? ''}:${lpar.step}`;
      if (this.steps.get(lpar.lpar) === step) continue;
      this.steps.set(lpar.lpar, step);
      const where = lpar.destination ? ` → ${lpar.destination}` : '';
      this.output.write(`${at} ${lpar.lpar}${where}: ${lpar.step}${lpar.error ? ` (${lpar.error})` : ''}\n`);
    }
  }

  note(text: string): void {
    if (this.noted === text) return;
    this.noted = text;
    this.output.write(`${text}\n`);
  }

  stop(): void {}
}

/** cli-progress bars: the RTO budget left, and per destination stream the LPARs done with each one's step. */
class BarsView implements ProgressView {
  private readonly bars: cliProgress.MultiBar;
  private readonly budget: cliProgress.SingleBar;
  private readonly streamBars = new Map<string, cliProgress.SingleBar>();
  private phase?: string;
  /** The last note shown since the last progress: each different one is said once. */
  private noted?: string;

  constructor(output: WatchOutput) {
    this.bars = new cliProgress.MultiBar(
      {
        format: '{label} |{bar}| {counts} {text}',
        barsize: 24,
        hideCursor: true,
        clearOnComplete: false,
        stopOnComplete: false,
        forceRedraw: true,
        autopadding: true,
        linewrap: false,
        stream: process.stdout,
      },
      cliProgress.Presets.shades_classic,
    );
    void output;
    this.budget = this.bars.create(1, 1, { label: 'RTO budget'.padEnd(14), counts: '', text: '' });
  }

  update(progress: FailoverProgress): void {
    this.noted = undefined;
    const elapsed = elapsedOf(progress);
    if (progress.phase !== this.phase) {
      this.phase = progress.phase;
      // \r: the cursor may still stand at the end of a bar line when the log is flushed.
      this.bars.log(`\r${duration(elapsed).padStart(8)}  phase ${progress.phase}\n`);
    }
    const left = Math.max(0, progress.rtoBudgetMs - elapsed);
    this.budget.setTotal(Math.max(1, progress.rtoBudgetMs));
    this.budget.update(left, {
      counts: `${duration(left)} left`,
      text: `of ${duration(progress.rtoBudgetMs)} · ${duration(elapsed)} elapsed · phase ${progress.phase}`,
    });
    const current = streams(progress.lpars);
    for (const [destination, bar] of this.streamBars) {
      // LPARs waiting for a plan move to their destination's bar: the waiting bar goes when it empties.
      if (current.has(destination)) continue;
      this.bars.remove(bar);
      this.streamBars.delete(destination);
    }
    for (const [destination, lpars] of current) {
      const label = (destination ? `→ ${destination}` : 'no destination').padEnd(14);
      let bar = this.streamBars.get(destination);
      if (!bar) {
        bar = this.bars.create(lpars.length, 0, { label, counts: '', text: '' });
        this.streamBars.set(destination, bar);
      }
      const done = lpars.filter((l) => FINAL_STEPS.has(l.step)).length;
      bar.setTotal(Math.max(1, lpars.length));
      bar.update(done, {
        label,
        counts: `${done}/${lpars.length}`,
        text: lpars.map((l) => `${l.lpar} ${l.step}`).join(' · '),
      });
    }
  }

  note(text: string): void {
    if (this.noted === text) return;
    this.noted = text;
    this.bars.log(`\r${text}\n`);
  }

  stop(): void {
    this.bars.stop();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// The invariant checks that end every chaos seed, over what the simulator says (GET /state, GET /violations) and
// the failover reports the campaign captured, one per run. Pure functions: each returns the failures it found, one
// precise sentence each (LPAR, host, report, what the devices say).

/** The parts of the simulator's GET /state the checks read. */
export interface SimState {
  systems: Array<{
    name: string;
    state: string;
    powered: boolean;
    /** `volumes`: the partition's volumes (absent in hand-made states) */
    partitions: Array<{ name: string; env: string; state: string; volumes?: string[] }>;
  }>;
  storage: Array<{ name: string; mappings: Array<{ host: string; vdisk: string }> }>;
}

/** The parts of a failover report the checks read (workflows/failover/messages.ts, and the issue 10 contract). */
export interface ReportView {
  workflowId: string;
  host: string;
  outcome: string;
  lpars: Array<{ lpar: string; destination?: string; step: string; error?: string }>;
  unplaced?: Array<{ lpar: string; reason: string; detail?: string }>;
  stoppedBy?: string;
}

/** One failover run the campaign started (or duplicated) and followed to its end. Times are epoch ms. */
export interface RunRecord {
  id: string;
  runId: string;
  host: string;
  mode: 'auto' | 'advisory';
  /** when the campaign's POST was accepted */
  startedAt: number;
  /** when Temporal closed the run (undefined while it runs) */
  closedAt?: number;
  report?: ReportView;
  /** how a run that produced no report ended (status and error) */
  endedWithout?: string;
  /** LPARs running on the failed host just before its last failure: a `succeeded` report must name them all */
  runningOnHostAtFailure: string[];
}

export interface Violation {
  kind: string;
  cause: string;
  detail: string;
  subjects: string[];
}

/** A host failure the campaign injected (a destination that died after the report cannot be blamed on it). */
export interface InjectedFailure {
  host: string;
  at: number;
}

/** Grace before a run's close for a destination failure to be blamed on the fault rather than on the report. */
const REPORT_WRITE_MARGIN_MS = 250;

/** Every managed system where the LPAR is active (any state but Not Activated on a powered system) and its state. */
export function whereActive(state: SimState, lpar: string): Array<{ host: string; state: string }> {
  return state.systems.flatMap((s) =>
    s.partitions
      .filter((p) => p.name === lpar && p.env !== 'vioserver' && s.powered && p.state !== 'Not Activated')
      .map((p) => ({ host: s.name, state: p.state })),
  );
}

/** "Running on dc1-s03" / "not active anywhere (defined on dc1-s01: Not Activated, system Power Off)". */
export function describeLpar(state: SimState, lpar: string): string {
  const active = whereActive(state, lpar);
  // A system in Error keeps its partitions running, but the HMC shows them Not Available: say both.
  const shown = (host: string) =>
    state.systems.find((s) => s.name === host)?.state === 'Error' ? ` (HMC: Not Available, ${host} in Error)` : '';
  if (active.length > 0) return active.map((a) => `${a.state} on ${a.host}${shown(a.host)}`).join(' and ');
  const defined = state.systems
    .filter((s) => s.partitions.some((p) => p.name === lpar))
    .map((s) => {
      const partition = s.partitions.find((p) => p.name === lpar)!;
      // Whether it could start there: how many of its volumes that system's host object still maps.
      const mapped = new Set(
        state.storage.flatMap((st) => st.mappings.filter((m) => m.host === s.name).map((m) => m.vdisk)),
      );
      const volumes = partition.volumes ?? [];
      const missing = volumes.filter((v) => !mapped.has(v)).length;
      const disks =
        volumes.length === 0
          ? ''
          : missing === 0
            ? ', volumes mapped'
            : `, ${missing} of ${volumes.length} volumes unmapped`;
      return `${s.name}: ${partition.state}, system ${s.state}${s.powered ? '' : ' (no power)'}${disks}`;
    });
  return `not active anywhere (defined on ${defined.join('; ') || 'no system'})`;
}

/** True when the LPAR runs on exactly one host, in state Running there. */
export function runningOnce(state: SimState, lpar: string): boolean {
  const active = whereActive(state, lpar);
  return active.length === 1 && active[0]!.state === 'Running';
}

/**
 * (a) No breach in the simulator's violation log. `running-lpar-lost-disks` is logged per volume; here the volumes an
 * LPAR lost on one system are one failure, with the first unmapping's cause.
 */
export function checkViolations(violations: Violation[]): string[] {
  const found: string[] = [];
  const lost = new Map<string, { first: Violation; volumes: string[] }>();
  for (const v of violations) {
    if (v.kind !== 'running-lpar-lost-disks') {
      found.push(`violation ${v.kind}: ${v.detail} (caused by ${v.cause})`);
      continue;
    }
    const key = `${v.subjects[0]}@${v.subjects[1]}`;
    const entry = lost.get(key);
    if (entry) entry.volumes.push(v.subjects[2] ?? '?');
    else lost.set(key, { first: v, volumes: [v.subjects[2] ?? '?'] });
  }
  for (const { first, volumes } of lost.values()) {
    const state = first.detail.replace(/^.* may be running on /, '');
    found.push(
      `violation running-lpar-lost-disks: ${first.subjects[0]} lost ${volumes.length} volume(s) ` +
        `while it may be running on ${state}: ${volumes.join(', ')} (first caused by ${first.cause})`,
    );
  }
  return found;
}

/**
 * Advisory mode asks first: in an advisory run, the first of the phases approve / fence / fence-blocked the campaign
 * saw must be approve (nothing is fenced before approval). `phases`: the phases seen, in order (polled, so a short
 * fence phase may be missed, never invented).
 */
export function checkAdvisoryOrder(run: RunRecord, phases: string[]): string[] {
  if (run.mode !== 'advisory') return [];
  const first = phases.find((p) => p === 'approve' || p === 'fence' || p === 'fence-blocked');
  if (first === undefined || first === 'approve') return [];
  return [
    `advisory ${run.id} run ${run.runId.slice(0, 8)} entered ${first} before asking for approval ` +
      `(phases seen: ${phases.join(' → ')})`,
  ];
}

const OUTCOMES_WITH_LPAR_REASONS = new Set(['succeeded', 'partial', 'failed', 'cancelled']);
/** LPAR steps that claim the LPAR is not running (blocked / not-restarted / cancelled describe a decision instead). */
const STEPS_THAT_SAY_DOWN = new Set(['failed', 'unplaced']);
/** Outcomes after which every LPAR of the failed host is restarted or named with its reason (issue 10 contract). */
const OUTCOMES_NAMING_EVERY_LPAR = new Set(['succeeded', 'partial', 'failed']);

/**
 * (c) A report agrees with the devices when the campaign reads them right after the run closed: every LPAR it says
 * is running runs exactly once at its destination; `succeeded` ⇒ none is anything but running and the run did not
 * stop early (`stoppedBy`); `succeeded`, `partial`
 * and `failed` name every LPAR that ran on the host when it failed; `partial` ⇒ some running, some not; `failed` ⇒
 * none running; an LPAR reported failed or unplaced is not running once elsewhere; every LPAR not running names its
 * reason (`error`, or an `unplaced` entry). A destination failure
 * injected after the run closed (less REPORT_WRITE_MARGIN_MS) excuses a running LPAR that is no longer running.
 */
export function checkReport(run: RunRecord, state: SimState, failures: InjectedFailure[]): string[] {
  const report = run.report;
  const name = `report of ${run.id} (run ${run.runId.slice(0, 8)}, outcome ${report?.outcome ?? 'none'})`;
  if (!report)
    return [`${run.id} run ${run.runId.slice(0, 8)} ended without a report: ${run.endedWithout ?? 'unknown'}`];
  const found: string[] = [];
  const unplaced = new Map((report.unplaced ?? []).map((u) => [u.lpar, u]));
  const running = report.lpars.filter((l) => l.step === 'running');
  const notRunning = report.lpars.filter((l) => l.step !== 'running');
  for (const entry of running) {
    if (runningOnce(state, entry.lpar) && whereActive(state, entry.lpar)[0]!.host === entry.destination) continue;
    const excused = failures.some(
      (f) => f.host === entry.destination && f.at >= (run.closedAt ?? Date.now()) - REPORT_WRITE_MARGIN_MS,
    );
    if (!excused)
      found.push(
        `${name} says ${entry.lpar} is running on ${entry.destination}; ` +
          `the devices say ${describeLpar(state, entry.lpar)}`,
      );
  }
  if (report.outcome === 'succeeded' && report.stoppedBy) {
    found.push(`${name}: succeeded, but the run stopped early: ${report.stoppedBy}`);
  }
  if (report.outcome === 'succeeded') {
    for (const entry of notRunning)
      found.push(`${name}: ${entry.lpar} is ${entry.step}${entry.error ? ` (${entry.error})` : ''}`);
    for (const u of unplaced.values()) found.push(`${name}: ${u.lpar} is unplaced (${u.reason})`);
  }
  if (OUTCOMES_NAMING_EVERY_LPAR.has(report.outcome)) {
    const named = new Set([...report.lpars.map((l) => l.lpar), ...unplaced.keys()]);
    for (const lpar of run.runningOnHostAtFailure) {
      if (!named.has(lpar))
        found.push(
          `${name}: ${lpar} was running on ${run.host} when it failed but the report does not name it; ` +
            `the devices say ${describeLpar(state, lpar)}`,
        );
    }
  }
  if (report.outcome === 'partial' && (running.length === 0 || (notRunning.length === 0 && unplaced.size === 0))) {
    found.push(
      `${name}: partial, but ${running.length} of ${report.lpars.length} LPARs running and ${unplaced.size} unplaced`,
    );
  }
  if (report.outcome === 'failed' && running.length > 0) {
    found.push(`${name}: failed, but ${running.map((l) => l.lpar).join(', ')} running`);
  }
  // The other direction: an LPAR reported failed or unplaced that the devices show running once elsewhere (a late
  // duplicate request that re-planned LPARs already recovered; a boot that ended after its step gave up).
  for (const entry of notRunning.filter((l) => STEPS_THAT_SAY_DOWN.has(l.step))) {
    const active = whereActive(state, entry.lpar);
    if (runningOnce(state, entry.lpar) && active[0]!.host !== run.host) {
      found.push(`${name} says ${entry.lpar} is ${entry.step}; the devices say ${describeLpar(state, entry.lpar)}`);
    }
  }
  if (OUTCOMES_WITH_LPAR_REASONS.has(report.outcome)) {
    for (const entry of notRunning) {
      const reason = entry.error?.trim() || (entry.step === 'unplaced' ? unplaced.get(entry.lpar)?.reason : undefined);
      if (!reason) found.push(`${name}: ${entry.lpar} is ${entry.step} with no reason given (no error)`);
    }
  }
  return found;
}

/**
 * (b) Every LPAR running before the campaign is running exactly once, or the latest report naming it (by close
 * time) says why not; an LPAR that was not running before (its owner's intent) is not running now.
 */
export function checkLpars(
  before: Map<string, string>,
  notRunningBefore: string[],
  runs: RunRecord[],
  state: SimState,
): string[] {
  const found: string[] = [];
  const closed = runs.filter((r) => r.report).sort((a, b) => (a.closedAt ?? 0) - (b.closedAt ?? 0));
  for (const [lpar, home] of before) {
    const active = whereActive(state, lpar);
    if (active.length > 1) {
      found.push(`${lpar} is active on ${active.length} hosts: ${describeLpar(state, lpar)}`);
      continue;
    }
    if (runningOnce(state, lpar)) continue;
    const latest = [...closed]
      .reverse()
      .find((r) => r.report!.lpars.some((l) => l.lpar === lpar) || r.report!.unplaced?.some((u) => u.lpar === lpar));
    if (!latest) {
      found.push(
        `${lpar} (running on ${home} before the campaign) is ${describeLpar(state, lpar)}, ` +
          'and no failover report names it',
      );
      continue;
    }
    const entry = latest.report!.lpars.find((l) => l.lpar === lpar);
    const unplaced = latest.report!.unplaced?.find((u) => u.lpar === lpar);
    const where =
      `the latest report naming it (${latest.id} run ${latest.runId.slice(0, 8)}, ` +
      `outcome ${latest.report!.outcome})`;
    if (entry?.step === 'running') {
      found.push(`${lpar} is ${describeLpar(state, lpar)}, but ${where} says running on ${entry.destination}`);
    } else if (!(entry?.error?.trim() || unplaced?.reason)) {
      found.push(
        `${lpar} is ${describeLpar(state, lpar)}, and ${where} has it ${entry?.step ?? 'unplaced'} with no reason`,
      );
    }
  }
  for (const lpar of notRunningBefore) {
    if (whereActive(state, lpar).length > 0)
      found.push(
        `${lpar} was not running before the campaign (its owner's intent) but is now ${describeLpar(state, lpar)}`,
      );
  }
  return found;
}

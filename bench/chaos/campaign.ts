// One chaos seed end to end: start the stack on a fresh simulated fleet, let the owner shut an LPAR down, discover,
// play the seed's schedule (host failures, failover requests, busy and hung commands, a storage outage, duplicate
// and cancelled requests, a worker SIGKILL) while a simulated operator answers approvals and blocked fences, settle
// (transient faults removed, every failed host failed over, every run finished), then check the invariants of
// checks.ts. Everything the campaign does goes through the HTTP API, the simulator's control API or the HMC CLI.
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { parseConfigText } from '../../domain/config/index.js';
import {
  type InjectedFailure,
  type ReportView,
  type RunRecord,
  type SimState,
  type Violation,
  checkAdvisoryOrder,
  checkLpars,
  checkReport,
  checkViolations,
  whereActive,
} from './checks.js';
import { Prng } from './prng.js';
import { type ChaosEvent, type ChaosSchedule, GROUP, HMC, HOSTS, chaosSchedule, describeEvent } from './schedule.js';
import { type ChaosStack, startChaosStack } from './stack.js';

export interface ChaosOptions {
  /** simulator latency multiplier (default 0.002: a boot takes 120 ms, a remote restart 60 ms) */
  timeScale?: number;
  /** a seed that has not finished after this long fails (default 150 s) */
  seedTimeoutMs?: number;
  /** progress lines (the timeline); default: none */
  log?: (line: string) => void;
}

export interface SeedResult {
  seed: number;
  ok: boolean;
  /** one precise sentence per broken invariant */
  failures: string[];
  durationMs: number;
  schedule: ChaosSchedule;
  /** the timeline: what the campaign did and saw, `+ms text` */
  timeline: string[];
  runs: number;
}

/** The one-line replay command of a seed. */
export const replayCommand = (seed: number, timeScale?: number) =>
  `npm run chaos -- --seed ${seed}${timeScale === undefined ? '' : ` --time-scale ${timeScale}`}`;

/** Deadlines short enough that a seed's blocked fences and hung steps end within seconds (scaled: the devices are). */
const TUNED_RECOVERY = { fenceDeadline: '2s', stepTimeouts: { mapping: '3s', remoteRestart: '3s', boot: '3s' } };
const EXAMPLE = new URL('../../examples/lazarus.yaml', import.meta.url);

/**
 * examples/lazarus.yaml with a 50 ms poll interval, plus the fence deadline and step timeouts of TUNED_RECOVERY when
 * the configuration schema knows them (the issue 10 contract; older code rejects unknown keys, so they are left
 * out there). Edits go through the YAML document, so comments and layout stay as the harness expects them.
 */
export function tuneConfig(): { edit: (yaml: string) => string; notes: string[] } {
  const edit = (withDeadlines: boolean) => (text: string) => {
    const document = parseDocument(text);
    document.setIn(['hostGroups', 0, 'recovery', 'pollInterval'], 50);
    if (withDeadlines) {
      document.setIn(['hostGroups', 0, 'recovery', 'fenceDeadline'], TUNED_RECOVERY.fenceDeadline);
      document.setIn(['hostGroups', 0, 'recovery', 'stepTimeouts'], document.createNode(TUNED_RECOVERY.stepTimeouts));
    }
    return document.toString({ lineWidth: 0 });
  };
  try {
    parseConfigText(edit(true)(readFileSync(EXAMPLE, 'utf8')), 'examples/lazarus.yaml');
    return { edit: edit(true), notes: [`recovery: pollInterval 50ms, ${JSON.stringify(TUNED_RECOVERY)}`] };
  } catch (err) {
    return {
      edit: edit(false),
      notes: [
        `recovery.fenceDeadline/stepTimeouts not accepted by this build (${String(err).split('\n')[0]}): ` +
          'their defaults apply',
      ],
    };
  }
}

const STEPS_IN_FLIGHT = new Set(['mapping', 'vios', 'activating', 'waiting-running']);
/** Phases in which a failover waits for a human and touches nothing; anything else is acting. */
const WAITING_PHASES = new Set(['fence-blocked', 'approve']);
const TICK_MS = 25;
const POLL_MS = 100;
const SETTLE_BOOT_MS = 5_000;
/** How often the operator tries to start one LPAR on a returned host during the storm (once more when settled). */
const START_ATTEMPTS = 3;

interface TrackedRun extends RunRecord {
  phase?: string;
  /** every phase seen, in order */
  phases: string[];
  inFlight: Array<{ lpar: string; destination: string }>;
  decided: Set<string>;
}

interface Pending {
  at: number;
  label: string;
  action: () => Promise<void>;
}

class Campaign {
  private stack?: ChaosStack;
  private t0 = Date.now();
  private readonly rng: Prng;
  private readonly runs: TrackedRun[] = [];
  private readonly failures: string[] = [];
  readonly timeline: string[] = [];
  private readonly pending: Pending[] = [];
  private readonly background = new Set<Promise<void>>();
  private readonly hostFaults = new Map<string, { id: string; fault: string; at: number }>();
  private readonly injected: InjectedFailure[] = [];
  private readonly runningAtFailure = new Map<string, string[]>();
  private readonly returned = new Set<string>();
  private readonly startAttempts = new Map<string, number>();
  /** LPAR → host, for every LPAR running when the storm began */
  private readonly runningBefore = new Map<string, string>();
  private settling = false;
  private aborted = false;
  stage = 'starting the stack';

  constructor(
    private readonly schedule: ChaosSchedule,
    private readonly options: Required<Pick<ChaosOptions, 'timeScale'>> & ChaosOptions,
  ) {
    // Choices made while the seed runs (which failover to cancel, which host gets a duplicate) have their own
    // sequence, so they do not shift the schedule.
    this.rng = new Prng(schedule.seed ^ 0x5bd1e995);
  }

  private note(text: string): void {
    const line = `+${Date.now() - this.t0}ms ${text}`;
    this.timeline.push(line);
    this.options.log?.(`  ${line}`);
  }

  private fail(text: string): void {
    this.failures.push(text);
    this.note(`FAIL ${text}`);
  }

  async run(): Promise<string[]> {
    const { edit, notes } = tuneConfig();
    this.stack = await startChaosStack({
      name: `chaos-${this.schedule.seed}`,
      timeScale: this.options.timeScale,
      editConfig: edit,
    });
    this.t0 = Date.now();
    for (const n of notes) this.note(n);
    const stack = this.stack;
    if (this.schedule.ownerShutdown) await this.ownerShutdown(this.schedule.ownerShutdown);
    this.stage = 'discovery';
    const discovered = await stack.discover(GROUP);
    if (discovered !== 'ok') this.fail(`discovery before the storm ended '${discovered}', not 'ok'`);
    const before = await this.state();
    const runningBefore = this.runningBefore;
    const notRunningBefore: string[] = [];
    for (const system of before.systems) {
      for (const p of system.partitions.filter((q) => q.env !== 'vioserver')) {
        if (system.powered && p.state === 'Running') runningBefore.set(p.name, system.name);
        else notRunningBefore.push(p.name);
      }
    }
    this.note(
      `${runningBefore.size} LPARs running before the storm` +
        (notRunningBefore.length ? `; not running: ${notRunningBefore.join(', ')}` : ''),
    );

    this.stage = 'storm';
    this.t0 = Date.now();
    this.note('the storm begins (times from here)');
    for (const event of this.schedule.events) this.later(event.at, describeEvent(event), () => this.fire(event));
    await this.loop(false);

    this.stage = 'settle';
    this.settling = true;
    await this.settle();
    this.stage = 'checks';
    const after = await this.state();
    const violations = await stack.control<Violation[]>('GET', '/violations');
    this.failures.push(...checkViolations(violations));
    this.failures.push(...checkLpars(runningBefore, notRunningBefore, this.runs, after));
    return this.failures;
  }

  /** Where the seed is, for a timeout message. */
  whereStuck(): string {
    const open = this.runs
      .filter((r) => r.closedAt === undefined)
      .map((r) => `${r.id} run ${r.runId.slice(0, 8)} in phase ${r.phase ?? '?'}`);
    return (
      `stage ${this.stage}; ${open.length ? `failovers still running: ${open.join('; ')}` : 'no failover running'}` +
      `; pending: ${this.pending.map((p) => p.label).join('; ') || 'nothing'}`
    );
  }

  /** Failures found so far (a timed-out seed reports them with the timeout). */
  get failuresSoFar(): string[] {
    return [...this.failures];
  }

  get runCount(): number {
    return this.runs.length;
  }

  abort(): void {
    this.aborted = true;
  }

  async stop(): Promise<void> {
    this.aborted = true;
    await this.stack?.stop();
  }

  // ---- the loop ----------------------------------------------------------------------------------------------

  private later(afterMs: number, label: string, action: () => Promise<void>): void {
    this.pending.push({ at: Date.now() - this.t0 + Math.max(0, afterMs), label, action });
  }

  /**
   * Fires due actions, follows the runs and plays the operator until nothing is pending or in progress and, with
   * `untilRunsClose`, no run is open.
   */
  private async loop(untilRunsClose: boolean): Promise<void> {
    let lastPoll = 0;
    const busy = () =>
      this.pending.length > 0 ||
      this.background.size > 0 ||
      (untilRunsClose && this.runs.some((r) => r.closedAt === undefined));
    while (!this.aborted && busy()) {
      const now = Date.now() - this.t0;
      for (const due of this.pending.filter((p) => p.at <= now)) {
        this.pending.splice(this.pending.indexOf(due), 1);
        const task = due
          .action()
          .catch((err: unknown) => this.fail(`${due.label}: ${err instanceof Error ? err.message : String(err)}`));
        const tracked = task.finally(() => this.background.delete(tracked));
        this.background.add(tracked);
      }
      if (Date.now() - lastPoll >= POLL_MS) {
        lastPoll = Date.now();
        // Device and API errors while the workers are replaced are expected; one that lasts ends in the seed's timeout.
        await this.pollRuns().catch((err: unknown) =>
          this.note(`following the runs: ${err instanceof Error ? err.message : String(err)}`),
        );
        await this.operate().catch((err: unknown) =>
          this.note(`operator: ${err instanceof Error ? err.message : String(err)}`),
        );
      }
      await sleep(TICK_MS);
    }
  }

  // ---- events --------------------------------------------------------------------------------------------------

  private async fire(event: ChaosEvent): Promise<void> {
    const stack = this.stack!;
    switch (event.kind) {
      case 'host-failure':
        return this.failHost(event);
      case 'busy':
      case 'hang': {
        const kind = event.kind === 'busy' ? 'command-fail' : 'command-hang';
        const fault = await stack.control<{ id: string }>('POST', '/faults', {
          kind,
          target: event.device,
          command: event.command,
          ...(event.kind === 'busy'
            ? { times: event.times, ...(event.message ? { message: event.message } : {}) }
            : {}),
        });
        this.note(describeEvent(event).replace(/^\+\d+ms /, ''));
        if (event.kind === 'hang')
          this.later(event.releaseAfterMs, `release the hung ${event.command}`, () =>
            this.removeFault(fault.id, `${event.device} ${event.command} released`),
          );
        return;
      }
      case 'storage-outage': {
        const fault = await stack.control<{ id: string }>('POST', '/faults', {
          kind: 'device-unreachable',
          target: 'svc-dc1',
          mode: event.mode,
        });
        this.note(`svc-dc1 unreachable (${event.mode})`);
        this.later(event.durationMs, 'svc-dc1 reachable again', () =>
          this.removeFault(fault.id, 'svc-dc1 reachable again'),
        );
        return;
      }
      case 'duplicate-request': {
        const requested = [...new Set(this.runs.map((r) => r.host))];
        const hosts = requested.length > 0 ? requested : [...this.hostFaults.keys()];
        if (hosts.length === 0) return this.note('duplicate request: no host was requested or failed yet, skipped');
        return this.request(this.rng.pick(hosts), event.mode, 'duplicate');
      }
      case 'cancel': {
        const open = this.runs.filter((r) => r.closedAt === undefined);
        if (open.length === 0) return this.note('cancel: no failover running, skipped');
        const run = this.rng.pick(open);
        const answer = await stack.api('POST', `/v1/failovers/${encodeURIComponent(run.id)}/cancel`, {
          by: 'chaos',
          reason: `seed ${this.schedule.seed}`,
        });
        this.expectStatus(`POST cancel ${run.id}`, answer, [200, 202, 404, 409, 503]);
        this.note(`cancel ${run.id} (phase ${run.phase ?? '?'}): ${answer.status}`);
        return;
      }
      case 'worker-kill': {
        this.note('SIGKILL the worker process');
        await stack.killWorkers();
        this.note('a new worker process polls');
        return;
      }
    }
  }

  private async failHost(event: Extract<ChaosEvent, { kind: 'host-failure' }>): Promise<void> {
    let host = event.host;
    if (host === 'destination') {
      const up = HOSTS.filter((h) => !this.hostFaults.has(h));
      const inFlight = this.runs
        .filter((r) => r.closedAt === undefined)
        .flatMap((r) => r.inFlight)
        .filter((l) => up.includes(l.destination as (typeof HOSTS)[number]));
      const waited = Date.now() - this.t0 - event.at;
      if (inFlight.length === 0 && waited < 1_500) {
        this.later(POLL_MS, 'fail a destination in use', () => this.failHost(event));
        return;
      }
      if (inFlight.length === 0 && up.length === 0) return this.note('destination failure: no host left up, skipped');
      const target = inFlight.length > 0 ? this.rng.pick(inFlight) : undefined;
      host = target?.destination ?? this.rng.pick(up);
      this.note(
        target
          ? `destination ${host} fails while ${target.lpar} is in flight there`
          : `no LPAR in flight after 1.5 s: ${host} fails instead`,
      );
    }
    if (host === 'recipient') {
      const state = await this.state();
      const up = HOSTS.filter((h) => !this.hostFaults.has(h));
      const landed = this.runs
        .filter((r) => r.closedAt !== undefined)
        .flatMap((r) => r.report?.lpars.filter((l) => l.step === 'running' && l.destination) ?? [])
        .filter((l) => up.includes(l.destination as (typeof HOSTS)[number]))
        .filter((l) => whereActive(state, l.lpar).some((a) => a.host === l.destination && a.state === 'Running'));
      const waited = Date.now() - this.t0 - event.at;
      if (landed.length === 0 && waited < 1_500) {
        this.later(POLL_MS, 'fail a host that received LPARs', () => this.failHost(event));
        return;
      }
      if (landed.length === 0 && up.length === 0) return this.note('recipient failure: no host left up, skipped');
      const target = landed.length > 0 ? this.rng.pick(landed) : undefined;
      host = target?.destination ?? this.rng.pick(up);
      this.note(
        target
          ? `${host} fails, where a finished failover restarted ${target.lpar}`
          : `no LPAR restarted by a finished failover after 1.5 s: ${host} fails instead`,
      );
    }
    if (this.hostFaults.has(host)) return this.note(`${host} is already failed, ${event.fault} skipped`);
    const state = await this.state();
    this.runningAtFailure.set(
      host,
      state.systems
        .find((s) => s.name === host)!
        .partitions.filter((p) => p.env !== 'vioserver' && p.state === 'Running')
        .map((p) => p.name),
    );
    const fault = await this.stack!.control<{ id: string }>('POST', '/faults', { kind: event.fault, target: host });
    this.hostFaults.set(host, { id: fault.id, fault: event.fault, at: Date.now() });
    this.injected.push({ host, at: Date.now() });
    this.note(`${event.fault} on ${host} (running there: ${this.runningAtFailure.get(host)!.join(', ') || 'nothing'})`);
    const request = event.request;
    if (request)
      this.later(request.afterMs, `request a failover of ${host}`, () => this.request(host, request.mode, 'request'));
    if (event.returnAfterMs !== undefined) {
      this.later(event.returnAfterMs, `${host} returns`, async () => {
        if (this.hostFaults.get(host)?.id !== fault.id) return;
        await this.removeFault(fault.id, `${host} returns (${event.fault} removed)`);
        this.hostFaults.delete(host);
        if (event.fault === 'host-power-loss') this.returned.add(host);
      });
    }
  }

  private async removeFault(id: string, text: string): Promise<void> {
    try {
      await this.stack!.control('DELETE', `/faults/${id}`);
      this.note(text);
    } catch (err) {
      // A spent fault is gone already; anything else is the simulator misbehaving.
      if (!String(err).includes(' 404 ')) throw err;
    }
  }

  private async request(host: string, mode: 'auto' | 'advisory', why: string): Promise<void> {
    const stack = this.stack!;
    const answer = await stack.api<{ id?: string }>('POST', '/v1/failovers', { group: GROUP, host, mode });
    this.expectStatus(`POST /v1/failovers ${host}`, answer, [202, 409]);
    if (answer.status !== 202 || !answer.body.id)
      return this.note(`${why} ${mode} failover of ${host}: ${answer.status}`);
    const description = await stack.server.client.workflow.getHandle(answer.body.id).describe();
    this.runs.push({
      id: answer.body.id,
      runId: description.runId,
      host,
      mode,
      startedAt: Date.now(),
      runningOnHostAtFailure: this.runningAtFailure.get(host) ?? [],
      inFlight: [],
      decided: new Set(),
      phases: [],
    });
    this.note(`${why} ${mode} failover of ${host}: 202, run ${description.runId.slice(0, 8)}`);
  }

  private expectStatus(what: string, answer: { status: number; body: unknown }, expected: number[]): void {
    if (!expected.includes(answer.status))
      this.fail(`${what} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  }

  // ---- following the runs ------------------------------------------------------------------------------------

  private async pollRuns(): Promise<void> {
    const stack = this.stack!;
    for (const run of this.runs.filter((r) => r.closedAt === undefined)) {
      const handle = stack.server.client.workflow.getHandle(run.id, run.runId);
      const description = await handle.describe();
      if (description.status.name === 'RUNNING') {
        const answer = await stack
          .api<{
            status?: string;
            progress?: { phase: string; lpars: Array<{ lpar: string; destination?: string; step: string }> };
          }>('GET', `/v1/failovers/${encodeURIComponent(run.id)}`)
          .catch(() => undefined);
        // A 5xx while the workers are being replaced is a query without a worker; it must not persist (timeout).
        const progress = answer?.status === 200 ? answer.body.progress : undefined;
        if (progress) {
          if (progress.phase !== run.phase) {
            this.note(`${run.id} run ${run.runId.slice(0, 8)}: phase ${progress.phase}`);
            run.phases.push(progress.phase);
          }
          run.phase = progress.phase;
          run.inFlight = progress.lpars
            .filter((l) => STEPS_IN_FLIGHT.has(l.step) && l.destination)
            .map((l) => ({ lpar: l.lpar, destination: l.destination! }));
        }
        continue;
      }
      run.closedAt = description.closeTime?.getTime() ?? Date.now();
      try {
        run.report = (await handle.result()) as ReportView;
      } catch (err) {
        // A cancelled or failed run returns no result; its report is then only in the store, keyed by workflow id.
        const answer = await stack.api<{ report?: ReportView; error?: string }>(
          'GET',
          `/v1/failovers/${encodeURIComponent(run.id)}?runId=${run.runId}`,
        );
        const newer = this.runs.some((r) => r.id === run.id && r.startedAt > run.startedAt);
        if (answer.body?.report && !newer) run.report = answer.body.report;
        else run.endedWithout = `${description.status.name}: ${err instanceof Error ? err.message : String(err)}`;
      }
      const state = await this.state();
      const lpars =
        run.report?.lpars.map((l) => `${l.lpar}:${l.step}${l.destination ? `@${l.destination}` : ''}`).join(' ') ?? '';
      this.note(
        `${run.id} run ${run.runId.slice(0, 8)} closed ${description.status.name}: ` +
          `outcome ${run.report?.outcome ?? 'none'} ${lpars}` +
          (run.report?.stoppedBy ? ` stoppedBy: ${run.report.stoppedBy}` : ''),
      );
      for (const problem of [...checkReport(run, state, this.injected), ...checkAdvisoryOrder(run, run.phases)])
        this.fail(problem);
    }
  }

  // ---- the operator --------------------------------------------------------------------------------------------

  private async operate(): Promise<void> {
    const policy = this.schedule.operator;
    for (const run of this.runs.filter((r) => r.closedAt === undefined && r.phase && WAITING_PHASES.has(r.phase))) {
      const key = `${run.phase}`;
      if (run.decided.has(key) && !this.settling) continue;
      if (run.decided.has(`${key}:settle`)) continue;
      run.decided.add(this.settling ? `${key}:settle` : key);
      const path = `/v1/failovers/${encodeURIComponent(run.id)}`;
      const reason = `chaos seed ${this.schedule.seed}`;
      if (run.phase === 'fence-blocked') {
        if (!this.settling && !this.rng.chance(policy.overrideChance)) {
          this.note(`operator leaves ${run.id} fence-blocked for now`);
          continue;
        }
        this.later(this.settling ? 0 : policy.overrideDelayMs, `override the fence of ${run.id}`, async () => {
          const answer = await this.stack!.api('POST', `${path}/override-fence`, { by: 'chaos-operator', reason });
          // 503: the failover's worker is restarting and the API said so at once; the operator tries again later.
          if (answer.status === 503) return void run.decided.delete(this.settling ? `${key}:settle` : key);
          this.expectStatus(`POST override-fence ${run.id}`, answer, [200, 202, 404, 409]);
          this.note(`operator overrides the fence of ${run.id}: ${answer.status}`);
        });
      } else {
        const approve = this.settling || this.rng.chance(policy.approveChance);
        this.later(
          this.settling ? 0 : policy.decisionDelayMs,
          `${approve ? 'approve' : 'reject'} ${run.id}`,
          async () => {
            const answer = await this.stack!.api('POST', `${path}/${approve ? 'approve' : 'reject'}`, {
              by: 'chaos-operator',
              reason,
            });
            if (answer.status === 503) return void run.decided.delete(this.settling ? `${key}:settle` : key);
            this.expectStatus(`POST ${approve ? 'approve' : 'reject'} ${run.id}`, answer, [200, 202, 404, 409]);
            this.note(`operator ${approve ? 'approves' : 'rejects'} ${run.id}: ${answer.status}`);
          },
        );
      }
    }
    await this.startOnReturnedHosts();
  }

  /**
   * A host that got its power back comes up with its LPARs Not Activated; the operator starts those that run nowhere
   * else, through the HMC, while no failover is acting (one may wait in fence-blocked or approve: issue 10 case 3).
   */
  private async startOnReturnedHosts(final = false): Promise<void> {
    if (this.returned.size === 0) return;
    if (this.runs.some((r) => r.closedAt === undefined && !(r.phase && WAITING_PHASES.has(r.phase)))) return;
    const state = await this.state();
    for (const host of [...this.returned]) {
      const system = state.systems.find((s) => s.name === host)!;
      if (system.state !== 'Operating') continue;
      // Only what ran before the storm: an LPAR its owner had stopped stays stopped.
      const down = system.partitions.filter((q) => q.state === 'Not Activated' && this.runningBefore.has(q.name));
      let left = 0;
      for (const p of down) {
        if (whereActive(state, p.name).length > 0) continue;
        // The campaign's own busy and hung commands hit the operator too: try again on later ticks, and once more
        // after the settle phase removed them.
        const attempts = this.startAttempts.get(p.name) ?? 0;
        if (attempts >= START_ATTEMPTS && !final) continue;
        this.startAttempts.set(p.name, attempts + 1);
        try {
          // Bounded: a hung HMC command must not hold the schedule (and the release of that very hang) behind it.
          const outcome = await withinMs(
            OPERATOR_CALL_MS,
            this.stack!.devices.hmc(HMC).activatePartition(host, p.name, 'default_profile'),
            `the HMC did not answer the operator within ${OPERATOR_CALL_MS} ms`,
          );
          this.note(`operator starts ${p.name} on returned ${host}: ${outcome.detail}`);
        } catch (err) {
          left++;
          this.note(
            `operator cannot start ${p.name} on returned ${host}: ${err instanceof Error ? err.message : String(err)}`,
          );
        }
      }
      if (left === 0 || final) this.returned.delete(host);
    }
  }

  // ---- settle --------------------------------------------------------------------------------------------------

  /**
   * The storm is over: transient faults go, every host still failed gets a failover if none ran after its last
   * failure (or the last was rejected, cancelled or ended without a report), the operator answers everything, and
   * the seed waits until every run is closed and no LPAR is still booting.
   */
  private async settle(): Promise<void> {
    const stack = this.stack!;
    for (const fault of await stack.control<Array<{ id: string; kind: string; target: string }>>('GET', '/faults')) {
      if (fault.kind !== 'host-power-loss' && fault.kind !== 'host-error')
        await this.removeFault(fault.id, `settle: ${fault.kind} on ${fault.target} removed`);
    }
    await this.loop(true);
    for (const [host, failure] of this.hostFaults) {
      const runs = this.runs.filter((r) => r.host === host && r.startedAt >= failure.at);
      const last = runs.at(-1);
      // An operator asks again after a reject, a cancel or a failover that stopped early once the devices are back.
      if (last && last.report && !['rejected', 'cancelled'].includes(last.report.outcome) && !last.report.stoppedBy)
        continue;
      await this.request(host, 'auto', 'settle:');
    }
    await this.loop(true);
    await this.startOnReturnedHosts(true);
    const until = Date.now() + SETTLE_BOOT_MS;
    while (
      Date.now() < until &&
      (await this.state()).systems.some((s) => s.partitions.some((p) => p.state === 'Starting'))
    )
      await sleep(POLL_MS);
  }

  private async ownerShutdown(lpar: string): Promise<void> {
    const state = await this.state();
    const host = state.systems.find((s) => s.partitions.some((p) => p.name === lpar && p.state === 'Running'))?.name;
    if (!host) return this.note(`owner shutdown: ${lpar} is not running, skipped`);
    await this.stack!.devices.hmc(HMC).shutdownPartition(host, lpar);
    const until = Date.now() + 10_000;
    while (
      (await this.state()).systems.find((s) => s.name === host)!.partitions.find((p) => p.name === lpar)!.state !==
      'Not Activated'
    ) {
      if (Date.now() > until) throw new Error(`owner shutdown: ${lpar} still not Not Activated on ${host} after 10 s`);
      await sleep(POLL_MS);
    }
    this.note(`the owner shut ${lpar} down on ${host} (it must stay down)`);
  }

  private state(): Promise<SimState> {
    return this.stack!.control<SimState>('GET', '/state');
  }
}

/**
 * Runs one seed and checks it. Never throws: a crash of the campaign, a seed over its time bound and every broken
 * invariant are failures in the result.
 */
export async function runSeed(seed: number, options: ChaosOptions = {}): Promise<SeedResult> {
  const started = Date.now();
  const schedule = chaosSchedule(seed);
  const campaign = new Campaign(schedule, { timeScale: options.timeScale ?? 0.002, ...options });
  const seedTimeoutMs = options.seedTimeoutMs ?? 150_000;
  let failures: string[];
  let timer: NodeJS.Timeout | undefined;
  try {
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), seedTimeoutMs)));
    const outcome = await Promise.race([campaign.run(), timedOut]);
    failures =
      outcome === 'timeout'
        ? [
            ...campaign.failuresSoFar,
            `seed ${seed} did not finish within ${seedTimeoutMs} ms (${campaign.whereStuck()})`,
          ]
        : outcome;
    if (outcome === 'timeout') campaign.abort();
  } catch (err) {
    failures = [
      ...campaign.failuresSoFar,
      `the campaign itself failed in stage ${campaign.stage}: ` +
        (err instanceof Error ? (err.stack ?? err.message) : String(err)),
    ];
  } finally {
    clearTimeout(timer);
  }
  const stopped = await Promise.race([
    campaign.stop().then(
      () => true,
      () => true,
    ),
    sleep(30_000).then(() => false),
  ]);
  if (!stopped) failures.push('the stack did not stop within 30 s');
  return {
    seed,
    ok: failures.length === 0,
    failures,
    durationMs: Date.now() - started,
    schedule,
    timeline: campaign.timeline,
    runs: campaign.runCount,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** How long the campaign's operator waits for one HMC command before trying again on a later tick. */
const OPERATOR_CALL_MS = 5_000;

/** `work`, or a rejection with `why` after `ms` (the work goes on in the background; its outcome is ignored then). */
function withinMs<T>(ms: number, work: Promise<T>, why: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  work.catch(() => undefined);
  return Promise.race([
    work,
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(why)), ms))),
  ]).finally(() => clearTimeout(timer));
}

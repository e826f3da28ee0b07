// Runs one failover scenario (test/scenarios/*.yaml, format in scenario-format.ts) against the whole Lazarus stack on
// the simulated fleet: every failover call goes through the HTTP API, faults and owner actions through the
// simulator's control API, and the devices' end state is read from the simulator (GET /state, GET /violations).
// While failovers run, one poller reads each one's progress (the phase timeline) and the notification store (what
// was raised, and in which phase of each failover it was first seen).
import { AssertionError } from 'node:assert';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseDocument } from 'yaml';
import { REPO_ROOT } from '../support/temporal.js';
import { startSimulatedLazarus, type SimulatedLazarus } from '../support/simulated-lazarus.js';
import type { Expectations, JsonCheck, Matcher, Scenario, Step } from './scenario-format.js';

/** What the poller knows of one started failover (one run: a later start of the same host is another track). */
interface FailoverTrack {
  alias: string;
  id: string;
  url: string;
  /** Phases seen in the progress, consecutive duplicates dropped; the report's phase last. */
  phases: string[];
  progress?: Progress;
  report?: Report;
}
type Report = Record<string, unknown> & { outcome?: string; lpars?: LparEntry[]; phase?: string; workflowId?: string };
type Progress = Record<string, unknown> & { phase?: string; lpars?: LparEntry[]; elapsedMs?: number };
interface LparEntry {
  lpar: string;
  step?: string;
  destination?: string;
  attempts?: number;
  error?: string;
  priority?: string;
  timings?: Record<string, number>;
}
interface Notification {
  id: number;
  kind: string;
  severity: string;
  message: string;
  workflowId?: string;
}
interface FleetState {
  systems: Array<{
    name: string;
    state: string;
    partitions: Array<{ name: string; state: string; volumes: string[]; vios?: unknown }>;
  }>;
  storage: Array<{ name: string; mappings: Array<{ host?: string; vdisk?: string }> }>;
  devices: Array<{ name: string; counters?: { commandsRun?: number } }>;
}

/**
 * Starts the stack for the scenario, runs its steps and checks its expectations; throws an AssertionError listing
 * every mismatch.
 */
export async function runScenario(scenario: Scenario): Promise<void> {
  const lazarus = await startSimulatedLazarus({
    name: `scenario-${scenario.name}`.slice(0, 40),
    timeScale: scenario.timeScale,
    fleet: scenario.fleet === undefined ? undefined : `${REPO_ROOT}/${scenario.fleet}`,
    editConfig: (yaml) => editConfig(yaml, scenario),
  });
  const run = new ScenarioRun(scenario, lazarus);
  let failure: unknown;
  try {
    await run.execute();
  } catch (err) {
    failure = err;
  }
  run.stopPolling();
  // Releases hung commands and held boots before the stack stops, so nothing waits on them.
  await lazarus.control('POST', '/reset').catch(() => undefined);
  const stopped = await Promise.race([lazarus.stop().then(() => true), sleep(STOP_GRACE_MS).then(() => false)]);
  if (!stopped) {
    // An activity that ignores its cancellation keeps the workers (and this process) alive; say so, and let the
    // test file end the process once every scenario has run instead of hanging the suite.
    unstoppedStacks.push(scenario.name);
    const note = `the stack did not stop within ${STOP_GRACE_MS} ms (an activity still running after its failover?)`;
    if (failure instanceof Error) failure.message += `\n${note}`;
    else failure ??= new AssertionError({ message: `${scenario.file}: ${note}` });
  }
  if (failure !== undefined) throw failure;
}

const STOP_GRACE_MS = 30_000;
/** Scenarios whose stack did not stop: their workers may keep the process alive. */
export const unstoppedStacks: string[] = [];

/** examples/lazarus.yaml with the scenario's recovery settings merged into its group and its policies, if any. */
export function editConfig(yaml: string, scenario: Pick<Scenario, 'config' | 'file'>): string {
  const doc = parseDocument(yaml);
  const groups = (doc.toJS() as { hostGroups: Array<{ name: string }> }).hostGroups;
  const index = groups.findIndex((g) => g.name === scenario.config.group);
  if (index < 0)
    throw new Error(`${scenario.file}: config.group: no host group ${scenario.config.group} in examples/lazarus.yaml`);
  for (const [key, value] of Object.entries(scenario.config.recovery))
    doc.setIn(['hostGroups', index, 'recovery', key], doc.createNode(value));
  if (scenario.config.policies) doc.set('policies', doc.createNode(scenario.config.policies));
  return doc.toString({ lineWidth: 0 });
}

class ScenarioRun {
  private readonly vars = new Map<string, unknown>();
  private readonly tracks = new Map<string, FailoverTrack>();
  /** Notification id -> the phase each failover was in when it was first seen ('completed' after its end). */
  private readonly seen = new Map<number, Record<string, string>>();
  private baselineMappings = new Map<string, string[]>();
  private polling = true;
  private poller: Promise<void> = Promise.resolve();
  private readonly deadline: number;
  private currentStep = 'setup';
  /** Mismatches of API statuses, API bodies and checks: listed at the end with the final expectations. */
  private readonly soft: string[] = [];

  constructor(
    private readonly scenario: Scenario,
    private readonly lazarus: SimulatedLazarus,
  ) {
    this.deadline = Date.now() + scenario.timeout;
  }

  async execute(): Promise<void> {
    await this.lazarus.control('POST', '/reset');
    await this.lazarus.control('DELETE', '/violations');
    this.baselineMappings = mappingsByHost(await this.state());
    this.poller = this.poll();
    for (const [index, step] of this.scenario.steps.entries()) {
      this.currentStep = `steps.${index} (${step.kind}${step.note ? `: ${step.note}` : ''})`;
      try {
        await this.runStep(step);
      } catch (err) {
        const earlier = this.soft.length > 0 ? `\n  earlier mismatches:\n  - ${this.soft.join('\n  - ')}` : '';
        throw new AssertionError({
          message: `${this.scenario.file}: ${this.currentStep}: ${(err as Error).message}${earlier}\n${this.summary()}`,
        });
      }
    }
    this.currentStep = 'expect';
    for (const track of this.tracks.values())
      await this.until(`${track.alias} to complete`, () => track.report !== undefined, this.remaining());
    await sleep(this.scenario.pollEvery * 2); // one more look at the notifications
    const problems = [...this.soft, ...(await this.check(this.resolve(this.scenario.expect), true))];
    if (problems.length > 0) {
      throw new AssertionError({
        message:
          `${this.scenario.file}: ${problems.length} expectation(s) not met:\n` +
          `  - ${problems.join('\n  - ')}\n${this.summary()}`,
      });
    }
  }

  stopPolling(): void {
    this.polling = false;
  }

  // ---- steps ----

  private async runStep(step: Step): Promise<void> {
    const api = this.lazarus.api.bind(this.lazarus);
    switch (step.kind) {
      case 'discover': {
        const status = await this.lazarus.discover(step.body.group ?? this.scenario.config.group);
        const problem = step.body.expect === undefined ? undefined : mismatch(status, step.body.expect);
        if (problem) throw new Error(`discovery status: ${problem}`);
        if (step.as) this.vars.set(step.as, status);
        return;
      }
      case 'fault': {
        const created = await this.lazarus.control<{ id: string }>('POST', '/faults', this.resolve(step.body));
        if (step.as) this.vars.set(step.as, created);
        return;
      }
      case 'clear-fault': {
        const fault = this.vars.get(step.body) as { id?: string } | undefined;
        if (!fault?.id) throw new Error(`no fault named ${step.body}`);
        await this.lazarus.control('DELETE', `/faults/${fault.id}`);
        return;
      }
      case 'action': {
        const body = this.resolve(step.body);
        const result = await this.lazarus.control('POST', `/actions/${body.name}`, body.body);
        if (step.as) this.vars.set(step.as, result);
        return;
      }
      case 'start': {
        const body = this.resolve(step.body);
        const response = await api<Record<string, unknown>>('POST', '/v1/failovers', {
          group: body.group ?? this.scenario.config.group,
          host: body.host,
          mode: body.mode,
          ...(body.dryRun ? { dryRun: true } : {}),
        });
        expectStatus(response, body.expectStatus ?? (body.dryRun ? 200 : 202));
        if (body.dryRun) {
          if (step.as) this.vars.set(step.as, response.body);
          return;
        }
        if (response.status !== 202) return;
        const id = String(response.body.id);
        const alias = step.as ?? `${body.host}#${this.tracks.size + 1}`;
        const track: FailoverTrack = { alias, id, url: `/v1/failovers/${encodeURIComponent(id)}`, phases: [] };
        this.tracks.set(alias, track);
        this.vars.set(alias, { id, url: track.url });
        return;
      }
      case 'approve':
      case 'reject':
      case 'cancel':
      case 'override-fence': {
        const body = this.resolve(step.body);
        const response = await api('POST', `${this.failoverUrl(body.failover)}/${step.kind}`, {
          by: body.by,
          ...(body.reason ? { reason: body.reason } : {}),
        });
        this.softly(() => expectStatus(response, body.expectStatus ?? 200));
        if (step.as) this.vars.set(step.as, response.body);
        return;
      }
      case 'api': {
        const body = this.resolve(step.body);
        const response = await api(body.method, body.path, body.body);
        if (body.expectStatus !== undefined) this.softly(() => expectStatus(response, body.expectStatus!));
        const problems = (body.expect ?? []).flatMap((c) => jsonCheck(response.body, c, `${body.method} ${body.path}`));
        if (problems.length > 0)
          this.softly(() => {
            throw new Error(`${problems.join('; ')} (body: ${clip(JSON.stringify(response.body), 300)})`);
          });
        if (step.as) this.vars.set(step.as, response.body);
        return;
      }
      case 'wait':
        return this.wait(this.resolve(step.body), step.as);
      case 'elapsed-moves': {
        const body = this.resolve(step.body);
        const url = this.failoverUrl(body.failover);
        const read = async () => (await api<{ status: string; progress?: Progress }>('GET', url)).body;
        const first = await read();
        await sleep(body.over);
        const second = await read();
        if (first.status !== 'running' || second.status !== 'running')
          throw new Error(`${body.failover} was not running for both readings (${first.status}, ${second.status})`);
        const moved = (second.progress?.elapsedMs ?? 0) - (first.progress?.elapsedMs ?? 0);
        this.softly(() => {
          if (moved >= body.over / 2) return;
          throw new Error(
            `progress.elapsedMs moved ${moved} ms in ${body.over} ms of wall time ` +
              `(phase ${second.progress?.phase}): it must move while a step runs`,
          );
        });
        return;
      }
      case 'quiet': {
        const body = this.resolve(step.body);
        const commands = async () => (await this.state()).devices.find((d) => d.name === body.device)?.counters;
        const before = await commands();
        if (before?.commandsRun === undefined) throw new Error(`no command counter for device ${body.device}`);
        await sleep(body.over);
        const ran = ((await commands())?.commandsRun ?? 0) - before.commandsRun;
        this.softly(() => {
          if (ran > 0)
            throw new Error(`${body.device} ran ${ran} command(s) in ${body.over} ms; nothing should use it now`);
        });
        return;
      }
      case 'sleep':
        await sleep(Math.min(step.body, this.remaining()));
        return;
      case 'check': {
        for (const problem of await this.check(this.resolve(step.body), false))
          this.soft.push(`${this.currentStep}: ${problem}`);
        return;
      }
    }
  }

  private async wait(body: Extract<Step, { kind: 'wait' }>['body'], as: string | undefined): Promise<void> {
    const timeout = Math.min(body.timeout, this.remaining());
    if (body.device) {
      const device = body.device;
      const states = [device.state].flat();
      let last = '';
      await this.until(
        `${device.lpar} ${states.join('|')}${device.on ? ` on ${device.on}` : ''} on the devices`,
        async () => {
          const found = partitionsNamed(await this.state(), device.lpar).filter(
            (p) => device.on === undefined || p.system === device.on,
          );
          last = found.map((p) => `${p.state} on ${p.system}`).join(', ') || 'absent';
          return found.some((p) => states.includes(p.state));
        },
        timeout,
        () => `last seen: ${last}`,
      );
      return;
    }
    const track = this.track(body.failover!);
    if (body.completed) {
      await this.until(
        `${track.alias} to complete`,
        () => track.report !== undefined,
        timeout,
        () => this.describeTrack(track),
      );
      if (as) this.vars.set(as, track.report);
      return;
    }
    if (body.phase !== undefined) {
      const phases = [body.phase].flat();
      await this.until(
        `${track.alias} in phase ${phases.join('|')}`,
        () => {
          if (phases.includes(String(track.progress?.phase)) && track.report === undefined) return true;
          if (track.report)
            throw new Error(
              `${track.alias} completed (outcome ${track.report.outcome}) without being seen in phase ` +
                `${phases.join('|')}; ${this.describeTrack(track)}`,
            );
          return false;
        },
        timeout,
        () => this.describeTrack(track),
      );
      if (as) this.vars.set(as, track.progress);
      return;
    }
    const steps = [body.step!].flat();
    let entry: LparEntry | undefined;
    await this.until(
      `${body.lpar} of ${track.alias} at step ${steps.join('|')}`,
      () => {
        entry = (track.report?.lpars ?? track.progress?.lpars)?.find((l) => l.lpar === body.lpar);
        if (entry && steps.includes(String(entry.step))) return true;
        if (track.report)
          throw new Error(
            `${track.alias} completed (outcome ${track.report.outcome}) with ${body.lpar} at ` +
              `${entry?.step ?? 'no entry'}, never seen at ${steps.join('|')}`,
          );
        return false;
      },
      timeout,
      () => this.describeTrack(track),
    );
    if (as) this.vars.set(as, entry);
  }

  // ---- the poller ----

  private async poll(): Promise<void> {
    while (this.polling) {
      try {
        const notifications = (await this.lazarus.store.recentNotifications(200)) as Notification[];
        const fresh = notifications.filter((n) => !this.seen.has(n.id));
        for (const track of this.tracks.values()) if (!track.report) await this.observe(track);
        const phases = Object.fromEntries(
          [...this.tracks.values()].map((t) => [t.alias, t.report ? 'completed' : String(t.progress?.phase)]),
        );
        for (const n of fresh) this.seen.set(n.id, phases);
      } catch {
        // a transient read error: the next round tries again
      }
      await sleep(this.scenario.pollEvery);
    }
  }

  private async observe(track: FailoverTrack): Promise<void> {
    const response = await this.lazarus.api<{ status: string; progress?: Progress; report?: Report; error?: string }>(
      'GET',
      track.url,
    );
    if (response.status !== 200) return;
    if (response.body.status === 'running' && response.body.progress) {
      track.progress = response.body.progress;
      addPhase(track, response.body.progress.phase);
    } else if (response.body.status !== 'running') {
      track.report = response.body.report ?? {
        outcome: `(no report: ${response.body.status} ${response.body.error ?? ''})`,
      };
      addPhase(track, track.report.phase);
    }
  }

  // ---- expectations ----

  private async check(expect: Expectations, atEnd: boolean): Promise<string[]> {
    const problems: string[] = [];
    for (const [alias, wanted] of Object.entries(expect.failovers ?? {})) {
      const track = this.tracks.get(alias);
      if (!track) {
        problems.push(`failovers.${alias}: no failover started as ${alias}`);
        continue;
      }
      problems.push(...checkFailover(track, wanted).map((p) => `failovers.${alias}: ${p}`));
    }
    if (expect.notifications) problems.push(...(await this.checkNotifications(expect.notifications)));
    const violationsWanted = expect.violations ?? (atEnd ? [] : undefined);
    if (violationsWanted) {
      const violations = await this.lazarus.control<Array<{ kind: string; detail?: string; message?: string }>>(
        'GET',
        '/violations',
      );
      if (violationsWanted.length === 0 && violations.length > 0)
        problems.push(`violations: expected none, got ${clip(JSON.stringify(violations))}`);
      for (const v of violationsWanted) {
        const count = violations.filter((x) => x.kind === v.kind).length;
        const problem = mismatch(count, v.count ?? { atLeast: 1 });
        if (problem) problems.push(`violations: ${v.kind} count ${problem}`);
      }
    }
    if (expect.devices) problems.push(...this.checkDevices(expect.devices, await this.state()));
    return problems;
  }

  private async checkNotifications(wanted: NonNullable<Expectations['notifications']>): Promise<string[]> {
    const all = (await this.lazarus.store.recentNotifications(200)) as Notification[];
    const problems: string[] = [];
    for (const w of wanted) {
      const workflowId = w.failover === undefined ? undefined : this.track(w.failover).id;
      const matching = all.filter(
        (n) =>
          n.kind === w.kind &&
          (w.severity === undefined || n.severity === w.severity) &&
          (workflowId === undefined || n.workflowId === workflowId) &&
          (w.message === undefined || mismatch(n.message, w.message) === undefined),
      );
      const label = `notification ${w.kind}${w.failover ? ` of ${w.failover}` : ''}`;
      if (!w.present) {
        if (matching.length > 0) problems.push(`${label}: expected none, got ${clip(JSON.stringify(matching))}`);
        continue;
      }
      if (matching.length === 0) {
        const sameKind = all
          .filter((n) => n.kind === w.kind)
          .map((n) => `${n.severity}${n.workflowId ? `@${n.workflowId}` : ''}: ${clip(n.message, 200)}`);
        const others = all.map((n) => `${n.kind}/${n.severity}`).join(', ') || 'nothing';
        problems.push(
          `${label}: none matches` +
            (sameKind.length > 0 ? `; of that kind: ${sameKind.join(' | ')}` : `; raised: ${others}`),
        );
        continue;
      }
      if (w.seenDuring) {
        const during = w.seenDuring;
        const phases = matching.map((n) => this.seen.get(n.id)?.[during.failover] ?? 'unknown');
        if (!phases.some((p) => during.phases.includes(p)))
          problems.push(
            `${label}: first seen while ${during.failover} was in ${phases.join(', ')}, ` +
              `expected during ${during.phases.join('|')}`,
          );
      }
    }
    return problems;
  }

  private checkDevices(wanted: NonNullable<Expectations['devices']>, state: FleetState): string[] {
    const problems: string[] = [];
    for (const [lpar, w] of Object.entries(wanted.lpars ?? {})) {
      const found = partitionsNamed(state, lpar);
      const running = found.filter((p) => p.state === 'Running').map((p) => p.system);
      const where = found.map((p) => `${p.state} on ${p.system}`).join(', ') || 'defined nowhere';
      if (w.running === 'once' && running.length !== 1)
        problems.push(`${lpar}: expected Running exactly once, is ${where}`);
      if (w.running === 'never' && running.length !== 0)
        problems.push(`${lpar}: expected Running nowhere, is ${where}`);
      if (w.runningOn !== undefined && (running.length !== 1 || running[0] !== w.runningOn))
        problems.push(`${lpar}: expected Running once on ${w.runningOn}, is ${where}`);
      for (const host of w.notRunningOn ?? [])
        if (running.includes(host)) problems.push(`${lpar}: expected not Running on ${host}, is ${where}`);
      for (const [host, matcher] of Object.entries(w.stateOn ?? {})) {
        const problem = mismatch(found.find((p) => p.system === host)?.state ?? 'absent', matcher);
        if (problem) problems.push(`${lpar} on ${host}: state ${problem}`);
      }
      if (w.volumesMappedTo !== undefined) {
        const volumes = found[0]?.volumes ?? [];
        const mapped = new Set(mappingsByHost(state).get(w.volumesMappedTo) ?? []);
        const missing = volumes.filter((v) => !mapped.has(v));
        if (volumes.length === 0 || missing.length > 0)
          problems.push(
            `${lpar}: volumes not mapped to ${w.volumesMappedTo}: ${missing.join(', ') || '(no volumes known)'}`,
          );
      }
    }
    const mappings = mappingsByHost(state);
    for (const [host, w] of Object.entries(wanted.hosts ?? {})) {
      const system = state.systems.find((s) => s.name === host);
      if (w.state !== undefined) {
        const problem = mismatch(system?.state ?? 'absent', w.state);
        if (problem) problems.push(`host ${host}: state ${problem}`);
      }
      if (w.mappings === 'unchanged') {
        const before = this.baselineMappings.get(host) ?? [];
        const now = mappings.get(host) ?? [];
        const lost = before.filter((v) => !now.includes(v));
        const gained = now.filter((v) => !before.includes(v));
        if (lost.length + gained.length > 0)
          problems.push(
            `host ${host}: mappings changed: lost ${lost.length} (${clip(lost.join(', '), 200)}), ` +
              `gained ${gained.length}`,
          );
      } else if (w.mappings !== undefined) {
        const problem = mismatch((mappings.get(host) ?? []).length, w.mappings);
        if (problem) problems.push(`host ${host}: mapping count ${problem}`);
      }
    }
    return problems;
  }

  // ---- helpers ----

  /** Records a failed expectation of this step and goes on, so one run shows every way the scenario fails. */
  private softly(expectation: () => void): void {
    try {
      expectation();
    } catch (err) {
      this.soft.push(`${this.currentStep}: ${(err as Error).message}`);
    }
  }

  private track(alias: string): FailoverTrack {
    const track = this.tracks.get(alias);
    if (!track)
      throw new Error(`no failover started as "${alias}" (known: ${[...this.tracks.keys()].join(', ') || 'none'})`);
    return track;
  }

  /** A started failover's URL by its alias, or any other id (a stream's workflow id, an unknown one) as given. */
  private failoverUrl(failover: string): string {
    return this.tracks.get(failover)?.url ?? `/v1/failovers/${encodeURIComponent(failover)}`;
  }

  private resolve<T>(value: T): T {
    return interpolate(value, (name) => {
      const [head, ...rest] = name.split(/(?=[.[])/);
      if (!this.vars.has(head!))
        throw new Error(
          `\${${name}}: nothing named ${head} yet (known: ${[...this.vars.keys()].join(', ') || 'none'})`,
        );
      const values = select(this.vars.get(head!), rest.join('').replace(/^\./, ''));
      if (values.length !== 1)
        throw new Error(
          `\${${name}}: selects ${values.length} values in ${clip(JSON.stringify(this.vars.get(head!)))}`,
        );
      return values[0];
    }) as T;
  }

  private state(): Promise<FleetState> {
    return this.lazarus.control<FleetState>('GET', '/state');
  }

  private remaining(): number {
    return Math.max(0, this.deadline - Date.now());
  }

  private async until(
    what: string,
    condition: () => boolean | Promise<boolean>,
    timeoutMs: number,
    detail: () => string = () => '',
  ): Promise<void> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      if (await condition()) return;
      if (Date.now() >= until) {
        const why =
          timeoutMs < this.scenario.timeout && this.remaining() === 0
            ? ` (the scenario's timeout of ${this.scenario.timeout} ms)`
            : '';
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}; ${detail()}`);
      }
      await sleep(Math.min(this.scenario.pollEvery, 100));
    }
  }

  private describeTrack(track: FailoverTrack): string {
    const entries = track.report?.lpars ?? track.progress?.lpars ?? [];
    const lpars = entries.map(
      (l) =>
        `${l.lpar}:${l.step}` +
        (l.destination ? `@${l.destination}` : '') +
        ((l.attempts ?? 0) > 1 ? ` x${l.attempts}` : ''),
    );
    const unplaced = ((track.report?.unplaced ?? []) as Array<{ lpar: string; reason: string }>).map(
      (u) => `${u.lpar} (${u.reason})`,
    );
    const outcome = track.report ? `, outcome ${track.report.outcome}` : '';
    const left = unplaced.length ? `; unplaced ${unplaced.join(', ')}` : '';
    return `${track.alias}: phases ${track.phases.join(' > ') || '(none seen)'}${outcome}; ${lpars.join(' ')}${left}`;
  }

  private summary(): string {
    return [...this.tracks.values()].map((t) => `  ${this.describeTrack(t)}`).join('\n');
  }
}

function addPhase(track: FailoverTrack, phase: unknown): void {
  if (typeof phase === 'string' && track.phases.at(-1) !== phase) track.phases.push(phase);
}

function expectStatus(response: { status: number; body: unknown }, wanted: number | number[]): void {
  const statuses = [wanted].flat();
  if (!statuses.includes(response.status))
    throw new Error(
      `HTTP ${response.status}, expected ${statuses.join(' or ')}: ${clip(JSON.stringify(response.body))}`,
    );
}

function checkFailover(track: FailoverTrack, wanted: NonNullable<Expectations['failovers']>[string]): string[] {
  const report = track.report;
  if (!report) return [`not completed (${track.phases.join(' > ')})`];
  const problems: string[] = [];
  if (wanted.outcome !== undefined) {
    const problem = mismatch(report.outcome, wanted.outcome);
    if (problem) problems.push(`outcome ${problem}`);
  }
  const entries = report.lpars ?? [];
  const unplaced =
    (report.unplaced as Array<{ lpar: string; reason: string; detail: string; priority?: string }> | undefined) ?? [];
  const planned = (
    (
      report.plan as
        { streams?: Array<{ destination: string; lpars: Array<{ name: string; priority: string }> }> } | undefined
    )?.streams ?? []
  ).flatMap((s) => s.lpars);
  const named = Object.keys(wanted.lpars ?? {}).filter((n) => n !== '*');
  const targets: Array<[string, NonNullable<typeof wanted.lpars>[string]]> = Object.entries(wanted.lpars ?? {}).filter(
    ([n]) => n !== '*',
  );
  const every = wanted.lpars?.['*'];
  if (every) for (const e of entries) if (!named.includes(e.lpar)) targets.push([e.lpar, every]);
  for (const [lpar, w] of targets) {
    const entry = entries.find((e) => e.lpar === lpar);
    const out = unplaced.find((u) => u.lpar === lpar);
    if (!w.present) {
      if (entry || out) problems.push(`${lpar}: expected absent from the report, is ${entry?.step ?? 'unplaced'}`);
      continue;
    }
    if (!entry && !out) {
      problems.push(`${lpar}: missing from the report (neither in lpars nor unplaced)`);
      continue;
    }
    const fields: Record<string, unknown> = entry
      ? {
          step: entry.step,
          destination: entry.destination,
          attempts: entry.attempts,
          error: entry.error,
          runningAtMs: entry.timings?.running,
        }
      : { step: 'unplaced', error: `${out!.reason}: ${out!.detail}` };
    for (const key of ['step', 'destination', 'attempts', 'error', 'runningAtMs'] as const) {
      if (w[key] === undefined) continue;
      const problem = mismatch(fields[key], w[key]!);
      if (problem)
        problems.push(
          `${lpar}: ${key} ${problem}` +
            (key === 'step' && fields.error ? ` (error: ${clip(String(fields.error), 200)})` : ''),
        );
    }
    if (w.priority !== undefined) {
      const priorities = [
        entry?.priority,
        out?.priority,
        ...planned.filter((p) => p.name === lpar).map((p) => p.priority),
      ].filter((p) => p !== undefined);
      if (priorities.length === 0) problems.push(`${lpar}: the report gives no priority`);
      for (const p of priorities) {
        const problem = mismatch(p, w.priority);
        if (problem) problems.push(`${lpar}: priority ${problem}`);
      }
    }
  }
  for (const c of wanted.report ?? []) problems.push(...jsonCheck(report, c, 'report'));
  if (wanted.timeline) {
    let at = 0;
    for (const phase of wanted.timeline) {
      const found = track.phases.indexOf(phase, at);
      if (found < 0) {
        problems.push(
          `timeline: expected ${wanted.timeline.join(' > ')} in order, saw ${track.phases.join(' > ')} ` +
            `(no ${phase} after position ${at})`,
        );
        break;
      }
      at = found + 1;
    }
  }
  for (const phase of wanted.never ?? [])
    if (track.phases.includes(phase))
      problems.push(`timeline: phase ${phase} must not be seen, saw ${track.phases.join(' > ')}`);
  return problems;
}

/** A mismatch described ("is X, expected Y"), or undefined when the value matches. */
export function mismatch(actual: unknown, matcher: Matcher): string | undefined {
  const show = (v: unknown) => (v === undefined ? 'absent' : JSON.stringify(v));
  if (matcher === null || typeof matcher !== 'object')
    return actual === matcher ? undefined : `is ${show(actual)}, expected ${show(matcher)}`;
  if ('oneOf' in matcher)
    return matcher.oneOf.includes(actual as never)
      ? undefined
      : `is ${show(actual)}, expected one of ${show(matcher.oneOf)}`;
  if ('not' in matcher)
    return [matcher.not].flat().includes(actual as never)
      ? `is ${show(actual)}, expected not ${show(matcher.not)}`
      : undefined;
  if ('matches' in matcher)
    return typeof actual === 'string' && new RegExp(matcher.matches).test(actual)
      ? undefined
      : `is ${show(actual)}, expected to match /${matcher.matches}/`;
  if ('atLeast' in matcher)
    return typeof actual === 'number' && actual >= matcher.atLeast
      ? undefined
      : `is ${show(actual)}, expected at least ${matcher.atLeast}`;
  if ('atMost' in matcher)
    return typeof actual === 'number' && actual <= matcher.atMost
      ? undefined
      : `is ${show(actual)}, expected at most ${matcher.atMost}`;
  return (actual !== undefined) === matcher.exists
    ? undefined
    : `is ${show(actual)}, expected ${matcher.exists ? 'present' : 'absent'}`;
}

/**
 * The values a path selects (`a.b[0]`, `list[k=v].x`, `list[*].x`, `[@n]` = the nth value selected so far); arrays
 * are searched element-wise by name.
 */
export function select(value: unknown, path: string): unknown[] {
  let current: unknown[] = [value];
  for (const [, bracket, name] of path.matchAll(/\[([^\]]*)\]|([^.[\]]+)/g)) {
    const pick = /^@(\d+)$/.exec(bracket ?? '');
    if (pick) {
      current = Number(pick[1]) < current.length ? [current[Number(pick[1])]] : [];
      continue;
    }
    const next: unknown[] = [];
    for (const v of current) {
      if (name !== undefined) {
        const items = Array.isArray(v) ? v : [v];
        for (const item of items)
          if (item !== null && typeof item === 'object' && name in item)
            next.push((item as Record<string, unknown>)[name]);
      } else {
        // [k=v] filters an array's elements, or keeps a selected object that matches (so filters chain)
        const filter = /^([^=]+)=(.*)$/.exec(bracket!);
        const matches = (item: unknown) =>
          item !== null &&
          typeof item === 'object' &&
          String((item as Record<string, unknown>)[filter![1]!]) === filter![2];
        if (filter) next.push(...(Array.isArray(v) ? v.filter(matches) : matches(v) ? [v] : []));
        else if (!Array.isArray(v)) continue;
        else if (bracket === '*') next.push(...v);
        else if (/^\d+$/.test(bracket!) && Number(bracket) < v.length) next.push(v[Number(bracket)]);
      }
    }
    current = next;
  }
  return current;
}

function jsonCheck(value: unknown, check: JsonCheck, where: string): string[] {
  const selected = select(value, check.path);
  const problems: string[] = [];
  if (check.count !== undefined) {
    const problem = mismatch(selected.length, check.count);
    if (problem) problems.push(`${where} ${check.path}: count ${problem}`);
  }
  if (check.is !== undefined) {
    const isExistsFalse =
      typeof check.is === 'object' && check.is !== null && 'exists' in check.is && check.is.exists === false;
    if (selected.length === 0 && !isExistsFalse) problems.push(`${where} ${check.path}: selects nothing`);
    for (const v of selected) {
      const problem = mismatch(v, check.is);
      if (problem) problems.push(`${where} ${check.path}: ${problem}`);
    }
  }
  return problems;
}

/** Deep-copies value with every ${name.path} in its strings and keys resolved (a whole-string value keeps its type). */
function interpolate(value: unknown, lookup: (name: string) => unknown): unknown {
  if (typeof value === 'string') {
    const whole = /^\$\{([^}]+)\}$/.exec(value);
    if (whole) return lookup(whole[1]!);
    return value.replace(/\$\{([^}]+)\}/g, (_m, name: string) => String(lookup(name)));
  }
  if (Array.isArray(value)) return value.map((v) => interpolate(v, lookup));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [interpolate(k, lookup), interpolate(v, lookup)]));
  return value;
}

function partitionsNamed(state: FleetState, lpar: string) {
  return state.systems.flatMap((s) =>
    s.partitions.filter((p) => p.name === lpar && !p.vios).map((p) => ({ ...p, system: s.name })),
  );
}

/** vdisk names mapped to each storage host, across every storage system. */
function mappingsByHost(state: FleetState): Map<string, string[]> {
  const byHost = new Map<string, string[]>();
  for (const storage of state.storage) {
    for (const m of storage.mappings) {
      if (!m.host || !m.vdisk) continue;
      byHost.set(m.host, [...(byHost.get(m.host) ?? []), m.vdisk].sort());
    }
  }
  return byHost;
}

function clip(text: string, max = 600): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

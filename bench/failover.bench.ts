// npm run bench:failover [-- --time-scale S] [--only pod|pod-e2e|large]
//
// Host failover RTO, end to end: the hostFailover workflow on the devserver with the real worker setup, driving the
// simulated HMC and storage system over SSH (the simulator runs in its own process; its latency model is scaled by
// --time-scale, by default 0.01 for the PoD, whose serial mode then takes ~8 minutes, and 0.02 for the large run: the
// engine's per-activity cost is fixed wall time, so the more the devices are compressed the more it weighs).
//
// 1. The CMS paper's PoD: 12 hosts, one fails, 11 destination streams; its LPARs have 1–24 volumes and mapping
//    dominates. Run four ways by the same workflow: serial (one LPAR, one volume at a time), one stream per
//    destination (§5.2), streams with 4 parallel mappings (§5.3), and Lazarus (its planner balancing measured step
//    durations, mappings per stream up to its share of the storage system's budget). Speedups over serial are
//    compared with what the latency model predicts for the same plan (target: each paper mode ≥ 90 % of it);
//    Lazarus is compared with §5.3 and with the lower bound (target ≤ 1.2×).
// 2. A large fleet: 50 hosts, 2,000 LPARs, 20,000 volumes; two hosts fail together and the storage system's
//    concurrent-operation limit binds. RTO against the bound, the largest workflow history, peak worker memory.
//
// Times are of the restart phase (first volume mapping to last LPAR Running); confirm, fence and plan add a constant
// and are printed apart: the fence (power off to storage cut, from the report's fence proof) and the end-to-end time
// (the failover's start to its last LPAR Running) against the whole path's lower bound. `--only pod-e2e` runs only
// the Lazarus mode of the PoD for those figures (seconds of wall clock instead of ~10 minutes).
// Results: bench/results/failover.md (failover-<only>.md with --only).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { DeviceRegistry } from '../activities/devices.js';
import { openSqliteStore } from '../activities/inventory/index.js';
import { parseConfigText } from '../domain/config/index.js';
import type { FleetEndpoints } from '../simulators/index.js';
import type { FailoverPolicy, FailoverReport } from '../domain/failover/index.js';
import { failoverSettings, MAIN_TASK_QUEUE, startLazarusWorkers } from '../workers/lazarus-workers.js';
import { startTemporalService } from '../workers/temporal-service.js';
import {
  BENCH_LATENCY,
  benchConfig,
  generateFleet,
  STEP_COST,
  type BenchFleet,
  type BenchLimits,
} from './failover/fleet.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// --dump DIR: each Lazarus run's failover reports as JSON there (per-LPAR step timings, the fence proof), to see
// where the time goes.
const { values: args } = parseArgs({
  options: { 'time-scale': { type: 'string' }, only: { type: 'string' }, dump: { type: 'string' } },
});
const scale = (fallback: number) => {
  const value = Number(args['time-scale'] ?? fallback);
  if (!(value > 0)) throw new Error(`--time-scale must be a positive number, got ${args['time-scale']}`);
  return value;
};
const POD_TIME_SCALE = scale(0.01);
const LARGE_TIME_SCALE = scale(0.02);

/** Seconds the latency model charges one LPAR in a stream with `k` mappings at once (real-device seconds). */
function lparSeconds(volumes: number, k: number): number {
  return (Math.ceil(volumes / k) * STEP_COST.mapping + STEP_COST.vios + STEP_COST.restart + STEP_COST.boot) / 1000;
}

interface Mode {
  name: string;
  /** mappings at once per stream */
  k: number;
  settings: { parallelMappingsPerStream: number; maxParallelStreams?: number; mapAllAtOnce?: boolean };
  /** the latency model's restart-phase time for this plan (real-device seconds) */
  predict: (streams: number[][]) => number;
}

interface Run {
  reports: FailoverReport[];
  /** first mapping to last Running, scaled back to real-device seconds */
  restartSeconds: number;
  /** confirm + fence + plan of the slowest failover, real-device seconds */
  preparationSeconds: number;
  /** the slowest failover's fence: power off to the end of its storage cut, real-device seconds */
  fenceSeconds: number;
  /** the first failover's start to the last LPAR Running, real-device seconds */
  endToEndSeconds: number;
  /** how the storage was cut: `host ports` (rmhostport) or `N volumes` (one by one) */
  storageCut: string;
  peakRssMb: number;
  largestHistory: { workflowId: string; events: number; bytes: number };
}

/** A bench environment: the simulator process, the devserver, the inventory store, the workers and a client. */
class Bench {
  private constructor(
    readonly fleet: BenchFleet,
    readonly client: Client,
    readonly controlUrl: string,
    readonly config: ReturnType<typeof parseConfigText>,
    readonly timeScale: number,
    private readonly stops: Array<() => Promise<unknown>>,
  ) {}

  static async start(fleet: BenchFleet, limits: BenchLimits, timeScale: number): Promise<Bench> {
    const dir = mkdtempSync(join(tmpdir(), `lazarus-bench-${fleet.name}-`));
    const stops: Array<() => Promise<unknown>> = [async () => rmSync(dir, { recursive: true, force: true })];
    writeFileSync(join(dir, 'fleet.yaml'), fleet.spec);
    const simulator = await startSimulator(join(dir, 'fleet.yaml'), join(dir, 'endpoints.json'), timeScale);
    stops.unshift(async () => simulator.process.kill('SIGTERM'));
    writeFileSync(join(dir, 'known_hosts'), simulator.endpoints.knownHosts);
    const config = parseConfigText(
      benchConfig(fleet, simulator.endpoints, join(dir, 'known_hosts'), limits),
      `${fleet.name} bench config`,
    );
    const service = await startTemporalService({ logLevel: 'warn' });
    stops.unshift(() => service.stop());
    const store = await openSqliteStore(join(dir, 'lazarus.db'));
    stops.unshift(() => store.close());
    const devices = new DeviceRegistry(config);
    stops.unshift(() => devices.close());
    const workers = await startLazarusWorkers({
      address: service.address,
      namespace: service.namespace,
      config,
      devices,
      store,
      log: () => undefined,
    });
    stops.unshift(() => workers.stop());
    const connection = await Connection.connect({ address: service.address });
    stops.unshift(() => connection.close());
    const client = new Client({ connection, namespace: service.namespace });
    const discovered = (await client.workflow.execute('discoverHostGroup', {
      taskQueue: MAIN_TASK_QUEUE,
      workflowId: `bench-discovery-${fleet.name}`,
      args: [{ group: fleet.name }],
    })) as { discovery: { status: string; lpars?: number; error?: string } };
    if (discovered.discovery.status !== 'ok')
      throw new Error(`discovery of ${fleet.name}: ${discovered.discovery.status} ${discovered.discovery.error ?? ''}`);
    return new Bench(fleet, client, simulator.endpoints.control, config, timeScale, stops);
  }

  async stop(): Promise<void> {
    for (const stop of this.stops) await stop().catch((err: unknown) => console.error(`cleanup: ${String(err)}`));
  }

  private async control(method: string, path: string, body?: unknown): Promise<unknown> {
    const response = await fetch(`${this.controlUrl}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`simulator ${method} ${path}: ${response.status} ${await response.text()}`);
    return response.json();
  }

  /** Resets the fleet, fails the failing hosts and fails each over with `settings`; all failovers run at once. */
  async failover(label: string, settings: Mode['settings']): Promise<Run> {
    await this.control('POST', '/reset');
    await this.control('DELETE', '/violations');
    for (const host of this.fleet.failing) await this.control('POST', '/faults', { kind: 'host-error', target: host });
    const policy = failoverSettings(this.config, this.fleet.name)!;
    const base: FailoverPolicy = {
      ...policy,
      concurrency: {
        ...policy.concurrency,
        mapAllAtOnce: settings.mapAllAtOnce ?? false,
        mappingsPerStream: settings.parallelMappingsPerStream,
        maxParallelStreams: settings.maxParallelStreams,
      },
      timing: { ...policy.timing, pollMs: 20 },
    };
    let peakRss = process.memoryUsage().rss;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
    try {
      const handles = await Promise.all(
        this.fleet.failing.map((host) =>
          this.client.workflow.start('hostFailover', {
            taskQueue: MAIN_TASK_QUEUE,
            workflowId: `failover/${this.fleet.name}/${host}/${label}`,
            args: [{ group: this.fleet.name, host, mode: 'auto', requestedBy: 'bench', policy: base }],
          }),
        ),
      );
      const reports = (await Promise.all(handles.map((h) => h.result()))) as FailoverReport[];
      if (args.dump) await this.dump(label, handles, reports);
      for (const report of reports) {
        if (report.outcome !== 'succeeded')
          throw new Error(
            `${label}: ${report.workflowId} ${report.outcome}: ${JSON.stringify(report.lpars.filter((l) => l.step !== 'running').slice(0, 3))}`,
          );
      }
      const violations = (await this.control('GET', '/violations')) as unknown[];
      if (violations.length > 0)
        throw new Error(`${label}: ${violations.length} safety violations, e.g. ${JSON.stringify(violations[0])}`);
      const starts = await Promise.all(handles.map(async (h) => (await h.describe()).startTime.getTime()));
      const t0 = Math.min(...starts);
      const at = (report: FailoverReport, step: 'mapping' | 'running', pick: (xs: number[]) => number) =>
        pick(report.lpars.map((l) => l.timings[step]!)) + starts[reports.indexOf(report)]! - t0;
      const firstMapping = Math.min(...reports.map((r) => at(r, 'mapping', (xs) => Math.min(...xs))));
      const lastRunning = Math.max(...reports.map((r) => at(r, 'running', (xs) => Math.max(...xs))));
      const fences = reports.map((r) => r.fence?.timings);
      if (fences.some((t) => t === undefined)) throw new Error(`${label}: a report has no fence timings`);
      const cut = reports[0]!.fence!;
      return {
        reports,
        restartSeconds: (lastRunning - firstMapping) / 1000 / this.timeScale,
        preparationSeconds: firstMapping / 1000 / this.timeScale,
        fenceSeconds: Math.max(...fences.map((t) => t!.storageCutMs - t!.startMs)) / 1000 / this.timeScale,
        endToEndSeconds: lastRunning / 1000 / this.timeScale,
        storageCut:
          (cut.hostPortsRemoved
            ? `host ports (${cut.hostPortsRemoved.wwpns.length} WWPNs, one rmhostport)`
            : `${cut.unmappedVolumes.length} volumes unmapped one by one`) +
          (cut.npivLoggedOut ? `; ${cut.npivLoggedOut.length} NPIV clients' ports read logged out` : ''),
        peakRssMb: peakRss / 2 ** 20,
        largestHistory: await this.largestHistory(reports),
      };
    } finally {
      clearInterval(sampler);
    }
  }

  /** --dump: the reports, and each failover's own activities (type, scheduled and closed, ms after its start). */
  private async dump(
    label: string,
    handles: Array<{ workflowId: string; fetchHistory(): Promise<proto.temporal.api.history.v1.IHistory> }>,
    reports: FailoverReport[],
  ): Promise<void> {
    const activities = [];
    for (const handle of handles) {
      const events = (await handle.fetchHistory()).events ?? [];
      const ms = (e: proto.temporal.api.history.v1.IHistoryEvent) =>
        Number(e.eventTime?.seconds ?? 0) * 1000 + Math.round((e.eventTime?.nanos ?? 0) / 1e6);
      const t0 = ms(events[0]!);
      const scheduled = new Map<number, { type: string; scheduledMs: number }>();
      for (const e of events) {
        const id = Number(e.eventId);
        if (e.activityTaskScheduledEventAttributes)
          scheduled.set(id, {
            type: e.activityTaskScheduledEventAttributes.activityType?.name ?? '?',
            scheduledMs: ms(e) - t0,
          });
        const closed =
          e.activityTaskCompletedEventAttributes ??
          e.activityTaskFailedEventAttributes ??
          e.activityTaskTimedOutEventAttributes;
        if (closed) {
          const from = scheduled.get(Number(closed.scheduledEventId));
          if (from) activities.push({ workflowId: handle.workflowId, ...from, closedMs: ms(e) - t0 });
        }
      }
    }
    mkdirSync(args.dump!, { recursive: true });
    writeFileSync(
      join(args.dump!, `${label}.json`),
      JSON.stringify({ timeScale: this.timeScale, reports, activities }, null, 1),
    );
  }

  private async largestHistory(reports: FailoverReport[]): Promise<Run['largestHistory']> {
    let largest = { workflowId: '', events: 0, bytes: 0 };
    const ids = reports.flatMap((r) => [
      r.workflowId,
      ...(r.plan?.streams ?? []).map((s) => `${r.workflowId}/round-1/stream/${s.destination}`),
    ]);
    for (const workflowId of ids) {
      const history = await this.client.workflow.getHandle(workflowId).fetchHistory();
      const bytes = proto.temporal.api.history.v1.History.encode(history).finish().length;
      if (bytes > largest.bytes) largest = { workflowId, events: history.events?.length ?? 0, bytes };
    }
    return largest;
  }
}

async function startSimulator(
  fleetFile: string,
  endpointsFile: string,
  timeScale: number,
): Promise<{ process: ChildProcess; endpoints: FleetEndpoints }> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(root, 'simulators/main.ts'),
      '--fleet',
      fleetFile,
      '--endpoints',
      endpointsFile,
      '--time-scale',
      String(timeScale),
      '--latency',
      JSON.stringify(BENCH_LATENCY),
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('control API')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`simulator exited (${code}): ${output}`)));
  });
  return { process: child, endpoints: JSON.parse(readFileSync(endpointsFile, 'utf8')) as FleetEndpoints };
}

/** Volumes of each LPAR per stream, in the order of the report's plan. */
function streamVolumes(report: FailoverReport): number[][] {
  return report.plan!.streams.map((s) => s.lpars.map((l) => l.volumes.length));
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

const MACHINE_NOTE = [
  `Machine: ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, shared by the simulator process, the devserver process and`,
  'the bench process (the worker, its client and the inventory store; "peak worker RSS" is that process). Times are',
  'real-device seconds (wall clock divided by the time scale) of the restart phase: first volume mapping to last LPAR',
  'Running; confirm, fence and plan come before it and are printed apart. The engine costs a fixed few milliseconds',
  'of wall time per activity, so the more the simulated devices are compressed, the more it weighs in these ratios.',
].join('\n');

const BOUND_RULE =
  'the largest of: total work / streams, the longest LPAR, every mapping through the storage slots followed by one VIOS configuration, restart and boot';

/** No schedule of these streams can be faster, given the latency model and the storage system's limit (real-device s). */
function lowerBound(streams: number[][], k: number, storageLimit: number): number {
  const all = streams.flat();
  const fixed = (STEP_COST.vios + STEP_COST.restart + STEP_COST.boot) / 1000;
  return Math.max(
    sum(all.map((v) => lparSeconds(v, k))) / streams.length,
    Math.max(...all.map((v) => lparSeconds(v, k))),
    (sum(all) * STEP_COST.mapping) / 1000 / storageLimit + fixed,
  );
}
const fmt = (x: number, digits = 1) => x.toFixed(digits);

/**
 * What must happen, one after the other, before the restart phase can begin (real-device s): the host's state read
 * (confirm), the group's listing (roster), the power-off command and the server going off, the read that sees Power
 * Off, the host object's ports read and cut (lshost, rmhostport), the gate's listing. Simulator defaults for what the
 * bench does not set (latency.ts: hmcChange 1.5 s, systemPowerOffImmediate 20 s).
 */
const PATH_BEFORE_RESTART =
  (4 * BENCH_LATENCY.hmcQuery + 1_500 + 20_000 + BENCH_LATENCY.svcQuery + BENCH_LATENCY.svcChange) / 1000;

/** Today's (2026-11-24) PoD fence: 722 volumes unmapped one by one through the storage budget. */
const PREVIOUS_POD_FENCE_SECONDS = 795;

/**
 * The NPIV restart phase's bound (real-device s): nothing is mapped and no VIOS configured, so each LPAR costs its
 * restart and boot; the larger of the work spread over the streams and one LPAR.
 */
function npivBound(streams: number[][]): number {
  // Plus the read that sees each client's ports logged out (in parallel, through the storage budget).
  const each = (STEP_COST.restart + STEP_COST.boot) / 1000;
  return BENCH_LATENCY.svcQuery / 1000 + Math.max((streams.flat().length * each) / streams.length, each);
}

/** The fence and end-to-end figures of one Lazarus run, with their targets. */
function endToEnd(what: string, run: Run, k: number, storageLimit: number, npiv = false): string[] {
  const volumes = run.reports.flatMap((r) => streamVolumes(r));
  const bound = PATH_BEFORE_RESTART + (npiv ? npivBound(volumes) : lowerBound(volumes, k, storageLimit));
  return [
    `#### ${what}: fence and end to end`,
    '',
    '| storage cut | fence (s) | confirm + fence + plan (s) | restart phase (s) | end to end (s) | whole-path bound (s) | ratio |',
    '|---|---|---|---|---|---|---|',
    `| ${run.storageCut} | ${fmt(run.fenceSeconds, 0)} | ${fmt(run.preparationSeconds, 0)} | ${fmt(run.restartSeconds, 0)} | ${fmt(run.endToEndSeconds, 0)} | ${fmt(bound, 0)} | ${fmt(run.endToEndSeconds / bound, 2)} |`,
    '',
    `Whole-path bound: ${fmt(PATH_BEFORE_RESTART, 1)} s before the restart phase (confirm, roster, power off, the Power Off read, lshost + rmhostport, the gate's listing) plus the restart phase's bound (${BOUND_RULE}).`,
    '',
    target(
      `fence under 10 % of the previous ${PREVIOUS_POD_FENCE_SECONDS} s`,
      `${fmt((100 * run.fenceSeconds) / PREVIOUS_POD_FENCE_SECONDS, 1)} %`,
      run.fenceSeconds < PREVIOUS_POD_FENCE_SECONDS / 10,
    ),
    target(
      'end to end within 1.2× of the whole-path bound',
      fmt(run.endToEndSeconds / bound, 2),
      run.endToEndSeconds / bound <= 1.2,
    ),
    '',
  ];
}

/**
 * The PoD with every LPAR attached by NPIV on its own host object: the same fleet (seed), nothing to map and no VIOS
 * to configure, the fence the failed server's host-level cut plus each client's ports read logged out (npivBound).
 */
async function benchPodNpiv(lines: string[], settings: Mode['settings'], storageLimit: number): Promise<void> {
  const fleet = generateFleet({ ...POD_FLEET, npiv: true });
  const bench = await Bench.start(
    fleet,
    { hmcConcurrentOperations: 32, storageConcurrentOperations: storageLimit, storageSessions: 16 },
    POD_TIME_SCALE,
  );
  try {
    const run = await bench.failover('lazarus-npiv', settings);
    const failed = fleet.lpars.filter((l) => l.host === fleet.failing[0]).length;
    lines.push(...endToEnd(`PoD (NPIV), ${failed} LPARs`, run, storageLimit, storageLimit, true));
  } finally {
    await bench.stop();
  }
}

const POD_FLEET = {
  name: 'pod',
  hostCount: 12,
  failing: 1,
  lparsPerHost: (i: number) => (i === 0 ? 55 : 2),
  minVolumes: 1,
  maxVolumes: 24,
  seed: 5,
};

async function benchPod(lines: string[], e2eOnly = false): Promise<void> {
  const storageLimit = 64;
  const fleet = generateFleet(POD_FLEET);
  const failed = fleet.lpars.filter((l) => l.host === fleet.failing[0]);
  const streams = fleet.hosts.length - 1;
  const lazarusK = storageLimit;
  const modes: Mode[] = [
    {
      name: 'serial',
      k: 1,
      settings: { parallelMappingsPerStream: 1, maxParallelStreams: 1 },
      predict: (s) => sum(s.flat().map((v) => lparSeconds(v, 1))),
    },
    {
      name: 'streams (§5.2)',
      k: 1,
      settings: { parallelMappingsPerStream: 1 },
      predict: (s) => Math.max(...s.map((vs) => sum(vs.map((v) => lparSeconds(v, 1))))),
    },
    {
      name: 'streams + 4 mappings (§5.3)',
      k: 4,
      settings: { parallelMappingsPerStream: 4 },
      predict: (s) => Math.max(...s.map((vs) => sum(vs.map((v) => lparSeconds(v, 4))))),
    },
    // All of an LPAR's mappings at once, the storage budget shared by every stream: the model is the lower bound.
    {
      name: 'Lazarus',
      k: lazarusK,
      settings: { parallelMappingsPerStream: 4, mapAllAtOnce: true },
      predict: (s) => lowerBound(s, lazarusK, storageLimit),
    },
  ];
  console.log(
    `PoD: ${fleet.hosts.length} hosts, ${failed.length} LPARs and ${sum(failed.map((l) => l.volumes.length))} volumes on ${fleet.failing[0]}, time scale ${POD_TIME_SCALE}`,
  );
  const bench = await Bench.start(
    fleet,
    { hmcConcurrentOperations: 32, storageConcurrentOperations: storageLimit, storageSessions: 16 },
    POD_TIME_SCALE,
  );
  const results: Array<{ mode: Mode; run: Run; predicted: number }> = [];
  if (e2eOnly) {
    try {
      const run = await bench.failover('lazarus', modes[3]!.settings);
      lines.push(...endToEnd(`PoD (vSCSI), ${failed.length} LPARs`, run, lazarusK, storageLimit));
    } finally {
      await bench.stop();
    }
    await benchPodNpiv(lines, modes[3]!.settings, storageLimit);
    return;
  }
  try {
    for (const mode of modes) {
      const run = await bench.failover(mode.name.split(' ')[0]!.toLowerCase(), mode.settings);
      const predicted = mode.predict(streamVolumes(run.reports[0]!));
      results.push({ mode, run, predicted });
      console.log(
        `  ${mode.name}: restart phase ${fmt(run.restartSeconds, 0)} s (model ${fmt(predicted, 0)} s), preparation ${fmt(run.preparationSeconds, 0)} s`,
      );
    }
  } finally {
    await bench.stop();
  }
  const serial = results[0]!;
  const lazarus = results[3]!;
  const paper53 = results[2]!;
  const volumes = streamVolumes(lazarus.run.reports[0]!);
  const bound = lowerBound(volumes, lazarusK, storageLimit);
  lines.push(
    `### PoD (paper §5): ${fleet.hosts.length} hosts, ${fleet.failing[0]} fails: ${failed.length} LPARs, ${sum(failed.map((l) => l.volumes.length))} volumes (1–24 each), ${streams} destination streams`,
    '',
    `Device limits in the configuration: storage ${storageLimit} concurrent operations (the paper modes need at most ${streams} × 4 = ${streams * 4}, so it does not bind them), 16 SSH sessions; HMC 32 concurrent operations. Simulator latency (real-device ms, scaled by ${POD_TIME_SCALE}): ${JSON.stringify(BENCH_LATENCY)}.`,
    '',
    '| mode | mappings per stream | restart phase (s, real-device) | model (s) | speedup over serial | model speedup | measured / model speedup |',
    '|---|---|---|---|---|---|---|',
    ...results.map(({ mode, run, predicted }) => {
      const speedup = serial.run.restartSeconds / run.restartSeconds;
      const modelSpeedup = serial.predicted / predicted;
      return `| ${mode.name} | ${mode.k} | ${fmt(run.restartSeconds, 0)} | ${fmt(predicted, 0)} | ${fmt(speedup)}× | ${fmt(modelSpeedup)}× | ${fmt((100 * speedup) / modelSpeedup, 0)} % |`;
    }),
    '',
    `Lazarus vs §5.3: ${fmt(paper53.run.restartSeconds / lazarus.run.restartSeconds, 2)}× faster. Lower bound (${BOUND_RULE}): ${fmt(bound, 0)} s; Lazarus / bound = ${fmt(lazarus.run.restartSeconds / bound, 2)}. Confirm + fence + plan before the restart phase: ${fmt(lazarus.run.preparationSeconds, 0)} s.`,
    '',
    'Targets:',
    ...results.slice(1, 3).map(({ mode, run, predicted }) => {
      const share = serial.run.restartSeconds / run.restartSeconds / (serial.predicted / predicted);
      return target(
        `${mode.name} reaches ≥ 90 % of the speedup the model predicts`,
        `${fmt(100 * share, 0)} %`,
        share >= 0.9,
      );
    }),
    target(
      'Lazarus at least as fast as §5.3',
      `${fmt(paper53.run.restartSeconds / lazarus.run.restartSeconds, 2)}×`,
      lazarus.run.restartSeconds <= paper53.run.restartSeconds,
    ),
    target(
      'Lazarus within 1.2× of the lower bound',
      fmt(lazarus.run.restartSeconds / bound, 2),
      lazarus.run.restartSeconds / bound <= 1.2,
    ),
    '',
    ...endToEnd(`PoD (vSCSI), ${failed.length} LPARs, Lazarus mode`, lazarus.run, lazarusK, storageLimit),
  );
}

/** One target line: what, the figure, met or not. */
function target(what: string, figure: string, met: boolean): string {
  return `- ${what}: ${figure} — ${met ? 'met' : 'NOT met'}`;
}

async function benchLarge(lines: string[]): Promise<void> {
  const storageLimit = 32;
  const fleet = generateFleet({
    name: 'big',
    hostCount: 50,
    failing: 2,
    lparsPerHost: () => 40,
    minVolumes: 1,
    maxVolumes: 19,
    seed: 11,
  });
  const failed = fleet.lpars.filter((l) => fleet.failing.includes(l.host));
  const failedVolumes = sum(failed.map((l) => l.volumes.length));
  console.log(
    `Large: ${fleet.hosts.length} hosts, ${fleet.lpars.length} LPARs, ${sum(fleet.lpars.map((l) => l.volumes.length))} volumes; ${fleet.failing.join(' and ')} fail (${failed.length} LPARs, ${failedVolumes} volumes)`,
  );
  const started = Date.now();
  const bench = await Bench.start(
    fleet,
    { hmcConcurrentOperations: 32, storageConcurrentOperations: storageLimit, storageSessions: 8 },
    LARGE_TIME_SCALE,
  );
  const setupSeconds = (Date.now() - started) / 1000;
  let run: Run;
  try {
    run = await bench.failover('lazarus', { parallelMappingsPerStream: 4, mapAllAtOnce: true });
    console.log(`  restart phase ${fmt(run.restartSeconds, 0)} s`);
  } finally {
    await bench.stop();
  }
  const allStreams = run.reports.flatMap((r) => streamVolumes(r));
  const bound = lowerBound(allStreams, storageLimit, storageLimit);
  const streams = sum(run.reports.map((r) => r.plan!.streams.length));
  lines.push(
    `### Large: ${fleet.hosts.length} hosts, ${fleet.lpars.length} LPARs, ${sum(fleet.lpars.map((l) => l.volumes.length))} volumes; ${fleet.failing.join(' and ')} fail together (${failed.length} LPARs, ${failedVolumes} volumes, ${streams} streams in two failovers)`,
    '',
    `Time scale ${LARGE_TIME_SCALE}. Storage limit ${storageLimit} concurrent operations binds (the ${streams} streams ask for up to ${failedVolumes} mappings at once). Setup (simulator, devserver, discovery of the whole fleet): ${fmt(setupSeconds, 0)} s wall clock.`,
    '',
    '| restart phase (s, real-device) | lower bound (s) | ratio | largest workflow history | peak worker RSS |',
    '|---|---|---|---|---|',
    `| ${fmt(run.restartSeconds, 0)} | ${fmt(bound, 0)} | ${fmt(run.restartSeconds / bound, 2)} | ${run.largestHistory.events} events, ${fmt(run.largestHistory.bytes / 1024, 0)} KiB (${run.largestHistory.workflowId}) | ${fmt(run.peakRssMb, 0)} MB |`,
    '',
    `Bound: ${BOUND_RULE} (${storageLimit} mappings at once per stream, as Lazarus asks for).`,
    '',
    target('within 1.2× of the lower bound', fmt(run.restartSeconds / bound, 2), run.restartSeconds / bound <= 1.2),
    '',
  );
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const flags = [args['time-scale'] ? `--time-scale ${args['time-scale']}` : '', args.only ? `--only ${args.only}` : '']
    .filter(Boolean)
    .join(' ');
  const lines = [
    `## ${new Date().toISOString().slice(0, 10)}: \`npm run bench:failover${flags ? ` -- ${flags}` : ''}\``,
    '',
  ];
  if (args.only && !['pod', 'pod-e2e', 'large'].includes(args.only))
    throw new Error(`--only must be pod, pod-e2e or large, got ${args.only}`);
  if (!args.only || args.only === 'pod' || args.only === 'pod-e2e') await benchPod(lines, args.only === 'pod-e2e');
  if (!args.only || args.only === 'large') await benchLarge(lines);
  console.log(`\n${lines.join('\n')}`);
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  const file = join(root, `bench/results/failover${args.only ? `-${args.only}` : ''}.md`);
  writeFileSync(file, `# bench:failover results\n\n${MACHINE_NOTE}\n\n${lines.join('\n')}\n`);
  console.log(`written to ${file}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);

// bench:detect — how fast the host monitor detects a failure and how long until the failed host's LPARs run again,
// and whether it ever acts when it should not. For each case a fresh stack on the simulated fleet
// (examples/fleet-small.yaml, examples/lazarus.yaml with monitoring and recovery set to `auto` and the default
// monitoring interval and confirmations), a discovery, the group's monitor, then one injected fault:
//
//   power-off       dc1-s02 powered off (HMC Power Off, ports dark)     → an automatic failover must start
//   system-error    dc1-s03 crashes to Error, partitions lost, ports dark  → an automatic failover must start
//   power-loss      dc1-s04 loses all power (HMC No Connection, ports dark) → an advisory failover must start (no
//                   HMC can prove the fence); the bench approves and overrides at once to measure the RTO floor
//   hmc-unreachable the preferred HMC is unreachable, every host runs     → no failover (the other HMC is used)
//   hmc-lost-host   both HMCs lose their connection to dc1-s01 (No Connection) while it runs → no failover
//   flapping        dc1-s04 goes down and back, each time for less than one interval → no failover (quarantine)
//   false-alarm     dc1-s02 in Error for half an interval, then back     → no failover
//
// Figures: detection = fault → the failover's start (Temporal's start time); end-to-end RTO = fault → the last LPAR
// Running (the failover's own timings); wrong actions = failovers started where none should be, or for another host,
// and simulator violations. Target: detection ≤ 2 intervals + one HMC round trip. Device latencies are the
// simulator's real-device defaults unless `--scale` compresses them (the monitor's interval is never compressed).
//
//   npm run bench:detect [-- --scale 1 --cases power-loss,flapping --quiet-intervals 6]
import { parseArgs } from 'node:util';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { DEFAULT_LATENCY_MS } from '../simulators/latency.js';
import { startSimulatedLazarus, type SimulatedLazarus } from '../test/support/simulated-lazarus.js';
import { MAIN_TASK_QUEUE } from '../workers/lazarus-workers.js';
import { ensureHostMonitors } from '../workers/monitors.js';

const GROUP = 'dc1-prod';
const HOSTS = ['dc1-s01', 'dc1-s02', 'dc1-s03', 'dc1-s04'];

interface CaseResult {
  name: string;
  expectFailover: boolean;
  detectionMs?: number;
  rtoMs?: number;
  restartPhaseMs?: number;
  outcome?: string;
  lparsRunning?: number;
  wrongActions: string[];
  /** Decisions the bench took as an operator (approve, override-fence), when the monitor asked for them. */
  operatorDecisions?: string[];
  note?: string;
}

interface Case {
  name: string;
  describe: string;
  /** The host whose failover is expected (or undefined). */
  target?: string;
  /**
   * The monitor starts this failover in advisory mode by design (no HMC can prove the fence): the bench then plays an
   * operator who approves and overrides the fence the moment they are asked, so the figure is the floor of the RTO.
   */
  operatorAtOnce?: boolean;
  /**
   * Injects the fault; may keep acting (flapping) and resolves when the injection is over, with the time the host
   * was down when that is later than the call (else the call's time is the fault's).
   */
  inject(lazarus: SimulatedLazarus, intervalMs: number): Promise<number | void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const CASES: Case[] = [
  {
    name: 'power-off',
    describe: 'dc1-s02 powered off outside Lazarus (HMC: Power Off, its ports dark)',
    target: 'dc1-s02',
    inject: async (l) => {
      // The fault is the moment the HMC shows Power Off, not the command (an immediate power off takes a while).
      const hmc = l.devices.hmc('hmc-dc1');
      await hmc.powerOffSystem('dc1-s02');
      while ((await hmc.systemState('dc1-s02')) !== 'Power Off') await sleep(20);
      return Date.now();
    },
  },
  {
    name: 'system-error',
    describe: 'dc1-s03 crashes to Error, its partitions lost (HMC: Error, ports dark)',
    target: 'dc1-s03',
    inject: async (l) =>
      void (await l.control('POST', '/faults', { kind: 'host-error', target: 'dc1-s03', partitions: 'lost' })),
  },
  {
    name: 'power-loss',
    describe: 'dc1-s04 loses all power, service processor included (HMC: No Connection, ports dark)',
    target: 'dc1-s04',
    operatorAtOnce: true,
    inject: async (l) => void (await l.control('POST', '/faults', { kind: 'host-power-loss', target: 'dc1-s04' })),
  },
  {
    name: 'hmc-unreachable',
    describe: 'hmc-dc1 unreachable (blackholed) while every host runs',
    inject: async (l) =>
      void (await l.control('POST', '/faults', { kind: 'device-unreachable', target: 'hmc-dc1', mode: 'blackhole' })),
  },
  {
    name: 'hmc-lost-host',
    describe: 'both HMCs lose their connection to dc1-s01 while it runs',
    inject: async (l) => {
      for (const hmc of ['hmc-dc1', 'hmc-dc1b'])
        await l.control('POST', '/faults', { kind: 'hmc-connection-lost', target: `${hmc}/dc1-s01` });
    },
  },
  {
    name: 'flapping',
    describe: 'dc1-s04 down for 0.6 interval, up for 1.6 intervals, five times',
    inject: async (l, intervalMs) => {
      for (let i = 0; i < 5; i++) {
        const fault = await l.control<{ id: string }>('POST', '/faults', {
          kind: 'host-error',
          target: 'dc1-s04',
          partitions: 'lost',
        });
        await sleep(0.6 * intervalMs);
        await l.control('DELETE', `/faults/${fault.id}`);
        await l.control('POST', '/actions/recover-host', { system: 'dc1-s04' });
        await sleep(1.6 * intervalMs);
      }
    },
  },
  {
    name: 'false-alarm',
    describe: 'dc1-s02 in Error (partitions lost) for half an interval, then back',
    inject: async (l, intervalMs) => {
      const fault = await l.control<{ id: string }>('POST', '/faults', {
        kind: 'host-error',
        target: 'dc1-s02',
        partitions: 'lost',
      });
      await sleep(0.5 * intervalMs);
      await l.control('DELETE', `/faults/${fault.id}`);
      await l.control('POST', '/actions/recover-host', { system: 'dc1-s02' });
    },
  },
];

/** examples/lazarus.yaml with monitoring and recovery `auto` for the group, everything else as shipped. */
function autoConfig(yaml: string): string {
  const config = parseYaml(yaml) as { hostGroups: Array<Record<string, Record<string, unknown> | unknown>> };
  for (const group of config.hostGroups) {
    const recovery = (group.recovery ?? {}) as Record<string, unknown>;
    group.recovery = { ...recovery, mode: 'auto' };
    group.monitoring = { ...((group.monitoring as Record<string, unknown>) ?? {}), action: 'auto' };
  }
  return toYaml(config);
}

async function failoverStart(lazarus: SimulatedLazarus, host: string, after: number): Promise<number | undefined> {
  try {
    const description = await lazarus.server.client.workflow.getHandle(`failover/${GROUP}/${host}`).describe();
    const start = description.startTime.getTime();
    return start >= after ? start : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Approves and overrides the fence as soon as the failover asks, until it is past the fence; what it did. Through the
 * Temporal client (the workflow's own query and signals, as the API sends them), so the figure has no HTTP in it.
 */
async function decideAtOnce(lazarus: SimulatedLazarus, id: string): Promise<string[]> {
  const handle = lazarus.server.client.workflow.getHandle(id);
  const decisions: string[] = [];
  for (;;) {
    const description = await handle.describe();
    if (description.status.name !== 'RUNNING') return decisions;
    const { phase } = await handle.query<{ phase: string }>('progress');
    if (process.env.LAZARUS_BENCH_DEBUG) console.log(`  ${id}: phase ${phase}`);
    if (phase === 'approve' && !decisions.includes('approve')) {
      await handle.signal('approve', { by: 'bench', reason: 'operator at once' });
      decisions.push('approve');
    } else if (phase === 'fence-blocked' && !decisions.includes('override-fence')) {
      await handle.signal('overrideFence', { by: 'bench', reason: 'power loss seen on site' });
      decisions.push('override-fence');
    } else if (!['confirm', 'inventory', 'plan', 'approve', 'fence', 'fence-blocked'].includes(phase)) return decisions;
    await sleep(100);
  }
}

async function runCase(c: Case, scale: number, quietIntervals: number): Promise<CaseResult> {
  const lazarus = await startSimulatedLazarus({ name: `detect-${c.name}`, timeScale: scale, editConfig: autoConfig });
  const result: CaseResult = { name: c.name, expectFailover: c.target !== undefined, wrongActions: [] };
  try {
    const intervalMs = lazarus.config.hostGroups.find((g) => g.name === GROUP)!.monitoring.interval;
    if ((await lazarus.discover()) !== 'ok') throw new Error('the discovery before the case failed');
    await ensureHostMonitors(lazarus.server.client, lazarus.config, MAIN_TASK_QUEUE);
    await sleep(2 * intervalMs); // the monitor has seen every host healthy
    const injected = Date.now();
    const t0 = (await c.inject(lazarus, intervalMs)) ?? injected;
    const watchUntil = Date.now() + (c.target ? 10 * intervalMs : quietIntervals * intervalMs);
    const started = new Map<string, number>();
    while (Date.now() < watchUntil && !(c.target && started.has(c.target))) {
      for (const host of HOSTS) {
        if (started.has(host)) continue;
        const at = await failoverStart(lazarus, host, injected);
        if (at !== undefined) started.set(host, at);
      }
      await sleep(100);
    }
    for (const [host] of started)
      if (host !== c.target) result.wrongActions.push(`a failover of ${host} started (expected none)`);
    if (c.target) {
      const at = started.get(c.target);
      if (at === undefined) result.note = `no failover of ${c.target} within ${10} intervals`;
      else {
        result.detectionMs = at - t0;
        const handle = lazarus.server.client.workflow.getHandle(`failover/${GROUP}/${c.target}`);
        if (c.operatorAtOnce) result.operatorDecisions = await decideAtOnce(lazarus, `failover/${GROUP}/${c.target}`);
        const report = (await handle.result()) as {
          outcome: string;
          approval?: unknown;
          stoppedBy?: string;
          lpars: Array<{ step: string; timings: Record<string, number> }>;
        };
        result.outcome = report.outcome;
        if (report.outcome !== 'succeeded')
          result.note = `report: approval ${JSON.stringify(report.approval ?? null)}, stoppedBy ${report.stoppedBy ?? '—'}`;
        const running = report.lpars.filter((l) => l.step === 'running');
        result.lparsRunning = running.length;
        const last = Math.max(...running.map((l) => l.timings.running ?? 0));
        const firstMapping = Math.min(
          ...running.map((l) => l.timings.mapping ?? l.timings.vios ?? l.timings.running ?? 0),
        );
        if (running.length > 0) {
          result.rtoMs = at - t0 + last;
          result.restartPhaseMs = last - firstMapping;
        }
      }
    }
    const violations = await lazarus.control<unknown[]>('GET', '/violations');
    for (const v of violations) result.wrongActions.push(`violation: ${JSON.stringify(v)}`);
    return result;
  } finally {
    await lazarus.stop();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      scale: { type: 'string', default: '1' },
      cases: { type: 'string' },
      'quiet-intervals': { type: 'string', default: '6' },
    },
  });
  const scale = Number(values.scale);
  const quietIntervals = Number(values['quiet-intervals']);
  if (!(scale > 0) || !(quietIntervals >= 2)) throw new Error('--scale must be > 0 and --quiet-intervals ≥ 2');
  const wanted = values.cases?.split(',');
  const cases = CASES.filter((c) => !wanted || wanted.includes(c.name));
  if (wanted && cases.length !== wanted.length) throw new Error(`--cases: known cases are ${CASES.map((c) => c.name)}`);

  const probe = await startSimulatedLazarus({ name: 'detect-settings', timeScale: scale, editConfig: autoConfig });
  const monitoring = probe.config.hostGroups.find((g) => g.name === GROUP)!.monitoring;
  await probe.stop();
  const hmcRoundTripMs = DEFAULT_LATENCY_MS.hmcQuery * scale;
  const boundMs = 2 * monitoring.interval + hmcRoundTripMs;
  console.log(
    `bench:detect — interval ${monitoring.interval} ms, confirmations ${monitoring.confirmations}, ` +
      `device time scale ${scale}; detection target ≤ 2 intervals + one HMC round trip = ${boundMs} ms`,
  );

  const results: CaseResult[] = [];
  for (const c of cases) {
    process.stdout.write(`${c.name}: ${c.describe} … `);
    const r = await runCase(c, scale, quietIntervals);
    results.push(r);
    console.log(
      r.expectFailover
        ? `detection ${r.detectionMs ?? '—'} ms, end-to-end RTO ${r.rtoMs ?? '—'} ms, outcome ${r.outcome ?? '—'}`
        : `failovers started: ${r.wrongActions.filter((w) => w.startsWith('a failover')).length}`,
    );
  }

  console.log(
    '\n| case | expected | detection (ms) | detection / target | end-to-end RTO (s) | restart phase (s) ' +
      '| outcome | wrong actions |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    const ratio = r.detectionMs === undefined ? '—' : (r.detectionMs / boundMs).toFixed(2);
    const seconds = (ms?: number) => (ms === undefined ? '—' : (ms / 1000).toFixed(1));
    console.log(
      `| ${r.name} | ${r.expectFailover ? 'failover' : 'no failover'} | ${r.detectionMs ?? '—'} | ${ratio} | ` +
        `${seconds(r.rtoMs)}${r.operatorDecisions?.length ? ` (operator: ${r.operatorDecisions.join(', ')} at once)` : ''} | ` +
        `${seconds(r.restartPhaseMs)} | ${r.outcome ?? '—'} | ` +
        `${r.wrongActions.length ? r.wrongActions.join('; ') : 'none'}${r.note ? ` (${r.note})` : ''} |`,
    );
  }
  const detectionMet = results
    .filter((r) => r.expectFailover)
    .every((r) => r.detectionMs !== undefined && r.detectionMs <= boundMs);
  const noWrong = results.every((r) => r.wrongActions.length === 0);
  console.log(`\nTargets:`);
  console.log(`- detection ≤ ${boundMs} ms for every failure: ${detectionMet ? 'met' : 'NOT met'}`);
  console.log(
    `- zero failovers for HMC unreachable, flapping and false alarm; no violation: ${noWrong ? 'met' : 'NOT met'}`,
  );
  process.exitCode = detectionMet && noWrong ? 0 : 1;
}

await main();

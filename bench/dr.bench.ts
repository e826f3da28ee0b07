// npm run bench:dr [-- --time-scale S] [-- --vms N]
//
// DR site moves at scale, end to end on the Temporal service with the production worker setup and the simulator in
// process (default latency model, simulators/latency.ts), on a generated three-site DRaaS fleet: tenant acme's site
// `pa` with 2 hosts × N VMs (default 100) × 10 volumes (200 VMs, 2,000 replicated volumes, one Global Mirror group per
// host), tenant globex's site `pb` with 2 hosts × N VMs × 10 volumes, and the provider site `prov` (4 backup hosts,
// shadows of every VM). Three runs, each on a fresh stack (simulator, Temporal service, store, workers):
//   1. planned move pa → prov (moveDrSite);
//   2. unplanned move pa → prov (failoverDrSite; the operator declares the disaster, pa's hosts are fenced);
//   3. both tenants declare a disaster together through the provider coordinator (drProviderCoordinator).
// Each run is preceded by a verification of the moved site(s) (an unplanned move works from the last one).
// Measured: from the move's start to every VM Running at prov (the end of its start-at-backup-site step), in
// real-device seconds (wall clock ÷ time scale); the recovery point of the unplanned moves.
//
// Bounds (least time the latency model and the device limits allow for the changes and waits of a move; reads are
// left out): hosts work in parallel (HMC queue ≥ hosts); on one host the OS shutdowns, then the activations, are asked
// one after another (priority order) and their shutdowns/boots overlap:
//   planned   = perHost × hmcChange + lparShutdownDelayed + ⌈groups/storage queue⌉ × svcChange
//               + perHost × hmcChange + lparBoot
//   unplanned = hmcChange + systemPowerOffImmediate + ⌈groups/storage queue⌉ × svcChange + perHost × hmcChange + lparBoot
//   together  = gather window + unplanned(globex) + unplanned(acme)   (one tenant at a time on the shared site)
// The run prints each bound with its numbers. Results: bench/results/dr.md (rewritten by each run).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { stringify } from 'yaml';
import { DeviceRegistry } from '../activities/devices.js';
import { openSqliteStore } from '../activities/inventory/index.js';
import { parseConfigText } from '../domain/config/index.js';
import { startSimulatedFleet, type FleetEndpoints } from '../simulators/index.js';
import { DEFAULT_LATENCY_MS } from '../simulators/latency.js';
import type { DrMoveReport } from '../workflows/dr/move-steps.js';
import { moveProgressQuery, requestMoveSignal } from '../workflows/dr/messages.js';
import { MAIN_TASK_QUEUE, startLazarusWorkers } from '../workers/lazarus-workers.js';
import { startTemporalService } from '../workers/temporal-service.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({ options: { 'time-scale': { type: 'string' }, vms: { type: 'string' } } });
const TIME_SCALE = Number(args['time-scale'] ?? 0.1);
if (!(TIME_SCALE > 0)) throw new Error(`--time-scale must be a positive number, got ${args['time-scale']}`);
const VMS_PER_HOST = Number(args.vms ?? 100);
if (!(Number.isInteger(VMS_PER_HOST) && VMS_PER_HOST > 0)) throw new Error(`--vms must be a positive integer`);
const VOLUMES_PER_VM = 10;
const HOSTS = { pa: 2, pb: 2 } as const;
const LIMITS = { hmc: 16, storage: 16 };
const GATHER_MS = 5_000;

interface Tenant {
  site: 'pa' | 'pb';
  tenant: string;
  priority: number;
  backupHosts: string[];
}
const TENANTS: Tenant[] = [
  { site: 'pa', tenant: 'acme', priority: 20, backupHosts: range(HOSTS.pa).map((i) => `prov-s${pad(i + 1)}`) },
  {
    site: 'pb',
    tenant: 'globex',
    priority: 80,
    backupHosts: range(HOSTS.pb).map((i) => `prov-s${pad(HOSTS.pa + i + 1)}`),
  },
];

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** The simulator's fleet: the two tenants' sites and the provider's, shadows and one group per production host. */
export function fleetSpec() {
  const vmsOf = (site: string, host: number) =>
    range(VMS_PER_HOST).map((v) => ({ name: `${site}-h${pad(host + 1)}-vm${pad(v + 1)}`, v }));
  const lpar = (name: string, volumes: string[], priority: string, shadow: boolean) => ({
    name,
    procUnits: { desired: 0.5, min: 0.25, max: 1 },
    memoryMb: { desired: 8192, min: 4096, max: 16384 },
    priority,
    ...(shadow ? { state: 'Not Activated' } : {}),
    volumes,
  });
  const volumes = (prefix: string, vm: string) => range(VOLUMES_PER_VM).map((k) => `${prefix}${vm}_d${k}`);
  const system = (name: string, storage: string, lpars: object[]) => ({
    name,
    procUnits: 128,
    memoryMb: 2097152,
    storage,
    vios: [
      { name: `${name}-vios1`, id: 1 },
      { name: `${name}-vios2`, id: 2 },
    ],
    lpars,
  });
  const priority = (v: number) => (v < VMS_PER_HOST / 5 ? 'high' : v < VMS_PER_HOST / 2 ? 'medium' : 'low');
  const tenantSites = TENANTS.map(({ site }) => ({
    name: site,
    hmcs: [
      {
        name: `hmc-${site}`,
        password: `sim-${site}`,
        systems: range(HOSTS[site]).map((h) => `${site}-s${pad(h + 1)}`),
      },
    ],
    storage: [{ name: `svc-${site}`, password: `sim-svc-${site}` }],
    systems: range(HOSTS[site]).map((h) =>
      system(
        `${site}-s${pad(h + 1)}`,
        `svc-${site}`,
        vmsOf(site, h).map(({ name, v }) => lpar(name, volumes('', name), priority(v), false)),
      ),
    ),
  }));
  const provSystems = TENANTS.flatMap(({ site, backupHosts }) =>
    backupHosts.map((backup, h) =>
      system(
        backup,
        'svc-prov',
        vmsOf(site, h).map(({ name, v }) => lpar(name, volumes('r-', name), priority(v), true)),
      ),
    ),
  );
  return {
    sites: [
      ...tenantSites,
      {
        name: 'prov',
        hmcs: [{ name: 'hmc-prov', password: 'sim-prov', systems: provSystems.map((s) => s.name) }],
        storage: [{ name: 'svc-prov', password: 'sim-svc-prov' }],
        systems: provSystems,
      },
    ],
    remoteCopy: {
      consistencyGroups: TENANTS.flatMap(({ site }) =>
        range(HOSTS[site]).map((h) => ({
          name: `cg-${site}-s${pad(h + 1)}`,
          master: `svc-${site}`,
          aux: 'svc-prov',
          copyType: 'global',
          relationships: vmsOf(site, h).flatMap(({ name }) =>
            volumes('', name).map((master) => ({ master, aux: `r-${master}` })),
          ),
        })),
      ),
    },
  };
}

/** The controller's configuration for the fleet: acme's pair at the top level, globex's under dr.tenants. */
function config(endpoints: FleetEndpoints, knownHostsFile: string): string {
  const credential = (name: string) => {
    const variable = `LAZARUS_BENCH_${name.replace(/-/g, '_').toUpperCase()}`;
    process.env[variable] = endpoints.devices.find((d) => d.name === name)!.password;
    return `env:${variable}`;
  };
  const device = (name: string) => endpoints.devices.find((d) => d.name === name)!;
  const siteNames = ['pa', 'pb', 'prov'];
  const pair = ({ site, tenant, priority, backupHosts }: Tenant) => ({
    tenant,
    contractPriority: priority,
    sites: [
      { name: site, role: 'active' },
      { name: 'prov', role: 'backup', hosts: backupHosts },
    ],
    hostPairs: range(HOSTS[site]).map((h) => ({ production: `${site}-s${pad(h + 1)}`, backup: backupHosts[h] })),
    consistencyGroups: range(HOSTS[site]).map((h) => ({
      name: `cg-${site}-s${pad(h + 1)}`,
      master: `svc-${site}`,
      aux: 'svc-prov',
      mode: 'global',
      rpo: '5m',
    })),
  });
  return stringify({
    knownHostsFile,
    hmcs: siteNames.map((s) => ({
      name: `hmc-${s}`,
      address: `127.0.0.1:${device(`hmc-${s}`).port}`,
      user: device(`hmc-${s}`).user,
      credential: credential(`hmc-${s}`),
      limits: { maxConcurrentOperations: LIMITS.hmc, maxConnections: 8 },
    })),
    storage: siteNames.map((s) => ({
      name: `svc-${s}`,
      address: `127.0.0.1:${device(`svc-${s}`).port}`,
      user: device(`svc-${s}`).user,
      credential: credential(`svc-${s}`),
      limits: { maxSessions: 8, maxNewConnectionsPerSecond: 10, maxConcurrentOperations: LIMITS.storage },
    })),
    sites: siteNames.map((s) => ({ name: s, hmcs: [`hmc-${s}`], storage: [`svc-${s}`] })),
    hostGroups: TENANTS.map(({ site }) => ({
      name: `${site}-prod`,
      site,
      hmc: `hmc-${site}`,
      storage: `svc-${site}`,
      hosts: range(HOSTS[site]).map((h) => `${site}-s${pad(h + 1)}`),
    })),
    dr: { ...pair(TENANTS[0]!), tenants: [pair(TENANTS[1]!)], coordination: { gatherWindow: `${GATHER_MS}ms` } },
  });
}

/** Real-device seconds from the move's start to the end of its start-at-backup-site step. */
function toRunning(report: DrMoveReport, since?: string): number {
  const start = Date.parse(since ?? report.steps[0]!.startedAt);
  const end = Date.parse(report.steps.find((s) => s.step === 'start-at-backup-site')?.endedAt ?? '');
  return (end - start) / 1000 / TIME_SCALE;
}

/** A fresh stack (simulated fleet, Temporal service, store, workers, client) per run: no state carried over. */
async function stack(dir: string) {
  const stops: Array<() => Promise<unknown>> = [];
  const stop = async () => {
    for (const step of stops) await step().catch((err: unknown) => console.error(`cleanup: ${String(err)}`));
  };
  try {
    // Through YAML, so the fleet gets the spec's defaults as a fleet file would.
    writeFileSync(join(dir, 'fleet.yaml'), stringify(fleetSpec()));
    const sim = await startSimulatedFleet({ fleet: join(dir, 'fleet.yaml'), timeScale: TIME_SCALE });
    stops.unshift(() => sim.stop());
    writeFileSync(join(dir, 'known_hosts'), sim.knownHosts());
    const cfg = parseConfigText(config(sim.endpoints, join(dir, 'known_hosts')), 'dr bench config');
    const service = await startTemporalService({ logLevel: 'warn' });
    stops.unshift(() => service.stop());
    rmSync(join(dir, 'lazarus.db'), { force: true });
    const store = await openSqliteStore(join(dir, 'lazarus.db'));
    stops.unshift(() => store.close());
    const devices = new DeviceRegistry(cfg);
    stops.unshift(() => devices.close());
    const workers = await startLazarusWorkers({ ...service, config: cfg, devices, store, log: () => undefined });
    stops.unshift(() => workers.stop());
    const connection = await Connection.connect({ address: service.address });
    stops.unshift(() => connection.close());
    const client = new Client({ connection, namespace: service.namespace });
    const verify = async (site: string) =>
      client.workflow.execute('verifyDrSite', {
        taskQueue: MAIN_TASK_QUEUE,
        workflowId: `bench-verify-${site}`,
        args: [{ site }],
      });
    const violations = async () => (await (await fetch(`${sim.controlUrl}/violations`)).json()) as unknown[];
    return { client, verify, violations, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const dir = mkdtempSync(join(tmpdir(), 'lazarus-bench-dr-'));
  const began = Date.now();
  const loadAtStart = loadavg();
  try {
    const pollMs = Math.max(100, Math.round(2_000 * TIME_SCALE));
    const timing = { pollMs, shutdownTimeoutMs: Math.round(600_000 * TIME_SCALE), bootTimeoutMs: 3_600_000 };

    console.log('planned move of pa …');
    let run = await stack(dir);
    await run.verify('pa');
    const plannedRun = await untilStartedAtBackup(
      await run.client.workflow.start('moveDrSite', {
        taskQueue: MAIN_TASK_QUEUE,
        workflowId: 'dr-move/pa',
        args: [{ site: 'pa', to: 'prov', ...timing }],
      }),
    );
    const planned = plannedRun.report;
    if (process.env.LAZARUS_BENCH_DUMP)
      writeFileSync(
        `${process.env.LAZARUS_BENCH_DUMP}-planned.json`,
        JSON.stringify(await run.client.workflow.getHandle('dr-move/pa').fetchHistory()),
      );
    const plannedViolations = await run.violations();
    console.log(`  ${planned.outcome}: ${steps(planned)}; ${JSON.stringify(planned.notReady?.slice(0, 5) ?? [])}`);
    await run.stop();

    console.log('unplanned move of pa …');
    run = await stack(dir);
    await run.verify('pa');
    const unplanned = (await run.client.workflow.execute('failoverDrSite', {
      taskQueue: MAIN_TASK_QUEUE,
      workflowId: 'dr-move/pa',
      args: [{ site: 'pa', to: 'prov', pollMs, bootTimeoutMs: timing.bootTimeoutMs }],
    })) as DrMoveReport;
    const unplannedViolations = await run.violations();
    console.log(
      `  ${unplanned.outcome}: ${steps(unplanned)}; ${JSON.stringify(unplanned.steps.filter((s) => s.detail))}`,
    );
    await run.stop();

    console.log('two tenants declare a disaster together …');
    run = await stack(dir);
    const client = run.client;
    await Promise.all([run.verify('pa'), run.verify('pb')]);
    const declaredAt = new Date().toISOString();
    for (const t of TENANTS)
      await client.workflow.signalWithStart('drProviderCoordinator', {
        taskQueue: MAIN_TASK_QUEUE,
        workflowId: 'dr-provider/prov',
        args: [{ site: 'prov', gatherWindowMs: GATHER_MS * TIME_SCALE }],
        signal: requestMoveSignal,
        signalArgs: [
          {
            tenant: t.tenant,
            site: t.site,
            mode: 'unplanned',
            contractPriority: t.priority,
            requestedAt: new Date().toISOString(),
          },
        ],
      });
    const reportOf = async (site: string): Promise<DrMoveReport> => {
      for (;;) {
        try {
          const handle = client.workflow.getHandle(`dr-move/${site}`);
          if ((await handle.describe()).status.name === 'COMPLETED') return (await handle.result()) as DrMoveReport;
        } catch {
          // not started yet: the coordinator still gathers, or runs the other tenant's move
        }
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    };
    const [acme, globex] = await Promise.all([reportOf('pa'), reportOf('pb')]);
    const togetherViolations = await run.violations();
    console.log(`  acme ${acme.outcome}, globex ${globex.outcome}`);
    await run.stop();

    const l = DEFAULT_LATENCY_MS;
    const groupsOf = (site: 'pa' | 'pb') => Math.ceil(HOSTS[site] / LIMITS.storage) * l.svcChange;
    const start = VMS_PER_HOST * l.hmcChange + l.lparBoot;
    const plannedBound = (VMS_PER_HOST * l.hmcChange + l.lparShutdownDelayed + groupsOf('pa') + start) / 1000;
    const unplannedBound = (site: 'pa' | 'pb') =>
      (l.hmcChange + l.systemPowerOffImmediate + groupsOf(site) + start) / 1000;
    const togetherBound = GATHER_MS / 1000 + unplannedBound('pb') + unplannedBound('pa');
    const fmt = (n: number, digits = 1) => n.toFixed(digits);
    const running = (r: DrMoveReport) => r.vms.filter((v) => v.state === 'Running').length;
    const rpAge = (r: DrMoveReport, since: string | undefined, what: string) =>
      r.recoveryPoint
        ? `${r.recoveryPoint} (${fmt((Date.parse(since ?? r.steps[0]!.startedAt) - Date.parse(r.recoveryPoint)) / 1000 / TIME_SCALE)} s before ${what})`
        : 'not proven';
    const row = (what: string, r: DrMoveReport, seconds: number, bound: number) =>
      `| ${what} | ${r.outcome} | ${running(r)}/${r.vms.length} | ${fmt(seconds)} | ${fmt(bound)} | ${fmt(seconds / bound, 2)} |`;
    const togetherSeconds = Math.max(toRunning(acme, declaredAt), toRunning(globex, declaredAt));
    const loadAtEnd = loadavg();
    const command = ['npm run bench:dr', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(
      ' ',
    );
    const perHost = `${VMS_PER_HOST} × ${l.hmcChange / 1000}`;
    const groupTerm = (site: 'pa' | 'pb') => `⌈${HOSTS[site]}/${LIMITS.storage}⌉ × ${l.svcChange / 1000}`;
    const formulas = [
      `planned = perHost × hmcChange + lparShutdownDelayed + ⌈groups/storage queue⌉ × svcChange + perHost × ` +
        `hmcChange + lparBoot = ${perHost} + ${l.lparShutdownDelayed / 1000} + ${groupTerm('pa')} + ${perHost} + ` +
        `${l.lparBoot / 1000} = ${fmt(plannedBound)} s`,
      `unplanned = hmcChange + systemPowerOffImmediate + ⌈groups/storage queue⌉ × svcChange + perHost × hmcChange + ` +
        `lparBoot = ${l.hmcChange / 1000} + ${l.systemPowerOffImmediate / 1000} + ${groupTerm('pa')} + ${perHost} + ` +
        `${l.lparBoot / 1000} = ${fmt(unplannedBound('pa'))} s`,
      `together = gather window + unplanned(globex) + unplanned(acme) = ${GATHER_MS / 1000} + ` +
        `${fmt(unplannedBound('pb'))} + ${fmt(unplannedBound('pa'))} = ${fmt(togetherBound)} s`,
    ];
    const lines = [
      `## ${new Date().toISOString().slice(0, 10)}: \`${command}\``,
      '',
      `Started ${new Date(began).toISOString()}, wall time ${fmt((Date.now() - began) / 1000, 0)} s; load average ` +
        `(1/5/15 min) ${loadAtStart.map((x) => fmt(x)).join('/')} at the start, ` +
        `${loadAtEnd.map((x) => fmt(x)).join('/')} at the end (2 cores shared with other work).`,
      '',
      `Fleet: site pa (tenant acme) ${HOSTS.pa} hosts × ${VMS_PER_HOST} VMs × ${VOLUMES_PER_VM} volumes ` +
        `(${HOSTS.pa * VMS_PER_HOST} VMs, ${HOSTS.pa * VMS_PER_HOST * VOLUMES_PER_VM} volumes, ${HOSTS.pa} Global ` +
        `Mirror groups); site pb (tenant globex) ${HOSTS.pb} hosts × ${VMS_PER_HOST} VMs; shared recovery site prov. ` +
        `HMC queue ${LIMITS.hmc}, storage queue ${LIMITS.storage}; poll ${pollMs} ms. Time scale ${TIME_SCALE}; ` +
        'times are real-device seconds (wall clock ÷ time scale), from the move start to every VM Running at prov.',
      '',
      "Bounds (real-device seconds; the latency model's defaults, perHost = VMs per host, reads left out):",
      '',
      ...formulas.map((f) => `- ${f}`),
      '',
      '| run | outcome | VMs Running | seconds | bound | × bound |',
      '|---|---|---|---|---|---|',
      row(
        `planned move pa → prov${plannedRun.cleanupAwaited ? '' : ' (clean-up at pa not awaited)'}`,
        planned,
        toRunning(planned),
        plannedBound,
      ),
      row('unplanned move pa → prov', unplanned, toRunning(unplanned), unplannedBound('pa')),
      row(
        'together: globex (priority 80)',
        globex,
        toRunning(globex, declaredAt),
        GATHER_MS / 1000 + unplannedBound('pb'),
      ),
      row('together: acme (priority 20)', acme, toRunning(acme, declaredAt), togetherBound),
      '',
      `Together, all VMs of both tenants Running after ${fmt(togetherSeconds)} s (bound ${fmt(togetherBound)} s). ` +
        `acme waited for: ${JSON.stringify(acme.coordination?.waitedFor ?? [])}; globex waited for: ` +
        `${JSON.stringify(globex.coordination?.waitedFor ?? [])}.`,
      '',
      `Recovery point, unplanned move: ${rpAge(unplanned, undefined, 'the move')}; together: acme ` +
        `${rpAge(acme, declaredAt, 'the declaration')}, globex ${rpAge(globex, declaredAt, 'the declaration')}.`,
      '',
      `Step times (real-device s) — planned: ${steps(planned)}; unplanned: ${steps(unplanned)}; together: globex ` +
        `${steps(globex)}; acme ${steps(acme)}.`,
      '',
      `Violations: planned ${JSON.stringify(plannedViolations)}, unplanned ${JSON.stringify(unplannedViolations)}, ` +
        `together ${JSON.stringify(togetherViolations)}.`,
      '',
    ];
    console.log(lines.join('\n'));
    mkdirSync(join(root, 'bench/results'), { recursive: true });
    const machine = `Machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${fmt(totalmem() / 2 ** 30, 0)} GB.`;
    writeFileSync(join(root, 'bench/results/dr.md'), `# bench:dr results\n\n${machine}\n\n${lines.join('\n')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The move's report once every VM was started at the backup site (its start-at-backup-site step ended), or its result
 * when it ended before. What follows — a planned move's clean-up at the old site — is not measured and not awaited
 * (the stack is thrown away): `outcome` is then "moved" when every VM runs, marked as such in the table.
 */
async function untilStartedAtBackup(
  handle: WorkflowHandle,
): Promise<{ report: DrMoveReport; cleanupAwaited: boolean }> {
  for (;;) {
    const { status } = await handle.describe();
    if (status.name !== 'RUNNING') return { report: (await handle.result()) as DrMoveReport, cleanupAwaited: true };
    const report = await handle.query(moveProgressQuery);
    if (report.steps.some((s) => s.step === 'start-at-backup-site' && s.endedAt)) {
      const running = report.vms.filter((v) => v.state === 'Running' && !v.error).length;
      const outcome = running === report.vms.length && running > 0 ? 'moved' : running > 0 ? 'partial' : 'failed';
      return { report: { ...report, outcome }, cleanupAwaited: false };
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

function steps(report: DrMoveReport): string {
  return report.steps
    .map((s) =>
      s.endedAt
        ? `${s.step} ${((Date.parse(s.endedAt) - Date.parse(s.startedAt)) / 1000 / TIME_SCALE).toFixed(1)}`
        : `${s.step} (not awaited)`,
    )
    .join(', ');
}

// Run when started as the bench, not when imported (fleetSpec for profiling the simulator at this scale).
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1])
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );

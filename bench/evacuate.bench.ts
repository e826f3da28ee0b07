// npm run bench:evacuate [-- --time-scale S]
//
// Planned evacuation by LPM, end to end: a generated fleet (bench/failover/fleet.ts) of 4 hosts, the first running
// 40 LPARs (8 GB each, 1–4 volumes), the others 10 each; the evacuateHost workflow on the Temporal service with the
// production worker setup moves the 40 away, then restoreHost brings them home. The simulator runs in process with
// its default latency model (simulators/latency.ts: migrlpar -o v 10 s; a migration 20 s setup + 1 s per GB of
// memory), scaled by --time-scale (default 0.05).
//
// The bound: validation runs at most `perHmc` at once, each LPAR's volume mappings then `migrlpar -o v`; migration
// runs at most min(perHmc, perSystem) at once (the source system takes part in every one), each costing two HMC
// reads, `migrlpar -o m`'s own validation, the setup and the memory copy. Waves × cost per phase is the least time
// the limits allow.
// Results: bench/results/evacuate.md.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { DeviceRegistry } from '../activities/devices.js';
import { openSqliteStore } from '../activities/inventory/index.js';
import { parseConfigText } from '../domain/config/index.js';
import { evacuationPolicy, type EvacuationReport } from '../domain/evacuation/index.js';
import { startSimulatedFleet } from '../simulators/index.js';
import { DEFAULT_LATENCY_MS } from '../simulators/latency.js';
import { MAIN_TASK_QUEUE, startLazarusWorkers } from '../workers/lazarus-workers.js';
import { startTemporalService } from '../workers/temporal-service.js';
import { benchConfig, generateFleet } from './failover/fleet.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({ options: { 'time-scale': { type: 'string' } } });
const TIME_SCALE = Number(args['time-scale'] ?? 0.05);
if (!(TIME_SCALE > 0)) throw new Error(`--time-scale must be a positive number, got ${args['time-scale']}`);

const LPARS = 40;
const MEMORY_GB = 8;
const LIMITS = { hmcConcurrentOperations: 64, storageConcurrentOperations: 16, storageSessions: 8 };

/** Real-device seconds of one phase: `count` items, `parallel` at once, each `each` seconds. */
const phase = (count: number, parallel: number, each: number) => Math.ceil(count / parallel) * each;

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const fleet = generateFleet({
    name: 'evac',
    hostCount: 4,
    failing: 1,
    lparsPerHost: (i) => (i === 0 ? LPARS : 10),
    minVolumes: 1,
    maxVolumes: 4,
    seed: 14,
  });
  const dir = mkdtempSync(join(tmpdir(), 'lazarus-bench-evacuate-'));
  const stops: Array<() => Promise<unknown>> = [async () => rmSync(dir, { recursive: true, force: true })];
  try {
    writeFileSync(join(dir, 'fleet.yaml'), fleet.spec);
    const sim = await startSimulatedFleet({ fleet: join(dir, 'fleet.yaml'), timeScale: TIME_SCALE });
    stops.unshift(() => sim.stop());
    writeFileSync(join(dir, 'known_hosts'), sim.knownHosts());
    const config = parseConfigText(
      benchConfig(fleet, sim.endpoints, join(dir, 'known_hosts'), LIMITS),
      'evacuate bench config',
    );
    const service = await startTemporalService({ logLevel: 'warn' });
    stops.unshift(() => service.stop());
    const store = await openSqliteStore(join(dir, 'lazarus.db'));
    stops.unshift(() => store.close());
    const devices = new DeviceRegistry(config);
    stops.unshift(() => devices.close());
    const workers = await startLazarusWorkers({ ...service, config, devices, store, log: () => undefined });
    stops.unshift(() => workers.stop());
    const connection = await Connection.connect({ address: service.address });
    stops.unshift(() => connection.close());
    const client = new Client({ connection, namespace: service.namespace });
    await client.workflow.execute('discoverHostGroup', {
      taskQueue: MAIN_TASK_QUEUE,
      workflowId: 'bench-evacuate-discovery',
      args: [{ group: fleet.name }],
    });
    const policy = evacuationPolicy(config, fleet.name)!;
    const host = fleet.hosts[0]!;
    const run = async (workflow: 'evacuateHost' | 'restoreHost', input: object) => {
      const started = Date.now();
      const report = (await client.workflow.execute(workflow, {
        taskQueue: MAIN_TASK_QUEUE,
        workflowId: `bench-${workflow}`,
        args: [{ group: fleet.name, host, requestedBy: 'bench', policy, ...input }],
      })) as EvacuationReport;
      return { report, seconds: (Date.now() - started) / 1000 / TIME_SCALE };
    };
    const evacuation = await run('evacuateHost', { allowShutdownRestart: false, advisory: false });
    const restore = await run('restoreHost', { endMaintenance: true });
    const violations = await (await fetch(`${sim.controlUrl}/violations`)).json();

    const latency = DEFAULT_LATENCY_MS;
    const volumesPerLpar = fleet.lpars.filter((l) => l.host === host).map((l) => l.volumes.length);
    const mapping = (Math.max(...volumesPerLpar) / 4) * (latency.svcQuery + latency.svcChange);
    const validateEach = (Math.ceil(mapping) + latency.migrationValidate + latency.hmcQuery) / 1000;
    // `migrlpar -o m` validates again before it migrates (IBM migrlpar: "m to validate then migrate"), and the
    // simulator charges that validation too.
    const migrateEach =
      (2 * latency.hmcQuery +
        latency.migrationValidate +
        latency.migrationSetup +
        MEMORY_GB * latency.migrationPerGbMemory) /
      1000;
    const parallel = Math.min(policy.limits.perHmc, policy.limits.perSystem, LIMITS.hmcConcurrentOperations);
    const bound = phase(LPARS, policy.limits.perHmc, validateEach) + phase(LPARS, parallel, migrateEach);
    const fmt = (n: number, digits = 1) => n.toFixed(digits);
    const migrationBound = phase(LPARS, parallel, migrateEach);
    // The migration phase from the report: the first migration's start to the last one's end (ms after the start).
    const migrationSeconds = (r: EvacuationReport) => {
      const started = Math.min(...r.lpars.map((l) => l.startedMs ?? Infinity));
      const finished = Math.max(...r.lpars.map((l) => l.finishedMs ?? 0));
      return (finished - started) / 1000 / TIME_SCALE;
    };
    const line = (what: string, r: { report: EvacuationReport; seconds: number }) =>
      `| ${what} | ${r.report.outcome} | ${r.report.totals.moved} | ${fmt(r.seconds)} | ${fmt(bound)} | ` +
      `${fmt(r.seconds / bound, 2)} | ${fmt(migrationSeconds(r.report))} | ${fmt(migrationBound)} | ` +
      `${fmt(migrationSeconds(r.report) / migrationBound, 2)} |`;
    const flags = args['time-scale'] ? ` -- --time-scale ${TIME_SCALE}` : '';
    const lines = [
      `## ${new Date().toISOString().slice(0, 10)}: \`npm run bench:evacuate${flags}\``,
      '',
      `Fleet: 4 hosts, ${LPARS} LPARs of ${MEMORY_GB} GB on ${host} (1–4 volumes each), 10 on each other host. ` +
        `Limits: ${policy.limits.perSystem} migrations per system, ${policy.limits.perHmc} per HMC (IBM defaults), ` +
        `HMC device queue ${LIMITS.hmcConcurrentOperations}. Time scale ${TIME_SCALE}; times below are ` +
        'real-device seconds (wall clock ÷ time scale).',
      '',
      `Bound: validation ⌈${LPARS}/${policy.limits.perHmc}⌉ × ${fmt(validateEach)} s + migration ` +
        `⌈${LPARS}/${parallel}⌉ × ${fmt(migrateEach)} s = ${fmt(bound)} s.`,
      '',
      '| operation | outcome | moved | seconds | bound | × bound | migration phase | its bound | × |',
      '|---|---|---|---|---|---|---|---|---|',
      line('evacuate', evacuation),
      line('restore', restore),
      '',
      'The migration phase runs from the first migration to the last one finished (from the report); what comes ' +
        'before it (maintenance, listing, planning with capacity reads, volume mappings and validation) and after ' +
        'it (the final listing, the report) makes the rest.',
      '',
      `Violations: ${JSON.stringify(violations)}.`,
      '',
    ];
    console.log(lines.join('\n'));
    mkdirSync(join(root, 'bench/results'), { recursive: true });
    const memoryGb = fmt(totalmem() / 2 ** 30, 0);
    const machine = `Machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${memoryGb} GB.`;
    writeFileSync(
      join(root, 'bench/results/evacuate.md'),
      `# bench:evacuate results\n\n${machine}\n\n${lines.join('\n')}`,
    );
  } finally {
    for (const stop of stops) await stop().catch((err: unknown) => console.error(`cleanup: ${String(err)}`));
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);

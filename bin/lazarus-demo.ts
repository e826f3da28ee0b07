// `npm run demo`: one host failover, live in the terminal. Starts its own Temporal dev server (in memory, even when
// TEMPORAL_ADDRESS is set), the simulated fleet of examples/fleet-small.yaml, the inventory store, the workers and a
// first discovery, all in a temporary home, so it never touches `npm start`'s .lazarus/ or its Temporal. Then puts
// dc1-s01 into Error in the simulator, fails it over in auto mode as POST /v1/failovers does, draws each destination
// stream as it progresses and ends with the report. Exits 0 only when the failover succeeded and the simulator logged
// no safety violation; Ctrl-C stops everything it started.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { DeviceRegistry } from '../activities/devices.js';
import { openSqliteStore } from '../activities/inventory/index.js';
import type { LazarusConfig } from '../domain/config/index.js';
import { startSimulatedFleet, type SimulatedFleet, type Violation } from '../simulators/index.js';
import {
  storageCutText,
  type FailoverProgress,
  type FailoverReport,
  type FenceProof,
  type LparProgress,
} from '../domain/failover/index.js';
import { hostFailoverWorkflowId, progressQuery } from '../workflows/failover/messages.js';
import { failoverSettings, MAIN_TASK_QUEUE, startLazarusWorkers } from '../workers/lazarus-workers.js';
import { startTemporalService } from '../workers/temporal-service.js';
import { simulatedFleetConfig } from './simulated-fleet-config.js';

const GROUP = 'dc1-prod';
const FAILED_HOST = 'dc1-s01';
const POLL_MS = 250;
const timeScale = Number(process.env.LAZARUS_SIM_TIME_SCALE ?? 0.05);

const stops: Array<() => Promise<unknown>> = [];
let interrupted = false;

/** Remembers how to stop what just started (the last started is stopped first), then gives way to a Ctrl-C. */
function started(stop: () => Promise<unknown>): void {
  stops.unshift(stop);
  giveWayToCtrlC();
}

/** After Ctrl-C, starts nothing more: main stops what it started and exits 130. */
function giveWayToCtrlC(): void {
  if (interrupted) throw new Error('interrupted');
}

async function stopAll(): Promise<void> {
  for (const stop of stops.splice(0)) await stop().catch((err: unknown) => console.error(String(err)));
}

async function main(): Promise<number> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  try {
    const { fleet, config, client } = await startLazarus();
    say(`\n${FAILED_HOST} goes into Error (simulator fault); Lazarus fails it over in auto mode.\n`);
    await postJson(`${fleet.controlUrl}/faults`, { kind: 'host-error', target: FAILED_HOST });
    const report = await watch(await startFailover(client, config));
    const violations = (await (await fetch(`${fleet.controlUrl}/violations`)).json()) as Violation[];
    printReport(report, violations);
    return report.outcome === 'succeeded' && violations.length === 0 ? 0 : 1;
  } finally {
    await stopAll();
  }
}

/** The devserver, the simulated fleet, the store, the workers and a first discovery of the group, in a temporary home. */
async function startLazarus(): Promise<{ fleet: SimulatedFleet; config: LazarusConfig; client: Client }> {
  say(
    'Starting a Temporal dev server, the simulated fleet (examples/fleet-small.yaml), the workers and a first discovery…',
  );
  const home = mkdtempSync(join(tmpdir(), 'lazarus-demo-'));
  started(async () => rmSync(home, { recursive: true, force: true }));
  const temporal = await startTemporalService({ env: { ...process.env, TEMPORAL_ADDRESS: '' }, ownProcessGroup: true });
  started(() => temporal.stop());
  const fleet = await startSimulatedFleet({ fleet: 'examples/fleet-small.yaml', timeScale });
  started(() => fleet.stop());
  const { config } = simulatedFleetConfig(fleet, home);
  const store = await openSqliteStore(join(home, 'lazarus.db'));
  started(() => store.close());
  const devices = new DeviceRegistry(config);
  started(() => devices.close());
  const workers = await startLazarusWorkers({
    address: temporal.address,
    namespace: temporal.namespace,
    config,
    devices,
    store,
    log: () => undefined,
  });
  started(() => workers.stop());
  const connection = await Connection.connect({ address: temporal.address });
  started(() => connection.close());
  const client = new Client({ connection, namespace: temporal.namespace });
  await client.workflow.execute('discoverHostGroup', {
    taskQueue: MAIN_TASK_QUEUE,
    workflowId: `discovery-${GROUP}-demo`,
    args: [{ group: GROUP }],
  });
  giveWayToCtrlC();
  return { fleet, config, client };
}

/** hostFailover of dc1-s01 in auto mode, started as POST /v1/failovers starts it. */
function startFailover(client: Client, config: LazarusConfig): Promise<WorkflowHandle> {
  const args = [
    {
      group: GROUP,
      host: FAILED_HOST,
      mode: 'auto',
      requestedBy: 'npm run demo',
      policy: failoverSettings(config, GROUP),
    },
  ];
  return client.workflow.start('hostFailover', {
    taskQueue: MAIN_TASK_QUEUE,
    workflowId: hostFailoverWorkflowId(GROUP, FAILED_HOST),
    args,
    workflowIdConflictPolicy: 'FAIL',
  });
}

/** Draws the progress about four times a second until the failover ends, then returns its report. */
async function watch(handle: WorkflowHandle): Promise<FailoverReport> {
  let report: FailoverReport | undefined;
  const ended = handle.result().then((r: FailoverReport) => (report = r));
  let shown: string[] = [];
  while (!report) {
    giveWayToCtrlC();
    const progress = await handle.query(progressQuery).catch(() => undefined);
    if (progress) shown = draw(render(progress), shown);
    await Promise.race([ended, new Promise((resolve) => setTimeout(resolve, POLL_MS))]);
  }
  draw(render(report), shown);
  return report;
}

/** The phase and the clock, the fence proof once known, then one line per destination stream. */
function render(progress: FailoverProgress): string[] {
  const lines = [
    `phase ${progress.phase}  elapsed ${seconds(progress.elapsedMs)} of an RTO budget of ${seconds(progress.rtoBudgetMs)}`,
  ];
  if (progress.fence) lines.push(`  fence proof: ${fenceProof(progress.fence)}`);
  for (const [destination, lpars] of streams(progress.lpars))
    lines.push(`  stream → ${destination.padEnd(8)}  ${lpars.map((l) => `${l.lpar} ${l.step}`).join(', ')}`);
  const { running, pending, failed, unplaced } = progress.totals;
  lines.push(`  running ${running}, in progress ${pending}, failed ${failed}, unplaced ${unplaced}`);
  return lines;
}

/** The LPARs per destination host (those without one under "unplaced"), hosts in name order. */
function streams(lpars: LparProgress[]): Array<[string, LparProgress[]]> {
  const byDestination = new Map<string, LparProgress[]>();
  for (const lpar of lpars) {
    const destination = lpar.destination ?? 'unplaced';
    byDestination.set(destination, [...(byDestination.get(destination) ?? []), lpar]);
  }
  return [...byDestination].sort(([a], [b]) => a.localeCompare(b));
}

/** On a terminal, redraws `lines` over the `shown` ones; otherwise prints only the lines that changed. */
function draw(lines: string[], shown: string[]): string[] {
  if (process.stdout.isTTY) {
    const width = process.stdout.columns > 1 ? process.stdout.columns - 1 : undefined;
    if (shown.length > 0) process.stdout.write(`\x1b[${shown.length}A\x1b[J`);
    for (const line of lines) say(line.slice(0, width));
  } else {
    for (const line of lines) if (!shown.includes(line)) say(line);
  }
  return lines;
}

function printReport(report: FailoverReport, violations: Violation[]): void {
  say(
    `\nReport of ${report.workflowId}: ${report.outcome} in ${seconds(report.rtoMs)} (${report.withinBudget ? 'within' : 'over'} the RTO budget of ${seconds(report.rtoBudgetMs)})`,
  );
  if (report.fence) say(`  fence proof: ${fenceProof(report.fence)}`);
  if (report.stoppedBy) say(`  stopped in ${report.stoppedBy}`);
  for (const lpar of report.lpars.filter((l) => l.step !== 'unplaced')) {
    const timings = Object.entries(lpar.timings)
      .map(([step, ms]) => `${step} ${seconds(ms)}`)
      .join(', ');
    say(
      `  ${lpar.lpar.padEnd(12)} → ${(lpar.destination ?? '-').padEnd(8)} ${lpar.step.padEnd(8)} ${timings}${lpar.error ? `  (${lpar.error})` : ''}`,
    );
  }
  for (const u of report.unplaced) say(`  ${u.lpar.padEnd(12)} unplaced: ${u.reason}: ${u.detail}`);
  say(`  simulator safety violations: ${violations.length}`);
  for (const v of violations) say(`    ${v.kind}: ${v.detail} (${v.cause})`);
  say(
    `  (the simulated devices run ${Math.round(1 / timeScale)}× faster than real ones: LAZARUS_SIM_TIME_SCALE=${timeScale})`,
  );
}

function fenceProof(fence: FenceProof): string {
  const override = fence.override
    ? `; fence overridden by ${fence.override.by}${fence.override.reason ? `: ${fence.override.reason}` : ''}`
    : '';
  return `${fence.host} ${fence.powerState}${fence.poweredOff ? ' (confirmed)' : ' (not confirmed off)'}, ${storageCutText(fence)}${override}`;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const say = (line: string) => process.stdout.write(`${line}\n`);

async function postJson(url: string, body: unknown): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${url}: ${response.status} ${await response.text()}`);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (!interrupted) say(`\n${signal}: stopping…`);
    interrupted = true;
  });
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (!interrupted) console.error(`lazarus demo: ${(err as Error)?.message ?? String(err)}`);
    process.exit(interrupted ? 130 : 1);
  },
);

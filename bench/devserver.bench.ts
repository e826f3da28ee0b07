// npm run bench:devserver — the devserver with one worker on this machine:
//   1. throughput: workflows/s (empty workflows) and activity round trips/s (concurrent workflows of activities);
//   2. the per-activity time in the first and last tenth of one workflow of 2,000 sequential activities (sticky
//      queues keep the last tenth close to the first), against a baseline in the same run: the same workflow shape
//      with the worker's cache off (every task replays the whole history, as without sticky queues).
// Targets (issue 2): ≥ 300 activity round trips/s; last tenth ≤ 1.5 × first tenth. Results: bench/results/devserver.md.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker, bundleWorkflowCode } from '@temporalio/worker';
import { startTemporalService } from '../workers/temporal-service.js';

const here = dirname(fileURLToPath(import.meta.url));
const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 2000);
const BASELINE_SEQUENTIAL = Number(process.env.BENCH_BASELINE_SEQUENTIAL ?? 200);
const CONCURRENT_WORKFLOWS = 20;
const ACTIVITIES_PER_WORKFLOW = 100;
const EMPTY_WORKFLOWS = 300;

Runtime.install({ logger: new DefaultLogger('WARN') });

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
const tenths = (latencies: number[]) => {
  const tenth = Math.max(1, Math.floor(latencies.length / 10));
  return { first: mean(latencies.slice(0, tenth)), last: mean(latencies.slice(-tenth)) };
};

async function main(): Promise<void> {
  const dataDir = join(tmpdir(), `lazarus-bench-devserver-${process.pid}`);
  mkdirSync(dataDir, { recursive: true });
  const service = await startTemporalService({ dbFile: join(dataDir, 'temporal.db') });
  console.log(`Temporal service: ${service.description} at ${service.address} (persisting to SQLite)`);
  const native = await NativeConnection.connect({ address: service.address });
  const connection = await Connection.connect({ address: service.address });
  const client = new Client({ connection, namespace: service.namespace });
  const workflowBundle = await bundleWorkflowCode({
    workflowsPath: join(here, 'devserver', 'workflows.ts'),
    logger: new DefaultLogger('WARN'),
  });
  const activities = { noop: async (i: number) => i };
  const run = (taskQueue: string, cached: boolean, body: () => Promise<void>) =>
    Worker.create({
      connection: native,
      namespace: service.namespace,
      taskQueue,
      workflowBundle,
      activities,
      ...(cached ? {} : { maxCachedWorkflows: 0 }),
    }).then((worker) => worker.runUntil(body()));
  const lines: string[] = [];
  const report = (line: string) => {
    console.log(line);
    lines.push(line);
  };
  try {
    await run('bench', true, async () => {
      const id = `bench-${Date.now()}`;
      await client.workflow.execute('sequentialActivities', {
        taskQueue: 'bench',
        workflowId: `${id}-warmup`,
        args: [50],
      });

      let started = Date.now();
      await Promise.all(
        Array.from({ length: EMPTY_WORKFLOWS }, (_, i) =>
          client.workflow.execute('sequentialActivities', {
            taskQueue: 'bench',
            workflowId: `${id}-empty-${i}`,
            args: [0],
          }),
        ),
      );
      const workflowsPerSecond = EMPTY_WORKFLOWS / ((Date.now() - started) / 1000);

      started = Date.now();
      await Promise.all(
        Array.from({ length: CONCURRENT_WORKFLOWS }, (_, i) =>
          client.workflow.execute('sequentialActivities', {
            taskQueue: 'bench',
            workflowId: `${id}-concurrent-${i}`,
            args: [ACTIVITIES_PER_WORKFLOW],
          }),
        ),
      );
      const roundTrips = CONCURRENT_WORKFLOWS * ACTIVITIES_PER_WORKFLOW;
      const roundTripsPerSecond = roundTrips / ((Date.now() - started) / 1000);

      started = Date.now();
      const latencies = (await client.workflow.execute('sequentialActivities', {
        taskQueue: 'bench',
        workflowId: `${id}-sequential`,
        args: [SEQUENTIAL],
      })) as number[];
      const sequentialPerSecond = SEQUENTIAL / ((Date.now() - started) / 1000);
      const { first, last } = tenths(latencies);

      report(`| workflows/s (${EMPTY_WORKFLOWS} concurrent empty workflows) | ${workflowsPerSecond.toFixed(0)} | — |`);
      report(
        `| activity round trips/s (${CONCURRENT_WORKFLOWS} workflows × ${ACTIVITIES_PER_WORKFLOW} sequential activities) | ${roundTripsPerSecond.toFixed(0)} | target ≥ 300: ${(roundTripsPerSecond / 300).toFixed(2)}× the target |`,
      );
      report(
        `| activity round trips/s (one workflow, ${SEQUENTIAL} sequential activities) | ${sequentialPerSecond.toFixed(0)} | latency-bound: one activity at a time |`,
      );
      report(
        `| per-activity ms, first / last tenth of ${SEQUENTIAL} sequential (sticky) | ${first.toFixed(2)} / ${last.toFixed(2)} | last/first = ${(last / first).toFixed(2)} (target ≤ 1.5) |`,
      );
    });
    await run('bench-nocache', false, async () => {
      const latencies = (await client.workflow.execute('sequentialActivities', {
        taskQueue: 'bench-nocache',
        workflowId: `bench-nocache-${Date.now()}`,
        args: [BASELINE_SEQUENTIAL],
      })) as number[];
      const { first, last } = tenths(latencies);
      report(
        `| baseline: per-activity ms, first / last tenth of ${BASELINE_SEQUENTIAL} sequential, worker cache off (full history every task) | ${first.toFixed(2)} / ${last.toFixed(2)} | last/first = ${(last / first).toFixed(2)} |`,
      );
    });
  } finally {
    await connection.close();
    await native.close();
    await service.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const text = [
    '# Devserver benchmark',
    '',
    `Recorded ${new Date().toISOString()} with \`npm run bench:devserver\` on Node ${process.version}, ${cpus().length} × ${cpu}.`,
    'One worker (default options), the devserver persisting to SQLite (`--db-filename`), client, worker and server on the same machine.',
    '',
    '| measure | value | against |',
    '|---|---|---|',
    ...lines,
    '',
  ].join('\n');
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(join(here, 'results', 'devserver.md'), text);
  console.log(`\nwritten to bench/results/devserver.md`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);

// npm run chaos -- --seeds N [--first S] | --seed S [--seed S2 …] [--time-scale X] [--seed-timeout 150s] [--verbose]
// Runs chaos seeds (bench/chaos/) one after another, each on a fresh stack: prints per seed its schedule, its time,
// and for a failing seed what failed and the one-line command that replays it. Exit 0 when every seed passed, 1 when
// one failed, 2 on a bad command line.
import { parseArgs } from 'node:util';
import { replayCommand, runSeed } from '../bench/chaos/campaign.js';
import { chaosSchedule, describeEvent } from '../bench/chaos/schedule.js';

const USAGE =
  'usage: npm run chaos -- --seeds N [--first S] | --seed S [--seed S …] ' +
  '[--time-scale X] [--seed-timeout SECONDS] [--verbose]';

function integer(flag: string, text: string, min: number): number {
  if (!/^\d+$/.test(text) || Number(text) < min) throw new Error(`${flag}: "${text}" is not an integer >= ${min}`);
  return Number(text);
}

function parse(): { seeds: number[]; timeScale?: number; seedTimeoutMs?: number; verbose: boolean } {
  const { values } = parseArgs({
    options: {
      seeds: { type: 'string' },
      first: { type: 'string' },
      seed: { type: 'string', multiple: true },
      'time-scale': { type: 'string' },
      'seed-timeout': { type: 'string' },
      verbose: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.seed && values.seeds) throw new Error('--seed and --seeds exclude each other');
  const seeds =
    values.seed?.map((s) => integer('--seed', s, 0)) ??
    Array.from(
      { length: integer('--seeds', values.seeds ?? '5', 1) },
      (_, i) => integer('--first', values.first ?? '1', 0) + i,
    );
  const timeScale = values['time-scale'] === undefined ? undefined : Number(values['time-scale']);
  if (timeScale !== undefined && !(timeScale > 0 && timeScale <= 1))
    throw new Error(`--time-scale: "${values['time-scale']}" is not a number in (0, 1]`);
  const seedTimeoutMs =
    values['seed-timeout'] === undefined
      ? undefined
      : integer('--seed-timeout', values['seed-timeout'].replace(/s$/, ''), 1) * 1_000;
  return {
    seeds,
    ...(timeScale === undefined ? {} : { timeScale }),
    ...(seedTimeoutMs === undefined ? {} : { seedTimeoutMs }),
    verbose: values.verbose ?? false,
  };
}

let options: ReturnType<typeof parse>;
try {
  options = parse();
} catch (err) {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n${USAGE}\n`);
  process.exit(2);
}
// Exit through process.exit so the stack's exit handlers kill the worker process (the devserver follows its stdin).
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
const write = (line: string) => process.stdout.write(`${line}\n`);
const failed: number[] = [];
const started = Date.now();
for (const seed of options.seeds) {
  const schedule = chaosSchedule(seed);
  write(
    `seed ${seed}: ${schedule.events.length} events` +
      (schedule.ownerShutdown ? `; the owner shuts ${schedule.ownerShutdown} down first` : ''),
  );
  for (const event of schedule.events) write(`  ${describeEvent(event)}`);
  const result = await runSeed(seed, { ...options, ...(options.verbose ? { log: write } : {}) });
  const seconds = (result.durationMs / 1000).toFixed(1);
  if (result.ok) {
    write(`seed ${seed}: ok in ${seconds} s (${result.runs} failover runs)`);
    continue;
  }
  failed.push(seed);
  if (!options.verbose) for (const line of result.timeline) write(`  ${line}`);
  write(
    `seed ${seed}: FAILED in ${seconds} s (${result.runs} failover runs); ` +
      `replay: ${replayCommand(seed, options.timeScale)}`,
  );
  for (const failure of result.failures) write(`  - ${failure}`);
}
write(
  `${options.seeds.length - failed.length}/${options.seeds.length} seeds passed ` +
    `in ${((Date.now() - started) / 1000).toFixed(1)} s` +
    (failed.length ? `; failed: ${failed.join(' ')}` : ''),
);
process.exit(failed.length > 0 ? 1 : 0);

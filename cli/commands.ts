// The `lazarus` command line (commander): verbs in the spirit of IBM's ksysmgr and the Temporal CLI, each one call
// (or a few) to the Lazarus HTTP API. People get tables; `--json` gives scripts the API's answer unchanged.
import { userInfo } from 'node:os';
import { Command, CommanderError, Option } from 'commander';
import type { FailoverProgress, FailoverReport } from '../domain/failover/index.js';
import { ApiClient } from './client.js';
import { CliError, EXIT } from './errors.js';
import { age, duration, fields, reportText, stepTrail, table } from './render.js';
import { resolveSettings } from './settings.js';
import { failoverId, failoverPath, FAILOVER_ID_HINT, groupOfHost, ID_FORMS } from './targets.js';
import { addDrCommands } from './dr-commands.js';
import { addEvacuationCommands } from './evacuation-commands.js';
import { addResizeCommands } from './resize-commands.js';
import { addMonitoringCommands } from './monitoring-commands.js';
import { exitCodeOf, watchFailover, type RunView } from './watch.js';

/** Where the CLI writes and what it reads from its environment (injectable for tests). */
export interface CliIo {
  stdout: { write(text: string): unknown; isTTY?: boolean; columns?: number };
  stderr: { write(text: string): unknown };
  env: NodeJS.ProcessEnv;
}

interface GlobalOptions {
  url?: string;
  token?: string;
  json?: boolean;
}

/** What every action needs: the API client for the global options, and `print` (JSON or the text for people). */
export type CommandContext = (command: Command) => {
  client: ApiClient;
  options: GlobalOptions;
  print: (answer: unknown, text: () => string) => void;
};

const ID_ARGUMENT = `the failover: ${ID_FORMS}`;

const EXIT_CODES_HELP = `
Exit codes:
  0  done (watch, failover --watch: the failover succeeded, or was a dry run)
  1  unexpected error          2  wrong command line        3  API unreachable
  4  token missing or refused  5  not found                 6  conflicts with the current state
  7  the failover ended without succeeding                  8  the API refused or failed the request

The API and its token: --url/--token, else LAZARUS_URL/LAZARUS_API_TOKEN, else ~/.config/lazarus/cli.yaml
(url:, token: or tokenFile:), else http://127.0.0.1:8740 and the token \`npm start\` wrote to .lazarus/api-token.`;

/** Runs one command line (`argv` without node and the script); resolves to the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const out = (text: string) => void io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  const program = new Command('lazarus')
    .description('Operate Lazarus, the VM recovery controller: query the fleet, start and steer failovers, watch them.')
    .option('--url <url>', 'the Lazarus API (default: LAZARUS_URL, cli.yaml, http://127.0.0.1:8740)')
    .option('--token <token>', 'API bearer token (default: LAZARUS_API_TOKEN, cli.yaml); prefer the environment')
    .option('--json', 'print the API answer as JSON, for scripts')
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({ writeOut: (s) => void io.stdout.write(s), writeErr: (s) => void io.stderr.write(s) })
    .exitOverride()
    .addHelpText('after', EXIT_CODES_HELP);

  let exitCode: number = EXIT.ok;
  const context: CommandContext = (command: Command) => {
    const options = command.optsWithGlobals<GlobalOptions>();
    const client = new ApiClient(resolveSettings({ url: options.url, token: options.token }, io.env));
    const print = (answer: unknown, text: () => string) => out(options.json ? JSON.stringify(answer, null, 2) : text());
    return { client, options, print };
  };

  const query = program.command('query').description('read the fleet, failovers, reports and notifications');

  query
    .command('host')
    .argument('[name]', 'one host')
    .description('hosts as Lazarus knows them (state, fence, age and source); with a name: one host and its LPARs')
    .action(async (name: string | undefined, _opts, command: Command) => {
      const { client, print } = context(command);
      const { hosts } = await client.get<{ hosts: HostView[] }>('/v1/hosts');
      if (!name) {
        print({ hosts }, () =>
          hosts.length === 0
            ? 'no host is known yet: the first discovery of each host group has not succeeded ' +
              '(`lazarus query notification` shows why)'
            : table(
                ['GROUP', 'HOST', 'STATE', 'FENCED', 'OBSERVED', 'SOURCE', 'STALE'],
                hosts.map((h) => [h.group, h.name, h.state, h.fenced, age(h.ageSeconds), h.source, staleText(h)]),
              ),
        );
        return;
      }
      const host = hosts.find((h) => h.name === name);
      if (!host)
        throw new CliError(
          `no host ${name} in the inventory`,
          EXIT.notFound,
          'hosts are listed by `lazarus query host`',
        );
      const { lpars } = await client.get<{ lpars: LparView[] }>('/v1/lpars');
      const here = lpars.filter((l) => l.host === name && l.group === host.group);
      print({ host, lpars: here }, () =>
        [
          fields([
            ['host', host.name],
            ['group', host.group],
            ['state', host.state],
            ['fenced', host.fenced],
            ['observed', `${age(host.ageSeconds)} (${host.observedAt}) by ${host.source}`],
            ['stale', staleText(host)],
            ['serial', host.serial],
            ['type-model', host.typeModel],
            ['HMC', host.hmc],
            ['processor units', host.processorUnits],
            ['memory MB', host.memoryMb],
          ]),
          lparTable(here),
        ].join('\n'),
      );
    });

  query
    .command('vm')
    .argument('[name]', 'one LPAR')
    .alias('lpar')
    .description('VMs (LPARs) as Lazarus knows them; with a name: one LPAR')
    .option('--host <host>', 'only the LPARs of this host')
    .action(async (name: string | undefined, opts: { host?: string }, command: Command) => {
      const { client, print } = context(command);
      const { lpars } = await client.get<{ lpars: LparView[] }>('/v1/lpars');
      if (!name) {
        const shown = lpars.filter((l) => !opts.host || l.host === opts.host);
        print({ lpars: shown }, () => lparTable(shown));
        return;
      }
      const matches = lpars.filter((l) => l.name === name);
      if (matches.length === 0)
        throw new CliError(`no LPAR ${name} in the inventory`, EXIT.notFound, 'LPARs are listed by `lazarus query vm`');
      print(matches.length === 1 ? { lpar: matches[0] } : { lpars: matches }, () =>
        matches
          .map((l) =>
            fields([
              ['LPAR', l.name],
              ['group', l.group],
              ['host', l.host],
              ['state', l.state],
              ['priority', l.priority],
              ['processor units', l.processorUnits],
              ['memory MB', l.memoryMb],
              ['volumes', l.volumes],
              ['observed', `${age(l.ageSeconds)} (${l.observedAt}) by ${l.source}`],
              ['described', l.described ? 'yes' : 'no: seen by a failover or live read only'],
              ['stale', l.stale],
            ]),
          )
          .join('\n'),
      );
    });

  query
    .command('failover')
    .argument('[id]', ID_ARGUMENT)
    .description("failover runs, newest first; with an id: that run's progress or report")
    .option('--group <group>', 'only this host group (or: the group of a bare host name)')
    .option('--host <host>', 'only failovers of this host')
    .option('--limit <n>', 'runs per page (1-100)', '20')
    .option('--cursor <cursor>', 'the next page (printed under a full page)')
    .option('--run-id <runId>', 'one run of the failover (default: the latest)')
    .action(async (input: string | undefined, opts: FailoverQueryOptions, command: Command) => {
      const { client, print, options } = context(command);
      if (!input) {
        const query = new URLSearchParams({ limit: opts.limit });
        for (const key of ['group', 'host', 'cursor'] as const) if (opts[key]) query.set(key, opts[key]);
        const page = await client.get<{ failovers: RunSummary[]; nextCursor?: string }>(`/v1/failovers?${query}`);
        print(page, () =>
          [
            table(
              ['FAILOVER', 'RUN', 'STATUS', 'OUTCOME', 'STARTED', 'TOOK'],
              page.failovers.map((f) => [f.id, f.runId, f.status, f.outcome, f.startedAt, took(f)]),
            ),
            ...(page.nextCursor ? [`more: lazarus query failover --cursor ${page.nextCursor}`] : []),
          ].join('\n'),
        );
        return;
      }
      const run = await readRun(client, await failoverId(client, input, opts.group), opts.runId);
      print(run, () => runText(run));
      if (!options.json && run.status === 'running') out(`follow it live: lazarus watch ${run.id}`);
    });

  query
    .command('report')
    .argument('<id>', ID_ARGUMENT)
    .description("a finished failover's report: outcome, RTO, fence proof, every LPAR")
    .option('--group <group>', 'the host group, when a bare host name is in more than one')
    .option('--run-id <runId>', 'one run of the failover (default: the latest)')
    .action(async (input: string, opts: { group?: string; runId?: string }, command: Command) => {
      const { client, print } = context(command);
      const run = await readRun(client, await failoverId(client, input, opts.group), opts.runId);
      if (run.status === 'running')
        throw new CliError(
          `failover ${run.id} is still running (phase ${run.progress?.phase ?? 'unknown'}): its report comes at the end`,
          EXIT.conflict,
          `follow it: lazarus watch ${run.id}`,
        );
      print(run, () => runText(run));
      if (!run.report) exitCode = EXIT.notSucceeded;
    });

  program
    .command('failover')
    .argument('<host>', 'the failed host (a managed system)')
    .description('fail a host over: fence it, plan, restart its LPARs on the other hosts of its group')
    .option('--group <group>', 'its host group (default: the one group that has the host)')
    .option('--advisory', 'ask first: nothing is touched until `lazarus approve <host>`')
    .option('--dry-run', 'plan only: print where each LPAR would go; nothing is fenced, mapped or started')
    .option('--watch', 'follow the failover until it ends (as `lazarus watch`)')
    .addOption(new Option('--interval <ms>', 'with --watch: how often to read the progress').default('1000'))
    .action(async (host: string, opts: FailoverOptions, command: Command) => {
      const { client, print, options } = context(command);
      const group = await groupOfHost(client, host, opts.group);
      const body = { group, host, mode: opts.advisory ? 'advisory' : 'auto', dryRun: opts.dryRun === true };
      if (opts.dryRun) {
        // The API answers a dry run with the plan once the workflow has confirmed the host and read its LPARs.
        const report = await client.post<FailoverReport>('/v1/failovers', { body, timeoutMs: 10 * 60_000 });
        print(report, () => reportText(`dry run of failover/${group}/${host}`, '-', report));
        return;
      }
      let started: { id: string; status: string };
      try {
        started = await client.post<{ id: string; status: string }>('/v1/failovers', { body });
      } catch (err) {
        if (err instanceof CliError && err.exitCode === EXIT.conflict)
          throw new CliError(err.message, err.exitCode, `follow it: lazarus watch failover/${group}/${host}`);
        throw err;
      }
      if (!opts.watch) {
        print(started, () =>
          [
            `started ${started.id} (${body.mode})`,
            ...(opts.advisory
              ? [`it waits for an operator: lazarus approve ${host}  (or: lazarus reject ${host})`]
              : []),
            `follow it: lazarus watch ${host}`,
          ].join('\n'),
        );
        return;
      }
      if (!options.json) out(`started ${started.id} (${body.mode})`);
      exitCode = await watch(client, started.id, Number(opts.interval), options.json === true, io, out);
    });

  program
    .command('watch')
    .argument('<id>', ID_ARGUMENT)
    .description('follow a failover live until it ends, then print its report')
    .option('--group <group>', 'the host group, when a bare host name is in more than one')
    .addOption(new Option('--interval <ms>', 'how often to read the progress').default('1000'))
    .action(async (input: string, opts: { group?: string; interval: string }, command: Command) => {
      const { client, options } = context(command);
      const id = await failoverId(client, input, opts.group);
      exitCode = await watch(client, id, Number(opts.interval), options.json === true, io, out);
    });

  const decisions: Array<[string, string]> = [
    ['approve', 'approve an advisory failover that waits for an operator'],
    ['reject', 'reject an advisory failover: the host is left exactly as it is'],
    ['cancel', 'cancel a running failover (each LPAR is left as the HMC shows it, and reported)'],
    ['override-fence', 'vouch that a host the HMC cannot power off is down (only while the fence is blocked)'],
  ];
  for (const [verb, description] of decisions) {
    program
      .command(verb)
      .argument('<id>', ID_ARGUMENT)
      .description(description)
      .option('--group <group>', 'the host group, when a bare host name is in more than one')
      .option('--note <text>', verb === 'override-fence' ? 'why the host is known to be down (required)' : 'why')
      .option('--by <name>', 'who decides (default: your login name)')
      .action(async (input: string, opts: { group?: string; note?: string; by?: string }, command: Command) => {
        const { client, print } = context(command);
        if (verb === 'override-fence' && !opts.note?.trim())
          throw new CliError(
            'override-fence needs --note saying how you know the host is down',
            EXIT.usage,
            'e.g. --note "power cords pulled by the site engineer, ticket 4711"',
          );
        const id = await failoverId(client, input, opts.group);
        const body = { by: opts.by ?? operatorName(io.env), ...(opts.note ? { reason: opts.note } : {}) };
        // `phase`: where the failover went once the decision took effect (absent for a run older than updates).
        const answer = await client.post<{ id: string; status: string; phase?: string }>(failoverPath(id, `/${verb}`), {
          body,
          notFoundHint: FAILOVER_ID_HINT,
        });
        print(answer, () => `${answer.id}: ${answer.status}${answer.phase ? ` (now in phase ${answer.phase})` : ''}`);
      });
  }

  addMonitoringCommands(program, query, context);
  addDrCommands(program, query, context);
  addEvacuationCommands(program, query, context);
  addResizeCommands(program, query, context);

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError)
      return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0
        ? EXIT.ok
        : EXIT.usage;
    if (err instanceof CliError) {
      io.stderr.write(`lazarus: ${err.message}\n${err.hint ? `  → ${err.hint}\n` : ''}`);
      return err.exitCode;
    }
    io.stderr.write(`lazarus: unexpected error: ${(err as Error)?.stack ?? String(err)}\n`);
    return EXIT.internal;
  }
}

interface HostView {
  group: string;
  name: string;
  state: string;
  observedAt: string;
  ageSeconds: number;
  source: string;
  stale: boolean;
  staleReason?: string;
  fenced: boolean;
  serial?: string;
  typeModel?: string;
  hmc?: string;
  processorUnits?: Record<string, number>;
  memoryMb?: Record<string, number>;
}

interface LparView {
  group: string;
  name: string;
  host: string;
  state: string;
  priority?: string;
  processorUnits?: { desired?: number };
  memoryMb?: { desired?: number };
  volumes?: string[];
  observedAt: string;
  ageSeconds: number;
  source: string;
  stale: boolean;
  described: boolean;
}

interface RunSummary {
  id: string;
  runId: string;
  status: string;
  startedAt?: string;
  closedAt?: string;
  outcome?: string;
}

interface FailoverQueryOptions {
  group?: string;
  host?: string;
  limit: string;
  cursor?: string;
  runId?: string;
}

interface FailoverOptions {
  group?: string;
  advisory?: boolean;
  dryRun?: boolean;
  watch?: boolean;
  interval: string;
}

function staleText(h: { stale: boolean; staleReason?: string }): string {
  return h.stale ? `yes${h.staleReason ? `: ${h.staleReason}` : ''}` : 'no';
}

function lparTable(lpars: LparView[]): string {
  return table(
    ['GROUP', 'LPAR', 'HOST', 'STATE', 'PRIORITY', 'PROC UNITS', 'MEMORY MB', 'OBSERVED'],
    lpars.map((l) => [
      l.group,
      l.name,
      l.host,
      l.state,
      l.priority,
      l.processorUnits?.desired,
      l.memoryMb?.desired,
      `${age(l.ageSeconds)}${l.stale ? ' (stale)' : ''}`,
    ]),
  );
}

function took(run: RunSummary): string {
  if (!run.startedAt) return '-';
  const end = run.closedAt ? Date.parse(run.closedAt) : Date.now();
  return `${duration(end - Date.parse(run.startedAt))}${run.closedAt ? '' : ' so far'}`;
}

async function readRun(client: ApiClient, id: string, runId: string | undefined): Promise<RunView> {
  return client.get<RunView>(failoverPath(id, runId ? `?runId=${encodeURIComponent(runId)}` : ''), {
    notFoundHint: FAILOVER_ID_HINT,
  });
}

/** One run for people: a running one's phase and LPAR steps, or a closed one's report (or why it has none). */
function runText(run: RunView): string {
  if (run.report) return reportText(run.id, run.runId, run.report);
  if (run.progress) return progressText(run.id, run.progress);
  return fields([
    ['failover', run.id],
    ['run', run.runId],
    ['status', run.status],
    ['error', run.error ?? 'no report was stored'],
  ]);
}

function progressText(id: string, progress: FailoverProgress): string {
  return [
    fields([
      ['failover', id],
      ['phase', progress.phase],
      ['elapsed', `${duration(progress.elapsedMs)} of a ${duration(progress.rtoBudgetMs)} RTO budget`],
      ['fence', progress.fence ? `${progress.fence.host} ${progress.fence.powerState}` : 'not yet'],
      [
        'plan',
        progress.planSummary
          ? `${progress.planSummary.placed} placed, ${progress.planSummary.unplaced} unplaced, ` +
            `${progress.planSummary.streams} streams, estimated RTO ${duration(progress.planSummary.estimatedRtoMs)}`
          : 'not yet',
      ],
    ]),
    table(
      ['LPAR', 'PRIORITY', 'DESTINATION', 'STEP', 'STEPS (since start)', 'WHY'],
      progress.lpars.map((l) => [l.lpar, l.priority, l.destination, l.step, stepTrail(l), l.error]),
    ),
  ].join('\n');
}

async function watch(
  client: ApiClient,
  id: string,
  intervalMs: number,
  json: boolean,
  io: CliIo,
  out: (text: string) => void,
): Promise<number> {
  if (!Number.isFinite(intervalMs) || intervalMs < 100)
    throw new CliError('--interval must be a number of milliseconds, at least 100', EXIT.usage);
  const tty = io.stdout.isTTY === true && !json;
  const run = await watchFailover(
    client,
    id,
    { write: (text) => void (json ? undefined : io.stdout.write(text)), tty, columns: io.stdout.columns },
    intervalMs,
  );
  out(json ? JSON.stringify(run, null, 2) : runText(run));
  if (!json)
    out(`${run.id} ended: ${run.report?.outcome ?? `${run.status}, no report (${run.error ?? 'no error given'})`}`);
  return exitCodeOf(run);
}

/** Who decides, sent as `by`: LAZARUS_OPERATOR, else the login name (README, "Command line"). */
export function operatorName(env: NodeJS.ProcessEnv): string {
  try {
    return env.LAZARUS_OPERATOR || userInfo().username;
  } catch {
    return env.USER || 'operator';
  }
}

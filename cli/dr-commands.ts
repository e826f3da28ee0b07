// The CLI verbs of disaster recovery (api/dr-routes.ts), in KSYS's words: `discover <site>`, `verify <site>` (each VM
// READY_TO_MOVE or why not), `query site <site>` (the latest verification, or its history), `move site <site> --to
// <backup>` (planned, or --unplanned when the active site is gone; --advisory waits for `move approve`), `move back
// <site>`, `query move <site>`, the operator's decisions on a running move (`move approve|reject|cancel|override-fence
// <site>`), `resync <site>`, the DR test (`test site <site>`, `query test <site>`, `test cleanup <site>`, as ksysmgr
// test site / cleanup site dr_test=yes), a VM's DR state (`query dr <vm>`) and a shared site's queue (`query queue`).
import type { Command } from 'commander';
import { operatorName, type CommandContext } from './commands.js';
import { CliError, EXIT } from './errors.js';
import { age, anyText, fields, table } from './render.js';

const SITE_HINT = 'DR sites are the dr.sites of lazarus.yaml; discover, verify and move name the active one';

export function addDrCommands(program: Command, query: Command, context: CommandContext): void {
  for (const [verb, description] of [
    ['discover', "read the active site's and the backup site's devices for disaster recovery"],
    ['verify', 'check that every VM of the active site could move to the backup site (READY_TO_MOVE or why not)'],
  ] as const) {
    program
      .command(verb)
      .argument('<site>', 'the active DR site')
      .description(description)
      .option('--wait <seconds>', 'wait this long for the result (0: start it and return)', '240')
      .action(async (site: string, opts: { wait: string }, command: Command) => {
        const { client, print } = context(command);
        const wait = seconds(opts.wait, '--wait', 300);
        const started = await client.post<{ workflowId: string; message?: string; result?: unknown }>(
          `/v1/sites/${encodeURIComponent(site)}/${verb}?wait=${wait}`,
          { notFoundHint: SITE_HINT, timeoutMs: (wait + 30) * 1000 },
        );
        if (verb === 'verify' && started.result !== undefined) {
          const verification = await client.get<Verification>(`/v1/sites/${encodeURIComponent(site)}/verification`);
          print(verification, () => verificationText(verification));
          return;
        }
        print(started, () =>
          started.result === undefined ? `${started.workflowId}: ${started.message}` : anyText(started),
        );
      });
  }

  query
    .command('site')
    .argument('<site>', 'the active DR site')
    .description("the site's latest DR verification: each VM READY_TO_MOVE or NOT_READY with why, replication")
    .option('--history', 'the verifications, newest first, instead')
    .option('--limit <n>', 'with --history: how many', '20')
    .action(async (site: string, opts: { history?: boolean; limit: string }, command: Command) => {
      const { client, print } = context(command);
      const path = `/v1/sites/${encodeURIComponent(site)}/verification`;
      if (opts.history) {
        const history = await client.get<History>(`${path}/history?limit=${encodeURIComponent(opts.limit)}`, {
          notFoundHint: SITE_HINT,
        });
        print(history, () =>
          table(
            ['VERIFICATION', 'AT', 'READY', 'READY TO MOVE', 'NOT READY (codes)'],
            history.verifications.map((v) => [
              v.id,
              v.verifiedAt,
              v.ready,
              v.readyToMove,
              v.notReady.map((n) => `${n.vm} (${n.codes.join(', ')})`),
            ]),
          ),
        );
        return;
      }
      const verification = await client.get<Verification>(path, {
        notFoundHint: `${SITE_HINT}; \`lazarus verify ${site}\` runs a verification now`,
      });
      print(verification, () => verificationText(verification));
    });

  query
    .command('move')
    .argument('<site>', 'the active DR site')
    .description('the latest site move (planned, unplanned or back): running, or its report')
    .action(async (site: string, _opts, command: Command) => {
      const { client, print } = context(command);
      const move = await client.get<Record<string, unknown>>(`/v1/sites/${encodeURIComponent(site)}/move`, {
        notFoundHint: SITE_HINT,
      });
      print(move, () => anyText(move));
    });

  const move = program.command('move').description('move a site to its backup site, or back');
  move
    .command('site')
    .argument('<site>', 'the active DR site')
    .description('move every VM of the site to the backup site (planned: clean stop and replication switch)')
    .requiredOption('--to <site>', 'the backup site')
    .option('--unplanned', 'the active site is gone: fence it and take over from the last recovery point')
    .option('--shutdown-timeout <seconds>', 'planned: how long an OS shutdown may take before the VM is stopped')
    .option('--advisory', 'planned: verify, show the plan and wait for `lazarus move approve <site>` (or reject)')
    .action(async (site: string, opts: MoveOptions, command: Command) => {
      const { client, print } = context(command);
      if (opts.advisory && opts.unplanned)
        throw new CliError('--advisory applies to a planned move only, not with --unplanned', EXIT.usage);
      const body = {
        to: opts.to,
        mode: opts.unplanned ? 'unplanned' : 'planned',
        ...(opts.advisory ? { advisory: true } : {}),
        ...(opts.shutdownTimeout
          ? { shutdownTimeout: seconds(opts.shutdownTimeout, '--shutdown-timeout', 3600, 1) }
          : {}),
      };
      const started = await client.post<{ workflowId: string; message: string }>(
        `/v1/sites/${encodeURIComponent(site)}/move`,
        { body, notFoundHint: SITE_HINT },
      );
      const next = opts.advisory
        ? `see its plan: lazarus query move ${site}; then lazarus move approve ${site} (or reject)`
        : `follow it: lazarus query move ${site}`;
      print(started, () => `${started.message}\n${next}`);
    });
  move
    .command('back')
    .argument('<site>', 'the active DR site to move back to')
    .description('move every VM back from the backup site to the active site')
    .option('--shutdown-timeout <seconds>', 'how long an OS shutdown at the backup site may take')
    .action(async (site: string, opts: { shutdownTimeout?: string }, command: Command) => {
      const { client, print } = context(command);
      const body = opts.shutdownTimeout
        ? { shutdownTimeout: seconds(opts.shutdownTimeout, '--shutdown-timeout', 3600, 1) }
        : {};
      const started = await client.post<{ workflowId: string; message: string }>(
        `/v1/sites/${encodeURIComponent(site)}/move-back`,
        { body, notFoundHint: SITE_HINT },
      );
      print(started, () => `${started.message}\nfollow it: lazarus query move ${site}`);
    });
  addMoveDecisions(move, context);
  addDrTestAndResync(program, query, context);
  addDrQueries(query, context);
}

const MOVE_HINT = (site: string) =>
  `\`lazarus query move ${site}\` shows whether a move of ${site} runs and where it waits`;

/** `move approve|reject|cancel|override-fence <site>`: the operator's decisions on the running move (signals). */
function addMoveDecisions(move: Command, context: CommandContext): void {
  for (const [action, description] of [
    ['approve', 'let an advisory move that waits with its plan go on'],
    ['reject', 'end an advisory move that waits with its plan; nothing is touched'],
    ['cancel', "stop the running move at its next safe point (or withdraw it from a shared site's queue)"],
  ] as const)
    move
      .command(action)
      .argument('<site>', 'the active DR site whose move runs')
      .description(description)
      .option('--by <name>', 'who decides, recorded in the report (default: LAZARUS_OPERATOR, else your login name)')
      .option('--reason <text>', 'why (recorded in the report)')
      .action(async (site: string, opts: { by?: string; reason?: string }, command: Command) => {
        const { client, print } = context(command);
        const answer = await client.post<{ workflowId?: string; message?: string; status?: string }>(
          `/v1/sites/${encodeURIComponent(site)}/move/${action}`,
          {
            body: decision({ ...opts, by: opts.by ?? operatorName(process.env) }),
            notFoundHint: SITE_HINT,
            conflictHint: `${MOVE_HINT(site)}; \`lazarus move site ${site} --to <backup>\` starts one`,
          },
        );
        print(answer, () => `${answer.message ?? anyText(answer)}\nfollow it: lazarus query move ${site}`);
      });
  move
    .command('override-fence')
    .argument('<site>', 'the active DR site whose unplanned move waits at its fence')
    .description('admin: state that the hosts no HMC could prove off are down, so the unplanned move may go on')
    .requiredOption('--reason <text>', "why the hosts are known to be down (required, audited with the token's name)")
    .option('--by <name>', "a note beside the token's name (default: LAZARUS_OPERATOR, else your login name)")
    .action(async (site: string, opts: { by?: string; reason: string }, command: Command) => {
      const { client, print } = context(command);
      const answer = await client.post<{ workflowId: string; message: string }>(
        `/v1/sites/${encodeURIComponent(site)}/move/override-fence`,
        {
          body: decision({ ...opts, by: opts.by ?? operatorName(process.env) }),
          notFoundHint: SITE_HINT,
          conflictHint: `override-fence answers an unplanned move in phase fence-blocked only; ${MOVE_HINT(site)}`,
        },
      );
      print(answer, () => `${answer.message}\nfollow it: lazarus query move ${site}`);
    });
}

/** `test site|cleanup <site>`, `query test <site>` (the DR test, production untouched) and `resync <site>`. */
function addDrTestAndResync(program: Command, query: Command, context: CommandContext): void {
  const test = program.command('test').description('rehearse a move: the VMs started on copies at the backup site');
  test
    .command('site')
    .argument('<site>', 'the active DR site')
    .description('start a DR test: FlashCopy copies at the backup site, the VMs started on them, production untouched')
    .option('--hold <seconds>', 'clean up by itself after this long (default: wait for `lazarus test cleanup`)')
    .action(async (site: string, opts: { hold?: string }, command: Command) => {
      const { client, print } = context(command);
      const body = opts.hold === undefined ? {} : { hold: seconds(opts.hold, '--hold', 7 * 86_400) };
      const started = await client.post<{ workflowId: string; message: string }>(
        `/v1/sites/${encodeURIComponent(site)}/test`,
        {
          body,
          notFoundHint: SITE_HINT,
          conflictHint: `\`lazarus query test ${site}\` shows it; \`lazarus test cleanup ${site}\` ends it`,
        },
      );
      print(
        started,
        () => `${started.message}\nfollow it: lazarus query test ${site}; end it: lazarus test cleanup ${site}`,
      );
    });
  test
    .command('cleanup')
    .argument('<site>', 'the active DR site')
    .description('end the running DR test: test VMs stopped, copies unmapped and removed')
    .option('--reason <text>', 'why (recorded in the test report)')
    .action(async (site: string, opts: { reason?: string }, command: Command) => {
      const { client, print } = context(command);
      const asked = await client.delete<{ workflowId: string; message: string }>(
        `/v1/sites/${encodeURIComponent(site)}/test`,
        {
          body: decision(opts),
          notFoundHint: SITE_HINT,
          conflictHint:
            `\`lazarus query test ${site}\` shows the last test's report; ` +
            `\`lazarus test site ${site}\` starts one`,
        },
      );
      print(asked, () => `${asked.message}\nfollow it: lazarus query test ${site}`);
    });
  query
    .command('test')
    .argument('<site>', 'the active DR site')
    .description('the latest DR test: running (and whether it waits for its cleanup), or its report')
    .action(async (site: string, _opts, command: Command) => {
      const { client, print } = context(command);
      const view = await client.get<RunView>(`/v1/sites/${encodeURIComponent(site)}/test`, {
        notFoundHint: `${SITE_HINT}; \`lazarus test site ${site}\` starts a DR test`,
      });
      print(view, () => runText(view));
    });
  program
    .command('resync')
    .argument('<site>', 'the active DR site, back up after an unplanned move')
    .description('resynchronize the old active site from its backup site (after an unplanned move)')
    .action(async (site: string, _opts, command: Command) => {
      const { client, print } = context(command);
      const started = await client.post<{ workflowId: string; message: string }>(
        `/v1/sites/${encodeURIComponent(site)}/resync`,
        { notFoundHint: SITE_HINT, conflictHint: `${MOVE_HINT(site)}; resync when it has ended` },
      );
      print(started, () => `${started.message}\nfollow it: lazarus query move ${site}`);
    });
}

/** `query dr <vm>` (a VM's latest DR state and its history) and `query queue <provider-site>` (DRaaS). */
function addDrQueries(query: Command, context: CommandContext): void {
  query
    .command('dr')
    .argument('<vm>', 'the VM (LPAR) name')
    .description("a VM's DR state at its latest verifications: READY_TO_MOVE or NOT_READY with why")
    .option('--limit <n>', 'how many verifications back (1-500)', '20')
    .action(async (vm: string, opts: { limit: string }, command: Command) => {
      const { client, print } = context(command);
      const view = await client.get<VmDrView>(
        `/v1/vms/${encodeURIComponent(vm)}/dr?limit=${encodeURIComponent(opts.limit)}`,
        { notFoundHint: 'VMs are listed by `lazarus query site <site>`; `lazarus verify <site>` verifies them now' },
      );
      print(view, () =>
        [
          fields([
            ['VM', view.vm],
            ['site', `${view.site} → ${view.backupSite}`],
            ['verified', `${age(view.ageSeconds)} (${view.verifiedAt})`],
            ['state', view.state],
            ['production host', view.productionHost],
            ['backup host', view.backupHost],
            ['why not', view.reasons.map((r) => `${r.code}: ${r.message}`)],
          ]),
          table(
            ['VERIFIED AT', 'STATE', 'CODES'],
            view.history.map((h) => [h.verifiedAt, h.state, h.codes]),
          ),
        ].join('\n'),
      );
    });
  query
    .command('queue')
    .argument('<provider-site>', 'the shared recovery site (DRaaS)')
    .description("the provider coordinator's queue of a shared recovery site: moves running, queued, done")
    .action(async (site: string, _opts, command: Command) => {
      const { client, print } = context(command);
      const queue = await client.get<ProviderQueue>(`/v1/provider/${encodeURIComponent(site)}/queue`, {
        notFoundHint:
          'a provider coordinator runs for a backup site that DR tenants share (dr.tenants of lazarus.yaml) from the ' +
          'first move asked of it; only a token without a tenant sees it',
      });
      print(queue, () =>
        [
          `shared recovery site ${queue.site}`,
          table(
            ['', 'TENANT', 'SITE', 'PRIORITY', 'SINCE', 'OUTCOME'],
            [
              ...queue.running.map((r) => ['running', r.tenant, r.site, undefined, r.startedAt, undefined]),
              ...queue.queued.map((q, i) => [`queued #${i + 1}`, q.tenant, q.site, q.contractPriority, q.requestedAt]),
              ...queue.done.map((d) => ['done', d.tenant, d.site, undefined, d.startedAt, d.outcome]),
            ],
          ),
        ].join('\n'),
      );
    });
}

/** The body of a decision (api/dr-routes.ts decisionBody): only the fields given. */
function decision(opts: { by?: string; reason?: string }): { by?: string; reason?: string } {
  return { ...(opts.by ? { by: opts.by } : {}), ...(opts.reason ? { reason: opts.reason } : {}) };
}

/** A DR test's or move's view (GET /v1/sites/:site/test|move): running with its progress, or ended with a report. */
interface RunView {
  workflowId: string;
  status: string;
  progress?: Record<string, unknown> & { test?: { awaitingCleanup?: boolean } };
  report?: Record<string, unknown>;
}

function runText(view: RunView): string {
  const waiting = view.progress?.test?.awaitingCleanup ? ' (test VMs up: waits for `lazarus test cleanup`)' : '';
  const rest = view.report ?? view.progress;
  return [
    fields([
      ['test', view.workflowId],
      ['status', `${view.status}${waiting}`],
    ]),
    ...(rest ? [anyText(rest)] : []),
  ].join('\n');
}

/** GET /v1/vms/:vm/dr. */
interface VmDrView {
  vm: string;
  site: string;
  backupSite: string;
  verifiedAt: string;
  ageSeconds: number;
  state: string;
  productionHost: string;
  backupHost?: string;
  reasons: Array<{ code: string; message: string }>;
  history: Array<{ verifiedAt: string; state: string; codes: string[] }>;
}

/** GET /v1/provider/:site/queue (workflows/dr/messages.ts DrProviderQueue). */
interface ProviderQueue {
  site: string;
  running: Array<{ tenant: string; site: string; startedAt: string }>;
  queued: Array<{ tenant: string; site: string; contractPriority: number; requestedAt: string }>;
  done: Array<{ tenant: string; site: string; outcome: string; startedAt: string }>;
}

interface MoveOptions {
  to: string;
  unplanned?: boolean;
  advisory?: boolean;
  shutdownTimeout?: string;
}

interface Verification {
  site: string;
  backupSite: string;
  verifiedAt: string;
  ageSeconds: number;
  ready: boolean;
  readyToMove: number;
  notReady: number;
  vms: Array<{
    vm: string;
    state: string;
    productionHost: string;
    backupHost?: string;
    reasons: Array<{ code: string; message: string }>;
  }>;
  groups: Array<{ name: string; state: string; primary: string; lagSeconds?: number }>;
}

interface History {
  verifications: Array<{
    id: number;
    verifiedAt: string;
    ready: boolean;
    readyToMove: number;
    notReady: Array<{ vm: string; codes: string[] }>;
  }>;
}

function verificationText(v: Verification): string {
  return [
    fields([
      ['site', `${v.site} → ${v.backupSite}`],
      ['verified', `${age(v.ageSeconds)} (${v.verifiedAt})`],
      ['ready', v.ready ? 'yes: every VM can move' : `no: ${v.notReady} VM(s) NOT_READY`],
      ['READY_TO_MOVE', v.readyToMove],
    ]),
    table(
      ['VM', 'STATE', 'PRODUCTION HOST', 'BACKUP HOST', 'WHY NOT'],
      v.vms.map((vm) => [vm.vm, vm.state, vm.productionHost, vm.backupHost, vm.reasons.map((r) => r.message)]),
    ),
    ...(v.groups.length > 0
      ? [
          table(
            ['CONSISTENCY GROUP', 'STATE', 'PRIMARY', 'LAG'],
            v.groups.map((g) => [g.name, g.state, g.primary, g.lagSeconds === undefined ? '-' : `${g.lagSeconds} s`]),
          ),
        ]
      : []),
  ].join('\n');
}

/** A whole number of seconds from `min` (default 0) to `max` (CliError 2 naming the flag and the range otherwise). */
function seconds(text: string, flag: string, max: number, min = 0): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value > max || value < min)
    throw new CliError(`${flag} must be a whole number of seconds from ${min} to ${max}, not ${text}`, EXIT.usage);
  return value;
}

// The CLI verbs of disaster recovery (api/dr-routes.ts), in KSYS's words: `discover <site>`, `verify <site>` (each VM
// READY_TO_MOVE or why not), `query site <site>` (the latest verification, or its history), `move site <site> --to
// <backup>` (planned, or --unplanned when the active site is gone), `move back <site>`, `query move <site>`.
import type { Command } from 'commander';
import type { CommandContext } from './commands.js';
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
    .action(async (site: string, opts: MoveOptions, command: Command) => {
      const { client, print } = context(command);
      const body = {
        to: opts.to,
        mode: opts.unplanned ? 'unplanned' : 'planned',
        ...(opts.shutdownTimeout ? { shutdownTimeout: seconds(opts.shutdownTimeout, '--shutdown-timeout', 3600) } : {}),
      };
      const started = await client.post<{ workflowId: string; message: string }>(
        `/v1/sites/${encodeURIComponent(site)}/move`,
        { body, notFoundHint: SITE_HINT },
      );
      print(started, () => `${started.message}\nfollow it: lazarus query move ${site}`);
    });
  move
    .command('back')
    .argument('<site>', 'the active DR site to move back to')
    .description('move every VM back from the backup site to the active site')
    .option('--shutdown-timeout <seconds>', 'how long an OS shutdown at the backup site may take')
    .action(async (site: string, opts: { shutdownTimeout?: string }, command: Command) => {
      const { client, print } = context(command);
      const body = opts.shutdownTimeout
        ? { shutdownTimeout: seconds(opts.shutdownTimeout, '--shutdown-timeout', 3600) }
        : {};
      const started = await client.post<{ workflowId: string; message: string }>(
        `/v1/sites/${encodeURIComponent(site)}/move-back`,
        { body, notFoundHint: SITE_HINT },
      );
      print(started, () => `${started.message}\nfollow it: lazarus query move ${site}`);
    });
}

interface MoveOptions {
  to: string;
  unplanned?: boolean;
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

/** A whole number of seconds from 0 to `max` (CliError 2 naming the flag otherwise). */
function seconds(text: string, flag: string, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value > max)
    throw new CliError(`${flag} must be a whole number of seconds from 0 to ${max}, not ${text}`, EXIT.usage);
  return value;
}

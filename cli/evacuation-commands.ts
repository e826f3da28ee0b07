// The CLI verbs of planned operations (api/evacuation-routes.ts), in VMRM's words: `evacuate <host>` (vacate by LPM),
// `restore <host>` (every LPAR home in one operation), `failback <host>` (clean up a host that returned after a
// failover), and `query evacuation|restore <host>`. Each is one call to its route.
import type { Command } from 'commander';
import type { CommandContext } from './commands.js';
import { fields, table } from './render.js';

const HOST_HINT = 'hosts are listed by `lazarus query host`';

interface Started {
  id: string;
  status: string;
}

interface Move {
  lpar: string;
  from: string;
  to?: string;
  step: string;
  priority?: string;
  error?: string;
  validation?: string;
}

interface OperationView {
  id: string;
  status: string;
  progress?: { phase: string; lpars: Move[] };
  report?: { outcome: string; lpars: Move[]; stoppedBy?: string };
}

export function addEvacuationCommands(program: Command, query: Command, context: CommandContext): void {
  program
    .command('evacuate')
    .argument('<host>', 'the host (managed system) to empty by Live Partition Mobility')
    .description('put a host in maintenance and move its running LPARs away by LPM (plan with --advisory)')
    .option('--destination <host...>', 'only these hosts of the group receive LPARs')
    .option('--allow-shutdown-restart', 'an LPAR that fails LPM validation is shut down and started elsewhere')
    .option('--advisory', 'print the plan only; nothing changes')
    .action(
      async (
        host: string,
        opts: { destination?: string[]; allowShutdownRestart?: boolean; advisory?: boolean },
        command: Command,
      ) => {
        const { client, print } = context(command);
        const body = {
          ...(opts.destination && { destinations: opts.destination }),
          allowShutdownRestart: opts.allowShutdownRestart === true,
          advisory: opts.advisory === true,
        };
        const path = `/v1/hosts/${encodeURIComponent(host)}/evacuate`;
        if (opts.advisory) {
          const plan = await client.post<{ lpars: Move[] }>(path, {
            body,
            notFoundHint: HOST_HINT,
            timeoutMs: 120_000,
          });
          print(plan, () => movesTable(plan.lpars));
          return;
        }
        const started = await client.post<Started>(path, { body, notFoundHint: HOST_HINT });
        print(started, () => `${started.id}: started; follow it with \`lazarus query evacuation ${host}\``);
      },
    );

  program
    .command('restore')
    .argument('<host>', 'the host its LPARs go back to')
    .description('move every LPAR an evacuation or a failover took away back to its host by LPM')
    .option('--keep-maintenance', 'leave the host in maintenance afterwards')
    .action(async (host: string, opts: { keepMaintenance?: boolean }, command: Command) => {
      const { client, print } = context(command);
      const started = await client.post<Started>(`/v1/hosts/${encodeURIComponent(host)}/restore`, {
        body: { endMaintenance: opts.keepMaintenance !== true },
        notFoundHint: HOST_HINT,
      });
      print(started, () => `${started.id}: started; follow it with \`lazarus query restore ${host}\``);
    });

  program
    .command('failback')
    .argument('<host>', 'a host that returned after a failover')
    .description("remove a returned host's stale partition definitions and volume mappings (refused while in doubt)")
    .action(async (host: string, _opts, command: Command) => {
      const { client, print } = context(command);
      const report = await client.post<{
        outcome: string;
        cleaned: Array<{ lpar: string; runsOn: string }>;
        kept: Array<{ lpar: string; reason: string }>;
      }>(`/v1/hosts/${encodeURIComponent(host)}/failback`, { notFoundHint: HOST_HINT, timeoutMs: 600_000 });
      print(report, () =>
        [
          `${host}: failback ${report.outcome}`,
          table(
            ['LPAR', 'RESULT'],
            [
              ...report.cleaned.map((c) => [c.lpar, `stale definition removed (runs on ${c.runsOn})`]),
              ...report.kept.map((k) => [k.lpar, `kept: ${k.reason}`]),
            ],
          ),
        ].join('\n'),
      );
    });

  for (const [verb, operation] of [
    ['evacuation', 'evacuate'],
    ['restore', 'restore'],
  ] as const) {
    query
      .command(verb)
      .argument('<host>', 'the host')
      .description(`the running ${verb}'s progress, or the last one's report`)
      .action(async (host: string, _opts, command: Command) => {
        const { client, print } = context(command);
        const view = await client.get<OperationView>(`/v1/hosts/${encodeURIComponent(host)}/${operation}`, {
          notFoundHint: HOST_HINT,
        });
        print(view, () =>
          [
            fields([
              ['id', view.id],
              ['status', view.status],
              ...(view.progress ? ([['phase', view.progress.phase]] as Array<[string, unknown]>) : []),
              ...(view.report ? ([['outcome', view.report.outcome]] as Array<[string, unknown]>) : []),
              ...(view.report?.stoppedBy ? ([['stopped by', view.report.stoppedBy]] as Array<[string, unknown]>) : []),
            ]),
            movesTable(view.report?.lpars ?? view.progress?.lpars ?? []),
          ].join('\n'),
        );
      });
  }
}

function movesTable(moves: Move[]): string {
  return table(
    ['LPAR', 'FROM', 'TO', 'PRIORITY', 'STEP', 'WHY'],
    moves.map((m) => [m.lpar, m.from, m.to ?? '-', m.priority ?? '-', m.step, m.validation ?? m.error ?? '']),
  );
}

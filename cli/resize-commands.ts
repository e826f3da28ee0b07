// The CLI verbs of reduced-size restarts (api/resize-routes.ts): `query reduced` (LPARs running at reduced size, with
// their full size) and `full-size <lpar>` (give one its full size back where it runs, once its host has room).
import type { Command } from 'commander';
import type { CommandContext } from './commands.js';
import { table } from './render.js';

interface Size {
  procUnits: number;
  memoryMb: number;
}

interface ReducedLpar {
  group: string;
  lpar: string;
  full: Size;
  reduced: Size;
  host: string;
  reducedBy: string;
}

const size = (s: Size) => `${s.procUnits} PU, ${s.memoryMb} MB`;

export function addResizeCommands(program: Command, query: Command, context: CommandContext): void {
  query
    .command('reduced')
    .description('LPARs a failover restarted at reduced size, with their full size')
    .action(async (_opts, command: Command) => {
      const { client, print } = context(command);
      const result = await client.get<{ lpars: ReducedLpar[] }>('/v1/reduced-lpars');
      print(result, () =>
        result.lpars.length === 0
          ? 'no LPAR runs at reduced size'
          : table(
              ['LPAR', 'GROUP', 'HOST', 'REDUCED', 'FULL', 'BY'],
              result.lpars.map((l) => [l.lpar, l.group, l.host, size(l.reduced), size(l.full), l.reducedBy]),
            ),
      );
    });

  program
    .command('full-size')
    .argument('<lpar>', 'an LPAR running at reduced size (see `lazarus query reduced`)')
    .description('give an LPAR its full size back where it runs (DLPAR, then its profile); refused without room')
    .action(async (lpar: string, _opts, command: Command) => {
      const { client, print } = context(command);
      const result = await client.post<{ lpar: string; changed: boolean; detail: string }>(
        `/v1/lpars/${encodeURIComponent(lpar)}/full-size`,
        { notFoundHint: 'LPARs running reduced are listed by `lazarus query reduced`', timeoutMs: 600_000 },
      );
      print(result, () => result.detail);
    });
}

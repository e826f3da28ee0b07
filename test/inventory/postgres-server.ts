// A PostgreSQL server for the store's contract tests: LAZARUS_TEST_DATABASE_URL when set; otherwise a throwaway
// cluster from Debian's server binaries in a temp dir on a free loopback port (as the postgres user when we are
// root, since initdb refuses root), stopped and removed afterwards; otherwise a reason to skip (or fail under CI).
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export interface PostgresServer {
  /** A URL for a new, empty database on the server. */
  createDatabase(): Promise<string>;
  stop(): Promise<void>;
}

export type PostgresAvailability = { server: PostgresServer } | { unavailable: string };

export async function startPostgres(env = process.env): Promise<PostgresAvailability> {
  if (env.LAZARUS_TEST_DATABASE_URL) return { server: serverAt(env.LAZARUS_TEST_DATABASE_URL, async () => undefined) };
  const bin = findServerBinaries();
  if (!bin)
    return {
      unavailable:
        'no LAZARUS_TEST_DATABASE_URL and no PostgreSQL server binaries (/usr/lib/postgresql/*/bin/initdb, pg_ctl)',
    };
  if (process.getuid?.() === 0 && !postgresUserExists())
    return { unavailable: 'running as root and there is no postgres user to run initdb as' };
  return { server: await startThrowawayCluster(bin) };
}

function findServerBinaries(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  return versions
    .map((v) => join(root, v, 'bin'))
    .find((bin) => existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'pg_ctl')));
}

async function startThrowawayCluster(bin: string): Promise<PostgresServer> {
  const dir = mkdtempSync(join(tmpdir(), 'lazarus-pg-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) chownSync(dir, postgresUid(), postgresGid());
  const data = join(dir, 'data');
  const port = await freePort();
  const run = (tool: string, args: string[]) => {
    const command = asRoot ? ['runuser', '-u', 'postgres', '--', join(bin, tool), ...args] : [join(bin, tool), ...args];
    const result = spawnSync(command[0]!, command.slice(1), { encoding: 'utf8', timeout: 60_000 });
    if (result.status !== 0) throw new Error(`${tool} failed (${result.status}): ${result.stderr || result.stdout}`);
  };
  try {
    run('initdb', ['-D', data, '-U', 'lazarus', '--auth=trust', '-E', 'UTF8', '--no-sync']);
    run('pg_ctl', [
      '-D',
      data,
      '-l',
      join(dir, 'server.log'),
      '-w',
      '-o',
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
      'start',
    ]);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return serverAt(`postgres://lazarus@127.0.0.1:${port}/postgres`, async () => {
    run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
    rmSync(dir, { recursive: true, force: true });
  });
}

function serverAt(adminUrl: string, stop: () => Promise<void>): PostgresServer {
  let count = 0;
  const created: string[] = [];
  const withAdmin = async (work: (client: pg.Client) => Promise<unknown>) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await work(client);
    } finally {
      await client.end();
    }
  };
  return {
    async createDatabase() {
      const name = `lazarus_test_${process.pid}_${++count}`;
      await withAdmin(async (c) => {
        await c.query(`DROP DATABASE IF EXISTS ${name}`);
        await c.query(`CREATE DATABASE ${name}`);
      });
      created.push(name);
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      return url.toString();
    },
    async stop() {
      await withAdmin(async (c) => {
        for (const name of created) await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      }).catch(() => undefined);
      await stop();
    },
  };
}

function postgresUserExists(): boolean {
  return spawnSync('id', ['-u', 'postgres']).status === 0;
}

function postgresUid(): number {
  return Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
}

function postgresGid(): number {
  return Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

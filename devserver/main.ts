// Entry point of `bin/temporal-dev server start-dev ...` and `npm run devserver`.
import { parseDevserverArgs, USAGE, UsageError } from './cli.js';
import { createLog } from './log.js';
import { BindError } from './grpc-server.js';
import { startDevserver } from './server.js';
import { DatabaseInUseError } from './store/sqlite-store.js';
import { SERVER_VERSION } from './workflow-service.js';

async function main(argv: string[]): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE);
    return;
  }
  if (argv.includes('--version') || argv.includes('-v')) {
    // The Temporal CLI's shape ("temporal version X (Server Y, UI Z)"), naming what this is.
    process.stdout.write(`temporal-dev version ${SERVER_VERSION}-lazarus (Server ${SERVER_VERSION}, no UI)\n`);
    return;
  }
  let args;
  try {
    args = parseDevserverArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`temporal-dev: ${err.message}\n\n${USAGE}`);
    process.exit(2);
  }
  const log = createLog(args.logLevel, args.logFormat);
  for (const key of args.ignoredDynamicConfig) log.info('dynamic config value accepted and ignored', { key });
  // A bug in one request's path must not take every workflow down with it: log it loudly and keep serving.
  process.on('uncaughtException', (err) =>
    log.error('uncaught exception (the server keeps running)', { err: String(err?.stack ?? err) }),
  );
  process.on('unhandledRejection', (err) =>
    log.error('unhandled rejection (the server keeps running)', { err: String((err as Error)?.stack ?? err) }),
  );
  const server = await startDevserver(args, log);
  const shutdown = (signal: string) => {
    log.info(`received ${signal}; shutting down`);
    const force = setTimeout(() => process.exit(0), 3000);
    force.unref();
    server.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  // Announced only once the signal handlers are in place: a caller that stops the server as soon as it reads this line
  // gets a clean shutdown, not a kill by the default SIGTERM action.
  const storage = args.dbFilename ? `database ${args.dbFilename}` : 'in memory';
  process.stdout.write(
    `Lazarus devserver (Temporal API) serving on ${server.address}, namespaces ${[...new Set(['default', ...args.namespaces])].join(', ')}, ${storage}\n`,
  );
  // Started by a Lazarus process (workers/temporal-service.ts): it holds our stdin open for as long as it lives.
  if (process.env.LAZARUS_DEVSERVER_LIFELINE === 'stdin') {
    process.stdin.once('close', () => shutdown('end of stdin (the process that started this server is gone)'));
    process.stdin.resume();
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(
    `temporal-dev: ${err instanceof DatabaseInUseError || err instanceof BindError ? err.message : ((err as Error)?.stack ?? String(err))}\n`,
  );
  process.exit(1);
});

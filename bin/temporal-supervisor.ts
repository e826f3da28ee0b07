// `npm start` supervises the Temporal development server it starts (the bundled devserver or `temporal server
// start-dev`): when that process dies, it is started again on the same port and database file, so the workflows
// carry on from their persisted histories and the workers, the API's client and the host monitors reconnect by
// themselves (the SDK retries its polls; see test/monitoring/monitor-crash.test.ts). The restarts are bounded: more
// than `maxRestarts` within `windowMs` and the supervisor gives up, and `npm start` stops with the reason. An external
// Temporal Service (TEMPORAL_ADDRESS) is not ours to restart: it is only reported.
import { setTimeout as sleep } from 'node:timers/promises';
import { type RunningTemporalService, startTemporalService } from '../workers/temporal-service.js';

/** What the supervisor knows of the Temporal service now; `detail` is a sentence for health checks and logs. */
export type TemporalStatus =
  { state: 'up' | 'external'; detail: string } | { state: 'restarting' | 'failed'; detail: string };

export interface SupervisorOptions {
  /** The devserver's database file (its state survives a restart). */
  dbFile: string;
  /** The port it serves on, kept across restarts so every client's address stays valid. */
  port: number;
  /** Restarts allowed within `windowMs` before giving up; default 5 (LAZARUS_TEMPORAL_MAX_RESTARTS). */
  maxRestarts?: number;
  /** The window the restarts are counted over, in milliseconds; default 10 minutes. */
  windowMs?: number;
  /** How long one restart may take to answer, in milliseconds; default 30 s. */
  readyTimeoutMs?: number;
  log: (line: string) => void;
  /** Starts the service; tests and the defaults use startTemporalService. */
  start?: typeof startTemporalService;
}

export interface SupervisedTemporal {
  address: string;
  namespace: string;
  description: string;
  /** The server's process id, when a process of ours serves it (it changes at each restart). */
  pid(): number | undefined;
  status(): TemporalStatus;
  /** Resolves with the reason once the supervisor has given up (the restart limit was reached); never otherwise. */
  readonly gaveUp: Promise<string>;
  /** Stops the server (no restart follows). */
  stop(): Promise<void>;
}

/**
 * Starts the Temporal service chosen by workers/temporal-service.ts and, when it is a process of ours, restarts it
 * whenever it exits on its own. Rejects when the first start fails (nothing to supervise yet).
 */
export async function superviseTemporal(options: SupervisorOptions): Promise<SupervisedTemporal> {
  const start = options.start ?? startTemporalService;
  const maxRestarts = options.maxRestarts ?? 5;
  const windowMs = options.windowMs ?? 10 * 60_000;
  const startOptions = {
    dbFile: options.dbFile,
    port: options.port,
    ownProcessGroup: true,
    readyTimeoutMs: options.readyTimeoutMs ?? 30_000,
  };
  let service: RunningTemporalService = await start(startOptions);
  let status: TemporalStatus =
    service.kind === 'external'
      ? { state: 'external', detail: service.description }
      : { state: 'up', detail: `${service.kind} serving at ${service.address}` };
  let stopping = false;
  const restarts: number[] = [];
  let giveUp: (reason: string) => void = () => undefined;
  const gaveUp = new Promise<string>((resolve) => (giveUp = resolve));

  const watch = (running: RunningTemporalService) => {
    running.process?.once('exit', (code, signal) => {
      if (stopping) return;
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      void recover(`the Temporal ${running.kind} (pid ${running.process?.pid}) ${how}`);
    });
  };

  const recover = async (cause: string) => {
    let reason = cause;
    for (;;) {
      const now = Date.now();
      while (restarts.length > 0 && restarts[0]! <= now - windowMs) restarts.shift();
      if (restarts.length >= maxRestarts) {
        const detail =
          `${reason}; not restarted again: ${restarts.length} restarts within ${Math.round(windowMs / 1000)} s ` +
          `already (at most ${maxRestarts}, LAZARUS_TEMPORAL_MAX_RESTARTS)`;
        status = { state: 'failed', detail };
        options.log(`Temporal: ${detail}`);
        giveUp(detail);
        return;
      }
      restarts.push(now);
      status = {
        state: 'restarting',
        detail: `${reason}; restarting it on ${options.dbFile} (restart ${restarts.length} of at most ${maxRestarts})`,
      };
      options.log(`Temporal: ${status.detail}`);
      // A crash loop must not spin: wait a little longer before each further attempt.
      await sleep(Math.min(1_000 * restarts.length, 5_000));
      if (stopping) return;
      try {
        service = await start(startOptions);
      } catch (err) {
        reason = `the restart failed (${(err as Error).message})`;
        continue;
      }
      if (stopping) {
        await service.stop();
        return;
      }
      status = { state: 'up', detail: `${service.kind} serving at ${service.address} again` };
      options.log(`Temporal: restarted, serving at ${service.address} again (pid ${service.process?.pid})`);
      watch(service);
      return;
    }
  };

  watch(service);
  return {
    address: service.address,
    namespace: service.namespace,
    description: service.description,
    pid: () => service.process?.pid,
    status: () => status,
    gaveUp,
    async stop() {
      stopping = true;
      await service.stop();
    },
  };
}

/** LAZARUS_TEMPORAL_MAX_RESTARTS: a whole number >= 0, or the default when unset. */
export function maxRestartsFrom(env: NodeJS.ProcessEnv): number | undefined {
  const value = env.LAZARUS_TEMPORAL_MAX_RESTARTS?.trim();
  if (!value) return undefined;
  if (!/^\d+$/.test(value))
    throw new Error(`LAZARUS_TEMPORAL_MAX_RESTARTS: "${value}" is not a whole number of restarts (0 or more)`);
  return Number(value);
}

// Test helpers that drive a Temporal Service only through the official SDK: start the bundled devserver (or the
// service chosen by workers/temporal-service.ts), connect a Client and a NativeConnection, build the fixture
// workflow bundle once per test file, and run Workers on unique task queues.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import proto from '@temporalio/proto';
import {
  DefaultLogger,
  NativeConnection,
  Runtime,
  Worker,
  bundleWorkflowCode,
  type WorkerOptions,
  type WorkflowBundle,
} from '@temporalio/worker';
import * as fixtureActivities from '../devserver/conformance/fixtures/activities.js';
import {
  chooseTemporalService,
  startTemporalService,
  type RunningTemporalService,
  type StartOptions,
} from '../../workers/temporal-service.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CONFORMANCE_FIXTURES = join(REPO_ROOT, 'test', 'devserver', 'conformance', 'fixtures');

let runtimeInstalled = false;
/** The SDK's own logging at WARN only, so test output stays readable. Must run before the first Worker. */
export function installQuietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({ logger: new DefaultLogger('WARN') });
}

let fixtureBundle: Promise<WorkflowBundle> | undefined;
/** The conformance fixture workflows, bundled once per process (i.e. once per test file): bundling takes seconds. */
export function fixtureWorkflowBundle(): Promise<WorkflowBundle> {
  fixtureBundle ??= bundleWorkflowCode({
    workflowsPath: join(CONFORMANCE_FIXTURES, 'workflows.ts'),
    logger: new DefaultLogger('WARN'),
  });
  return fixtureBundle;
}

export function uniqueTaskQueue(purpose: string): string {
  return `${purpose}-${randomUUID().slice(0, 8)}`;
}

export function uniqueWorkflowId(purpose: string): string {
  return `${purpose}-${randomUUID()}`;
}

export interface BackgroundWorker {
  worker: Worker;
  taskQueue: string;
  stop(): Promise<void>;
}

/** A started server plus the two kinds of SDK connection the tests need. */
export class ConformanceServer {
  private constructor(
    readonly service: RunningTemporalService,
    readonly connection: Connection,
    readonly client: Client,
    readonly nativeConnection: NativeConnection,
  ) {}

  static async start(options: StartOptions = {}): Promise<ConformanceServer> {
    installQuietRuntime();
    assertServiceAvailable(options);
    const service = await startTemporalService(options);
    try {
      const { connection, client, nativeConnection } = await connectAll(service.address, service.namespace);
      return new ConformanceServer(service, connection, client, nativeConnection);
    } catch (err) {
      await service.stop();
      throw err;
    }
  }

  get address(): string {
    return this.service.address;
  }

  get namespace(): string {
    return this.service.namespace;
  }

  /** A Worker on `taskQueue` with the fixture workflows and activities (unless `options` says otherwise); the caller runs it. */
  async createWorker(taskQueue: string, options: Partial<WorkerOptions> = {}): Promise<Worker> {
    return Worker.create({
      connection: this.nativeConnection,
      namespace: this.namespace,
      taskQueue,
      workflowBundle: await fixtureWorkflowBundle(),
      activities: fixtureActivities,
      shutdownGraceTime: '1s',
      ...options,
    });
  }

  /** Runs a Worker on `taskQueue` while `body` runs; the worker is shut down afterwards (or `body`'s error wins). */
  async withWorker<T>(taskQueue: string, options: Partial<WorkerOptions>, body: () => Promise<T>): Promise<T> {
    const worker = await this.createWorker(taskQueue, options);
    return worker.runUntil(body());
  }

  /**
   * Starts a Worker that runs in the background until `stop()` (for a whole test file's `before`/`after`).
   * `stop()` rethrows the error the worker failed with, if any.
   */
  async startBackgroundWorker(taskQueue: string, options: Partial<WorkerOptions> = {}): Promise<BackgroundWorker> {
    const worker = await this.createWorker(taskQueue, options);
    const running = worker.run();
    running.catch(() => {}); // surfaced by stop()
    return {
      worker,
      taskQueue,
      async stop() {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running;
      },
    };
  }

  async stop(): Promise<void> {
    await this.nativeConnection.close().catch(() => {});
    await this.connection.close().catch(() => {});
    await this.service.stop();
  }
}

/** A missing devserver executable makes spawn emit an unhandled 'error'; fail with a sentence instead. */
export function assertServiceAvailable(options: StartOptions = {}): void {
  const choice = chooseTemporalService(options.env ?? process.env);
  if (choice.kind !== 'external' && !existsSync(choice.executable)) {
    throw new Error(`no Temporal service to test: ${choice.executable} does not exist (${choice.description})`);
  }
}

export async function connectAll(
  address: string,
  namespace: string,
): Promise<{ connection: Connection; client: Client; nativeConnection: NativeConnection }> {
  const connection = await Connection.connect({ address });
  try {
    const nativeConnection = await NativeConnection.connect({ address });
    return { connection, client: new Client({ connection, namespace }), nativeConnection };
  } catch (err) {
    await connection.close();
    throw err;
  }
}

/** A temporary directory removed by the returned cleanup function. */
export function temporaryDirectory(prefix: string): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), `lazarus-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent;

/** The event type names of a history, e.g. `WorkflowExecutionStarted`, in order. */
export function eventTypeNames(events: readonly HistoryEvent[]): string[] {
  return events.map((event) => eventTypeName(event));
}

export function eventTypeName(event: HistoryEvent): string {
  const type = event.eventType;
  const name = typeof type === 'number' ? EVENT_TYPE_NAMES[type] : String(type);
  return (name ?? `UNKNOWN_${String(type)}`)
    .replace(/^EVENT_TYPE_/, '')
    .toLowerCase()
    .replace(/(^|_)([a-z])/g, (_m, _sep: string, letter: string) => letter.toUpperCase());
}

export async function historyEventTypes(handle: WorkflowHandle): Promise<string[]> {
  const history = await handle.fetchHistory();
  return eventTypeNames(history.events ?? []);
}

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs` naming `what`. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 15_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  const detail = lastError instanceof Error ? `; last error: ${lastError.message}` : '';
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
}

/** Waits until the workflow's history holds an event of `type` (e.g. `ActivityTaskScheduled`). */
export async function waitForEvent(handle: WorkflowHandle, type: string, timeoutMs = 15_000): Promise<HistoryEvent> {
  return eventually(
    `${type} in the history of ${handle.workflowId}`,
    async () => {
      const history = await handle.fetchHistory();
      return (history.events ?? []).find((event) => eventTypeName(event) === type);
    },
    timeoutMs,
  );
}

const EVENT_TYPE_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(proto.temporal.api.enums.v1.EventType).flatMap(([name, value]) =>
    typeof value === 'number' ? [[value, name]] : [],
  ),
);

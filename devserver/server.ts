// Assembles a running devserver: store, engine (restored from the store), schedules and the gRPC endpoint.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DevserverArgs } from './cli.js';
import { Engine, type EngineLog } from './engine/engine.js';
import { WorkflowExecutionStatus } from './engine/enums.js';
import { requestCancelRun, startWorkflow, terminateRun } from './engine/executions.js';
import { restoreRuns } from './engine/restore.js';
import { OPERATOR_SERVICE, startGrpcServer, WORKFLOW_SERVICE } from './grpc-server.js';
import { operatorServiceHandlers } from './operator-service.js';
import { createScheduleService } from './schedules/index.js';
import type { ScheduleService } from './schedules/types.js';
import { SqliteStore } from './store/sqlite-store.js';
import { MemoryStore, type DevserverStore } from './store/store.js';
import { workflowServiceHandlers } from './workflow-service.js';

export interface RunningDevserver {
  address: string;
  port: number;
  engine: Engine;
  stop(): Promise<void>;
}

export async function startDevserver(args: DevserverArgs, log: EngineLog): Promise<RunningDevserver> {
  let store: DevserverStore;
  if (args.dbFilename) {
    mkdirSync(dirname(args.dbFilename), { recursive: true });
    store = new SqliteStore(args.dbFilename);
  } else {
    store = new MemoryStore();
  }
  const engine = new Engine({
    store,
    log,
    namespaces: args.namespaces,
    searchAttributes: args.searchAttributes,
    dynamicConfig: args.dynamic,
  });
  const openRuns = restoreRuns(engine);
  if (engine.runs.size > 0)
    log.info('restored executions from the database', { runs: engine.runs.size, open: openRuns });
  const schedules = createSchedules(engine, store, log);
  engine.onRunClosed = (run) =>
    schedules.workflowClosed(run.state.namespace, run.state.workflowId, run.state.runId, {
      status: run.state.status,
      failureMessage: run.events.at(-1)?.workflowExecutionFailedEventAttributes?.failure?.message ?? undefined,
      continued: run.state.status === WorkflowExecutionStatus.CONTINUED_AS_NEW || Boolean(run.state.nextRunId),
    });
  const { server, port } = await startGrpcServer({
    host: args.ip,
    port: args.port,
    services: {
      [WORKFLOW_SERVICE]: workflowServiceHandlers(engine, () => schedules),
      [OPERATOR_SERVICE]: operatorServiceHandlers(engine),
    },
    log,
  });
  schedules.start();
  let stopped = false;
  return {
    address: `${args.ip}:${port}`,
    port,
    engine,
    async stop() {
      if (stopped) return;
      stopped = true;
      schedules.stop();
      engine.stop();
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      store.close();
    },
  };
}

function createSchedules(engine: Engine, store: DevserverStore, log: EngineLog): ScheduleService {
  return createScheduleService({
    store: store.schedules,
    log,
    searchAttributeType: (name) => engine.searchAttributeTypes.get(name),
    startWorkflow: async (namespace, request) => {
      const outcome = startWorkflow(engine, { ...request, namespace });
      return { runId: outcome.runId };
    },
    isRunning: (namespace, workflowId, runId) =>
      engine.findRun(namespace, workflowId, runId)?.state.status === WorkflowExecutionStatus.RUNNING,
    terminateWorkflow: async (namespace, workflowId, runId, reason) => {
      const run = engine.findRun(namespace, workflowId, runId);
      if (run?.open) engine.transaction(() => terminateRun(engine, run, reason, 'lazarus-devserver-schedules'));
    },
    cancelWorkflow: async (namespace, workflowId, runId, reason) => {
      const run = engine.findRun(namespace, workflowId, runId);
      if (run?.open) engine.transaction(() => requestCancelRun(engine, run, reason, 'lazarus-devserver-schedules'));
    },
  });
}

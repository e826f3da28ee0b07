// What the monitoring tests share: a stack with the host monitors on (short interval), and reads of the monitor's
// view, its detections, notifications and failover runs through the HTTP API; for the fast layer, a worker that runs
// the monitor workflow over stub activities, its enabled settings and the "every host up" observation.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Worker } from '@temporalio/worker';
import { parseConfigText } from '../../domain/config/index.js';
import { failoverPolicy } from '../../domain/failover/index.js';
import type {
  GroupObservation,
  HostDetection,
  HostQuarantine,
  MonitorSettings,
  MonitorView,
} from '../../domain/monitoring/index.js';
import { eventually, type ConformanceServer } from '../support/temporal.js';
import { startSimulatedLazarus, type SimulatedLazarus } from '../support/simulated-lazarus.js';

export const GROUP = 'dc1-prod';

/** The monitoring block the tests put in dc1-prod (examples/lazarus.yaml has none: defaults). */
export function withMonitoring(settings: {
  action: 'auto' | 'advisory' | 'off';
  confirmations?: number;
  flapLimit?: number;
}): (yaml: string) => string {
  return (yaml) => {
    const hosts = '    hosts: [dc1-s01, dc1-s02, dc1-s03, dc1-s04]\n';
    assert.ok(yaml.includes(hosts), 'examples/lazarus.yaml lists the hosts of dc1-prod as expected');
    const block =
      '    monitoring:\n' +
      `      action: ${settings.action}\n` +
      '      interval: 1s\n' +
      `      confirmations: ${settings.confirmations ?? 2}\n` +
      `      flapLimit: ${settings.flapLimit ?? 3}\n` +
      '      flapWindow: 10m\n';
    return yaml
      .replace(hosts, hosts + block)
      .replace(/pollInterval: \S+/, 'pollInterval: 50')
      .replace(/fenceDeadline: \S+/, 'fenceDeadline: 3s');
  };
}

export async function startMonitoredLazarus(
  name: string,
  settings: Parameters<typeof withMonitoring>[0],
  options: { iterationsPerRun?: number } = {},
): Promise<SimulatedLazarus> {
  return startSimulatedLazarus({ name, editConfig: withMonitoring(settings), monitors: options });
}

/**
 * Reads of the monitor through the API. Detections, failover runs and notifications are those since `since()` was
 * last called (each test calls it first), so earlier tests' records do not count.
 */
export class MonitorProbe {
  private from = new Date(0).toISOString();

  constructor(private readonly lazarus: SimulatedLazarus) {}

  /** From now on, only what happens after this moment counts. */
  since(): void {
    this.from = new Date().toISOString();
  }

  async view(): Promise<MonitorView | undefined> {
    const answer = await this.lazarus.api<MonitorView>('GET', `/v1/groups/${GROUP}/monitor`);
    return answer.status === 200 ? answer.body : undefined;
  }

  async host(host: string) {
    return (await this.view())?.hosts.find((h) => h.host === host);
  }

  async detections(host?: string): Promise<HostDetection[]> {
    const answer = await this.lazarus.api<{ detections: HostDetection[] }>('GET', `/v1/groups/${GROUP}/detections`);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    return answer.body.detections.filter((d) => (!host || d.host === host) && d.confirmedAt >= this.from);
  }

  /** Waits (generously) for the monitor's view to satisfy `test`. */
  async until(what: string, test: (view: MonitorView) => boolean, timeoutMs = 90_000): Promise<MonitorView> {
    return eventually(
      what,
      async () => {
        const view = await this.view();
        return view && test(view) ? view : undefined;
      },
      timeoutMs,
      100,
    );
  }

  /** Waits until the monitor has made `count` more observations than now (the world has been looked at again). */
  async observations(count: number): Promise<MonitorView> {
    const start = (await this.until('the monitor answering', () => true)).observations;
    return this.until(`${count} more observations`, (v) => v.observations >= start + count);
  }

  async detection(host: string, timeoutMs = 90_000): Promise<HostDetection> {
    return eventually(`a detection of ${host}`, async () => (await this.detections(host))[0], timeoutMs, 100);
  }

  /** Runs of failover/<group>/<host> (GET /v1/failovers?host=). */
  async failoverRuns(host: string, all = false): Promise<Array<{ id: string; status: string; startedAt?: string }>> {
    const answer = await this.lazarus.api<{ failovers: Array<{ id: string; status: string; startedAt?: string }> }>(
      'GET',
      `/v1/failovers?group=${GROUP}&host=${host}`,
    );
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    return answer.body.failovers.filter((f) => all || (f.startedAt ?? '') >= this.from);
  }

  async notifications(kind: string, text: string) {
    return (await this.lazarus.store.recentNotifications(200)).filter(
      (n) => n.kind === kind && n.message.includes(text) && n.raisedAt >= this.from,
    );
  }

  /** The failover's progress or report (GET /v1/failovers/:id). */
  async failover(host: string): Promise<{ status: number; body: Record<string, unknown> }> {
    return this.lazarus.api('GET', `/v1/failovers/${encodeURIComponent(`failover/${GROUP}/${host}`)}`);
  }
}

const EXAMPLE = new URL('../../examples/lazarus.yaml', import.meta.url).pathname;

export type EnabledSettings = Extract<MonitorSettings, { status: 'enabled' }>;

/**
 * Enabled monitor settings for a stub group: hosts dc1-s01 and dc1-s02 through one HMC, auto, 1 s interval, two
 * confirmations, flap guard 3 changes in 10 min, dc1-prod's failover policy from examples/lazarus.yaml; `overrides`
 * replace any of these.
 */
export function enabledSettings(group: string, overrides: Partial<EnabledSettings> = {}): EnabledSettings {
  const config = parseConfigText(readFileSync(EXAMPLE, 'utf8'), EXAMPLE);
  return {
    status: 'enabled',
    group,
    hosts: ['dc1-s01', 'dc1-s02'],
    hmcs: ['hmc-a'],
    storage: 'svc',
    action: 'auto',
    intervalMs: 1_000,
    confirmations: 2,
    flapLimit: 3,
    flapWindowMs: 600_000,
    policy: failoverPolicy(config, 'dc1-prod')!,
    ...overrides,
  };
}

/** What every host of `settings` says when all is well: each HMC `Operating`, all four ports logged in. */
export function everyHostUp(settings: Pick<EnabledSettings, 'group' | 'hosts' | 'hmcs'>): GroupObservation {
  const observedAt = new Date().toISOString();
  return {
    group: settings.group,
    observedAt,
    hosts: settings.hosts.map((host) => ({
      host,
      observedAt,
      hmcs: settings.hmcs.map((hmc) => ({ hmc, reachable: true, state: 'Operating' })),
      storagePorts: { storage: 'svc', reachable: true, loggedIn: 4, total: 4 },
    })),
  };
}

/** A notification as the monitor raises it (the `notify` activity's input). */
export interface RaisedNotification {
  severity: 'info' | 'warning' | 'critical';
  kind: string;
  message: string;
  workflowId: string;
  subject?: string;
  key?: string;
}

/** The monitor's activities, as a stub worker provides them. */
export interface MonitorStubActivities {
  monitorSettings(input: { group: string }): Promise<MonitorSettings>;
  observeHostGroup(input: { group: string }): Promise<GroupObservation>;
  hostsInMaintenance(input: { hosts: string[] }): Promise<string[]>;
  recordHostDetection(detection: HostDetection): Promise<void>;
  recordHostQuarantine(quarantine: HostQuarantine): Promise<void>;
  endHostQuarantine(input: { host: string }): Promise<void>;
  notify(input: RaisedNotification): Promise<void>;
  /** The automatic failback the monitor starts when a host it saw down is up again (workflows/evacuation). */
  failbackDue(input: { group: string; host: string }): Promise<{ due: false; reason: string }>;
}

/**
 * A worker on `taskQueue` that runs the workflows over stub monitor activities: `activities` as given, and for the
 * rest no host in maintenance, records and notifications that are dropped, and no automatic failback due.
 */
export function stubMonitorWorker(
  server: ConformanceServer,
  taskQueue: string,
  activities: Partial<MonitorStubActivities>,
): Promise<Worker> {
  const defaults: Omit<MonitorStubActivities, 'monitorSettings' | 'observeHostGroup'> = {
    hostsInMaintenance: async () => [],
    recordHostDetection: async () => undefined,
    recordHostQuarantine: async () => undefined,
    endHostQuarantine: async () => undefined,
    notify: async () => undefined,
    failbackDue: async () => ({ due: false, reason: 'the stub group fails back on request' }),
  };
  return Worker.create({
    connection: server.nativeConnection,
    namespace: server.namespace,
    taskQueue,
    workflowsPath: new URL('../../workflows/index.ts', import.meta.url).pathname,
    activities: { ...defaults, ...activities },
  });
}

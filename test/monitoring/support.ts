// What the monitoring tests share: a stack with the host monitors on (short interval), and reads of the monitor's
// view, its detections, notifications and failover runs through the HTTP API.
import assert from 'node:assert/strict';
import type { HostDetection, MonitorView } from '../../domain/monitoring/index.js';
import { eventually } from '../support/temporal.js';
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

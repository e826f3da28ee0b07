// The monitor workflow with stub activities (the fast layer beside the simulator tests): settings are read again at
// each continue-as-new, so a group whose monitoring is disabled (or that is removed) stops its monitor; an
// observation that fails is no evidence and does not stop the monitor; a flapping host's quarantine is recorded
// while it lasts and cleared when it ends; every notification names its subject and a stable key.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openSqliteStore } from '../../activities/inventory/index.js';
import type { GroupObservation, HostQuarantine, MonitorSettings } from '../../domain/monitoring/index.js';
import { hostMonitor, type MonitorEnd } from '../../workflows/monitoring/index.js';
import { monitorViewQuery, reloadSettingsSignal } from '../../workflows/monitoring/messages.js';
import { ConformanceServer, eventually, uniqueTaskQueue, uniqueWorkflowId } from '../support/temporal.js';
import { enabledSettings, everyHostUp, stubMonitorWorker, type RaisedNotification } from './support.js';

describe('host monitor workflow (stub activities)', () => {
  let server: ConformanceServer;
  before(async () => {
    server = await ConformanceServer.start();
  });
  after(() => server?.stop());

  it(
    'stops at the next continue-as-new once its group is disabled, and survives failing observations',
    { timeout: 120_000 },
    async () => {
      const enabled = enabledSettings('g1');
      let settings: MonitorSettings = enabled;
      let settingsReads = 0;
      let observations = 0;
      const notifications: string[] = [];
      const taskQueue = uniqueTaskQueue('monitor-stub');
      const worker = await stubMonitorWorker(server, taskQueue, {
        monitorSettings: async () => {
          settingsReads++;
          return settings;
        },
        observeHostGroup: async () => {
          observations++;
          // Every third observation fails as a whole (a lost worker, a bug): no evidence, no stop.
          if (observations % 3 === 0) throw new Error('observation lost');
          return everyHostUp(enabled);
        },
        notify: async (input) => {
          notifications.push(`${input.kind}: ${input.message}`);
        },
      });
      const result = await worker.runUntil(async () => {
        const handle = await server.client.workflow.start(hostMonitor, {
          taskQueue,
          workflowId: uniqueWorkflowId('monitor-stub'),
          args: [{ group: 'g1', iterationsPerRun: 3 }],
        });
        await eventually(
          'two continue-as-new',
          async () => ((await handle.query(monitorViewQuery)).observations >= 5 ? true : undefined),
          60_000,
        );
        const view = await handle.query(monitorViewQuery);
        assert.ok(view.hosts.every((h) => h.verdict === 'up'));
        settings = { status: 'disabled', group: 'g1' };
        return (await handle.result()) as MonitorEnd;
      });
      assert.equal(result.stopped, 'disabled');
      assert.ok(result.observations >= 5, `${result.observations} observations carried to the end`);
      assert.ok(settingsReads >= 3, 'the settings are read at the start of every run');
      assert.ok(
        notifications.some((n) => n.startsWith('monitor-observation-failed: g1: observation failed')),
        notifications.join('\n'),
      );
    },
  );

  it(
    'reads its settings again at once when signalled (a restart of Lazarus with a changed configuration)',
    {
      timeout: 60_000,
    },
    async () => {
      const enabled = enabledSettings('g2', { intervalMs: 600_000 });
      let settings: MonitorSettings = enabled;
      const taskQueue = uniqueTaskQueue('monitor-reload');
      const worker = await stubMonitorWorker(server, taskQueue, {
        monitorSettings: async () => settings,
        observeHostGroup: async () => everyHostUp(enabled),
      });
      const result = await worker.runUntil(async () => {
        const handle = await server.client.workflow.start(hostMonitor, {
          taskQueue,
          workflowId: uniqueWorkflowId('monitor-reload'),
          args: [{ group: 'g2' }],
        });
        await eventually('the first observation', async () =>
          (await handle.query(monitorViewQuery)).observations >= 1 ? true : undefined,
        );
        // The next observation is ten minutes away; the reload does not wait for it.
        settings = { status: 'disabled', group: 'g2' };
        await handle.signal(reloadSettingsSignal);
        return (await handle.result()) as MonitorEnd;
      });
      assert.equal(result.stopped, 'disabled');
      assert.equal(result.observations, 1);
    },
  );

  it('does not start for a group that is not in the configuration', { timeout: 60_000 }, async () => {
    const taskQueue = uniqueTaskQueue('monitor-stub-gone');
    const worker = await stubMonitorWorker(server, taskQueue, {
      monitorSettings: async () => ({ status: 'unknown-group', group: 'gone' }),
    });
    const result = await worker.runUntil(
      server.client.workflow.execute(hostMonitor, {
        taskQueue,
        workflowId: uniqueWorkflowId('monitor-gone'),
        args: [{ group: 'gone' }],
      }),
    );
    assert.deepEqual(result, { group: 'gone', stopped: 'unknown-group', observations: 0 });
  });

  /**
   * A monitor of stub group `group` (dc1-s01 and dc1-s02, 200 ms interval, 3 s flap window) whose dc1-s01 follows
   * `script` (then stays up): `down` is Power Off with no port logged in; `hmc-down` is the group's one HMC not
   * answering. `stubs` add to the stub activities.
   */
  async function flappingMonitor(
    group: string,
    script: string[],
    stubs: Parameters<typeof stubMonitorWorker>[2],
    body: (handle: Awaited<ReturnType<typeof server.client.workflow.start<typeof hostMonitor>>>) => Promise<void>,
  ): Promise<void> {
    const enabled = enabledSettings(group, { intervalMs: 200, flapWindowMs: 3_000 });
    const observe = (): GroupObservation => {
      const observation = everyHostUp(enabled);
      const step = script.shift();
      if (step === 'down') {
        const s01 = observation.hosts[0]!;
        s01.hmcs = [{ hmc: 'hmc-a', reachable: true, state: 'Power Off' }];
        s01.storagePorts = { storage: 'svc', reachable: true, loggedIn: 0, total: 4 };
      }
      if (step === 'hmc-down')
        for (const host of observation.hosts) host.hmcs = [{ hmc: 'hmc-a', reachable: false, error: 'timed out' }];
      return observation;
    };
    const taskQueue = uniqueTaskQueue(`monitor-${group}`);
    const worker = await stubMonitorWorker(server, taskQueue, {
      monitorSettings: async () => enabled,
      observeHostGroup: async () => observe(),
      ...stubs,
    });
    await worker.runUntil(async () => {
      const handle = await server.client.workflow.start(hostMonitor, {
        taskQueue,
        workflowId: uniqueWorkflowId(`monitor-${group}`),
        args: [{ group }],
      });
      await body(handle);
      await handle.terminate('test over');
    });
  }

  /** Down for one observation at a time, twice: four changes, more than flapLimit 3, so quarantined. */
  const flapping = () => ['up', 'down', 'up', 'down', 'up'];

  it(
    'names the subject and key of every notification, so a repeat worded differently is deduplicated',
    { timeout: 120_000 },
    async () => {
      // dc1-s01 flaps (quarantined), its HMC misses one observation, then once the quarantine is over it flaps again.
      const script = [...flapping(), 'hmc-down'];
      const notifications: RaisedNotification[] = [];
      const quarantines = () => notifications.filter((n) => n.kind === 'host-quarantined');
      await flappingMonitor(
        'g4',
        script,
        { notify: async (input) => void notifications.push(input) },
        async (handle) => {
          await eventually('the first quarantine', async () => (quarantines().length === 1 ? true : undefined), 60_000);
          await eventually('its end', async () =>
            (await handle.query(monitorViewQuery)).hosts[0]!.quarantinedUntil === undefined ? true : undefined,
          );
          script.push(...flapping());
          await eventually('a second quarantine', async () => (quarantines().length === 2 ? true : undefined), 60_000);
        },
      );
      assert.notEqual(quarantines()[0]!.message, quarantines()[1]!.message, 'another end time in the text');
      for (const n of quarantines()) assert.deepEqual([n.subject, n.key], ['g4/dc1-s01', 'quarantined']);
      const pairLost = notifications.find((n) => n.kind === 'hmc-pair-lost');
      assert.deepEqual([pairLost?.subject, pairLost?.key], ['g4', 'lost'], JSON.stringify(notifications));
      assert.ok(
        notifications.every((n) => n.subject !== undefined && n.key !== undefined),
        JSON.stringify(notifications),
      );
      // Through the outbox: a channel with a dedupe window sends the first quarantine and suppresses the repeat.
      const store = await openSqliteStore(':memory:');
      try {
        for (const n of quarantines()) await store.raiseNotification({ ...n, raisedAt: new Date().toISOString() });
        const channel = { name: 'ops', level: 'info' as const, dedupeWindow: 3_600_000 };
        await store.notificationOutbox().route([{ ...channel, rateLimit: { max: 100, window: 60_000 } }], new Date());
        const routed = (await store.notificationOutbox().notifications({ limit: 10 })).reverse();
        assert.deepEqual(
          routed.map((n) => n.deliveries.map((d) => d.status)),
          [['pending'], ['suppressed']],
        );
      } finally {
        await store.close();
      }
    },
  );

  it("records a flapping host's quarantine while it lasts and clears it at its end", { timeout: 120_000 }, async () => {
    const recorded: HostQuarantine[] = [];
    const ended: string[] = [];
    const stubs = {
      recordHostQuarantine: async (quarantine: HostQuarantine) => void recorded.push(quarantine),
      endHostQuarantine: async ({ host }: { host: string }) => void ended.push(host),
    };
    await flappingMonitor('g5', flapping(), stubs, async (handle) => {
      await eventually('the quarantine recorded', async () => (recorded.length >= 1 ? true : undefined), 60_000);
      const s01 = (await handle.query(monitorViewQuery)).hosts.find((h) => h.host === 'dc1-s01')!;
      assert.deepEqual(
        { ...recorded[0]!, since: 'checked below' },
        {
          group: 'g5',
          host: 'dc1-s01',
          since: 'checked below',
          until: s01.quarantinedUntil,
          reason: '4 changes between up and down within 0.05 min (flapLimit 3)',
          monitorId: recorded[0]!.monitorId,
        },
        'the store gets the end the monitor holds',
      );
      assert.ok(Date.parse(recorded[0]!.since) < Date.parse(recorded[0]!.until));
      assert.match(recorded[0]!.monitorId, /^monitor-g5/);
      await eventually('the quarantine cleared at its end', async () => (ended.length >= 1 ? true : undefined));
      assert.ok(Date.now() >= Date.parse(recorded[0]!.until), 'cleared only once over');
      assert.equal((await handle.query(monitorViewQuery)).hosts[0]!.quarantinedUntil, undefined);
    });
    assert.deepEqual(ended, ['dc1-s01']);
    assert.equal(recorded.length, 1, 'its end does not move while the host is steady: one record');
  });
});

// The failover runbook with stub activities, in process (the fast layer beside the wire-level tests): the order of
// its steps and what it refuses to do, checked against a small in-memory fleet whose devices record every call that
// changes something. Each case is a rule of issue 10 that the end-to-end suite only shows through the simulator.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import type { ControlActivities, HmcActivities, StorageActivities } from '../../activities/failover/index.js';
import type { FailoverPolicy, FailoverProgress, FailoverReport, GroupEvidence } from '../../domain/failover/index.js';
import { hostFailover } from '../../workflows/failover/index.js';
import {
  DECISION_REFUSED,
  approveUpdate,
  cancelUpdate,
  overrideFenceUpdate,
  rejectUpdate,
  type DecisionRefusal,
} from '../../workflows/failover/messages.js';
import { ConformanceServer, eventually, uniqueWorkflowId } from '../support/temporal.js';

const WORKFLOWS = new URL('../../workflows/index.ts', import.meta.url).pathname;
const SOURCE = 's1';

/** The fleet the stubs act on: host states, partitions per host, volume mappings per host. */
class StubFleet {
  hosts: Record<string, string> = {};
  partitions: Record<string, Record<string, string>> = {};
  mappings: Record<string, Set<string>> = {};
  /** FC ports per storage host object; a host missing here has no host object of its name. */
  ports: Record<string, string[]> = {};
  changes: string[] = [];
  notifications: Array<{ kind: string; message: string }> = [];
  /** Per activity name, what to do instead of the normal behaviour (throw, wait). */
  faults: Record<string, () => Promise<void> | void> = {};
  /** Runs after an LPAR reached Running (a destination that loses it again). */
  afterBoot?: (host: string, lpar: string) => void;

  reset(): void {
    this.hosts = { s1: 'Error', s2: 'Operating', s3: 'Operating' };
    this.partitions = { s1: { a: 'Not Available', b: 'Not Available' }, s2: {}, s3: {} };
    this.mappings = { s1: new Set(['a_root', 'b_root']), s2: new Set(), s3: new Set() };
    this.ports = { s1: ['C050760000000A01', 'C050760000000A02'], s2: ['C050760000000B01'], s3: ['C050760000000C01'] };
    this.changes = [];
    this.notifications = [];
    this.faults = {};
    this.afterBoot = undefined;
  }

  private async fault(name: string): Promise<void> {
    await this.faults[name]?.();
  }

  evidence(): GroupEvidence {
    return {
      readAt: new Date().toISOString(),
      hosts: Object.keys(this.hosts).map((host) =>
        this.hosts[host] === 'No Connection'
          ? { host, state: this.hosts[host]!, error: 'HSCL0237 No Connection' }
          : { host, state: this.hosts[host]!, partitions: { ...this.partitions[host] } },
      ),
    };
  }

  control(): ControlActivities {
    return {
      hostState: async ({ host }) => this.hosts[host]!,
      waitHostPowerOff: async ({ host }) => {
        await this.fault('waitHostPowerOff');
        if (this.hosts[host] !== 'Power Off')
          throw ApplicationFailure.nonRetryable(`${host} is ${this.hosts[host]}`, 'FenceNotConfirmed');
        return 'Power Off';
      },
      groupEvidence: async () => this.evidence(),
      failoverRoster: async () => [
        { name: 'a', lastKnownState: 'Running', source: 'discovery run 1', volumes: ['a_root'], priority: 'high' },
        { name: 'b', lastKnownState: 'Running', source: 'discovery run 1', volumes: ['b_root'], priority: 'low' },
      ],
      planFailover: async ({ lpars }) => {
        const hosts = ['s2', 's3'];
        const placed = lpars.map((l) => ({
          name: l.name,
          to: hosts.find((h) => !l.excludeHosts.includes(h) && this.hosts[h] === 'Operating'),
        }));
        const streams = hosts.map((destination) => ({
          destination,
          estimatedMs: 1,
          lpars: placed
            .filter((p) => p.to === destination)
            .map((p) => ({ name: p.name, priority: 'high', volumes: [`${p.name}_root`], reduced: false })),
        }));
        const unplaced = placed
          .filter((p) => !p.to)
          .map((p) => ({ lpar: p.name, reason: 'no-surviving-host', detail: 'none left' }));
        return { streams: streams.filter((s) => s.lpars.length > 0), unplaced, estimatedRtoMs: 1 };
      },
      waitLparRunning: async ({ destination, lpar }) => {
        await this.fault('waitLparRunning');
        this.partitions[destination]![lpar] = 'Running';
        this.afterBoot?.(destination, lpar);
        return 'Running';
      },
      lparState: async ({ host, lpar }) => this.partitions[host]?.[lpar] ?? 'absent',
      recordFailoverReport: async () => undefined,
      recordFailoverObservations: async () => undefined,
      notify: async ({ kind, message }) => void this.notifications.push({ kind, message }),
    };
  }

  hmc(): HmcActivities {
    return {
      powerOffHost: async ({ host }) => {
        await this.fault('powerOffHost');
        this.changes.push(`power off ${host}`);
        this.hosts[host] = 'Power Off';
        for (const lpar of Object.keys(this.partitions[host]!)) this.partitions[host]![lpar] = 'Not Activated';
        return { changed: true, detail: 'off' };
      },
      configureVios: async () => 2,
      restartLpar: async ({ source, destination, lpar }) => {
        await this.fault('restartLpar');
        this.changes.push(`restart ${lpar} on ${destination}`);
        delete this.partitions[source]![lpar];
        this.partitions[destination]![lpar] = 'Starting';
        return 'restarted';
      },
    };
  }

  storage(): StorageActivities {
    return {
      listHostMappings: async ({ host }) => [...this.mappings[host]!],
      mapVolume: async ({ volume, destination }) => {
        this.changes.push(`map ${volume} to ${destination}`);
        this.mappings[destination]!.add(volume);
        return 'mapped';
      },
      unmapVolume: async ({ volume, host }) => {
        this.changes.push(`unmap ${volume} from ${host}`);
        this.mappings[host]!.delete(volume);
        return 'unmapped';
      },
      npivPortsLoggedIn: async () => [],
      hostPorts: async ({ host }) => {
        const ports = this.ports[host];
        if (!ports) throw ApplicationFailure.nonRetryable(`no storage host object named ${host}`, 'NoHostObject');
        return [...ports];
      },
      cutHostPorts: async ({ host, wwpns }) => {
        this.changes.push(`cut ports ${wwpns.join(':')} of ${host}`);
        this.ports[host] = this.ports[host]!.filter((w) => !wwpns.includes(w));
        return 'cut';
      },
      restoreHostPorts: async ({ host, wwpns }) => {
        this.changes.push(`restore ports ${wwpns.join(':')} of ${host}`);
        this.ports[host] = [...new Set([...this.ports[host]!, ...wwpns])];
        return ['restored'];
      },
    };
  }
}

const policy = (overrides: Partial<FailoverPolicy['timing']> = {}, rtoBudgetMs = 60_000): FailoverPolicy => ({
  devices: { hmc: 'hmc1', storage: 'svc1' },
  approval: { timeoutMs: 60_000, onTimeout: 'abort' },
  rtoBudgetMs,
  concurrency: { mappingsPerStream: 4, storageOperations: 8, mapAllAtOnce: true },
  timing: {
    pollMs: 50,
    fenceDeadlineMs: 8_000,
    steps: { mappingMs: 10_000, remoteRestartMs: 10_000, bootMs: 10_000 },
    heartbeatMs: 5_000,
    ...overrides,
  },
});

describe('the failover runbook, with stub activities', () => {
  const fleet = new StubFleet();
  let server: ConformanceServer;
  let workers: Worker[];
  let running: Array<Promise<void>>;

  before(async () => {
    server = await ConformanceServer.start();
    const base = { connection: server.nativeConnection, namespace: server.namespace, shutdownGraceTime: '1s' };
    workers = [
      await Worker.create({ ...base, taskQueue: 'runbook', workflowsPath: WORKFLOWS, activities: fleet.control() }),
      await Worker.create({ ...base, taskQueue: 'device/hmc1', activities: fleet.hmc() }),
      await Worker.create({ ...base, taskQueue: 'device/svc1', activities: fleet.storage() }),
    ];
    running = workers.map((w) => w.run());
  });

  after(async () => {
    for (const w of workers ?? []) if (w.getState() === 'RUNNING') w.shutdown();
    await Promise.allSettled(running ?? []);
    await server?.stop();
  });

  beforeEach(() => fleet.reset());

  const start = (mode: 'auto' | 'advisory', p = policy()) =>
    server.client.workflow.start(hostFailover, {
      taskQueue: 'runbook',
      workflowId: uniqueWorkflowId('runbook'),
      args: [{ group: 'g', host: SOURCE, mode, requestedBy: 'test', policy: p }],
    });
  const phaseOf = async (handle: Awaited<ReturnType<typeof start>>) =>
    (await handle.query<FailoverProgress>('progress')).phase;
  const waitPhase = (handle: Awaited<ReturnType<typeof start>>, phase: string) =>
    eventually(`phase ${phase}`, async () => ((await phaseOf(handle)) === phase ? true : undefined), 15_000, 20);

  it('in advisory mode touches nothing before approval, and a reject leaves the host as it was', async () => {
    const handle = await start('advisory');
    await waitPhase(handle, 'approve');
    const asked = fleet.notifications.find((n) => n.kind === 'approval-needed');
    assert.match(asked?.message ?? '', /nothing was touched yet\. Plan: s2: a, b/, 'the request carries the dry plan');
    assert.deepEqual(fleet.changes, [], 'nothing changed while waiting for approval');
    await handle.signal('reject', { by: 'alice', reason: 'host is being repaired' });
    const report = (await handle.result()) as FailoverReport;
    assert.equal(report.outcome, 'rejected');
    assert.deepEqual(fleet.changes, []);
    assert.equal(fleet.hosts[SOURCE], 'Error');
  });

  it('leaves alone a host that came back while the approval was pending', async () => {
    const handle = await start('advisory');
    await waitPhase(handle, 'approve');
    fleet.hosts[SOURCE] = 'Operating';
    fleet.partitions[SOURCE] = { a: 'Running', b: 'Running' };
    await handle.signal('approve', { by: 'alice' });
    const report = (await handle.result()) as FailoverReport;
    assert.equal(report.outcome, 'host-returned');
    assert.deepEqual(fleet.changes, [], 'the healthy host was not powered off');
  });

  it('in advisory mode fences only after approval, then restarts', async () => {
    const handle = await start('advisory');
    await waitPhase(handle, 'approve');
    assert.deepEqual(fleet.changes, []);
    await handle.signal('approve', { by: 'alice' });
    const report = (await handle.result()) as FailoverReport;
    assert.equal(report.outcome, 'succeeded');
    assert.equal(fleet.changes[0], `power off ${SOURCE}`, 'the fence comes first after approval');
  });

  /** The refusal a decision update was answered with (its validator's DecisionRefused failure). */
  async function refused(update: Promise<unknown>): Promise<DecisionRefusal & { message: string }> {
    try {
      await update;
    } catch (err) {
      assert.ok(err instanceof WorkflowUpdateFailedError, String(err));
      assert.ok(err.cause instanceof ApplicationFailure, String(err.cause));
      assert.equal(err.cause.type, DECISION_REFUSED);
      return { ...(err.cause.details?.[0] as DecisionRefusal), message: err.cause.message };
    }
    return assert.fail('the decision was taken, not refused');
  }

  it('answers an approve update with the phase it led to, and refuses a reject after it', async () => {
    const handle = await start('advisory');
    await waitPhase(handle, 'approve');
    const unreadable = await refused(handle.executeUpdate(approveUpdate, { args: [{ by: ' ' }] }));
    assert.equal(unreadable.code, 'invalid_decision');
    const approved = await handle.executeUpdate(approveUpdate, { args: [{ by: 'alice', reason: 'checked' }] });
    assert.deepEqual(approved, { decision: 'approved', phase: 'fence' });
    const late = await refused(handle.executeUpdate(rejectUpdate, { args: [{ by: 'mallory' }] }));
    assert.equal(late.code, 'already_decided');
    assert.match(late.message, /already approved by alice/);
    assert.notEqual(late.phase, 'approve');
    const report = (await handle.result()) as FailoverReport;
    assert.equal(report.outcome, 'succeeded');
    assert.deepEqual(report.approval, { decision: 'approved', by: 'alice', reason: 'checked' });
  });

  it('refuses an approve where nothing waits for approval, and a reject ends the run as rejected', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    fleet.faults.powerOffHost = () => held;
    const auto = await start('auto');
    await waitPhase(auto, 'fence');
    const notAsked = await refused(auto.executeUpdate(approveUpdate, { args: [{ by: 'alice' }] }));
    assert.deepEqual([notAsked.code, notAsked.phase], ['not_waiting_for_approval', 'fence']);
    release();
    assert.equal(((await auto.result()) as FailoverReport).outcome, 'succeeded');

    fleet.reset();
    const advisory = await start('advisory');
    await waitPhase(advisory, 'approve');
    const rejected = await advisory.executeUpdate(rejectUpdate, { args: [{ by: 'carol' }] });
    assert.equal(rejected.decision, 'rejected');
    assert.equal(((await advisory.result()) as FailoverReport).outcome, 'rejected');
    assert.deepEqual(fleet.changes, [], 'a rejected failover touches nothing');
  });

  it('refuses an override-fence update until the fence is blocked, then answers with the phase', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    fleet.faults.powerOffHost = async () => {
      await held;
      throw ApplicationFailure.nonRetryable('hmc1: HSCL0237 not allowed in the No Connection state', 'HmcError');
    };
    const handle = await start('auto');
    await waitPhase(handle, 'fence');
    const early = await refused(handle.executeUpdate(overrideFenceUpdate, { args: [{ by: 'bob', reason: 'early' }] }));
    assert.deepEqual([early.code, early.phase], ['fence_not_blocked', 'fence']);
    release();
    await waitPhase(handle, 'fence-blocked');
    const noReason = await refused(handle.executeUpdate(overrideFenceUpdate, { args: [{ by: 'bob' }] }));
    assert.equal(noReason.code, 'invalid_decision');
    const taken = await handle.executeUpdate(overrideFenceUpdate, { args: [{ by: 'bob', reason: 'unplugged' }] });
    assert.deepEqual(taken, { decision: 'fence-overridden', phase: 'fence' });
    const again = await refused(handle.executeUpdate(overrideFenceUpdate, { args: [{ by: 'eve', reason: 'x' }] }));
    assert.equal(again.code, 'fence_not_blocked');
    const report = (await handle.result()) as FailoverReport;
    assert.deepEqual(report.fence?.override, { by: 'bob', reason: 'unplugged' });
  });

  it('records who cancels through the cancel update, and refuses a second cancel', async () => {
    const handle = await start('advisory');
    await waitPhase(handle, 'approve');
    const taken = await handle.executeUpdate(cancelUpdate, { args: [{ by: 'dave', reason: 'wrong host' }] });
    assert.deepEqual(taken, { decision: 'cancel-requested', phase: 'approve' });
    const second = await refused(handle.executeUpdate(cancelUpdate, { args: [{ by: 'erin' }] }));
    assert.equal(second.code, 'already_cancelled');
    assert.match(second.message, /already cancelled by dave/);
    await handle.cancel();
    const report = (await handle.result()) as FailoverReport;
    assert.equal(report.outcome, 'cancelled');
    assert.deepEqual(report.cancelledBy, { by: 'dave', reason: 'wrong host' });
    assert.deepEqual(fleet.changes, []);
  });

  it('retries a transient power-off error until it works, without blocking', async () => {
    let failures = 2;
    fleet.faults.powerOffHost = () => {
      if (failures-- > 0) throw ApplicationFailure.retryable('hmc1: the HMC is busy', 'HmcError.transient');
    };
    const report = (await (await start('auto')).result()) as FailoverReport;
    assert.equal(report.outcome, 'succeeded');
    assert.equal(report.fence?.poweredOff, true);
    assert.ok(!fleet.notifications.some((n) => n.kind === 'fence-failed'), 'no fence alert for a transient error');
  });

  it('ignores an override sent before the fence is blocked, and a host that came back ends as host-returned', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    fleet.faults.powerOffHost = async () => {
      await held;
      throw ApplicationFailure.nonRetryable(
        'hmc1: HSCL0237 not allowed in the No Connection state',
        'HmcError.HSCL0237',
      );
    };
    const handle = await start('auto');
    await waitPhase(handle, 'fence');
    await handle.signal('overrideFence', { by: 'bob', reason: 'too early' });
    release();
    await waitPhase(handle, 'fence-blocked');
    assert.ok(fleet.notifications.some((n) => n.kind === 'fence-failed'));
    assert.equal(
      (await handle.query<FailoverProgress>('progress')).phase,
      'fence-blocked',
      'the early override was not used',
    );
    fleet.hosts[SOURCE] = 'Operating';
    fleet.partitions[SOURCE] = { a: 'Running', b: 'Not Activated' };
    await handle.signal('overrideFence', { by: 'bob', reason: 'datacenter says it is dead' });
    const report = (await handle.result()) as FailoverReport;
    assert.equal(report.outcome, 'host-returned');
    assert.ok(
      !fleet.changes.some((c) => c.startsWith('unmap') || c.startsWith('cut') || c.startsWith('restart')),
      `nothing cut or started: ${fleet.changes}`,
    );
  });

  it('alerts the moment the RTO budget is exceeded, while a step still runs', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    fleet.faults.waitLparRunning = () => held;
    const handle = await start('auto', policy({}, 1_000));
    await eventually(
      'the rto-exceeded alert',
      async () => (fleet.notifications.some((n) => n.kind === 'rto-exceeded') ? true : undefined),
      15_000,
      20,
    );
    assert.equal(await phaseOf(handle), 'execute', 'the alert came before the end');
    release();
    const report = (await handle.result()) as FailoverReport;
    assert.equal(report.withinBudget, false);
  });

  it('counts as running only what the HMC shows running at the end', async () => {
    // b boots, and its destination loses it right after its stream saw it Running.
    fleet.afterBoot = (host, lpar) => {
      if (lpar === 'b') fleet.partitions[host]![lpar] = 'Not Activated';
    };
    const report = (await (await start('auto')).result()) as FailoverReport;
    assert.equal(report.outcome, 'partial');
    const b = report.lpars.find((l) => l.lpar === 'b')!;
    assert.equal(b.step, 'failed');
    assert.match(b.error ?? '', /reported running on s2, but at the end the HMC shows Not Activated on s2/);
    assert.equal(report.lpars.find((l) => l.lpar === 'a')?.step, 'running');
  });

  it('re-plans an LPAR away from the host that failed it only', async () => {
    let failed = false;
    fleet.faults.restartLpar = () => {
      if (!failed) {
        failed = true;
        throw ApplicationFailure.nonRetryable('hmc1: the restart failed', 'HmcError.configuration');
      }
    };
    const report = (await (await start('auto')).result()) as FailoverReport;
    assert.equal(report.outcome, 'succeeded', JSON.stringify(report.lpars));
    const a = report.lpars.find((l) => l.lpar === 'a')!;
    const b = report.lpars.find((l) => l.lpar === 'b')!;
    assert.equal(a.destination, 's3', 'a failed on s2, so it went to s3');
    assert.equal(a.attempts, 2);
    assert.equal(b.destination, 's2', 'b, which did not fail, still went to s2');
    assert.ok(fleet.changes.includes('unmap a_root from s2'), "a's volume was released from s2 before the re-plan");
  });

  it('cuts a powered-off host at its storage host object in one step and records the ports', async () => {
    const report = (await (await start('auto')).result()) as FailoverReport;
    assert.equal(report.outcome, 'succeeded', JSON.stringify(report.lpars));
    assert.deepEqual(report.fence?.hostPortsRemoved, {
      storageHost: SOURCE,
      wwpns: ['C050760000000A01', 'C050760000000A02'],
    });
    assert.deepEqual(report.fence?.unmappedVolumes, []);
    assert.deepEqual(
      fleet.changes.filter((c) => c.startsWith('cut') || c.startsWith('unmap')),
      [`cut ports C050760000000A01:C050760000000A02 of ${SOURCE}`],
      'one host-level cut, no volume unmapped',
    );
    const cutAt = fleet.changes.findIndex((c) => c.startsWith('cut'));
    assert.ok(
      fleet.changes.findIndex((c) => c.startsWith('map ')) > cutAt,
      `storage cut before any mapping: ${fleet.changes}`,
    );
  });

  it('unmaps volume by volume where the host has no host object of its name', async () => {
    delete fleet.ports[SOURCE];
    const report = (await (await start('auto')).result()) as FailoverReport;
    assert.equal(report.outcome, 'succeeded', JSON.stringify(report.lpars));
    assert.equal(report.fence?.hostPortsRemoved, undefined);
    assert.deepEqual([...(report.fence?.unmappedVolumes ?? [])].sort(), ['a_root', 'b_root']);
  });

  it('after a fence override, cuts only the gated LPARs volumes, never the whole host object', async () => {
    fleet.hosts[SOURCE] = 'No Connection';
    fleet.faults.powerOffHost = () => {
      throw ApplicationFailure.nonRetryable(
        'hmc1: HSCL0237 not allowed in the No Connection state',
        'HmcError.HSCL0237',
      );
    };
    const handle = await start('auto');
    await waitPhase(handle, 'fence-blocked');
    await handle.signal('overrideFence', { by: 'bob', reason: 'the datacenter confirms it is dead' });
    const report = (await handle.result()) as FailoverReport;
    assert.equal(report.fence?.poweredOff, false);
    assert.equal(report.fence?.hostPortsRemoved, undefined, 'no host-level cut without power proof');
    assert.ok(!fleet.changes.some((c) => c.startsWith('cut')), `${fleet.changes}`);
    assert.deepEqual([...(report.fence?.unmappedVolumes ?? [])].sort(), ['a_root', 'b_root']);
  });
});

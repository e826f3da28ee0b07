// A planned site move, active → backup (VMRM DR's `ksysmgr move site from=A to=B`, planned), as a runbook:
//   1. verify — discover and verify now; anything NOT_READY stops the move before anything is touched;
//   2. stop at the active site — per production host in parallel, the least important VM first: an operating-system
//      shutdown, then an immediate one when it is not Not Activated within `shutdownTimeout`; every VM must be proven
//      Not Activated before anything else happens (no VM ever runs at both sites);
//   3. catch up — wait until each group is consistent_synchronized (nothing more is written at the active site);
//   4. switch — each consistency group's primary becomes aux, so the backup site's copies become writable;
//   5. start at the backup site — wave by wave (dr.policies startOrder), one stream per backup host in parallel, by
//      priority inside a stream: activate the shadow definition, wait until Running;
//   6. report — per VM where it runs now, the recovery point, the network mappings to apply.
// Device changes go through the devices' task queues. Not yet: advisory approval, cancel, clean-up at the old site
// and reverse replication, unplanned moves (issue 13).
import { proxyActivities, sleep } from '@temporalio/workflow';
import type {
  DrMoveControlActivities,
  DrMoveHmcActivities,
  DrMoveStorageActivities,
} from '../../activities/dr/move-activities.js';
import type { DrMovePlan } from '../../domain/dr/move-plan.js';
import { innermostMessage } from '../../domain/failover/outcome.js';
import { deviceQueue } from '../shared/activity-options.js';

const control = proxyActivities<DrMoveControlActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '15s', maximumAttempts: 5 },
});
const deviceOptions = {
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '15s', maximumAttempts: 5 },
} as const;
const hmcOf = (hmc: string) => proxyActivities<DrMoveHmcActivities>({ ...deviceOptions, taskQueue: deviceQueue(hmc) });
const storageOf = (storage: string) =>
  proxyActivities<DrMoveStorageActivities>({ ...deviceOptions, taskQueue: deviceQueue(storage) });

export interface DrMoveInput {
  site: string;
  /** The backup site (checked against the configuration by the verify step's plan). */
  to: string;
  /** How long an operating-system shutdown may take before the VM is stopped at once (ms; default 10 min). */
  shutdownTimeoutMs?: number;
  /** How often waits ask the devices (ms; default 2 s). */
  pollMs?: number;
  /** How long a VM may take to reach Running at the backup site (ms; default 15 min). */
  bootTimeoutMs?: number;
}

export type DrMoveOutcome = 'moved' | 'not-ready' | 'partial' | 'failed';

export interface DrMoveReport {
  site: string;
  to: string;
  outcome: DrMoveOutcome;
  verificationId: number;
  notReady?: Array<{ vm: string; codes: string[] }>;
  /** Per VM: how it stopped at the active site and its state at the backup site when the report was written. */
  vms: Array<{ vm: string; stopped?: 'os' | 'immediate'; backupHost?: string; state?: string; error?: string }>;
  groups: Array<{ name: string; switched: boolean; detail: string }>;
  /** The recovery point: in a planned move every write reached the backup site before the switch. */
  recoveryPoint?: string;
  networks: DrMovePlan['networks'];
  /** Step journal: name, start and end (workflow time). */
  steps: Array<{ step: string; startedAt: string; endedAt?: string; detail?: string }>;
}

export async function moveDrSite(input: DrMoveInput): Promise<DrMoveReport> {
  const poll = input.pollMs ?? 2_000;
  const report: DrMoveReport = {
    site: input.site,
    to: input.to,
    outcome: 'failed',
    verificationId: 0,
    vms: [],
    groups: [],
    networks: [],
    steps: [],
  };
  const step = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const entry: DrMoveReport['steps'][number] = { step: name, startedAt: new Date().toISOString() };
    report.steps.push(entry);
    try {
      return await work();
    } finally {
      entry.endedAt = new Date().toISOString();
    }
  };
  const waitFor = async (what: () => Promise<boolean>, timeoutMs: number): Promise<boolean> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (await what()) return true;
      if (Date.now() >= deadline) return false;
      await sleep(poll);
    }
  };

  const preparation = await step('verify', () => control.prepareDrMove(input.site));
  report.verificationId = preparation.verificationId;
  if (!preparation.ready || !preparation.plan) {
    report.outcome = 'not-ready';
    report.notReady = preparation.notReady;
    return report;
  }
  const plan = preparation.plan;
  if (plan.backupSite !== input.to) {
    report.outcome = 'failed';
    report.steps.at(-1)!.detail = `the backup site of ${input.site} is ${plan.backupSite}, not ${input.to}`;
    return report;
  }
  report.networks = plan.networks;
  const vmEntry = (vm: string) => {
    let entry = report.vms.find((v) => v.vm === vm);
    if (!entry) report.vms.push((entry = { vm }));
    return entry;
  };

  const stopped = await step('stop-at-active-site', async () => {
    const results = await Promise.all(
      plan.shutdown.map(async ({ hmc, host, vms }) => {
        const isDown = async (vm: string) => (await control.drVmState({ hmc, host, vm })) === 'Not Activated';
        for (const vm of vms) {
          await hmcOf(hmc).drShutdownVm({ hmc, host, vm, mode: 'os' });
          vmEntry(vm).stopped = 'os';
          if (await waitFor(() => isDown(vm), input.shutdownTimeoutMs ?? 10 * 60_000)) continue;
          await hmcOf(hmc).drShutdownVm({ hmc, host, vm, mode: 'immediate' });
          vmEntry(vm).stopped = 'immediate';
          if (!(await waitFor(() => isDown(vm), 5 * 60_000))) {
            vmEntry(vm).error = `still not Not Activated on ${host} after an immediate shutdown`;
            return false;
          }
        }
        return true;
      }),
    );
    return results.every(Boolean);
  });
  if (!stopped) return report;

  const synchronized = await step('catch-up', async () => {
    const byStorage = new Map<string, string[]>();
    for (const g of plan.groups) byStorage.set(g.storage, [...(byStorage.get(g.storage) ?? []), g.name]);
    return waitFor(async () => {
      for (const [storage, groups] of byStorage) {
        const states = await control.drGroupStates({ storage, groups });
        if (!states.every((s) => s.state === 'consistent_synchronized' || s.primary === 'aux')) return false;
      }
      return true;
    }, 30 * 60_000);
  });
  if (!synchronized) {
    report.steps.at(-1)!.detail = 'replication did not catch up within 30 minutes; nothing was switched';
    return report;
  }
  report.recoveryPoint = new Date().toISOString();

  await step('switch-replication', async () => {
    for (const { storage, name } of plan.groups) {
      const outcome = await storageOf(storage).drSwitchGroup({ storage, group: name });
      report.groups.push({ name, switched: true, detail: outcome.detail });
    }
  });

  await step('start-at-backup-site', async () => {
    for (const wave of plan.waves) {
      await Promise.all(
        wave.map(async ({ hmc, host, vms }) => {
          for (const { vm, profile } of vms) {
            const entry = vmEntry(vm);
            entry.backupHost = host;
            try {
              await hmcOf(hmc).drActivateVm({ hmc, host, vm, profile });
              const running = await waitFor(
                async () => (entry.state = await control.drVmState({ hmc, host, vm })) === 'Running',
                input.bootTimeoutMs ?? 15 * 60_000,
              );
              if (!running) entry.error = `not Running on ${host} in time (${entry.state})`;
            } catch (err) {
              entry.error = innermostMessage(err);
            }
          }
        }),
      );
    }
  });

  const running = report.vms.filter((v) => v.state === 'Running' && !v.error).length;
  report.outcome = running === report.vms.length ? 'moved' : running > 0 ? 'partial' : 'failed';
  return report;
}

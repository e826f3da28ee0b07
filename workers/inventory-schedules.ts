// The Temporal Schedules that keep the inventory fresh: per host group, quick discovery every
// `discovery.interval` and the capacity check on `discovery.capacityCheckCron`. Created when missing, updated when
// the configuration changed them; overlapping runs are skipped (a slow discovery never piles up).
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import type { LazarusConfig } from '../domain/config/index.js';
import { drVerificationSlots } from '../domain/dr/verification-slots.js';

export const discoveryScheduleId = (group: string) => `discovery/${group}`;
export const capacityScheduleId = (group: string) => `capacity-check/${group}`;
export const drVerifyScheduleId = (site: string) => `dr-verify/${site}`;

export async function ensureInventorySchedules(
  client: Client,
  config: Pick<LazarusConfig, 'hostGroups' | 'discovery'> & Partial<Pick<LazarusConfig, 'dr'>>,
  taskQueue: string,
): Promise<string[]> {
  const ids: string[] = [];
  for (const group of config.hostGroups) {
    ids.push(
      await upsert(
        client,
        discoveryScheduleId(group.name),
        { intervals: [{ every: config.discovery.interval }] },
        'discoverHostGroup',
        `discovery-${group.name}`,
        group.name,
        taskQueue,
      ),
      await upsert(
        client,
        capacityScheduleId(group.name),
        { cronExpressions: [config.discovery.capacityCheckCron] },
        'checkHostGroupCapacity',
        `capacity-check-${group.name}`,
        group.name,
        taskQueue,
      ),
    );
  }
  // DR: each active site's verification (discover + verify, workflows/dr/) on `dr.verify.schedule`, daily by default;
  // DRaaS tenants' verifications each wait their slot (domain/dr/verification-slots.ts).
  for (const { site: activeSite, delayMs } of config.dr ? drVerificationSlots(config) : []) {
    const scheduleId = drVerifyScheduleId(activeSite);
    const spec = { cronExpressions: [config.dr!.verify.schedule] };
    const action = {
      type: 'startWorkflow' as const,
      workflowType: 'verifyDrSite',
      args: [{ site: activeSite, ...(delayMs > 0 ? { startDelayMs: delayMs } : {}) }],
      taskQueue,
      workflowId: `dr-verify-${activeSite}`,
    };
    const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' };
    try {
      await client.schedule.create({ scheduleId, spec, action, policies });
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
      await client.schedule.getHandle(scheduleId).update((previous) => ({ ...previous, spec, action, policies }));
    }
    ids.push(scheduleId);
  }
  return ids;
}

async function upsert(
  client: Client,
  scheduleId: string,
  spec: { intervals?: Array<{ every: number }>; cronExpressions?: string[] },
  workflowType: string,
  workflowId: string,
  group: string,
  taskQueue: string,
): Promise<string> {
  const action = { type: 'startWorkflow' as const, workflowType, args: [{ group }], taskQueue, workflowId };
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' };
  try {
    await client.schedule.create({ scheduleId, spec, action, policies });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule.getHandle(scheduleId).update((previous) => ({ ...previous, spec, action, policies }));
  }
  return scheduleId;
}

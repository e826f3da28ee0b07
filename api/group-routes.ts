// The host-group routes: each group as configured (hosts, HMCs, storage, recovery and monitoring settings), and its
// capacity as the planner sees it — for every host, whether that host's LPARs would fit on the others if it failed,
// and which would be left without room (the daily check, `discovery.capacityCheckCron`, and after any inventory
// change), with a way to run the check now.
import type { Client } from '@temporalio/client';
import type express from 'express';
import type { CapacityCheck, InventoryStore } from '../activities/inventory/index.js';
import type { HostGroupConfig, LazarusConfig } from '../domain/config/index.js';
import { ApiError } from './errors.js';
import { ageSeconds, asyncRoute } from './routing.js';

export function groupRoutes(
  app: express.Express,
  options: { client: Client; config: LazarusConfig; store: InventoryStore; taskQueue: string },
): void {
  app.get('/v1/groups', (_req, res) => void res.json({ groups: options.config.hostGroups.map(groupView) }));
  app.get(
    '/v1/groups/:group/capacity',
    asyncRoute(async (req, res) => {
      const group = configuredGroup(options.config, String(req.params.group));
      const check = await options.store.latestCapacityCheck(group.name);
      if (!check)
        throw new ApiError(
          404,
          'no_capacity_check',
          `no capacity check of host group ${group.name} yet: it runs after each discovery that changes the ` +
            `inventory and on discovery.capacityCheckCron; POST /v1/groups/${group.name}/capacity runs one now`,
        );
      res.json(capacityView(check));
    }),
  );
  app.post(
    '/v1/groups/:group/capacity',
    asyncRoute(async (req, res) => {
      const group = configuredGroup(options.config, String(req.params.group));
      // The same workflow as the daily schedule's; one on-demand check per group at a time (a second POST joins it).
      const handle = await options.client.workflow.start('checkHostGroupCapacity', {
        taskQueue: options.taskQueue,
        workflowId: `capacity-check-${group.name}-on-demand`,
        workflowIdConflictPolicy: 'USE_EXISTING',
        args: [{ group: group.name }],
      });
      res.status(202).json({
        workflowId: handle.workflowId,
        message: `capacity check of ${group.name} started; GET /v1/groups/${group.name}/capacity when it is done`,
      });
    }),
  );
}

function configuredGroup(config: LazarusConfig, name: string): HostGroupConfig {
  const group = config.hostGroups.find((g) => g.name === name);
  if (!group) throw new ApiError(404, 'unknown_group', `host group ${name} is not in the configuration`);
  return group;
}

/** `{ name, site, hosts, hmcs, storage, recoveryMode, monitoring }` — names and settings only, never credentials. */
function groupView(group: HostGroupConfig) {
  return {
    name: group.name,
    site: group.site,
    hosts: group.hosts,
    hmcs: group.hmcs,
    storage: group.storage,
    recoveryMode: group.recovery.mode,
    monitoring: { ...group.monitoring, action: group.monitoring.action ?? group.recovery.mode },
  };
}

/**
 * `{ group, checkedAt, ageSeconds, fits, hostsWithShortfall, hosts: [{ failedHost, fits, shortfalls: [{ resource,
 * needed, available, lpars }], withoutRoom: [{ lpar, reason, detail }] }] }` — `withoutRoom` are the LPARs the
 * planner could not place if that host failed (capacity, anti-collocation, …), in the planner's words.
 */
function capacityView(check: CapacityCheck, now = Date.now()) {
  const hosts = check.hosts.map((h) => ({
    failedHost: h.failedHost,
    fits: h.fits,
    shortfalls: h.shortfalls,
    withoutRoom: h.unplaced ?? [],
  }));
  return {
    group: check.group,
    checkedAt: check.checkedAt,
    ageSeconds: ageSeconds(check.checkedAt, now),
    fits: hosts.every((h) => h.fits),
    hostsWithShortfall: hosts.filter((h) => !h.fits).map((h) => h.failedHost),
    hosts,
  };
}

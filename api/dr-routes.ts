// Disaster-recovery routes, the verbs of VMRM DR's `ksysmgr` as HTTP: discover a site pair, verify it (per VM
// READY_TO_MOVE or NOT_READY with reasons), read the latest verification and its history, and query one VM's DR
// state. Discover and verify run as workflows (`discoverDrSite`, `verifyDrSite`, workflows/dr/): 202 with the
// workflow id, or with `?wait=<seconds>` the result when it ends within that bound (else still 202).
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type express from 'express';
import { z } from 'zod';
import { decodeDrVerification, drVerificationKey } from '../activities/dr/verification-records.js';
import type { InventoryStore } from '../activities/inventory/index.js';
import type { LazarusConfig } from '../domain/config/index.js';
import type { DrConfig } from '../domain/config/schema.js';
import { drPairs } from '../domain/dr/config-checks.js';
import { DR_REASON_CODES, DR_VM_STATES, type DrVerification } from '../domain/dr/contracts.js';
import { innermostMessage } from '../domain/failover/outcome.js';
import {
  approveMoveSignal,
  cancelMoveSignal,
  cleanupTestSignal,
  moveProgressQuery,
  overrideFenceMoveSignal,
  providerQueueQuery,
  rejectMoveSignal,
  requestMoveSignal,
} from '../workflows/dr/messages.js';
import { cancelQueuedMoveSignal } from '../workflows/dr/provider-messages.js';
import type { DrMoveReport } from '../workflows/dr/move-steps.js';
import { actorOf, sanitizeLogText } from './access.js';
import { ApiError } from './errors.js';
import { ageSeconds, asyncRoute, parse, type OpenApiShared } from './routing.js';
import { checkTimeRange, cursorParam, inTimeRange, pageOf, timeRangeParams } from './paging.js';

const waitQuery = z.strictObject({
  wait: z.coerce.number().int().min(0).max(300).optional(),
});
const moveBody = z.strictObject({
  /** The backup site to move to. */
  to: z.string().min(1),
  /** planned: the active site is up (clean stop, replication switched); unplanned: it is gone (fence, take over). */
  mode: z.enum(['planned', 'unplanned']).default('planned'),
  /** Planned only: verify, show the plan in the progress and wait for POST …/move/approve (or reject). */
  advisory: z.boolean().default(false),
  /** Seconds an operating-system shutdown may take before the VM is stopped at once (default 600). */
  shutdownTimeout: z.number().int().min(1).max(3600).optional(),
});
const moveBackBody = z.strictObject({
  /** Seconds an operating-system shutdown at the backup site may take before the VM is stopped at once. */
  shutdownTimeout: z.number().int().min(1).max(3600).optional(),
});
const decisionBody = z.strictObject({
  by: z.string().min(1).max(200).optional(),
  reason: z.string().min(1).max(2000).optional(),
});
/** override-fence: why the unproven hosts are known to be down (required, audited with the token's name). */
const overrideFenceMoveBody = decisionBody.extend({
  reason: z.string().trim().min(1, 'why the fence may be overridden').max(2000),
});
const testBody = z.strictObject({
  /** Seconds the test VMs stay up before the automatic cleanup; absent: until DELETE /v1/sites/:site/test. */
  hold: z
    .number()
    .int()
    .min(0)
    .max(7 * 86_400)
    .optional(),
});
const historyQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(500).default(20) });
/** The verification history's filters and paging (api/paging.ts); the newest 1000 verifications are reached. */
const historyListQuery = historyQuery.extend({ cursor: cursorParam.optional(), ...timeRangeParams });

export function drRoutes(
  app: express.Express,
  options: { client: Client; config: LazarusConfig; store: InventoryStore; taskQueue: string },
): void {
  const run = (workflowType: 'discoverDrSite' | 'verifyDrSite', verb: string) =>
    asyncRoute(async (req, res) => {
      const site = activeSite(options.config, String(req.params.site), res);
      const { wait } = parse(waitQuery, req.query, 'query');
      // One on-demand run per site at a time: a second request joins the running one.
      const handle = await options.client.workflow.start(workflowType, {
        taskQueue: options.taskQueue,
        workflowId: `dr-${verb}/${site}/on-demand`,
        workflowIdConflictPolicy: 'USE_EXISTING',
        args: [{ site }],
      });
      const accepted = {
        workflowId: handle.workflowId,
        runId: handle.firstExecutionRunId,
        message:
          verb === 'verify'
            ? `verification of ${site} started; GET /v1/sites/${site}/verification when it is done`
            : `discovery of ${site} started`,
      };
      if (!wait) return void res.status(202).json(accepted);
      const outcome = await Promise.race([
        handle.result().then(
          (result) => ({ result }),
          (error: unknown) => ({ error }),
        ),
        new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), wait * 1000).unref()),
      ]);
      if (!outcome) return void res.status(202).json({ ...accepted, message: `still running after ${wait}s` });
      if ('error' in outcome)
        throw new ApiError(502, `${verb}_failed`, `${verb} of ${site} failed: ${innermostMessage(outcome.error)}`, {
          workflowId: handle.workflowId,
        });
      res.status(200).json({ workflowId: handle.workflowId, result: outcome.result });
    });
  // The DR sites the caller may see (a tenant's token: its own only).
  app.get(
    '/v1/sites',
    asyncRoute(async (_req, res) => void res.json({ sites: siteList(options.config, res) })),
  );
  // DRaaS: the provider coordinator's queue of a shared recovery site (provider tokens only: tenants get 404).
  app.get(
    '/v1/provider/:site/queue',
    asyncRoute(async (req, res) => {
      const site = String(req.params.site);
      const queue = await options.client.workflow
        .getHandle(`dr-provider/${site}`)
        .query(providerQueueQuery)
        .catch(() => undefined);
      if (!queue) throw new ApiError(404, 'no_coordinator', `no provider coordinator runs for site ${site}`);
      res.json(queue);
    }),
  );
  app.post('/v1/sites/:site/discover', run('discoverDrSite', 'discover'));
  app.post('/v1/sites/:site/verify', run('verifyDrSite', 'verify'));

  // A move (ksysmgr move site from=A to=B), planned or unplanned: one per site at a time; 409 while one runs.
  app.post(
    '/v1/sites/:site/move',
    asyncRoute(async (req, res) => {
      const site = activeSite(options.config, String(req.params.site), res);
      const body = parse(moveBody, req.body ?? {}, 'body');
      const backup = backupOf(options.config, site);
      if (body.to !== backup)
        throw new ApiError(400, 'invalid_request', `to: the backup site of ${site} is ${backup}, not ${body.to}`);
      const shared = sharedSite(options.config, site);
      if (shared) {
        await requestAtProvider(options.client, options.taskQueue, shared, site, body);
        return void res.status(202).json({
          workflowId: `dr-move/${site}`,
          coordinator: `dr-provider/${shared.site}`,
          message:
            `${body.mode} move of ${site} to ${body.to} asked of the provider coordinator of the shared site; ` +
            `GET /v1/sites/${site}/move for its place in the queue and its report`,
        });
      }
      try {
        const handle = await options.client.workflow.start(body.mode === 'planned' ? 'moveDrSite' : 'failoverDrSite', {
          taskQueue: options.taskQueue,
          workflowId: `dr-move/${site}`,
          workflowIdReusePolicy: 'ALLOW_DUPLICATE',
          args: [
            {
              site,
              to: body.to,
              ...(body.advisory && body.mode === 'planned' ? { advisory: true } : {}),
              ...(body.shutdownTimeout !== undefined && body.mode === 'planned'
                ? { shutdownTimeoutMs: body.shutdownTimeout * 1000 }
                : {}),
            },
          ],
        });
        res.status(202).json({
          workflowId: handle.workflowId,
          runId: handle.firstExecutionRunId,
          message: `${body.mode} move of ${site} to ${body.to} started; GET /v1/sites/${site}/move for its report`,
        });
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError)
          throw new ApiError(409, 'move_running', `a move of ${site} is already running (dr-move/${site})`);
        throw err;
      }
    }),
  );
  // The move back (backup → active) after a move, and the resync of the old active site after an unplanned move; the
  // same workflow id as the moves, so one operation on a site's VMs or replication at a time.
  app.post(
    '/v1/sites/:site/resync',
    asyncRoute(async (req, res) => {
      const site = activeSite(options.config, String(req.params.site), res);
      parse(z.strictObject({}), req.body ?? {}, 'body');
      try {
        const handle = await options.client.workflow.start('resyncDrSite', {
          taskQueue: options.taskQueue,
          workflowId: `dr-move/${site}`,
          workflowIdReusePolicy: 'ALLOW_DUPLICATE',
          args: [{ site }],
        });
        res.status(202).json({
          workflowId: handle.workflowId,
          runId: handle.firstExecutionRunId,
          message: `resynchronization of ${site} from its backup site started; GET /v1/sites/${site}/move for its report`,
        });
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError)
          throw new ApiError(409, 'move_running', `a move of ${site} is already running (dr-move/${site})`);
        throw err;
      }
    }),
  );
  app.post(
    '/v1/sites/:site/move-back',
    asyncRoute(async (req, res) => {
      const site = activeSite(options.config, String(req.params.site), res);
      const body = parse(moveBackBody, req.body ?? {}, 'body');
      try {
        const handle = await options.client.workflow.start('moveBackDrSite', {
          taskQueue: options.taskQueue,
          workflowId: `dr-move/${site}`,
          workflowIdReusePolicy: 'ALLOW_DUPLICATE',
          args: [
            { site, ...(body.shutdownTimeout !== undefined ? { shutdownTimeoutMs: body.shutdownTimeout * 1000 } : {}) },
          ],
        });
        res.status(202).json({
          workflowId: handle.workflowId,
          runId: handle.firstExecutionRunId,
          message: `move back to ${site} started; GET /v1/sites/${site}/move for its report`,
        });
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError)
          throw new ApiError(409, 'move_running', `a move of ${site} is already running (dr-move/${site})`);
        throw err;
      }
    }),
  );
  for (const [action, signal] of [
    ['approve', approveMoveSignal],
    ['reject', rejectMoveSignal],
    ['cancel', cancelMoveSignal],
  ] as const)
    app.post(
      `/v1/sites/:site/move/${action}`,
      asyncRoute(async (req, res) => {
        const site = activeSite(options.config, String(req.params.site), res);
        const decision = parse(decisionBody, req.body ?? {}, 'body');
        if (action === 'cancel') {
          const withdrawn = await cancelQueuedMove(options.client, options.config, site, {
            by: decision.by ?? String(res.locals.caller ?? 'api'),
            ...(decision.reason ? { reason: decision.reason } : {}),
          });
          if (withdrawn) return void res.status(withdrawn.status === 'CANCELLED' ? 200 : 202).json(withdrawn);
        }
        const handle = options.client.workflow.getHandle(`dr-move/${site}`);
        const running = await handle.describe().then(
          (d) => d.status.name === 'RUNNING',
          () => false,
        );
        if (!running) throw new ApiError(409, 'not_running', `no move of ${site} is running`);
        await handle.signal(signal, {
          by: decision.by ?? String(res.locals.caller ?? 'api'),
          ...(decision.reason ? { reason: decision.reason } : {}),
        });
        res.status(202).json({ workflowId: handle.workflowId, message: `${action} sent to the move of ${site}` });
      }),
    );
  // Unplanned move blocked at its fence: an admin's override stands in for the power proof no HMC could give. The
  // actor is the token's name (a `by` is a note beside it); the move records it in its report's decisions.
  app.post(
    '/v1/sites/:site/move/override-fence',
    asyncRoute(async (req, res) => {
      const site = activeSite(options.config, String(req.params.site), res);
      const body = parse(overrideFenceMoveBody, req.body ?? {}, 'body');
      const handle = options.client.workflow.getHandle(`dr-move/${site}`);
      const progress = await handle.query(moveProgressQuery).catch(() => undefined);
      if (!progress?.awaitingFenceOverride)
        throw new ApiError(
          409,
          'fence_not_blocked',
          `no move of ${site} waits at its fence (phase fence-blocked): override-fence is accepted only then`,
        );
      const by = actorOf(res, body.by);
      await handle.signal(overrideFenceMoveSignal, { by, reason: body.reason });
      console.log(`dr-move/${site}: override-fence by ${by} (${sanitizeLogText(body.reason)})`);
      res.status(202).json({
        workflowId: handle.workflowId,
        message: `fence override by ${by} sent to the move of ${site}; GET /v1/sites/${site}/move for its report`,
      });
    }),
  );
  app.get(
    '/v1/sites/:site/move',
    asyncRoute(async (req, res) => {
      const site = activeSite(options.config, String(req.params.site), res);
      const shared = sharedSite(options.config, site);
      if (shared) {
        // Waiting at the provider: the move's workflow does not exist yet (or is a previous move's).
        const queue = await options.client.workflow
          .getHandle(`dr-provider/${shared.site}`)
          .query(providerQueueQuery)
          .catch(() => undefined);
        const position = queue?.queued.findIndex((q) => q.site === site) ?? -1;
        if (queue && position >= 0)
          return void res.json({
            workflowId: `dr-move/${site}`,
            status: 'QUEUED',
            queued: {
              position: position + 1,
              providerSite: shared.site,
              requestedAt: queue.queued[position]!.requestedAt,
            },
          });
      }
      const handle = options.client.workflow.getHandle(`dr-move/${site}`);
      let status: string;
      try {
        status = (await handle.describe()).status.name;
      } catch (err) {
        if (err instanceof WorkflowNotFoundError)
          throw new ApiError(404, 'no_move', `no move of site ${site} yet: POST /v1/sites/${site}/move starts one`);
        throw err;
      }
      if (status === 'RUNNING') {
        const progress = await handle.query(moveProgressQuery).catch(() => undefined);
        const shown = progress && forCaller(options.config, res, progress);
        // The outcome is decided at the report's end: while it runs say so (the initial `failed` is not one).
        return void res.json({
          workflowId: handle.workflowId,
          status,
          ...(shown ? { progress: { ...shown, outcome: 'running' } } : {}),
        });
      }
      if (status !== 'COMPLETED') return void res.json({ workflowId: handle.workflowId, status });
      res.json({
        workflowId: handle.workflowId,
        status,
        report: forCaller(options.config, res, await handle.result()),
      });
    }),
  );

  // A DR test (ksysmgr test site): FlashCopy copies at the backup site, the VMs started on them, production untouched;
  // DELETE asks for its cleanup (ksysmgr cleanup site ... dr_test=yes). One test per site at a time.
  app.post(
    '/v1/sites/:site/test',
    asyncRoute(async (req, res) => {
      const site = activeSite(options.config, String(req.params.site), res);
      const body = parse(testBody, req.body ?? {}, 'body');
      try {
        const handle = await options.client.workflow.start('testDrSite', {
          taskQueue: options.taskQueue,
          workflowId: `dr-test/${site}`,
          workflowIdReusePolicy: 'ALLOW_DUPLICATE',
          args: [{ site, ...(body.hold !== undefined ? { holdMs: body.hold * 1000 } : {}) }],
        });
        res.status(202).json({
          workflowId: handle.workflowId,
          runId: handle.firstExecutionRunId,
          message: `DR test of ${site} started; GET /v1/sites/${site}/test for its report, DELETE to clean up`,
        });
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError)
          throw new ApiError(409, 'test_running', `a DR test of ${site} is already running (dr-test/${site})`);
        throw err;
      }
    }),
  );
  app.delete(
    '/v1/sites/:site/test',
    asyncRoute(async (req, res) => {
      const site = activeSite(options.config, String(req.params.site), res);
      const decision = parse(decisionBody, req.body ?? {}, 'body');
      const handle = options.client.workflow.getHandle(`dr-test/${site}`);
      const running = await handle.describe().then(
        (d) => d.status.name === 'RUNNING',
        () => false,
      );
      if (!running) throw new ApiError(409, 'not_running', `no DR test of ${site} is running`);
      await handle.signal(cleanupTestSignal, {
        by: String(res.locals.caller ?? 'api'),
        ...(decision.reason ? { reason: decision.reason } : {}),
      });
      res.status(202).json({ workflowId: handle.workflowId, message: `cleanup of the DR test of ${site} asked` });
    }),
  );
  app.get(
    '/v1/sites/:site/test',
    asyncRoute(async (req, res) => {
      const site = activeSite(options.config, String(req.params.site), res);
      const handle = options.client.workflow.getHandle(`dr-test/${site}`);
      let status: string;
      try {
        status = (await handle.describe()).status.name;
      } catch (err) {
        if (err instanceof WorkflowNotFoundError)
          throw new ApiError(404, 'no_test', `no DR test of site ${site} yet: POST /v1/sites/${site}/test starts one`);
        throw err;
      }
      if (status === 'RUNNING') {
        const progress = await handle.query(moveProgressQuery).catch(() => undefined);
        return void res.json({
          workflowId: handle.workflowId,
          status,
          ...(progress ? { progress: { ...progress, outcome: 'running' } } : {}),
        });
      }
      if (status !== 'COMPLETED') return void res.json({ workflowId: handle.workflowId, status });
      res.json({ workflowId: handle.workflowId, status, report: await handle.result() });
    }),
  );

  app.get(
    '/v1/sites/:site/verification',
    asyncRoute(async (req, res) => {
      const site = activeSite(options.config, String(req.params.site), res);
      const [latest] = await options.store.verifications(drVerificationKey(site), 1);
      if (!latest)
        throw new ApiError(
          404,
          'no_verification',
          `no verification of site ${site} yet: it runs on dr.verify.schedule; POST /v1/sites/${site}/verify runs one`,
        );
      res.json(verificationView(decodeDrVerification(latest)));
    }),
  );

  app.get(
    '/v1/sites/:site/verification/history',
    asyncRoute(async (req, res) => {
      const site = activeSite(options.config, String(req.params.site), res);
      const query = parse(historyListQuery, req.query, 'query');
      checkTimeRange(query);
      const rows = (await options.store.verifications(drVerificationKey(site), 1000))
        .map(decodeDrVerification)
        .filter((v) => inTimeRange(v.verifiedAt, query))
        .sort((a, b) => b.id - a.id);
      const page = pageOf(rows, query, (v) => String(v.id).padStart(15, '0'), 'descending');
      res.json({
        site,
        ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
        verifications: page.items.map((v) => ({
          id: v.id,
          verifiedAt: v.verifiedAt,
          ready: v.ready,
          readyToMove: v.vms.filter((vm) => vm.state === 'READY_TO_MOVE').length,
          notReady: v.vms
            .filter((vm) => vm.state === 'NOT_READY')
            .map((vm) => ({ vm: vm.vm, codes: [...new Set(vm.reasons.map((r) => r.code))] })),
        })),
      });
    }),
  );

  app.get(
    '/v1/vms/:vm/dr',
    asyncRoute(async (req, res) => {
      const vm = String(req.params.vm);
      const { limit } = parse(historyQuery, req.query, 'query');
      // The VM is looked for at the active sites the caller sees only: another tenant's VM is unknown here.
      const actives = visiblePairs(options.config, res).map((p) => p.sites.find((s) => s.role === 'active')!.name);
      let site = actives[0]!;
      let rows: DrVerification[] = [];
      for (const candidate of actives) {
        const found = (await options.store.verifications(drVerificationKey(candidate), limit)).map(
          decodeDrVerification,
        );
        if (candidate === actives[0] || found[0]?.vms.some((v) => v.vm === vm)) [site, rows] = [candidate, found];
        if (found[0]?.vms.some((v) => v.vm === vm)) break;
      }
      const latest = rows[0]?.vms.find((v) => v.vm === vm);
      if (!latest)
        throw new ApiError(
          404,
          'unknown_vm',
          rows.length === 0
            ? `no verification of site ${site} yet: POST /v1/sites/${site}/verify runs one`
            : `VM ${vm} was not verified at site ${site} (not on a paired production host, or excluded by dr.policies)`,
        );
      res.json({
        site,
        backupSite: rows[0]!.backupSite,
        verifiedAt: rows[0]!.verifiedAt,
        ageSeconds: ageSeconds(rows[0]!.verifiedAt),
        ...latest,
        history: rows.flatMap((row) => {
          const entry = row.vms.find((v) => v.vm === vm);
          return entry
            ? [{ verifiedAt: row.verifiedAt, state: entry.state, codes: entry.reasons.map((r) => r.code) }]
            : [];
        }),
      });
    }),
  );
}

function configuredDr(config: LazarusConfig): NonNullable<LazarusConfig['dr']> {
  if (!config.dr) throw new ApiError(404, 'dr_not_configured', 'disaster recovery is not configured (no dr section)');
  return config.dr;
}

/** The DR pairs the caller may see: all, or for a tenant-scoped token (api/access.ts) its tenant's only. */
function visiblePairs(config: LazarusConfig, res: express.Response): DrConfig[] {
  configuredDr(config);
  const tenant = res.locals.tenant as string | undefined;
  return drPairs(config)
    .map(({ pair }) => pair)
    .filter((pair) => tenant === undefined || pair.tenant === tenant);
}

/**
 * The site named in the path, which must be the active site of a DR pair the caller sees (discover and verify start
 * from it, as in KSYS); a site the caller may not see is unknown (404), as if it did not exist.
 */
function activeSite(config: LazarusConfig, name: string, res: express.Response): string {
  const pairs = visiblePairs(config, res);
  const sites = pairs.flatMap((p) => p.sites);
  const site = sites.find((s) => s.name === name && s.role === 'active') ?? sites.find((s) => s.name === name);
  if (!site)
    throw new ApiError(
      404,
      'unknown_site',
      `site ${name} is not a DR site (${[...new Set(sites.map((s) => s.name))].join(', ')})`,
    );
  if (site.role !== 'active')
    throw new ApiError(
      409,
      'not_active_site',
      `site ${name} is a ${site.role} site; discover and verify an active site ` +
        `(${pairs.map((p) => p.sites.find((s) => s.role === 'active')!.name).join(', ')})`,
    );
  return site.name;
}

/** The active DR sites the caller sees (a tenant's token: its own only), with their backup site and tenant. */
function siteList(config: LazarusConfig, res: express.Response) {
  return visiblePairs(config, res).map((pair) => ({
    site: pair.sites.find((s) => s.role === 'active')!.name,
    backupSite: pair.sites.find((s) => s.role === 'backup')!.name,
    ...(pair.tenant ? { tenant: pair.tenant } : {}),
    contractPriority: pair.contractPriority,
  }));
}

/** DRaaS (dr.tenants configured): the shared recovery site of an active site's pair, with its pair's terms. */
function sharedSite(config: LazarusConfig, site: string) {
  if (!config.dr || config.dr.tenants.length === 0) return undefined;
  const { pair } = drPairs(config).find(({ pair }) => pair.sites.some((s) => s.role === 'active' && s.name === site))!;
  return {
    site: pair.sites.find((s) => s.role === 'backup')!.name,
    tenant: pair.tenant ?? site,
    contractPriority: pair.contractPriority,
    gatherWindowMs: config.dr.coordination.gatherWindow,
  };
}

/**
 * Cancel of a move that waits at its provider coordinator (QUEUED): the request is withdrawn from the queue
 * (cancelQueuedMoveSignal) and the answer, once the coordinator shows it gone, is `{ workflowId, status: 'CANCELLED',
 * message }`. Undefined when the site shares no recovery site or its move is not queued (the caller then cancels the
 * running move); a move the coordinator started meanwhile gets the move's own cancel from the coordinator (202 here).
 */
async function cancelQueuedMove(
  client: Client,
  config: LazarusConfig,
  site: string,
  decision: { by: string; reason?: string },
): Promise<{ workflowId: string; status: string; message: string } | undefined> {
  const shared = sharedSite(config, site);
  if (!shared) return undefined;
  const coordinator = client.workflow.getHandle(`dr-provider/${shared.site}`);
  const queuedNow = async () =>
    (await coordinator.query(providerQueueQuery).catch(() => undefined))?.queued.some((q) => q.site === site);
  if (!(await queuedNow())) return undefined;
  await coordinator.signal(cancelQueuedMoveSignal, { site, ...decision });
  for (let waited = 0; waited < 30_000 && (await queuedNow()); waited += 200)
    await new Promise((resolve) => setTimeout(resolve, 200));
  const view = await coordinator.query(providerQueueQuery).catch(() => undefined);
  const last = view?.done.filter((d) => d.site === site).at(-1);
  if (last?.outcome !== 'cancelled')
    return {
      workflowId: `dr-move/${site}`,
      status: 'CANCEL_SENT',
      message: `the move of ${site} started at ${shared.site} before the cancel arrived: it stops at a safe point`,
    };
  return {
    workflowId: `dr-move/${site}`,
    status: 'CANCELLED',
    message: `the queued move of ${site} was withdrawn from the coordinator of ${shared.site}; it never started`,
  };
}

/**
 * A move report as the caller may see it: for a tenant-scoped token, each other tenant its move waited for is shown
 * as `another tenant (contract priority N)` with no site; the provider (no tenant) sees names and sites.
 */
function forCaller<T extends { coordination?: DrMoveReport['coordination'] }>(
  config: LazarusConfig,
  res: express.Response,
  report: T,
): T | (Omit<T, 'coordination'> & { coordination: object }) {
  const tenant = res.locals.tenant as string | undefined;
  if (tenant === undefined || !report.coordination) return report;
  const priorityOf = (site: string) =>
    drPairs(config).find(({ pair }) => pair.sites.some((s) => s.role === 'active' && s.name === site))?.pair
      .contractPriority;
  const waitedFor = report.coordination.waitedFor.map((w) =>
    w.tenant === tenant ? w : { tenant: `another tenant (contract priority ${priorityOf(w.site) ?? 'unknown'})` },
  );
  return { ...report, coordination: { ...report.coordination, waitedFor } };
}

/** Asks the provider coordinator for a move (signal-with-start: the coordinator starts with the first request). */
async function requestAtProvider(
  client: Client,
  taskQueue: string,
  shared: NonNullable<ReturnType<typeof sharedSite>>,
  site: string,
  body: z.output<typeof moveBody>,
): Promise<void> {
  const running = await client.workflow
    .getHandle(`dr-move/${site}`)
    .describe()
    .then(
      (d) => d.status.name === 'RUNNING',
      () => false,
    );
  if (running) throw new ApiError(409, 'move_running', `a move of ${site} is already running (dr-move/${site})`);
  await client.workflow.signalWithStart('drProviderCoordinator', {
    taskQueue,
    workflowId: `dr-provider/${shared.site}`,
    args: [{ site: shared.site, gatherWindowMs: shared.gatherWindowMs }],
    signal: requestMoveSignal,
    signalArgs: [
      {
        tenant: shared.tenant,
        site,
        mode: body.mode,
        contractPriority: shared.contractPriority,
        requestedAt: new Date().toISOString(),
        ...(body.mode === 'planned'
          ? {
              options: {
                ...(body.advisory ? { advisory: true } : {}),
                ...(body.shutdownTimeout !== undefined ? { shutdownTimeoutMs: body.shutdownTimeout * 1000 } : {}),
              },
            }
          : {}),
      },
    ],
  });
}

/** The backup site of an active site's pair. */
function backupOf(config: LazarusConfig, site: string): string {
  const pair = drPairs(config).find(({ pair }) => pair.sites.some((s) => s.role === 'active' && s.name === site))!;
  return pair.pair.sites.find((s) => s.role === 'backup')!.name;
}

/**
 * `{ id, site, backupSite, verifiedAt, ageSeconds, ready, readyToMove, notReady, vms: [{ vm, state, productionHost,
 * backupHost, reasons: [{ code, message }], warnings }], groups: [{ name, state, primary, rpoMs, recoveryPoint,
 * lagSeconds }] }`.
 */
function verificationView(v: DrVerification & { id: number }) {
  return {
    id: v.id,
    site: v.site,
    backupSite: v.backupSite,
    verifiedAt: v.verifiedAt,
    ageSeconds: ageSeconds(v.verifiedAt),
    ready: v.ready,
    readyToMove: v.vms.filter((vm) => vm.state === 'READY_TO_MOVE').length,
    notReady: v.vms.filter((vm) => vm.state === 'NOT_READY').length,
    vms: v.vms,
    groups: v.groups,
  };
}

const reasonSchema = z.object({ code: z.enum(DR_REASON_CODES), message: z.string() });
const vmVerificationSchema = z.object({
  vm: z.string(),
  productionHost: z.string(),
  productionState: z.string().optional(),
  backupHost: z.string().optional(),
  state: z.enum(DR_VM_STATES),
  reasons: z.array(reasonSchema),
  warnings: z.array(reasonSchema),
});
const verificationResponse = z.object({
  id: z.number().int(),
  site: z.string(),
  backupSite: z.string(),
  verifiedAt: z.string(),
  ageSeconds: z.number().int(),
  ready: z.boolean(),
  readyToMove: z.number().int(),
  notReady: z.number().int(),
  vms: z.array(vmVerificationSchema),
  groups: z.array(
    z.object({
      name: z.string(),
      state: z.string(),
      primary: z.string(),
      rpoMs: z.number().optional(),
      recoveryPoint: z.string().optional(),
      lagSeconds: z.number().optional(),
    }),
  ),
});
const historyResponse = z.object({
  site: z.string(),
  verifications: z.array(
    z.object({
      id: z.number().int(),
      verifiedAt: z.string(),
      ready: z.boolean(),
      readyToMove: z.number().int(),
      notReady: z.array(z.object({ vm: z.string(), codes: z.array(z.enum(DR_REASON_CODES)) })),
    }),
  ),
  nextCursor: z.string().optional(),
});
const vmDrResponse = vmVerificationSchema.extend({
  site: z.string(),
  backupSite: z.string(),
  verifiedAt: z.string(),
  ageSeconds: z.number().int(),
  history: z.array(z.object({ verifiedAt: z.string(), state: z.enum(DR_VM_STATES), codes: z.array(z.string()) })),
});
const runResponse = z.object({ workflowId: z.string(), runId: z.string().optional(), message: z.string().optional() });

/** The DR paths in the OpenAPI document (api/openapi.ts). */
export function registerDrPaths(registry: OpenAPIRegistry, shared: OpenApiShared): void {
  const { security, json, errors, errorResponse } = shared;
  const site = z.object({ site: z.string().describe('the active DR site (dr.sites[].role: active)') });
  const conflict = json(errorResponse, 'the site is the backup site (not_active_site)');
  for (const verb of ['discover', 'verify'] as const)
    registry.registerPath({
      method: 'post',
      path: `/v1/sites/{site}/${verb}`,
      security,
      request: { params: site, query: waitQuery },
      responses: {
        202: json(runResponse, `${verb} started (or still running after ?wait seconds)`),
        200: json(
          runResponse.extend({ result: z.record(z.string(), z.unknown()) }),
          verb === 'verify'
            ? 'done within ?wait: { site, verificationId, ready, vms, readyToMove, notReady: [{ vm, codes }] }'
            : 'done within ?wait: hosts of both sites, per VM its volumes and their consistency groups',
        ),
        409: conflict,
        502: json(errorResponse, `the ${verb} failed (a device could not be read): ${verb}_failed`),
        ...errors,
      },
    });
  registry.registerPath({
    method: 'post',
    path: '/v1/sites/{site}/move',
    security,
    request: { params: site, body: { content: { 'application/json': { schema: moveBody } } } },
    responses: {
      202: json(runResponse, 'move started (workflow dr-move/<site>: moveDrSite, or failoverDrSite when unplanned)'),
      409: json(errorResponse, 'a move of the site is running (move_running), or the site is not active'),
      ...errors,
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/v1/sites/{site}/resync',
    security,
    request: { params: site },
    responses: {
      202: json(runResponse, "the old active site's resynchronization from the backup site started (dr-move/<site>)"),
      409: json(errorResponse, 'a move of the site is running (move_running), or the site is not active'),
      ...errors,
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/v1/sites/{site}/move-back',
    security,
    request: { params: site, body: { content: { 'application/json': { schema: moveBackBody } } } },
    responses: {
      202: json(runResponse, 'move back to the active site started (workflow dr-move/<site>: moveBackDrSite)'),
      409: json(errorResponse, 'a move of the site is running (move_running), or the site is not active'),
      ...errors,
    },
  });
  for (const action of ['approve', 'reject', 'cancel'] as const)
    registry.registerPath({
      method: 'post',
      path: `/v1/sites/{site}/move/${action}`,
      security,
      request: { params: site, body: { content: { 'application/json': { schema: decisionBody } } } },
      responses: {
        ...(action === 'cancel'
          ? {
              200: json(
                runResponse,
                'DRaaS: the move waited at its provider coordinator and was withdrawn (CANCELLED)',
              ),
            }
          : {}),
        202: json(runResponse, `${action} sent to the running move`),
        409: json(errorResponse, 'no move of the site is running (not_running)'),
        ...errors,
      },
    });
  registry.registerPath({
    method: 'post',
    path: '/v1/sites/{site}/move/override-fence',
    security,
    request: { params: site, body: { content: { 'application/json': { schema: overrideFenceMoveBody } } } },
    responses: {
      202: json(runResponse, 'override sent to the blocked move'),
      409: json(errorResponse, 'no move of the site waits at its fence (fence_not_blocked)'),
      ...errors,
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/v1/sites/{site}/move',
    security,
    request: { params: site },
    responses: {
      200: json(
        z.object({ workflowId: z.string(), status: z.string(), report: z.record(z.string(), z.unknown()).optional() }),
        "the latest move's status, and its report once completed (outcome, per VM, groups, recovery point, steps)",
      ),
      ...errors,
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/v1/sites',
    security,
    responses: {
      200: json(
        z.object({
          sites: z.array(
            z.object({
              site: z.string(),
              backupSite: z.string(),
              tenant: z.string().optional(),
              contractPriority: z.number(),
            }),
          ),
        }),
        "the active DR sites the caller sees (a tenant's token: its own only)",
      ),
      ...errors,
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/v1/provider/{site}/queue',
    security,
    request: { params: site },
    responses: {
      200: json(
        z.record(z.string(), z.unknown()),
        'DRaaS: the provider coordinator of a shared site: { site, running, queued, done } (provider tokens only)',
      ),
      ...errors,
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/v1/sites/{site}/test',
    security,
    request: { params: site, body: { content: { 'application/json': { schema: testBody } } } },
    responses: {
      202: json(runResponse, 'DR test started (workflow dr-test/<site>: testDrSite)'),
      409: json(errorResponse, 'a DR test of the site is running (test_running), or the site is not active'),
      ...errors,
    },
  });
  registry.registerPath({
    method: 'delete',
    path: '/v1/sites/{site}/test',
    security,
    request: { params: site, body: { content: { 'application/json': { schema: decisionBody } } } },
    responses: {
      202: json(runResponse, 'cleanup asked: test VMs stopped, FlashCopy copies unmapped and removed'),
      409: json(errorResponse, 'no DR test of the site is running (not_running)'),
      ...errors,
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/v1/sites/{site}/test',
    security,
    request: { params: site },
    responses: {
      200: json(
        z.object({ workflowId: z.string(), status: z.string(), report: z.record(z.string(), z.unknown()).optional() }),
        "the latest DR test's status, progress while running, and its report (copies, VMs, productionUntouched)",
      ),
      ...errors,
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/v1/sites/{site}/verification',
    security,
    request: { params: site },
    responses: {
      200: json(verificationResponse, 'the latest verification: per VM READY_TO_MOVE or NOT_READY with reasons'),
      409: conflict,
      ...errors,
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/v1/sites/{site}/verification/history',
    security,
    request: { params: site, query: historyListQuery },
    responses: { 200: json(historyResponse, 'verifications, newest first'), 409: conflict, ...errors },
  });
  registry.registerPath({
    method: 'get',
    path: '/v1/vms/{vm}/dr',
    security,
    request: { params: z.object({ vm: z.string() }), query: historyQuery },
    responses: { 200: json(vmDrResponse, "a VM's DR state (ksysmgr query vm) and its history"), ...errors },
  });
}

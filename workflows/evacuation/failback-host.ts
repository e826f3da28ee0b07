// Failback after a failover, the runbook: when a failed host is back, its stale partition definitions (LPARs the
// failover restarted elsewhere) are removed with `rrstartlpar -o cleanup`, and the volumes of those LPARs are
// unmapped from it — only for LPARs the HMC shows Running on exactly one other host, and never while any LPAR's
// state elsewhere is unknown or in doubt (domain/evacuation/failback.ts: then nothing is touched and the report says
// why). Afterwards the inventory no longer counts the host fenced, so plans may place onto it again, and `restore`
// can bring its LPARs home by LPM.
// Two entry points: `failbackHost` on request (POST /v1/hosts/:host/failback: a refusal is answered at once), and
// `autoFailback`, which the host monitor starts when a host it saw down is up again: it does the failback only when
// the group's policy says `automatic` and a failover of the host has not been failed back yet, and while an LPAR's
// state elsewhere is in doubt it waits and decides again rather than refusing.
import { ActivityFailure, patched, sleep, workflowInfo } from '@temporalio/workflow';
import {
  failbackDecision,
  type AutoFailbackInput,
  type AutoFailbackResult,
  type FailbackInput,
  type FailbackReport,
} from '../../domain/evacuation/index.js';
import { innermostMessage } from '../../domain/failover/index.js';
import { boundedParallel } from '../shared/bounded-parallel.js';
import { controlActivities, evacuationActivities, type EvacuationProxies } from './proxies.js';

/**
 * Marks the failback that undoes every standing storage cut (not only the newest failover's), unmaps only the cleaned
 * LPARs' volumes and re-reads the host objects; runs started before it replay the old order of steps.
 */
const STANDING_FENCE_PATCH = 'failback-standing-storage-fence';
/** Marks the failback that refuses a host with nothing to fail back; runs started before it replay as they ran. */
const NOTHING_TO_DO_PATCH = 'failback-nothing-to-do';
/** Cleanups and unmappings at once. */
const PARALLEL = 4;
/** How long an automatic failback waits for every LPAR's state elsewhere to be certain before it gives up. */
export const AUTO_FAILBACK_PATIENCE_MS = 30 * 60_000;

/**
 * The failback on request. A host with nothing to fail back (it never failed: no stale definition, no failover
 * record) is refused with a reason starting "nothing to fail back" and no report is stored.
 */
export async function failbackHost(input: FailbackInput): Promise<FailbackReport> {
  const activities = evacuationActivities(input.policy);
  const report = await failbackOnce(input, activities);
  if (report.outcome === 'refused' && report.reason?.startsWith('nothing to fail back')) return report;
  await finish(report, activities);
  return report;
}

/**
 * The automatic failback of a host the monitor saw return (see the header). Ends at once, with `skipped` saying why,
 * when the policy is `on-request` or nothing is to be failed back; else decides again every `retryMs` while the
 * decision is refused (an LPAR in doubt elsewhere, another host unreadable), notifying once that it waits, for at most
 * AUTO_FAILBACK_PATIENCE_MS; a host that is not back (down again) ends it. The last report is stored and notified.
 */
export async function autoFailback(input: AutoFailbackInput): Promise<AutoFailbackResult> {
  const due = await controlActivities().failbackDue({ group: input.group, host: input.host });
  if (!due.due) return { group: input.group, host: input.host, attempts: 0, skipped: due.reason };
  const activities = evacuationActivities(due.policy);
  const failback: FailbackInput = { ...input, policy: due.policy };
  const retryMs = Math.min(60_000, Math.max(1_000, due.policy.pollMs * 10));
  const started = Date.now();
  let attempts = 0;
  let waitingSaid = false;
  for (;;) {
    attempts++;
    const report = await failbackOnce(failback, activities);
    const notBack = report.outcome === 'refused' && /not back yet/.test(report.reason ?? '');
    const patience = Date.now() - started + retryMs <= AUTO_FAILBACK_PATIENCE_MS;
    if (report.outcome !== 'refused' || notBack || !patience) {
      if (report.outcome === 'refused')
        report.reason =
          `${report.reason}; automatic failback gave up after ${attempts} attempts: ask again with ` +
          `POST /v1/hosts/${input.host}/failback`;
      await finish(report, activities);
      return { group: input.group, host: input.host, attempts, report };
    }
    if (!waitingSaid) {
      waitingSaid = true;
      await activities.reads.notify({
        severity: 'warning',
        kind: 'failback-waiting',
        message:
          `automatic failback of ${input.host} waits: ${report.reason}; it decides again every ` +
          `${retryMs / 1000} s for up to ${AUTO_FAILBACK_PATIENCE_MS / 60_000} min`,
        workflowId: report.workflowId,
      });
    }
    await sleep(retryMs);
  }
}

/** One decision and, unless refused, the cleanup; nothing is stored or notified here. */
async function failbackOnce(input: FailbackInput, activities: EvacuationProxies): Promise<FailbackReport> {
  const { control, reads, hmc } = activities;
  const workflowId = workflowInfo().workflowId;
  const report: FailbackReport = {
    workflowId,
    group: input.group,
    host: input.host,
    startedAt: new Date().toISOString(),
    outcome: 'succeeded',
    cleaned: [],
    unmappedVolumes: [],
    kept: [],
  };
  try {
    const evidence = await reads.groupEvidence({ group: input.group });
    const decision = failbackDecision(input.host, evidence);
    report.kept = decision.kept;
    // A host that never failed (no stale definition here, no failover record): refused, not "succeeded".
    const nothing =
      !decision.refusal && decision.cleanup.length === 0 && patched(NOTHING_TO_DO_PATCH)
        ? await control.nothingToFailBack({ group: input.group, host: input.host })
        : undefined;
    if (decision.refusal || nothing) {
      report.outcome = 'refused';
      report.reason = decision.refusal ?? nothing;
    } else {
      await boundedParallel(decision.cleanup, PARALLEL, async (c) => {
        await hmc.cleanupStaleDefinition({ group: input.group, host: input.host, lpar: c.lpar });
        report.cleaned.push(c);
      });
      if (patched(STANDING_FENCE_PATCH)) {
        const missing = await undoStorageCuts(input, report, activities);
        if (missing) {
          report.outcome = 'failed';
          report.reason = missing;
          return report;
        }
      } else await legacyStorageCleanup(input, report, activities);
      const state = evidence.hosts.find((h) => h.host === input.host)!.state;
      await control.recordHostReturned({ group: input.group, host: input.host, state, workflowId });
    }
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    report.outcome = 'failed';
    const cleaned = report.cleaned.map((c) => c.lpar).join(', ') || 'none';
    report.reason = `${innermostMessage(err)} (cleaned so far: ${cleaned})`;
  }
  return report;
}

/**
 * The storage half of a failback. Each volume of an LPAR whose stale definition was just cleaned up (the HMC showed
 * it Running on exactly one other host) loses its mapping to the returned host; nothing of an LPAR failback keeps is
 * unmapped, even when a stale mapping elsewhere names the same volume. Then every port any failover run removed from
 * the host's storage host objects goes back, and each host object is read again (`lshost`): a port still missing is
 * the answer (the failback failed: the host stays cut and fenced), undefined when every port is back.
 */
async function undoStorageCuts(
  input: FailbackInput,
  report: FailbackReport,
  activities: EvacuationProxies,
): Promise<string | undefined> {
  const { control, storage } = activities;
  const volumes = await control.lparVolumes({ group: input.group, lpars: report.cleaned.map((c) => c.lpar) });
  const stale = [...new Set(Object.values(volumes).flat())];
  const cuts = await control.failoverPortsRemoved({ group: input.group, host: input.host });
  for (const cut of cuts) {
    const done = await storage.restoreHostPorts({
      group: input.group,
      host: cut.storageHost,
      wwpns: cut.wwpns,
      volumes: stale,
    });
    report.storageCleanup = [...(report.storageCleanup ?? []), ...done];
  }
  await unmapFromHost(input, report, activities, stale);
  const missing: string[] = [];
  for (const cut of cuts) {
    const now = new Set(await storage.hostPorts({ group: input.group, host: cut.storageHost }));
    const gone = cut.wwpns.filter((w) => !now.has(w));
    if (gone.length > 0) missing.push(`${cut.storageHost} still lacks ports ${gone.join(', ')}`);
  }
  return missing.length > 0 ? `storage host object not restored: ${missing.join('; ')}` : undefined;
}

/** Unmaps from the returned host those of `volumes` still mapped to it (the cleaned LPARs' disks). */
async function unmapFromHost(
  input: FailbackInput,
  report: FailbackReport,
  activities: EvacuationProxies,
  volumes: string[],
): Promise<void> {
  const { storage } = activities;
  const mapped = new Set(await storage.listHostMappings({ group: input.group, host: input.host }));
  await boundedParallel(
    volumes.filter((v) => mapped.has(v)),
    PARALLEL,
    async (volume) => {
      await storage.unmapVolume({ group: input.group, volume, host: input.host });
      report.unmappedVolumes.push(volume);
    },
  );
}

/**
 * The storage half as failbacks started before STANDING_FENCE_PATCH ran it (kept only so their histories replay):
 * the newest failover's port cut is put back, then the cleaned LPARs' volumes are unmapped.
 */
async function legacyStorageCleanup(
  input: FailbackInput,
  report: FailbackReport,
  activities: EvacuationProxies,
): Promise<void> {
  const { control, storage } = activities;
  const cuts = await control.failoverPortsRemoved({ group: input.group, host: input.host });
  const newest = cuts[cuts.length - 1];
  if (newest)
    report.storageCleanup = await storage.restoreHostPorts({
      group: input.group,
      host: newest.storageHost,
      wwpns: newest.wwpns,
      volumes: [],
    });
  const volumes = await control.lparVolumes({ group: input.group, lpars: report.cleaned.map((c) => c.lpar) });
  await unmapFromHost(input, report, activities, Object.values(volumes).flat());
}

/** Stores the report (a refusal too) and notifies its outcome. */
async function finish(report: FailbackReport, activities: EvacuationProxies): Promise<void> {
  await activities.control.recordFailbackReport(report);
  await activities.reads.notify({
    severity: report.outcome === 'succeeded' ? 'info' : 'warning',
    kind: 'failback-finished',
    message:
      report.outcome === 'succeeded'
        ? `failback of ${report.host}: ${report.cleaned.length} stale definitions and ` +
          `${report.unmappedVolumes.length} volume mappings removed`
        : `failback of ${report.host} ${report.outcome}: ${report.reason}`,
    workflowId: report.workflowId,
  });
}

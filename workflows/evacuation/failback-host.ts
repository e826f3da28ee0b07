// Failback after a failover, the runbook: when a failed host is back, its stale partition definitions (LPARs the
// failover restarted elsewhere) are removed with `rrstartlpar -o cleanup`, and the volumes of those LPARs are
// unmapped from it — only for LPARs the HMC shows Running on exactly one other host, and never while any LPAR's
// state elsewhere is unknown or in doubt (domain/evacuation/failback.ts: then nothing is touched and the report says
// why). Afterwards the inventory no longer counts the host fenced, so plans may place onto it again, and `restore`
// can bring its LPARs home by LPM.
import { ActivityFailure, workflowInfo } from '@temporalio/workflow';
import { failbackDecision, type FailbackInput, type FailbackReport } from '../../domain/evacuation/index.js';
import { innermostMessage } from '../../domain/failover/index.js';
import { boundedParallel } from '../shared/bounded-parallel.js';
import { evacuationActivities } from './proxies.js';

/** Cleanups and unmappings at once. */
const PARALLEL = 4;

export async function failbackHost(input: FailbackInput): Promise<FailbackReport> {
  const { control, reads, hmc, storage } = evacuationActivities(input.policy);
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
    if (decision.refusal) {
      report.outcome = 'refused';
      report.reason = decision.refusal;
    } else {
      await boundedParallel(decision.cleanup, PARALLEL, async (c) => {
        await hmc.cleanupStaleDefinition({ group: input.group, host: input.host, lpar: c.lpar });
        report.cleaned.push(c);
      });
      // A host-level fence (its storage host object lost its ports): the storage cleanup drops every mapping of a
      // volume now used elsewhere, then puts the recorded ports back.
      const ports = await control.failoverPortsRemoved({ group: input.group, host: input.host });
      if (ports) {
        report.storageCleanup = await storage.restoreHostPorts({
          group: input.group,
          host: ports.storageHost,
          wwpns: ports.wwpns,
        });
      }
      const volumes = await control.lparVolumes({ group: input.group, lpars: report.cleaned.map((c) => c.lpar) });
      const mapped = new Set(await storage.listHostMappings({ group: input.group, host: input.host }));
      // The cleaned LPARs are gone from this host (proven not active here): their mappings to it may go.
      const stale = Object.values(volumes)
        .flat()
        .filter((v) => mapped.has(v));
      await boundedParallel(stale, PARALLEL, async (volume) => {
        await storage.unmapVolume({ group: input.group, volume, host: input.host });
        report.unmappedVolumes.push(volume);
      });
      const state = evidence.hosts.find((h) => h.host === input.host)!.state;
      await control.recordHostReturned({ group: input.group, host: input.host, state, workflowId });
    }
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    report.outcome = 'failed';
    const cleaned = report.cleaned.map((c) => c.lpar).join(', ') || 'none';
    report.reason = `${innermostMessage(err)} (cleaned so far: ${cleaned})`;
  }
  await control.recordFailbackReport(report);
  await reads.notify({
    severity: report.outcome === 'succeeded' ? 'info' : 'warning',
    kind: 'failback-finished',
    message:
      report.outcome === 'succeeded'
        ? `failback of ${input.host}: ${report.cleaned.length} stale definitions and ` +
          `${report.unmappedVolumes.length} volume mappings removed`
        : `failback of ${input.host} ${report.outcome}: ${report.reason}`,
    workflowId,
  });
  return report;
}

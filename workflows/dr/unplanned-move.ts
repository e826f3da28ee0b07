// An unplanned site move (VMRM DR's `ksysmgr move site ... dr_type=unplanned`): the active site is gone, or an
// operator declares the disaster. Works from the backup site and the last stored verification:
//   1. prepare — the VMs that were active at the active site, their start waves on the paired backup hosts, the
//      groups on the aux storage with the recovery point each can prove, which production hosts an HMC still lists;
//   2. fence — power off every production host an HMC of the active site still lists (proven off before anything
//      starts); an HMC that does not answer is recorded: that site is taken as gone — unless the inter-site link is
//      still up (a group not disconnected) while some host is not proven off: its VMs may still write, so nothing is
//      taken over (a takeover would leave both copies writable);
//   3. take over storage — stoprcconsistgrp -access per group on the aux storage system: the backup copies become
//      writable; the recovery point is recorded per group and for the move (the oldest);
//   4. start at the backup site (move-steps.ts);
//   5. report.
// When the active site returns nothing starts there (its hosts come back with their partitions Not Activated);
// making its volumes secondary and resynchronizing from the backup site is not done yet (issue 13).
import {
  finalOutcome,
  moveActivities,
  newReport,
  operatorGates,
  reported,
  startAtBackup,
  step,
  waitFor,
  type DrCoordination,
  type DrMoveReport,
} from './move-steps.js';

export async function failoverDrSite(input: {
  site: string;
  to: string;
  pollMs?: number;
  bootTimeoutMs?: number;
  heartbeatMs?: number;
  /** DRaaS: set by the provider coordinator, copied into the report. */
  coordination?: DrCoordination;
}): Promise<DrMoveReport> {
  const report = newReport(input.site, input.to, 'unplanned');
  if (input.coordination) report.coordination = input.coordination;
  return reported(report, () => unplannedMove(input, report));
}

async function unplannedMove(
  input: { site: string; to: string; pollMs?: number; bootTimeoutMs?: number; heartbeatMs?: number },
  report: DrMoveReport,
): Promise<DrMoveReport> {
  const acts = moveActivities(input.heartbeatMs);
  const { control, hmcOf, storageOf } = acts;
  const pollMs = input.pollMs ?? 2_000;
  const gates = operatorGates(report);
  const preparation = await step(report, 'prepare', () => control.prepareDrFailover(input.site));
  report.verificationId = preparation.verificationId;
  report.unreachable = preparation.unreachable;

  // Every production host still listed is powered off at once (in parallel); each must be proven off.
  const fenced = await step(report, 'fence-active-site', async () => {
    report.fenced = [];
    const results = await Promise.all(
      preparation.fence.map(async ({ hmc, host }) => {
        const outcome = await hmcOf(hmc).drFenceHost({ hmc, host });
        const off = await waitFor(
          async () => ['Power Off', 'No Power'].includes(await control.drHostState({ hmc, host })),
          5 * 60_000,
          pollMs,
        );
        if (off) report.fenced!.push({ host, detail: outcome.detail });
        return off ? undefined : host;
      }),
    );
    const notOff = results.filter((h): h is string => h !== undefined);
    if (notOff.length === 0) return true;
    report.steps.at(-1)!.detail = `${notOff.join(', ')} not proven off after a power off; nothing was started`;
    return false;
  });
  if (!fenced) return report;

  // With the inter-site link up, the active site's storage still replicates, so its VMs may still write; a takeover
  // then would leave both copies writable (idling). Only hosts proven off make that safe.
  const connected = preparation.groups.filter(
    (g) => !g.state.endsWith('disconnected') && !g.state.startsWith('idling'),
  );
  const unfenced = preparation.activeHosts.filter((h) => !report.fenced?.some((f) => f.host === h));
  if (connected.length > 0 && unfenced.length > 0) {
    report.steps.push({
      step: 'take-over-storage',
      startedAt: new Date().toISOString(),
      endedAt: new Date().toISOString(),
      detail:
        `refused: ${connected.map((g) => `${g.name} is ${g.state}`).join(', ')} (the link to ${input.site} is up) ` +
        `while ${unfenced.join(', ')} cannot be proven off; its VMs may still write, and a takeover would leave ` +
        'both copies writable. Nothing was taken over or started.',
    });
    return report;
  }

  await step(report, 'take-over-storage', async () => {
    for (const group of preparation.groups) {
      const outcome = await storageOf(group.storage).drStopGroupWithAccess({
        storage: group.storage,
        group: group.name,
      });
      report.groups.push({
        name: group.name,
        switched: true,
        detail: outcome.detail,
        recoveryPoint: group.recoveryPoint,
      });
    }
    const points = preparation.groups.map((g) => g.recoveryPoint);
    if (points.every((p) => p !== undefined)) report.recoveryPoint = points.sort()[0];
  });

  await step(report, 'start-at-backup-site', () =>
    startAtBackup(
      acts,
      report,
      preparation.waves,
      { pollMs, bootTimeoutMs: input.bootTimeoutMs ?? 15 * 60_000 },
      gates.cancelled,
    ),
  );
  report.outcome = finalOutcome(report);
  return report;
}

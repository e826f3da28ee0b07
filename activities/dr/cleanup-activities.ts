// Clean-up at the site the VMs left (VMRM DR's clean-up after `ksysmgr move site`): after a planned move, and after an
// unplanned move once the old active site is back, secondary and resynchronized, the moved VMs' volumes are unmapped
// from the old site's storage host objects (`rmvdiskhostmap -host H VOL`, power-cli.md §3.1), so nothing can start
// there on them (the HMC refuses to activate a partition whose disks are not available). The partition definitions
// stay: power-cli.md documents no command that removes one, and they are what the move back starts.
//
// Safety: a VM's volumes are unmapped only when the HMC answers for its host and shows the VM `Not Activated` (or it
// is not defined there), read once for the plan and again right before the unmapping; a volume that another partition
// of the old site may use (any state but Not Activated, or on a host that cannot be described) keeps its mappings.
//
// Each removed mapping is written to the inventory store's verification history under `dr-cleanup/<active site>`
// BEFORE it is removed, so a retry after a crash (which finds it already gone) still knows it, and the next move
// towards that site presents exactly those mappings again (`mkvdiskhostmap -scsi N`, idempotent) before it starts
// anything there; a row with ok=true marks them restored.
import { z } from 'zod';
import { DrSiteError, drSitePair, readSite } from './discover-site.js';
import type { DrDependencies } from './activities.js';
import type { VerificationResult } from '../inventory/index.js';
import { decodeDrVerification, drVerificationKey } from './verification-records.js';

/** The verification-history key of the mappings removed at either site of the pair whose active site is `site`. */
export const drCleanupKey = (site: string) => `dr-cleanup/${site}`;

/** A mapping removed by a clean-up: at `storage` (of site `at`), `volume` was mapped to `host` as LUN `scsiId`. */
export interface DrRemovedMapping {
  at: string;
  vm: string;
  storage: string;
  volume: string;
  host: string;
  scsiId: number;
}

/** Per moved VM, what the clean-up will do at the old site (`volumes`) or why it leaves the VM alone (`skipped`). */
export interface DrCleanupTarget {
  vm: string;
  /** Its host at the old site and the HMC that described it (absent when the VM is not defined there). */
  host?: string;
  hmc?: string;
  storage: string;
  volumes: string[];
  /** Volumes left mapped, each with why (another partition may use it). */
  kept: Array<{ volume: string; reason: string }>;
  skipped?: string;
}

const removedSchema = z.strictObject({
  at: z.string(),
  vm: z.string(),
  storage: z.string(),
  volume: z.string(),
  host: z.string(),
  scsiId: z.number().int().nonnegative(),
});

/** The mappings of clean-up rows (newest first) not yet restored at `at`: those newer than its last ok=true row. */
export function unrestoredMappings(rows: VerificationResult[], at: string): DrRemovedMapping[] {
  const pending = new Map<string, DrRemovedMapping>();
  for (const row of rows) {
    if (row.ok && row.findings.some((f) => f.subject === `restored/${at}`)) break;
    for (const [index, finding] of row.findings.entries()) {
      if (!finding.subject.startsWith('mapping/')) continue;
      let json: unknown;
      try {
        json = JSON.parse(finding.message);
      } catch {
        throw new DrSiteError(`clean-up record ${row.id} finding ${index}: message is not JSON`);
      }
      const parsed = removedSchema.safeParse(json);
      if (!parsed.success)
        throw new DrSiteError(
          `clean-up record ${row.id} finding ${index}: ${parsed.error.issues[0]!.message} at ` +
            parsed.error.issues[0]!.path.join('.'),
        );
      const m = parsed.data;
      if (m.at === at) pending.set(`${m.storage}/${m.volume}/${m.host}`, m);
    }
  }
  return [...pending.values()].sort((a, b) => (a.volume < b.volume ? -1 : a.volume > b.volume ? 1 : 0));
}

/**
 * The mappings clean-ups removed at `backupSite` (either site of the pair may have recorded them) and not yet restored:
 * a move towards it presents them again before starting, so verification counts them as the shadows' disks.
 * Errors: DrSiteError when a record is malformed.
 */
export async function restorableMappingsAt(
  store: DrDependencies['store'],
  sites: readonly string[],
  backupSite: string,
): Promise<DrRemovedMapping[]> {
  const rows = await Promise.all(sites.map(async (site) => store.verifications(drCleanupKey(site), 200)));
  return rows.flatMap((history) => unrestoredMappings(history, backupSite));
}

/**
 * Where one VM of a DR pair is now: `running` at the active site, the backup site, both (never wanted), or nowhere;
 * `ranBefore` when the latest verification saw it active at the active site (so down at both sites is a loss).
 */
export interface DrWhereabouts {
  vm: string;
  running: 'active' | 'backup' | 'both' | 'nowhere';
  ranBefore: boolean;
  activeHost: string;
  activeState: string;
  backupHost?: string;
  backupState?: string;
}

export function createDrCleanupActivities(deps: DrDependencies, guard: <T>(work: () => Promise<T>) => Promise<T>) {
  /** The old site's side of the pair: its name, hosts, HMCs and the storage system holding the VMs' copies there. */
  const sideOf = (site: string, at: 'active' | 'backup') => {
    const pair = drSitePair(deps.config, site);
    const side = pair[at];
    const group = pair.dr.consistencyGroups[0]!;
    return { pair, side, storage: side.storage[0] ?? (at === 'active' ? group.master : group.aux) };
  };
  const storage = {
    /**
     * Unmaps a moved VM's volumes at the old site: re-reads the VM's state through its HMC first (anything but `Not
     * Activated` or not defined: nothing is unmapped, `refused` says why); records every mapping it is about to remove,
     * then removes them (rmvdiskhostmap; not mapped is no change). `removed`: every mapping of the VM the clean-up
     * removed there and nothing restored since (also those an earlier, crashed attempt removed). Runs on the old
     * site's storage queue.
     */
    async drCleanupVm(input: { site: string; at: 'active' | 'backup'; target: DrCleanupTarget }) {
      return guard(async () => {
        const { target } = input;
        if (target.host && target.hmc) {
          const now = await deps.devices.hmc(target.hmc).partition(target.host, target.vm);
          if (now && now.state !== 'Not Activated')
            return { removed: [] as DrRemovedMapping[], refused: `${target.vm} is ${now.state} on ${target.host}` };
        }
        const svc = deps.devices.storageSystem(target.storage);
        const atSite = sideOf(input.site, input.at).side.name;
        const removed: DrRemovedMapping[] = [];
        for (const volume of target.volumes)
          for (const m of await svc.volumeMappings(volume))
            removed.push({
              at: atSite,
              vm: target.vm,
              storage: target.storage,
              volume,
              host: m.host,
              scsiId: m.scsiId,
            });
        if (removed.length > 0)
          await deps.store.recordVerification({
            group: drCleanupKey(input.site),
            verifiedAt: new Date().toISOString(),
            ok: false,
            findings: removed.map((m) => ({
              severity: 'info' as const,
              subject: `mapping/${m.storage}/${m.volume}/${m.host}`,
              message: JSON.stringify(m),
            })),
          });
        for (const m of removed) await svc.unmapVolume(m.volume, m.host);
        // What the clean-up removed for this VM, as recorded: a retry after a crash, which finds the mappings already
        // gone, still reports them.
        const recorded = unrestoredMappings(await deps.store.verifications(drCleanupKey(input.site), 200), atSite);
        return { removed: recorded.filter((m) => m.vm === target.vm), refused: undefined };
      });
    },
    /**
     * Presents again, at the site a move goes to, the mappings an earlier clean-up removed there (mkvdiskhostmap with
     * the recorded SCSI id; already mapped is no change), then marks them restored. Runs on that site's storage queue.
     */
    async drPresentCleanedVolumes(input: { site: string; at: 'active' | 'backup' }) {
      return guard(async () => {
        const { side } = sideOf(input.site, input.at);
        const pending = unrestoredMappings(await deps.store.verifications(drCleanupKey(input.site), 200), side.name);
        const details: string[] = [];
        for (const m of pending)
          details.push(
            (await deps.devices.storageSystem(m.storage).mapVolume(m.volume, m.host, { scsiId: m.scsiId })).detail,
          );
        if (pending.length > 0)
          await deps.store.recordVerification({
            group: drCleanupKey(input.site),
            verifiedAt: new Date().toISOString(),
            ok: true,
            findings: [{ severity: 'info', subject: `restored/${side.name}`, message: `${pending.length} mappings` }],
          });
        return { presented: pending.length, detail: details.join('; ') };
      });
    },
  };
  const control = {
    /**
     * Which of the moved VMs can be cleaned up at the old site (`at`), read now through its HMCs and storage: a VM
     * shown Not Activated gets its volumes unmapped, minus those another partition there may use; a VM in any other
     * state, or whose host cannot be described, is skipped with the reason; one not defined there has nothing to do.
     */
    /**
     * Every VM of the latest verification of `site` (the VMs of the pair, as verified before the last move) and its
     * state at both sites now, read through their HMCs (`definitions` depth, nothing through the VIOS): what a move's
     * report names so that no VM down at both sites goes unmentioned. A VM on a host no HMC describes is `unknown`.
     */
    async drWhereabouts(site: string): Promise<DrWhereabouts[]> {
      return guard(async () => {
        const [latest] = (await deps.store.verifications(drVerificationKey(site), 1)).map(decodeDrVerification);
        if (!latest) return [];
        const active = sideOf(site, 'active');
        const backup = sideOf(site, 'backup');
        const [atActive, atBackup] = await Promise.all([
          readSite(deps.devices, active.side, active.storage, 'definitions'),
          readSite(deps.devices, backup.side, backup.storage, 'definitions'),
        ]);
        const stateOf = (reading: typeof atActive, vm: string, host?: string) =>
          reading.snapshot.lpars.find((l) => l.name === vm && (host === undefined || l.host === host))?.state ??
          (reading.undescribed.some((h) => h.name === host) ? 'unknown' : 'absent');
        const up = (state: string) => !['Not Activated', 'absent', 'unknown'].includes(state);
        return latest.vms.map((v): DrWhereabouts => {
          const activeState = stateOf(atActive, v.vm, v.productionHost);
          const backupState = v.backupHost ? stateOf(atBackup, v.vm, v.backupHost) : undefined;
          const [a, b] = [up(activeState), backupState !== undefined && up(backupState)];
          return {
            vm: v.vm,
            running: a && b ? 'both' : a ? 'active' : b ? 'backup' : 'nowhere',
            ranBefore: v.productionState !== undefined && v.productionState !== 'Not Activated',
            activeHost: v.productionHost,
            activeState,
            ...(v.backupHost ? { backupHost: v.backupHost, backupState } : {}),
          };
        });
      });
    },

    async prepareDrCleanup(input: {
      site: string;
      at: 'active' | 'backup';
      vms: string[];
    }): Promise<DrCleanupTarget[]> {
      return guard(async () => {
        const { side, storage } = sideOf(input.site, input.at);
        const reading = await readSite(deps.devices, side, storage);
        const lpars = reading.snapshot.lpars;
        const unknownHosts = reading.undescribed.map((h) => `${h.name} (${h.reason})`);
        return input.vms.map((vm): DrCleanupTarget => {
          const lpar = lpars.find((l) => l.name === vm);
          const base = { vm, storage, volumes: [] as string[], kept: [] as DrCleanupTarget['kept'] };
          if (!lpar)
            return unknownHosts.length > 0
              ? {
                  ...base,
                  skipped: `not found at ${side.name}, whose host(s) ${unknownHosts.join(', ')} cannot be read`,
                }
              : { ...base, skipped: `not defined at ${side.name}: nothing to clean up` };
          const where = {
            host: lpar.host,
            hmc: reading.snapshot.managedSystems.find((s) => s.name === lpar.host)?.hmc,
          };
          if (lpar.state !== 'Not Activated')
            return { ...base, ...where, skipped: `${lpar.state} on ${lpar.host}: it may run, nothing is unmapped` };
          for (const { vdiskName } of lpar.volumes) {
            const user = lpars.find(
              (o) => o !== lpar && o.state !== 'Not Activated' && o.volumes.some((v) => v.vdiskName === vdiskName),
            );
            if (user) base.kept.push({ volume: vdiskName, reason: `${user.name} is ${user.state} on ${user.host}` });
            else if (unknownHosts.length > 0)
              base.kept.push({ volume: vdiskName, reason: `host(s) ${unknownHosts.join(', ')} cannot be read` });
            else base.volumes.push(vdiskName);
          }
          return { ...base, ...where };
        });
      });
    },
  };
  return { storage, control };
}

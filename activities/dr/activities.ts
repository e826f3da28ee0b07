// DR activities (read-only, on the main `lazarus` queue: they change nothing on any device): discover a site pair,
// and verify one discovery and keep it in the verification history. A site that is not the active DR site is a
// non-retryable failure; device errors leave as classified ApplicationFailures (reads retry transient ones).
import { ApplicationFailure } from '@temporalio/common';
import type { LazarusConfig } from '../../domain/config/index.js';
import type { DrDiscovery, DrReasonCode } from '../../domain/dr/contracts.js';
import { verifyDrSite } from '../../domain/dr/verify.js';
import type { DeviceRegistry } from '../devices.js';
import { toActivityFailure } from '../device-failure.js';
import { whileHeartbeating } from '../heartbeat.js';
import type { InventoryStore } from '../inventory/index.js';
import { DrSiteError, discoverDrSite, drSitePair } from './discover-site.js';
import { useDrLimits } from './paced-hmc.js';
import { decodeDrVerification, drVerificationKey, encodeDrVerification, lastInSync } from './verification-records.js';
import { restorableMappingsAt } from './cleanup-activities.js';

export interface DrDependencies {
  config: LazarusConfig;
  devices: DeviceRegistry;
  store: InventoryStore;
  log?: (line: string) => void;
}

/** What a verification concluded, in short: `{ site, verificationId, verifiedAt, ready, vms, readyToMove, notReady }`. */
export interface DrVerificationSummary {
  site: string;
  verificationId: number;
  verifiedAt: string;
  ready: boolean;
  vms: number;
  readyToMove: number;
  notReady: Array<{ vm: string; codes: DrReasonCode[] }>;
}

export function createDrActivities(deps: DrDependencies) {
  useDrLimits(deps.config, deps.devices);
  const log = deps.log ?? ((line: string) => console.log(line));
  const guard = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await whileHeartbeating(work);
    } catch (err) {
      if (err instanceof DrSiteError) throw ApplicationFailure.nonRetryable(err.message, 'DrSiteError');
      throw toActivityFailure(err, { retryUnknown: true });
    }
  };
  return {
    async readDrSite(site: string): Promise<DrDiscovery> {
      return guard(async () => {
        const discovery = await discoverDrSite(deps.config, deps.devices, site);
        log(
          `dr discovery ${site}: ${discovery.vms.length} VMs, ${discovery.shadows.length} shadow definitions at ` +
            `${discovery.backupSite}, ${discovery.relationships.length} relationships in ${discovery.groups.length} groups`,
        );
        return discovery;
      });
    },

    async recordDrVerification(site: string, discovery: DrDiscovery): Promise<DrVerificationSummary> {
      return guard(async () => {
        const { dr } = drSitePair(deps.config, site);
        const history = (await deps.store.verifications(drVerificationKey(site), 50)).map(decodeDrVerification);
        const verification = verifyDrSite(discovery, dr, {
          now: new Date(),
          lastInSync: lastInSync(history),
          previous: history[0],
          restorable: await restorableMappingsAt(deps.store, [site, discovery.backupSite], discovery.backupSite),
        });
        const stored = await deps.store.recordVerification(encodeDrVerification(verification));
        const notReady = verification.vms
          .filter((v) => v.state === 'NOT_READY')
          .map((v) => ({ vm: v.vm, codes: [...new Set(v.reasons.map((r) => r.code))] }));
        log(
          `dr verification ${site}: ${verification.vms.length - notReady.length}/${verification.vms.length} ` +
            `READY_TO_MOVE` +
            (notReady.length ? `; NOT_READY ${notReady.map((n) => `${n.vm} (${n.codes.join(', ')})`).join('; ')}` : ''),
        );
        return {
          site,
          verificationId: stored.id,
          verifiedAt: stored.verifiedAt,
          ready: verification.ready,
          vms: verification.vms.length,
          readyToMove: verification.vms.length - notReady.length,
          notReady,
        };
      });
    },
  };
}

export type DrActivities = ReturnType<typeof createDrActivities>;

// Moving LPARs by LPM, shared by evacuate and restore: in priority order, in parallel within the migration limits of
// the HMC and of each source and destination system (MigrationSlots). A cancel starts nothing new; the migrations in
// flight finish, or — failed, or hung past the migration deadline — are recovered with `migrlpar -o r` and the LPAR
// proven on one system before anything else touches it; every LPAR not started is `cancelled`. A move that fails is
// `failed` with the device's message and where the HMC shows it; the others go on.
import {
  ActivityFailure,
  CancellationScope,
  condition,
  isCancellation,
  patched,
  TimeoutFailure,
} from '@temporalio/workflow';
import { inPriorityOrder, MigrationSlots, type EvacuationPolicy } from '../../domain/evacuation/index.js';
import { innermostMessage } from '../../domain/failover/index.js';
import { boundedParallel } from '../shared/bounded-parallel.js';
import type { EvacuationProxies } from './proxies.js';
import type { MoveRun } from './run-state.js';

/** Volume mappings at once per LPAR (the CMS paper's 4 per stream). */
const MAPPINGS_PER_LPAR = 4;
/** How long a recovered migration may take to show the LPAR settled on one system (HMC reads, not a copy). */
const RECOVERY_PROOF_MS = 5 * 60_000;

export interface PlannedMove {
  lpar: string;
  from: string;
  to: string;
  priority: string;
  volumes: string[];
  /** LPM validation refused it and the operator allowed shutdown and restart: inactive move, then start. */
  shutdownRestart: boolean;
}

/**
 * Runs every move; returns when each has ended (moved, restarted, failed or cancelled). `onMoved` records a finished
 * move at once (so a crash or cancel later keeps the record). Sets `run.cancelled` when a cancel stopped it.
 */
export async function moveAll(
  run: MoveRun,
  moves: PlannedMove[],
  context: { group: string; policy: EvacuationPolicy; activities: EvacuationProxies },
  onMoved: (move: PlannedMove) => Promise<void>,
): Promise<void> {
  const slots = new MigrationSlots(context.policy.limits);
  const queue = inPriorityOrder(moves);
  const inFlight = new Set<Promise<void>>();
  try {
    while (queue.length > 0) {
      await condition(() => queue.some((m) => slots.canStart(m.from, m.to)));
      const move = queue.splice(
        queue.findIndex((m) => slots.canStart(m.from, m.to)),
        1,
      )[0]!;
      slots.take(move.from, move.to);
      const work: Promise<void> = CancellationScope.nonCancellable(() => moveOne(run, move, context, onMoved)).then(
        () => {
          slots.give(move.from, move.to);
          inFlight.delete(work);
        },
      );
      inFlight.add(work);
    }
  } catch (err) {
    if (!isCancellation(err)) throw err;
    run.cancelled = true;
    for (const move of queue) run.set(move.lpar, 'cancelled', { error: 'cancelled before its migration started' });
  }
  await CancellationScope.nonCancellable(() => Promise.all([...inFlight]));
}

async function moveOne(
  run: MoveRun,
  move: PlannedMove,
  context: { group: string; policy: EvacuationPolicy; activities: EvacuationProxies },
  onMoved: (move: PlannedMove) => Promise<void>,
): Promise<void> {
  const { group, policy } = context;
  const { hmc, waits } = context.activities;
  try {
    run.set(move.lpar, move.shutdownRestart ? 'shutting-down' : 'migrating', {
      to: move.to,
      how: move.shutdownRestart ? 'shutdown-restart' : 'lpm',
    });
    if (!move.shutdownRestart) {
      if (!(await migrateOrRecover(run, move, context, 'Running'))) return;
      run.set(move.lpar, 'moved');
    } else {
      const { profile } = await hmc.shutdownLpar({ group, host: move.from, lpar: move.lpar });
      // Proven Not Activated before it moves: it can never run in two places.
      const wait = { group, lpar: move.lpar, pollMs: policy.pollMs, timeoutMs: policy.waitDeadlineMs };
      await waits.waitLparState({ ...wait, host: move.from, states: ['Not Activated'] });
      run.set(move.lpar, 'restarting');
      if (!(await migrateOrRecover(run, move, context, 'Not Activated'))) {
        await restartInPlace(run, move, context, profile);
        return;
      }
      await hmc.activateLpar({ group, host: move.to, lpar: move.lpar, profile });
      await waits.waitLparState({ ...wait, host: move.to, states: ['Running'] });
      run.set(move.lpar, 'restarted');
    }
    await onMoved(move);
  } catch (err) {
    run.set(move.lpar, 'failed', { error: innermostMessage(err) });
  }
}

/** Marks the restart in place of a failed shutdown-and-restart move (runs started before it replay without). */
const RESTART_IN_PLACE = 'evacuation-restart-in-place';

/**
 * A shutdown-and-restart move whose inactive migration failed: the LPAR was shut down for nothing. When the recovery
 * proved it Not Activated on its source and nowhere else (`finalHost`/`finalState` of the failed move), it is started
 * again there with the profile it ran with, and waited for until Running; the move stays `failed`, its error says
 * whether the restart in place worked. Without that proof nothing is started (it could run twice).
 */
async function restartInPlace(
  run: MoveRun,
  move: PlannedMove,
  context: { group: string; policy: EvacuationPolicy; activities: EvacuationProxies },
  profile: string,
): Promise<void> {
  if (!patched(RESTART_IN_PLACE)) return;
  const failed = run.lpar(move.lpar);
  if (failed?.step !== 'failed' || failed.finalHost !== move.from || failed.finalState !== 'Not Activated') return;
  const { group, policy } = context;
  const { hmc, waits } = context.activities;
  try {
    await hmc.activateLpar({ group, host: move.from, lpar: move.lpar, profile });
    const wait = { group, lpar: move.lpar, pollMs: policy.pollMs, timeoutMs: policy.waitDeadlineMs };
    await waits.waitLparState({ ...wait, host: move.from, states: ['Running'] });
    run.note(move.lpar, { error: `${failed.error}; restarted in place on ${move.from}`, finalState: 'Running' });
  } catch (err) {
    run.note(move.lpar, {
      error: `${failed.error}; restarting it in place on ${move.from} failed: ${innermostMessage(err)}`,
    });
  }
}

/**
 * `migrlpar -o m`; when it fails or outlives its deadline (hangs), the migration is recovered (`migrlpar -o r` by
 * recoverMigration) and the LPAR's place proven on one system before anything else happens to it: on its
 * destination in the `expected` state it counts as moved (true); anywhere else it is `failed` with the device's
 * message, how it was recovered and where the HMC shows it (false). No proof: `failed`, in doubt (thrown).
 */
async function migrateOrRecover(
  run: MoveRun,
  move: PlannedMove,
  context: { group: string; policy: EvacuationPolicy; activities: EvacuationProxies },
  expected: 'Running' | 'Not Activated',
): Promise<boolean> {
  const where = { group: context.group, source: move.from, destination: move.to, lpar: move.lpar };
  const { migrations, hmc } = context.activities;
  try {
    await migrations.migrateLpar({ ...where, pollMs: context.policy.pollMs });
    return true;
  } catch (err) {
    // A hung migration ends as the activity's start-to-close timeout: named by the setting that bounds it.
    const hung = err instanceof ActivityFailure && err.cause instanceof TimeoutFailure;
    const deadline = `${Math.round(context.policy.migrationDeadlineMs / 1000)} s`;
    const error = hung ? `the migration outlived migrationTimeout (${deadline}): hung` : innermostMessage(err);
    const proof = await hmc.recoverMigration({
      ...where,
      pollMs: context.policy.pollMs,
      timeoutMs: RECOVERY_PROOF_MS,
    });
    if (proof.host === move.to && proof.state === expected) return true;
    const how = proof.recovered ? 'recovered with migrlpar -o r: ' : '';
    run.set(move.lpar, 'failed', {
      error: `${error}; ${how}the HMC shows it ${proof.state} on ${proof.host}`,
      finalHost: proof.host,
      finalState: proof.state,
    });
    return false;
  }
}

/**
 * Prepares and validates one move: the destination's storage host gets the LPAR's volumes (LPM needs the destination
 * VIOS to reach every disk: IBM, "Preparing the SAN for partition mobility"), then `migrlpar -o v`. A mapping that
 * fails is a refusal too, with the device's message.
 */
export async function validateMove(
  run: MoveRun,
  move: PlannedMove,
  context: { group: string; activities: EvacuationProxies },
): Promise<{ ok: boolean; message?: string }> {
  const { group, activities } = context;
  run.set(move.lpar, 'validating');
  run.shared.set(move.lpar, { lpar: move.lpar, from: move.from, to: move.to, volumes: move.volumes });
  try {
    await boundedParallel(move.volumes, MAPPINGS_PER_LPAR, (volume) =>
      activities.sharing.shareVolume({ group, volume, destination: move.to }),
    );
  } catch (err) {
    return { ok: false, message: `mapping its volumes to ${move.to} failed: ${innermostMessage(err)}` };
  }
  return activities.hmc.validateMigration({ group, source: move.from, destination: move.to, lpar: move.lpar });
}

/** Marks the workflow code that cleans up volume mappings at the end (runs started before it replay without). */
const RELEASE_STALE_MAPPINGS = 'evacuation-release-stale-mappings';

/**
 * The end of an evacuation or a restore, after the HMC was read (verify): every LPAR whose volumes were shared to a
 * destination loses the mappings it no longer needs: a moved (or restarted) LPAR those to the host it left, one that
 * did not move (refused, cancelled, failed) the shares made at its destination. `releaseVolumes` proves on the HMC
 * that the LPAR does not run on the host losing them and keeps any mapping another LPAR there uses; what it did or
 * why it did not goes on the LPAR (`mappings`). Never throws: a clean-up that fails is reported, the move stands.
 */
export async function releaseStaleMappings(run: MoveRun, group: string, activities: EvacuationProxies): Promise<void> {
  if (!patched(RELEASE_STALE_MAPPINGS)) return;
  const shares = [...run.shared.values()].filter((s) => s.volumes.length > 0);
  await boundedParallel(shares, run.limits.perHmc, async (share) => {
    const step = run.lpar(share.lpar)?.step;
    const moved = step === 'moved' || step === 'restarted';
    const [host, keeps] = moved ? [share.from, share.to] : [share.to, share.from];
    try {
      const { removed, kept } = await activities.sharing.releaseVolumes({
        group,
        lpar: share.lpar,
        volumes: share.volumes,
        host,
        keeps,
      });
      const parts = [
        `${removed.length} mapping(s) to ${host} removed${removed.length ? `: ${removed.join(', ')}` : ''}`,
      ];
      if (kept.length > 0) parts.push(`kept: ${kept.join(', ')}`);
      run.note(share.lpar, { mappings: parts.join('; ') });
    } catch (err) {
      run.note(share.lpar, { mappings: `mappings to ${host} stay: ${innermostMessage(err)}` });
    }
  });
}

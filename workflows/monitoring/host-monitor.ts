// The host monitor of one host group (workflow `hostMonitor`, id `monitor/<group>`), a loop:
//   observe — every host through each HMC of the group, its Fibre Channel ports as the storage system sees them,
//             its VIOS states (one `observeHostGroup` activity);
//   judge   — per host, the pure rules of domain/monitoring/ (signals agree over `confirmations` observations, the
//             flap guard, quarantine); a quarantine is recorded in the store while it lasts (so no failover,
//             evacuation or VM restart places anything on the host) and cleared when it ends;
//   act     — on a confirmed failure: nothing for a host in maintenance, an alert only when the group's action is
//             `off`, else start `failover/<group>/<host>` (auto, or advisory when the signals do not all agree or the
//             host is quarantined). It decides and starts; it never executes a recovery itself. A host seen down
//             and now up starts `failback/<group>/<host>` (autoFailback: it acts only per the group's policy).
// then sleeps `interval`. Every decision and alert goes through `notify`, with its subject (the host or the group) and
// a stable key, so a channel's dedupe window recognises a repeat whatever its wording. After ITERATIONS_PER_RUN
// observations (or when Temporal suggests it) it continues as new with the compact per-host state, so its history
// stays bounded; the configuration is read again at the start of each run, so changed settings apply from the next
// run, and a monitor whose group is gone or disabled stops there.
import {
  ActivityFailure,
  condition,
  log,
  makeContinueAsNewFunc,
  ParentClosePolicy,
  patched,
  proxyActivities,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { ControlActivities } from '../../activities/failover/index.js';
import type { MonitorControlActivities, ObserveActivities } from '../../activities/monitoring/index.js';
import { innermostMessage } from '../../domain/failover/index.js';
import {
  failoverModeFor,
  hostView,
  isQuarantined,
  newTrack,
  trackObservation,
  type GroupObservation,
  type HostDetection,
  type HostTrack,
  type MonitorAction,
  type MonitorSettings,
  type MonitorView,
  type TrackUpdate,
} from '../../domain/monitoring/index.js';
import { autoFailback } from '../evacuation/index.js';
import { failbackWorkflowId } from '../evacuation/messages.js';
import { hostFailover } from '../failover/index.js';
import { hostFailoverWorkflowId } from '../failover/messages.js';
import { monitorViewQuery, reloadSettingsSignal } from './messages.js';

/**
 * Observations per run before continuing as new. A quiet one costs 11 history events (two workflow tasks, the
 * observation activity, the timer); a decision about 30 more, once per failure. So a run stays near 2,200 events
 * whatever the uptime, and a day at the default 10 s interval (8,640 observations) is some 44 runs of that size.
 */
export const ITERATIONS_PER_RUN = 200;

/** Patch marker: from this version on, a host seen down and then up starts its automatic failback. */
const AUTO_FAILBACK_ON_RETURN = 'auto-failback-on-return';

/** Patch marker: from this version on, the monitor records each quarantine in the store (recordQuarantine). */
const QUARANTINE_IN_STORE = 'quarantine-in-store';

/** What a run hands to the next one. */
export interface MonitorCarry {
  tracks: HostTrack[];
  observations: number;
  unreachableHmcs: string[];
  storageReachable?: boolean;
  observationFailing?: boolean;
}

export interface HostMonitorInput {
  group: string;
  /** The previous run's state (continue-as-new); absent on the first start. */
  carried?: MonitorCarry;
  /** Observations per run (tests use a few to exercise continue-as-new); default ITERATIONS_PER_RUN. */
  iterationsPerRun?: number;
}

/** Why a monitor ended (it only ends when its group is gone or its monitoring disabled). */
export interface MonitorEnd {
  group: string;
  stopped: 'unknown-group' | 'disabled';
  observations: number;
}

type Enabled = Extract<MonitorSettings, { status: 'enabled' }>;
type Severity = 'info' | 'warning' | 'critical';

const settingsReader = proxyActivities<MonitorControlActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s' },
});

export async function hostMonitor(input: HostMonitorInput): Promise<MonitorEnd> {
  const settings = await settingsReader.monitorSettings({ group: input.group });
  if (settings.status !== 'enabled') {
    log.info('host monitor stops', { group: input.group, why: settings.status });
    return { group: input.group, stopped: settings.status, observations: input.carried?.observations ?? 0 };
  }
  const monitor = new Monitor(settings, input.carried);
  setHandler(monitorViewQuery, () => monitor.view());
  let reload = false;
  setHandler(reloadSettingsSignal, () => void (reload = true));
  const iterations = Math.max(1, Math.min(input.iterationsPerRun ?? ITERATIONS_PER_RUN, ITERATIONS_PER_RUN));
  for (let i = 0; i < iterations && !reload; i++) {
    const started = Date.now();
    await monitor.observeOnce();
    if (workflowInfo().continueAsNewSuggested || reload) break;
    // Keep the cadence: the next observation starts `interval` after this one started (sooner on a reload).
    const rest = settings.intervalMs - (Date.now() - started);
    if (i + 1 < iterations && rest > 0) await condition(() => reload, rest);
  }
  // The monitor sets no search attributes; saying so keeps the server's system attributes (BuildIds) from being
  // copied into the next run, which a server may refuse (the bundled devserver does).
  return makeContinueAsNewFunc<typeof hostMonitor>({ typedSearchAttributes: [] })({
    ...input,
    carried: monitor.carry(),
  });
}

class Monitor {
  private readonly tracks = new Map<string, HostTrack>();
  private readonly monitorId = workflowInfo().workflowId;
  private readonly observe: ObserveActivities;
  private readonly records: MonitorControlActivities;
  private readonly control: ControlActivities;
  private observations: number;
  private runObservations = 0;
  private lastObservedAt?: string;
  private unreachableHmcs: string[];
  private storageReachable?: boolean;
  private observationError?: string;

  constructor(
    private readonly settings: Enabled,
    carried: MonitorCarry | undefined,
  ) {
    for (const host of settings.hosts) {
      // A host removed from the group is forgotten; a new one starts fresh.
      this.tracks.set(host, carried?.tracks.find((t) => t.host === host) ?? newTrack(host));
    }
    this.observations = carried?.observations ?? 0;
    this.unreachableHmcs = carried?.unreachableHmcs ?? [];
    this.storageReachable = carried?.storageReachable;
    if (carried?.observationFailing) this.observationError = 'the previous run could not observe';
    // One attempt per observation: the next interval is the retry, so a slow device never piles observations up.
    // The activity bounds each device read itself; this only catches a lost worker.
    this.observe = proxyActivities<ObserveActivities>({
      startToCloseTimeout: Math.max(3 * settings.intervalMs, 30_000),
      retry: { maximumAttempts: 1 },
    });
    this.records = proxyActivities<MonitorControlActivities>({
      startToCloseTimeout: '30 seconds',
      retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 5 },
    });
    this.control = proxyActivities<ControlActivities>({
      startToCloseTimeout: '30 seconds',
      retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 5 },
    });
  }

  carry(): MonitorCarry {
    return {
      tracks: [...this.tracks.values()],
      observations: this.observations,
      unreachableHmcs: this.unreachableHmcs,
      ...(this.storageReachable !== undefined && { storageReachable: this.storageReachable }),
      ...(this.observationError !== undefined && { observationFailing: true }),
    };
  }

  view(): MonitorView {
    const { policy: _policy, status: _status, ...settings } = this.settings;
    return {
      group: this.settings.group,
      workflowId: this.monitorId,
      observations: this.observations,
      runObservations: this.runObservations,
      ...(this.lastObservedAt && { lastObservedAt: this.lastObservedAt }),
      settings,
      unreachableHmcs: this.unreachableHmcs,
      ...(this.storageReachable !== undefined && { storageReachable: this.storageReachable }),
      ...(this.observationError && { observationError: this.observationError }),
      hosts: [...this.tracks.values()].map(hostView),
    };
  }

  async observeOnce(): Promise<void> {
    let observation: GroupObservation;
    try {
      observation = await this.observe.observeHostGroup({ group: this.settings.group });
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      // No observation is no evidence: every host keeps its streak as it was, nothing is decided.
      const first = this.observationError === undefined;
      this.observationError = innermostMessage(err);
      if (first)
        await this.notify('warning', 'monitor-observation-failed', `observation failed: ${this.observationError}`, {
          key: 'failing',
        });
      return;
    }
    if (this.observationError !== undefined) {
      this.observationError = undefined;
      await this.notify('info', 'monitor-observation-failed', 'observations work again', { key: 'working' });
    }
    this.observations++;
    this.runObservations++;
    this.lastObservedAt = observation.observedAt;
    await this.devicesAlerts(observation);
    const now = Date.now();
    const confirmed: TrackUpdate[] = [];
    const returned: string[] = [];
    for (const hostObservation of observation.hosts) {
      const previous = this.tracks.get(hostObservation.host);
      if (!previous) continue; // not (or no longer) of this group
      const update = trackObservation(previous, hostObservation, this.rules, now);
      if (previous.side === 'down' && update.track.side === 'up') returned.push(update.track.host);
      this.tracks.set(update.track.host, update.track);
      const subject = update.track.host;
      if (update.quarantined)
        await this.notify(
          'warning',
          'host-quarantined',
          `${subject} changed between up and down ${update.track.transitions.length} times within ` +
            `${this.settings.flapWindowMs / 60_000} min: quarantined until ${update.track.quarantinedUntil}; ` +
            'its next failover is advisory and nothing is failed over, evacuated or restarted onto it',
          { host: subject, key: 'quarantined' },
        );
      if (update.hmcLostHost)
        await this.notify(
          'warning',
          'host-suspect',
          `the HMC lost ${subject}, but it still runs: no failover (${update.judgement.reason})`,
          { host: subject, key: 'hmc-lost-host' },
        );
      await this.recordQuarantine(update.track.host, now);
      if (update.confirmed) confirmed.push(update);
    }
    // Replay-safe: a run begun by code without this step started no failback at a return.
    if (returned.length > 0 && patched(AUTO_FAILBACK_ON_RETURN))
      for (const host of returned) await this.startAutoFailback(host);
    if (confirmed.length === 0) return;
    const inMaintenance = new Set(await this.records.hostsInMaintenance({ hosts: confirmed.map((u) => u.track.host) }));
    for (const update of confirmed) await this.act(update, inMaintenance.has(update.track.host));
  }

  private get rules() {
    const { confirmations, flapLimit, flapWindowMs } = this.settings;
    return { confirmations, flapLimit, flapWindowMs };
  }

  /** Alerts when an HMC of the pair, both, or the storage system stop (or start again) answering. */
  private async devicesAlerts(observation: GroupObservation): Promise<void> {
    const answered = new Set<string>();
    const asked = new Set<string>();
    let storageAnswered = false;
    for (const host of observation.hosts) {
      for (const reading of host.hmcs) {
        asked.add(reading.hmc);
        if (reading.reachable) answered.add(reading.hmc);
      }
      if (host.storagePorts.reachable) storageAnswered = true;
    }
    const unreachable = [...asked].filter((hmc) => !answered.has(hmc)).sort();
    const before = this.unreachableHmcs;
    this.unreachableHmcs = unreachable;
    if (unreachable.join() !== before.join()) {
      if (unreachable.length > 0 && unreachable.length === asked.size)
        await this.notify(
          'critical',
          'hmc-pair-lost',
          `no HMC of ${this.settings.group} answers (${unreachable.join(', ')}): no automatic action until one does`,
          { key: 'lost' },
        );
      else if (unreachable.length > 0)
        await this.notify(
          'warning',
          'hmc-unreachable',
          `HMC pair degraded: ${unreachable.join(', ')} does not answer; judging from ` +
            `${[...answered].sort().join(', ')}`,
          { key: `degraded: ${unreachable.join(',')}` },
        );
      else
        await this.notify(
          'info',
          'hmc-unreachable',
          `every HMC of ${this.settings.group} answers again (${[...asked].sort().join(', ')})`,
          { key: 'answering' },
        );
    }
    if (observation.hosts.length > 0 && storageAnswered !== this.storageReachable) {
      const wasKnown = this.storageReachable !== undefined;
      this.storageReachable = storageAnswered;
      if (!storageAnswered)
        await this.notify(
          'warning',
          'storage-unreachable',
          `storage system ${this.settings.storage} does not answer: no host of ${this.settings.group} can be ` +
            'confirmed failed, so nothing is failed over automatically',
          { key: 'unreachable' },
        );
      else if (wasKnown)
        await this.notify('info', 'storage-unreachable', `storage system ${this.settings.storage} answers again`, {
          key: 'answering',
        });
    }
  }

  /**
   * Brings the store's record of the host's quarantine in line with its track: recorded (with its end) while it
   * lasts, cleared once it has ended. A write that fails is logged and made again at the next observation; the
   * failover, evacuation and VM-restart planners read the store, not this workflow.
   */
  private async recordQuarantine(host: string, now: number): Promise<void> {
    const track = this.tracks.get(host)!;
    if (track.quarantinedUntil === track.quarantineRecorded) return;
    // A run that began before monitors recorded quarantines replays without these activities.
    if (!patched(QUARANTINE_IN_STORE)) return;
    try {
      if (track.quarantinedUntil)
        await this.records.recordHostQuarantine({
          group: this.settings.group,
          host,
          since: new Date(now).toISOString(),
          until: track.quarantinedUntil,
          reason:
            `${track.transitions.length} changes between up and down within ` +
            `${this.settings.flapWindowMs / 60_000} min (flapLimit ${this.settings.flapLimit})`,
          monitorId: this.monitorId,
        });
      else await this.records.endHostQuarantine({ host });
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      log.warn('quarantine not recorded', { host, error: innermostMessage(err) });
      return;
    }
    const { quarantineRecorded: _recorded, ...rest } = this.tracks.get(host)!;
    this.tracks.set(host, track.quarantinedUntil ? { ...rest, quarantineRecorded: track.quarantinedUntil } : rest);
  }

  /** Acts once on a confirmed failure (see the header); records the detection and says what was done. */
  private async act(update: TrackUpdate, inMaintenance: boolean): Promise<void> {
    const track = update.track;
    const confirmed = update.confirmed!;
    const host = track.host;
    const kind = confirmed.strength === 'failed' ? 'host-failed' : 'host-suspect';
    const severity: Severity = confirmed.strength === 'failed' ? 'critical' : 'warning';
    const seen = `${host} ${confirmed.strength === 'failed' ? 'failed' : 'looks failed'}: ${update.judgement.reason}`;
    const failoverId = hostFailoverWorkflowId(this.settings.group, host);
    let action: MonitorAction;
    let mode: 'auto' | 'advisory' | undefined;
    let said: string;
    if (inMaintenance) {
      if (track.handled?.action === 'maintenance') return; // said already
      action = 'maintenance';
      said = 'it is in maintenance: no failover';
    } else {
      const decided = failoverModeFor(this.settings.action, confirmed.strength, isQuarantined(track, Date.now()));
      if (decided.mode === 'none') {
        action = 'alert-only';
        said = `no failover (${decided.why})`;
      } else {
        mode = decided.mode;
        const started = await this.startFailover(host, mode);
        action = started === 'started' ? `failover-${mode}` : started;
        said =
          started === 'started'
            ? `failover ${failoverId} started in ${mode} mode${decided.why ? ` (${decided.why})` : ''}`
            : started === 'failover-already-running'
              ? `failover ${failoverId} is already running: not started again. Look at its phase ` +
                `(GET /v1/failovers/${encodeURIComponent(failoverId)}): an earlier run may be waiting for an ` +
                `approval or a fence override (fence-blocked), or may need cancelling, before this failure is handled`
              : `failover ${failoverId} could not be started; trying again at the next observation`;
      }
    }
    await this.notify(
      action === 'failover-start-failed' ? 'critical' : severity,
      action === 'maintenance' || action === 'alert-only' || action === 'failover-start-failed'
        ? 'failover-not-started'
        : kind,
      `${seen}; ${said}`,
      { host, key: action },
    );
    const detection: HostDetection = {
      group: this.settings.group,
      host,
      firstBadAt: confirmed.firstBadAt,
      confirmedAt: confirmed.confirmedAt,
      verdict: confirmed.strength,
      action,
      ...(action.startsWith('failover-') && action !== 'failover-start-failed' && { failoverId }),
      ...(mode && action !== 'failover-start-failed' && { mode }),
      reason: `${seen}; ${said}`,
      monitorId: this.monitorId,
    };
    await this.records.recordHostDetection(detection).catch((err) => {
      log.warn('detection not recorded', { host, error: innermostMessage(err) });
    });
    // A start that failed is tried again at the next observation; anything else is done once per failure.
    if (action !== 'failover-start-failed')
      this.tracks.set(host, { ...track, handled: { at: new Date(Date.now()).toISOString(), action } });
  }

  /**
   * Starts `failover/<group>/<host>` as a child workflow that outlives the monitor (parent close policy ABANDON): a
   * child rather than an activity with a Temporal client, because the start is then part of this history (replayed,
   * never repeated after a crash) and needs no client in the worker; the failover's own id makes a second start for
   * the same host fail with "already started", which means a failover (the monitor's or an operator's) is running.
   */
  private async startFailover(
    host: string,
    mode: 'auto' | 'advisory',
  ): Promise<'started' | 'failover-already-running' | 'failover-start-failed'> {
    try {
      await startChild(hostFailover, {
        workflowId: hostFailoverWorkflowId(this.settings.group, host),
        parentClosePolicy: ParentClosePolicy.ABANDON,
        args: [{ group: this.settings.group, host, mode, requestedBy: this.monitorId, policy: this.settings.policy }],
      });
      return 'started';
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return 'failover-already-running';
      log.warn('failover not started', { host, error: innermostMessage(err) });
      return 'failover-start-failed';
    }
  }

  /**
   * A host seen down is up again: starts `failback/<group>/<host>` (workflow `autoFailback`, outliving the monitor),
   * which fails the host back only when the group's policy is `automatic` and a failover fenced it, waiting while any
   * LPAR's state elsewhere is in doubt. One already running (an operator's, or an earlier return's) is left alone.
   */
  private async startAutoFailback(host: string): Promise<void> {
    try {
      await startChild(autoFailback, {
        workflowId: failbackWorkflowId(this.settings.group, host),
        parentClosePolicy: ParentClosePolicy.ABANDON,
        args: [{ group: this.settings.group, host, requestedBy: this.monitorId }],
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError))
        log.warn('automatic failback not started', { host, error: innermostMessage(err) });
    }
  }

  /**
   * Raises a notification about `about.host` (subject `<group>/<host>`), or the group itself when no host is given.
   * `about.key` names the event within its kind (`quarantined`, the action taken, `answering` …) so that channels
   * deduplicate on subject, kind and key, never on the wording (which carries counts and times). One that cannot be
   * stored is logged, never allowed to stop the monitor.
   */
  private async notify(
    severity: Severity,
    kind: string,
    message: string,
    about: { host?: string; key: string },
  ): Promise<void> {
    const text = `${this.settings.group}: ${message}`;
    const subject = about.host ? `${this.settings.group}/${about.host}` : this.settings.group;
    try {
      await this.control.notify({ severity, kind, message: text, workflowId: this.monitorId, subject, key: about.key });
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      log.warn('notification not raised', { kind, message, error: innermostMessage(err) });
    }
  }
}

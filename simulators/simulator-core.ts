import { FaultRegistry } from './faults.js';
import { FleetModel } from './fleet-model.js';
import { type ParsedFleetSpec } from './fleet-spec.js';
import { LatencyModel, type LatencyOverrides } from './latency.js';
import { Physics } from './physics.js';
import { type DeviceSshServer } from './ssh-device-server.js';
import { TimerSet } from './timers.js';
import { ViolationLog } from './violations.js';

/** Everything one simulated fleet is made of, wired together; the SSH servers and the control API share it. */
export class SimulatorCore {
  readonly model: FleetModel;
  readonly latency: LatencyModel;
  readonly timers = new TimerSet();
  readonly faults: FaultRegistry;
  readonly physics: Physics;
  readonly violations: ViolationLog;
  readonly servers = new Map<string, DeviceSshServer>();

  constructor(
    private readonly spec: ParsedFleetSpec,
    source: string,
    timeScale: number,
    seed?: number,
    latencyOverrides: LatencyOverrides = {},
  ) {
    this.model = new FleetModel(spec, source);
    this.latency = new LatencyModel(timeScale, latencyOverrides, seed);
    this.faults = new FaultRegistry(this.model, () => this.physics);
    this.physics = new Physics(
      this.model,
      this.latency,
      this.timers,
      (targets) => this.faults.slowFactor(targets),
      (system, lpar) => this.faults.stuckMigration(system, lpar),
    );
    this.violations = new ViolationLog(this.model, this.physics);
    this.faults.onReachabilityChange((device) => this.servers.get(device)?.applyReachability());
  }

  /** POST /reset: the fleet as the YAML describes it, no faults, no violations, fresh counters. */
  reset(): void {
    this.timers.clear();
    this.faults.clear();
    for (const server of this.servers.values()) server.applyReachability();
    this.model.load(this.spec);
    this.violations.reset();
    this.resetCounters();
  }

  resetCounters(): void {
    for (const server of this.servers.values()) server.counters.resetPeaks();
  }

  stop(): void {
    this.timers.clear();
    this.faults.clear();
  }
}

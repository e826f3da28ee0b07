import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { type FleetModel, type HmcDevice, type ManagedSystem, type RcConsistencyGroup } from './fleet-model.js';
import { type Physics } from './physics.js';

export const FAULT_KINDS = [
  'host-power-loss',
  'host-error',
  'device-unreachable',
  'hmc-connection-lost',
  'command-fail',
  'command-hang',
  'slow',
  'replication-link-down',
  'migration-stuck',
] as const;

export const faultRequestSchema = z
  .object({
    kind: z.enum(FAULT_KINDS),
    target: z.string().min(1),
    command: z.string().min(1).optional(),
    match: z.string().min(1).optional(),
    times: z.number().int().positive().optional(),
    factor: z.number().positive().optional(),
    message: z.string().min(1).optional(),
    /** device-unreachable only: `refuse` (default) resets connections; `blackhole` leaves them silent, as a lost network does. */
    mode: z.enum(['refuse', 'blackhole']).optional(),
    /**
     * host-error only: `keep` (default) — the partitions keep running unseen (the split-brain case); `lost` — the
     * platform crashed: every partition stops (the FC ports log out) while the system shows Error.
     */
    partitions: z.enum(['keep', 'lost']).optional(),
  })
  .strict()
  .refine((f) => f.mode === undefined || f.kind === 'device-unreachable', {
    path: ['mode'],
    message: 'only device-unreachable takes a mode',
  })
  .refine((f) => f.partitions === undefined || f.kind === 'host-error', {
    path: ['partitions'],
    message: 'only host-error takes partitions',
  });

export type FaultRequest = z.infer<typeof faultRequestSchema>;
export interface Fault extends FaultRequest {
  id: string;
  createdAt: string;
  triggered: number;
}

export class FaultTargetError extends Error {}

/**
 * A live partition migration caught by a `migration-stuck` fault: it stops short of the switch-over and the partition
 * stays `Migrating - …` / `Migration In Progress` on its source until `migrlpar -o r` (IBM: "r to recover from a
 * failed partition migration"; the REST MigrateRecover job: "a logical partition that has been stuck in an
 * intermediate state after failure of the preceding migrate operation"). With `message` the `migrlpar -o m` fails
 * with it; without, the command hangs while `active()` (the fault not deleted).
 */
export interface StuckMigration {
  message?: string;
  active: () => boolean;
}

export type CommandFaultEffect =
  { kind: 'fail'; message: string | undefined } | { kind: 'hang'; released: Promise<void> };

/** Active faults, their effects on the fleet, and their recovery when deleted. */
export class FaultRegistry {
  private faults = new Map<string, Fault>();
  private releases = new Map<string, () => void>();
  private reachabilityListeners: ((device: string) => void)[] = [];

  constructor(
    private readonly model: FleetModel,
    private readonly physics: () => Physics,
  ) {}

  list(): Fault[] {
    return [...this.faults.values()];
  }

  /** Called when a device-unreachable fault on the device is added or removed. */
  onReachabilityChange(listener: (device: string) => void): void {
    this.reachabilityListeners.push(listener);
  }

  add(request: FaultRequest): Fault {
    this.assertTarget(request);
    const fault: Fault = { ...request, id: randomUUID(), createdAt: new Date().toISOString(), triggered: 0 };
    this.faults.set(fault.id, fault);
    const cause = `control: fault ${fault.kind} on ${fault.target}`;
    const physics = this.physics();
    if (fault.kind === 'host-power-loss') physics.losePower(this.system(fault.target), cause);
    if (fault.kind === 'host-error')
      physics.enterError(this.system(fault.target), cause, { partitionsLost: fault.partitions === 'lost' });
    if (fault.kind === 'replication-link-down')
      for (const group of this.groups(fault.target)) physics.disconnectReplication(group, cause);
    if (fault.kind === 'device-unreachable') for (const listener of this.reachabilityListeners) listener(fault.target);
    if (fault.kind === 'hmc-connection-lost') {
      const { hmc, system } = this.hmcAndSystem(fault.target);
      hmc.lostSystems.add(system.name);
      this.model.changed(cause);
    }
    if (fault.kind === 'command-hang') this.releases.set(fault.id, () => undefined);
    return fault;
  }

  /** Recovery: undo the fault's effect. Returns false for an unknown id. */
  remove(id: string): boolean {
    const fault = this.faults.get(id);
    if (!fault) return false;
    this.faults.delete(id);
    const cause = `control: recovery from ${fault.kind} on ${fault.target}`;
    const physics = this.physics();
    if (fault.kind === 'host-power-loss' && !this.active('host-power-loss', fault.target))
      physics.restorePower(this.system(fault.target), cause);
    if (fault.kind === 'host-error' && !this.active('host-error', fault.target))
      physics.leaveError(this.system(fault.target), cause);
    if (fault.kind === 'replication-link-down') {
      for (const group of this.groups(fault.target))
        if (!this.linkFaultCovers(group)) physics.reconnectReplication(group, cause);
    }
    if (fault.kind === 'device-unreachable') for (const listener of this.reachabilityListeners) listener(fault.target);
    if (fault.kind === 'hmc-connection-lost' && !this.active('hmc-connection-lost', fault.target)) {
      const { hmc, system } = this.hmcAndSystem(fault.target);
      hmc.lostSystems.delete(system.name);
      this.model.changed(cause);
    }
    this.releases.get(id)?.();
    this.releases.delete(id);
    return true;
  }

  /** Drops every fault without running recoveries (POST /reset rebuilds the fleet anyway). */
  clear(): void {
    for (const release of this.releases.values()) release();
    this.faults.clear();
    this.releases.clear();
  }

  isUnreachable(device: string): boolean {
    return this.active('device-unreachable', device);
  }

  /** How the device is unreachable now: a blackhole fault wins over a refusing one. */
  unreachableMode(device: string): 'refuse' | 'blackhole' | undefined {
    const faults = this.list().filter((f) => f.kind === 'device-unreachable' && f.target === device);
    if (faults.length === 0) return undefined;
    return faults.some((f) => f.mode === 'blackhole') ? 'blackhole' : 'refuse';
  }

  /** Product of the factors of `slow` faults aimed at any of the targets. */
  slowFactor(targets: string[]): number {
    return this.list()
      .filter((f) => f.kind === 'slow' && targets.includes(f.target))
      .reduce((product, f) => product * (f.factor ?? 10), 1);
  }

  /** The effect, if any, of command-fail/command-hang faults on one command line run on a device. */
  commandEffect(device: string, commandName: string, line: string): CommandFaultEffect | undefined {
    for (const fault of this.faults.values()) {
      if (fault.kind !== 'command-fail' && fault.kind !== 'command-hang') continue;
      if (
        fault.target !== device ||
        (fault.command && fault.command !== commandName) ||
        (fault.match && !line.includes(fault.match))
      )
        continue;
      if (fault.times !== undefined && fault.triggered >= fault.times) continue;
      fault.triggered++;
      // A spent command-fail fault disappears; a command-hang fault stays so DELETE can release its hung commands.
      if (fault.kind === 'command-fail') {
        if (fault.times !== undefined && fault.triggered >= fault.times) this.faults.delete(fault.id);
        return { kind: 'fail', message: fault.message };
      }
      return { kind: 'hang', released: this.hangUntilRecovered(fault.id) };
    }
    return undefined;
  }

  /**
   * The `migration-stuck` fault (target: the source managed system; `match`: the LPAR name, any when absent; `times`:
   * how many migrations it catches) that catches this migration, if any. A spent fault stays listed until deleted,
   * so a hung migration hangs until then.
   */
  stuckMigration(system: string, lpar: string): StuckMigration | undefined {
    const fault = this.list().find(
      (f) =>
        f.kind === 'migration-stuck' &&
        f.target === system &&
        (f.match === undefined || f.match === lpar) &&
        (f.times === undefined || f.triggered < f.times),
    );
    if (!fault) return undefined;
    fault.triggered++;
    return { ...(fault.message !== undefined && { message: fault.message }), active: () => this.faults.has(fault.id) };
  }

  private hangUntilRecovered(id: string): Promise<void> {
    if (!this.faults.has(id)) return Promise.resolve();
    return new Promise((resolve) => {
      const previous = this.releases.get(id) ?? (() => undefined);
      this.releases.set(id, () => {
        previous();
        resolve();
      });
    });
  }

  private active(kind: Fault['kind'], target: string): boolean {
    return this.list().some((f) => f.kind === kind && f.target === target);
  }

  private linkFaultCovers(group: RcConsistencyGroup): boolean {
    return this.list().some(
      (f) => f.kind === 'replication-link-down' && [group.name, group.master, group.aux].includes(f.target),
    );
  }

  private system(name: string) {
    const system = this.model.system(name);
    if (!system) throw new FaultTargetError(`unknown managed system "${name}"`);
    return system;
  }

  private isHmcAndSystem(target: string): boolean {
    try {
      this.hmcAndSystem(target);
      return true;
    } catch {
      return false;
    }
  }

  /** `<hmc>/<system>`: an HMC and a system it manages (the fault's target). */
  private hmcAndSystem(target: string): { hmc: HmcDevice; system: ManagedSystem } {
    const slash = target.indexOf('/');
    const device = this.model.devices.get(target.slice(0, slash));
    const system = this.model.system(target.slice(slash + 1));
    if (slash < 0 || device?.kind !== 'hmc' || !system || !device.systems.includes(system.name))
      throw new FaultTargetError(`target: "${target}" is not <hmc>/<managed system it manages>`);
    return { hmc: device, system };
  }

  private groups(target: string): RcConsistencyGroup[] {
    return this.model.consistencyGroups.filter((g) => g.name === target || g.master === target || g.aux === target);
  }

  private assertTarget(request: FaultRequest): void {
    const { kind, target } = request;
    const isSystem = this.model.systems.has(target);
    const isDevice = this.model.devices.has(target);
    const isGroup = this.model.consistencyGroups.some((g) => g.name === target);
    const ok = {
      'host-power-loss': isSystem,
      'host-error': isSystem,
      'device-unreachable': isDevice,
      'hmc-connection-lost': kind === 'hmc-connection-lost' && this.isHmcAndSystem(target),
      'command-fail': isDevice,
      'command-hang': isDevice,
      slow: isDevice || isSystem || isGroup,
      'replication-link-down': isGroup || (isDevice && this.groups(target).length > 0),
      'migration-stuck': isSystem,
    }[kind];
    if (!ok) {
      const expected = {
        'host-power-loss': 'a managed system',
        'host-error': 'a managed system',
        'device-unreachable': 'a device (HMC or storage system)',
        'hmc-connection-lost': '<hmc>/<managed system it manages>',
        'command-fail': 'a device',
        'command-hang': 'a device',
        slow: 'a device, managed system or consistency group',
        'replication-link-down': 'a consistency group or a storage system with consistency groups',
        'migration-stuck': 'a managed system (the migration source)',
      }[kind];
      throw new FaultTargetError(`target: "${target}" is not ${expected}`);
    }
  }
}

import { z } from 'zod';
import { DeviceCommandError } from './command-result.js';
import {
  type FleetModel,
  type LparState,
  type ManagedSystem,
  type Partition,
  createServerAdapters,
  findPartition,
  mapVdisk,
  nextPartitionId,
  presentVolumes,
  removeMapping,
  vdiskByName,
} from './fleet-model.js';
import { mapAllVolumes, type Physics } from './physics.js';
import { type ViolationLog } from './violations.js';

/**
 * Test-only direct manipulations (POST /actions/<name>) that bypass the devices, so a test can
 * commit each invariant violation on purpose and see the violation log catch it.
 */
export class ActionError extends Error {}

const startLpar = z.object({ system: z.string(), lpar: z.string(), bypassChecks: z.boolean().default(true) }).strict();
const placeLpar = z
  .object({
    lpar: z.string(),
    from: z.string(),
    to: z.string(),
    volumes: z.array(z.string()).optional(),
    mapVolumes: z.boolean().default(true),
    start: z.boolean().default(true),
  })
  .strict();
const attachVolume = z.object({ system: z.string(), lpar: z.string(), volume: z.string() }).strict();
const setCapacity = z
  .object({
    system: z.string(),
    procUnits: z.number().positive().optional(),
    memoryMb: z.number().int().positive().optional(),
  })
  .strict();
const unmapVolume = z.object({ storage: z.string(), volume: z.string(), host: z.string() }).strict();
const stopLpar = z.object({ system: z.string(), lpar: z.string(), immediate: z.boolean().default(true) }).strict();
const LPAR_STATES = [
  'Running',
  'Starting',
  'Not Activated',
  'Shutting Down',
  'Open Firmware',
  'Error',
  'Migrating - Running',
  'Migrating - Not Activated',
] as const satisfies readonly LparState[];
const setLparState = z.object({ system: z.string(), lpar: z.string(), state: z.enum(LPAR_STATES) }).strict();
const holdBoot = z.object({ lpar: z.string().min(1), hold: z.boolean().default(true) }).strict();
const recoverHost = z.object({ system: z.string() }).strict();

export const ACTIONS = {
  /** Activates an LPAR directly (default: without capacity or storage checks). */
  'start-lpar': {
    schema: startLpar,
    run: (deps: ActionDeps, body: z.output<typeof startLpar>) => {
      const { system, partition } = lookup(deps.model, body.system, body.lpar);
      deps.physics.activate(system, partition, {
        bypassChecks: body.bypassChecks,
        cause: `control: start-lpar ${system.name}/${partition.name}`,
        onStartedWithoutDisks: (missing) => {
          deps.violations.record(
            'started-without-disks',
            `control: start-lpar ${system.name}/${partition.name}`,
            `LPAR ${partition.name} started on ${system.name} without its disks: ${missing.join(', ')}`,
            [partition.name, system.name],
          );
        },
      });
      return { lpar: partition.name, system: system.name, state: partition.state };
    },
  },
  /**
   * Copies an LPAR definition (with its VIOS server adapters) onto another system, optionally with other
   * volumes (a recovery site's copies), mapping them and starting it; the original stays as it is.
   */
  'place-lpar': {
    schema: placeLpar,
    run: (deps: ActionDeps, body: z.output<typeof placeLpar>) => {
      const { partition } = lookup(deps.model, body.from, body.lpar);
      const target = systemNamed(deps.model, body.to);
      if (findPartition(target, partition.name))
        throw new ActionError(`to: ${target.name} already has a partition named ${partition.name}`);
      const copy: Partition = {
        ...partition,
        id: nextPartitionId(target),
        profiles: partition.profiles.map((p) => ({ ...p })),
        state: 'Not Activated',
        rmcState: 'inactive',
        volumes: [...(body.volumes ?? partition.volumes)],
        migrationState: 'Not Migrating',
        vios: undefined,
      };
      target.partitions.push(copy);
      if (body.mapVolumes) mapAllVolumes(deps.model, target, copy);
      else createServerAdapters(target, copy);
      deps.model.changed(`control: place-lpar ${partition.name} ${body.from} -> ${target.name}`);
      if (body.start)
        deps.physics.activate(target, copy, {
          profile: partition.currentProfile || undefined,
          bypassChecks: true,
          cause: `control: place-lpar ${partition.name} on ${target.name}`,
        });
      return { lpar: copy.name, system: target.name, id: copy.id, state: copy.state };
    },
  },
  /** Gives an LPAR one more volume (mapped to its system's host and presented by its VIOS). */
  'attach-volume': {
    schema: attachVolume,
    run: (deps: ActionDeps, body: z.output<typeof attachVolume>) => {
      const { system, partition } = lookup(deps.model, body.system, body.lpar);
      const storage = deps.model.storageOf(system);
      const vdisk = vdiskByName(storage, body.volume);
      if (!vdisk) throw new ActionError(`volume: no volume "${body.volume}" on ${storage.name}`);
      const host = deps.model.hostsOfSystem(system)[0];
      if (!host) throw new ActionError(`system: ${system.name} has no host object on ${storage.name}`);
      if (!partition.volumes.includes(vdisk.name)) partition.volumes.push(vdisk.name);
      mapVdisk(storage, host, vdisk);
      presentVolumes(system, storage, partition);
      deps.model.changed(`control: attach-volume ${storage.name}/${vdisk.name} to ${system.name}/${partition.name}`);
      return { lpar: partition.name, volumes: partition.volumes };
    },
  },
  /** Changes a system's installed capacity (shrinking it below what runs there breaks the capacity invariant). */
  'set-capacity': {
    schema: setCapacity,
    run: (deps: ActionDeps, body: z.output<typeof setCapacity>) => {
      const system = systemNamed(deps.model, body.system);
      if (body.procUnits !== undefined) system.procUnits = body.procUnits;
      if (body.memoryMb !== undefined) system.memoryMb = body.memoryMb;
      deps.model.changed(`control: set-capacity ${system.name}`);
      return { system: system.name, procUnits: system.procUnits, memoryMb: system.memoryMb };
    },
  },
  /** Removes a vdisk-to-host mapping behind the HMC's back. */
  'unmap-volume': {
    schema: unmapVolume,
    run: (deps: ActionDeps, body: z.output<typeof unmapVolume>) => {
      const storage = deps.model.storage.get(body.storage);
      if (!storage) throw new ActionError(`storage: unknown storage system "${body.storage}"`);
      const vdisk = vdiskByName(storage, body.volume);
      const host = storage.hosts.find((h) => h.name === body.host);
      const mapping = storage.mappings.find((m) => m.vdiskId === vdisk?.id && m.hostId === host?.id);
      if (!mapping)
        throw new ActionError(`volume: "${body.volume}" is not mapped to host "${body.host}" on ${storage.name}`);
      removeMapping(storage, mapping);
      deps.model.changed(`control: unmap-volume ${storage.name}/${body.volume} from ${body.host}`);
      return { storage: storage.name, volume: body.volume, host: body.host };
    },
  },
  /**
   * An owner shuts an LPAR down (chsysstate -r lpar -o shutdown [--immed], through the simulated HMC's physics):
   * Shutting Down, then Not Activated after the shutdown latency. Body {system, lpar, immediate = true}.
   */
  'stop-lpar': {
    schema: stopLpar,
    run: (deps: ActionDeps, body: z.output<typeof stopLpar>) => {
      const { system, partition } = lookup(deps.model, body.system, body.lpar);
      deps.physics.shutdown(system, partition, body.immediate, `control: stop-lpar ${system.name}/${partition.name}`);
      return { lpar: partition.name, system: system.name, state: partition.state };
    },
  },
  /** Sets an LPAR's state directly, with no checks and no timers (a state the physics would not reach on its own). */
  'set-lpar-state': {
    schema: setLparState,
    run: (deps: ActionDeps, body: z.output<typeof setLparState>) => {
      const { system, partition } = lookup(deps.model, body.system, body.lpar);
      partition.state = body.state;
      partition.rmcState = body.state === 'Running' ? 'active' : 'inactive';
      deps.model.changed(`control: set-lpar-state ${system.name}/${partition.name} ${body.state}`);
      return { lpar: partition.name, system: system.name, state: partition.state };
    },
  },
  /**
   * Makes the boot of every partition named `lpar` (on any system, including copies a remote restart makes later)
   * hang in Starting, as firmware stuck before the OS comes up; {hold: false} releases it: a held partition still in
   * Starting on an Operating system becomes Running. Cleared by POST /reset.
   */
  'hold-boot': {
    schema: holdBoot,
    run: (deps: ActionDeps, body: z.output<typeof holdBoot>) => {
      const held = heldBoots(deps.model);
      if (body.hold) {
        held.add(body.lpar);
        return { lpar: body.lpar, held: true };
      }
      held.delete(body.lpar);
      const released: string[] = [];
      for (const system of deps.model.systems.values()) {
        const partition = findPartition(system, body.lpar);
        if (!partition || partition.vios || partition.state !== 'Starting' || system.state !== 'Operating') continue;
        partition.state = 'Running';
        partition.rmcState = 'active';
        released.push(system.name);
      }
      if (released.length > 0) deps.model.changed(`control: hold-boot released ${body.lpar} on ${released.join(', ')}`);
      return { lpar: body.lpar, held: false, released };
    },
  },
  /**
   * The failed server comes back (repaired, or an operator powered it on), for tests and benchmarks where a host
   * flaps or returns: one in Error leaves it (its partitions show their real state again); one without power, or
   * powered off (a fence), comes up at once `Operating` with its VIOS running and its client LPARs Not Activated, so
   * its FC ports log in again. Any other state is left as it is. A host-power-loss or host-error fault still listed
   * stays listed; deleting it later recovers an already recovered host, which changes nothing more.
   */
  'recover-host': {
    schema: recoverHost,
    run: (deps: ActionDeps, body: z.output<typeof recoverHost>) => {
      const system = systemNamed(deps.model, body.system);
      const cause = `control: recover-host ${system.name}`;
      const before = system.state;
      if (system.state === 'Error') deps.physics.leaveError(system, cause);
      if (!system.powered || system.state === 'Power Off' || system.state === 'No Connection')
        deps.physics.restorePower(system, cause);
      return { system: system.name, before, state: system.state };
    },
  },
} as const;

export interface ActionDeps {
  model: FleetModel;
  physics: Physics;
  violations: ViolationLog;
}

export function runAction(deps: ActionDeps, name: string, body: unknown): unknown {
  const action = (ACTIONS as Record<string, { schema: z.ZodType; run: (deps: ActionDeps, body: never) => unknown }>)[
    name
  ];
  if (!action) throw new ActionError(`unknown action "${name}"; known: ${Object.keys(ACTIONS).join(', ')}`);
  const parsed = action.schema.safeParse(body ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ActionError(`${issue.path.join('.') || '(body)'}: ${issue.message}`);
  }
  try {
    return action.run(deps, parsed.data as never);
  } catch (error) {
    if (error instanceof DeviceCommandError) throw new ActionError(error.message);
    throw error;
  }
}

// Held boots are keyed on the model's systems map, which POST /reset replaces, so a reset ends every hold.
const heldBootsBySystems = new WeakMap<FleetModel['systems'], Set<string>>();
const lastSeenState = new WeakMap<Partition, string>();
const watchedModels = new WeakSet<FleetModel>();

/**
 * The names whose boots hang. The first call installs a change listener that puts a held partition that has just
 * gone Starting -> Running back to Starting within the same change, so no device command can see it Running.
 */
function heldBoots(model: FleetModel): Set<string> {
  if (!watchedModels.has(model)) {
    watchedModels.add(model);
    model.onChange(() => {
      const held = heldBootsBySystems.get(model.systems);
      if (!held || held.size === 0) return;
      for (const system of model.systems.values()) {
        for (const partition of system.partitions) {
          if (partition.vios || !held.has(partition.name)) continue;
          if (partition.state === 'Running' && lastSeenState.get(partition) === 'Starting') {
            partition.state = 'Starting';
            partition.rmcState = 'inactive';
          }
          lastSeenState.set(partition, partition.state);
        }
      }
    });
  }
  let held = heldBootsBySystems.get(model.systems);
  if (!held) heldBootsBySystems.set(model.systems, (held = new Set()));
  return held;
}

function systemNamed(model: FleetModel, name: string): ManagedSystem {
  const system = model.system(name);
  if (!system) throw new ActionError(`unknown managed system "${name}"`);
  return system;
}

function lookup(
  model: FleetModel,
  systemName: string,
  lparName: string,
): { system: ManagedSystem; partition: Partition } {
  const system = systemNamed(model, systemName);
  const partition = findPartition(system, lparName);
  if (!partition) throw new ActionError(`lpar: no partition "${lparName}" on ${system.name}`);
  return { system, partition };
}

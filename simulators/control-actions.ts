import { z } from 'zod';
import { DeviceCommandError } from './command-result.js';
import { type FleetModel, type ManagedSystem, type Partition, createServerAdapters, findPartition, mapVdisk, nextPartitionId, presentVolumes, removeMapping, vdiskByName } from './fleet-model.js';
import { mapAllVolumes, type Physics } from './physics.js';
import { type ViolationLog } from './violations.js';

/**
 * Test-only direct manipulations (POST /actions/<name>) that bypass the devices, so a test can
 * commit each invariant violation on purpose and see the violation log catch it.
 */
export class ActionError extends Error {}

const startLpar = z.object({ system: z.string(), lpar: z.string(), bypassChecks: z.boolean().default(true) }).strict();
const placeLpar = z.object({ lpar: z.string(), from: z.string(), to: z.string(), volumes: z.array(z.string()).optional(), mapVolumes: z.boolean().default(true), start: z.boolean().default(true) }).strict();
const attachVolume = z.object({ system: z.string(), lpar: z.string(), volume: z.string() }).strict();
const setCapacity = z.object({ system: z.string(), procUnits: z.number().positive().optional(), memoryMb: z.number().int().positive().optional() }).strict();
const unmapVolume = z.object({ storage: z.string(), volume: z.string(), host: z.string() }).strict();

export const ACTIONS = {
  /** Activates an LPAR directly (default: without capacity or storage checks). */
  'start-lpar': { schema: startLpar, run: (deps: ActionDeps, body: z.output<typeof startLpar>) => {
    const { system, partition } = lookup(deps.model, body.system, body.lpar);
    deps.physics.activate(system, partition, { bypassChecks: body.bypassChecks, cause: `control: start-lpar ${system.name}/${partition.name}`, onStartedWithoutDisks: (missing) => {
      deps.violations.record('started-without-disks', `control: start-lpar ${system.name}/${partition.name}`, `LPAR ${partition.name} started on ${system.name} without its disks: ${missing.join(', ')}`, [partition.name, system.name]);
    } });
    return { lpar: partition.name, system: system.name, state: partition.state };
  } },
  /**
   * Copies an LPAR definition (with its VIOS server adapters) onto another system, optionally with other
   * volumes (a recovery site's copies), mapping them and starting it; the original stays as it is.
   */
  'place-lpar': { schema: placeLpar, run: (deps: ActionDeps, body: z.output<typeof placeLpar>) => {
    const { partition } = lookup(deps.model, body.from, body.lpar);
    const target = systemNamed(deps.model, body.to);
    if (findPartition(target, partition.name)) throw new ActionError(`to: ${target.name} already has a partition named ${partition.name}`);
    const copy: Partition = { ...partition, id: nextPartitionId(target), profiles: partition.profiles.map((p) => ({ ...p })), state: 'Not Activated', rmcState: 'inactive', volumes: [...(body.volumes ?? partition.volumes)], migrationState: 'Not Migrating', vios: undefined };
    target.partitions.push(copy);
    if (body.mapVolumes) mapAllVolumes(deps.model, target, copy);
    else createServerAdapters(target, copy);
    deps.model.changed(`control: place-lpar ${partition.name} ${body.from} -> ${target.name}`);
    if (body.start) deps.physics.activate(target, copy, { profile: partition.currentProfile || undefined, bypassChecks: true, cause: `control: place-lpar ${partition.name} on ${target.name}` });
    return { lpar: copy.name, system: target.name, id: copy.id, state: copy.state };
  } },
  /** Gives an LPAR one more volume (mapped to its system's host and presented by its VIOS). */
  'attach-volume': { schema: attachVolume, run: (deps: ActionDeps, body: z.output<typeof attachVolume>) => {
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
  } },
  /** Changes a system's installed capacity (shrinking it below what runs there breaks the capacity invariant). */
  'set-capacity': { schema: setCapacity, run: (deps: ActionDeps, body: z.output<typeof setCapacity>) => {
    const system = systemNamed(deps.model, body.system);
    if (body.procUnits !== undefined) system.procUnits = body.procUnits;
    if (body.memoryMb !== undefined) system.memoryMb = body.memoryMb;
    deps.model.changed(`control: set-capacity ${system.name}`);
    return { system: system.name, procUnits: system.procUnits, memoryMb: system.memoryMb };
  } },
  /** Removes a vdisk-to-host mapping behind the HMC's back. */
  'unmap-volume': { schema: unmapVolume, run: (deps: ActionDeps, body: z.output<typeof unmapVolume>) => {
    const storage = deps.model.storage.get(body.storage);
    if (!storage) throw new ActionError(`storage: unknown storage system "${body.storage}"`);
    const vdisk = vdiskByName(storage, body.volume);
    const host = storage.hosts.find((h) => h.name === body.host);
    const mapping = storage.mappings.find((m) => m.vdiskId === vdisk?.id && m.hostId === host?.id);
    if (!mapping) throw new ActionError(`volume: "${body.volume}" is not mapped to host "${body.host}" on ${storage.name}`);
    removeMapping(storage, mapping);
    deps.model.changed(`control: unmap-volume ${storage.name}/${body.volume} from ${body.host}`);
    return { storage: storage.name, volume: body.volume, host: body.host };
  } },
} as const;

export interface ActionDeps { model: FleetModel; physics: Physics; violations: ViolationLog }

export function runAction(deps: ActionDeps, name: string, body: unknown): unknown {
  const action = (ACTIONS as Record<string, { schema: z.ZodType; run: (deps: ActionDeps, body: never) => unknown }>)[name];
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

function systemNamed(model: FleetModel, name: string): ManagedSystem {
  const system = model.system(name);
  if (!system) throw new ActionError(`unknown managed system "${name}"`);
  return system;
}

function lookup(model: FleetModel, systemName: string, lparName: string): { system: ManagedSystem; partition: Partition } {
  const system = systemNamed(model, systemName);
  const partition = findPartition(system, lparName);
  if (!partition) throw new ActionError(`lpar: no partition "${lparName}" on ${system.name}`);
  return { system, partition };
}

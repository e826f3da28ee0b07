// A simulated fleet that outlives its process: `npm start` (and `npm run sim -- --persist`) keep the fleet's state —
// power and system states, where every LPAR is and in what state, VIOS and SAN mappings, FlashCopy maps, remote-copy
// groups, active faults — and the control API's port in <stateDir>/fleet-state.json, so that a restart finds the fleet
// as it was and the control URL printed before still works. Reset: POST <control>/reset (the fleet of the YAML file,
// saved at once), or delete fleet-state.json while the fleet is stopped. A fleet file that changed since the state was
// saved starts from the file (the old state no longer matches it).
//
// Saved about once a second when something changed, and at stop; a process killed with SIGKILL loses at most that
// last second. What was in flight when the process stopped (a partition booting, a system powering off, an LPM, a
// FlashCopy or a replication catching up) had its timer in that process: at restore it is settled the way the device
// would have ended it (booted, powered off, copied, synchronized), except an LPM, which is rolled back (the partition
// stays on its source, as an interrupted migration does on a real HMC). Not kept: which partitions were active when
// their server failed (physics.ts holds it privately for rrstartlpar), so after a restore a remote restart of a
// partition that had been shut down before its server failed is not refused; and the violation log starts empty.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type FaultRequest } from './faults.js';
import { type FleetModel, type ManagedSystem } from './fleet-model.js';
import { type FleetSpec } from './fleet-spec.js';
import { startSimulatedFleet, type SimulatedFleet, type SimulatedFleetOptions } from './fleet.js';

export const FLEET_STATE_FILE = 'fleet-state.json';
const FORMAT = 1;

export interface PersistentFleetOptions extends Omit<SimulatedFleetOptions, 'stateDir'> {
  /** Where host keys, device ports and fleet-state.json live (npm start: <LAZARUS_HOME>/sim). */
  stateDir: string;
  /** How often a changed fleet is saved, in milliseconds; default 1000. */
  saveIntervalMs?: number;
  /** Where to say what was restored or why not; default: nothing said. */
  log?: (line: string) => void;
}

export interface PersistentFleet extends SimulatedFleet {
  /** The state file (<stateDir>/fleet-state.json). */
  stateFile: string;
  /** Whether the fleet was restored from the state file at start (false: built from the fleet file). */
  restored: boolean;
  /** Writes the state file now (also done on a timer and at stop). */
  save(): void;
}

/** The control API's port is taken by another process; the message names the port, where it is kept and the fix. */
export class ControlPortInUseError extends Error {
  constructor(
    readonly port: number,
    stateFile: string,
  ) {
    super(
      `port ${port} on 127.0.0.1 (the simulated fleet's control API, kept in ${stateFile}) is in use by another ` +
        'process: is another npm start using this LAZARUS_HOME? Stop it, or free the port',
    );
  }
}

interface SavedFault extends FaultRequest {
  triggered: number;
}

/** fleet-state.json, version 1. Maps and Sets are written as {"$map": entries} / {"$set": values}. */
interface SavedFleet {
  format: number;
  savedAt: string;
  /** sha256 of the fleet file's text (or of the fleet object): a different fleet does not get this state. */
  fleetSha256: string;
  controlPort: number;
  systems: FleetModel['systems'];
  storage: FleetModel['storage'];
  consistencyGroups: FleetModel['consistencyGroups'];
  faults: SavedFault[];
}

/**
 * Starts the simulated fleet on its remembered control port with its saved state, when <stateDir>/fleet-state.json
 * holds one for this fleet file; otherwise from the fleet file, on any free port (then remembered). Rejects with
 * ControlPortInUseError when the remembered control port is taken.
 */
export async function startPersistentFleet(options: PersistentFleetOptions): Promise<PersistentFleet> {
  mkdirSync(options.stateDir, { recursive: true, mode: 0o700 });
  const stateFile = join(options.stateDir, FLEET_STATE_FILE);
  const log = options.log ?? (() => undefined);
  const fleetSha256 = fleetDigest(options.fleet);
  const saved = readSaved(stateFile, fleetSha256, log);
  let fleet: SimulatedFleet;
  try {
    fleet = await startSimulatedFleet({ ...options, controlPort: saved?.controlPort });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE' && saved?.controlPort)
      throw new ControlPortInUseError(saved.controlPort, stateFile);
    throw err;
  }
  if (saved?.systems) {
    restore(fleet, saved);
    log(
      `simulated fleet: restored from ${stateFile} (saved ${saved.savedAt}); POST ${fleet.controlUrl}/reset resets it`,
    );
  }
  const controlPort = Number(new URL(fleet.controlUrl).port);
  let lastWritten = '';
  const save = () => {
    const text = serialize(fleet, fleetSha256, controlPort);
    // savedAt differs at each call: compare what the state is, not when it was taken.
    const content = text.replace(/"savedAt":"[^"]*",/, '');
    if (content === lastWritten) return;
    const temporary = `${stateFile}.tmp`;
    writeFileSync(temporary, text, { mode: 0o600 });
    renameSync(temporary, stateFile);
    lastWritten = content;
  };
  save();
  const timer = setInterval(() => {
    try {
      save();
    } catch (err) {
      log(`simulated fleet: cannot save ${stateFile}: ${(err as Error).message}`);
    }
  }, options.saveIntervalMs ?? 1_000);
  timer.unref();
  const stop = fleet.stop;
  return {
    ...fleet,
    stateFile,
    restored: Boolean(saved?.systems),
    save,
    async stop() {
      clearInterval(timer);
      // Before the fleet stops: stopping clears its faults.
      save();
      await stop();
    },
  };
}

function fleetDigest(fleet: string | FleetSpec): string {
  const text = typeof fleet === 'string' ? readFileSync(fleet, 'utf8') : JSON.stringify(fleet);
  return createHash('sha256').update(text).digest('hex');
}

/** The saved state for this fleet, only its control port when it belongs to another fleet file, or nothing. */
function readSaved(file: string, fleetSha256: string, log: (line: string) => void): Partial<SavedFleet> | undefined {
  if (!existsSync(file)) return undefined;
  let saved: SavedFleet;
  try {
    saved = JSON.parse(readFileSync(file, 'utf8'), revive) as SavedFleet;
  } catch (err) {
    log(`simulated fleet: ${file} is not readable JSON (${(err as Error).message}); starting from the fleet file`);
    return undefined;
  }
  const controlPort = Number.isInteger(saved.controlPort) ? saved.controlPort : undefined;
  if (saved.format !== FORMAT || !(saved.systems instanceof Map) || !(saved.storage instanceof Map)) {
    log(`simulated fleet: ${file} is not a state this version can read; starting from the fleet file`);
    return { controlPort };
  }
  if (saved.fleetSha256 !== fleetSha256) {
    log(`simulated fleet: the fleet file changed since ${file} was saved; starting from the fleet file`);
    return { controlPort };
  }
  return saved;
}

/**
 * Puts the saved state into the running fleet: its faults first (re-applied to the fleet as built from the file, so
 * their effects on devices — unreachable, lost connections — hold again), then the saved systems, storage and
 * remote-copy groups in place of the built ones, with anything in flight settled.
 */
function restore(fleet: SimulatedFleet, saved: Partial<SavedFleet>): void {
  const { core } = fleet;
  for (const { triggered, ...request } of saved.faults ?? []) {
    const fault = core.faults.add(request);
    fault.triggered = triggered;
  }
  core.model.systems = saved.systems!;
  core.model.storage = saved.storage!;
  core.model.consistencyGroups = saved.consistencyGroups ?? [];
  settleInFlight(core.model);
  for (const server of core.servers.values()) server.applyReachability();
  core.model.changed('restore: the saved state of the simulated fleet');
}

/** What a timer of the stopped process would have done, done now (an LPM is rolled back instead). */
export function settleInFlight(model: FleetModel): void {
  for (const system of model.systems.values()) settleSystem(system);
  for (const storage of model.storage.values()) {
    for (const map of [...storage.fcMaps]) {
      if (map.status === 'preparing') map.status = 'prepared';
      else if (map.status === 'stopping') map.status = 'stopped';
      else if (map.status === 'copying' && map.copyRate > 0) {
        map.status = 'idle_or_copied';
        map.progress = 100;
        if (map.autoDelete) storage.fcMaps.splice(storage.fcMaps.indexOf(map), 1);
      }
    }
  }
  for (const group of model.consistencyGroups) {
    if (group.state === 'inconsistent_copying' && !group.linkDown) {
      group.state = 'consistent_synchronized';
      for (const relationship of group.relationships) relationship.progress = 100;
    }
  }
}

function settleSystem(system: ManagedSystem): void {
  if (system.state === 'Power Off In Progress') {
    system.state = 'Power Off';
    system.powered = false;
    for (const partition of system.partitions) [partition.state, partition.rmcState] = ['Not Activated', 'inactive'];
  } else if (system.state === 'Initializing') {
    system.state = 'Operating';
    for (const partition of system.partitions)
      if (partition.vios) [partition.state, partition.rmcState] = ['Running', 'active'];
  }
  for (const partition of system.partitions) {
    if (partition.state === 'Starting') [partition.state, partition.rmcState] = ['Running', 'active'];
    else if (partition.state === 'Shutting Down') [partition.state, partition.rmcState] = ['Not Activated', 'inactive'];
    else if (partition.state === 'Migrating - Running') partition.state = 'Running';
    else if (partition.state === 'Migrating - Not Activated') partition.state = 'Not Activated';
    if (partition.migrationState !== 'Not Migrating') partition.migrationState = 'Not Migrating';
  }
}

function serialize(fleet: SimulatedFleet, fleetSha256: string, controlPort: number): string {
  const { model, faults } = fleet.core;
  const state: SavedFleet = {
    format: FORMAT,
    savedAt: new Date().toISOString(),
    fleetSha256,
    controlPort,
    systems: model.systems,
    storage: model.storage,
    consistencyGroups: model.consistencyGroups,
    // Each fault as it was asked for, without the id and time of this run (the restore adds them anew).
    faults: faults.list().map(({ id: _id, createdAt: _createdAt, ...fault }) => fault),
  };
  return `${JSON.stringify(state, replace)}\n`;
}

function replace(_key: string, value: unknown): unknown {
  if (value instanceof Map) return { $map: [...value.entries()] };
  if (value instanceof Set) return { $set: [...value.values()] };
  return value;
}

function revive(_key: string, value: unknown): unknown {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === '$map' && Array.isArray((value as { $map: unknown }).$map))
      return new Map((value as { $map: [unknown, unknown][] }).$map);
    if (keys.length === 1 && keys[0] === '$set' && Array.isArray((value as { $set: unknown }).$set))
      return new Set((value as { $set: unknown[] }).$set);
  }
  return value;
}

/** The simulated Power fleet: SSH servers speaking the HMC and Spectrum Virtualize CLIs, plus a control API. */
export { startSimulatedFleet, writeEndpointsFile } from './fleet.js';
export { ControlPortInUseError, FLEET_STATE_FILE, startPersistentFleet } from './fleet-persistence.js';
export type { PersistentFleet, PersistentFleetOptions } from './fleet-persistence.js';
export type { DeviceEndpoint, FleetEndpoints, SimulatedFleet, SimulatedFleetOptions } from './fleet.js';
export type { FleetSpec } from './fleet-spec.js';
export { FleetSpecError, loadFleetSpecFile, parseFleetSpecText } from './fleet-spec.js';
export type { Violation, ViolationKind } from './violations.js';
export type { Fault, FaultRequest } from './faults.js';
export { DEFAULT_LATENCY_MS } from './latency.js';

import { type Device, type FleetModel, type ManagedSystem, type Partition } from './fleet-model.js';
import { type Physics } from './physics.js';
import { type ViolationLog } from './violations.js';

/** What a command handler may touch: the fleet, its physics, and the device it runs on. */
export interface CommandContext {
  model: FleetModel;
  physics: Physics;
  violations: ViolationLog;
  device: Device;
  /** The command line as received, for violation causes. */
  line: string;
}

export function causeOf(ctx: CommandContext): string {
  return `${ctx.device.name}: ${ctx.line}`;
}

export type PartitionRef = { system: ManagedSystem; partition: Partition };

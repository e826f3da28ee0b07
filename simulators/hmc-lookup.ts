import { type ParsedFlags } from './cli-flags.js';
import { type CommandContext } from './command-context.js';
import { type HmcDevice, type ManagedSystem, type Partition } from './fleet-model.js';
import { hmcError } from './hmc-errors.js';

/** Resolves -m, -t, -p/-n and --id against the systems this HMC manages. */
export function managedSystem(ctx: CommandContext, flags: ParsedFlags, flag = '-m'): ManagedSystem {
  const name = flags.values.get(flag);
  if (name === undefined) throw hmcError.missingParameter(flag);
  return systemNamed(ctx, name);
}

export function systemNamed(ctx: CommandContext, name: string): ManagedSystem {
  const hmc = ctx.device as HmcDevice;
  const system = [...ctx.model.systems.values()].find((s) => s.name === name || `${s.typeModel}*${s.serial}` === name);
  if (!system || !hmc.systems.includes(system.name)) throw hmcError.systemNotFound(name);
  return system;
}

export function partitionIn(system: ManagedSystem, flags: ParsedFlags, nameFlag: '-p' | '-n'): Partition {
  const name = flags.values.get(nameFlag);
  const id = flags.values.get('--id');
  if (name === undefined && id === undefined) throw hmcError.missingParameter(`${nameFlag} or --id`);
  const partition =
    name !== undefined
      ? system.partitions.find((p) => p.name === name)
      : system.partitions.find((p) => String(p.id) === id);
  if (!partition) throw hmcError.partitionNotFound(name ?? `with ID ${id}`, system.name);
  return partition;
}

export function lparFilter(
  system: ManagedSystem,
  partitions: Partition[],
  filters: Map<string, string[]>,
): Partition[] {
  const names = filters.get('lpar_names');
  const ids = filters.get('lpar_ids');
  for (const name of names ?? [])
    if (!partitions.some((p) => p.name === name)) throw hmcError.partitionNotFound(name, system.name);
  return partitions.filter((p) => (!names || names.includes(p.name)) && (!ids || ids.includes(String(p.id))));
}

/** Getopt-style parsing shared by the simulated CLIs: known value flags, known switches, optional positionals. */
export interface FlagSpec {
  values: string[];
  switches?: string[];
  /** How many positional words the command takes (0 by default). */
  positionals?: number;
}

export interface ParsedFlags {
  values: Map<string, string>;
  switches: Set<string>;
  positionals: string[];
}

export class FlagError extends Error {
  constructor(
    readonly flag: string,
    readonly reason: 'unknown' | 'missing-value' | 'extra-positional',
  ) {
    super(`${reason}: ${flag}`);
  }
}

export function parseFlags(args: string[], spec: FlagSpec): ParsedFlags {
  const parsed: ParsedFlags = { values: new Map(), switches: new Set(), positionals: [] };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (spec.values.includes(arg)) {
      const value = args[i + 1];
      if (value === undefined) throw new FlagError(arg, 'missing-value');
      parsed.values.set(arg, value);
      i++;
    } else if (spec.switches?.includes(arg)) {
      parsed.switches.add(arg);
    } else if (arg.startsWith('-') && arg.length > 1) {
      throw new FlagError(arg, 'unknown');
    } else if (parsed.positionals.length < (spec.positionals ?? 0)) {
      parsed.positionals.push(arg);
    } else {
      throw new FlagError(arg, 'extra-positional');
    }
  }
  return parsed;
}

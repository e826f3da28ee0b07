import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';

/** The fleet YAML: what exists and in which state when the simulator starts. */

const name = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/, 'must start with a letter or _ and hold only letters, digits, . - _');
/**
 * Partition and profile names may hold what real HMC names hold, such as spaces (`p590n22 normal`, corpus
 * lssyscfg-prof-name-with-space-p590.txt) and quotes; not commas, double quotes or control characters (the HMC's
 * listing and filter syntax splits at commas), nor leading or trailing spaces.
 */
const hmcName = z
  .string()
  .max(47)
  .regex(
    /^[A-Za-z0-9_](?:[A-Za-z0-9_ .'+#@/-]*[A-Za-z0-9_.'+#@/-])?$/,
    "must start with a letter, digit or _ and hold only letters, digits, spaces and _ . ' + # @ / -",
  );
const wwpn = z.string().regex(/^[0-9A-Fa-f]{16}$/, 'must be 16 hex digits');

export const SYSTEM_STATES = [
  'Operating',
  'Power Off',
  'Power Off In Progress',
  'No Connection',
  'Error',
  'Incomplete',
  'Standby',
  'Initializing',
] as const;
export const PRIORITIES = ['high', 'medium', 'low'] as const;
export const RC_STATES = [
  'consistent_synchronized',
  'consistent_stopped',
  'inconsistent_stopped',
  'inconsistent_copying',
  'idling',
] as const;

const volumeSpec = z.union([name, z.object({ name, sizeGb: z.number().positive().default(50) }).strict()]);

const lparSpec = z
  .object({
    name: hmcName,
    id: z.number().int().min(1).max(1000).optional(),
    profile: hmcName.default('default_profile'),
    /** `ded`: dedicated processors; procUnits are then whole cores (integers). */
    procMode: z.enum(['shared', 'ded']).default('shared'),
    procUnits: z
      .object({
        desired: z.number().positive(),
        min: z.number().positive().optional(),
        max: z.number().positive().optional(),
      })
      .strict(),
    memoryMb: z
      .object({
        desired: z.number().int().positive(),
        min: z.number().int().positive().optional(),
        max: z.number().int().positive().optional(),
      })
      .strict(),
    priority: z.enum(PRIORITIES).default('medium'),
    volumes: z.array(volumeSpec).default([]),
    adapter: z.enum(['vscsi', 'npiv']).default('vscsi'),
    /**
     * NPIV only: `client` maps the LPAR's volumes to a storage host object of its own, made of its virtual FC client
     * WWPNs (as PowerVC does), so they follow it to any server; `system` (default) to its server's host object.
     */
    storageHost: z.enum(['system', 'client']).default('system'),
    state: z.enum(['Running', 'Not Activated']).default('Running'),
    simplifiedRemoteRestartCapable: z.boolean().default(true),
    os: z.enum(['aixlinux', 'os400']).default('aixlinux'),
  })
  .strict();

const viosSpec = z
  .object({
    name,
    id: z.number().int().min(1).max(1000).optional(),
    procUnits: z.number().positive().default(1),
    memoryMb: z.number().int().positive().default(8192),
  })
  .strict();

const systemSpec = z
  .object({
    name,
    typeModel: z
      .string()
      .regex(/^\d{4}-[0-9A-Z]{3}$/, 'must look like 9009-42A')
      .default('9009-42A'),
    serial: z
      .string()
      .regex(/^[0-9A-Z]{7}$/, 'must be 7 characters 0-9A-Z')
      .optional(),
    procUnits: z.number().positive(),
    memoryMb: z.number().int().positive(),
    firmwareMemoryMb: z.number().int().nonnegative().default(4096),
    state: z.enum(SYSTEM_STATES).default('Operating'),
    storage: name,
    wwpns: z.array(wwpn).min(1).optional(),
    vios: z.array(viosSpec).min(1),
    lpars: z.array(lparSpec).default([]),
  })
  .strict();

const credentials = {
  /** sshd MaxSessions: exec/shell channels open at once on one connection (OpenSSH default 10). */
  maxChannelsPerConnection: z.number().int().positive().default(10),
  user: z.string().min(1),
  password: z.string().min(1),
  authorizedKeys: z
    .array(
      z
        .string()
        .regex(
          /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp\d+) [A-Za-z0-9+/=]+( .*)?$/,
          'must be an OpenSSH public key line',
        ),
    )
    .default([]),
};

const hmcSpec = z
  .object({
    name,
    ...credentials,
    user: credentials.user.default('hscroot'),
    systems: z.array(name).min(1),
    maxConcurrentOperations: z.number().int().positive().default(32),
  })
  .strict();

const storageSpec = z
  .object({
    name,
    ...credentials,
    user: credentials.user.default('superuser'),
    clusterId: z
      .string()
      .regex(/^[0-9A-F]{16}$/, 'must be 16 upper-case hex digits')
      .optional(),
    volumes: z.array(volumeSpec).default([]),
    maxSessions: z.number().int().positive().default(32),
    maxNewConnectionsPerSecond: z.number().int().positive().default(15),
    maxUnauthenticatedConnections: z.number().int().positive().default(3),
  })
  .strict();

const siteSpec = z
  .object({
    name,
    hmcs: z.array(hmcSpec).min(1),
    storage: z.array(storageSpec).min(1),
    systems: z.array(systemSpec).min(1),
  })
  .strict();

const consistencyGroupSpec = z
  .object({
    name,
    master: name,
    aux: name,
    copyType: z.enum(['metro', 'global']).default('metro'),
    state: z.enum(RC_STATES).default('consistent_synchronized'),
    relationships: z.array(z.object({ name: name.optional(), master: name, aux: name }).strict()).default([]),
  })
  .strict();

const flashCopySpec = z
  .object({
    name: name.optional(),
    storage: name,
    source: name,
    target: name,
    copyRate: z.number().int().min(0).max(150).default(0),
  })
  .strict();

export const fleetSpecSchema = z
  .object({
    sites: z.array(siteSpec).min(1),
    remoteCopy: z
      .object({ consistencyGroups: z.array(consistencyGroupSpec).default([]) })
      .strict()
      .default({ consistencyGroups: [] }),
    flashCopy: z.array(flashCopySpec).default([]),
  })
  .strict();

export type FleetSpec = z.input<typeof fleetSpecSchema>;
export type ParsedFleetSpec = z.output<typeof fleetSpecSchema>;
export type SiteSpec = z.output<typeof siteSpec>;
export type SystemSpec = z.output<typeof systemSpec>;
export type LparSpec = z.output<typeof lparSpec>;
export type VolumeSpec = z.output<typeof volumeSpec>;

export type YamlPath = (string | number)[];

export class FleetSpecError extends Error {
  constructor(
    readonly source: string,
    readonly yamlPath: YamlPath,
    readonly problem: string,
    line?: number,
  ) {
    super(`${source}${line ? `:${line}` : ''}: ${formatYamlPath(yamlPath)}: ${problem}`);
  }
}

export function formatYamlPath(path: YamlPath): string {
  if (path.length === 0) return '(root)';
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? part : `.${part}`)).join('');
}

/** Reads and validates a fleet YAML file; errors name the file, the line and the YAML path. */
export function loadFleetSpecFile(file: string): ParsedFleetSpec {
  return parseFleetSpecText(readFileSync(file, 'utf8'), file);
}

export function parseFleetSpecText(text: string, source: string): ParsedFleetSpec {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  const lineOf = (path: YamlPath): number | undefined => {
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node?.range) return lineCounter.linePos(node.range[0]).line;
    }
    return undefined;
  };
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    throw new FleetSpecError(source, [], `invalid YAML: ${first.message.split('\n')[0]}`, first.linePos?.[0]?.line);
  }
  return validateFleetSpec(doc.toJS(), source, lineOf);
}

export function validateFleetSpec(
  input: unknown,
  source: string,
  lineOf: (path: YamlPath) => number | undefined = () => undefined,
): ParsedFleetSpec {
  const parsed = fleetSpecSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
    throw new FleetSpecError(source, path, issue.message, lineOf(path));
  }
  const problem = findCrossReferenceProblem(parsed.data);
  if (problem) throw new FleetSpecError(source, problem.path, problem.message, lineOf(problem.path));
  return parsed.data;
}

interface SpecProblem {
  path: YamlPath;
  message: string;
}

function findCrossReferenceProblem(spec: ParsedFleetSpec): SpecProblem | undefined {
  const seen = new Map<string, YamlPath>();
  const unique = (kind: string, key: string, path: YamlPath): SpecProblem | undefined => {
    const previous = seen.get(`${kind}:${key}`);
    if (previous) return { path, message: `duplicate ${kind} name "${key}" (first at ${formatYamlPath(previous)})` };
    seen.set(`${kind}:${key}`, path);
    return undefined;
  };
  const storageNames = new Set(spec.sites.flatMap((s) => s.storage.map((st) => st.name)));
  const systemNames = new Set(spec.sites.flatMap((s) => s.systems.map((m) => m.name)));
  const managedBy = new Map<string, { hmc: string; site: string }[]>();
  for (const [si, site] of spec.sites.entries()) {
    const problem =
      unique('site', site.name, ['sites', si, 'name']) ??
      site.hmcs.map((h, hi) => unique('device', h.name, ['sites', si, 'hmcs', hi, 'name'])).find(Boolean) ??
      site.storage.map((st, ti) => unique('device', st.name, ['sites', si, 'storage', ti, 'name'])).find(Boolean) ??
      checkHmcSystems(site, si, systemNames, managedBy) ??
      checkSystems(site, si, storageNames, unique);
    if (problem) return problem;
  }
  for (const [si, site] of spec.sites.entries()) {
    for (const [mi, system] of site.systems.entries()) {
      if (!managedBy.has(system.name))
        return {
          path: ['sites', si, 'systems', mi, 'name'],
          message: `managed system "${system.name}" is managed by no HMC`,
        };
    }
  }
  return checkReplication(spec, storageNames);
}

/**
 * Every system an HMC lists must exist. A system may be managed by two HMCs of its own site, the redundant pair IBM
 * supports ("a managed system can be managed by at most two HMCs"); both then show the same system.
 */
function checkHmcSystems(
  site: SiteSpec,
  si: number,
  systemNames: Set<string>,
  managedBy: Map<string, { hmc: string; site: string }[]>,
): SpecProblem | undefined {
  const siteSystems = new Set(site.systems.map((m) => m.name));
  for (const [hi, hmc] of site.hmcs.entries()) {
    for (const [ni, systemName] of hmc.systems.entries()) {
      const path = ['sites', si, 'hmcs', hi, 'systems', ni];
      if (!systemNames.has(systemName)) return { path, message: `unknown managed system "${systemName}"` };
      const managers = managedBy.get(systemName) ?? [];
      const names = managers.map((m) => m.hmc).join(' and ');
      if (managers.some((m) => m.hmc === hmc.name))
        return { path, message: `managed system "${systemName}" is listed twice` };
      const samePair = managers.length === 1 && managers[0]!.site === site.name && siteSystems.has(systemName);
      if (managers.length > 0 && !samePair) {
        const why = managers.length >= 2 ? 'at most two HMCs' : "a second HMC must be of the system's own site";
        return { path, message: `managed system "${systemName}" is already managed by ${names} (${why})` };
      }
      managedBy.set(systemName, [...managers, { hmc: hmc.name, site: site.name }]);
    }
  }
  return undefined;
}

function checkSystems(
  site: SiteSpec,
  si: number,
  storageNames: Set<string>,
  unique: (k: string, n: string, p: YamlPath) => SpecProblem | undefined,
): SpecProblem | undefined {
  for (const [mi, system] of site.systems.entries()) {
    const at: YamlPath = ['sites', si, 'systems', mi];
    const problem = unique('managed system', system.name, [...at, 'name']);
    if (problem) return problem;
    if (!storageNames.has(system.storage))
      return { path: [...at, 'storage'], message: `unknown storage system "${system.storage}"` };
    const partitions = [
      ...system.vios.map((v, i) => ({ name: v.name, id: v.id, path: [...at, 'vios', i] })),
      ...system.lpars.map((l, i) => ({ name: l.name, id: l.id, path: [...at, 'lpars', i] })),
    ];
    const names = new Set<string>();
    const ids = new Set<number>();
    for (const partition of partitions) {
      if (names.has(partition.name))
        return {
          path: [...partition.path, 'name'],
          message: `duplicate partition name "${partition.name}" on ${system.name}`,
        };
      names.add(partition.name);
      if (partition.id !== undefined) {
        if (ids.has(partition.id))
          return {
            path: [...partition.path, 'id'],
            message: `duplicate partition id ${partition.id} on ${system.name}`,
          };
        ids.add(partition.id);
      }
    }
    for (const [li, lpar] of system.lpars.entries()) {
      const { min = lpar.procUnits.desired, max = lpar.procUnits.desired, desired } = lpar.procUnits;
      if (!(min <= desired && desired <= max))
        return { path: [...at, 'lpars', li, 'procUnits'], message: 'must satisfy min <= desired <= max' };
      if (lpar.procMode === 'ded' && ![min, desired, max].every(Number.isInteger)) {
        return {
          path: [...at, 'lpars', li, 'procUnits'],
          message: 'dedicated processors are whole cores: use integers',
        };
      }
      const mem = lpar.memoryMb;
      if (!((mem.min ?? mem.desired) <= mem.desired && mem.desired <= (mem.max ?? mem.desired)))
        return { path: [...at, 'lpars', li, 'memoryMb'], message: 'must satisfy min <= desired <= max' };
    }
  }
  return undefined;
}

function checkReplication(spec: ParsedFleetSpec, storageNames: Set<string>): SpecProblem | undefined {
  for (const [gi, group] of spec.remoteCopy.consistencyGroups.entries()) {
    const at: YamlPath = ['remoteCopy', 'consistencyGroups', gi];
    if (!storageNames.has(group.master))
      return { path: [...at, 'master'], message: `unknown storage system "${group.master}"` };
    if (!storageNames.has(group.aux)) return { path: [...at, 'aux'], message: `unknown storage system "${group.aux}"` };
    if (group.master === group.aux)
      return { path: [...at, 'aux'], message: 'master and aux must be different storage systems' };
  }
  for (const [fi, map] of spec.flashCopy.entries()) {
    if (!storageNames.has(map.storage))
      return { path: ['flashCopy', fi, 'storage'], message: `unknown storage system "${map.storage}"` };
  }
  return undefined;
}

export function volumeName(volume: VolumeSpec): string {
  return typeof volume === 'string' ? volume : volume.name;
}

export function volumeSizeGb(volume: VolumeSpec): number {
  return typeof volume === 'string' ? 50 : volume.sizeGb;
}

// The failover scenario format (issue 10, Deliver 9: "failover scenarios kept as data with an expected timeline"):
// one YAML file per scenario that reads like a runbook — the fleet, configuration edits, a list of steps (faults,
// control actions, HTTP API calls, waits on a phase, an LPAR step or a device state, checks), and the expectations
// at the end. Validated with zod; a bad file is rejected with its file name and the field's path. Reference:
// test/scenarios/README.md.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { parseDuration } from '../../domain/config/duration.js';

/** A duration as in the configuration ("90s", "1m30s", "250ms") or a number of milliseconds; parsed to ms. */
const duration = z.union([z.number().int().nonnegative(), z.string()]).transform((value, ctx) => {
  if (typeof value === 'number') return value;
  const ms = parseDuration(value);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a duration (e.g. 500ms, 30s, 2m)` });
    return z.NEVER;
  }
  return ms;
});

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
/**
 * What a value must be: a scalar (equal), or exactly one of {oneOf: [..]}, {not: scalar | [..]}, {matches: regex},
 * {atLeast: n}, {atMost: n}, {exists: bool}.
 */
export const matcherSchema = z.union([
  scalar,
  z.object({ oneOf: z.array(scalar).min(1) }).strict(),
  z.object({ not: z.union([scalar, z.array(scalar)]) }).strict(),
  z.object({ matches: z.string().min(1) }).strict(),
  z.object({ atLeast: z.number() }).strict(),
  z.object({ atMost: z.number() }).strict(),
  z.object({ exists: z.boolean() }).strict(),
]);
export type Matcher = z.infer<typeof matcherSchema>;

/**
 * One check on a JSON value by path: `a.b[0].c`, `lpars[name=dc1-db01].host` (`[k=v]` keeps the array elements whose
 * k equals v; a path may select several values). `is` applies to every selected value and needs at least one;
 * `count` is the number selected.
 */
export const jsonCheckSchema = z
  .object({ path: z.string().min(1), is: matcherSchema.optional(), count: matcherSchema.optional() })
  .strict()
  .refine((c) => c.is !== undefined || c.count !== undefined, 'give is or count');
export type JsonCheck = z.infer<typeof jsonCheckSchema>;

const phase = z.string().min(1);

/** What an LPAR's entry in a failover's report must say. */
const reportLparSchema = z
  .object({
    /** false: the LPAR must be absent from report.lpars and report.unplaced; default: present in one of them. */
    present: z.boolean().default(true),
    step: matcherSchema.optional(),
    destination: matcherSchema.optional(),
    attempts: matcherSchema.optional(),
    /** the entry's error (or its unplaced reason and detail) */
    error: matcherSchema.optional(),
    /** every priority the report gives the LPAR (its report entry, plan stream entry, unplaced entry) */
    priority: matcherSchema.optional(),
    /** timings.running: ms from the failover's start until it was Running */
    runningAtMs: matcherSchema.optional(),
  })
  .strict();

const failoverExpectationSchema = z
  .object({
    outcome: matcherSchema.optional(),
    /** Per LPAR by name; `*` applies to every LPAR in report.lpars not named in this map. */
    lpars: z.record(z.string(), reportLparSchema).optional(),
    /** Checks on the report's JSON. */
    report: z.array(jsonCheckSchema).optional(),
    /** Phases the progress showed, in this order (others may be seen in between, or missed if they are brief). */
    timeline: z.array(phase).optional(),
    /** Phases the progress must never have shown. */
    never: z.array(phase).optional(),
  })
  .strict();

const notificationExpectationSchema = z
  .object({
    kind: z.string().min(1),
    severity: z.enum(['info', 'warning', 'critical']).optional(),
    /** the failover (alias) it is about: its workflowId */
    failover: z.string().optional(),
    message: matcherSchema.optional(),
    /** false: no such notification may exist */
    present: z.boolean().default(true),
    /** It must have been seen while that failover's progress was in one of these phases (not only at the end). */
    seenDuring: z
      .object({ failover: z.string(), phases: z.array(phase).min(1) })
      .strict()
      .optional(),
  })
  .strict();

const deviceLparSchema = z
  .object({
    /** On how many systems the LPAR is Running: once, never. */
    running: z.enum(['once', 'never']).optional(),
    /** Running exactly once, on this system. */
    runningOn: z.string().optional(),
    /** Not Running on any of these systems. */
    notRunningOn: z.array(z.string()).optional(),
    /** Its state per system ("absent" when the system has no partition of that name). */
    stateOn: z.record(z.string(), matcherSchema).optional(),
    /** Every one of its volumes is mapped to this storage host. */
    volumesMappedTo: z.string().optional(),
  })
  .strict();

const deviceHostSchema = z
  .object({
    state: matcherSchema.optional(),
    /** `unchanged`: exactly the vdisk mappings it had when the scenario started; or a count matcher. */
    mappings: z.union([z.literal('unchanged'), matcherSchema]).optional(),
  })
  .strict();

/** Expectations, checked by a `check` step or at the end (`expect`). Every mismatch is listed, not only the first. */
export const expectationsSchema = z
  .object({
    failovers: z.record(z.string(), failoverExpectationSchema).optional(),
    notifications: z.array(notificationExpectationSchema).optional(),
    /** The simulator's violation log: [] = none; otherwise each listed kind must be there (with count if given). */
    violations: z.array(z.object({ kind: z.string().min(1), count: matcherSchema.optional() }).strict()).optional(),
    devices: z
      .object({
        lpars: z.record(z.string(), deviceLparSchema).optional(),
        hosts: z.record(z.string(), deviceHostSchema).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type Expectations = z.infer<typeof expectationsSchema>;

const decision = {
  failover: z.string().min(1),
  by: z.string().default('scenario'),
  reason: z.string().optional(),
  expectStatus: z.union([z.number().int(), z.array(z.number().int())]).optional(),
};

/** Steps: each is an object with exactly one of these keys (plus `as`, `note`), run in order. */
const stepBodies = {
  /** A discovery of the group run to its end; `expect` its status (ok, partial, ...). */
  discover: z.object({ group: z.string().optional(), expect: matcherSchema.optional() }).strict(),
  /** POST /faults on the simulator (body as simulators/README.md); `as` names it for clear-fault. */
  fault: z.object({ kind: z.string().min(1) }).catchall(z.unknown()),
  /** DELETE /faults/<id> of a fault named with `as`: its recovery (power back, error cleared, hang released). */
  'clear-fault': z.string().min(1),
  /** POST /actions/<name> on the simulator. */
  action: z.object({ name: z.string().min(1), body: z.record(z.string(), z.unknown()).default({}) }).strict(),
  /** POST /v1/failovers; `as` names the failover for later steps and expectations. */
  start: z
    .object({
      host: z.string().min(1),
      mode: z.enum(['auto', 'advisory']).default('auto'),
      group: z.string().optional(),
      dryRun: z.boolean().default(false),
      expectStatus: z.union([z.number().int(), z.array(z.number().int())]).optional(),
    })
    .strict(),
  approve: z.object(decision).strict(),
  reject: z.object(decision).strict(),
  cancel: z.object(decision).strict(),
  'override-fence': z.object(decision).strict(),
  /** Any HTTP API call; `as` keeps its body for ${...} references. */
  api: z
    .object({
      method: z.enum(['GET', 'POST', 'PUT', 'DELETE']),
      path: z.string().regex(/^(\/|\$\{)/, 'must start with / or a ${...} reference'),
      body: z.unknown().optional(),
      expectStatus: z.union([z.number().int(), z.array(z.number().int())]).optional(),
      expect: z.array(jsonCheckSchema).optional(),
    })
    .strict(),
  /**
   * Waits until a failover is in a phase, an LPAR of it reached a step, or it completed (`as` keeps the LPAR's
   * progress entry or the report); or until an LPAR has a state on the devices.
   */
  wait: z
    .object({
      failover: z.string().optional(),
      phase: z.union([phase, z.array(phase).min(1)]).optional(),
      lpar: z.string().optional(),
      step: z.union([z.string(), z.array(z.string()).min(1)]).optional(),
      completed: z.literal(true).optional(),
      device: z
        .object({
          lpar: z.string().min(1),
          state: z.union([z.string(), z.array(z.string()).min(1)]),
          on: z.string().optional(),
        })
        .strict()
        .optional(),
      timeout: duration.default(60_000),
    })
    .strict()
    .superRefine((w, ctx) => {
      const kinds = [
        w.phase !== undefined,
        w.lpar !== undefined,
        w.completed !== undefined,
        w.device !== undefined,
      ].filter(Boolean).length;
      if (kinds !== 1)
        ctx.addIssue({ code: 'custom', message: 'give exactly one of phase, lpar (with step), completed, device' });
      if ((w.phase !== undefined || w.lpar !== undefined || w.completed !== undefined) && w.failover === undefined)
        ctx.addIssue({ code: 'custom', path: ['failover'], message: 'required with phase, lpar or completed' });
      if (w.lpar !== undefined && w.step === undefined)
        ctx.addIssue({ code: 'custom', path: ['step'], message: 'required with lpar' });
    }),
  /** Two readings of a running failover's progress `over` apart: elapsedMs must have moved by at least half of it. */
  'elapsed-moves': z.object({ failover: z.string().min(1), over: duration.default(1_000) }).strict(),
  /**
   * The device runs no command for `over` (its commandsRun counter in the simulator's GET /state): nothing of a
   * finished failover still polls it.
   */
  quiet: z.object({ device: z.string().min(1), over: duration.default(2_000) }).strict(),
  sleep: duration,
  check: expectationsSchema,
} as const;
export type StepKind = keyof typeof stepBodies;
type StepBody<K extends StepKind> = z.output<(typeof stepBodies)[K]>;
export type Step = { [K in StepKind]: { kind: K; body: StepBody<K>; as?: string; note?: string } }[StepKind];

const stepSchema = z.record(z.string(), z.unknown()).transform((raw, ctx): Step => {
  const keys = Object.keys(raw).filter((k) => k !== 'as' && k !== 'note');
  if (keys.length !== 1 || !(keys[0]! in stepBodies)) {
    ctx.addIssue({
      code: 'custom',
      message:
        `a step has exactly one of ${Object.keys(stepBodies).join(', ')} (plus as, note); ` +
        `got ${keys.join(', ') || 'none'}`,
    });
    return z.NEVER;
  }
  const kind = keys[0] as StepKind;
  if (raw.as !== undefined && typeof raw.as !== 'string')
    ctx.addIssue({ code: 'custom', path: ['as'], message: 'must be a name' });
  if (raw.note !== undefined && typeof raw.note !== 'string')
    ctx.addIssue({ code: 'custom', path: ['note'], message: 'must be text' });
  const parsed = stepBodies[kind].safeParse(raw[kind]);
  if (!parsed.success) {
    for (const issue of parsed.error.issues)
      ctx.addIssue({ code: 'custom', path: [kind, ...issue.path], message: issue.message });
    return z.NEVER;
  }
  return { kind, body: parsed.data, as: raw.as as string | undefined, note: raw.note as string | undefined } as Step;
});

export const scenarioSchema = z
  .object({
    /** Issue number and case ("What was seen" item) the scenario encodes. */
    issue: z.number().int().positive(),
    case: z.number().int().positive(),
    title: z.string().min(1),
    description: z.string().optional(),
    /** Fleet YAML, relative to the repository root; default examples/fleet-small.yaml. */
    fleet: z.string().optional(),
    /** The simulator's time scale (device latencies × this). */
    timeScale: z.number().positive().max(1).default(0.0005),
    /** The whole scenario's deadline. */
    timeout: duration.default(120_000),
    /** How often the runner reads progress and notifications while a failover runs. */
    pollEvery: duration.default(100),
    /** Edits of examples/lazarus.yaml: the group's recovery settings merged in; policies replace the list. */
    config: z
      .object({
        group: z.string().default('dc1-prod'),
        recovery: z.record(z.string(), z.unknown()).default({}),
        policies: z.array(z.record(z.string(), z.unknown())).optional(),
      })
      .strict()
      .default({ group: 'dc1-prod', recovery: {} }),
    steps: z.array(stepSchema).min(1),
    expect: expectationsSchema,
  })
  .strict();
export type Scenario = z.output<typeof scenarioSchema> & { name: string; file: string };

export class ScenarioFormatError extends Error {}

/** Parses a scenario's YAML text; errors name the file and the field (`steps.3.wait.timeout: ...`). */
export function parseScenarioText(text: string, file: string): Scenario {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new ScenarioFormatError(`${file}: not valid YAML: ${(err as Error).message}`);
  }
  const parsed = scenarioSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${file}: ${i.path.join('.') || '(top)'}: ${i.message}`);
    throw new ScenarioFormatError(lines.join('\n'));
  }
  return { ...parsed.data, name: basename(file).replace(/\.ya?ml$/, ''), file };
}

export function loadScenarioFile(file: string): Scenario {
  return parseScenarioText(readFileSync(file, 'utf8'), file);
}

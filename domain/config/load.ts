// Reading lazarus.yaml: YAML → zod schema → cross-references. Every error names the file, the line and column, and
// the path in the document (`lazarus.yaml:12:7: hostGroups[0].hmc: unknown HMC "hmc-dc9"`). Nothing is partly loaded.
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import { findReferenceProblem, type ConfigPath } from './references.js';
import { configSchema, type LazarusConfig } from './schema.js';

export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly path: ConfigPath,
    readonly problem: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(`${source}${line ? `:${line}:${column ?? 1}` : ''}: ${formatPath(path)}: ${problem}`);
    this.name = 'ConfigError';
  }
}

export function formatPath(path: ConfigPath): string {
  if (path.length === 0) return '(document)';
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? part : `.${part}`)).join('');
}

/** The config file to read: --config, else LAZARUS_CONFIG, else ./lazarus.yaml. */
export function configPath(argv: string[] = process.argv, env: NodeJS.ProcessEnv = process.env): string {
  const flag = argv.findIndex((a) => a === '--config' || a.startsWith('--config='));
  if (flag >= 0) {
    const value = argv[flag]!.includes('=') ? argv[flag]!.split('=').slice(1).join('=') : argv[flag + 1];
    if (!value) throw new ConfigError('command line', ['--config'], 'needs a file path');
    return value;
  }
  return env.LAZARUS_CONFIG || 'lazarus.yaml';
}

export function loadConfig(path: string): LazarusConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(path, [], `cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  return parseConfigText(text, path);
}

export function parseConfigText(text: string, source: string): LazarusConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    const pos = first.linePos?.[0];
    throw new ConfigError(source, [], `invalid YAML: ${first.message.split('\n')[0]}`, pos?.line, pos?.col);
  }
  const position = (path: ConfigPath) => nodePosition(doc, lineCounter, path);
  let document: unknown;
  try {
    // The yaml library refuses documents whose aliases expand beyond its limit (an alias bomb) here, not in parsing.
    document = doc.toJS() ?? {};
  } catch (err) {
    throw new ConfigError(source, [], `cannot be read as configuration: ${(err as Error).message.split('\n')[0]}`);
  }
  const parsed = configSchema.safeParse(document);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
    const { line, column } = position(path);
    throw new ConfigError(source, path, describe(issue), line, column);
  }
  const problem = findReferenceProblem(parsed.data);
  if (problem) {
    const { line, column } = position(problem.path);
    throw new ConfigError(source, problem.path, problem.message, line, column);
  }
  return parsed.data;
}

/**
 * Where `path` (or its nearest present ancestor) is in the YAML `text`: 1-based line and column, or {} when the
 * text does not parse. For errors found after loading (startup checks) that should point at the file like load's.
 */
export function positionInText(text: string, path: ConfigPath): { line?: number; column?: number } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true });
  return doc.errors.length > 0 ? {} : nodePosition(doc, lineCounter, path);
}

function nodePosition(
  doc: ReturnType<typeof parseDocument>,
  lineCounter: LineCounter,
  path: ConfigPath,
): { line?: number; column?: number } {
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (node?.range) {
      const pos = lineCounter.linePos(node.range[0]);
      return { line: pos.line, column: pos.col };
    }
  }
  return {};
}

function describe(issue: { code: string; message: string; keys?: string[] }): string {
  if (issue.code === 'unrecognized_keys' && issue.keys)
    return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  return issue.message;
}

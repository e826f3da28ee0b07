// What `npm start` (and every entry point given a lazarus.yaml) checks before it starts anything — Temporal or the
// devserver, the simulator, the workers, the API: the configuration loads (schema, bounds, cross-references), every
// credential reference resolves (device passwords and keys, API tokens, agent tokens, notification secrets) and every
// file it names can be read (knownHostsFile, key files, the secrets file). Before, a missing secret let startup say
// "ready" with an empty /v1/hosts, a missing known_hosts was a bare ENOENT, and agent-token or notification-secret
// problems were found only after Temporal had started. Every problem is reported at once, each with the file, line,
// config path and the file or variable it needs; secrets themselves are never printed.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { resolveCredential, type Credential } from '../activities/ssh/credentials.js';
import { KnownHosts } from '../activities/ssh/known-hosts.js';
import { formatPath, loadConfig, type LazarusConfig } from '../domain/config/index.js';
import { positionInText } from '../domain/config/load.js';
import type { ConfigPath } from '../domain/config/references.js';

/** Agent tokens shorter than this are refused (api/agent-routes.ts resolveAgentTokens holds the same rule). */
const AGENT_TOKEN_MIN_LENGTH = 16;

/** One reason not to start: where in the configuration, and what is wrong (naming the file or variable needed). */
export interface StartupProblem {
  path: ConfigPath;
  message: string;
}

/** Thrown by checkBeforeStart: every problem found, one per line, each `file:line:column: path: problem`. */
export class StartupRefused extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly StartupProblem[],
    lines: readonly string[],
  ) {
    super(
      `${source}: ${problems.length} problem${problems.length > 1 ? 's' : ''} to fix before Lazarus can start ` +
        `(nothing was started):\n${lines.map((line) => `  ${line}`).join('\n')}`,
    );
    this.name = 'StartupRefused';
  }
}

/**
 * Loads `configFile` and checks that everything it refers to outside itself is there. Returns the configuration;
 * throws a ConfigError (from loading: file, line, path) or a StartupRefused listing every unresolvable reference and
 * unreadable file. `env` resolves `env:` references and LAZARUS_SECRETS_FILE. Reads files only; starts nothing.
 */
export function checkBeforeStart(configFile: string, env: NodeJS.ProcessEnv = process.env): LazarusConfig {
  const config = loadConfig(configFile);
  const problems = findStartupProblems(config, env);
  if (problems.length > 0) {
    let text = '';
    try {
      text = readFileSync(configFile, 'utf8');
    } catch {
      // Read a moment ago by loadConfig; without it the lines only lose their line numbers.
    }
    const lines = problems.map((problem) => {
      const { line, column } = text ? positionInText(text, problem.path) : {};
      return `${configFile}${line ? `:${line}:${column ?? 1}` : ''}: ${formatPath(problem.path)}: ${problem.message}`;
    });
    throw new StartupRefused(configFile, problems, lines);
  }
  return config;
}

/** Every unresolvable credential reference and unreadable file of `config`, section by section. Never throws. */
export function findStartupProblems(config: LazarusConfig, env: NodeJS.ProcessEnv = process.env): StartupProblem[] {
  const problems: StartupProblem[] = [];
  if (config.knownHostsFile !== undefined) {
    const problem = knownHostsProblem(config.knownHostsFile);
    if (problem) problems.push({ path: ['knownHostsFile'], message: problem });
  }
  for (const section of ['hmcs', 'storage'] as const)
    for (const [index, device] of config[section].entries()) {
      const { problem } = resolveReference(device.credential, env, 'credential');
      if (problem) problems.push({ path: [section, index, 'credential'], message: problem });
    }
  const apiTokens = new Map<string, string>();
  for (const [index, token] of config.api.tokens.entries()) {
    const { problem, value } = resolveReference(token.token, env, 'value');
    if (problem) problems.push({ path: ['api', 'tokens', index, 'token'], message: problem });
    if (value !== undefined) apiTokens.set(value, `api.tokens[${index}] (${token.name})`);
  }
  for (const [index, token] of config.agents.tokens.entries()) {
    const { problem, value } = resolveReference(token.token, env, 'text', AGENT_TOKEN_MIN_LENGTH);
    // A secret that opened both doors would let a VM act as an operator (api/agent-routes.ts refuses it too, later).
    const shared = value !== undefined ? apiTokens.get(value) : undefined;
    const message = problem ?? (shared && `the same secret as ${shared}: give agents their own tokens`);
    if (message) problems.push({ path: ['agents', 'tokens', index, 'token'], message });
  }
  for (const [index, channel] of config.notifications.entries()) {
    const [field, reference] =
      channel.kind === 'webhook'
        ? [['secret'], channel.secret]
        : channel.kind === 'email'
          ? [['auth', 'password'], channel.auth?.password]
          : [[], undefined];
    if (reference === undefined) continue;
    const { problem } = resolveReference(reference, env, 'text');
    if (problem) problems.push({ path: ['notifications', index, ...field], message: problem });
  }
  return problems;
}

/** Why known_hosts cannot be used (unreadable, or a line that is not `host keytype key`), or undefined. */
function knownHostsProblem(file: string): string | undefined {
  try {
    KnownHosts.load(file);
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const where = file === resolve(file) ? file : `${file} (${resolve(file)})`;
    if (code === 'ENOENT')
      return (
        `the known_hosts file ${where} does not exist: create it (ssh-keyscan -H <device> >> ${file}) ` +
        'or give each device a hostKey'
      );
    if (code) return `the known_hosts file ${where} cannot be read (${code})`;
    return `the known_hosts file is not valid: ${(err as Error).message}`;
  }
}

/**
 * The value of `reference`, or why it cannot serve (`problem`, naming the reference, never the secret).
 * `credential`: a password or a private key (devices; no value returned); `value`: a password-like value, not a key
 * file (API tokens); `text`: a value or a non-empty file read as text (agent tokens, webhook and SMTP secrets), at
 * least `minLength` characters.
 */
function resolveReference(
  reference: string,
  env: NodeJS.ProcessEnv,
  kind: 'credential' | 'value' | 'text',
  minLength = 1,
): { problem?: string; value?: string } {
  let credential: Credential;
  try {
    credential = resolveCredential(reference, env);
  } catch (err) {
    return { problem: `${reference} cannot be resolved: ${(err as Error).message}` };
  }
  if (kind === 'credential') return {};
  if (!('password' in credential) && kind === 'value')
    return { problem: `${reference} must resolve to a value (env: or a secret's password), not a file` };
  const value = 'password' in credential ? credential.password : credential.privateKey.toString('utf8').trim();
  if (value.length === 0) return { problem: `${reference}: the file is empty` };
  if (value.length < minLength) return { problem: `${reference}: the token must be at least ${minLength} characters` };
  return { value };
}

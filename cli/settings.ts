// Where the CLI finds the API and its token: --url/--token, else LAZARUS_URL/LAZARUS_API_TOKEN, else the CLI's
// configuration file (~/.config/lazarus/cli.yaml), else what `npm start` wrote on this machine (.lazarus/api-token)
// and the default listen address. The token is never printed: messages name where it came from, never its value.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { CliError, EXIT } from './errors.js';

/** The API's address when nothing says otherwise: api.listen's default (domain/config/schema.ts). */
export const DEFAULT_URL = 'http://127.0.0.1:8740';

/** What the CLI talks to, and where each value came from (for messages: "LAZARUS_URL", "--url", a file path). */
export interface CliSettings {
  url: string;
  urlSource: string;
  token?: string;
  tokenSource?: string;
}

const fileSchema = z
  .strictObject({
    url: z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL of the Lazarus API' }).optional(),
    token: z.string().min(1).optional(),
    tokenFile: z.string().min(1).optional(),
  })
  .refine((f) => !(f.token && f.tokenFile), { message: 'set token or tokenFile, not both', path: ['tokenFile'] });

/** The CLI configuration file: LAZARUS_CLI_CONFIG, else $XDG_CONFIG_HOME/lazarus/cli.yaml, else ~/.config/…. */
export function configFilePath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LAZARUS_CLI_CONFIG) return resolve(env.LAZARUS_CLI_CONFIG);
  return join(env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config'), 'lazarus', 'cli.yaml');
}

/**
 * The settings for this invocation. Errors (CliError, exit 2) name the file and field: a configuration file that is
 * not YAML, an unknown field, a URL that is not http(s), a tokenFile that cannot be read.
 */
export function resolveSettings(
  flags: { url?: string; token?: string },
  env: NodeJS.ProcessEnv = process.env,
): CliSettings {
  const file = readConfigFile(configFilePath(env));
  const url = pick([
    [flags.url, '--url'],
    [env.LAZARUS_URL, 'LAZARUS_URL'],
    [file?.config.url, file?.path],
  ]) ?? { value: DEFAULT_URL, source: 'the default' };
  checkUrl(url.value, url.source);
  const token =
    pick([
      [flags.token, '--token'],
      [env.LAZARUS_API_TOKEN, 'LAZARUS_API_TOKEN'],
      [file?.config.token, file?.path],
      [file?.config.tokenFile ? readTokenFile(file.config.tokenFile, file.path) : undefined, file?.config.tokenFile],
    ]) ?? startToken(env);
  return {
    url: url.value.replace(/\/+$/, ''),
    urlSource: url.source,
    ...(token ? { token: token.value, tokenSource: token.source } : {}),
  };
}

function pick(
  candidates: Array<[string | undefined, string | undefined]>,
): { value: string; source: string } | undefined {
  for (const [value, source] of candidates) if (value) return { value, source: source ?? 'configuration' };
  return undefined;
}

function checkUrl(url: string, source: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CliError(`the API URL from ${source} is not a URL: ${url}`, EXIT.usage, 'e.g. http://127.0.0.1:8740');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new CliError(`the API URL from ${source} must be http:// or https://: ${url}`, EXIT.usage);
}

function readConfigFile(path: string): { path: string; config: z.output<typeof fileSchema> } | undefined {
  if (!existsSync(path)) return undefined;
  let raw: unknown;
  try {
    raw = parse(readFileSync(path, 'utf8')) ?? {};
  } catch (err) {
    throw new CliError(`${path}: not valid YAML: ${(err as Error).message}`, EXIT.usage);
  }
  const result = fileSchema.safeParse(raw);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`).join('; ');
    throw new CliError(`${path}: ${issues}`, EXIT.usage, 'fields: url, token or tokenFile');
  }
  return { path, config: result.data };
}

function readTokenFile(file: string, configPath: string): string {
  try {
    return readFileSync(resolve(file), 'utf8').trim();
  } catch (err) {
    throw new CliError(`${configPath}: tokenFile ${file} cannot be read: ${(err as Error).message}`, EXIT.usage);
  }
}

/** The token `npm start` generated for its simulated fleet ($LAZARUS_HOME/api-token), on the machine it runs on. */
function startToken(env: NodeJS.ProcessEnv): { value: string; source: string } | undefined {
  const path = join(resolve(env.LAZARUS_HOME ?? '.lazarus'), 'api-token');
  if (!existsSync(path)) return undefined;
  const value = readFileSync(path, 'utf8').trim();
  return value ? { value, source: path } : undefined;
}

// `temporal-dev server start-dev ...`: the Temporal CLI's dev-server arguments, so scripts and the SDK's test
// environment can use this server and the real `temporal` binary interchangeably.
import { DynamicConfigError, resolveDynamicConfig, type DynamicConfig } from './dynamic-config.js';

export interface DevserverArgs {
  ip: string;
  port: number;
  namespaces: string[];
  dbFilename?: string;
  /** `never` silences the log, as the Temporal CLI's `--log-level never`. */
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'never';
  /** `text` is the Temporal CLI's name for the one-line human format (`pretty` kept as an alias). */
  logFormat: 'pretty' | 'text' | 'json';
  /** Custom search attributes: name → type (Keyword, Text, Int, Double, Bool, Datetime, KeywordList). */
  searchAttributes: Map<string, string>;
  dynamicConfig: Map<string, string>;
  /** The honoured dynamic config settings (defaults where not given) and the given keys that are not honoured. */
  dynamic: DynamicConfig;
  ignoredDynamicConfig: string[];
}

export class UsageError extends Error {}

export const USAGE = `usage: temporal-dev server start-dev [options]

A Temporal-API-compatible development server for Lazarus (not for production).

options:
  --ip ADDR                     address to listen on (default 127.0.0.1)
  --port N, -p N                gRPC port (default 7233)
  --namespace NS, -n NS         namespace to register besides "default" (repeatable)
  --db-filename FILE, -f FILE   persist to this SQLite file (default: in memory)
  --log-level LEVEL             debug | info | warn | error | never (default info)
  --log-format FORMAT           text | json (default text; pretty is an alias of text)
  --search-attribute NAME=TYPE  register a custom search attribute (repeatable)
  --dynamic-config-value K=V    a dynamic config setting (repeatable); honoured:
                                limit.historyCount.suggestContinueAsNew (events, default 4096),
                                limit.historySize.suggestContinueAsNew (bytes, default 4194304);
                                other keys are accepted and ignored (logged)
  --version, -v                 print the version and exit
  --headless, --ui-port N, --ui-ip ADDR, --metrics-port N, --http-port N, --sqlite-pragma K=V
                                accepted for compatibility; there is no UI
`;

const SEARCH_ATTRIBUTE_TYPES = new Set(['Text', 'Keyword', 'Int', 'Double', 'Bool', 'Datetime', 'KeywordList']);
const IGNORED_WITH_VALUE = new Set([
  '--ui-port',
  '--ui-ip',
  '--metrics-port',
  '--http-port',
  '--sqlite-pragma',
  '--ui-public-path',
  '--ui-asset-path',
  '--config',
  '--env',
  '--log-config',
]);
const IGNORED_FLAGS = new Set(['--headless', '--ui-codec-endpoint', '--tls', '--color']);

export function parseDevserverArgs(argv: string[]): DevserverArgs {
  if (argv[0] !== 'server' || argv[1] !== 'start-dev') throw new UsageError('expected "server start-dev"');
  const args: DevserverArgs = {
    ip: '127.0.0.1',
    port: 7233,
    namespaces: [],
    logLevel: 'info',
    logFormat: 'pretty',
    searchAttributes: new Map(),
    dynamicConfig: new Map(),
    dynamic: resolveDynamicConfig(new Map()).config,
    ignoredDynamicConfig: [],
  };
  const rest = argv.slice(2);
  for (let i = 0; i < rest.length; i++) {
    const [flag, inline] = splitFlag(rest[i]!);
    const value = () => {
      if (inline !== undefined) return inline;
      const next = rest[++i];
      if (next === undefined) throw new UsageError(`${flag} needs a value`);
      return next;
    };
    switch (flag) {
      case '--ip':
        args.ip = value();
        break;
      case '--port':
      case '-p': {
        const port = Number(value());
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`${flag}: not a port number`);
        args.port = port;
        break;
      }
      case '--namespace':
      case '-n':
        args.namespaces.push(value());
        break;
      case '--db-filename':
      case '-f':
        args.dbFilename = value();
        break;
      case '--log-level': {
        const level = value();
        if (!['debug', 'info', 'warn', 'error', 'never'].includes(level))
          throw new UsageError(`--log-level: expected debug, info, warn, error or never, got "${level}"`);
        args.logLevel = level as DevserverArgs['logLevel'];
        break;
      }
      case '--log-format': {
        const format = value();
        if (format !== 'pretty' && format !== 'text' && format !== 'json')
          throw new UsageError(`--log-format: expected text, json or pretty, got "${format}"`);
        args.logFormat = format;
        break;
      }
      case '--search-attribute': {
        const [name, type] = keyValue(flag, value());
        if (!SEARCH_ATTRIBUTE_TYPES.has(type))
          throw new UsageError(`--search-attribute ${name}: unknown type "${type}"`);
        args.searchAttributes.set(name, type);
        break;
      }
      case '--dynamic-config-value': {
        const [key, v] = keyValue(flag, value());
        args.dynamicConfig.set(key, v);
        break;
      }
      default:
        if (IGNORED_WITH_VALUE.has(flag)) value();
        else if (!IGNORED_FLAGS.has(flag)) throw new UsageError(`unknown option ${flag}`);
    }
  }
  try {
    const resolved = resolveDynamicConfig(args.dynamicConfig);
    args.dynamic = resolved.config;
    args.ignoredDynamicConfig = resolved.ignored;
  } catch (err) {
    if (err instanceof DynamicConfigError) throw new UsageError(err.message);
    throw err;
  }
  return args;
}

function splitFlag(arg: string): [string, string | undefined] {
  const eq = arg.indexOf('=');
  return arg.startsWith('--') && eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
}

function keyValue(flag: string, text: string): [string, string] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new UsageError(`${flag}: expected KEY=VALUE, got "${text}"`);
  return [text.slice(0, eq), text.slice(eq + 1)];
}

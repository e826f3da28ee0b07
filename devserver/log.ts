// The devserver logs to stderr, one line per message, as text or JSON (`--log-format`).
import type { EngineLog } from './engine/engine.js';

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, never: 100 } as const;
type Level = keyof typeof LEVELS;

/** A logger writing at `level` and above (`never`: nothing); `text` and `pretty` are the same one-line format. */
export function createLog(level: Level, format: 'pretty' | 'text' | 'json'): EngineLog {
  const write = (at: Exclude<Level, 'never'>, msg: string, fields?: object) => {
    if (LEVELS[at] < LEVELS[level]) return;
    const time = new Date().toISOString();
    if (format === 'json') {
      process.stderr.write(`${JSON.stringify({ time, level: at, msg, ...fields })}\n`);
    } else {
      const extra = fields && Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : '';
      process.stderr.write(`${time} ${at.toUpperCase().padEnd(5)} ${msg}${extra}\n`);
    }
  };
  return {
    debug: (msg, fields) => write('debug', msg, fields),
    info: (msg, fields) => write('info', msg, fields),
    warn: (msg, fields) => write('warn', msg, fields),
    error: (msg, fields) => write('error', msg, fields),
  };
}

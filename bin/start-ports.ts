// `npm start`'s ports: each one it must own (the API's, the devserver's, the simulated fleet's control API) is checked
// before anything starts, so that a port in use is named in one line instead of surfacing later as a devserver that
// "exited before it was ready" or a null address. The devserver's port is remembered in <LAZARUS_HOME>/ports.json so
// the Temporal address stays the same across restarts (and a second `npm start` on the same home is refused by it).
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** A port `npm start` needs is taken; the message is the one line printed (names the port, its use and the fix). */
export class PortInUseError extends Error {
  constructor(
    readonly port: number,
    readonly host: string,
    readonly use: string,
    remedy: string,
  ) {
    super(`port ${port} on ${host} (${use}) is in use by another process: ${remedy}`);
  }
}

/**
 * Resolves when `host:port` can be listened on (the probe is closed again at once); rejects with PortInUseError when
 * another process holds it (EADDRINUSE, or EACCES for a privileged port). Port 0 (any free port) always passes.
 */
export async function assertPortFree(host: string, port: number, use: string, remedy: string): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE' || err.code === 'EACCES'
          ? new PortInUseError(port, host, use, err.code === 'EACCES' ? `${remedy} (${err.code})` : remedy)
          : err,
      ),
    );
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve()));
  });
}

/** Whether an error is a listen failure on a port in use (as node reports it), for errors raised by others' listen. */
export function isAddressInUse(err: unknown): boolean {
  return (err as NodeJS.ErrnoException)?.code === 'EADDRINUSE';
}

/**
 * `<home>/ports.json`: `{ "<use>": port }` — the ports `npm start` chose the first time, reused at the next start.
 * A missing or unreadable file is an empty one (the ports are chosen again).
 */
export class RememberedPorts {
  readonly file: string;

  constructor(home: string) {
    this.file = join(home, 'ports.json');
  }

  get(use: string): number | undefined {
    const port = this.read()[use];
    return Number.isInteger(port) && (port as number) > 0 && (port as number) < 65536 ? (port as number) : undefined;
  }

  set(use: string, port: number): void {
    const ports = { ...this.read(), [use]: port };
    const temporary = `${this.file}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(ports, null, 2)}\n`);
    renameSync(temporary, this.file);
  }

  private read(): Record<string, unknown> {
    if (!existsSync(this.file)) return {};
    try {
      const parsed: unknown = JSON.parse(readFileSync(this.file, 'utf8'));
      return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
        ? (parsed as Record<string, unknown>)
        : {};
    } catch {
      return {};
    }
  }
}

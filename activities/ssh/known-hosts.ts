// SSH host key verification against an OpenSSH known_hosts file: `host keytype base64`, `[host]:port …`,
// comma-separated host patterns and hashed entries (`|1|salt|hash`). An unknown host or a different key is an
// error, never a prompt.
import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * A known_hosts file that cannot be read, naming the file (and its absolute path when given relative, since a worker
 * started alone resolves it against its own working directory), the configuration path that names it, and the fix.
 * `code` is the file system's (ENOENT, EACCES, …).
 */
export class KnownHostsFileError extends Error {
  constructor(
    readonly file: string,
    readonly configPath: string,
    readonly code: string,
  ) {
    const where = file === resolve(file) ? file : `${file} (${resolve(file)})`;
    super(
      code === 'ENOENT'
        ? `${configPath}: the known_hosts file ${where} does not exist: create it ` +
            `(ssh-keyscan -H <device> >> ${file}) or give each device a hostKey`
        : `${configPath}: the known_hosts file ${where} cannot be read (${code})`,
    );
    this.name = 'KnownHostsFileError';
  }
}

interface KnownHostEntry {
  patterns: string[];
  keyType: string;
  key: Buffer;
  line: number;
}

export class KnownHosts {
  private constructor(private readonly entries: KnownHostEntry[]) {}

  static parse(text: string, source = 'known_hosts'): KnownHosts {
    const entries: KnownHostEntry[] = [];
    for (const [index, raw] of text.split('\n').entries()) {
      const line = raw.trim();
      if (!line || line.startsWith('#')) continue;
      const fields = line.split(/\s+/);
      if (fields[0]?.startsWith('@')) fields.shift(); // @cert-authority / @revoked markers are not supported
      const [hosts, keyType, keyBase64] = fields;
      if (!hosts || !keyType || !keyBase64) throw new Error(`${source}:${index + 1}: expected "host keytype key"`);
      const key = Buffer.from(keyBase64, 'base64');
      if (key.length === 0) throw new Error(`${source}:${index + 1}: the key is not base64`);
      entries.push({ patterns: hosts.split(','), keyType, key, line: index + 1 });
    }
    return new KnownHosts(entries);
  }

  /**
   * Reads and parses the known_hosts file at `path`, which the configuration names at `configPath`. A file that
   * cannot be read: KnownHostsFileError (file, config path, code); a line that is not `host keytype key`: an Error
   * naming the file and line.
   */
  static load(path: string, configPath = 'knownHostsFile'): KnownHosts {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new KnownHostsFileError(path, configPath, (err as NodeJS.ErrnoException).code ?? String(err));
    }
    return KnownHosts.parse(text, path);
  }

  /** `ok`, or why the presented key must be refused. */
  verify(
    host: string,
    port: number,
    presentedKey: Buffer,
  ): { ok: true } | { ok: false; reason: 'unknown' | 'mismatch'; detail: string } {
    const name = port === 22 ? host : `[${host}]:${port}`;
    const candidates = this.entries.filter((entry) => entry.patterns.some((pattern) => matches(pattern, name)));
    if (candidates.length === 0) return { ok: false, reason: 'unknown', detail: `no known_hosts entry for ${name}` };
    if (candidates.some((entry) => entry.key.equals(presentedKey))) return { ok: true };
    return {
      ok: false,
      reason: 'mismatch',
      detail: `the host key of ${name} (${fingerprint(presentedKey)}) does not match known_hosts (${candidates.map((c) => `line ${c.line}: ${fingerprint(c.key)}`).join(', ')})`,
    };
  }
}

export function fingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

function matches(pattern: string, name: string): boolean {
  if (pattern.startsWith('|1|')) {
    const [, , salt, hash] = pattern.split('|');
    if (!salt || !hash) return false;
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
  }
  if (pattern.startsWith('!')) return false;
  if (!pattern.includes('*') && !pattern.includes('?')) return pattern === name;
  const regex = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
  return regex.test(name);
}

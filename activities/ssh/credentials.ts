// Credential references, resolved only in the activity process (workflows and configs carry the reference):
//   env:NAME          the password is in environment variable NAME
//   file:/path/key    a private key file (OpenSSH or PEM)
//   secret:KEY        entry KEY of the secrets file (LAZARUS_SECRETS_FILE, default .lazarus/secrets.yaml):
//                     KEY: { password: … } | { privateKey: "-----BEGIN …", passphrase?: … } | { privateKeyFile: …, passphrase?: … }
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';

export type Credential = { password: string } | { privateKey: Buffer; passphrase?: string };

export class CredentialError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CredentialError';
  }
}

const SecretEntry = z.union([
  z.object({ password: z.string().min(1) }).strict(),
  z.object({ privateKey: z.string().min(1), passphrase: z.string().optional() }).strict(),
  z.object({ privateKeyFile: z.string().min(1), passphrase: z.string().optional() }).strict(),
]);

export const CREDENTIAL_REFERENCE = /^(env:[A-Za-z_][A-Za-z0-9_]*|file:.+|secret:[A-Za-z0-9_.\-/]+)$/;

export function resolveCredential(reference: string, env: NodeJS.ProcessEnv = process.env): Credential {
  if (!CREDENTIAL_REFERENCE.test(reference)) {
    throw new CredentialError(
      `"${redact(reference)}" is not a credential reference (expected env:NAME, file:/path or secret:KEY)`,
    );
  }
  const [scheme, ...rest] = reference.split(':');
  const target = rest.join(':');
  if (scheme === 'env') {
    const password = env[target];
    if (!password) throw new CredentialError(`environment variable ${target} (credential ${reference}) is not set`);
    return { password };
  }
  if (scheme === 'file') return { privateKey: readKeyFile(target, reference) };
  return fromSecretsFile(target, env);
}

function fromSecretsFile(key: string, env: NodeJS.ProcessEnv): Credential {
  const path = env.LAZARUS_SECRETS_FILE || '.lazarus/secrets.yaml';
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new CredentialError(
      `secrets file ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}); needed for secret:${key}`,
    );
  }
  let document: unknown;
  try {
    document = parse(text);
  } catch (err) {
    throw new CredentialError(`secrets file ${path} is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (!document || typeof document !== 'object' || Array.isArray(document))
    throw new CredentialError(`secrets file ${path} must map keys to entries`);
  const raw = (document as Record<string, unknown>)[key];
  if (raw === undefined) throw new CredentialError(`secrets file ${path} has no entry "${key}"`);
  const parsed = SecretEntry.safeParse(raw);
  if (!parsed.success) {
    throw new CredentialError(
      `secrets file ${path}: entry "${key}": expected { password } or { privateKey, passphrase? } or { privateKeyFile, passphrase? } (${describeIssue(parsed.error.issues[0])})`,
    );
  }
  const entry = parsed.data;
  if ('password' in entry) return { password: entry.password };
  if ('privateKey' in entry) return { privateKey: Buffer.from(entry.privateKey), passphrase: entry.passphrase };
  return { privateKey: readKeyFile(entry.privateKeyFile, `secret:${key}`), passphrase: entry.passphrase };
}

function readKeyFile(path: string, reference: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new CredentialError(
      `private key file ${path} (credential ${reference}) cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
}

/** References are safe to print; anything else might be a pasted secret. */
const redact = (value: string) => (value.length > 12 ? `${value.slice(0, 4)}…` : value.replace(/./g, '*'));

function describeIssue(issue: { path: PropertyKey[]; message: string } | undefined): string {
  if (!issue) return 'invalid';
  return `${issue.path.map(String).join('.') || 'entry'}: ${issue.message}`;
}

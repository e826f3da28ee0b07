// Who may call the API and do what. Each token carries a name (recorded as the actor of every decision it makes)
// and a role: `viewer` reads; `operator` also starts, approves, rejects and cancels recoveries, sets maintenance
// and runs checks; `admin` also overrides a blocked fence (it replaces the missing power-off proof, so it is the
// one decision that can put a running LPAR at risk if the operator is wrong).
import { timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { ApiError } from './errors.js';

export const API_ROLES = ['viewer', 'operator', 'admin'] as const;
export type ApiRole = (typeof API_ROLES)[number];

/** A resolved API token: `token` is the secret itself (resolved from its credential reference at startup). */
export interface ApiToken {
  name: string;
  token: string;
  role: ApiRole;
  /**
   * DRaaS: the tenant the token is scoped to; it then sees and acts on that tenant's DR sites and VMs only (404 for
   * everything else, TENANT_ROUTES). Absent: the provider's (or a single organisation's) token, which sees all.
   */
  tenant?: string;
}

/**
 * Tokens given as bare strings (tests, embedded use) are named `api` and have every right; configured tokens carry
 * their own name and role.
 */
export function normalizeTokens(tokens: ReadonlyArray<string | ApiToken>): ApiToken[] {
  return tokens.map((t) => (typeof t === 'string' ? { name: 'api', token: t, role: 'admin' } : t));
}

/**
 * Bearer-token authentication (the scheme name is case-insensitive, RFC 7235 §2.1; tokens compared in constant
 * time): sets `res.locals.caller` (the token's name) and `res.locals.role`; 401 `unauthorized` otherwise.
 */
export function authenticate(tokens: readonly ApiToken[]) {
  const expected = tokens.map((t) => ({ ...t, bytes: Buffer.from(t.token) }));
  return (req: Request, res: Response, next: NextFunction) => {
    const match = /^Bearer +(\S+)\s*$/i.exec(req.get('authorization') ?? '');
    const presented = match ? Buffer.from(match[1]!) : undefined;
    const found =
      presented && expected.find((e) => e.bytes.length === presented.length && timingSafeEqual(e.bytes, presented));
    if (!found) {
      next(new ApiError(401, 'unauthorized', 'a valid bearer token is required (Authorization: Bearer <token>)'));
      return;
    }
    res.locals.caller = found.name;
    res.locals.role = found.role;
    if (found.tenant !== undefined) res.locals.tenant = found.tenant;
    next();
  };
}

/** The only routes a tenant-scoped token reaches: the DR routes, which filter by tenant (api/dr-routes.ts). */
const TENANT_ROUTES = [/^\/v1\/sites(\/|$)/, /^\/v1\/vms\/[^/]+\/dr$/];

/**
 * Routes that need more than an operator: overriding a blocked fence. Case-insensitive and with an optional trailing
 * slash, as express matches routes, so no spelling of the path reaches the route with less than admin.
 */
const ADMIN_ONLY = [
  /^\/v1\/failovers\/[^/]+\/override-fence\/?$/i,
  // An unplanned DR move blocked at its fence (workflows/dr/unplanned-move.ts): the same stand-in for a power proof.
  /^\/v1\/sites\/[^/]+\/move\/override-fence\/?$/i,
];

/**
 * Reads (GET, HEAD) need any role; every other method needs `operator` or `admin`, and the ADMIN_ONLY routes
 * `admin`. 403 `forbidden` names the role needed and the caller's.
 */
export function authorize() {
  return (req: Request, res: Response, next: NextFunction) => {
    const role = res.locals.role as ApiRole;
    const path = `${req.baseUrl}${req.path}`;
    // A tenant's token learns nothing of what is not its own, not even that it exists: 404, as for an unknown path.
    if (res.locals.tenant !== undefined && !TENANT_ROUTES.some((pattern) => pattern.test(path))) {
      next(new ApiError(404, 'not_found', `no route ${req.method} ${path}`));
      return;
    }
    const needed: ApiRole = ['GET', 'HEAD', 'OPTIONS'].includes(req.method)
      ? 'viewer'
      : ADMIN_ONLY.some((pattern) => pattern.test(path))
        ? 'admin'
        : 'operator';
    if (API_ROLES.indexOf(role) < API_ROLES.indexOf(needed)) {
      next(
        new ApiError(
          403,
          'forbidden',
          `${req.method} ${path} needs the ${needed} role; token ${String(res.locals.caller)} has ${role}`,
        ),
      );
      return;
    }
    next();
  };
}

/**
 * The actor of a decision: always the token's name; a `by` in the body is kept as a note beside it, never instead of
 * it. Control characters are replaced so that a note cannot forge a log line.
 */
export function actorOf(res: Response, by?: string): string {
  const caller = String(res.locals.caller ?? 'api');
  const note = by === undefined ? '' : sanitizeLogText(by).trim();
  return note === '' || note === caller ? caller : `${caller} (${note})`;
}

/** Text safe for one log line: control characters (newlines included) shown as \uXXXX. */
export function sanitizeLogText(text: string): string {
  return text.replace(
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

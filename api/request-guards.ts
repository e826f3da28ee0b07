// Guards every request passes before a route sees it: a body must be JSON in UTF-8 without an unknown content coding
// (415 otherwise, not a 500 or a confusing "expected object"), a query may carry only the parameters the OpenAPI
// document declares for its route (400 naming the parameter), and no request holds its connection longer than the
// configured bound (504 saying what continues and where to look).
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ApiError } from './errors.js';

/**
 * Content codings body-parser can undo (RFC 9110 §8.4.1); anything else is refused with 415 before the body is read.
 */
const CONTENT_CODINGS = new Set(['identity', 'gzip', 'x-gzip', 'deflate', 'br']);

/**
 * Refuses a request body that is not JSON in UTF-8: 415 `unsupported_media_type` (a `content-type` other than
 * `application/json` or `application/*+json`, or none), 415 `unsupported_charset` (a charset other than utf-8, which
 * RFC 8259 §8.1 requires of JSON exchanged between systems), 415 `unsupported_encoding` (a content coding other than
 * identity, gzip, deflate or br). A request without a body (no content-length, or 0, and no transfer-encoding) passes.
 */
export function jsonBodyGuard(): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction) => {
    const length = req.get('content-length');
    const hasBody = req.get('transfer-encoding') !== undefined || (length !== undefined && length.trim() !== '0');
    if (!hasBody) return next();
    const codings = (req.get('content-encoding') ?? 'identity')
      .split(',')
      .map((c) => c.trim().toLowerCase())
      .filter((c) => c !== '');
    const unknownCoding = codings.find((c) => !CONTENT_CODINGS.has(c));
    if (unknownCoding !== undefined || codings.length > 1)
      return next(
        new ApiError(
          415,
          'unsupported_encoding',
          `content-encoding ${JSON.stringify(req.get('content-encoding'))} is not supported: ` +
            'send the body uncoded, or with one of gzip, deflate, br',
        ),
      );
    const contentType = req.get('content-type');
    const [media = '', ...parameters] = (contentType ?? '').split(';').map((part) => part.trim());
    if (!/^application\/([a-z0-9.+-]+\+)?json$/i.test(media))
      return next(
        new ApiError(
          415,
          'unsupported_media_type',
          contentType === undefined
            ? 'the request has a body but no content-type: send JSON with content-type: application/json'
            : `content-type ${JSON.stringify(contentType)} is not supported: send JSON (application/json)`,
        ),
      );
    const charset = parameters.map((p) => /^charset\s*=\s*"?([^";]*)"?$/i.exec(p)?.[1]).find((c) => c !== undefined);
    if (charset !== undefined && !/^utf-?8$/i.test(charset.trim()))
      return next(
        new ApiError(
          415,
          'unsupported_charset',
          `charset ${JSON.stringify(charset)} is not supported: JSON bodies are UTF-8 (charset=utf-8 or none)`,
        ),
      );
    next();
  };
}

/** One operation of the OpenAPI document as the query guard matches it. */
interface DeclaredOperation {
  method: string;
  pattern: RegExp;
  path: string;
  query: Set<string>;
}

/** The `paths` part of an OpenAPI 3 document, as much as the query guard reads. */
export interface OpenApiPaths {
  paths?: object;
}

type PathItems = Record<string, Record<string, { parameters?: Array<{ in?: string; name?: string }> } | undefined>>;

/**
 * Refuses a query parameter its route does not declare in the OpenAPI document: 400 `unknown_parameter` naming it and
 * the ones the route knows (a misspelt filter must not silently widen a list, issue 15). Paths are matched as express
 * matches routes (case-insensitive, optional trailing slash, `{param}` one raw path segment); a request that matches
 * no documented operation is left to the routes (404, or the console and /metrics which take no query).
 */
export function declaredQueryGuard(document: OpenApiPaths): RequestHandler {
  const operations: DeclaredOperation[] = Object.entries((document.paths ?? {}) as PathItems).flatMap(([path, item]) =>
    Object.entries(item ?? {}).map(([method, operation]) => ({
      method: method.toUpperCase(),
      path,
      pattern: new RegExp(
        `^${path
          .split(/\{[^}]+\}/)
          .map((literal) => literal.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))
          .join('[^/]+')}/?$`,
        'i',
      ),
      query: new Set(
        (operation?.parameters ?? []).filter((p) => p.in === 'query' && typeof p.name === 'string').map((p) => p.name!),
      ),
    })),
  );
  // The most literal match wins where two documented paths match (`/v1/hosts/x` vs `/v1/hosts/{host}`).
  const literalLength = (path: string) => path.replace(/\{[^}]+\}/g, '').length;
  operations.sort((a, b) => literalLength(b.path) - literalLength(a.path));
  return (req: Request, _res: Response, next: NextFunction) => {
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    const operation = operations.find((o) => o.method === method && o.pattern.test(req.path));
    if (!operation) return next();
    const unknown = Object.keys((req.query ?? {}) as object).filter((name) => !operation.query.has(name));
    if (unknown.length === 0) return next();
    const known = [...operation.query].sort();
    next(
      new ApiError(
        400,
        'unknown_parameter',
        `unknown query parameter${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => JSON.stringify(u)).join(', ')} ` +
          `for ${method} ${operation.path}; ${known.length ? `it takes ${known.join(', ')}` : 'it takes none'}`,
        { parameters: unknown },
      ),
    );
  };
}

/**
 * Answers 504 `request_timeout` when a route has not answered within `timeoutMs` (a device or Temporal hangs): the
 * work it started goes on (a failover, a move) and the answer says where to look; a late answer from the route is
 * dropped (errors.ts ignores errors once the 504 is sent). `hint(req)` may add where to look for that request.
 */
export function requestTimeout(
  timeoutMs: number,
  hint: (req: Request) => string | undefined = () => undefined,
): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    // A route that is asked to wait (`?wait=<seconds>`, the DR discover and verify routes) gets that long on top.
    const wait = Number((req.query as Record<string, unknown> | undefined)?.wait);
    const boundMs = timeoutMs + (Number.isInteger(wait) && wait > 0 && wait <= 3600 ? wait * 1000 : 0);
    res.locals.deadlineAt = Date.now() + boundMs;
    const timer = setTimeout(() => {
      if (res.headersSent) return;
      res.locals.timedOut = true;
      res.status(504).json({
        code: 'request_timeout',
        message:
          `${req.method} ${req.path} did not finish within ${boundMs / 1000} s (a device or Temporal is slow to ` +
          `answer); anything it started goes on. ${hint(req) ?? 'GET the resource again in a few seconds.'}`,
        timeoutSeconds: boundMs / 1000,
      });
    }, boundMs);
    timer.unref();
    const clear = () => clearTimeout(timer);
    res.on('finish', clear);
    res.on('close', clear);
    next();
  };
}

/** How long before the request's bound a route's own deadline fires, so that its own answer goes out first. */
const DEADLINE_MARGIN_MS = 500;

/**
 * `work`'s result when it settles before the request's bound (requestTimeout's `res.locals.deadlineAt`, less a
 * margin); otherwise the ApiError `late()` gives (after, e.g., cancelling what the route started), thrown. Without a
 * bound (no requestTimeout middleware) simply `work`.
 */
export async function beforeDeadline<T>(res: Response, work: Promise<T>, late: () => Promise<ApiError>): Promise<T> {
  const deadlineAt = res.locals.deadlineAt as number | undefined;
  if (deadlineAt === undefined) return work;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<'expired'>((resolve) => {
    timer = setTimeout(() => resolve('expired'), Math.max(0, deadlineAt - Date.now() - DEADLINE_MARGIN_MS));
  });
  work.catch(() => undefined);
  try {
    const first = await Promise.race([work.then((value) => ({ value })), expired]);
    if (first === 'expired') throw await late();
    return first.value;
  } finally {
    clearTimeout(timer);
  }
}

// The CLI's HTTP client of the Lazarus API: JSON in and out, the bearer token, and every failure turned into a
// CliError that says what to do next (which URL was tried and how to change it; how to set the token; what ids look
// like). The token is sent, never printed.
import { CliError, EXIT } from './errors.js';
import type { CliSettings } from './settings.js';

/** An API error answer: `{ code, message, fields? }` (api/errors.ts). */
interface ApiErrorBody {
  code?: string;
  message?: string;
}

export interface RequestOptions {
  body?: unknown;
  /** What to tell the operator on a 404, beyond the API's own message. */
  notFoundHint?: string;
  /** What to tell the operator on a 409 (what runs, or what to start first), beyond the API's own message. */
  conflictHint?: string;
  /** Milliseconds before giving up (default 30 s; a dry run waits for the plan and takes longer). */
  timeoutMs?: number;
}

export class ApiClient {
  constructor(readonly settings: CliSettings) {}

  /** GET a JSON document. */
  get<T>(path: string, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('GET', path, options);
  }

  /** POST a JSON body (`{}` when none) and read the JSON answer. */
  post<T>(path: string, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('POST', path, { ...options, body: options.body ?? {} });
  }

  /** DELETE, with a JSON body when given (a DR test's cleanup takes a reason), and read the JSON answer. */
  delete<T>(path: string, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('DELETE', path, { ...options, body: options.body ?? {} });
  }

  /** The HTTP status and JSON body of a call, or a CliError for every status but 2xx. */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const { settings } = this;
    if (!settings.token) {
      throw new CliError(
        `no API token is set for ${settings.url}`,
        EXIT.auth,
        'set it with `export LAZARUS_API_TOKEN=<token>` (npm start prints it), --token, or `token:` in ' +
          '~/.config/lazarus/cli.yaml',
      );
    }
    let response: Response;
    try {
      response = await fetch(`${settings.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${settings.token}`,
          accept: 'application/json',
          ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
      });
    } catch (err) {
      throw unreachable(settings, err);
    }
    const text = await response.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      throw new CliError(
        `${method} ${settings.url}${path} answered ${response.status} with something that is not JSON`,
        EXIT.api,
        `is ${settings.url} (from ${settings.urlSource}) the Lazarus API? Set the URL with --url or LAZARUS_URL`,
      );
    }
    if (response.ok) return body as T;
    throw statusError(settings, response.status, body as ApiErrorBody, options);
  }
}

function unreachable(settings: CliSettings, err: unknown): CliError {
  const error = err as Error & { cause?: { code?: string; message?: string } };
  const why =
    error.name === 'TimeoutError'
      ? 'no answer in time'
      : (error.cause?.code ?? error.cause?.message ?? error.message ?? String(err));
  return new CliError(
    `cannot reach the Lazarus API at ${settings.url} (URL from ${settings.urlSource}): ${why}`,
    EXIT.unreachable,
    'is Lazarus running (`npm start`, or the compose service)? Point the CLI at it with --url <url>, ' +
      '`export LAZARUS_URL=<url>` or `url:` in ~/.config/lazarus/cli.yaml',
  );
}

function statusError(settings: CliSettings, status: number, body: ApiErrorBody, options: RequestOptions): CliError {
  const message = body.message ?? `HTTP ${status}`;
  const code = body.code ? ` [${body.code}]` : '';
  if (status === 401)
    return new CliError(
      `the API at ${settings.url} refused the token from ${settings.tokenSource ?? 'nowhere'} (401${code})`,
      EXIT.auth,
      'set a valid token: `export LAZARUS_API_TOKEN=<token>` (npm start prints it; in production: api.tokens of ' +
        'lazarus.yaml), --token, or `token:` in ~/.config/lazarus/cli.yaml',
    );
  if (status === 403)
    return new CliError(
      `${message}${code}`,
      EXIT.auth,
      `the token from ${settings.tokenSource} lacks the role for this; use a token with the role it needs`,
    );
  if (status === 404) return new CliError(`${message}${code}`, EXIT.notFound, options.notFoundHint);
  if (status === 409) return new CliError(`${message}${code}`, EXIT.conflict, options.conflictHint);
  return new CliError(
    `${message}${code} (HTTP ${status})`,
    EXIT.api,
    status >= 500 ? `the Lazarus server failed; its log has the details (${settings.url})` : undefined,
  );
}

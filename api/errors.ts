// API errors: JSON with a code and a message (and the field paths for validation errors). Never a stack trace,
// never a secret: unexpected errors are logged server-side with a request id and answered generically.
import type { NextFunction, Request, Response } from 'express';
import type { ZodError } from 'zod';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export function validationError(error: ZodError, where: string): ApiError {
  const fields = error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || where,
    message: issue.message,
  }));
  return new ApiError(
    400,
    'invalid_request',
    `invalid ${where}: ${fields.map((f) => `${f.path}: ${f.message}`).join('; ')}`,
    { fields },
  );
}

export function errorHandler(log: (line: string) => void) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    void _next;
    if (err instanceof ApiError) {
      res.status(err.status).json({ code: err.code, message: err.message, ...err.extra });
      return;
    }
    if (err instanceof URIError) {
      // The router could not percent-decode a path parameter (`%`, `%zz`, an overlong UTF-8 `%c0%af`).
      res.status(400).json({ code: 'invalid_path', message: `the path is not valid percent-encoding: ${err.message}` });
      return;
    }
    const bodyError = err as { type?: string; status?: number };
    if (bodyError?.type === 'entity.parse.failed') {
      res.status(400).json({ code: 'invalid_json', message: 'the request body is not valid JSON' });
      return;
    }
    if (bodyError?.type === 'entity.too.large') {
      res.status(413).json({ code: 'too_large', message: 'the request body is too large' });
      return;
    }
    const requestId = String(res.locals.requestId ?? '-');
    log(`request ${requestId} ${req.method} ${req.path} failed: ${(err as Error)?.stack ?? String(err)}`);
    res.status(500).json({ code: 'internal', message: `internal error (request ${requestId}); see the server log` });
  };
}

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
    if (res.headersSent) {
      // The answer is out (a 504 request_timeout, or a stream cut short): the route's late error changes nothing.
      if (!res.locals.timedOut) log(`request ${String(res.locals.requestId ?? '-')} failed after answering: ${err}`);
      return;
    }
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
    const bodyReaderError = BODY_READER_ERRORS[bodyError?.type ?? ''];
    if (bodyReaderError) {
      res.status(bodyReaderError.status).json({ code: bodyReaderError.code, message: bodyReaderError.message });
      return;
    }
    if (typeof bodyError?.status === 'number' && bodyError.status >= 400 && bodyError.status < 500) {
      // Another client error raised by express or body-parser (http-errors): its status, never a 500.
      res
        .status(bodyError.status)
        .json({ code: 'bad_request', message: `the request was refused: ${bodyError.type ?? 'client error'}` });
      return;
    }
    const requestId = String(res.locals.requestId ?? '-');
    log(`request ${requestId} ${req.method} ${req.path} failed: ${(err as Error)?.stack ?? String(err)}`);
    res.status(500).json({ code: 'internal', message: `internal error (request ${requestId}); see the server log` });
  };
}

/**
 * body-parser's errors (its `type`, body-parser 2 README "Errors") as the API answers them: the request's fault, so
 * a 4xx with a code, never a 500.
 */
const BODY_READER_ERRORS: Record<string, { status: number; code: string; message: string }> = {
  'charset.unsupported': {
    status: 415,
    code: 'unsupported_charset',
    message: 'the charset of the body is not supported: JSON bodies are UTF-8',
  },
  'encoding.unsupported': {
    status: 415,
    code: 'unsupported_encoding',
    message: 'the content-encoding of the body is not supported: send it uncoded, or with gzip, deflate or br',
  },
  'request.aborted': { status: 400, code: 'request_aborted', message: 'the client aborted the request body' },
  'request.size.invalid': {
    status: 400,
    code: 'invalid_length',
    message: 'the body is not as long as its content-length says',
  },
  'stream.encoding.set': { status: 400, code: 'invalid_body', message: 'the request body could not be read' },
  'stream.not.readable': { status: 400, code: 'invalid_body', message: 'the request body could not be read' },
  'parameters.too.many': { status: 413, code: 'too_large', message: 'the request has too many parameters' },
};

// Small helpers shared by the route modules: async handlers that reach the error handler, zod-parsed input.
import type { NextFunction, Request, Response } from 'express';
import type { ZodType } from 'zod';
import { validationError } from './errors.js';

/** An async route handler whose rejection goes to express's error handler (ApiError → its status, else 500). */
export function asyncRoute(handler: (req: Request, res: Response) => Promise<void>) {
  return (req: Request, res: Response, next: NextFunction) => void handler(req, res).catch(next);
}

/** `value` parsed with `schema`; else a 400 `invalid_request` naming each bad field under `where` (body, query). */
export function parse<T>(schema: ZodType<T>, value: unknown, where: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(result.error, where);
  return result.data;
}

/** Whole seconds from an ISO 8601 time to `now` (0 for a time in the future: clocks of two machines differ). */
export function ageSeconds(isoTime: string, now: number = Date.now()): number {
  return Math.max(0, Math.round((now - Date.parse(isoTime)) / 1000));
}

/**
 * What api/openapi.ts hands each route module's `register…Paths`: the bearer security requirement, a JSON response
 * builder (schema + description), the shared error responses by status, and the error body's schema.
 */
export interface OpenApiShared {
  security: Array<Record<string, string[]>>;
  json: (schema: ZodType, description: string) => object;
  errors: Record<number, object>;
  errorResponse: ZodType;
}

// `npm start`'s HTTP front: the API as api/app.ts builds it, except that GET /v1/healthz answers at once while the
// supervisor knows the Temporal server is down (restarting, or given up) instead of waiting some 20 s for the client's
// own retries to fail. Once the server is back, the API's own health check answers again.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TemporalStatus } from './temporal-supervisor.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Wraps the API's request handler: `GET /v1/healthz` while `status()` is `restarting` or `failed` answers 503
 * `{"status":"degraded","checks":{"temporal":false},"temporal":"<what happened and what is being done>"}`.
 */
export function withTemporalHealth(api: Handler, status: () => TemporalStatus): Handler {
  return (req, res) => {
    const current = status();
    const path = (req.url ?? '').split('?')[0];
    if (
      req.method === 'GET' &&
      path === '/v1/healthz' &&
      (current.state === 'restarting' || current.state === 'failed')
    ) {
      const body = JSON.stringify({ status: 'degraded', checks: { temporal: false }, temporal: current.detail });
      res.writeHead(503, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(body),
      });
      res.end(body);
      return;
    }
    api(req, res);
  };
}

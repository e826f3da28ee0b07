import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { type AddressInfo } from 'node:net';
import { ActionError, runAction } from './control-actions.js';
import { FaultTargetError, faultRequestSchema } from './faults.js';
import { type SimulatorCore } from './simulator-core.js';
import { fleetState } from './fleet-state.js';

/**
 * The control API (HTTP JSON on 127.0.0.1): violations, state and counters, faults and their recovery,
 * reset, and the test-only actions. Documented in simulators/README.md.
 */
export class ControlApi {
  private readonly server: Server;
  port = 0;

  constructor(private readonly core: SimulatorCore) {
    this.server = createServer((request, response) => void this.handle(request, response));
  }

  listen(port = 0): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.port = (this.server.address() as AddressInfo).port;
        resolve(this.port);
      });
    });
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    try {
      const body = await readJson(request);
      const { status, payload } = this.route(
        request.method ?? 'GET',
        new URL(request.url ?? '/', 'http://localhost').pathname,
        body,
      );
      send(response, status, payload);
    } catch (error) {
      if (error instanceof BadRequest || error instanceof ActionError || error instanceof FaultTargetError)
        send(response, 400, { error: error.message });
      else send(response, 500, { error: error instanceof Error ? error.message : String(error) });
    }
  }

  private route(method: string, path: string, body: unknown): { status: number; payload: unknown } {
    const core = this.core;
    const key = `${method} ${path}`;
    if (key === 'GET /violations') return ok(core.violations.list());
    if (key === 'DELETE /violations') return ok((core.violations.clear(), { cleared: true }));
    if (key === 'GET /state') return ok(fleetState(core));
    if (key === 'DELETE /counters') return ok((core.resetCounters(), { reset: true }));
    if (key === 'GET /faults') return ok(core.faults.list());
    if (key === 'POST /faults') {
      const parsed = faultRequestSchema.safeParse(body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw new BadRequest(`${issue.path.join('.') || '(body)'}: ${issue.message}`);
      }
      return { status: 201, payload: { id: core.faults.add(parsed.data).id } };
    }
    const faultId = /^\/faults\/([^/]+)$/.exec(path)?.[1];
    if (method === 'DELETE' && faultId) {
      return core.faults.remove(decodeURIComponent(faultId))
        ? ok({ recovered: faultId })
        : { status: 404, payload: { error: `no fault with id ${faultId}` } };
    }
    if (key === 'POST /reset') return ok((core.reset(), { reset: true }));
    const action = /^\/actions\/([a-z-]+)$/.exec(path)?.[1];
    if (method === 'POST' && action) return ok(runAction(core, action, body));
    return { status: 404, payload: { error: `no route ${method} ${path}` } };
  }
}

class BadRequest extends Error {}

function ok(payload: unknown) {
  return { status: 200, payload };
}

function send(response: ServerResponse, status: number, payload: unknown): void {
  const text = JSON.stringify(payload);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new BadRequest('body: not valid JSON');
  }
}

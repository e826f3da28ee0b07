// The gRPC face of the devserver: every method of the WorkflowService and the OperatorService of @temporalio/proto is
// registered; the ones the devserver implements are routed to their handler, the others answer UNIMPLEMENTED ("...
// not implemented"), which the SDK tolerates. No exception escapes as grpc-js's UNKNOWN: unexpected errors become
// INTERNAL and are logged.
import grpc from '@grpc/grpc-js';
import type { Method, Type } from 'protobufjs';
import { internal, root, RpcError, unimplemented } from './errors.js';
import type { EngineLog } from './engine/engine.js';
import type { PollAbort } from './engine/task-queues.js';
import type { Handler } from './workflow-service.js';

export const WORKFLOW_SERVICE = 'temporal.api.workflowservice.v1.WorkflowService';
export const OPERATOR_SERVICE = 'temporal.api.operatorservice.v1.OperatorService';
const MAX_MESSAGE_BYTES = 128 * 1024 * 1024;

export interface GrpcServerOptions {
  host: string;
  port: number;
  /** Fully qualified gRPC service name → its handlers by method name; other methods answer UNIMPLEMENTED. */
  services: Record<string, Record<string, Handler>>;
  log: EngineLog;
}

/** The server could not listen on its address (most often: the port is in use); the message is one line. */
export class BindError extends Error {}

export async function startGrpcServer(options: GrpcServerOptions): Promise<{ server: grpc.Server; port: number }> {
  // grpc-js's own messages (e.g. "No address added" before a bind error we report in one line) go to our debug log.
  grpc.setLogger({ error: (...parts: unknown[]) => options.log.debug('grpc-js', { message: parts.join(' ') }) });
  const server = new grpc.Server({
    'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
    'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
    'grpc.keepalive_permit_without_calls': 1,
  });
  for (const [serviceName, handlers] of Object.entries(options.services)) {
    const service = root.lookupService(serviceName);
    const definition: Record<string, grpc.MethodDefinition<object, object>> = {};
    const implementation: grpc.UntypedServiceImplementation = {};
    for (const method of Object.values(service.methods) as Method[]) {
      const requestType = method.resolvedRequestType as Type;
      const responseType = method.resolvedResponseType as Type;
      definition[method.name] = {
        path: `/${serviceName}/${method.name}`,
        requestStream: false,
        responseStream: false,
        requestSerialize: (value: object) => Buffer.from(requestType.encode(value).finish()),
        requestDeserialize: (bytes: Buffer) => requestType.toObject(requestType.decode(bytes), { longs: Number }),
        responseSerialize: (value: object) => Buffer.from(responseType.encode(value).finish()),
        responseDeserialize: (bytes: Buffer) => responseType.toObject(responseType.decode(bytes), { longs: Number }),
      };
      implementation[method.name] = unaryHandler(method.name, handlers[method.name], options.log);
    }
    server.addService(definition as grpc.ServiceDefinition, implementation);
  }
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${options.host}:${options.port}`, grpc.ServerCredentials.createInsecure(), (err, bound) => {
      if (!err) return resolve(bound);
      const reason = /EADDRINUSE/.test(err.message)
        ? 'the address is already in use'
        : /EADDRNOTAVAIL/.test(err.message)
          ? 'the address is not available on this machine'
          : /EACCES/.test(err.message)
            ? 'permission denied'
            : err.message.replace(/\s+/g, ' ');
      reject(new BindError(`cannot listen on ${options.host}:${options.port}: ${reason}`));
    });
  });
  return { server, port };
}

function unaryHandler(
  name: string,
  handler: Handler | undefined,
  log: EngineLog,
): grpc.handleUnaryCall<object, object> {
  return (call, callback) => {
    const abort = callAbort(call);
    const fail = (err: unknown) => {
      const rpcError = err instanceof RpcError ? err : internal(`${name}: ${(err as Error)?.message ?? String(err)}`);
      if (!(err instanceof RpcError))
        log.error(`${name} failed unexpectedly`, { err: String((err as Error)?.stack ?? err) });
      else log.debug(`${name} rejected`, { code: rpcError.code, message: rpcError.message });
      let metadata: grpc.Metadata | undefined;
      try {
        metadata = rpcError.metadata();
      } catch (encodeError) {
        log.error(`${name}: cannot encode error details`, { err: String(encodeError) });
      }
      callback({ code: rpcError.code, details: rpcError.message, metadata });
    };
    if (!handler) return fail(unimplemented(name));
    try {
      Promise.resolve(handler(call.request, abort)).then(
        (response) => callback(null, (response ?? {}) as object),
        fail,
      );
    } catch (err) {
      fail(err);
    }
  };
}

function callAbort(call: grpc.ServerUnaryCall<object, object>): PollAbort {
  let cancelled = false;
  const listeners: Array<() => void> = [];
  call.on('cancelled', () => {
    cancelled = true;
    for (const listener of listeners.splice(0)) listener();
  });
  return {
    get cancelled() {
      return cancelled || call.cancelled;
    },
    onCancel(listener) {
      if (cancelled) listener();
      else listeners.push(listener);
    },
  };
}

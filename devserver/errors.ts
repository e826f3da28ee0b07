// gRPC errors the way the Temporal SDK expects them: a status code, a message, and (where the SDK maps it to a
// typed error) a `google.rpc.Status` with one `Any` detail in the `grpc-status-details-bin` trailer.
import { Metadata, status } from '@grpc/grpc-js';
import protoRoot from '@temporalio/proto/protos/root.js';
import type { Root, Type } from 'protobufjs';

/** The full Temporal API (and google.rpc) as protobufjs reflection objects. */
export const root = protoRoot as unknown as Root;
root.resolveAll();
const StatusType = root.lookupType('google.rpc.Status');

export interface ErrorDetail {
  /** Fully qualified proto type, e.g. `temporal.api.errordetails.v1.NotFoundFailure`. */
  type: string;
  value: Record<string, unknown>;
}

export class RpcError extends Error {
  constructor(
    readonly code: status,
    message: string,
    readonly detail?: ErrorDetail,
  ) {
    super(message);
    this.name = 'RpcError';
  }

  /** Trailing metadata carrying the encoded `google.rpc.Status` with the typed detail. */
  metadata(): Metadata {
    const metadata = new Metadata();
    if (!this.detail) return metadata;
    let detailType: Type;
    try {
      detailType = root.lookupType(this.detail.type);
    } catch {
      return metadata; // an unknown detail type must not turn an answer into a crash
    }
    const any = {
      type_url: `type.googleapis.com/${this.detail.type}`,
      value: detailType.encode(detailType.fromObject(this.detail.value)).finish(),
    };
    const encoded = StatusType.encode(
      StatusType.fromObject({ code: this.code, message: this.message, details: [any] }),
    ).finish();
    metadata.set('grpc-status-details-bin', Buffer.from(encoded));
    return metadata;
  }
}

const detail = (name: string, value: Record<string, unknown> = {}): ErrorDetail => ({
  type: `temporal.api.errordetails.v1.${name}`,
  value,
});

export const invalidArgument = (message: string) => new RpcError(status.INVALID_ARGUMENT, message);
export const notFound = (message: string) => new RpcError(status.NOT_FOUND, message, detail('NotFoundFailure'));
export const alreadyExists = (message: string, failure?: string, value: Record<string, unknown> = {}) =>
  new RpcError(status.ALREADY_EXISTS, message, failure ? detail(failure, value) : undefined);
export const namespaceNotFound = (namespace: string) =>
  new RpcError(
    status.NOT_FOUND,
    `Namespace ${namespace} is not found.`,
    detail('NamespaceNotFoundFailure', { namespace }),
  );
export const unimplemented = (method: string) =>
  new RpcError(status.UNIMPLEMENTED, `unknown method ${method}: not implemented by the Lazarus devserver`);
export const deadlineExceeded = (message: string) => new RpcError(status.DEADLINE_EXCEEDED, message);
export const internal = (message: string) => new RpcError(status.INTERNAL, message);

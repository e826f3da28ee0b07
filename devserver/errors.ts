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

/**
 * The error of an ExecuteMultiOperation whose operation `failedIndex` failed with `failure`, as the real server
 * answers it (serviceerror.MultiOperationExecution): the status code of the failed operation, the message
 * "MultiOperation could not be executed: <Start|Update> failed: …", and a MultiOperationExecutionFailure detail with
 * one status per operation: the failure's own (code, message, typed detail), ABORTED with a
 * MultiOperationExecutionAborted detail for every other operation.
 */
export function multiOperationError(failure: RpcError, failedIndex: number, operations: string[]): RpcError {
  const statuses = operations.map((_, index) =>
    index === failedIndex
      ? { code: failure.code, message: failure.message, details: failure.detail ? [anyOf(failure.detail)] : [] }
      : {
          code: status.ABORTED,
          message: 'Operation was aborted.',
          details: [anyOf({ type: 'temporal.api.failure.v1.MultiOperationExecutionAborted', value: {} })],
        },
  );
  return new RpcError(
    failure.code,
    `MultiOperation could not be executed: ${operations[failedIndex]} failed: ${failure.message}`,
    detail('MultiOperationExecutionFailure', { statuses }),
  );
}

/** A typed detail as the `google.protobuf.Any` it travels in. */
function anyOf(typed: ErrorDetail): { type_url: string; value: Uint8Array } {
  const type = root.lookupType(typed.type);
  return { type_url: `type.googleapis.com/${typed.type}`, value: type.encode(type.fromObject(typed.value)).finish() };
}

export const invalidArgument = (message: string) => new RpcError(status.INVALID_ARGUMENT, message);
/** PERMISSION_DENIED with a PermissionDeniedFailure detail, as serviceerror.NewPermissionDenied(message, reason). */
export const permissionDenied = (message: string, reason = '') =>
  new RpcError(status.PERMISSION_DENIED, message, detail('PermissionDeniedFailure', { reason }));
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

// The devserver's gRPC errors carry the typed details the SDK maps to its error classes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { RpcError, namespaceNotFound, root } from '../../devserver/errors.js';

describe('devserver gRPC errors', () => {
  it('encodes a typed detail as google.rpc.Status in grpc-status-details-bin', () => {
    const err = namespaceNotFound('nope');
    const bytes = err.metadata().get('grpc-status-details-bin')[0] as Buffer;
    const decoded = root.lookupType('google.rpc.Status').decode(bytes) as unknown as {
      code: number;
      details: Array<{ type_url?: string; typeUrl?: string }>;
    };
    assert.equal(decoded.code, status.NOT_FOUND);
    assert.equal(
      decoded.details[0]?.type_url ?? decoded.details[0]?.typeUrl,
      'type.googleapis.com/temporal.api.errordetails.v1.NamespaceNotFoundFailure',
    );
  });

  it('answers without details, instead of throwing, when the detail type does not exist', () => {
    const err = new RpcError(status.ALREADY_EXISTS, 'x', {
      type: 'temporal.api.errordetails.v1.NoSuchFailure',
      value: {},
    });
    assert.equal(err.metadata().get('grpc-status-details-bin').length, 0);
  });
});

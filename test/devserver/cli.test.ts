// The Temporal CLI's `server start-dev` arguments, as the SDK's test environment and our scripts pass them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDevserverArgs, UsageError } from '../../devserver/cli.js';

describe('devserver command line', () => {
  it('accepts the arguments TestWorkflowEnvironment.createLocal passes', () => {
    const args = parseDevserverArgs([
      'server',
      'start-dev',
      '--port',
      '7999',
      '--namespace',
      'default',
      '--ip',
      '127.0.0.1',
      '--log-format',
      'pretty',
      '--log-level',
      'warn',
      '--dynamic-config-value',
      'frontend.enableServerVersionCheck=false',
      '--dynamic-config-value',
      'frontend.enableUpdateWorkflowExecution=true',
      '--headless',
      '--search-attribute',
      'LazarusGroup=Keyword',
      '--db-filename',
      '/tmp/x.db',
      '--ui-port',
      '8233',
    ]);
    assert.equal(args.port, 7999);
    assert.equal(args.ip, '127.0.0.1');
    assert.deepEqual(args.namespaces, ['default']);
    assert.equal(args.logLevel, 'warn');
    assert.equal(args.dbFilename, '/tmp/x.db');
    assert.equal(args.searchAttributes.get('LazarusGroup'), 'Keyword');
    assert.equal(args.dynamicConfig.get('frontend.enableServerVersionCheck'), 'false');
  });

  it('takes --flag=value forms', () => {
    const args = parseDevserverArgs(['server', 'start-dev', '--port=7001', '--namespace=lazarus']);
    assert.equal(args.port, 7001);
    assert.deepEqual(args.namespaces, ['lazarus']);
  });

  it('rejects unknown flags, bad values and a missing subcommand with a usage error naming them', () => {
    assert.throws(
      () => parseDevserverArgs(['server', 'start-dev', '--frobnicate']),
      (e: Error) => e instanceof UsageError && /--frobnicate/.test(e.message),
    );
    assert.throws(() => parseDevserverArgs(['server', 'start-dev', '--port', 'http']), /--port: not a port number/);
    assert.throws(
      () => parseDevserverArgs(['server', 'start-dev', '--search-attribute', 'X=Blob']),
      /unknown type "Blob"/,
    );
    assert.throws(() => parseDevserverArgs(['server', 'start-dev', '--log-level']), /--log-level needs a value/);
    assert.throws(() => parseDevserverArgs(['start-dev']), /server start-dev/);
  });
});

// A notification channel whose secret cannot be resolved refuses to start (every delivery would be a dead letter):
// the error names the channel, the field and the reference, never a secret.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkChannelSecrets } from '../../activities/notifications/channels.js';
import type { NotificationChannelConfig } from '../../domain/config/schema.js';

/** A webhook channel as the configuration gives it (only what the check reads). */
const channels = (secret: string) =>
  [
    { name: 'ops-log', kind: 'log' },
    { name: 'pager', kind: 'webhook', url: 'https://alerts.example.com/hooks/lazarus', secret },
  ] as unknown as NotificationChannelConfig[];

describe('notification secrets at startup', () => {
  it('refuses a webhook secret that cannot be resolved, naming the channel and the reference', () => {
    assert.throws(
      () => checkChannelSecrets(channels('env:LAZARUS_TEST_WEBHOOK_SECRET'), {}),
      /^Error: notifications\[\d+\] \(pager\)\.secret: env:LAZARUS_TEST_WEBHOOK_SECRET cannot be resolved/,
    );
  });

  it('accepts it once the reference resolves, and never prints the secret', () => {
    const env = { LAZARUS_TEST_WEBHOOK_SECRET: 's3cr3t-value-0123456789' };
    assert.doesNotThrow(() => checkChannelSecrets(channels('env:LAZARUS_TEST_WEBHOOK_SECRET'), env));
    try {
      checkChannelSecrets(channels('file:/nonexistent/x'), env);
      assert.fail('a missing file must be refused');
    } catch (error) {
      assert.doesNotMatch(String(error), /s3cr3t/);
      assert.match(String(error), /\(pager\)\.secret: file:\/nonexistent\/x cannot be resolved/);
    }
  });
});

// The pure delivery rules of domain/notifications: levels, channel filters, the dedupe key, backoff with jitter and
// when a delivery is given up, the summary text.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  channelWants,
  dedupeKey,
  meetsLevel,
  nextAttemptAt,
  retryDelay,
  summaryMessage,
} from '../../domain/notifications/index.js';

const policy = { attempts: 5, initialDelay: 1_000, maxDelay: 8_000, maxAge: 60_000 };

describe('notification rules', () => {
  it('orders severities info < warning < critical', () => {
    assert.deepEqual(
      (['info', 'warning', 'critical'] as const).map((s) => meetsLevel(s, 'warning')),
      [false, true, true],
    );
    assert.equal(
      channelWants({ level: 'info', events: ['host-failed'] }, { kind: 'hmc-unreachable', severity: 'critical' }),
      false,
    );
    assert.equal(channelWants({ level: 'info' }, { kind: 'hmc-unreachable', severity: 'info' }), true);
  });

  it('keys "the same event" on kind, subject (else workflow id) and message (else the raiser’s key)', () => {
    const base = { kind: 'host-failed', subject: 'g/h1', message: 'h1 failed' };
    assert.equal(dedupeKey(base), dedupeKey({ ...base }));
    assert.notEqual(dedupeKey(base), dedupeKey({ ...base, subject: 'g/h2' }));
    assert.notEqual(dedupeKey(base), dedupeKey({ ...base, kind: 'host-suspect' }));
    assert.equal(
      dedupeKey({ ...base, key: 'down', message: 'h1 failed at 02:00' }),
      dedupeKey({ ...base, key: 'down', message: 'h1 failed at 02:05' }),
    );
    assert.notEqual(
      dedupeKey({ kind: 'fence-failed', workflowId: 'failover/g/h1', message: 'm' }),
      dedupeKey({ kind: 'fence-failed', workflowId: 'failover/g/h2', message: 'm' }),
    );
  });

  it('backs off exponentially up to maxDelay, half of each delay random', () => {
    const low = () => 0;
    const high = () => 0.999_999;
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6].map((attempt) => retryDelay(policy, attempt, low)),
      [500, 1_000, 2_000, 4_000, 4_000, 4_000],
    );
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6].map((attempt) => retryDelay(policy, attempt, high)),
      [1_000, 2_000, 4_000, 8_000, 8_000, 8_000],
    );
  });

  it('gives up after the last attempt, or when the next one would fall after maxAge', () => {
    const queued = 0;
    assert.equal(
      nextAttemptAt(policy, 1, queued, 10_000, () => 0),
      10_500,
    );
    assert.equal(
      nextAttemptAt(policy, 5, queued, 10_000, () => 0),
      undefined,
      'the fifth of five attempts',
    );
    assert.equal(
      nextAttemptAt(policy, 2, queued, 59_500, () => 0),
      undefined,
      'past maxAge',
    );
  });

  it('summarizes held events by kind, most frequent first', () => {
    assert.equal(
      summaryMessage('ops-mail', { max: 20, window: 300_000 }, [
        'vm-heartbeat-lost',
        'host-failed',
        'host-failed',
        'app-failed',
      ]),
      '4 more events held by the rate limit of ops-mail (20 per 5m): 2 host-failed, 1 app-failed, 1 vm-heartbeat-lost',
    );
    assert.equal(
      summaryMessage('x', { max: 1, window: 90_000 }, ['host-failed']),
      '1 more event held by the rate limit of x (1 per 90s): 1 host-failed',
    );
  });
});

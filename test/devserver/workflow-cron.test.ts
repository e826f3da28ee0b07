// Workflow cron schedules read as the real server reads them: robfig/cron/v3 `ParseStandard` (Temporal server
// common/backoff/cron.go), whose day rule is classic cron's — with both day-of-month and day-of-week restricted a day
// matching either runs; when either field is starred (`*`, `?`, `*/1`; not `*/2`) both must match (robfig spec.go
// `dayMatches`, parser.go `getRange`). Temporal Schedules differ (both always required), so the two are tested apart.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cronDelayMs } from '../../devserver/engine/workflow-retry.js';

// Monday 2026-11-30 05:00 UTC: the next Friday is Dec 4, the next 13th Dec 13, the next Sunday Dec 6.
const MONDAY = Date.UTC(2026, 10, 30, 5, 0, 0);
const next = (cron: string) => new Date(MONDAY + cronDelayMs(cron, MONDAY)).toISOString();

describe('devserver workflow cron schedules (robfig/cron day rule)', () => {
  it('runs on either day when both day fields are restricted', () => {
    assert.equal(next('0 0 13 * 5'), '2026-12-04T00:00:00.000Z', 'the 13th or a Friday: Friday Dec 4 comes first');
    assert.equal(next('0 0 15 * 0'), '2026-12-06T00:00:00.000Z', 'the 15th or a Sunday');
    assert.equal(next('0 0 1 * 5'), '2026-12-01T00:00:00.000Z', 'the 1st or a Friday: the 1st comes first');
    assert.equal(next('0 0 */2 * 5'), '2026-12-01T00:00:00.000Z', '*/2 restricts: odd days or Fridays');
  });

  it('needs both when either day field is starred', () => {
    assert.equal(next('0 0 13 * *'), '2026-12-13T00:00:00.000Z');
    assert.equal(next('0 0 * * 5'), '2026-12-04T00:00:00.000Z');
    assert.equal(next('0 0 ? * 5'), '2026-12-04T00:00:00.000Z', '? is a star');
    assert.equal(next('0 0 */1 * 5'), '2026-12-04T00:00:00.000Z', '*/1 is a star');
    assert.equal(next('0 0 */2 * *'), '2026-12-01T00:00:00.000Z');
  });

  it('keeps descriptors and every-intervals as they were', () => {
    assert.equal(next('@daily'), '2026-12-01T00:00:00.000Z');
    assert.equal(cronDelayMs('@every 30s', MONDAY) % 30_000, 0);
  });

  it('refuses a day of week above 6, which robfig/cron does not read as Sunday', () => {
    assert.throws(() => cronDelayMs('0 0 * * 7', MONDAY), /: invalid CronSchedule\.$/);
    assert.throws(() => cronDelayMs('0 0 * * 5-7', MONDAY), /: invalid CronSchedule\.$/);
  });

  it("refuses what robfig/cron ParseStandard refuses, with the real server's text", () => {
    for (const cron of [
      '0 0 * * 5#3',
      'H 0 * * *',
      '0 0 L * *',
      '@every 1h/30m',
      '@every 2d',
      '0 0 30 2 *',
      '@every',
      '0 0 * *',
    ])
      assert.throws(() => cronDelayMs(cron, MONDAY), /: invalid CronSchedule\.$/, cron);
    for (const cron of ['5/10 * * * *', '0 0 ? JAN-MAR sun', '@every 1.5h', '@midnight'])
      assert.doesNotThrow(() => cronDelayMs(cron, MONDAY), cron);
  });

  it("counts @every from the run's execution time, not the clock, and rounds below a second up to one", () => {
    const start = MONDAY + 7_000; // 05:00:07
    assert.equal(cronDelayMs('@every 90m', start), 90 * 60_000, 'first run: start + 90m, not 06:00 or 06:30');
    // A run that began at start + 90m and closed 10 s later: the next run is at start + 180m.
    assert.equal(cronDelayMs('@every 90m', start + 90 * 60_000 + 10_000, start + 90 * 60_000), 90 * 60_000 - 10_000);
    assert.equal(cronDelayMs('@every 500ms', start), 1000);
  });
});

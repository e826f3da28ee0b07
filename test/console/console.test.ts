// The web console end to end in headless Chromium (Debian's chromium driven by puppeteer-core) on the whole stack over
// the simulated fleet: sign in with a token, start an advisory failover of a failed host from the hosts page, approve
// it on the live failover page, watch it to its report; a screenshot of the live page is saved under
// test-results/console/. Also: device-provided text is shown as text, never run; /metrics after the failover.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { createApi } from '../../api/app.js';
import { startSimulatedLazarus, type SimulatedLazarus } from '../support/simulated-lazarus.js';

// The browser's globals inside the functions puppeteer runs in the page (this file compiles without the DOM lib).
declare const document: { querySelector(selector: string): { textContent: string | null } | null };
declare const location: { hash: string };
declare const window: { pwned?: number };

const RESULTS = new URL('../../test-results/console/', import.meta.url).pathname;
/** Debian's chromium (.ci/run installs it); CHROMIUM_PATH overrides. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FAILOVER = 'failover/dc1-prod/dc1-s01';

describe('web console (headless Chromium, HTTP API, simulated fleet)', () => {
  let lazarus: SimulatedLazarus;
  let browser: Browser;
  let page: Page;

  before(async () => {
    assert.ok(
      existsSync(CHROMIUM),
      `${CHROMIUM} is missing: apt-get install chromium (.ci/run does), or CHROMIUM_PATH`,
    );
    mkdirSync(RESULTS, { recursive: true });
    lazarus = await startSimulatedLazarus({ name: 'console' });
    assert.equal(await lazarus.discover(), 'ok');
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      // Root in a container has no user namespace for Chromium's sandbox; /dev/shm may be small.
      args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
    });
    page = await browser.newPage();
    await page.setViewport({ width: 1400, height: 1000 });
  });

  after(async () => {
    await browser?.close();
    await lazarus?.stop();
  });

  const text = (selector: string) => page.$eval(selector, (element) => element.textContent ?? '');

  it('asks for a token, then lists the hosts with their states and ages', { timeout: 120_000 }, async () => {
    await page.goto(`${lazarus.apiUrl}/`);
    await page.waitForSelector('#login', { timeout: 30_000 });
    await page.type('#token', 'not-a-token');
    await page.click('#sign-in');
    await page.waitForFunction(() => document.querySelector('#login')?.textContent?.includes('not accepted'), {
      timeout: 30_000,
    });
    await page.type('#token', lazarus.token);
    await page.click('#sign-in');
    await page.waitForSelector('#hosts tbody tr', { timeout: 30_000 });
    const hosts = await text('#hosts');
    assert.match(hosts, /dc1-s01/);
    assert.match(hosts, /Operating/);
    assert.match(hosts, /\d+s ago/);
    assert.match(await text('#identity'), /api \(admin\)/);
  });

  it(
    'starts an advisory failover from the page, approves it there and watches it to its report',
    {
      timeout: 420_000,
    },
    async () => {
      await lazarus.control('POST', '/faults', { kind: 'host-error', target: 'dc1-s01' });
      await page.goto(`${lazarus.apiUrl}/#/hosts`);
      await page.waitForSelector('button[data-host="dc1-s01"]', { timeout: 30_000 });
      await page.click('button[data-host="dc1-s01"]');
      await page.waitForSelector('#failover-start', { visible: true });
      assert.equal(
        await page.$eval('#failover-mode', (select) => (select as unknown as { value: string }).value),
        'advisory',
      );
      await page.click('#failover-start');
      await page.waitForFunction((id) => location.hash === `#/failover/${encodeURIComponent(id)}`, {}, FAILOVER);

      // The live page: it polls the API until the workflow asks for approval.
      await page.waitForSelector('#approve', { visible: true, timeout: 180_000 });
      assert.equal(await text('#phase'), 'approve');
      assert.equal(await text('#status'), 'running');
      assert.match(await text('#rto-remaining'), /left of|over budget/);
      assert.match(await text('#fence'), /not yet/, 'advisory mode fences nothing before approval');
      await page.screenshot({ path: join(RESULTS, 'live-failover-approval.png'), fullPage: true });
      await page.type('#decision-reason', 'checked the rack');
      // The live page redraws itself every 2 s: what the operator typed survives a redraw.
      await page.$eval('#phase', (element) => element.setAttribute('data-before-redraw', ''));
      await page.waitForFunction(() => !document.querySelector('#phase[data-before-redraw]'), { timeout: 60_000 });
      assert.equal(
        await page.$eval('#decision-reason', (input) => (input as unknown as { value: string }).value),
        'checked the rack',
      );
      await page.click('#approve');

      // Fenced, restarting: the fence proof and the streams appear while it runs.
      await page.waitForFunction(() => /power state/.test(document.querySelector('#fence')?.textContent ?? ''), {
        timeout: 180_000,
        polling: 250,
      });
      await page.screenshot({ path: join(RESULTS, 'live-failover.png'), fullPage: true });
      await page.waitForSelector('#outcome', { timeout: 300_000 });
      const outcome = await text('#outcome');
      await page.screenshot({ path: join(RESULTS, 'failover-report.png'), fullPage: true });
      assert.ok(statSync(join(RESULTS, 'live-failover.png')).size > 10_000, 'a screenshot of the live page was saved');

      const run = await lazarus.api<{
        status: string;
        report: { outcome: string; approval?: { decision: string; by?: string }; lpars: Array<{ lpar: string }> };
      }>('GET', `/v1/failovers/${encodeURIComponent(FAILOVER)}`);
      assert.equal(run.body.status, 'completed');
      assert.equal(outcome, run.body.report.outcome, 'the page shows the stored report');
      assert.equal(run.body.report.approval?.decision, 'approved');
      assert.match(run.body.report.approval?.by ?? '', /^api/, "the actor is the token's name");
      assert.match(await text('#rto-remaining'), /budget/);
      assert.match(await text('#fence'), /power state/);
      const streams = await text('#streams');
      for (const lpar of run.body.report.lpars) assert.match(streams, new RegExp(lpar.lpar));

      // The lists link to it.
      await page.goto(`${lazarus.apiUrl}/#/reports`);
      await page.waitForSelector(`#reports a[href^="#/failover/${encodeURIComponent(FAILOVER)}"]`, { timeout: 30_000 });
      assert.match(await text('#reports'), new RegExp(outcome));
    },
  );

  it('shows the metrics of that failover and of the device commands at /metrics', { timeout: 60_000 }, async () => {
    const response = await fetch(`${lazarus.apiUrl}/metrics`);
    assert.equal(response.status, 200, 'loopback reads /metrics without a token');
    const metrics = await response.text();
    assert.match(metrics, /lazarus_failovers_total\{group="dc1-prod",outcome="[a-z-]+"\} 1/);
    assert.match(metrics, /lazarus_failover_rto_seconds_count\{group="dc1-prod",within_budget="(true|false)"\} 1/);
    assert.match(metrics, /lazarus_failover_lpar_step_seconds_count\{step="activating"\} [1-9]/);
    assert.match(metrics, /lazarus_device_command_seconds_count\{device="hmc-dc1",result="ok"\} [1-9]/);
    assert.match(metrics, /lazarus_api_requests_total\{method="POST",route="\/v1\/failovers",status="202"\} 1/);
  });

  it('shows text from devices and notifications as text, never as markup', { timeout: 60_000 }, async () => {
    const hostile = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>';
    await lazarus.store.raiseNotification({
      severity: 'warning',
      kind: 'console-test',
      message: hostile,
      raisedAt: new Date().toISOString(),
    });
    await page.goto(`${lazarus.apiUrl}/#/notifications`);
    await page.waitForFunction(
      (message) => document.querySelector('#notifications')?.textContent?.includes(message),
      { timeout: 30_000 },
      hostile,
    );
    assert.equal(await page.$$eval('#notifications img, #notifications script', (found) => found.length), 0);
    assert.equal(await page.evaluate(() => window.pwned), undefined);
  });

  it('shows a viewer the pages without the operator buttons', { timeout: 60_000 }, async () => {
    // A second API on the same stack whose only token is a viewer's (the harness's own token may do everything).
    const viewer = { name: 'vera', token: 'console-viewer-token-0123456789', role: 'viewer' as const };
    const app = createApi({
      client: lazarus.server.client,
      config: lazarus.config,
      store: lazarus.store,
      tokens: [viewer],
      log: () => undefined,
    });
    const server = await new Promise<Server>((resolve) => {
      const listening: Server = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    const viewerPage = await browser.newPage();
    try {
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      await viewerPage.goto(`${url}/#/hosts`);
      await viewerPage.waitForSelector('#token', { timeout: 30_000 });
      await viewerPage.type('#token', viewer.token);
      await viewerPage.click('#sign-in');
      await viewerPage.waitForSelector('#hosts tbody tr', { timeout: 30_000 });
      assert.match(await viewerPage.$eval('#identity', (e) => e.textContent ?? ''), /vera \(viewer\)/);
      assert.equal(await viewerPage.$$eval('button[data-host]', (found) => found.length), 0, 'no Fail over button');
      await viewerPage.goto(`${url}/#/failover/${encodeURIComponent(FAILOVER)}`);
      await viewerPage.waitForSelector('#status', { timeout: 30_000 });
      assert.equal(await viewerPage.$$eval('#approve, #reject', (found) => found.length), 0);
    } finally {
      await viewerPage.close();
      server.closeAllConnections(); // the browser keeps its connections alive
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

/* global document, location, sessionStorage, fetch, window */
// The Lazarus web console: hash-routed pages over the HTTP API. The bearer token is entered once and kept in this
// tab's sessionStorage; a 401 asks for it again. Live pages poll the API (every 2 s on a failover page).
import { age, cssToken, duration, h, table } from './dom.js';

const TOKEN_KEY = 'lazarus.token';
const POLL_MS = 2000;
const main = document.getElementById('main');
const errorBar = document.getElementById('error');
let identity;
let timer;
let decisionReason = '';

class ApiFailure extends Error {
  constructor(status, body) {
    super(`${status} ${body?.code ?? ''}: ${body?.message ?? 'request failed'}`);
    this.status = status;
  }
}

async function api(path, options = {}) {
  const headers = { authorization: `Bearer ${sessionStorage.getItem(TOKEN_KEY) ?? ''}` };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, {
    method: options.method ?? 'GET',
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const body = await response.json().catch(() => undefined);
  if (!response.ok) throw new ApiFailure(response.status, body);
  return body;
}

function showError(err) {
  errorBar.hidden = !err;
  errorBar.textContent = err ? String(err.message ?? err) : '';
}

const canOperate = () => identity && identity.role !== 'viewer';
const failoverHref = (id, runId) =>
  `#/failover/${encodeURIComponent(id)}${runId ? `/${encodeURIComponent(runId)}` : ''}`;
const stateCell = (state, prefix = 'state') => h('span', { class: `${prefix}-${cssToken(state)}` }, state ?? '—');

// ---- pages ----------------------------------------------------------------------------------------------------

async function hostsPage() {
  const [{ hosts }, { groups }] = await Promise.all([api('/v1/hosts'), api('/v1/groups')]);
  const start = h('div', { id: 'start-failover', class: 'panel', hidden: true });
  const openStart = (host) => {
    start.hidden = false;
    start.replaceChildren(
      h('h3', {}, `Fail over ${host.name} (${host.group})`),
      h(
        'label',
        {},
        'Mode ',
        h(
          'select',
          { id: 'failover-mode' },
          h('option', { value: 'advisory', selected: true }, 'advisory (waits for approval)'),
          h('option', { value: 'auto' }, 'auto'),
        ),
      ),
      ' ',
      h(
        'button',
        {
          id: 'failover-start',
          onclick: async () => {
            const mode = document.getElementById('failover-mode').value;
            const started = await api('/v1/failovers', {
              method: 'POST',
              body: { group: host.group, host: host.name, mode },
            });
            location.hash = failoverHref(started.id);
          },
        },
        'Start failover',
      ),
      h('button', { onclick: () => (start.hidden = true) }, 'Cancel'),
    );
  };
  return [
    h('h2', {}, 'Hosts'),
    h('p', { class: 'muted' }, `${groups.length} host group(s): ${groups.map((g) => g.name).join(', ')}`),
    start,
    table(
      ['group', 'host', 'state', 'observed', 'source', 'fenced', ''],
      hosts.map((host) => [
        host.group,
        host.name,
        [stateCell(host.state), host.stale ? h('span', { class: 'muted' }, ' (stale)') : ''],
        `${duration((host.ageSeconds ?? NaN) * 1000)} ago`,
        host.source,
        host.fenced ? 'yes' : '',
        canOperate() ? h('button', { 'data-host': host.name, onclick: () => openStart(host) }, 'Fail over…') : '',
      ]),
      { id: 'hosts' },
    ),
  ];
}

async function vmsPage() {
  const { lpars } = await api('/v1/lpars');
  return [
    h('h2', {}, 'VMs (LPARs)'),
    table(
      ['group', 'LPAR', 'host', 'state', 'priority', 'CPU', 'memory MB', 'volumes', 'observed'],
      lpars.map((l) => [
        l.group,
        l.name,
        l.host,
        stateCell(l.state),
        l.priority,
        l.processorUnits,
        l.memoryMb,
        (l.volumes ?? []).length,
        `${duration((l.ageSeconds ?? NaN) * 1000)} ago`,
      ]),
      { id: 'vms' },
    ),
  ];
}

async function failoversPage(closedOnly = false) {
  const { failovers } = await api('/v1/failovers?limit=100');
  const runs = closedOnly ? failovers.filter((f) => f.status !== 'running') : failovers;
  const row = (f) => [
    h('a', { href: failoverHref(f.id, f.runId) }, f.id),
    f.status,
    f.outcome ? h('span', { class: `outcome-${cssToken(f.outcome)}` }, f.outcome) : '',
    age(f.startedAt),
    f.closedAt ? age(f.closedAt) : '',
  ];
  const headers = ['failover', 'status', 'outcome', 'started', 'closed'];
  if (closedOnly) return [h('h2', {}, 'Reports'), table(headers, runs.map(row), { id: 'reports' })];
  return [
    h('h2', {}, 'Running failovers'),
    table(headers, runs.filter((f) => f.status === 'running').map(row), { id: 'running-failovers' }),
    h('h2', {}, 'Past failovers'),
    table(headers, runs.filter((f) => f.status !== 'running').map(row), { id: 'past-failovers' }),
  ];
}

async function notificationsPage() {
  const { notifications } = await api('/v1/notifications?limit=100');
  return [
    h('h2', {}, 'Notifications'),
    table(
      ['raised', 'severity', 'kind', 'message', 'deliveries'],
      notifications.map((n) => [
        age(n.raisedAt),
        n.severity,
        n.kind,
        n.message,
        (n.deliveries ?? []).map((d) => `${d.channel}: ${d.status}`).join(', '),
      ]),
      { id: 'notifications' },
    ),
  ];
}

async function monitorPage() {
  const { groups } = await api('/v1/groups');
  const sections = [h('h2', {}, 'Host monitor')];
  for (const group of groups) {
    const [view, detections] = await Promise.all([
      api(`/v1/groups/${encodeURIComponent(group.name)}/monitor`).catch((err) => ({ error: err.message })),
      api(`/v1/groups/${encodeURIComponent(group.name)}/detections`).catch(() => ({ detections: [] })),
    ]);
    sections.push(h('h3', {}, group.name));
    if (view.error) sections.push(h('p', { class: 'muted' }, view.error));
    else
      sections.push(
        h(
          'p',
          {},
          `${view.observations} observations, last ${age(view.lastObservedAt)}`,
          view.unreachableHmcs?.length ? `; unreachable HMCs: ${view.unreachableHmcs.join(', ')}` : '',
          view.observationError ? `; ${view.observationError}` : '',
        ),
        table(
          ['host', 'verdict', 'failing', 'agreeing', 'transitions', 'reason'],
          (view.hosts ?? []).map((m) => [
            m.host,
            m.verdict ?? 'ok',
            m.consecutive,
            m.agreeing,
            m.recentTransitions,
            m.reason ?? '',
          ]),
        ),
      );
    sections.push(
      h('h3', {}, `Detections in ${group.name}`),
      table(
        ['confirmed', 'host', 'verdict', 'action', 'failover', 'reason'],
        detections.detections.map((d) => [
          age(d.confirmedAt),
          d.host,
          d.verdict,
          d.action,
          d.failoverId ? h('a', { href: failoverHref(d.failoverId) }, d.failoverId) : '',
          d.reason,
        ]),
      ),
    );
  }
  return sections;
}

// ---- the live failover page ------------------------------------------------------------------------------------

/** Seconds an LPAR spent in each step reached: `timings` are ms since the failover's start when each was reached. */
function stepDurations(timings = {}) {
  const reached = Object.entries(timings).sort((a, b) => a[1] - b[1]);
  return reached.map(([step, at], i) =>
    i + 1 < reached.length ? `${step} ${duration(reached[i + 1][1] - at)}` : step,
  );
}

function budgetView(state) {
  const budget = state.rtoBudgetMs ?? 0;
  const elapsed = state.report ? state.rtoMs : state.elapsedMs;
  const remaining = budget - (elapsed ?? 0);
  return h(
    'div',
    { class: 'panel', id: 'rto' },
    h('strong', {}, state.report ? 'RTO ' : 'RTO budget '),
    h('progress', { class: 'budget', max: budget || 1, value: Math.min(Math.max(elapsed ?? 0, 0), budget || 1) }),
    ' ',
    h(
      'span',
      { id: 'rto-remaining', class: remaining < 0 ? 'budget-over' : '' },
      state.report
        ? `${duration(elapsed)} of ${duration(budget)} (${state.withinBudget ? 'within budget' : 'over budget'})`
        : remaining >= 0
          ? `${duration(remaining)} left of ${duration(budget)} (elapsed ${duration(elapsed)})`
          : `over budget by ${duration(-remaining)} (budget ${duration(budget)})`,
    ),
  );
}

function fenceView(fence) {
  if (!fence) return h('div', { class: 'panel', id: 'fence' }, h('strong', {}, 'Fence: '), 'not yet');
  return h(
    'div',
    { class: 'panel', id: 'fence' },
    h('strong', {}, 'Fence proof: '),
    `${fence.host} power state ${fence.powerState}`,
    fence.poweredOff ? ' (powered off, confirmed by the HMC)' : ' (not confirmed powered off)',
    fence.hostPortsRemoved
      ? `; ${fence.hostPortsRemoved.wwpns.length} FC port(s) removed from host object ${fence.hostPortsRemoved.storageHost}`
      : `; ${fence.unmappedVolumes.length} volume mapping(s) removed`,
    fence.npivLoggedOut && fence.npivLoggedOut.length
      ? `; NPIV client(s) logged out: ${fence.npivLoggedOut.join(', ')}`
      : '',
    fence.override
      ? `; override by ${fence.override.by}${fence.override.reason ? `: ${fence.override.reason}` : ''}`
      : '',
  );
}

function streamsView(lpars) {
  const streams = new Map();
  for (const lpar of lpars) {
    const key = lpar.destination ?? '(no destination)';
    if (!streams.has(key)) streams.set(key, []);
    streams.get(key).push(lpar);
  }
  return h(
    'div',
    { id: 'streams' },
    [...streams].map(([destination, members]) =>
      h(
        'div',
        { class: 'stream', 'data-destination': destination },
        h(
          'h3',
          {},
          `→ ${destination}`,
          h(
            'span',
            { class: 'muted' },
            ` ${members.filter((l) => l.step === 'running').length}/${members.length} running`,
          ),
        ),
        table(
          ['LPAR', 'priority', 'step', 'attempts', 'steps (time in each)', 'why'],
          members.map((l) => [
            l.lpar,
            l.priority ?? '',
            stateCell(l.step, 'step'),
            l.attempts,
            stepDurations(l.timings).join(' → '),
            l.error ?? '',
          ]),
        ),
      ),
    ),
  );
}

function decisionButtons(id, state) {
  if (state.report || state.phase !== 'approve' || !canOperate()) return '';
  // The page is redrawn every 2 s while live: the reason typed so far is kept across redraws.
  const reason = h('input', {
    id: 'decision-reason',
    placeholder: 'reason (optional)',
    size: 30,
    value: decisionReason,
    oninput: (event) => (decisionReason = event.target.value),
  });
  const decide = (action) => async () => {
    await api(`/v1/failovers/${encodeURIComponent(id)}/${action}`, {
      method: 'POST',
      body: reason.value ? { reason: reason.value } : {},
    });
    decisionReason = '';
    await render();
  };
  return h(
    'div',
    { class: 'panel', id: 'decision' },
    h('strong', {}, 'Waiting for approval. '),
    h('button', { id: 'approve', onclick: decide('approve') }, 'Approve'),
    h('button', { id: 'reject', onclick: decide('reject') }, 'Reject'),
    reason,
  );
}

async function failoverPage(id, runId) {
  const run = await api(`/v1/failovers/${encodeURIComponent(id)}${runId ? `?runId=${encodeURIComponent(runId)}` : ''}`);
  const state = run.progress ?? run.report ?? {};
  const live = run.status === 'running';
  if (live) schedule();
  const report = run.report;
  return [
    h('h2', {}, `Failover ${id}`),
    h(
      'p',
      {},
      'Status ',
      h('strong', { id: 'status' }, run.status),
      ', phase ',
      h('strong', { id: 'phase' }, state.phase ?? '—'),
      report
        ? [', outcome ', h('strong', { id: 'outcome', class: `outcome-${cssToken(report.outcome)}` }, report.outcome)]
        : '',
      state.startedAt ? `, started ${age(state.startedAt)}` : '',
      h('span', { class: 'muted' }, ` run ${run.runId}`),
    ),
    run.error ? h('p', { class: 'budget-over' }, run.error) : '',
    decisionButtons(id, state),
    state.rtoBudgetMs !== undefined ? budgetView({ ...state, report }) : '',
    fenceView(state.fence),
    state.planSummary
      ? h(
          'p',
          {},
          `Plan: ${state.planSummary.placed} placed on ${state.planSummary.streams} stream(s), `,
          `${state.planSummary.unplaced} unplaced, estimated RTO ${duration(state.planSummary.estimatedRtoMs)}`,
        )
      : '',
    state.totals
      ? h(
          'p',
          { id: 'totals' },
          Object.entries(state.totals)
            .map(([k, v]) => `${k} ${v}`)
            .join(' · '),
        )
      : '',
    streamsView(state.lpars ?? []),
    report?.unplaced?.length
      ? [
          h('h3', {}, 'Not placed'),
          table(
            ['LPAR', 'reason', 'detail'],
            report.unplaced.map((u) => [u.lpar, u.reason, u.detail]),
          ),
        ]
      : '',
    report?.approval
      ? h('p', {}, `Approval: ${report.approval.decision}${report.approval.by ? ` by ${report.approval.by}` : ''}`)
      : '',
  ];
}

// ---- routing -----------------------------------------------------------------------------------------------------

function loginPage(message) {
  const input = h('input', { id: 'token', type: 'password', autocomplete: 'off', placeholder: 'API token' });
  return [
    h(
      'form',
      {
        class: 'login panel',
        id: 'login',
        onsubmit: (event) => {
          event.preventDefault();
          sessionStorage.setItem(TOKEN_KEY, input.value.trim());
          identity = undefined;
          render();
        },
      },
      h('h2', {}, 'Sign in'),
      h('p', { class: 'muted' }, message ?? 'Enter an API token (kept in this tab only).'),
      input,
      h('button', { type: 'submit', id: 'sign-in' }, 'Sign in'),
    ),
  ];
}

function schedule() {
  clearTimeout(timer);
  timer = setTimeout(render, POLL_MS);
}

async function page(route) {
  const [name, ...rest] = route.split('/').filter(Boolean);
  switch (name ?? 'hosts') {
    case 'hosts':
      return hostsPage();
    case 'vms':
      return vmsPage();
    case 'failovers':
      return failoversPage();
    case 'reports':
      return failoversPage(true);
    case 'notifications':
      return notificationsPage();
    case 'monitor':
      return monitorPage();
    case 'failover':
      return failoverPage(decodeURIComponent(rest[0] ?? ''), rest[1] && decodeURIComponent(rest[1]));
    default:
      return [h('p', {}, `No page ${name}.`)];
  }
}

async function render() {
  clearTimeout(timer);
  const route = location.hash.replace(/^#/, '') || '/hosts';
  for (const link of document.querySelectorAll('#nav a'))
    link.classList.toggle('active', route.startsWith(link.getAttribute('href').slice(1)));
  try {
    if (!sessionStorage.getItem(TOKEN_KEY)) {
      main.replaceChildren(...loginPage());
      return;
    }
    if (!identity) {
      identity = await api('/console/identity');
      document
        .getElementById('identity')
        .replaceChildren(
          `${identity.name} (${identity.role}) `,
          h(
            'button',
            { id: 'sign-out', onclick: () => (sessionStorage.removeItem(TOKEN_KEY), (identity = undefined), render()) },
            'Sign out',
          ),
        );
    }
    const focused = document.activeElement?.id;
    main.replaceChildren(...(await page(route)).flat());
    // A redraw must not take the caret away from a field being typed in.
    const field = focused && document.getElementById(focused);
    if (field) {
      field.focus();
      if (typeof field.value === 'string') field.setSelectionRange?.(field.value.length, field.value.length);
    }
    showError();
  } catch (err) {
    if (err instanceof ApiFailure && err.status === 401) {
      sessionStorage.removeItem(TOKEN_KEY);
      identity = undefined;
      main.replaceChildren(...loginPage('That token was not accepted; enter a valid one.'));
      return;
    }
    showError(err);
    if (route.startsWith('/failover/')) schedule(); // a live page rides out a passing error
  }
}

window.addEventListener('hashchange', render);
window.addEventListener('unhandledrejection', (event) => showError(event.reason));
render();

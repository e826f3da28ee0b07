/* global document, Node */
// DOM helpers for the console: every value becomes a text node or an attribute set through the DOM (never HTML
// parsing), so names that come from devices are shown as text whatever characters they hold.

/** Builds an element: `attrs` are attributes (`on*` functions become listeners), children are nodes or text. */
export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

/** A table with a header row; `rows` are arrays of cells (nodes or text). */
export function table(headers, rows, attrs = {}) {
  return h(
    'table',
    attrs,
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        headers.map((title) => h('th', {}, title)),
      ),
    ),
    h(
      'tbody',
      {},
      rows.map((cells) =>
        h(
          'tr',
          {},
          cells.map((cell) => h('td', {}, cell)),
        ),
      ),
    ),
  );
}

/** "4s", "3m 12s", "2h 5m", "3d 4h": a duration in milliseconds for people. */
export function duration(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '—';
  const sign = ms < 0 ? '-' : '';
  let seconds = Math.round(Math.abs(ms) / 1000);
  if (Math.abs(ms) < 10_000) return `${sign}${(Math.abs(ms) / 1000).toFixed(1)}s`;
  if (seconds < 60) return `${sign}${seconds}s`;
  const days = Math.floor(seconds / 86400);
  const hours = Math.floor((seconds % 86400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  seconds %= 60;
  if (days) return `${sign}${days}d ${hours}h`;
  if (hours) return `${sign}${hours}h ${minutes}m`;
  return `${sign}${minutes}m ${seconds}s`;
}

/** The age of an ISO time, "12s ago"; "—" without one. */
export function age(iso, now = Date.now()) {
  const at = Date.parse(iso ?? '');
  return Number.isNaN(at) ? '—' : `${duration(now - at)} ago`;
}

/** A CSS class fragment from a device-provided value (letters, digits and dashes only). */
export function cssToken(value) {
  return String(value ?? '').replace(/[^A-Za-z0-9-]+/g, '-');
}

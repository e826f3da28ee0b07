import { DeviceCommandError, lines } from './command-result.js';
import { svcError } from './svc-errors.js';

/** One SVC object: ordered key/value pairs. Repeated keys (copy_id, WWPN blocks) live in `blocks`. */
export interface SvcObject {
  fields: [string, string | number][];
  blocks?: [string, string | number][][];
}

export interface ViewOptions {
  delim?: string;
  nohdr: boolean;
  filters: SvcFilter[];
}
export interface SvcFilter {
  attribute: string;
  pattern: string;
}

/**
 * Concise view: header row then one row per object; `-delim X` joins with X, otherwise columns are
 * space-padded; `-nohdr` drops the header; an empty list prints nothing at all.
 */
export function renderConcise(rows: [string, string | number][][], options: ViewOptions): string {
  if (rows.length === 0) return '';
  const header = rows[0]!.map(([key]) => key);
  const unknown = options.filters.find((f) => !header.includes(f.attribute));
  if (unknown) throw svcError.invalidFilter(unknown.attribute);
  const filtered = applyFilters(rows, options.filters);
  if (filtered.length === 0) return '';
  const table = [...(options.nohdr ? [] : [header]), ...filtered.map((row) => row.map(([, value]) => String(value)))];
  if (options.delim !== undefined) return lines(table.map((row) => row.join(options.delim)));
  const widths = header.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  return lines(
    table.map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!)))
        .join(' ')
        .trimEnd(),
    ),
  );
}

/** Detailed view: `key<delim>value` per line (space without -delim); repeated blocks each follow a blank line. */
export function renderDetailed(object: SvcObject, options: ViewOptions): string {
  const separator = options.delim ?? ' ';
  const render = (pairs: [string, string | number][]) => pairs.map(([key, value]) => `${key}${separator}${value}`);
  const blocks = (object.blocks ?? []).map((block) => ['', ...render(block)]);
  return lines([...render(object.fields), ...blocks.flat()]);
}

/**
 * `-filtervalue attr=value[:attr=value]`; a trailing `*` matches any suffix. Any column of the concise
 * view may be filtered on (checked when rendering); a detailed view rejects -filtervalue.
 */
export function parseFilterValue(text: string | undefined): SvcFilter[] {
  if (text === undefined) return [];
  return text.split(':').map((clause) => {
    const eq = clause.indexOf('=');
    if (eq <= 0) throw svcError.invalidFilter(clause);
    return { attribute: clause.slice(0, eq), pattern: clause.slice(eq + 1) };
  });
}

function applyFilters(rows: [string, string | number][][], filters: SvcFilter[]): [string, string | number][][] {
  return rows.filter((row) =>
    filters.every(({ attribute, pattern }) => {
      const value = String(row.find(([key]) => key === attribute)?.[1] ?? '');
      return pattern.endsWith('*') ? value.startsWith(pattern.slice(0, -1)) : value === pattern;
    }),
  );
}

/** Capacity the way the concise view prints it without -bytes: 50.00GB, 1.00TB. */
export function formatCapacity(bytes: number, inBytes: boolean): string {
  if (inBytes) return String(bytes);
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(2)}${units[unit]}`;
}

export function assertNoPositional(positionals: string[]): void {
  if (positionals.length > 0)
    throw new DeviceCommandError(`CMMVC5709E [${positionals[0]}] is not a supported parameter.`);
}

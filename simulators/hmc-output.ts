import { type ParsedFlags } from './cli-flags.js';
import { DeviceCommandError, lines } from './command-result.js';
import { hmcError } from './hmc-errors.js';

/** One HMC object as ordered attribute pairs (the order the HMC prints them in without -F). */
export type HmcRecord = [string, string | number][];

export const NO_RESULTS = 'No results were found.\n';

/**
 * Renders records the HMC way: `-F a,b` prints values split by the delimiter found in the -F list
 * (`--header` first prints the names); without -F each object is `key=value,...`. Values holding a
 * comma are double-quoted (CSV style, inner quotes doubled); without -F the whole `key=value` is quoted.
 */
export function renderHmcRecords(records: HmcRecord[], flags: ParsedFlags): string {
  const fieldList = flags.values.get('-F');
  const header = flags.switches.has('--header');
  if (header && fieldList === undefined)
    throw new DeviceCommandError('An invalid parameter was entered: --header is only valid with -F');
  if (records.length === 0) return NO_RESULTS;
  if (fieldList === undefined) {
    return lines(
      records.map((record) => record.map(([key, value]) => quoteIfNeeded(`${key}=${value}`, ',')).join(',')),
    );
  }
  const delimiter = fieldList.match(/[^A-Za-z0-9_]/)?.[0] ?? ',';
  const fields = fieldList.split(delimiter).filter((f) => f.length > 0);
  // A listing mixes record shapes (a dedicated-processor profile has no *_proc_units): any record's key is valid.
  const known = new Set(records.flatMap((record) => record.map(([key]) => key)));
  const unknown = fields.find((f) => !known.has(f));
  if (unknown) throw hmcError.invalidAttribute(unknown);
  const rows = records.map((record) => {
    const byKey = new Map(record);
    return fields.map((field) => quoteIfNeeded(String(byKey.get(field) ?? ''), delimiter)).join(delimiter);
  });
  return lines(header ? [fields.join(delimiter), ...rows] : rows);
}

function quoteIfNeeded(text: string, delimiter: string): string {
  if (!text.includes(',') && !text.includes(delimiter) && !text.includes('"')) return text;
  return `"${text.replace(/"/g, '""')}"`;
}

/** An item of a list attribute that itself holds commas (e.g. a virtual FC adapter with two WWPNs). */
export function quoteListItem(item: string): string {
  return item.includes(',') ? `"${item}"` : item;
}

/**
 * Parses an HMC --filter value: `lpar_names=a,b` or `"lpar_names=a,b",profile_names=p`.
 * A word without `=` continues the previous filter's value list.
 */
export function parseHmcFilter(text: string, allowed: string[]): Map<string, string[]> {
  const filters = new Map<string, string[]>();
  let lastKey: string | undefined;
  for (const word of splitOutsideQuotes(text)) {
    const unquoted = word.replace(/^"(.*)"$/s, '$1');
    const eq = unquoted.indexOf('=');
    if (eq < 0) {
      if (!lastKey)
        throw new DeviceCommandError(
          `HSCL0008 The filter ${text} is not valid. Please check your entry and retry the command.`,
        );
      filters.get(lastKey)!.push(unquoted);
      continue;
    }
    const key = unquoted.slice(0, eq);
    if (!allowed.includes(key))
      throw new DeviceCommandError(
        `HSCL0008 The filter ${key} is not valid for this command. Valid filters are: ${allowed.join(', ')}.`,
      );
    lastKey = key;
    filters.set(
      key,
      unquoted
        .slice(eq + 1)
        .split(',')
        .filter((v) => v.length > 0),
    );
  }
  return filters;
}

function splitOutsideQuotes(text: string): string[] {
  const words: string[] = [];
  let current = '';
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    if (ch === ',' && !quoted) {
      words.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  words.push(current);
  return words.filter((w) => w.length > 0);
}

/** Processing units the way the HMC prints them: 32.0, 11.45, 0.5. */
export function formatProcUnits(units: number): string {
  const rounded = Math.round(units * 100) / 100;
  return Number.isInteger(rounded) ? rounded.toFixed(1) : String(rounded);
}

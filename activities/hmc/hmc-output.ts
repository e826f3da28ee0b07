// Parsers for HMC command output: `-F a,b` value lines (with or without --header) and `key=value,…` lines, both
// quote-aware (a value holding the delimiter is wrapped in double quotes; nested quotes are doubled). They never
// guess: a duplicate key, a missing or empty field, a row count that does not fit, or prose where records were
// expected is an error naming the device, the command, the line and the field.
// "No rows" is decided by structure: empty output, or the HMC's English `No results were found.`. Any other single
// line of prose is what a non-English HMC prints (corpus: test/fixtures/devices/hmc/no-results-pl.txt, HMC V7R7.9 in
// Polish): the HMC is refused with the fix named (LOCALE_FIX), since its messages cannot be read safely.
import { DeviceError } from '../ssh/device-errors.js';

export const NO_RESULTS = 'No results were found.';

/**
 * How to make an HMC answer in English: IBM's "HMC tasks, user roles, IDs, and associated commands" lists
 * "Change Language and Locale" with the chhmc/lshmc commands (`lshmc -L` lists the locales, `chhmc -c locale`
 * changes it); lpar2rrd instead runs each command with `LANG=en_US LC_ALL=en_US` in front.
 */
export const LOCALE_FIX =
  'set the HMC locale to English (lshmc -L lists the locales; chhmc -c locale -s modify -l en_US, then reboot ' +
  'the HMC), ' +
  "or give the Lazarus HMC user an English session (LANG=en_US), as IBM's 'Change Language and Locale' task describes";

/** The line (1-based) each parsed record came from, so field errors can name it. */
const recordLines = new WeakMap<object, number>();

/** Splits one line at `delimiter`, honouring "quoted" fields and "" inside them. */
export function splitQuoted(line: string, delimiter: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let value = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (i >= line.length) throw new Error(`unterminated quote in: ${line}`);
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            value += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += line[i++];
      }
      if (i < line.length && !line.startsWith(delimiter, i)) {
        throw new Error(`unexpected text after a quoted value in: ${line}`);
      }
    } else {
      const end = line.indexOf(delimiter, i);
      value = end < 0 ? line.slice(i) : line.slice(i, end);
      i = end < 0 ? line.length : end;
    }
    fields.push(value);
    if (i >= line.length) return fields;
    i += delimiter.length;
  }
}

/** `key=value,key="v1,v2",…` → record; a key given twice is an error (the HMC never repeats one). */
export function parseAttributes(line: string): Record<string, string> {
  const record: Record<string, string> = {};
  for (const field of splitQuoted(line, ',')) {
    const eq = field.indexOf('=');
    if (eq <= 0) throw new Error(`"${field}" is not key=value`);
    const key = field.slice(0, eq);
    if (Object.hasOwn(record, key)) throw new Error(`field ${key} appears twice`);
    record[key] = field.slice(eq + 1);
  }
  return record;
}

/** Non-blank lines with their 1-based line numbers. */
function numberedLines(stdout: string): Array<{ text: string; line: number }> {
  return stdout
    .split(/\r?\n/)
    .map((text, index) => ({ text, line: index + 1 }))
    .filter((entry) => entry.text.trim() !== '');
}

/** True when the output is the HMC's "nothing matched" (English) answer. */
function isNoResults(rows: Array<{ text: string }>): boolean {
  return rows.length === 1 && rows[0]!.text.trim() === NO_RESULTS;
}

/** The error for prose where records were expected: a non-English HMC, or an answer Lazarus does not know. */
export function proseError(device: string, command: string, line: number, text: string): DeviceError {
  const localized = /[^\x20-\x7e]/.test(text);
  const problem = localized
    ? `the HMC answered in a language other than English ("${text.trim()}"); ${LOCALE_FIX}`
    : `expected records, got "${text.trim()}"`;
  const message = `${device}: cannot read the output of "${command}" at line ${line}: ${problem}`;
  return new DeviceError('output', device, message, false, undefined, command, 'configuration');
}

/** Output of a listing without -F: one `key=value,…` record per line. */
export function parseAttributeLines(device: string, command: string, stdout: string): Array<Record<string, string>> {
  const rows = numberedLines(stdout);
  if (isNoResults(rows)) return [];
  return rows.map(({ text, line }) => {
    if (rows.length === 1 && !text.includes('=')) throw proseError(device, command, line, text);
    let record: Record<string, string>;
    try {
      record = parseAttributes(text);
    } catch (err) {
      throw outputError(device, command, line, (err as Error).message);
    }
    recordLines.set(record, line);
    return record;
  });
}

/** Output of `-F f1,f2 --header` (or without --header, when `fields` gives the names). */
export function parseFieldLines(
  device: string,
  command: string,
  stdout: string,
  fields: string[],
  delimiter = ',',
  header = true,
): Array<Record<string, string>> {
  const rows = numberedLines(stdout);
  if (rows.length === 0 || isNoResults(rows)) return [];
  let names = fields;
  let start = 0;
  if (header) {
    names = splitQuoted(rows[0]!.text, delimiter);
    start = 1;
    const duplicate = names.find((name, i) => names.indexOf(name) !== i);
    if (duplicate) throw outputError(device, command, rows[0]!.line, `field ${duplicate} appears twice in the header`);
    const missing = fields.filter((f) => !names.includes(f));
    if (missing.length === fields.length && rows.length === 1) {
      throw proseError(device, command, rows[0]!.line, rows[0]!.text);
    }
    if (missing.length > 0) throw outputError(device, command, rows[0]!.line, `header lacks ${missing.join(', ')}`);
  }
  return rows.slice(start).map(({ text, line }) => {
    let values: string[];
    try {
      values = splitQuoted(text, delimiter);
    } catch (err) {
      throw outputError(device, command, line, (err as Error).message);
    }
    if (values.length !== names.length) {
      if (!header && rows.length === 1 && values.length === 1) throw proseError(device, command, line, text);
      throw outputError(device, command, line, `${values.length} values for ${names.length} fields`);
    }
    const record = Object.fromEntries(names.map((name, i) => [name, values[i]!]));
    recordLines.set(record, line);
    return record;
  });
}

export function outputError(device: string, command: string, line: number, problem: string): DeviceError {
  const where = line > 0 ? ` at line ${line}` : '';
  const message = `${device}: cannot read the output of "${command}"${where}: ${problem}`;
  return new DeviceError('output', device, message, false, undefined, command);
}

/** The field's value; an error naming the command, the record's line and the field when it is missing. */
export function requireField(device: string, command: string, record: Record<string, string>, field: string): string {
  const value = record[field];
  if (value === undefined) {
    throw outputError(device, command, recordLines.get(record) ?? 0, `field ${field} is missing`);
  }
  return value;
}

/** A numeric field; missing, empty (the HMC never prints an empty number) or non-numeric is an error. */
export function numberField(device: string, command: string, record: Record<string, string>, field: string): number {
  const text = requireField(device, command, record, field).trim();
  const line = recordLines.get(record) ?? 0;
  if (text === '') throw outputError(device, command, line, `field ${field} is empty`);
  const value = Number(text);
  if (!Number.isFinite(value)) {
    throw outputError(device, command, line, `field ${field}="${record[field]}" is not a number`);
  }
  return value;
}

/** An optional numeric field (absent on older HMCs): `fallback` when absent, else as numberField. */
export function optionalNumberField(
  device: string,
  command: string,
  record: Record<string, string>,
  field: string,
  fallback: number,
): number {
  return record[field] === undefined ? fallback : numberField(device, command, record, field);
}

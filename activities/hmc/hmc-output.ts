// Parsers for HMC command output: `-F a,b` value lines (with or without --header) and `key=value,…` lines, both
// quote-aware (a value holding the delimiter is wrapped in double quotes; nested quotes are doubled), and
// `No results were found.` as an empty list. Tolerant of added fields; strict about shape, naming the line.
import { DeviceError } from '../ssh/device-errors.js';

export const NO_RESULTS = 'No results were found.';

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
      if (i < line.length && !line.startsWith(delimiter, i)) throw new Error(`unexpected text after a quoted value in: ${line}`);
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

/** `key=value,key="v1,v2",…` → record. */
export function parseAttributes(line: string): Record<string, string> {
  const record: Record<string, string> = {};
  for (const field of splitQuoted(line, ',')) {
    const eq = field.indexOf('=');
    if (eq <= 0) throw new Error(`"${field}" is not key=value`);
    record[field.slice(0, eq)] = field.slice(eq + 1);
  }
  return record;
}

function lines(stdout: string): string[] {
  const all = stdout.split(/\r?\n/).filter((line) => line.trim() !== '');
  return all.length === 1 && all[0]!.trim() === NO_RESULTS ? [] : all;
}

/** Output of a listing without -F: one `key=value,…` record per line. */
export function parseAttributeLines(device: string, command: string, stdout: string): Array<Record<string, string>> {
  return lines(stdout).map((line, index) => {
    try {
      return parseAttributes(line);
    } catch (err) {
      throw outputError(device, command, index + 1, (err as Error).message);
    }
  });
}

/** Output of `-F f1,f2 --header` (or without --header, when `fields` gives the names). */
export function parseFieldLines(device: string, command: string, stdout: string, fields: string[], delimiter = ',', header = true): Array<Record<string, string>> {
  const rows = lines(stdout);
  if (rows.length === 0) return [];
  let names = fields;
  let start = 0;
  if (header) {
    names = splitQuoted(rows[0]!, delimiter);
    start = 1;
    const missing = fields.filter((f) => !names.includes(f));
    if (missing.length > 0) throw outputError(device, command, 1, `header lacks ${missing.join(', ')}`);
  }
  return rows.slice(start).map((line, index) => {
    let values: string[];
    try {
      values = splitQuoted(line, delimiter);
    } catch (err) {
      throw outputError(device, command, start + index + 1, (err as Error).message);
    }
    if (values.length !== names.length) throw outputError(device, command, start + index + 1, `${values.length} values for ${names.length} fields`);
    return Object.fromEntries(names.map((name, i) => [name, values[i]!]));
  });
}

export function outputError(device: string, command: string, line: number, problem: string): DeviceError {
  return new DeviceError('output', device, `${device}: cannot read the output of "${command}" at line ${line}: ${problem}`, false, undefined, command);
}

export function requireField(device: string, command: string, record: Record<string, string>, field: string): string {
  const value = record[field];
  if (value === undefined) throw outputError(device, command, 0, `field ${field} is missing`);
  return value;
}

export function numberField(device: string, command: string, record: Record<string, string>, field: string): number {
  const value = Number(requireField(device, command, record, field));
  if (!Number.isFinite(value)) throw outputError(device, command, 0, `field ${field}="${record[field]}" is not a number`);
  return value;
}

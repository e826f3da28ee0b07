// Parsers for Spectrum Virtualize output: the concise view (header row + one row per object, parsed by column
// NAME so added columns in newer releases do not matter), the detailed view (`key:value` lines, repeated blocks
// after blank lines), and the id of a created object (`…, id [N], successfully created`).
import { DeviceError } from '../ssh/device-errors.js';

export const DELIMITER = ':';

export function outputError(device: string, command: string, line: number, problem: string): DeviceError {
  return new DeviceError('output', device, `${device}: cannot read the output of "${command}" at line ${line}: ${problem}`, false, undefined, command);
}

/** Splits a `-delim :` row; a `:` inside a value (e.g. a WWPN list) cannot be told apart, so callers keep such columns last or avoid them. */
function splitRow(line: string): string[] {
  return line.split(DELIMITER);
}

export function parseConcise(device: string, command: string, stdout: string): Array<Record<string, string>> {
  const rows = stdout.split(/\r?\n/).filter((line) => line.trim() !== '');
  if (rows.length === 0) return [];
  const header = splitRow(rows[0]!);
  if (!header.includes('id') && !header.includes('name')) throw outputError(device, command, 1, 'no header row (expected id and name columns)');
  return rows.slice(1).map((line, index) => {
    const values = splitRow(line);
    if (values.length < header.length) throw outputError(device, command, index + 2, `${values.length} values for ${header.length} columns`);
    // More values than columns: the last column's value contained the delimiter; rejoin it.
    const record: Record<string, string> = {};
    header.forEach((name, i) => {
      record[name] = i === header.length - 1 ? values.slice(i).join(DELIMITER) : values[i]!;
    });
    return record;
  });
}

/** Detailed view: the first block as a record, plus every block (for repeated keys such as per-port WWPN lines). */
export function parseDetailed(stdout: string): { fields: Record<string, string>; blocks: Array<Record<string, string>> } {
  const blocks: Array<Record<string, string>> = [];
  let current: Record<string, string> = {};
  for (const line of stdout.split(/\r?\n/)) {
    if (line.trim() === '') {
      if (Object.keys(current).length > 0) blocks.push(current);
      current = {};
      continue;
    }
    const index = line.indexOf(DELIMITER);
    const key = index < 0 ? line.trim() : line.slice(0, index);
    const value = index < 0 ? '' : line.slice(index + 1);
    if (key in current) {
      blocks.push(current);
      current = {};
    }
    current[key] = value;
  }
  if (Object.keys(current).length > 0) blocks.push(current);
  return { fields: blocks[0] ?? {}, blocks };
}

export function createdId(device: string, command: string, stdout: string): number {
  const match = /\[([0-9]+)\],? successfully created/.exec(stdout);
  if (!match) throw outputError(device, command, 1, `expected "…, id [N], successfully created", got "${stdout.trim()}"`);
  return Number(match[1]);
}

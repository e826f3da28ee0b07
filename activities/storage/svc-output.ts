// Parsers for Spectrum Virtualize output. They never guess: a missing column, a row whose field count differs from
// the header, an empty value where IBM's documentation does not allow one, a non-number in a numeric field, or a
// repeated key where the key must be unique are errors naming the command, the line and the field.
//
// Listings are requested with `-delim !` (what OpenStack Cinder's storwize driver uses for every listing:
// cinder/volume/drivers/ibm/storwize_svc/storwize_svc_common.py). `!` cannot occur in a name (naming rules: letters,
// digits, space, period, dash, underscore) nor in the other values Lazarus reads, while `:` does occur in values
// (iSCSI names, NQNs, IPv6 addresses), so `-delim :` could shift columns.
import { DeviceError } from '../ssh/device-errors.js';

/** The delimiter every listing is requested with; see the header comment for why not `:`. */
export const DELIMITER = '!';

export function outputError(device: string, command: string, line: number, problem: string): DeviceError {
  const text = `${device}: cannot read the output of "${command}" at line ${line}: ${problem}`;
  return new DeviceError('output', device, text, false, undefined, command, 'unknown');
}

/** One row of a concise view, read by column name; accessors fail (naming line and field) instead of guessing. */
export class ConciseRow {
  constructor(
    private readonly device: string,
    private readonly command: string,
    /** 1-based line of this row in the output. */
    readonly line: number,
    private readonly values: ReadonlyMap<string, string>,
  ) {}

  private fail(field: string, problem: string): DeviceError {
    return outputError(this.device, this.command, this.line, `field ${field} ${problem}`);
  }

  /** A value that may be empty by IBM's documentation (e.g. RC_name of a volume without remote copy). */
  optional(field: string): string {
    const value = this.values.get(field);
    if (value === undefined) throw this.fail(field, 'is missing');
    return value;
  }

  /** A value that must not be empty. */
  text(field: string): string {
    const value = this.optional(field);
    if (value === '') throw this.fail(field, 'is empty');
    return value;
  }

  /** A non-negative integer that must be present. */
  int(field: string): number {
    const value = this.text(field);
    if (!/^[0-9]+$/.test(value)) throw this.fail(field, `is not a number: "${value}"`);
    return Number(value);
  }
}

/**
 * Reads a concise view (`-delim !` unless `delimiter` says otherwise): a header row, then one row per object. `columns` are the fields the caller
 * reads; a header without one of them is an error (line 1). Columns the caller does not read may come and go
 * between releases. No output at all means no objects (the device prints no header for an empty list).
 */
export function parseConcise(
  device: string,
  command: string,
  stdout: string,
  columns: readonly string[],
  delimiter = DELIMITER,
): ConciseRow[] {
  const lines = stdout.split(/\r?\n/);
  while (lines.length > 0 && lines.at(-1)!.trim() === '') lines.pop();
  if (lines.length === 0) return [];
  const header = lines[0]!.split(delimiter);
  const seen = new Set<string>();
  for (const name of header) {
    if (seen.has(name)) throw outputError(device, command, 1, `column ${name} appears twice in the header`);
    seen.add(name);
  }
  const missing = columns.filter((name) => !seen.has(name));
  if (missing.length > 0) throw outputError(device, command, 1, `header lacks field ${missing.join(', ')}`);
  return lines.slice(1).map((text, index) => {
    const line = index + 2;
    const values = text.split(delimiter);
    if (values.length !== header.length) {
      throw outputError(device, command, line, `${values.length} values for ${header.length} columns`);
    }
    return new ConciseRow(device, command, line, new Map(header.map((name, i) => [name, values[i]!])));
  });
}

/** One `key value` line of a detailed view. */
export interface DetailLine {
  key: string;
  value: string;
  /** 1-based line in the output. */
  line: number;
  /** 0 for the object's own fields; 1, 2, … for the blocks that follow blank lines (e.g. lsvdisk's copies). */
  block: number;
}

/**
 * A detailed view (`lshost H`, `lsrcconsistgrp G`): one `key<delim>value` per line, in the device's order. Keys
 * may legitimately repeat (lshost prints `WWPN`, `node_logged_in_count`, `state` once per port; lsrcconsistgrp
 * prints `RC_rel_id`/`RC_rel_name` per relationship; lsvdisk starts a block per copy after a blank line), so each
 * accessor says whether it expects one value or many.
 */
export class DetailView {
  constructor(
    private readonly device: string,
    private readonly command: string,
    readonly lines: readonly DetailLine[],
  ) {}

  private fail(line: number, problem: string): DeviceError {
    return outputError(this.device, this.command, line, problem);
  }

  /**
   * A key that must appear exactly once among the object's own fields (block 0; its value may be empty); a second
   * occurrence is an error, never "the last one wins".
   */
  optional(key: string): string {
    const found = this.lines.filter((l) => l.key === key && l.block === 0);
    if (found.length === 0) throw this.fail(this.lines.length + 1, `field ${key} is missing`);
    if (found.length > 1) {
      throw this.fail(found[1]!.line, `field ${key} appears ${found.length} times; it must be unique`);
    }
    return found[0]!.value;
  }

  /** A unique key with a non-empty value. */
  text(key: string): string {
    const value = this.optional(key);
    if (value === '') throw this.fail(this.lineOf(key), `field ${key} is empty`);
    return value;
  }

  /** A unique key with a non-negative integer value. */
  int(key: string): number {
    const value = this.text(key);
    if (!/^[0-9]+$/.test(value)) throw this.fail(this.lineOf(key), `field ${key} is not a number: "${value}"`);
    return Number(value);
  }

  private lineOf(key: string): number {
    return this.lines.find((l) => l.key === key && l.block === 0)!.line;
  }

  /** Every value of a repeated key, in order (none is an empty list). */
  all(key: string): string[] {
    return this.lines.filter((l) => l.key === key).map((l) => l.value);
  }

  /**
   * Repeated groups that each start with `first` (e.g. a host's ports: WWPN, node_logged_in_count, state), read
   * up to the next `first`, a blank line or the end. Every key in `keys` must be present once in each group.
   */
  groups(first: string, keys: readonly string[]): Array<Record<string, string>> {
    const result: Array<Record<string, string>> = [];
    this.lines.forEach((start, index) => {
      if (start.key !== first) return;
      const group: Record<string, string> = { [first]: start.value };
      for (let next = index + 1; next < this.lines.length; next++) {
        const l = this.lines[next]!;
        if (l.key === first || l.block !== start.block) break;
        if (!keys.includes(l.key)) continue;
        if (l.key in group) throw this.fail(l.line, `field ${l.key} appears twice for ${first} ${start.value}`);
        group[l.key] = l.value;
      }
      const missing = keys.filter((k) => !(k in group));
      if (missing.length > 0) throw this.fail(start.line, `${first} ${start.value} lacks field ${missing.join(', ')}`);
      result.push(group);
    });
    return result;
  }
}

/**
 * Reads a detailed view printed with `-delim !`: the key is up to the first `!`, the value is the rest (values may
 * hold any character). Blank lines separate blocks (they are not keys). A non-blank line without the delimiter is an
 * error: it is not this format.
 */
export function parseDetailed(device: string, command: string, stdout: string, delimiter = DELIMITER): DetailView {
  const lines: DetailLine[] = [];
  let block = 0;
  stdout.split(/\r?\n/).forEach((text, index) => {
    if (text.trim() === '') {
      if (lines.at(-1)?.block === block) block++;
      return;
    }
    const at = text.indexOf(delimiter);
    if (at <= 0) throw outputError(device, command, index + 1, `expected "key${delimiter}value", got "${text}"`);
    lines.push({ key: text.slice(0, at), value: text.slice(at + 1), line: index + 1, block });
  });
  if (lines.length === 0) throw outputError(device, command, 1, 'no output for a detailed view');
  return new DetailView(device, command, lines);
}

/** The id of a created object from `…, id [N], successfully created` (mkhost, mkvdiskhostmap, mkfcmap). */
export function createdId(device: string, command: string, stdout: string): number {
  const match = /\[([0-9]+)\],? successfully created/.exec(stdout);
  if (!match) {
    throw outputError(device, command, 1, `expected "…, id [N], successfully created", got "${stdout.trim()}"`);
  }
  return Number(match[1]);
}

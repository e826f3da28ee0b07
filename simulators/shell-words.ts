/**
 * Splits a command line into words the way a POSIX shell does for simple commands:
 * whitespace separates words; single quotes keep everything literally; double quotes keep
 * everything except backslash escapes of `"`, `\`, `$` and backquote; a backslash outside
 * quotes escapes the next character. Pipes, redirections and substitutions are not supported
 * (the drivers must not rely on them), so `|`, `;`, `&`, `<`, `>` outside quotes are rejected.
 */
export class ShellSyntaxError extends Error {}

const SHELL_OPERATORS = new Set(['|', ';', '&', '<', '>', '`']);

export function splitShellWords(line: string): string[] {
  const words: string[] = [];
  let current = '';
  let inWord = false;
  let i = 0;
  while (i < line.length) {
    const ch = line[i] as string;
    if (ch === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new ShellSyntaxError("unexpected EOF while looking for matching `''");
      current += line.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (ch === '"') {
      const [text, next] = readDoubleQuoted(line, i + 1);
      current += text;
      inWord = true;
      i = next;
    } else if (ch === '\\') {
      if (i + 1 < line.length) current += line[i + 1];
      inWord = true;
      i += 2;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
      i += 1;
    } else if (SHELL_OPERATORS.has(ch)) {
      throw new ShellSyntaxError(`syntax error near unexpected token \`${ch}'`);
    } else {
      current += ch;
      inWord = true;
      i += 1;
    }
  }
  if (inWord) words.push(current);
  return words;
}

function readDoubleQuoted(line: string, start: number): [string, number] {
  let text = '';
  let i = start;
  while (i < line.length) {
    const ch = line[i] as string;
    if (ch === '"') return [text, i + 1];
    if (ch === '\\' && i + 1 < line.length && '"\\$`'.includes(line[i + 1] as string)) {
      text += line[i + 1];
      i += 2;
    } else {
      text += ch;
      i += 1;
    }
  }
  throw new ShellSyntaxError('unexpected EOF while looking for matching `"\'');
}

/** Quotes one word so that splitShellWords gives it back unchanged. */
export function quoteShellWord(word: string): string {
  if (/^[A-Za-z0-9_.,:=/@+-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

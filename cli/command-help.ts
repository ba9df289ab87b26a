/**
 * Every `hik-guard` command's help, in one layout: the usage forms (wrapped, continuation lines
 * under the first argument), what the command does, its options (descriptions in one column,
 * a flag too long for it gets its description on the next line), its exit codes. After a usage
 * error only the error and `shortUsage`, one line, are printed.
 */

export interface CommandHelp {
  /** The command word: `rotate`. */
  name: string;
  /** Each way to call it, without `hik-guard `, e.g. `rotate --host HOST [--port N] …`. */
  forms: readonly string[];
  /** The required part of the call for the one-line usage after an error, without `hik-guard `. */
  short: string;
  /** What the command does; paragraphs separated by a blank line. */
  about: string;
  /** Sub-commands, for commands that have them (`vault list`). */
  commands?: readonly (readonly [string, string])[];
  options: readonly (readonly [string, string])[];
  exitCodes: readonly (readonly [number, string])[];
}

const WIDTH = 100;
const INDENT = '  ';
/** Where option and sub-command descriptions start. */
const COLUMN = 26;
/** Where exit code meanings start. */
const CODE_COLUMN = 6;

export function formatHelp(help: CommandHelp): string {
  const out: string[] = [];
  help.forms.forEach((form, i) =>
    out.push(...usageLines(`hik-guard ${form}`, i === 0 ? 'Usage: ' : '       ')),
  );
  for (const paragraph of help.about.split('\n\n')) {
    out.push('', ...wrap(paragraph.replace(/\s+/g, ' ').trim(), WIDTH));
  }
  if (help.commands && help.commands.length > 0) out.push('', 'Commands:', ...table(help.commands, COLUMN));
  if (help.options.length > 0) out.push('', 'Options:', ...table(help.options, COLUMN));
  const codes = [...help.exitCodes]
    .sort(([a], [b]) => a - b)
    .map(([code, text]) => [String(code), text] as const);
  out.push('', 'Exit codes:', ...table(codes, CODE_COLUMN));
  return out.join('\n');
}

/** `Usage: hik-guard rotate --host HOST … (hik-guard rotate --help for more)`. */
export function shortUsage(help: CommandHelp): string {
  return `Usage: hik-guard ${help.short}  (hik-guard ${help.name} --help for more)`;
}

/** A usage form wrapped at spaces outside brackets, continuation lines under its first argument. */
function usageLines(form: string, lead: string): string[] {
  const words = topLevelWords(form);
  const [program = '', command = '', ...rest] = words;
  const head = `${lead}${program} ${command}`;
  const hang = ' '.repeat(head.length + 1);
  const lines: string[] = [];
  let line = head;
  for (const word of rest) {
    if (line.length + 1 + word.length > WIDTH && line.trim() !== '') {
      lines.push(line);
      line = hang + word;
    } else {
      line = `${line} ${word}`;
    }
  }
  lines.push(line);
  return lines;
}

/** Splits on spaces that are not inside [...] or (...), so an optional group stays on one line. */
function topLevelWords(text: string): string[] {
  const words: string[] = [];
  let depth = 0;
  let word = '';
  for (const ch of text) {
    if (ch === '[' || ch === '(') depth++;
    if (ch === ']' || ch === ')') depth--;
    if (ch === ' ' && depth === 0) {
      if (word) words.push(word);
      word = '';
    } else {
      word += ch;
    }
  }
  if (word) words.push(word);
  return words;
}

/** Terms indented, their descriptions wrapped in a column; a term too wide for it stands alone. */
function table(rows: readonly (readonly [string, string])[], column: number): string[] {
  const out: string[] = [];
  const pad = ' '.repeat(column);
  for (const [term, text] of rows) {
    const described = wrap(text, WIDTH - column).map((line) => pad + line);
    const first = INDENT + term;
    if (first.length + 2 <= column && described[0] !== undefined) {
      described[0] = first.padEnd(column) + described[0].slice(column);
      out.push(...described);
    } else {
      out.push(first, ...described);
    }
  }
  return out;
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines;
}

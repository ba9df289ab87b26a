/**
 * Every command's exit codes agree in the three places they live: what the code can return (read
 * from its sources: the EXIT codes its run function and the functions it calls return, plus 2 for
 * a usage error and 1 for an unexpected failure, which `main` answers for every command), what
 * `hik-guard <command> --help` lists (cli/command-help.ts layout, from cli/cli-io.ts EXIT), and
 * the exit table of the command's README section.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT } from '../../cli/cli-io';
import { COMMANDS } from '../../cli/hik-guard';
import { formatHelp } from '../../cli/command-help';

const root = join(__dirname, '..', '..');
const read = (path: string): string => readFileSync(join(root, path), 'utf8');
const EXIT_BY_NAME: Record<string, number> = EXIT;

/** Top-level functions of a module: name → body (from its first line to the first `}` at column 0). */
function functionsOf(source: string): Map<string, string> {
  const functions = new Map<string, string>();
  for (const match of source.matchAll(/^(?:export )?(?:async )?function (\w+)\([^]*?\n\}$/gm)) {
    functions.set(match[1] ?? '', match[0]);
  }
  return functions;
}

/** The exit codes `body` returns itself (EXIT.name or a literal) or through the functions it calls. */
function exitsOf(body: string, functions: Map<string, string>, seen = new Set<string>()): Set<number> {
  const codes = new Set<number>();
  for (const [, name] of body.matchAll(/\bEXIT\.(\w+)/g)) {
    const code = EXIT_BY_NAME[name ?? ''];
    assert.ok(code !== undefined, `EXIT.${name} is not in cli/cli-io.ts`);
    codes.add(code);
  }
  for (const [, literal] of body.matchAll(/\breturn (\d+);/g)) codes.add(Number(literal));
  for (const [name, called] of functions) {
    if (seen.has(name) || !new RegExp(`\\b${name}\\(`).test(body)) continue;
    seen.add(name);
    for (const code of exitsOf(called, functions, seen)) codes.add(code);
  }
  return codes;
}

function sourceOf(command: string): string {
  const path = `cli/${command}-command.ts`;
  return existsSync(join(root, path)) ? read(path) : read(`${command}/${command}-cli.ts`);
}

/** What the command can return: its run function, followed through its own and the shared helpers. */
function reachable(command: string): number[] {
  const source = sourceOf(command);
  const functions = new Map([...functionsOf(read('cli/rotation-exit.ts')), ...functionsOf(source)]);
  const run = [...functions].find(([name]) => /^run\w*Command$/.test(name) && source.includes(name));
  assert.ok(run, `no run…Command function in the sources of ${command}`);
  const codes = exitsOf(run[1], functions, new Set([run[0]]));
  // main(): a UsageError is exit 2, anything unexpected exit 1.
  codes.add(EXIT.usage).add(EXIT.failure);
  return [...codes].sort((a, b) => a - b);
}

const documented = (command: string): number[] =>
  (COMMANDS[command]?.help.exitCodes ?? []).map(([code]) => code).sort((a, b) => a - b);

/** Codes in the first column of the first `| exit |` table of the command's README section. */
function readmeCodes(command: string): number[] | null {
  const readme = read('README.md');
  const sections = readme.split(/^## /m);
  const section = sections.find((s) => s.startsWith(`\`hik-guard ${command}\``));
  if (!section) return null;
  const table = /^\| exit +\|.*\n\|[-| ]+\|\n((?:\|.*\|\n)+)/m.exec(section);
  assert.ok(table, `the README section of ${command} has no exit table`);
  const codes = new Set<number>();
  for (const line of (table[1] ?? '').trimEnd().split('\n')) {
    const cell = line.split('|')[1]?.trim() ?? '';
    for (const part of cell.split(',').map((p) => p.trim())) {
      const range = /^(\d+)(?:[–-](\d+))?$/.exec(part);
      assert.ok(range, `${command}: README exit cell '${cell}'`);
      const from = Number(range[1]);
      for (let code = from; code <= Number(range[2] ?? from); code += 1) codes.add(code);
    }
  }
  return [...codes].sort((a, b) => a - b);
}

describe('exit codes: the code, the help and the README agree', () => {
  const values = Object.values(EXIT);

  it('cli/cli-io.ts EXIT gives each meaning its own code', () => {
    assert.equal(new Set(values).size, values.length);
    assert.equal(EXIT.certificateChanged, 9, 'a changed certificate has its own code');
  });

  for (const command of Object.keys(COMMANDS)) {
    it(`${command}: --help lists exactly the codes it can return, each an EXIT value, once`, () => {
      const help = COMMANDS[command]!.help;
      const codes = help.exitCodes.map(([code]) => code);
      assert.equal(new Set(codes).size, codes.length, `a code listed twice: ${codes.join(', ')}`);
      for (const code of codes) assert.ok(values.includes(code as never), `${code} is not an EXIT value`);
      assert.deepEqual(documented(command), reachable(command));
      const text = formatHelp(help);
      for (const [code] of help.exitCodes) assert.match(text, new RegExp(`^ {2}${code} {3}\\S`, 'm'));
    });
  }

  for (const command of Object.keys(COMMANDS)) {
    it(`${command}: the README's exit table lists the codes of --help`, () => {
      const codes = readmeCodes(command);
      assert.ok(codes, `README.md has no section "## \`hik-guard ${command}\`"`);
      assert.deepEqual(codes, documented(command));
    });
  }

  it('every EXIT code is documented by some command', () => {
    const used = new Set(Object.keys(COMMANDS).flatMap(documented));
    assert.deepEqual(
      values.filter((code) => !used.has(code)),
      [],
    );
  });
});

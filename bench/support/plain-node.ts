/**
 * Runs a small benchmark helper written in TypeScript on plain node, without tsx: its own
 * compiler and loader would add tens of megabytes and their own CPU to a process whose footprint
 * is the figure. The file is transpiled alone (typescript's transpileModule, no type check), so it
 * may import node's built-in modules only.
 */
import { spawn, type ChildProcessByStdio, type SpawnOptions } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import * as ts from 'typescript';

const compiled = new Map<string, string>();

/** The plain-JavaScript copy of `tsFile` (made once per process). */
export function plainJavaScript(tsFile: string): string {
  const known = compiled.get(tsFile);
  if (known) return known;
  const { outputText } = ts.transpileModule(readFileSync(tsFile, 'utf8'), {
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
    },
    fileName: tsFile,
  });
  const file = join(
    mkdtempSync(join(tmpdir(), 'hik-bench-plain-')),
    basename(tsFile).replace(/\.ts$/, '.js'),
  );
  writeFileSync(file, outputText);
  compiled.set(tsFile, file);
  return file;
}

/** Starts `tsFile` on plain node with `args`; stdin and stdout piped, stderr inherited. */
export function spawnPlainNode(
  tsFile: string,
  args: readonly string[],
  options: Pick<SpawnOptions, 'env' | 'cwd'> = {},
): ChildProcessByStdio<Writable, Readable, null> {
  return spawn(process.execPath, [plainJavaScript(tsFile), ...args], {
    ...options,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
}

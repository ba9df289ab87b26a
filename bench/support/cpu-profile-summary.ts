/**
 * `npx tsx bench/support/cpu-profile-summary.ts <file.cpuprofile> [--top N]`: where a V8 CPU
 * profile (node --cpu-prof) spent its time, for BENCHMARKS.md: self time by area (this package's
 * modules by folder, each third-party package, node's internals, GC), the top functions by self
 * time, and the top functions of this package by total time (itself and what it called). Idle
 * time is left out of every percentage.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Which part of the process a script URL belongs to. */
export function areaOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg?.[1]) return pkg[1];
  if (url.startsWith('node:')) return 'node internals';
  const own = /\/dist\/((?:lib|cli|sim|nodes|plugins)\/[^/]+)\//.exec(url) ?? /\/dist\/(cli)\//.exec(url);
  if (own?.[1]) return own[1];
  return url;
}

function label(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url === '' ? '' : ` ${url.replace(/^.*\/(node_modules|dist)\//, '$1/')}:${lineNumber + 1}`;
  return `${functionName || '(anonymous)'}${where}`;
}

export function summarise(profile: CpuProfile, top = 25): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000));
  const idle = [...self].filter(([id]) => byId.get(id)?.callFrame.functionName === '(idle)');
  const idleMs = idle.reduce((sum, [, ms]) => sum + ms, 0);
  const busyMs = [...self.values()].reduce((a, b) => a + b, 0) - idleMs;
  const pct = (ms: number): string => `${((ms / busyMs) * 100).toFixed(1)} %`;

  const byArea = new Map<string, number>();
  const byFunction = new Map<string, number>();
  for (const [id, ms] of self) {
    const node = byId.get(id);
    if (!node || node.callFrame.functionName === '(idle)') continue;
    const area = areaOf(node.callFrame.url, node.callFrame.functionName);
    byArea.set(area, (byArea.get(area) ?? 0) + ms);
    byFunction.set(label(node), (byFunction.get(label(node)) ?? 0) + ms);
  }

  // Total time of this package's functions: self plus everything below, counted once per stack.
  const total = new Map<string, number>();
  const walk = (id: number, onStack: Set<string>): number => {
    const node = byId.get(id);
    if (!node) return 0;
    const name = label(node);
    const own = /\/dist\/(lib|cli)\//.test(node.callFrame.url) && !onStack.has(name);
    if (own) onStack.add(name);
    let ms = self.get(id) ?? 0;
    for (const child of node.children ?? []) ms += walk(child, onStack);
    if (own) {
      onStack.delete(name);
      total.set(name, (total.get(name) ?? 0) + ms);
    }
    return ms;
  };
  const root = profile.nodes[0];
  if (root) walk(root.id, new Set());

  const table = (entries: Map<string, number>, n: number): string[] =>
    [...entries]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, ms]) => `  ${ms.toFixed(1).padStart(8)} ms  ${pct(ms).padStart(7)}  ${name}`);
  return [
    `busy ${busyMs.toFixed(0)} ms (idle ${idleMs.toFixed(0)} ms left out)`,
    'self time by area:',
    ...table(byArea, 20),
    `top ${top} functions by self time:`,
    ...table(byFunction, top),
    `top ${top} functions of this package by total time:`,
    ...table(total, top),
  ].join('\n');
}

if (require.main === module) {
  const [file, flag, count] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: cpu-profile-summary <file.cpuprofile> [--top N]\n');
    process.exitCode = 2;
  } else {
    const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
    console.log(summarise(profile, flag === '--top' ? Number(count) : 25));
  }
}

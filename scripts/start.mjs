#!/usr/bin/env node
// `npm start`: builds when a source changed (scripts/build.mjs --if-stale, as a child), then runs the demo (dist/scripts/demo.js)
// inside this very process, so one process owns the simulator and Node-RED from then on.
//
// npm runs this under `sh -c` and passes a SIGTERM on to that shell only, which dies without
// passing it further. So besides SIGINT/SIGTERM, the end of the parent process stops the build
// here, and the demo watches its parent the same way once it runs (scripts/demo-process.ts).
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const parent = process.ppid;
const orphaned = () => process.ppid !== parent;

const build = spawn(process.execPath, [join(root, 'scripts', 'build.mjs'), '--if-stale'], {
  stdio: 'inherit',
});
const stopBuild = () => build.kill('SIGTERM');
process.on('SIGINT', stopBuild);
process.on('SIGTERM', stopBuild);
const parentWatch = setInterval(() => orphaned() && stopBuild(), 500);

build.once('error', (err) => {
  console.error(`start: the build did not run: ${err.message}`);
});
build.once('close', (code) => {
  clearInterval(parentWatch);
  process.off('SIGINT', stopBuild);
  process.off('SIGTERM', stopBuild);
  // The build printed why it failed; a stopped build or a vanished parent ends here too.
  if (code !== 0 || orphaned()) {
    process.exitCode = code || 1;
    return;
  }
  createRequire(import.meta.url)(join(root, 'dist', 'scripts', 'demo.js'));
});

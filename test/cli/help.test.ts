/**
 * Every command's help has the same layout (usage forms, description, options, exit codes) and a
 * usage error prints the error, then one short usage line, not the whole help.
 */
import assert from 'node:assert/strict';
import { runCli } from '../support/cli-run';

const COMMANDS = ['discover', 'status', 'rotate', 'reconcile', 'vault', 'watch', 'activate', 'audit', 'sim'];

describe('hik-guard help', () => {
  for (const command of COMMANDS) {
    it(`${command} --help: usage, description, options and exit codes in the shared layout`, async () => {
      const run = await runCli([command, '--help']);
      assert.equal(run.code, 0);
      assert.equal(run.stderr, '');
      const lines = run.stdout.trimEnd().split('\n');
      assert.ok(lines[0]!.startsWith(`Usage: hik-guard ${command} `), lines[0]);
      const sections = lines.filter((l) => /^[A-Z][a-z ]+:$/.test(l));
      assert.deepEqual(
        sections,
        command === 'vault' ? ['Commands:', 'Options:', 'Exit codes:'] : ['Options:', 'Exit codes:'],
      );
      for (const line of lines) assert.ok(line.length <= 100, `wider than 100 columns: ${line}`);
      // Continuation lines of the usage sit under the first argument.
      const usageEnd = lines.indexOf('');
      for (const line of lines.slice(1, usageEnd)) {
        assert.match(line, /^ {7}hik-guard |^ {17,}\S/, line);
      }
      // Option descriptions start in one column, the same in every command.
      const options = lines.slice(lines.indexOf('Options:') + 1, lines.indexOf('Exit codes:') - 1);
      assert.ok(options.length > 0);
      for (const line of options) {
        if (/^ {26}\S/.test(line)) continue;
        const term = /^ {2}(--\S+(?: \S+)*)/.exec(line)?.[1];
        assert.ok(term !== undefined, `not an option line: ${line}`);
        if (line.length === 2 + term.length) continue; // too wide: its description is on the next line
        assert.equal(line.slice(2 + term.length, 26).trim(), '', `description not in column 27: ${line}`);
        assert.match(line.slice(26), /^\S/, `description not in column 27: ${line}`);
      }
      const codes = lines.slice(lines.indexOf('Exit codes:') + 1);
      assert.ok(codes.some((l) => /^ {2}0 {3}\S/.test(l)));
      assert.ok(codes.some((l) => /^ {2}2 {3}usage error$/.test(l)));
    });
  }

  it('sim --help names its options, the password variable and that it stays on loopback', async () => {
    const run = await runCli(['sim', '--help']);
    for (const option of [
      '--devices N',
      '--base-address ADDR',
      '--port N',
      '--https',
      '--password-env VAR',
    ]) {
      assert.ok(run.stdout.includes(`  ${option} `), option);
    }
    assert.match(run.stdout, /HIK_SIM_PASSWORD/);
    assert.match(run.stdout, /127\.0\.0\.0\/8/);
    assert.ok(!run.stdout.includes('HikSim-Demo1'), 'the demo password is not printed');
  });

  it('a usage error prints the error first, then one short usage line', async () => {
    const run = await runCli(['rotate', '--host', '127.0.0.1']);
    assert.equal(run.code, 2);
    assert.deepEqual(run.stderr.trimEnd().split('\n'), [
      'hik-guard rotate: --vault FILE is required',
      'Usage: hik-guard rotate --host HOST (--https | --allow-http-password-change) --vault FILE [options]  ' +
        '(hik-guard rotate --help for more)',
    ]);
    assert.equal(run.stdout, '');
  });

  for (const [args, message] of [
    [['status'], /^hik-guard status: --host is required$/],
    [['discover', '--timeout', 'soon'], /^hik-guard discover: --timeout must be/],
    [['vault'], /^hik-guard vault: which one: list, show, export or repin\?$/],
    [['watch', '--interval', '0'], /^hik-guard watch: --interval must be/],
    [['activate', '--host', 'x'], /^hik-guard activate: --vault FILE is required$/],
    [['reconcile', '--bogus'], /^hik-guard reconcile: unknown option '--bogus'$/m],
    [['watch', '--targets', 'x'], /^hik-guard watch: unknown option '--targets' \(did you mean --target\?\)/],
    [['sim', '--devices', 'many'], /^hik-guard sim: --devices must be an integer/],
    [['audit'], /^hik-guard audit: --host or --vault is required$/],
  ] as const) {
    it(`hik-guard ${args.join(' ')}: the error, then "Usage: hik-guard ${args[0]} … --help for more"`, async () => {
      const run = await runCli([...args]);
      assert.equal(run.code, 2);
      const lines = run.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 2, run.stderr);
      assert.match(lines[0]!, message);
      assert.match(
        lines[1]!,
        new RegExp(`^Usage: hik-guard ${args[0]} .*  \\(hik-guard ${args[0]} --help for more\\)$`),
      );
    });
  }

  it('an unknown command is named, with a pointer to the list', async () => {
    const run = await runCli(['rotat']);
    assert.equal(run.code, 2);
    assert.deepEqual(run.stderr.trimEnd().split('\n'), [
      "hik-guard: unknown command 'rotat'",
      'Usage: hik-guard <command> [options]  (hik-guard --help for the commands)',
    ]);
  });

  it('the overview lists every command with its summary in one column', async () => {
    const run = await runCli(['--help']);
    assert.equal(run.code, 0);
    const rows = run.stdout.split('\n').filter((l) => /^ {2}[a-z]+ +\S/.test(l));
    assert.deepEqual(rows.map((r) => r.trim().split(' ')[0]).toSorted(), COMMANDS.toSorted());
    const starts = new Set(rows.map((r) => /^ {2}[a-z]+ +/.exec(r)![0].length));
    assert.equal(starts.size, 1, 'summaries start in one column');
  });
});

import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../../cli/hik-guard';
import type { CliIo } from '../../cli/cli-io';
import { CredentialVault } from '../../lib/vault/credential-vault';
import { CANARY, CANARY_PENDING, SECRET, SHARED_SECRET, TempDirs } from '../lib/vault/fixtures/vault-temp';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function runCli(
  args: string[],
  env: NodeJS.ProcessEnv = { HIK_GUARD_VAULT_KEY: SECRET },
): Promise<Run> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const chunks = { out: '', err: '' };
  stdout.on('data', (c: Buffer) => (chunks.out += c.toString()));
  stderr.on('data', (c: Buffer) => (chunks.err += c.toString()));
  const io: CliIo = { stdout, stderr, stdin: new PassThrough(), env };
  const code = await main(args, io);
  return { code, stdout: chunks.out, stderr: chunks.err };
}

function assertNoPassword(run: Run): void {
  for (const secret of [CANARY, CANARY_PENDING, SECRET, 'cam2-pw']) {
    assert.ok(!run.stdout.includes(secret), `${secret} on stdout`);
    assert.ok(!run.stderr.includes(secret), `${secret} on stderr`);
  }
}

const CAM1 = 'DS-2CD2386G2-IU20240201AAWRJ00000001';
const CAM2 = 'DS-7608NI-K220231101CCWRJ00000002';

describe('hik-guard vault', function () {
  this.timeout(20_000);
  const temp = new TempDirs();
  let dir: string;
  let file: string;

  beforeEach(async () => {
    dir = await temp.make();
    file = join(dir, 'vault.json');
    const vault = await CredentialVault.open(file, SHARED_SECRET);
    await vault.enrol({
      serial: CAM1,
      username: 'admin',
      password: 'first-pw',
      host: '127.0.0.1',
      port: 8443,
      protocol: 'https',
    });
    await vault.writePending(CAM1, CANARY);
    await vault.commitPending(CAM1, new Date('2025-03-01T10:00:00.000Z'));
    await vault.writePending(CAM1, CANARY_PENDING);
    await vault.enrol({ serial: CAM2, username: 'admin', password: 'cam2-pw' });
    await vault.close();
  });

  afterEach(() => temp.removeAll());

  it('list --json prints every device without any password', async () => {
    const run = await runCli(['vault', 'list', '--vault', file, '--json']);
    assert.equal(run.code, 0, run.stderr);
    const list = JSON.parse(run.stdout) as Record<string, unknown>[];
    assert.deepEqual(
      list.map((d) => [d.serial, d.username, d.state, d.pending, d.url]),
      [
        [CAM1, 'admin', 'pending', true, 'https://127.0.0.1:8443'],
        [CAM2, 'admin', 'ok', false, null],
      ],
    );
    assert.deepEqual(list[0]!.previous, [{ until: '2025-03-01T10:00:00.000Z' }]);
    assertNoPassword(run);
    assert.ok(!run.stdout.includes('first-pw'));
  });

  it('list prints a table, still without passwords', async () => {
    const run = await runCli(['vault', 'list', '--vault', file]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^SERIAL\s+USER\s+STATE/);
    assert.match(run.stdout, new RegExp(`^${CAM2}\\s+admin\\s+ok\\s+never\\s+-\\s+-$`, 'm'));
    assertNoPassword(run);
  });

  it('show --json prints the one object the owner asked for, with the passwords', async () => {
    const run = await runCli(['vault', 'show', CAM1, '--vault', file, '--json']);
    assert.equal(run.code, 0, run.stderr);
    const shown = JSON.parse(run.stdout) as Record<string, unknown>;
    assert.deepEqual(Object.keys(shown), [
      'serial',
      'username',
      'password',
      'previous',
      'state',
      'lastRotation',
      'pending',
      'tlsPin',
      'accounts',
    ]);
    assert.equal(shown.password, CANARY);
    assert.deepEqual(shown.previous, [{ password: 'first-pw', until: '2025-03-01T10:00:00.000Z' }]);
    assert.equal(shown.lastRotation, '2025-03-01T10:00:00.000Z');
    assert.equal((shown.pending as { password: string }).password, CANARY_PENDING);
    assert.equal(run.stdout.trim().split('\n').length, 1);
  });

  it('show without --json warns on stderr that passwords are on screen', async () => {
    const run = await runCli(['vault', 'show', CAM1, '--vault', file]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /passwords are shown on screen/);
    assert.match(run.stdout, new RegExp(`^Password\\s+${CANARY}$`, 'm'));
    assert.match(run.stdout, new RegExp(`^Pending\\s+${CANARY_PENDING} `, 'm'));
    assert.match(run.stdout, /^Previous\s+first-pw \(until 2025-03-01T10:00:00.000Z\)$/m);
  });

  it('show of an unknown serial exits 1', async () => {
    const run = await runCli(['vault', 'show', 'NOPE', '--vault', file]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /no device NOPE/);
  });

  it('export --format csv writes a 0600 file password managers import', async () => {
    const out = join(dir, 'export.csv');
    const run = await runCli(['vault', 'export', '--vault', file, '--format', 'csv', '--out', out]);
    assert.equal(run.code, 0, run.stderr);
    assertNoPassword(run);
    assert.equal((await stat(out)).mode & 0o777, 0o600);
    const lines = (await readFile(out, 'utf8')).split('\r\n');
    assert.equal(lines[0], 'name,url,username,password,notes');
    assert.ok(lines[1]!.startsWith(`Hikvision ${CAM1},https://127.0.0.1:8443,admin,${CANARY},`));
    assert.ok(
      lines[2]!.startsWith(
        `Hikvision ${CAM1} (pending change),https://127.0.0.1:8443,admin,${CANARY_PENDING},`,
      ),
    );
    assert.ok(lines[3]!.startsWith(`Hikvision ${CAM2},,admin,cam2-pw,`));
    assert.equal(lines[4], '');
  });

  it('export --format json holds every password, history included', async () => {
    const out = join(dir, 'export.json');
    const run = await runCli(['vault', 'export', '--vault', file, '--format', 'json', '--out', out]);
    assert.equal(run.code, 0, run.stderr);
    const exported = JSON.parse(await readFile(out, 'utf8')) as {
      format: string;
      devices: Record<string, unknown>[];
    };
    assert.equal(exported.format, 'hik-guard-vault-export');
    assert.deepEqual(
      exported.devices.map((d) => d.password),
      [CANARY, 'cam2-pw'],
    );
    assert.deepEqual(exported.devices[0]!.previous, [
      { password: 'first-pw', until: '2025-03-01T10:00:00.000Z' },
    ]);
    assert.equal((await stat(out)).mode & 0o777, 0o600);
  });

  it('export refuses to overwrite without --force; with it, the file is replaced and 0600', async () => {
    const out = join(dir, 'export.csv');
    await writeFile(out, 'keep me', { mode: 0o644 });
    const refused = await runCli(['vault', 'export', '--vault', file, '--format', 'csv', '--out', out]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /--force/);
    assert.equal(await readFile(out, 'utf8'), 'keep me');
    const forced = await runCli([
      'vault',
      'export',
      '--vault',
      file,
      '--format',
      'csv',
      '--out',
      out,
      '--force',
    ]);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal((await stat(out)).mode & 0o777, 0o600);
    assert.match(await readFile(out, 'utf8'), /^name,url/);
  });

  it('reads the key from --vault-key-file (trailing newline dropped)', async () => {
    const keyFile = join(dir, 'key');
    await writeFile(keyFile, `${SECRET}\n`, { mode: 0o600 });
    const run = await runCli(['vault', 'list', '--vault', file, '--vault-key-file', keyFile, '--json'], {});
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, '');
  });

  it('a wrong key exits 8 and changes nothing', async () => {
    const before = await readFile(file);
    const run = await runCli(['vault', 'list', '--vault', file], { HIK_GUARD_VAULT_KEY: 'wrong-key' });
    assert.equal(run.code, 8);
    assert.match(run.stderr, /key does not open the vault/);
    assert.ok(!run.stderr.includes('wrong-key'));
    assert.deepEqual(await readFile(file), before);
  });

  it('a vault damaged beyond its backup exits 8; with a good backup it reads it and warns', async () => {
    const good = await readFile(file);
    await writeFile(file, good.subarray(0, 200));
    const recovered = await runCli(['vault', 'list', '--vault', file, '--json']);
    assert.equal(recovered.code, 0, recovered.stderr);
    assert.match(recovered.stderr, /damaged .*read from .*vault\.json\.bak/);
    await writeFile(`${file}.bak`, 'garbage');
    const run = await runCli(['vault', 'list', '--vault', file]);
    assert.equal(run.code, 8);
    assert.match(run.stderr, /damaged/);
  });

  it('usage errors exit 2: no key, a key on the command line, missing options', async () => {
    const cases: [string[], NodeJS.ProcessEnv, RegExp][] = [
      [['vault', 'list', '--vault', file], {}, /HIK_GUARD_VAULT_KEY/],
      [['vault', 'list', '--vault', file, '--vault-key', SECRET], {}, /not accepted/],
      [['vault', 'list'], { HIK_GUARD_VAULT_KEY: SECRET }, /--vault FILE is required/],
      [['vault', 'show', '--vault', file], { HIK_GUARD_VAULT_KEY: SECRET }, /exactly one SERIAL/],
      [['vault', 'export', '--vault', file, '--out', 'x'], { HIK_GUARD_VAULT_KEY: SECRET }, /--format/],
      [['vault', 'export', '--vault', file, '--format', 'csv'], { HIK_GUARD_VAULT_KEY: SECRET }, /--out/],
      [['vault', 'rotate', '--vault', file], { HIK_GUARD_VAULT_KEY: SECRET }, /unknown subcommand/],
    ];
    for (const [args, env, message] of cases) {
      const run = await runCli(args, env);
      assert.equal(run.code, 2, args.join(' '));
      assert.match(run.stderr, message);
      assert.ok(!run.stderr.includes(SECRET), 'the key was echoed');
    }
  });

  it('works while a writer holds the vault lock', async () => {
    const writer = await CredentialVault.open(file, SHARED_SECRET);
    try {
      const run = await runCli(['vault', 'show', CAM2, '--vault', file, '--json']);
      assert.equal(run.code, 0, run.stderr);
    } finally {
      await writer.close();
    }
  });
});

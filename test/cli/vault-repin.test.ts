/**
 * `hik-guard vault repin`: a device whose certificate the vault pins presents another one. The
 * command shows both fingerprints and pins the new one only on an explicit confirmation (the
 * fingerprint itself, or "yes" typed at a terminal); a changed certificate exits 9 everywhere.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../../cli/hik-guard';
import type { CliIo } from '../../cli/cli-io';
import { LoginGuard } from '../../lib/isapi/login-guard';
import { CredentialVault } from '../../lib/vault/credential-vault';
import type { SimDevice } from '../../sim';
import { loadSimCertificate } from '../../sim/tls-certificates';
import { ADMIN_PASSWORD, SimHarness } from '../support/sim-devices';

const KEY = 'cli-repin-vault-key';
const OLD = new X509Certificate(loadSimCertificate('a').cert).fingerprint256;
const NEW = new X509Certificate(loadSimCertificate('b').cert).fingerprint256;
const OTHER = new X509Certificate(loadSimCertificate('c').cert).fingerprint256;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The CLI in this process; `typed` is what a user types at a terminal (stdin is one then). */
async function runCli(args: string[], typed?: string): Promise<Run> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const stdin = Object.assign(new PassThrough(), { isTTY: typed !== undefined });
  const chunks = { out: '', err: '' };
  stdout.on('data', (c: Buffer) => (chunks.out += c.toString()));
  stderr.on('data', (c: Buffer) => (chunks.err += c.toString()));
  if (typed !== undefined) {
    // Typed once the prompt is up, as a person would.
    stderr.on('data', (c: Buffer) => {
      if (c.toString().includes('Type yes')) stdin.end(typed);
    });
  }
  const io: CliIo = {
    stdout,
    stderr,
    stdin,
    env: { HIK_GUARD_VAULT_KEY: KEY, HIK_PW: ADMIN_PASSWORD },
    loginGuard: new LoginGuard(),
  };
  const code = await main(args, io);
  return { code, stdout: chunks.out, stderr: chunks.err };
}

describe('hik-guard vault repin', function () {
  this.timeout(20_000);
  const sim = new SimHarness();
  let dir: string;
  let vaultFile: string;
  let camera: SimDevice;

  async function pinOf(serial: string): Promise<string | null | undefined> {
    const vault = await CredentialVault.open(vaultFile, KEY, { readOnly: true });
    try {
      return vault.get(serial)?.tlsPin;
    } finally {
      await vault.close();
    }
  }

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hik-cli-repin-'));
    vaultFile = join(dir, 'vault.json');
    camera = await sim.device({ certificate: 'a' }, true);
    const vault = await CredentialVault.open(vaultFile, KEY);
    await vault.enrol({
      serial: camera.serialNumber,
      username: 'admin',
      password: ADMIN_PASSWORD,
      host: camera.host!,
      port: camera.port!,
      protocol: 'https',
      tlsPin: OLD,
    });
    await vault.close();
    camera.useCertificate('b');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
    await sim.stop();
  });

  const repin = (...extra: string[]) => [
    'vault',
    'repin',
    camera.serialNumber,
    '--vault',
    vaultFile,
    ...extra,
  ];

  it('a changed certificate exits 9 from rotate, sending nothing; repin with its fingerprint makes rotate work again', async () => {
    const rotate = ['rotate', '--host', camera.host!, '--port', String(camera.port), '--https'];
    const refused = await runCli([...rotate, '--vault', vaultFile, '--settle', '0.01', '--json']);
    assert.equal(refused.code, 9, refused.stderr);
    assert.equal((JSON.parse(refused.stdout) as { reason: string }).reason, 'HIK_ERR_CERT_CHANGED');
    assert.equal(camera.counters.requests, 0);

    const run = await runCli(repin('--fingerprint', NEW));
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`^Pinned {5}${OLD}$`, 'm'));
    assert.match(run.stdout, new RegExp(`^Presented {2}${NEW}$`, 'm'));
    assert.match(run.stdout, /Pinned the new certificate/);
    assert.equal(await pinOf(camera.serialNumber), NEW);
    assert.equal(camera.counters.requests, 0, 'repin sends no request');

    const rotated = await runCli([...rotate, '--vault', vaultFile, '--settle', '0.01']);
    assert.equal(rotated.code, 0, rotated.stderr);
    assert.equal(camera.counters.failedLogins, 0);
  });

  it('without a confirmation and without a terminal: shows both fingerprints, pins nothing, exits 9', async () => {
    const run = await runCli(repin());
    assert.equal(run.code, 9);
    assert.match(run.stdout, new RegExp(`^Pinned {5}${OLD}$`, 'm'));
    assert.match(run.stdout, new RegExp(`^Presented {2}${NEW}$`, 'm'));
    assert.match(run.stderr, new RegExp(`not re-pinned.*--fingerprint ${NEW}`));
    assert.equal(await pinOf(camera.serialNumber), OLD);

    const json = await runCli(repin('--json'));
    assert.equal(json.code, 9);
    assert.deepEqual(JSON.parse(json.stdout), {
      serial: camera.serialNumber,
      host: camera.host,
      port: camera.port,
      pinned: OLD,
      presented: NEW,
      result: 'not_confirmed',
    });
  });

  it('at a terminal, pins only when "yes" is typed', async () => {
    const declined = await runCli(repin(), 'no\n');
    assert.equal(declined.code, 9);
    assert.equal(await pinOf(camera.serialNumber), OLD);

    const accepted = await runCli(repin(), 'yes\n');
    assert.equal(accepted.code, 0, accepted.stderr);
    assert.match(accepted.stderr, /Trust it only if you replaced the certificate/);
    assert.equal(await pinOf(camera.serialNumber), NEW);
  });

  it('a fingerprint other than the presented one exits 9 and pins nothing', async () => {
    const run = await runCli(repin('--fingerprint', OTHER, '--json'));
    assert.equal(run.code, 9);
    assert.equal(
      (JSON.parse(run.stdout) as { error: { code: string } }).error.code,
      'HIK_ERR_CERT_NOT_CONFIRMED',
    );
    assert.equal(await pinOf(camera.serialNumber), OLD);
  });

  it('a device presenting the pinned certificate: nothing to change, exit 0', async () => {
    camera.useCertificate('a');
    const run = await runCli(repin('--json'));
    assert.equal(run.code, 0, run.stderr);
    assert.equal((JSON.parse(run.stdout) as { result: string }).result, 'unchanged');
  });

  it('shows the pin in vault show and vault list', async () => {
    const show = await runCli(['vault', 'show', camera.serialNumber, '--vault', vaultFile, '--json']);
    assert.equal((JSON.parse(show.stdout) as { tlsPin: string }).tlsPin, OLD);
    const human = await runCli(['vault', 'show', camera.serialNumber, '--vault', vaultFile]);
    assert.match(human.stdout, new RegExp(`^TLS pin +${OLD}$`, 'm'));
    const list = await runCli(['vault', 'list', '--vault', vaultFile, '--json']);
    assert.equal((JSON.parse(list.stdout) as { tlsPin: string }[])[0]?.tlsPin, OLD);
    const table = await runCli(['vault', 'list', '--vault', vaultFile]);
    assert.match(table.stdout, /TLS PIN \(SHA-256\)/);
    assert.ok(table.stdout.includes(OLD));
  });

  it('exits 5 when the device does not answer, 8 while another process holds the vault, 1 without a vault', async () => {
    const unreachable = await runCli(repin('--host', '127.0.0.1', '--port', '9', '--timeout', '1'));
    assert.equal(unreachable.code, 5, unreachable.stderr);

    const writer = await CredentialVault.open(vaultFile, KEY);
    try {
      const held = await runCli(repin('--fingerprint', NEW));
      assert.equal(held.code, 8);
      assert.match(held.stderr, /Trust the new certificate/);
    } finally {
      await writer.close();
    }
    assert.equal(await pinOf(camera.serialNumber), OLD);

    const missing = join(dir, 'none.json');
    const none = await runCli(['vault', 'repin', camera.serialNumber, '--vault', missing]);
    assert.equal(none.code, 1);
    await assert.rejects(access(missing), 'no empty vault was created');
  });

  it('usage errors exit 2: a malformed fingerprint, repin options on other subcommands, no serial', async () => {
    for (const args of [
      repin('--fingerprint', 'AB:CD'),
      ['vault', 'list', '--vault', vaultFile, '--fingerprint', NEW],
      ['vault', 'repin', '--vault', vaultFile],
      repin('--port', '443'),
    ]) {
      const run = await runCli(args);
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
    }
  });
});

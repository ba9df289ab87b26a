import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { activateDevice } from '../../lib/isapi/endpoints/activation';
import { IsapiClient } from '../../lib/isapi/isapi-client';
import { LoginGuard } from '../../lib/isapi/login-guard';
import { sharedSadpSockets } from '../../lib/runtime';
import { CredentialVault } from '../../lib/vault/credential-vault';
import { SimFleet, type SimDevice } from '../../sim';
import { runCli, startCli, type RunningCli } from '../support/cli-run';
import { LOOPBACK_SPEC } from '../support/sadp-test-network';

const ADMIN = 'Watch-Cli-Admin-7!';
const STRANGER = 'Str4nger-Cl41med';
const KEY = 'cli-watch-vault-key';
const CAMERA = 'DS-2CD2386G2-IU20240201AAWRJ00000601';
const OTHER = 'DS-2CD2143G2-I20230511AAWRJ00000602';

interface Line {
  serial: string;
  from: string;
  to: string;
  at: string;
  kind: string;
  event: string | null;
  evidence: Record<string, unknown>;
}

const parse = (line: string): Line => JSON.parse(line) as Line;
/** `watch` of these devices' addresses only, polled every second, JSON lines. */
const watchTargets = (...devices: SimDevice[]): RunningCli =>
  startCli([
    'watch',
    ...devices.flatMap((device) => ['--target', device.host!]),
    '--interface',
    LOOPBACK_SPEC,
    '--interval',
    '1',
    '--json',
  ]);
const isTo = (serial: string, to: string) => (line: string) => {
  const l = parse(line);
  return l.serial === serial && l.kind === 'transition' && l.to === to;
};

describe('hik-guard watch', function () {
  this.timeout(15_000);
  let fleet: SimFleet;
  let camera: SimDevice;
  let other: SimDevice;
  let running: RunningCli | null = null;
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hik-cli-watch-'));
    fleet = await SimFleet.start({
      devices: [
        { adminPassword: ADMIN, serialNumber: CAMERA, macAddress: '44:19:b6:5e:06:01' },
        { adminPassword: ADMIN, serialNumber: OTHER, macAddress: '44:19:b6:5e:06:02' },
      ],
      port: 0,
      sadp: { announceOnStart: false },
    });
    [camera, other] = fleet.devices as [SimDevice, SimDevice];
    camera.profile.rebootMs = 20;
  });
  afterEach(async () => {
    await running?.stop();
    running = null;
    await fleet.stop();
    await rm(dir, { recursive: true, force: true });
    assert.equal(sharedSadpSockets().openSockets, 0, 'the command closed its sockets');
  });

  it('prints a factory reset as an inactive JSON line from the device’s Hello, with zero logins', async () => {
    running = startCli(['watch', '--interface', LOOPBACK_SPEC, '--json']);
    const found = parse(await running.line('the camera found', isTo(CAMERA, 'active')));
    assert.equal(found.from, 'unknown');
    await running.line('the other device found', isTo(OTHER, 'active'));
    await camera.factoryReset();
    const inactive = parse(await running.line('inactive', isTo(CAMERA, 'inactive')));
    assert.equal(inactive.from, 'active');
    assert.ok(!Number.isNaN(Date.parse(inactive.at)), 'at is an ISO time');
    assert.deepEqual(
      {
        signal: inactive.evidence.signal,
        via: inactive.evidence.via,
        activated: inactive.evidence.activated,
      },
      { signal: 'sadp', via: 'hello', activated: false },
    );
    const result = await running.stop();
    running = null;
    assert.equal(result.code, 0, result.stderr);
    assert.equal(
      result.stdout.split('\n').filter((l) => l !== '' && parse(l).to === 'inactive').length,
      1,
      'one line per transition',
    );
    for (const device of [camera, other]) {
      assert.equal(device.counters.authenticatedRequests, 0);
      assert.equal(device.counters.failedLogins, 0);
    }
  });

  it('with --target asks only that address, then polls activateStatus on the port SADP reported', async () => {
    running = watchTargets(camera);
    await running.line('the camera found', isTo(CAMERA, 'active'));
    // From here on only the poll can see the reset: the camera no longer answers SADP.
    await fleet.sadpResponders[0]?.stop();
    await camera.factoryReset();
    const inactive = parse(await running.line('inactive', isTo(CAMERA, 'inactive')));
    assert.deepEqual(inactive.evidence, { signal: 'activateStatus', activated: false });
    const result = await running.stop();
    running = null;
    assert.equal(result.code, 0, result.stderr);
    assert.ok(!result.stdout.includes(OTHER), 'the device not targeted is not watched');
    assert.equal(fleet.sadpResponders[1]?.counters.inquiries, 0, 'no group inquiry went out');
    assert.equal(camera.counters.authenticatedRequests, 0);
    assert.equal(camera.counters.failedLogins, 0);
    assert.equal(other.counters.requests, 0);
  });

  it('with --target asks by SADP every round only where the poll failed; an answering device about once in ten', async function () {
    this.timeout(40_000);
    running = watchTargets(camera, other);
    await running.line('the camera found', isTo(CAMERA, 'active'));
    await running.line('the other found', isTo(OTHER, 'active'));
    const [cameraSadp, otherSadp] = [fleet.sadpResponders[0]!, fleet.sadpResponders[1]!];
    // The camera's HTTP stops answering (the connection dropped on every request); SADP still does.
    camera.faults.inject({ kind: 'dropConnection', path: '/SDK/activateStatus', times: 'always' });
    // Once the other device answered polls in rounds after the fault, only the camera is due.
    const deadline0 = Date.now() + 8_000;
    while (other.counters.requests < 3) {
      if (Date.now() > deadline0) throw new Error('the other device was not polled');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const [cameraBefore, otherBefore] = [cameraSadp.counters.inquiries, otherSadp.counters.inquiries];
    // Three more rounds at the camera: three inquiries a scan (lib/sadp/sadp-scanner.ts).
    const deadline = Date.now() + 15_000;
    while (cameraSadp.counters.inquiries - cameraBefore < 9) {
      if (Date.now() > deadline) throw new Error('the camera was not asked every round');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const otherAsked = otherSadp.counters.inquiries - otherBefore;
    assert.ok(otherAsked <= 3, `the answering device was asked ${otherAsked} times in three rounds`);
    const result = await running.stop();
    running = null;
    assert.equal(result.code, 0, result.stderr);
    assert.equal(camera.counters.authenticatedRequests + other.counters.authenticatedRequests, 0);
  });

  it('with --target reports a device that stopped answering as offline after three failed polls, not when SADP forgets it', async function () {
    this.timeout(30_000);
    running = watchTargets(camera);
    await running.line('the camera found', isTo(CAMERA, 'active'));
    await fleet.sadpResponders[0]?.stop();
    await camera.close();
    // The SADP service remembers a device for 45 s; that memory is no sign of life.
    const offline = parse(await running.line('offline', isTo(CAMERA, 'offline'), 10_000));
    assert.equal(offline.evidence.failedPolls, 3);
    const result = await running.stop();
    running = null;
    assert.equal(result.code, 0, result.stderr);
  });

  it('with --vault flags a known device that a stranger activated after a reset', async () => {
    const vaultFile = join(dir, 'vault.json');
    const vault = await CredentialVault.open(vaultFile, KEY);
    await vault.enrol({
      serial: CAMERA,
      username: 'admin',
      password: ADMIN,
      host: camera.host!,
      port: camera.port!,
      protocol: 'http',
    });
    await vault.close();
    running = startCli(
      ['watch', '--interface', LOOPBACK_SPEC, '--vault', vaultFile, '--interval', '1', '--json'],
      {
        HIK_GUARD_VAULT_KEY: KEY,
      },
    );
    await running.line('the camera found', isTo(CAMERA, 'active'));
    await camera.factoryReset();
    await running.line('inactive', isTo(CAMERA, 'inactive'));
    const stranger = new IsapiClient({
      host: camera.host!,
      port: camera.port!,
      protocol: 'http',
      guard: new LoginGuard(),
    });
    await activateDevice(stranger, STRANGER);
    await stranger.close();
    const lost = parse(await running.line('auth_failed', isTo(CAMERA, 'auth_failed')));
    assert.equal(lost.evidence.reason, 'activated_by_someone_else');
    const result = await running.stop();
    running = null;
    assert.equal(result.code, 0, result.stderr);
    const after = await CredentialVault.open(vaultFile, KEY);
    try {
      assert.equal(after.get(CAMERA)?.state, 'needs_attention');
    } finally {
      await after.close();
    }
    assert.equal(camera.counters.failedLogins, 0);
    assert.equal(camera.counters.authenticatedRequests, 0);
  });

  it('prints human lines without --json and rejects unusable options with exit code 2', async () => {
    running = startCli(['watch', '--interface', LOOPBACK_SPEC]);
    const line = await running.line('the camera found', (l) => l.includes(CAMERA));
    assert.match(
      line,
      new RegExp(
        `^\\S+Z  ${CAMERA} ${camera.host!.replace(/\./g, '\\.')}  unknown -> active  \\[signal=sadp via=probeMatch activated=true`,
      ),
    );
    const result = await running.stop();
    running = null;
    assert.equal(result.code, 0);
    for (const args of [
      ['--interval', '0'],
      ['--interval', 'often'],
      ['--target', 'http://cam'],
      ['--interface', 'no-such-if0'],
      ['--vault-key-file', join(dir, 'key')],
      ['--vault', join(dir, 'vault.json')],
      ['--password', 'x'],
    ]) {
      const run = await runCli(['watch', ...args]);
      assert.equal(run.code, 2, args.join(' '));
      assert.match(run.stderr, /Usage: hik-guard watch/);
    }
  });
});

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { activateDevice } from '../../../lib/isapi/endpoints/activation';
import { IsapiClient } from '../../../lib/isapi/isapi-client';
import { LoginGuard } from '../../../lib/isapi/login-guard';
import type { DeviceChange } from '../../../lib/monitor/activation-monitor';
import { FleetWatch } from '../../../lib/fleet/fleet-watch';
import { sharedSadpSockets } from '../../../lib/runtime';
import { CredentialVault } from '../../../lib/vault/credential-vault';
import { SimFleet, type SimDevice } from '../../../sim';
import { LOOPBACK } from '../../support/sadp-test-network';

const ADMIN = 'Watch-Admin-42!';
const STRANGER = 'Str4nger-Owns-It';
const SECRET = 'reset-watch-test-secret';
const CAMERA = 'DS-2CD2386G2-IU20240201AAWRJ00000501';

async function until(what: string, predicate: () => boolean, ms = 4000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('reset watch against the simulator', function () {
  this.timeout(15_000);
  let fleet: SimFleet;
  let camera: SimDevice;
  let watch: FleetWatch | null = null;
  let vault: CredentialVault | null = null;
  let dir: string;
  let changes: DeviceChange[];
  let errors: Error[];
  let guard: LoginGuard;
  let skew = 0;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hik-reset-watch-'));
    fleet = await SimFleet.start({
      devices: [{ adminPassword: ADMIN, serialNumber: CAMERA, macAddress: '44:19:b6:5e:05:01' }],
      port: 0,
      sadp: { announceOnStart: false },
      // Boot times have whole seconds: a reboot moves the clock on.
      clock: () => Date.now() + skew,
    });
    camera = fleet.devices[0] as SimDevice;
    camera.profile.rebootMs = 20;
    changes = [];
    errors = [];
    guard = new LoginGuard();
  });
  afterEach(async () => {
    await watch?.stop();
    watch = null;
    await vault?.close();
    vault = null;
    await fleet.stop();
    await rm(dir, { recursive: true, force: true });
    assert.equal(sharedSadpSockets().openSockets, 0, 'every SADP socket closed');
    assert.equal(camera.counters.locksTriggered, 0);
  });

  async function openVault(enrol: boolean): Promise<CredentialVault> {
    vault = await CredentialVault.open(join(dir, 'vault.json'), SECRET);
    if (enrol) {
      await vault.enrol({
        serial: CAMERA,
        username: 'admin',
        password: ADMIN,
        host: camera.host!,
        port: camera.port!,
        protocol: 'http',
      });
    }
    return vault;
  }

  async function startWatch(options: {
    passive: boolean;
    reclaim?: boolean;
    vault?: CredentialVault | null;
    /** Called with each change before the watch acts on it (e.g. starts a re-claim). */
    beforeAction?: (change: DeviceChange) => void;
  }): Promise<FleetWatch> {
    watch = new FleetWatch({
      pollIntervalMs: 0,
      offlineAfterFailures: 2,
      sadp: options.passive
        ? { interfaces: [LOOPBACK], sockets: sharedSadpSockets(), passive: true, scanIntervalMs: 0 }
        : null,
      vault: options.vault ?? null,
      reclaim: options.reclaim ? { allowed: (serial) => serial === CAMERA } : null,
      guard,
      onChange: (c) => {
        changes.push(c);
        options.beforeAction?.(c);
      },
      onError: (e) => errors.push(e),
    });
    watch.watch(CAMERA, {
      name: 'Garage',
      poll: { host: camera.host!, port: camera.port!, protocol: 'http' },
    });
    await watch.start();
    await watch.pollNow();
    assert.deepEqual(
      changes.map((c) => c.to),
      ['active'],
    );
    changes.length = 0;
    return watch;
  }

  const alerts = (): (string | null)[] => changes.map((c) => c.alert).filter((a) => a !== null);

  it('a full factory reset is inactive from its Hello, confirmed by one free activateStatus at its address', async () => {
    await startWatch({ passive: true });
    const requestsBefore = camera.counters.requests;
    const pollsBefore = camera.counters.requestsByPath.get('GET /SDK/activateStatus') ?? 0;
    await camera.factoryReset();
    await until('inactive', () => changes.some((c) => c.to === 'inactive'));
    const inactive = changes.find((c) => c.to === 'inactive');
    assert.ok(inactive);
    assert.equal(inactive.serial, CAMERA);
    assert.equal(inactive.from, 'active');
    assert.equal(inactive.evidence.via, 'hello');
    assert.equal(inactive.evidence.confirmed, true);
    assert.equal(inactive.name, 'Garage');
    assert.deepEqual(alerts(), ['inactive']);
    assert.equal(camera.counters.requests, requestsBefore + 1, 'one request: the confirming poll');
    assert.equal(camera.counters.requestsByPath.get('GET /SDK/activateStatus'), pollsBefore + 1);
    assert.equal(camera.counters.authenticatedRequests, 0);
    assert.equal(camera.counters.failedLogins, 0);
    assert.deepEqual(errors, []);
  });

  it('without SADP the next activateStatus poll finds the reset, spending no login', async () => {
    await startWatch({ passive: false });
    await camera.factoryReset();
    await watch!.pollNow();
    assert.deepEqual(
      changes.map((c) => [c.from, c.to, c.evidence.signal]),
      [['active', 'inactive', 'activateStatus']],
    );
    assert.equal(camera.counters.authenticatedRequests, 0);
    assert.equal(camera.counters.failedLogins, 0);
  });

  it('a reboot that keeps the password is a rebooted event, not an alarm', async () => {
    await startWatch({ passive: true });
    await watch!.scanNow();
    skew += 120_000;
    await camera.reboot();
    await until('rebooted', () => changes.some((c) => c.event === 'rebooted'));
    await watch!.pollNow();
    assert.deepEqual(
      changes.map((c) => [c.kind, c.event ?? c.to]),
      [['event', 'rebooted']],
    );
    assert.deepEqual(alerts(), []);
  });

  it('a basic restore (settings reset, password kept) is a rebooted event, not an alarm', async () => {
    await startWatch({ passive: true });
    await watch!.scanNow();
    skew += 120_000;
    await camera.basicRestore();
    await until('rebooted', () => changes.some((c) => c.event === 'rebooted'));
    await watch!.pollNow();
    assert.deepEqual(
      changes.map((c) => [c.kind, c.event ?? c.to]),
      [['event', 'rebooted']],
    );
    assert.deepEqual(alerts(), []);
  });

  it('network flaps give no alert storm: offline once per real outage, no alerts', async () => {
    await startWatch({ passive: false });
    camera.faults.inject({ kind: 'dropConnection', path: '/SDK/activateStatus', times: 4 });
    for (let i = 0; i < 4; i += 1) await watch!.pollNow();
    await watch!.pollNow();
    assert.deepEqual(
      changes.map((c) => c.to),
      ['offline', 'active'],
    );
    assert.deepEqual(alerts(), []);
  });

  it('a reset then activation by a third party is one ownership_lost, the vault stops using the password, zero logins', async () => {
    const v = await openVault(true);
    await startWatch({ passive: true, vault: v });
    await camera.factoryReset();
    await until('inactive', () => changes.some((c) => c.to === 'inactive'));
    const stranger = new IsapiClient({
      host: camera.host!,
      port: camera.port!,
      protocol: 'http',
      guard: new LoginGuard(),
    });
    await activateDevice(stranger, STRANGER);
    await stranger.close();
    await watch!.pollNow();
    await watch!.settled();
    assert.deepEqual(
      changes.map((c) => [c.event, c.to]),
      [
        [null, 'inactive'],
        ['ownership_lost', 'auth_failed'],
        [null, 'auth_failed'],
      ],
    );
    assert.deepEqual(alerts(), ['inactive', 'ownership_lost']);
    assert.equal(v.get(CAMERA)?.state, 'needs_attention');
    assert.equal(v.get(CAMERA)?.attentionReason, 'ownership_lost');
    assert.equal(camera.counters.failedLogins, 0);
    assert.equal(camera.counters.authenticatedRequests, 0);
  });

  it('re-claims a reset camera: pending first, activated, verified, committed, reported reclaimed', async () => {
    const v = await openVault(true);
    await startWatch({ passive: true, vault: v, reclaim: true });
    await camera.factoryReset();
    await until('reclaimed', () => changes.some((c) => c.event === 'reclaimed'));
    await watch!.settled();
    const record = v.get(CAMERA);
    assert.ok(record);
    assert.equal(record.state, 'ok');
    assert.equal(record.pending, null);
    assert.notEqual(record.password, ADMIN);
    assert.equal(camera.state.admin.password, record.password, 'the vault holds the device’s password');
    assert.equal(record.previous[0]?.password, ADMIN, 'the old password is kept in the history');
    assert.equal(camera.counters.activations, 1);
    assert.equal(camera.counters.failedLogins, 0);
    assert.deepEqual(alerts(), ['inactive', 'reclaimed']);
    assert.equal(changes.at(-1)?.to, 'active');
    assert.deepEqual(errors, []);
  });

  it('a re-claim that failed is tried again after the next poll still finds the device inactive', async () => {
    const v = await openVault(true);
    await startWatch({ passive: true, vault: v, reclaim: true });
    camera.faults.inject({ kind: 'dropConnection', path: '/ISAPI/Security/challenge', times: 1 });
    await camera.factoryReset();
    await until('the first re-claim failed', () => errors.length === 1);
    await watch!.settled();
    assert.equal(v.get(CAMERA)?.pending, null, 'the password that never reached it is not kept');
    assert.ok(!changes.some((c) => c.event === 'reclaimed'));

    await watch!.pollNow();
    await until('reclaimed', () => changes.some((c) => c.event === 'reclaimed'));
    await watch!.settled();
    const record = v.get(CAMERA);
    assert.equal(camera.state.admin.password, record?.password, 'the vault holds the device’s password');
    assert.equal(camera.counters.activations, 1);
    assert.equal(camera.counters.failedLogins, 0);
    assert.deepEqual(alerts(), ['inactive', 'reclaimed']);
  });

  it('a re-claim whose answer was lost is settled by the next poll: reclaimed, no false alarm, no failed login', async () => {
    const v = await openVault(true);
    await startWatch({ passive: true, vault: v, reclaim: true });
    // The device takes the activation, then drops the connection and reboots before answering.
    camera.faults.inject({
      kind: 'rebootMidRequest',
      applyBeforeFailing: true,
      method: 'PUT',
      path: '/ISAPI/System/activate',
      times: 1,
    });
    await camera.factoryReset();
    await until('the re-claim ended without an answer', () => errors.length === 1);
    await watch!.settled();
    await camera.whenUp();
    const pending = v.get(CAMERA)?.pending?.password;
    assert.equal(
      camera.state.admin.password,
      pending,
      'the device has the pending password, the vault keeps it',
    );

    await watch!.pollNow();
    await until('reclaimed', () => changes.some((c) => c.event === 'reclaimed'));
    await watch!.settled();
    assert.deepEqual(alerts(), ['inactive', 'reclaimed'], 'no auth_failed: the activation was ours');
    const record = v.get(CAMERA);
    assert.ok(record);
    assert.equal(record.password, pending);
    assert.equal(record.pending, null);
    assert.equal(record.state, 'ok');
    assert.equal(camera.counters.failedLogins, 0, 'the pre-reset password was never tried on a reset device');
    assert.equal(changes.at(-1)?.to, 'active');
  });

  it('a re-claim that loses the race reports ownership_lost once and never logs in with a guess', async () => {
    const v = await openVault(true);
    // The stranger answers the same Hello faster: our re-claim's first look (right after the
    // confirmed inactive) is held (not timed) until they are done, so the order does not depend
    // on how fast either side runs.
    await startWatch({
      passive: true,
      vault: v,
      reclaim: true,
      beforeAction: (c) => {
        if (c.to === 'inactive')
          camera.faults.inject({ kind: 'hang', method: 'GET', path: '/SDK/activateStatus', times: 1 });
      },
    });
    await camera.factoryReset();
    await until('inactive', () => changes.some((c) => c.to === 'inactive'));
    await until('the re-claim’s first look held', () => camera.faults.hungRequests === 1);
    const stranger = new IsapiClient({
      host: camera.host!,
      port: camera.port!,
      protocol: 'http',
      guard: new LoginGuard(),
    });
    await activateDevice(stranger, STRANGER);
    await stranger.close();
    camera.faults.clear();
    await until('ownership_lost', () => changes.some((c) => c.event === 'ownership_lost'));
    await watch!.settled();
    assert.deepEqual(alerts(), ['inactive', 'ownership_lost']);
    assert.equal(changes.at(-1)?.to, 'auth_failed');
    const record = v.get(CAMERA);
    assert.ok(record);
    assert.equal(record.state, 'needs_attention');
    assert.equal(record.pending, null, 'the password the device refused is not kept as a candidate');
    assert.equal(record.password, ADMIN);
    assert.equal(camera.state.admin.password, STRANGER);
    assert.equal(camera.counters.failedLogins, 0);
  });
});

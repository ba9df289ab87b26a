import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LoginGuard } from '../../../lib/isapi/login-guard';
import type { DeviceChange } from '../../../lib/monitor/activation-monitor';
import { FleetWatch } from '../../../lib/fleet/fleet-watch';
import { CredentialVault } from '../../../lib/vault/credential-vault';
import { SimDevice, type SimDeviceOptions } from '../../../sim';
import { loadSimCertificate } from '../../../sim/tls-certificates';
import { helloOf } from '../../support/sadp-hello';
import { ADMIN_PASSWORD } from '../../support/sim-devices';

const SERIAL = 'DS-2CD2386G2-IU20240301AAWRJ55501234';
const SECRET = 'spoofing-test-vault-secret';
const REAL_HOST = '127.0.0.21';
const FAKE_HOST = '127.0.0.22';
const NEW_HOST = '127.0.0.23';
const PINNED = new X509Certificate(loadSimCertificate('a').cert).fingerprint256;

describe('SADP spoofing: a datagram alone never sends a credential or moves a device', function () {
  this.timeout(15_000);
  const devices: SimDevice[] = [];
  let dir: string;
  let vault: CredentialVault;
  let watch: FleetWatch | null;
  let changes: DeviceChange[];
  let errors: Error[];

  /** Devices listen on the same port on their own addresses, like cameras on 443. */
  async function device(
    host: string,
    https: boolean,
    options: Partial<SimDeviceOptions>,
    port = 0,
  ): Promise<SimDevice> {
    const sim = new SimDevice({ adminPassword: ADMIN_PASSWORD, serialNumber: SERIAL, ...options });
    devices.push(sim);
    await sim.listen({ host, port, https });
    return sim;
  }

  /** The real camera, enrolled over HTTPS with its certificate pinned (or over plain HTTP). */
  async function enrolledCamera(https = true): Promise<SimDevice> {
    const camera = await device(REAL_HOST, https, { certificate: 'a' });
    await vault.enrol({
      serial: SERIAL,
      username: 'admin',
      password: ADMIN_PASSWORD,
      host: REAL_HOST,
      port: camera.port!,
      protocol: https ? 'https' : 'http',
    });
    if (https) await vault.update(SERIAL, { tlsPin: PINNED });
    return camera;
  }

  async function startWatch(): Promise<FleetWatch> {
    watch = new FleetWatch({
      pollIntervalMs: 0,
      vault,
      reclaim: { allowed: (serial) => serial === SERIAL },
      guard: new LoginGuard(),
      onChange: (c) => changes.push(c),
      onError: (e) => errors.push(e),
    });
    await watch.start();
    return watch;
  }

  /** Requests the fake received, of any kind: a TLS handshake alone is not one. */
  const untouched = (fake: SimDevice): void => {
    assert.equal(fake.counters.requests, 0, 'the claimant received no request');
    assert.equal(fake.counters.authenticatedRequests, 0);
    assert.equal(fake.counters.activations, 0);
  };
  const spoofingEvents = (): DeviceChange[] => changes.filter((c) => c.event === 'spoofing_suspected');

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hik-spoofing-'));
    vault = await CredentialVault.open(join(dir, 'vault.json'), SECRET);
    changes = [];
    errors = [];
    watch = null;
  });
  afterEach(async () => {
    await watch?.stop();
    await vault.close();
    await Promise.all(devices.splice(0).map((d) => d.close()));
    await rm(dir, { recursive: true, force: true });
  });

  it('a fake on another address claiming the managed serial is inactive gets nothing and raises spoofing_suspected once', async () => {
    const camera = await enrolledCamera();
    const fake = await device(FAKE_HOST, true, { adminPassword: null, certificate: 'b' }, camera.port!);
    const w = await startWatch();

    w.observeSadp(helloOf(fake, FAKE_HOST), 'hello');
    await w.settled();
    // A flood of the same claim is one alert, not a storm.
    for (let i = 0; i < 5; i += 1) w.observeSadp(helloOf(fake, FAKE_HOST), 'hello');
    await w.settled();

    const events = spoofingEvents();
    assert.equal(events.length, 1);
    assert.equal(events[0]!.alert, 'spoofing_suspected');
    assert.equal(events[0]!.evidence.reason, 'certificate_mismatch');
    assert.equal(events[0]!.evidence.claimedIp, FAKE_HOST);
    assert.equal(events[0]!.evidence.knownIp, REAL_HOST);
    assert.equal(events[0]!.evidence.activateStatus, true);
    assert.ok(!changes.some((c) => c.to === 'inactive'), 'no inactive alarm from a forged claim');
    untouched(fake);
    assert.equal(camera.counters.authenticatedRequests, 0, 'the real camera was only asked the free poll');
    const record = vault.get(SERIAL);
    assert.ok(record);
    assert.equal(record.host, REAL_HOST, 'the vault still points at the real camera');
    assert.equal(record.state, 'ok');
    assert.equal(record.pending, null);
    assert.equal(camera.state.admin.password, ADMIN_PASSWORD);
    assert.deepEqual(errors, []);
  });

  it('a forged "inactive" from the device’s own address is contradicted by its poll: no alarm, no re-claim', async () => {
    const camera = await enrolledCamera();
    const fake = new SimDevice({ adminPassword: null, serialNumber: SERIAL });
    const w = await startWatch();

    w.observeSadp(helloOf(fake, REAL_HOST), 'hello');
    await w.settled();

    assert.deepEqual(
      spoofingEvents().map((c) => [c.evidence.reason, c.evidence.activateStatus]),
      [['contradicted_by_device', true]],
    );
    assert.ok(!changes.some((c) => c.to === 'inactive' || c.event === 'ownership_lost'));
    assert.equal(camera.counters.activations, 0);
    assert.equal(camera.counters.authenticatedRequests, 0);
    assert.equal(vault.get(SERIAL)?.state, 'ok', 'the record is not flagged: its password still works');
  });

  it('without a pinned certificate a claim from elsewhere cannot be followed: spoofing_suspected, nothing sent to it', async () => {
    const camera = await enrolledCamera(false);
    const fake = await device(FAKE_HOST, false, { adminPassword: null }, camera.port!);
    const w = await startWatch();

    w.observeSadp(helloOf(fake, FAKE_HOST), 'hello');
    await w.settled();

    assert.deepEqual(
      spoofingEvents().map((c) => c.evidence.reason),
      ['no_pinned_certificate'],
    );
    untouched(fake);
    assert.equal(vault.get(SERIAL)?.host, REAL_HOST);
  });

  it('a device that moved is followed only after it presents the pinned certificate at its new address', async () => {
    const camera = await enrolledCamera();
    const w = await startWatch();
    await camera.close();
    // The same camera (same certificate) comes back on another address.
    const moved = await device(NEW_HOST, true, { certificate: 'a' }, camera.port!);

    w.observeSadp(helloOf(moved, NEW_HOST), 'hello');
    await w.settled();

    const event = changes.find((c) => c.event === 'address_changed');
    assert.ok(event, 'address_changed reported');
    assert.equal(event.alert, null);
    assert.deepEqual([event.evidence.ipBefore, event.evidence.ip], [REAL_HOST, NEW_HOST]);
    assert.equal(vault.get(SERIAL)?.host, NEW_HOST, 'the vault follows the device');
    assert.equal(w.monitor.get(SERIAL)?.poll?.host, NEW_HOST);
    assert.deepEqual(spoofingEvents(), []);
    await w.pollNow();
    assert.equal(
      moved.counters.requestsByPath.get('GET /SDK/activateStatus'),
      1,
      'polled at its new address',
    );
    assert.equal(moved.counters.authenticatedRequests, 0);
    assert.equal(w.monitor.get(SERIAL)?.state, 'active');
  });

  it('a device with two interfaces on one segment keeps both addresses once both show the pinned certificate: no flip-flop, polls stay home', async () => {
    const camera = await enrolledCamera();
    // Its second interface: the same device (same serial, same certificate) on another address.
    const second = await device(NEW_HOST, true, { certificate: 'a' }, camera.port!);
    const w = await startWatch();

    for (let i = 0; i < 3; i += 1) {
      w.observeSadp(helloOf(second, NEW_HOST), 'hello');
      await w.settled();
      w.observeSadp(helloOf(camera, REAL_HOST), 'hello');
      await w.settled();
    }

    assert.deepEqual(
      changes.filter((c) => c.event === 'address_changed'),
      [],
      'no address_changed either way',
    );
    assert.deepEqual(spoofingEvents(), []);
    assert.equal(w.monitor.get(SERIAL)?.poll?.host, REAL_HOST, 'polled where it is known');
    assert.equal(vault.get(SERIAL)?.host, REAL_HOST, 'the vault keeps its address');
    await w.pollNow();
    assert.equal(camera.counters.requestsByPath.get('GET /SDK/activateStatus'), 1);
    assert.equal(second.counters.requests, 0, 'the second address proved itself by handshakes alone');
    assert.equal(w.monitor.get(SERIAL)?.state, 'active');

    // The second address is at home now: a forged "inactive" from it is checked at the known one.
    const fake = new SimDevice({ adminPassword: null, serialNumber: SERIAL });
    w.observeSadp(helloOf(fake, NEW_HOST), 'hello');
    await w.settled();
    assert.deepEqual(
      spoofingEvents().map((c) => [c.evidence.reason, c.evidence.knownIp]),
      [['contradicted_by_device', REAL_HOST]],
    );
    assert.ok(!changes.some((c) => c.to === 'inactive'));
    assert.equal(camera.counters.authenticatedRequests + second.counters.authenticatedRequests, 0);
    assert.deepEqual(errors, []);
  });

  it('a second address takes over the poll only once the known address is held offline', async () => {
    const camera = await enrolledCamera();
    const second = await device(NEW_HOST, true, { certificate: 'a' }, camera.port!);
    const w = await startWatch();
    w.observeSadp(helloOf(second, NEW_HOST), 'hello');
    await w.settled();
    assert.equal(w.monitor.get(SERIAL)?.poll?.host, REAL_HOST);

    // The interface at the known address goes away: polls fail until the device is offline.
    await camera.close();
    for (let i = 0; i < 3; i += 1) await w.pollNow();
    assert.equal(w.monitor.get(SERIAL)?.state, 'offline');
    w.observeSadp(helloOf(second, NEW_HOST), 'hello');
    await w.settled();

    const moves = changes.filter((c) => c.event === 'address_changed');
    assert.deepEqual(
      moves.map((c) => [c.evidence.ipBefore, c.evidence.ip]),
      [[REAL_HOST, NEW_HOST]],
    );
    assert.equal(w.monitor.get(SERIAL)?.poll?.host, NEW_HOST);
    await w.pollNow();
    assert.equal(second.counters.requestsByPath.get('GET /SDK/activateStatus'), 1);
    assert.equal(w.monitor.get(SERIAL)?.state, 'active');
    assert.deepEqual(spoofingEvents(), []);
  });

  it('a device configured by host name is at home at the addresses the name resolves to', async () => {
    const camera = await device('127.0.0.1', false, {});
    const w = await startWatch();
    w.watch(SERIAL, { name: 'Porch', poll: { host: 'localhost', port: camera.port!, protocol: 'http' } });

    w.observeSadp(helloOf(camera, '127.0.0.1'), 'hello');
    await w.settled();
    assert.deepEqual(spoofingEvents(), [], 'its own datagram is no impersonation');
    assert.ok(!changes.some((c) => c.event === 'address_changed'));
    assert.equal(w.monitor.get(SERIAL)?.poll?.host, 'localhost', 'the configured name is kept');

    // A forged "inactive" from that address is still checked with the device, by name.
    const fake = new SimDevice({ adminPassword: null, serialNumber: SERIAL });
    w.observeSadp(helloOf(fake, '127.0.0.1'), 'hello');
    await w.settled();
    assert.deepEqual(
      spoofingEvents().map((c) => c.evidence.reason),
      ['contradicted_by_device'],
    );
  });

  it('a device silent at its address and "inactive" elsewhere with another certificate: alarm, never a re-claim there', async () => {
    const camera = await enrolledCamera();
    const w = await startWatch();
    await camera.close();
    const claimant = await device(FAKE_HOST, true, { adminPassword: null, certificate: 'b' }, camera.port!);

    w.observeSadp(helloOf(claimant, FAKE_HOST), 'hello');
    await w.settled();

    const inactive = changes.find((c) => c.to === 'inactive');
    assert.ok(inactive, 'the owner is told: the device may have been reset and moved');
    assert.equal(inactive.alert, 'inactive');
    assert.equal(inactive.evidence.confirmed, false);
    assert.equal(w.rows()[0]?.unconfirmed, true, 'the table (and the entity) says unconfirmed');
    untouched(claimant);
    const record = vault.get(SERIAL);
    assert.ok(record);
    assert.equal(record.pending, null, 'no re-claim was started');
    assert.equal(record.host, REAL_HOST);
  });
});

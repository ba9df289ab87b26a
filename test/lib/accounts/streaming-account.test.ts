import assert from 'node:assert/strict';
import {
  createStreamingAccount,
  reconcileStreamingAccount,
  rotateStreamingAccount,
  STREAMING_ACCOUNT,
  streamingCredential,
  type StreamingAccountOptions,
} from '../../../lib/accounts/streaming-account';
import { AccountMissingError, AccountNameTakenError, IsapiStatusError } from '../../../lib/errors';
import type { RotationEvent } from '../../../lib/rotation/rotation-steps';
import { SimDevice } from '../../../sim';
import { RotationFixture } from '../rotation/support/rotation-fixture';
import { ADMIN_PASSWORD, enrolSimDevice, rejection } from '../../support/sim-devices';
import { rtspLogin } from '../../support/rtsp-login';

const CONSUMER_ADDRESS = '127.0.0.45';

describe('streaming account (against the simulator)', function () {
  this.timeout(15_000);
  const fixture = new RotationFixture();
  const extra: SimDevice[] = [];
  beforeEach(() => fixture.open());
  afterEach(async () => {
    await Promise.all(extra.splice(0).map((d) => d.close()));
    await fixture.stop();
  });

  function options(device: SimDevice, more: Partial<StreamingAccountOptions> = {}): StreamingAccountOptions {
    return {
      vault: fixture.vault,
      serial: device.serialNumber,
      guard: fixture.sim.guard,
      allowHttpPasswordChange: true,
      connectTimeoutMs: 1_000,
      requestTimeoutMs: 2_000,
      ...more,
    };
  }

  function account(device: SimDevice) {
    const found = fixture.vault.get(device.serialNumber)?.accounts[STREAMING_ACCOUNT];
    assert.ok(found, 'the vault holds the streaming account');
    return found;
  }

  it('creates a live-view-only viewer (id found by name), keeps its password in the vault, never touches the admin', async () => {
    const device = await fixture.enrolledDevice({ echoNewUserId: false });
    const steps: string[] = [];
    const onEvent = (e: RotationEvent) => {
      if (e.phase === 'done') steps.push(`${e.account ?? 'admin'}:${e.step}`);
    };
    const outcome = await createStreamingAccount(options(device, { onEvent }));
    assert.deepEqual(outcome, {
      serial: device.serialNumber,
      result: 'created',
      username: 'hikstream',
      userId: 2,
      consumers: [],
    });
    assert.deepEqual(steps, [
      'streaming:precheck',
      'streaming:generate',
      'streaming:persist_pending',
      'streaming:apply',
      'streaming:permissions',
      'streaming:verify',
      'streaming:commit',
    ]);
    const user = device.state.userByName('hikstream');
    assert.equal(user?.userLevel, 'Viewer');
    assert.equal(user.password, account(device).password);
    assert.equal(account(device).userId, 2);
    assert.deepEqual(device.state.accounts.rightsOf(user), {
      preview: true,
      playBack: true,
      ptzControl: false,
      record: false,
      parameterConfig: false,
    });
    assert.equal(device.state.admin.password, ADMIN_PASSWORD);
    assert.equal(fixture.vault.get(device.serialNumber)?.password, ADMIN_PASSWORD);
    assert.equal(device.counters.failedLogins, 0);
    // Creating again changes nothing.
    const again = await createStreamingAccount(options(device));
    assert.equal(again.result, 'exists');
    assert.equal(device.state.users.length, 2);
  });

  it('rotates the streaming account on its own: a stream consumer follows, the admin password stays', async () => {
    const device = new SimDevice({ adminPassword: ADMIN_PASSWORD, rebootMs: 20 });
    extra.push(device);
    await device.listen({ host: '127.0.0.1', port: 0, rtspPort: 0 });
    await enrolSimDevice(fixture.vault, device, ADMIN_PASSWORD);
    await createStreamingAccount(options(device));
    const first = streamingCredential(fixture.vault, device.serialNumber);
    assert.ok(first);
    const url = (c: { username: string; password: string }) =>
      device.streamUrl({ userName: c.username, password: c.password })!;
    assert.equal(await rtspLogin(url(first), { localAddress: CONSUMER_ADDRESS }), 'ok');

    const rotated = await rotateStreamingAccount(options(device));
    assert.equal(rotated.result, 'rotated');
    const second = streamingCredential(fixture.vault, device.serialNumber);
    assert.ok(second);
    assert.notEqual(second.password, first.password);
    assert.deepEqual(
      account(device).previous.map((p) => p.password),
      [first.password],
    );
    assert.equal(device.state.userByName('hikstream')?.password, second.password);
    assert.equal(await rtspLogin(url(second), { localAddress: CONSUMER_ADDRESS }), 'ok');
    assert.equal(device.state.admin.password, ADMIN_PASSWORD);
    assert.equal(device.counters.passwordChanges, 1);
    assert.equal(device.counters.failedLogins, 0);
  });

  it('the streaming account streams but cannot change settings', async () => {
    const device = new SimDevice({ adminPassword: ADMIN_PASSWORD, rebootMs: 20 });
    extra.push(device);
    await device.listen({ host: '127.0.0.1', port: 0, rtspPort: 0 });
    await enrolSimDevice(fixture.vault, device, ADMIN_PASSWORD);
    await createStreamingAccount(options(device));
    const credential = streamingCredential(fixture.vault, device.serialNumber)!;
    const viewer = fixture.sim.client(device, {
      credential: { username: credential.username, password: credential.password },
    });
    const refused = await rejection(viewer.request('GET', '/ISAPI/Security/users'));
    assert.ok(refused instanceof IsapiStatusError);
    // Without the live-view right, a correct login is no stream (and no failed login).
    device.state.accounts.setRights(account(device).userId!, {
      preview: false,
      playBack: false,
      ptzControl: false,
      record: false,
      parameterConfig: false,
    });
    const streamUrl = device.streamUrl({ userName: credential.username, password: credential.password })!;
    assert.notEqual(await rtspLogin(streamUrl, { localAddress: CONSUMER_ADDRESS }), 'ok');
    assert.equal(device.counters.failedLogins, 0);
  });

  it('refuses a name already on the device and leaves the vault without an account', async () => {
    const device = await fixture.enrolledDevice({
      users: [{ userName: 'hikstream', password: 'Someone-Else1' }],
    });
    const err = await rejection(createStreamingAccount(options(device)));
    assert.ok(err instanceof AccountNameTakenError);
    assert.deepEqual(fixture.vault.get(device.serialNumber)?.accounts, {});
    assert.equal(device.state.userByName('hikstream')?.password, 'Someone-Else1');
  });

  it('a device that refuses the new user changes nothing and the vault drops the account', async () => {
    const users = Array.from({ length: 31 }, (_, i) => ({ userName: `user${i}`, password: 'Some-Pass123' }));
    const device = await fixture.enrolledDevice({ users });
    const err = await rejection(createStreamingAccount(options(device)));
    assert.ok(err instanceof IsapiStatusError);
    assert.deepEqual(fixture.vault.get(device.serialNumber)?.accounts, {});
  });

  it('rotating without an account says to create one; a user removed on the device is forgotten', async () => {
    const device = await fixture.enrolledDevice();
    const missing = await rejection(rotateStreamingAccount(options(device)));
    assert.ok(missing instanceof AccountMissingError);
    assert.equal(missing.where, 'vault');
    await createStreamingAccount(options(device));
    device.state.removeUser(account(device).userId!);
    const gone = await rejection(rotateStreamingAccount(options(device)));
    assert.ok(gone instanceof AccountMissingError);
    assert.equal(gone.where, 'device');
  });

  it('reconcile finishes a creation the device took (the answer lost) by setting the pending password again', async () => {
    const device = await fixture.enrolledDevice();
    const { vault } = fixture;
    const serial = device.serialNumber;
    await vault.writeAccountPending(serial, STREAMING_ACCOUNT, {
      username: 'hikstream',
      password: 'Pending-Str3am!',
    });
    await vault.noteAccountRequestSent(serial, STREAMING_ACCOUNT);
    // The POST reached the device, with the pending password; then the process died.
    device.state.addUser({ userName: 'hikstream', password: 'Pending-Str3am!', userLevel: 'Viewer' });
    const outcome = await reconcileStreamingAccount(options(device));
    assert.equal(outcome.result, 'reconciled');
    assert.equal(account(device).password, 'Pending-Str3am!');
    assert.equal(account(device).pending, null);
    assert.equal(device.state.accounts.rightsOf(device.state.userByName('hikstream')!).ptzControl, false);
    assert.equal(device.counters.failedLogins, 0);
  });

  it('reconcile drops a creation that never reached the device, and finishes a rotation whose answer was lost', async () => {
    const device = await fixture.enrolledDevice();
    const { vault } = fixture;
    const serial = device.serialNumber;
    await vault.writeAccountPending(serial, STREAMING_ACCOUNT, {
      username: 'hikstream',
      password: 'Pending-Str3am!',
    });
    await vault.noteAccountRequestSent(serial, STREAMING_ACCOUNT);
    assert.equal((await reconcileStreamingAccount(options(device))).result, 'dropped');
    assert.deepEqual(vault.get(serial)?.accounts, {});

    await createStreamingAccount(options(device));
    const before = account(device).password;
    await vault.writeAccountPending(serial, STREAMING_ACCOUNT, {
      username: 'hikstream',
      password: 'Next-Str3am!22',
    });
    await vault.noteAccountRequestSent(serial, STREAMING_ACCOUNT);
    // Whether or not the device took it, reconcile sets it as administrator: no password is guessed.
    assert.equal((await reconcileStreamingAccount(options(device))).result, 'reconciled');
    assert.equal(device.state.userByName('hikstream')?.password, 'Next-Str3am!22');
    assert.deepEqual(
      account(device).previous.map((p) => p.password),
      [before],
    );
    assert.equal(device.counters.failedLogins, 0);
    assert.equal((await reconcileStreamingAccount(options(device))).result, 'nothing_pending');
  });
});

import assert from 'node:assert/strict';
import { decryptActivationPassword } from '../../sim/activation-crypto';
import {
  activate,
  decryptChallengeKey,
  encryptActivationPassword,
  makeActivationKeyPair,
  putActivation,
} from './helpers/activation-client';
import { digestRequest } from './helpers/digest-client';
import { ADMIN, closeDevices, NEW_PASSWORD, startDevice } from './helpers/devices';
import { send, tagText } from './helpers/http';
import { ManualClock } from './helpers/manual-clock';

const STATUS_PATH = '/SDK/activateStatus';

describe('sim activation', () => {
  afterEach(closeDevices);

  it('decrypts the published hikvision-configure AES vector (qb60/hikvision-configure, MIT)', () => {
    const blob = 'NDk5M2NhMWZiNTdmNDViNzY1NDlkOTVkMTI4YjBkODhmY2U5M2QwZTcxMzdhYmJlZWM1YzU2ZmE3YTczNDQ1Nw==';
    assert.equal(decryptActivationPassword('c8059b41126bd480f684b6a46d48804c', blob), 'qwer1234');
  });

  it('reports activation without authentication and without counting anything against the client', async () => {
    const device = await startDevice();
    const reply = await send(device, STATUS_PATH);
    assert.equal(reply.status, 200);
    assert.match(reply.body, /<ActivateStatus>\n<Activated>true<\/Activated>\n<\/ActivateStatus>/);
    assert.equal(device.counters.failedLogins, 0);
  });

  it('goes inactive on factory reset, then activates through challenge and AES password', async () => {
    const device = await startDevice();
    const bootBefore = device.state.bootTime;
    await device.factoryReset();
    assert.equal(tagText((await send(device, STATUS_PATH)).body, 'Activated'), 'false');
    assert.notEqual(device.state.bootTime, bootBefore);

    const locked = await digestRequest(device, '/ISAPI/System/deviceInfo', ADMIN);
    assert.equal(locked.status, 401);
    assert.equal(tagText(locked.body, 'subStatusCode'), 'notActivated');
    assert.equal(device.counters.failedLogins, 0);

    const reply = await activate(device, NEW_PASSWORD);
    assert.equal(tagText(reply.body, 'statusCode'), '1');
    assert.equal(tagText((await send(device, STATUS_PATH)).body, 'Activated'), 'true');
    assert.equal(device.counters.activations, 1);
    const check = await digestRequest(device, '/ISAPI/Security/userCheck', {
      userName: 'admin',
      password: NEW_PASSWORD,
    });
    assert.equal(tagText(check.body, 'isActivated'), 'true');
  });

  it('answers the challenge in the captured std-cgi.com shape', async () => {
    const device = await startDevice({ adminPassword: null });
    const { privateKey, publicKeyXml } = makeActivationKeyPair();
    const reply = await send(device, '/ISAPI/Security/challenge', { method: 'POST', body: publicKeyXml });
    assert.match(
      reply.body,
      /<Challenge version="2.0" xmlns="http:\/\/www\.std-cgi\.com\/ver20\/XMLSchema">\n<key>[A-Za-z0-9+/=]+<\/key>/,
    );
    assert.match(decryptChallengeKey(privateKey, tagText(reply.body, 'key')!), /^[0-9a-f]{32}$/);
  });

  it('uses each challenge once', async () => {
    const device = await startDevice({ adminPassword: null });
    const { privateKey, publicKeyXml } = makeActivationKeyPair();
    const challenge = await send(device, '/ISAPI/Security/challenge', { method: 'POST', body: publicKeyXml });
    const randomKey = decryptChallengeKey(privateKey, tagText(challenge.body, 'key')!);
    const wrongKey = 'f'.repeat(32);
    assert.equal(
      tagText(
        (await putActivation(device, encryptActivationPassword(wrongKey, NEW_PASSWORD))).body,
        'statusCode',
      ),
      '6',
    );
    const retry = await putActivation(device, encryptActivationPassword(randomKey, NEW_PASSWORD));
    assert.equal(retry.status, 403);
    assert.equal(tagText(retry.body, 'subStatusCode'), 'invalidOperation');
    assert.equal(device.state.activated, false);
  });

  it('lets a challenge expire', async () => {
    const clock = new ManualClock();
    const device = await startDevice({
      adminPassword: null,
      clock: clock.now,
      activationChallengeSeconds: 60,
    });
    const { privateKey, publicKeyXml } = makeActivationKeyPair();
    const challenge = await send(device, '/ISAPI/Security/challenge', { method: 'POST', body: publicKeyXml });
    const randomKey = decryptChallengeKey(privateKey, tagText(challenge.body, 'key')!);
    clock.advance(61);
    assert.equal(
      (await putActivation(device, encryptActivationPassword(randomKey, NEW_PASSWORD))).status,
      403,
    );
  });

  it('refuses an activation password that breaks the rules', async () => {
    const device = await startDevice({ adminPassword: null });
    const reply = await activate(device, 'password');
    assert.equal(reply.status, 403);
    assert.equal(tagText(reply.body, 'statusCode'), '4');
    assert.equal(device.state.activated, false);
  });

  it('refuses challenge and activate on an active device with 403 Invalid Operation', async () => {
    const device = await startDevice();
    const { publicKeyXml } = makeActivationKeyPair();
    const reply = await send(device, '/ISAPI/Security/challenge', { method: 'POST', body: publicKeyXml });
    assert.equal(reply.status, 403);
    assert.equal(tagText(reply.body, 'subStatusCode'), 'invalidOperation');
    assert.equal((await putActivation(device, 'AAAA')).status, 403);
  });

  it('answers a public key that is not base64 hex with Invalid XML Content', async () => {
    const device = await startDevice({ adminPassword: null });
    const body = '<PublicKey><key>bm90IGhleA==</key></PublicKey>';
    const reply = await send(device, '/ISAPI/Security/challenge', { method: 'POST', body });
    assert.deepEqual([reply.status, tagText(reply.body, 'statusCode')], [400, '6']);
  });

  it('forgets users and channels on factory reset', async () => {
    const device = await startDevice({
      deviceType: 'NVR',
      users: [{ userName: 'operator1', password: 'Operator-Pass1' }],
      channels: [{ ipAddress: '127.0.0.31', managePortNo: 80, userName: 'admin', password: 'x' }],
    });
    await device.factoryReset();
    assert.deepEqual(
      device.state.users.map((u) => [u.userName, u.password]),
      [['admin', null]],
    );
    assert.equal(device.state.channels.length, 0);
    assert.equal(device.counters.factoryResets, 1);
  });

  it('stays activated with its users and passwords through a basic restore, which resets the name and reboots', async () => {
    const device = await startDevice({
      deviceName: 'Front door',
      users: [{ userName: 'operator1', password: 'Operator-Pass1' }],
    });
    const bootedAt = device.state.bootTime;
    await device.basicRestore();
    assert.equal(device.state.activated, true);
    assert.deepEqual(
      device.state.users.map((u) => u.userName),
      ['admin', 'operator1'],
    );
    const info = await digestRequest(device, '/ISAPI/System/deviceInfo', ADMIN);
    assert.equal(info.status, 200);
    assert.equal(tagText(info.body, 'deviceName'), 'IP CAMERA');
    assert.equal(tagText((await send(device, '/SDK/activateStatus')).body, 'Activated'), 'true');
    assert.notEqual(device.state.bootTime, bootedAt);
    assert.deepEqual([device.counters.reboots, device.counters.factoryResets], [1, 0]);
  });
});

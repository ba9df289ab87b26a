import assert from 'node:assert/strict';
import { digestRequest } from './helpers/digest-client';
import { ADMIN, closeDevices, startDevice } from './helpers/devices';
import { tagText, type Reply } from './helpers/http';

const USERS = '/ISAPI/Security/users';
const VIEWER = { userName: 'viewer1', password: 'Viewer-Pass1' };
const ONVIF = '/ISAPI/Security/ONVIF/users';
const INTEGRATE = '/ISAPI/System/Network/Integrate';

function status(reply: Reply): [number, string | null, string | null] {
  return [reply.status, tagText(reply.body, 'statusCode'), tagText(reply.body, 'subStatusCode')];
}

function newUser(userName: string, password: string, level: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><User><userName>${userName}</userName><password>${password}</password><userLevel>${level}</userLevel></User>`;
}

const LIVE_VIEW_ONLY =
  '<UserPermission><remotePermission><preview>true</preview><playBack>true</playBack>' +
  '<ptzControl>false</ptzControl><record>false</record><parameterConfig>false</parameterConfig>' +
  '</remotePermission></UserPermission>';

describe('sim accounts: users, rights, ONVIF users, Integrate', () => {
  afterEach(closeDevices);

  it('adds a user (id in the answer, or not on firmware that omits it), 32 at most, names unique', async () => {
    const device = await startDevice();
    const created = await digestRequest(device, USERS, ADMIN, {
      method: 'POST',
      body: newUser(VIEWER.userName, VIEWER.password, 'Viewer'),
    });
    assert.deepEqual(status(created), [200, '1', 'ok']);
    assert.equal(tagText(created.body, 'id'), '2');
    assert.equal(device.state.userByName('viewer1')?.userLevel, 'Viewer');
    const again = await digestRequest(device, USERS, ADMIN, {
      method: 'POST',
      body: newUser(VIEWER.userName, 'Other-Pass9', 'Viewer'),
    });
    assert.deepEqual(status(again), [403, '4', 'invalidOperation']);
    for (let i = device.state.users.length; i < 32; i++) {
      device.state.addUser({ userName: `user${i}`, password: 'Some-Pass12' });
    }
    const full = await digestRequest(device, USERS, ADMIN, {
      method: 'POST',
      body: newUser('one-more', 'Another-Pass3', 'Viewer'),
    });
    assert.deepEqual(status(full), [403, '4', 'invalidOperation']);

    const quiet = await startDevice({ echoNewUserId: false });
    const silent = await digestRequest(quiet, USERS, ADMIN, {
      method: 'POST',
      body: newUser('viewer2', VIEWER.password, 'Viewer'),
    });
    assert.deepEqual(status(silent), [200, '1', 'ok']);
    assert.equal(tagText(silent.body, 'id'), null);
    assert.match((await digestRequest(quiet, USERS, ADMIN)).body, /<id>2<\/id>\n<userName>viewer2</);
  });

  it('refuses a weak password, a bad level and a non-administrator creating users', async () => {
    const device = await startDevice({ users: [{ ...VIEWER, userLevel: 'Operator' }] });
    const weak = await digestRequest(device, USERS, ADMIN, {
      method: 'POST',
      body: newUser('v2', 'abc', 'Viewer'),
    });
    assert.deepEqual(status(weak), [403, '4', 'invalidOperation']);
    const level = await digestRequest(device, USERS, ADMIN, {
      method: 'POST',
      body: newUser('v2', 'Good-Pass123', 'Root'),
    });
    assert.deepEqual(status(level), [400, '6', 'badXmlContent']);
    const byOperator = await digestRequest(device, USERS, VIEWER, {
      method: 'POST',
      body: newUser('v3', 'Good-Pass123', 'Viewer'),
    });
    assert.equal(byOperator.status, 403);
    assert.equal(device.state.users.length, 2);
  });

  it('sets rights through UserPermission (and the legacy path) and enforces them on a viewer', async () => {
    const device = await startDevice({ users: [{ ...VIEWER, userLevel: 'Viewer' }] });
    const put = await digestRequest(device, '/ISAPI/Security/UserPermission/2', ADMIN, {
      method: 'PUT',
      body: LIVE_VIEW_ONLY,
    });
    assert.deepEqual(status(put), [200, '1', 'ok']);
    const legacy = await digestRequest(device, '/ISAPI/Security/users/2/userPermission', ADMIN);
    assert.equal(legacy.status, 200);
    assert.equal(tagText(legacy.body, 'preview'), 'true');
    assert.equal(tagText(legacy.body, 'ptzControl'), 'false');
    assert.equal(tagText(legacy.body, 'userType'), 'viewer');
    // The admin's rights are not for changing; a viewer changes nobody's.
    const adminRights = await digestRequest(device, '/ISAPI/Security/UserPermission/1', ADMIN, {
      method: 'PUT',
      body: LIVE_VIEW_ONLY,
    });
    assert.equal(adminRights.status, 403);
    // What a viewer may and may not do.
    assert.equal((await digestRequest(device, '/ISAPI/System/deviceInfo', VIEWER)).status, 200);
    assert.equal((await digestRequest(device, '/ISAPI/Security/userCheck', VIEWER)).status, 200);
    for (const path of [USERS, ONVIF, INTEGRATE, '/ISAPI/Security/UserPermission']) {
      assert.deepEqual(
        status(await digestRequest(device, path, VIEWER)),
        [403, '4', 'invalidOperation'],
        path,
      );
    }
    const reboot = await digestRequest(device, '/ISAPI/System/reboot', VIEWER, { method: 'PUT' });
    assert.equal(reboot.status, 403);
    assert.equal(device.counters.reboots, 0);
    assert.deepEqual(device.state.accounts.rightsOf(device.state.userById(2)!), {
      preview: true,
      playBack: true,
      ptzControl: false,
      record: false,
      parameterConfig: false,
    });
  });

  it('locks a client after five wrong viewer logins', async () => {
    const device = await startDevice({ users: [{ ...VIEWER, userLevel: 'Viewer' }] });
    const wrong = { userName: VIEWER.userName, password: 'Wrong-Pass9' };
    for (let i = 0; i < 4; i++) {
      const reply = await digestRequest(device, '/ISAPI/Security/userCheck', wrong);
      assert.equal(tagText(reply.body, 'lockStatus'), 'unlock');
    }
    const fifth = await digestRequest(device, '/ISAPI/Security/userCheck', wrong);
    assert.equal(tagText(fifth.body, 'lockStatus'), 'lock');
    assert.equal(device.counters.locksTriggered, 1);
  });

  it('deletes a user (never the built-in admin) with its rights', async () => {
    const device = await startDevice({ users: [{ ...VIEWER, userLevel: 'Viewer' }] });
    assert.equal((await digestRequest(device, `${USERS}/2`, ADMIN, { method: 'DELETE' })).status, 200);
    assert.equal(device.state.userById(2), undefined);
    assert.equal((await digestRequest(device, `${USERS}/1`, ADMIN, { method: 'DELETE' })).status, 403);
  });

  it('keeps ONVIF users apart: list without passwords, PUT, POST, DELETE; a web password change leaves them', async () => {
    const device = await startDevice({
      onvifUsers: [{ userName: 'admin', password: 'Initial-Pass1', userType: 'administrator' }],
    });
    const list = await digestRequest(device, ONVIF, ADMIN);
    assert.equal(list.status, 200);
    assert.match(list.body, /<User>\n<id>1<\/id>\n<userName>admin<\/userName>\n<userType>administrator/);
    assert.doesNotMatch(list.body, /password|Initial-Pass1/i);
    const put = await digestRequest(device, `${ONVIF}/1`, ADMIN, {
      method: 'PUT',
      body: '<User><id>1</id><userName>admin</userName><password>Onvif-Pass22</password><userType>administrator</userType></User>',
    });
    assert.deepEqual(status(put), [200, '1', 'ok']);
    assert.equal(device.state.accounts.onvifUserById(1)?.password, 'Onvif-Pass22');
    assert.equal(device.state.admin.password, 'Initial-Pass1');
    const weak = await digestRequest(device, `${ONVIF}/1`, ADMIN, {
      method: 'PUT',
      body: '<User><id>1</id><password>abc</password></User>',
    });
    assert.equal(weak.status, 403);
    const post = await digestRequest(device, ONVIF, ADMIN, {
      method: 'POST',
      body: '<User><userName>media</userName><password>Media-Pass33</password><userType>mediaUser</userType></User>',
    });
    assert.equal(tagText(post.body, 'id'), '2');
    assert.equal((await digestRequest(device, `${ONVIF}/2`, ADMIN, { method: 'DELETE' })).status, 200);
    assert.deepEqual(
      device.state.accounts.onvifUsers.map((u) => u.userName),
      ['admin'],
    );
  });

  it('reports ONVIF in Integrate and the capability; switches it; firmware without it answers 404', async () => {
    const device = await startDevice();
    const integrate = await digestRequest(device, INTEGRATE, ADMIN);
    assert.match(integrate.body, /<ONVIF>\n<enable>false<\/enable>/);
    const on = await digestRequest(device, INTEGRATE, ADMIN, {
      method: 'PUT',
      body: '<Integrate><ONVIF><enable>true</enable></ONVIF></Integrate>',
    });
    assert.deepEqual(status(on), [200, '1', 'ok']);
    assert.equal(device.state.accounts.onvifEnabled, true);
    const caps = await digestRequest(device, '/ISAPI/Security/capabilities', ADMIN);
    assert.equal(tagText(caps.body, 'isSupportONVIFUserManagement'), 'true');

    const old = await startDevice({ onvifUserManagement: false });
    assert.doesNotMatch((await digestRequest(old, INTEGRATE, ADMIN)).body, /ONVIF/);
    assert.deepEqual(status(await digestRequest(old, ONVIF, ADMIN)), [404, '4', 'notSupport']);
    const oldCaps = await digestRequest(old, '/ISAPI/Security/capabilities', ADMIN);
    assert.equal(tagText(oldCaps.body, 'isSupportONVIFUserManagement'), null);
  });

  it('forgets ONVIF users and rights and switches ONVIF off on a factory reset', async () => {
    const device = await startDevice({
      users: [{ ...VIEWER, userLevel: 'Viewer' }],
      onvifUsers: [{ userName: 'admin', password: 'Initial-Pass1' }],
    });
    assert.equal(device.state.accounts.onvifEnabled, true);
    await device.factoryReset();
    assert.deepEqual(device.state.accounts.onvifUsers, []);
    assert.equal(device.state.accounts.onvifEnabled, false);
  });
});

import assert from 'node:assert/strict';
import { IsapiStatusError, NotSupportedError } from '../../../../lib/errors';
import {
  getOnvifIntegration,
  listOnvifUsers,
  putOnvifUserPassword,
} from '../../../../lib/isapi/endpoints/onvif-users';
import { getSecurityCapabilities, listUsers } from '../../../../lib/isapi/endpoints/security';
import {
  addUser,
  deleteUser,
  getUserPermission,
  putUserPermission,
  STREAMING_RIGHTS,
} from '../../../../lib/isapi/endpoints/users';
import { ADMIN_PASSWORD, rejection, SimHarness } from '../../../support/sim-devices';
import { DIGEST_CHALLENGE, ScriptedDevice } from '../../../support/scripted-device';

const VIEWER_PASSWORD = 'Str3am-View!9';

describe('users and ONVIF users endpoints (against the simulator)', function () {
  this.timeout(10_000);
  const sim = new SimHarness();
  afterEach(() => sim.stop());

  it('creates a viewer, finds its id when the firmware does not name it, and sets live-view-only rights', async () => {
    const device = await sim.device({ echoNewUserId: false });
    const client = sim.client(device);
    const id = await addUser(client, { userName: 'stream', password: VIEWER_PASSWORD, userLevel: 'Viewer' });
    assert.equal(id, null);
    const listed = (await listUsers(client)).find((u) => u.userName === 'stream');
    assert.deepEqual(listed, { id: 2, userName: 'stream', userLevel: 'Viewer' });
    await putUserPermission(client, 2, { userType: 'viewer', remote: STREAMING_RIGHTS });
    assert.deepEqual(await getUserPermission(client, 2), {
      userId: 2,
      userType: 'viewer',
      remote: STREAMING_RIGHTS,
    });
    assert.equal(device.state.userByName('stream')?.password, VIEWER_PASSWORD);
    await deleteUser(client, 2);
    assert.equal(device.state.userByName('stream'), undefined);
  });

  it('returns the id the device names, and a refusal as a typed error', async () => {
    const device = await sim.device();
    const client = sim.client(device);
    assert.equal(
      await addUser(client, { userName: 'stream', password: VIEWER_PASSWORD, userLevel: 'Viewer' }),
      2,
    );
    const again = await rejection(
      addUser(client, { userName: 'stream', password: VIEWER_PASSWORD, userLevel: 'Viewer' }),
    );
    assert.ok(again instanceof IsapiStatusError);
  });

  it('reads the ONVIF switch and users, and sets a mirror password', async () => {
    const device = await sim.device({
      onvifUsers: [{ userName: 'admin', password: ADMIN_PASSWORD, userType: 'administrator' }],
    });
    const client = sim.client(device);
    assert.deepEqual(await getOnvifIntegration(client), { supported: true, enabled: true });
    assert.equal((await getSecurityCapabilities(client)).supportsOnvifUsers, true);
    const users = await listOnvifUsers(client);
    assert.deepEqual(users, [{ id: 1, userName: 'admin', userType: 'administrator' }]);
    await putOnvifUserPassword(client, users[0]!, 'New-Onvif-Pass7');
    assert.equal(device.state.accounts.onvifUserById(1)?.password, 'New-Onvif-Pass7');
  });

  it('tells older firmware without ONVIF user management', async () => {
    const device = await sim.device({ onvifUserManagement: false });
    const client = sim.client(device);
    assert.deepEqual(await getOnvifIntegration(client), { supported: false, enabled: null });
    assert.equal((await getSecurityCapabilities(client)).supportsOnvifUsers, null);
    assert.ok((await rejection(listOnvifUsers(client))) instanceof NotSupportedError);
  });
});

describe('UserPermission on firmware with only the legacy path', () => {
  const device = new ScriptedDevice();
  afterEach(() => device.stop());

  it('falls back to users/<id>/userPermission when UserPermission/<id> is not supported', async () => {
    const paths: string[] = [];
    const client = await device.start((req, res) => {
      if (!req.authorization) {
        res.writeHead(401, { 'WWW-Authenticate': DIGEST_CHALLENGE });
        res.end();
        return;
      }
      paths.push(`${req.method} ${req.url}`);
      const legacy = req.url === '/ISAPI/Security/users/3/userPermission';
      res.writeHead(legacy ? 200 : 404, { 'Content-Type': 'application/xml' });
      res.end(
        legacy
          ? '<ResponseStatus><statusCode>1</statusCode><statusString>OK</statusString></ResponseStatus>'
          : '<ResponseStatus><statusCode>4</statusCode><statusString>Invalid Operation</statusString><subStatusCode>notSupport</subStatusCode></ResponseStatus>',
      );
    });
    await putUserPermission(client, 3, { userType: 'viewer', remote: STREAMING_RIGHTS });
    assert.deepEqual(paths, [
      'PUT /ISAPI/Security/UserPermission/3',
      'PUT /ISAPI/Security/users/3/userPermission',
    ]);
  });
});

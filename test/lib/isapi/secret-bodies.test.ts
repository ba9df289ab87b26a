import assert from 'node:assert/strict';
import { DeviceBusyError, ProtocolError } from '../../../lib/errors';
import { putUserPassword } from '../../../lib/isapi/endpoints/security';
import { DIGEST_CHALLENGE, ScriptedDevice } from '../../support/scripted-device';

const CANARY_NEW = 'Canary-New-7f3a9';
const CANARY_CURRENT = 'Canary-Cur-2b8e1';
const change = {
  user: { id: 1, userName: 'admin', userLevel: 'Administrator' },
  newPassword: CANARY_NEW,
  loginPassword: CANARY_CURRENT,
};
const OK = '<ResponseStatus><statusCode>1</statusCode><statusString>OK</statusString></ResponseStatus>';

describe('request bodies that carry passwords', () => {
  const device = new ScriptedDevice();
  afterEach(() => device.stop());

  it('go out only on the authenticated request, never on the unauthenticated probe', async () => {
    const client = await device.start((req, res) => {
      if (!req.authorization) {
        res.writeHead(401, { 'WWW-Authenticate': DIGEST_CHALLENGE });
        res.end();
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/xml' });
      res.end(OK);
    });
    await putUserPassword(client, change);
    assert.equal(device.seen.length, 2);
    const [probe, authenticated] = device.seen;
    assert.equal(probe?.authorization, undefined);
    assert.equal(probe?.body, '');
    assert.match(authenticated?.authorization ?? '', /^Digest /);
    assert.ok(authenticated?.body.includes(`<password>${CANARY_NEW}</password>`));
  });

  it('are not sent at all to something that does not ask for authentication', async () => {
    const client = await device.start((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/xml' });
      res.end(OK);
    });
    const err = await putUserPassword(client, change).then(
      () => assert.fail('expected a refusal'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ProtocolError);
    assert.equal(device.seen.length, 1);
    for (const seen of device.seen) {
      assert.ok(!seen.body.includes(CANARY_NEW) && !seen.body.includes(CANARY_CURRENT));
    }
    assert.ok(!err.message.includes(CANARY_NEW) && !err.message.includes(CANARY_CURRENT));
  });

  it('are not sent when the device answers the probe with an error: its own typed error comes back', async () => {
    const client = await device.start((_req, res) => {
      res.writeHead(503, { 'Content-Type': 'application/xml' });
      res.end(
        '<ResponseStatus><statusCode>2</statusCode><statusString>Device Busy</statusString>' +
          '<subStatusCode>deviceBusy</subStatusCode></ResponseStatus>',
      );
    });
    const err = await putUserPassword(client, change).then(
      () => assert.fail('expected a refusal'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof DeviceBusyError, String(err));
    assert.equal(device.seen.length, 1);
    assert.equal(device.seen[0]?.body, '', 'only the bodyless probe went out');
  });
});

import assert from 'node:assert/strict';
import { escapeXml } from '../../lib/xml/xml';
import { digestRequest } from './helpers/digest-client';
import { ADMIN, closeDevices, NEW_PASSWORD, PASSWORD, startDevice } from './helpers/devices';
import { tagText, type Reply } from './helpers/http';

const USER1 = '/ISAPI/Security/users/1';
const OPERATOR = { userName: 'operator1', password: 'Operator-Pass1' };

function userXml(fields: Record<string, string | number>): string {
  const inner = Object.entries(fields)
    .map(([k, v]) => `<${k}>${escapeXml(String(v))}</${k}>`)
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?><User>${inner}</User>`;
}

function status(reply: Reply): [number, string | null, string | null] {
  return [reply.status, tagText(reply.body, 'statusCode'), tagText(reply.body, 'subStatusCode')];
}

describe('sim users', () => {
  afterEach(closeDevices);

  it('lists accounts without passwords', async () => {
    const device = await startDevice({ users: [OPERATOR] });
    const reply = await digestRequest(device, '/ISAPI/Security/users', ADMIN);
    assert.equal(reply.status, 200);
    assert.match(
      reply.body,
      /<UserList version="2.0" xmlns="http:\/\/www\.hikvision\.com\/ver20\/XMLSchema">/,
    );
    assert.match(
      reply.body,
      /<User>\n<id>1<\/id>\n<userName>admin<\/userName>\n<userLevel>Administrator<\/userLevel>\n<\/User>/,
    );
    assert.match(reply.body, /<userName>operator1<\/userName>\n<userLevel>Operator<\/userLevel>/);
    assert.doesNotMatch(reply.body, new RegExp(`password|${PASSWORD}|${OPERATOR.password}`, 'i'));
    const one = await digestRequest(device, '/ISAPI/Security/users/2', ADMIN);
    assert.equal(tagText(one.body, 'userName'), 'operator1');
  });

  it('changes the password with the classic body; the old password stops working at once', async () => {
    const device = await startDevice();
    const body = userXml({ id: 1, userName: 'admin', password: NEW_PASSWORD });
    assert.deepEqual(status(await digestRequest(device, USER1, ADMIN, { method: 'PUT', body })), [
      200,
      '1',
      'ok',
    ]);
    assert.equal(device.counters.passwordChanges, 1);
    assert.equal((await digestRequest(device, '/ISAPI/Security/userCheck', ADMIN)).status, 401);
    assert.equal(device.counters.failedLogins, 1);
    const check = await digestRequest(device, '/ISAPI/Security/userCheck', {
      userName: 'admin',
      password: NEW_PASSWORD,
    });
    assert.equal(tagText(check.body, 'statusValue'), '200');
  });

  it('accepts the User PUT on the collection, taking the id from the body', async () => {
    const device = await startDevice();
    const body = userXml({ id: 1, userName: 'admin', password: NEW_PASSWORD });
    assert.deepEqual(
      status(await digestRequest(device, '/ISAPI/Security/users', ADMIN, { method: 'PUT', body })),
      [200, '1', 'ok'],
    );
    assert.equal(device.state.admin.password, NEW_PASSWORD);
  });

  describe('on firmware that requires loginPassword', () => {
    it('refuses a change without loginPassword as Invalid XML Content', async () => {
      const device = await startDevice({ requireLoginPassword: true });
      const body = userXml({ id: 1, userName: 'admin', password: NEW_PASSWORD });
      assert.deepEqual(status(await digestRequest(device, USER1, ADMIN, { method: 'PUT', body })), [
        400,
        '6',
        'badXmlContent',
      ]);
      assert.equal(device.state.admin.password, PASSWORD);
    });

    it('refuses a wrong loginPassword as Invalid Operation, without counting a failed login', async () => {
      const device = await startDevice({ requireLoginPassword: true });
      const body = userXml({
        id: 1,
        userName: 'admin',
        password: NEW_PASSWORD,
        userLevel: 'Administrator',
        loginPassword: 'Not-It-123',
      });
      assert.deepEqual(status(await digestRequest(device, USER1, ADMIN, { method: 'PUT', body })), [
        403,
        '4',
        'invalidOperation',
      ]);
      assert.equal(device.counters.failedLogins, 0);
    });

    it('changes the password when loginPassword is the current one', async () => {
      const device = await startDevice({ requireLoginPassword: true });
      const body = userXml({
        id: 1,
        userName: 'admin',
        password: NEW_PASSWORD,
        userLevel: 'Administrator',
        loginPassword: PASSWORD,
      });
      assert.deepEqual(status(await digestRequest(device, USER1, ADMIN, { method: 'PUT', body })), [
        200,
        '1',
        'ok',
      ]);
      assert.equal(device.state.admin.password, NEW_PASSWORD);
    });
  });

  it('refuses a password that breaks the rules with Invalid Operation and keeps the old one', async () => {
    const device = await startDevice();
    for (const weak of ['Ab1-xyz', 'alllowercase', 'Abcd 1234', 'Abcd-1234-Efgh-56']) {
      const body = userXml({ id: 1, userName: 'admin', password: weak });
      assert.deepEqual(status(await digestRequest(device, USER1, ADMIN, { method: 'PUT', body })), [
        403,
        '4',
        'invalidOperation',
      ]);
    }
    assert.equal(device.state.admin.password, PASSWORD);
    assert.equal(device.counters.passwordChanges, 0);
  });

  it('reads XML-escaped passwords', async () => {
    const device = await startDevice();
    const tricky = 'A<b>&"c\'1';
    const body = userXml({ id: 1, userName: 'admin', password: tricky });
    assert.equal((await digestRequest(device, USER1, ADMIN, { method: 'PUT', body })).status, 200);
    assert.equal(device.state.admin.password, tricky);
  });

  it('lets an operator change its own password but not the admin one', async () => {
    const device = await startDevice({ users: [OPERATOR] });
    const own = userXml({ id: 2, userName: 'operator1', password: 'Operator-Pass2' });
    assert.equal(
      (await digestRequest(device, '/ISAPI/Security/users/2', OPERATOR, { method: 'PUT', body: own })).status,
      200,
    );
    const operator = { userName: 'operator1', password: 'Operator-Pass2' };
    const admin = userXml({ id: 1, userName: 'admin', password: NEW_PASSWORD });
    assert.deepEqual(status(await digestRequest(device, USER1, operator, { method: 'PUT', body: admin })), [
      403,
      '4',
      'invalidOperation',
    ]);
    assert.equal(device.state.admin.password, PASSWORD);
  });

  it('answers malformed XML with Invalid XML Format and an id mismatch with Invalid XML Content', async () => {
    const device = await startDevice();
    assert.deepEqual(
      status(await digestRequest(device, USER1, ADMIN, { method: 'PUT', body: '<User><id>1</User>' })),
      [400, '5', 'badXmlFormat'],
    );
    const mismatch = userXml({ id: 2, userName: 'admin', password: NEW_PASSWORD });
    assert.deepEqual(status(await digestRequest(device, USER1, ADMIN, { method: 'PUT', body: mismatch })), [
      400,
      '6',
      'badXmlContent',
    ]);
  });

  it('takes a change made by a third party into account immediately', async () => {
    const device = await startDevice();
    device.setPassword('admin', NEW_PASSWORD);
    assert.equal((await digestRequest(device, '/ISAPI/Security/userCheck', ADMIN)).status, 401);
    assert.equal(device.counters.passwordChanges, 0);
  });
});

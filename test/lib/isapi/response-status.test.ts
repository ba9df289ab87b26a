import assert from 'node:assert/strict';
import {
  AuthFailedError,
  DeviceBusyError,
  DeviceLockedError,
  IsapiStatusError,
  NotActivatedError,
  NotSupportedError,
  RebootRequiredError,
  type IsapiStatus,
} from '../../../lib/errors';
import {
  authFailureFromBody,
  isOkStatus,
  readIsapiStatus,
  readLockInfo,
  toIsapiError,
} from '../../../lib/isapi/response-status';
import { parseXml } from '../../../lib/xml/xml';

// Our own bodies, shaped like the captures in docs/protocol/isapi.md §1.1, §1.2, §2.3 and §2.4.
const DECLARATION = '<?xml version="1.0" encoding="UTF-8" ?>\n';
const USER_CHECK_OK = `${DECLARATION}<userCheck version="2.0" xmlns="http://www.isapi.org/ver20/XMLSchema"><statusValue>200</statusValue><statusString>OK</statusString><isDefaultPassword>false</isDefaultPassword><isRiskPassword>false</isRiskPassword><isActivated>true</isActivated></userCheck>`;
const USER_CHECK_401 = `${DECLARATION}<userCheck><statusValue>401</statusValue><statusString>Unauthorized</statusString></userCheck>`;
const USER_CHECK_UNLOCKED = `${DECLARATION}<userCheck><statusValue>401</statusValue><statusString>Unauthorized</statusString><lockStatus>unlock</lockStatus><unlockTime>0</unlockTime><retryLoginTime>4</retryLoginTime></userCheck>`;
const USER_CHECK_LOCKED = `${DECLARATION}<userCheck><statusValue>401</statusValue><statusString>Unauthorized</statusString><lockStatus>lock</lockStatus><unlockTime>187</unlockTime><retryLoginTime>0</retryLoginTime></userCheck>`;
const USER_CHECK_LOCKED_NO_TIME = `${DECLARATION}<userCheck><statusValue>401</statusValue><lockStatus>lock</lockStatus></userCheck>`;
const SESSION_LOGIN_LOCKED = `${DECLARATION}<ResponseStatus version="2.0" xmlns="http://www.std-cgi.com/ver20/XMLSchema"><requestURL>/ISAPI/Security/sessionLogin</requestURL><statusCode>4</statusCode><statusString>Invalid Operation</statusString><subStatusCode>invalidOperation</subStatusCode><lockStatus>lock</lockStatus><retryTimes>0</retryTimes><resLockTime>1500</resLockTime></ResponseStatus>`;
const SESSION_LOGIN_OK = `${DECLARATION}<SessionLogin><statusValue>200</statusValue><statusString>OK</statusString><isDefaultPassword>false</isDefaultPassword><isActivated>true</isActivated><sessionIDVersion>2</sessionIDVersion></SessionLogin>`;
const PUT_OK = `${DECLARATION}<ResponseStatus version="1.0" xmlns="http://www.hikvision.com/ver20/XMLSchema"><requestURL>/ISAPI/Security/users/1</requestURL><statusCode>1</statusCode><statusString>OK</statusString><subStatusCode>ok</subStatusCode></ResponseStatus>`;
const INVALID_OPERATION_403 = `${DECLARATION}<ResponseStatus xmlns="http://www.hikvision.com/ver20/XMLSchema" version="1.0"><requestURL>/ISAPI/ContentMgmt/InputProxy/channels</requestURL><statusCode>4</statusCode><statusString>Invalid Operation</statusString><subStatusCode>invalidOperation</subStatusCode></ResponseStatus>`;
const METHOD_NOT_ALLOWED = `${DECLARATION}<ResponseStatus version="1.0" xmlns="http://www.std-cgi.com/ver10/XMLSchema"><requestURL>/ISAPI/System/reboot</requestURL><statusCode>4</statusCode><statusString>Invalid Operation</statusString><subStatusCode>methodNotAllowed</subStatusCode><errorCode>1073741828</errorCode><errorMsg>http method is not allowed</errorMsg></ResponseStatus>`;
const NOT_SUPPORT = `${DECLARATION}<ResponseStatus version="1.0" xmlns="urn:psialliance-org"><requestURL>/ISAPI/Security/email/parameter</requestURL><statusCode>4</statusCode><statusString>Invalid Operation</statusString><subStatusCode>notSupport</subStatusCode></ResponseStatus>`;
const NOT_ACTIVATED = `${DECLARATION}<ResponseStatus version="2.0" xmlns="http://www.isapi.org/ver20/XMLSchema"><requestURL>/ISAPI/System/deviceInfo</requestURL><statusCode>4</statusCode><statusString>Invalid Operation</statusString><subStatusCode>notActivated</subStatusCode></ResponseStatus>`;
const BAD_XML_CONTENT = `${DECLARATION}<ResponseStatus version="1.0" xmlns="http://www.hikvision.com/ver20/XMLSchema"><requestURL>/ISAPI/Security/users/1</requestURL><statusCode>6</statusCode><statusString>Invalid XML Content</statusString><subStatusCode>badXmlContent</subStatusCode></ResponseStatus>`;
const DEVICE_BUSY = `${DECLARATION}<ResponseStatus version="2.0" xmlns="http://www.isapi.org/ver20/XMLSchema"><statusCode>2</statusCode><statusString>Device Busy</statusString><subStatusCode>deviceBusy</subStatusCode></ResponseStatus>`;
const REBOOT_REQUIRED = `${DECLARATION}<ResponseStatus version="1.0" xmlns="http://www.hikvision.com/ver20/XMLSchema"><requestURL>/ISAPI/System/Network/interfaces/1/ipAddress</requestURL><statusCode>7</statusCode><statusString>Reboot Required</statusString><subStatusCode>rebootRequired</subStatusCode></ResponseStatus>`;

function status(httpStatus: number, body: string | null): IsapiStatus {
  return readIsapiStatus(httpStatus, body === null ? null : parseXml(body));
}

describe('readLockInfo', () => {
  it('reads a lock with its remaining seconds and no retries left', () => {
    assert.deepEqual(readLockInfo(parseXml(USER_CHECK_LOCKED)), {
      locked: true,
      unlockInSeconds: 187,
      retriesLeft: 0,
    });
  });

  it('reads the attempts left before a lock', () => {
    assert.deepEqual(readLockInfo(parseXml(USER_CHECK_UNLOCKED)), {
      locked: false,
      unlockInSeconds: 0,
      retriesLeft: 4,
    });
  });

  it('reads the session-login variant retryTimes / resLockTime', () => {
    assert.deepEqual(readLockInfo(parseXml(SESSION_LOGIN_LOCKED)), {
      locked: true,
      unlockInSeconds: 1500,
      retriesLeft: 0,
    });
  });

  it('reports null for whatever the device did not say', () => {
    const unknown = { locked: null, unlockInSeconds: null, retriesLeft: null };
    assert.deepEqual(readLockInfo(parseXml(USER_CHECK_401)), unknown);
    assert.deepEqual(readLockInfo(null), unknown);
    assert.deepEqual(
      readLockInfo(
        parseXml(
          '<userCheck><lockStatus>maybe</lockStatus><unlockTime>-5</unlockTime><retryLoginTime>x</retryLoginTime></userCheck>',
        ),
      ),
      unknown,
    );
  });
});

describe('readIsapiStatus', () => {
  it('reads every field of a ResponseStatus, whatever its namespace', () => {
    assert.deepEqual(status(403, INVALID_OPERATION_403), {
      httpStatus: 403,
      statusCode: 4,
      statusString: 'Invalid Operation',
      subStatusCode: 'invalidOperation',
      requestUrl: '/ISAPI/ContentMgmt/InputProxy/channels',
    });
  });

  it('reads a namespace-prefixed ResponseStatus', () => {
    const prefixed =
      '<p:ResponseStatus xmlns:p="urn:psialliance-org"><p:statusCode>1</p:statusCode><p:statusString>OK</p:statusString></p:ResponseStatus>';
    assert.equal(status(200, prefixed).statusCode, 1);
  });

  it('treats statusValue 200 in userCheck and SessionLogin bodies as statusCode 1', () => {
    assert.equal(status(200, USER_CHECK_OK).statusCode, 1);
    assert.equal(status(200, SESSION_LOGIN_OK).statusCode, 1);
  });

  it('leaves statusCode null for a statusValue other than 200', () => {
    assert.deepEqual(status(401, USER_CHECK_401), {
      httpStatus: 401,
      statusCode: null,
      statusString: 'Unauthorized',
      subStatusCode: null,
      requestUrl: null,
    });
  });

  it('keeps only the HTTP status when there is no body', () => {
    assert.deepEqual(status(404, null), {
      httpStatus: 404,
      statusCode: null,
      statusString: null,
      subStatusCode: null,
      requestUrl: null,
    });
  });
});

describe('isOkStatus', () => {
  it('accepts statusCode 1, statusCode 0 and userCheck statusValue 200', () => {
    assert.equal(isOkStatus(status(200, PUT_OK)), true);
    assert.equal(
      isOkStatus(status(200, '<ResponseStatus><statusCode>0</statusCode></ResponseStatus>')),
      true,
    );
    assert.equal(isOkStatus(status(200, USER_CHECK_OK)), true);
  });

  it('rejects every other status, even with HTTP 200, and a missing status', () => {
    assert.equal(isOkStatus(status(200, BAD_XML_CONTENT)), false);
    assert.equal(isOkStatus(status(200, REBOOT_REQUIRED)), false);
    assert.equal(isOkStatus(status(401, USER_CHECK_401)), false);
    assert.equal(isOkStatus(status(200, null)), false);
  });
});

describe('toIsapiError', () => {
  it('maps statusCode 2 to DeviceBusyError', () => {
    assert.ok(toIsapiError(status(200, DEVICE_BUSY)) instanceof DeviceBusyError);
  });

  it('maps a bare HTTP 503 without a status body to DeviceBusyError', () => {
    assert.ok(toIsapiError(readIsapiStatus(503, null)) instanceof DeviceBusyError);
  });

  it('maps statusCode 7 to RebootRequiredError', () => {
    assert.ok(toIsapiError(status(200, REBOOT_REQUIRED)) instanceof RebootRequiredError);
  });

  it('maps subStatusCode notActivated to NotActivatedError, even on a 403', () => {
    assert.ok(toIsapiError(status(403, NOT_ACTIVATED)) instanceof NotActivatedError);
  });

  it('maps notSupport and methodNotAllowed to NotSupportedError', () => {
    assert.ok(toIsapiError(status(200, NOT_SUPPORT)) instanceof NotSupportedError);
    assert.ok(toIsapiError(status(403, METHOD_NOT_ALLOWED)) instanceof NotSupportedError);
  });

  it('maps 403/404/405 without a more specific body to NotSupportedError', () => {
    assert.ok(toIsapiError(status(403, INVALID_OPERATION_403)) instanceof NotSupportedError);
    assert.ok(toIsapiError(status(404, null)) instanceof NotSupportedError);
    assert.ok(toIsapiError(status(405, '<html><body>405</body></html>')) instanceof NotSupportedError);
  });

  it('keeps a specific failure on a 403 as a plain IsapiStatusError', () => {
    const err = toIsapiError(status(403, BAD_XML_CONTENT));
    assert.equal(err.constructor, IsapiStatusError);
    assert.equal(err.statusCode, 6);
    assert.equal(err.subStatusCode, 'badXmlContent');
  });

  it('maps an invalid operation on HTTP 200 to a plain IsapiStatusError carrying the fields', () => {
    const err = toIsapiError(status(200, INVALID_OPERATION_403));
    assert.equal(err.constructor, IsapiStatusError);
    assert.equal(err.code, 'HIK_ERR_ISAPI');
    assert.equal(err.httpStatus, 200);
    assert.equal(err.requestUrl, '/ISAPI/ContentMgmt/InputProxy/channels');
  });
});

describe('authFailureFromBody', () => {
  it('reports a lock with the seconds the device gave', () => {
    const err = authFailureFromBody(parseXml(USER_CHECK_LOCKED));
    assert.ok(err instanceof DeviceLockedError);
    assert.equal(err.unlockInSeconds, 187);
  });

  it('assumes the 30-minute default when a lock comes without unlockTime', () => {
    const err = authFailureFromBody(parseXml(USER_CHECK_LOCKED_NO_TIME));
    assert.ok(err instanceof DeviceLockedError);
    assert.equal(err.unlockInSeconds, 1800);
  });

  it('reports a session-login lock from resLockTime', () => {
    const err = authFailureFromBody(parseXml(SESSION_LOGIN_LOCKED));
    assert.ok(err instanceof DeviceLockedError);
    assert.equal(err.unlockInSeconds, 1500);
  });

  it('reports a wrong credential with the attempts left', () => {
    const err = authFailureFromBody(parseXml(USER_CHECK_UNLOCKED));
    assert.ok(err instanceof AuthFailedError);
    assert.equal(err.retriesLeft, 4);
  });

  it('reports a wrong credential with unknown attempts when the body says nothing', () => {
    for (const root of [parseXml(USER_CHECK_401), null]) {
      const err = authFailureFromBody(root);
      assert.ok(err instanceof AuthFailedError);
      assert.equal(err.retriesLeft, null);
    }
  });
});

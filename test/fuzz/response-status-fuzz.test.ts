import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AuthFailedError, DeviceLockedError, IsapiStatusError } from '../../lib/errors';
import {
  authFailureFromBody,
  isOkStatus,
  readIsapiStatus,
  readLockInfo,
  toIsapiError,
} from '../../lib/isapi/response-status';
import { escapeXml, parseXml, type XmlElement } from '../../lib/xml/xml';

const FIELDS = [
  'statusCode',
  'statusValue',
  'statusString',
  'subStatusCode',
  'requestURL',
  'lockStatus',
  'unlockTime',
  'retryLoginTime',
  'resLockTime',
  'retryTimes',
] as const;

/** Field values a device might send, and ones it should not: numbers out of range, odd case, junk. */
const fieldValue = fc.oneof(
  fc.integer({ min: -5, max: 10 }).map(String),
  fc.constantFrom(
    'lock',
    'LOCK',
    'unlock',
    'Unlock',
    '',
    ' 1800 ',
    '99999999999999999999',
    '-0',
    '1e3',
    'notActivated',
    'notSupport',
    'invalidOperation',
    'OK',
  ),
  fc.string({ maxLength: 12 }),
);

const statusBody = fc
  .tuple(
    fc.constantFrom('ResponseStatus', 'userCheck', 'SessionLogin', 'Other'),
    fc.array(fc.tuple(fc.constantFrom(...FIELDS), fieldValue), { maxLength: 8 }),
  )
  .map(([root, fields]) => {
    const inner = fields.map(([name, value]) => `<${name}>${escapeXml(value)}</${name}>`).join('');
    return `<?xml version="1.0" encoding="UTF-8"?><${root} xmlns="http://www.hikvision.com/ver20/XMLSchema">${inner}</${root}>`;
  });

const nonNegativeOrNull = (value: number | null) => value === null || (Number.isInteger(value) && value >= 0);

describe('ResponseStatus and lock readers under hostile input (property tests)', function () {
  this.timeout(20_000);

  it('always yields a typed status, lock info and error, with no negative or fractional counts', () => {
    fc.assert(
      fc.property(statusBody, fc.integer({ min: 100, max: 599 }), (body, httpStatus) => {
        const root: XmlElement = parseXml(body);
        const lock = readLockInfo(root);
        assert.ok(nonNegativeOrNull(lock.unlockInSeconds));
        assert.ok(nonNegativeOrNull(lock.retriesLeft));
        assert.ok(lock.locked === null || typeof lock.locked === 'boolean');

        const status = readIsapiStatus(httpStatus, root);
        assert.equal(status.httpStatus, httpStatus);
        assert.ok(status.statusCode === null || Number.isSafeInteger(status.statusCode));
        for (const text of [status.statusString, status.subStatusCode, status.requestUrl]) {
          assert.ok(text === null || (typeof text === 'string' && text !== ''));
        }
        if (!isOkStatus(status)) assert.ok(toIsapiError(status) instanceof IsapiStatusError);

        const failure = authFailureFromBody(root);
        if (lock.locked === true) {
          assert.ok(failure instanceof DeviceLockedError);
          assert.ok(failure.unlockInSeconds >= 0);
        } else {
          assert.ok(failure instanceof AuthFailedError);
          assert.equal(failure.retriesLeft, lock.retriesLeft);
        }
      }),
      { seed: 8301, numRuns: 2000 },
    );
  });

  it('treats a missing body as nothing known, never as success', () => {
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 599 }), (httpStatus) => {
        const status = readIsapiStatus(httpStatus, null);
        assert.equal(isOkStatus(status), false);
        assert.ok(toIsapiError(status) instanceof IsapiStatusError);
        assert.ok(authFailureFromBody(null) instanceof AuthFailedError);
      }),
      { seed: 8302, numRuns: 200 },
    );
  });

  it('reports a lock whatever the case of lockStatus, and defaults its length when absent or junk', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('lock', 'LOCK', 'Lock'),
        fc.option(fieldValue, { nil: undefined }),
        (word, unlock) => {
          const extra = unlock === undefined ? '' : `<unlockTime>${escapeXml(unlock)}</unlockTime>`;
          const failure = authFailureFromBody(
            parseXml(`<userCheck><lockStatus>${word}</lockStatus>${extra}</userCheck>`),
          );
          assert.ok(failure instanceof DeviceLockedError);
          const stated =
            unlock === undefined
              ? null
              : readLockInfo(parseXml(`<a><unlockTime>${escapeXml(unlock)}</unlockTime></a>`))
                  .unlockInSeconds;
          assert.equal(failure.unlockInSeconds, stated ?? 1800);
        },
      ),
      { seed: 8303, numRuns: 300 },
    );
  });
});

import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import * as copyA from '../../lib/errors';

/** A second, independent copy of lib/errors (as when two packages each bring their own). */
function loadSecondCopy(): typeof copyA {
  const file = require.resolve('../../lib/errors');
  const first = require.cache[file];
  Reflect.deleteProperty(require.cache, file);
  try {
    return require(file) as typeof copyA;
  } finally {
    // Everything else in this process keeps using the first copy.
    if (first) require.cache[file] = first;
  }
}

describe('typed errors across two loaded copies of the package', () => {
  const copyB = loadSecondCopy();

  it('really are two copies: different classes, prototype instanceof would say no', () => {
    assert.notEqual(copyA.AuthFailedError, copyB.AuthFailedError);
    const fromB = new copyB.AuthFailedError(3);
    assert.equal(Object.getPrototypeOf(fromB), copyB.AuthFailedError.prototype);
    assert.notEqual(Object.getPrototypeOf(fromB), copyA.AuthFailedError.prototype);
  });

  it('an error from the other copy is instanceof its own class and its ancestors here', () => {
    const fromB = new copyB.AuthFailedError(3);
    assert.ok(fromB instanceof copyA.AuthFailedError);
    assert.ok(fromB instanceof copyA.HikError);
    assert.ok(fromB instanceof Error);
    assert.ok(copyA.HikError.isHikError(fromB));
    assert.equal(fromB.retriesLeft, 3);

    const busyFromB = new copyB.DeviceBusyError(busy());
    assert.ok(busyFromB instanceof copyA.DeviceBusyError);
    assert.ok(busyFromB instanceof copyA.IsapiStatusError);
    assert.ok(busyFromB instanceof copyA.HikError);
  });

  it('works the other way round too', () => {
    const fromA = new copyA.DeviceLockedError(600);
    assert.ok(fromA instanceof copyB.DeviceLockedError);
    assert.ok(fromA instanceof copyB.HikError);
    assert.ok(copyB.HikError.isHikError(fromA));
    assert.ok(!(fromA instanceof copyB.AuthFailedError));
  });

  it('an error is not instanceof a sibling or a subclass, from either copy', () => {
    const fromB = new copyB.AuthFailedError(null);
    assert.ok(!(fromB instanceof copyA.DeviceLockedError));
    assert.ok(!(fromB instanceof copyA.LoginGuardRefusedError));
    assert.ok(!(fromB instanceof copyA.IsapiStatusError));
    const base = new copyA.HikError('plain');
    assert.ok(!(base instanceof copyB.AuthFailedError));
    assert.ok(!(new copyB.IsapiStatusError(busy()) instanceof copyA.DeviceBusyError));
  });

  it('nothing that is not one of our errors passes', () => {
    const strangers: unknown[] = [
      new Error('x'),
      { code: 'HIK_ERR_AUTH_FAILED', name: 'AuthFailedError' },
      Object.create(copyA.AuthFailedError.prototype) as object,
      null,
      undefined,
      'AuthFailedError',
      42,
    ];
    for (const value of strangers) {
      assert.ok(!(value instanceof copyA.AuthFailedError), inspect(value));
      assert.ok(!(value instanceof copyA.HikError), inspect(value));
      assert.ok(!copyA.HikError.isHikError(value), inspect(value));
    }
  });

  it('keeps assert.throws and subclasses declared outside lib/errors working', () => {
    class LocalError extends copyB.InvalidArgumentError {}
    assert.throws(() => {
      throw new LocalError('bad option');
    }, copyA.InvalidArgumentError);
    assert.ok(!(new copyA.InvalidArgumentError('x') instanceof LocalError));
    assert.equal(new LocalError('x').code, 'HIK_ERR_INVALID_ARGUMENT');
  });

  it('keeps its brands out of inspect output and own enumerable keys', () => {
    const err = new copyA.AuthFailedError(2);
    assert.deepEqual(
      Object.getOwnPropertySymbols(err).filter((s) => Object.getOwnPropertyDescriptor(err, s)?.enumerable),
      [],
    );
    assert.doesNotMatch(inspect(err), /hik-guard\.error/);
  });
});

function busy(): copyA.IsapiStatus {
  return {
    httpStatus: 503,
    statusCode: 2,
    statusString: 'Device Busy',
    subStatusCode: 'deviceBusy',
    requestUrl: null,
  };
}

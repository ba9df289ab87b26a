import assert from 'node:assert/strict';
import fc from 'fast-check';
import { HikError, InvalidArgumentError } from '../../lib/errors';
import { DEVICE_STATES } from '../../lib/device-vocabulary';
import { deviceEntity, entityIdForSerial } from '../../lib/homeassistant/device-entity';
import { parseHaEndpoint } from '../../lib/homeassistant/ha-endpoint';
import { toHaError } from '../../lib/homeassistant/ha-error';

/** toHaError caps quoted server text at 200 characters; the fixed wording around it is short. */
const MAX_MESSAGE = 320;

describe('Home Assistant message handling under hostile input (property tests)', function () {
  this.timeout(20_000);

  it('turns any rejection value into a HikError with a bounded message', () => {
    const rejection = fc.oneof(
      fc.anything({ maxDepth: 3 }),
      fc.record({
        code: fc.oneof(fc.integer(), fc.string({ maxLength: 500 })),
        message: fc.anything({ maxDepth: 2 }),
      }),
      fc.record({
        type: fc.constant('result'),
        error: fc.record({
          code: fc.oneof(fc.integer(), fc.string()),
          message: fc.string({ maxLength: 5000 }),
        }),
      }),
      fc.string({ maxLength: 5000 }).map((m) => new Error(m)),
    );
    fc.assert(
      fc.property(rejection, (value) => {
        const err = toHaError(value);
        assert.ok(HikError.isHikError(err));
        assert.match(err.code, /^HIK_ERR/);
        assert.ok(err.message.length <= MAX_MESSAGE, `message of ${err.message.length} characters`);
      }),
      { seed: 8401, numRuns: 2000 },
    );
  });

  it('builds a valid entity id for any serial, or refuses it with InvalidArgumentError', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 40, unit: 'binary' }),
        fc.constantFrom(...DEVICE_STATES),
        (serial, state) => {
          let entity;
          try {
            entity = deviceEntity({ serial, state, name: null });
          } catch (err) {
            assert.ok(err instanceof InvalidArgumentError);
            assert.doesNotMatch(serial.toLowerCase(), /[a-z0-9]/);
            return;
          }
          assert.match(entity.entityId, /^sensor\.hik_guard_[a-z0-9]+(_[a-z0-9]+)*$/);
          assert.equal(entity.entityId, entityIdForSerial(serial));
          assert.equal(entity.state, state);
          assert.equal(entity.attributes.serial, serial);
          assert.equal(entity.attributes.friendly_name, serial);
        },
      ),
      { seed: 8402, numRuns: 2000 },
    );
  });

  it('refuses any device state outside the published list', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 20 }).filter((s) => !(DEVICE_STATES as readonly string[]).includes(s)),
        (state) => {
          assert.throws(
            () => deviceEntity({ serial: 'DS1', state: state as 'active' }),
            InvalidArgumentError,
          );
        },
      ),
      { seed: 8403, numRuns: 300 },
    );
  });

  it('gives a ws(s) endpoint or InvalidArgumentError for any URL text, never one carrying credentials', () => {
    const urlish = fc.oneof(
      fc.webUrl({ withQueryParameters: true, withFragments: true }),
      fc
        .tuple(
          fc.constantFrom('http://', 'https://', 'ws://', 'ftp://', ''),
          fc.string({ maxLength: 40, unit: 'binary' }),
        )
        .map(([a, b]) => a + b),
      fc
        .tuple(fc.constantFrom('http', 'https'), fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }))
        .map(([s, u, p]) => `${s}://${encodeURIComponent(u)}:${encodeURIComponent(p)}@ha.local:8123`),
    );
    fc.assert(
      fc.property(urlish, (text) => {
        let endpoint;
        try {
          endpoint = parseHaEndpoint(text);
        } catch (err) {
          assert.ok(err instanceof InvalidArgumentError, String(err));
          return;
        }
        assert.match(endpoint.baseUrl, /^https?:\/\/[^/?#@]+(\/[^?#]*)?$/);
        assert.ok(!endpoint.baseUrl.endsWith('/'));
        assert.equal(endpoint.wsUrl, `ws${endpoint.baseUrl.slice(4)}/api/websocket`);
      }),
      { seed: 8404, numRuns: 2000 },
    );
  });
});

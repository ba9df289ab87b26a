import assert from 'node:assert/strict';
import {
  ERR_CANNOT_CONNECT,
  ERR_CONNECTION_LOST,
  ERR_HASS_HOST_REQUIRED,
  ERR_INVALID_AUTH,
} from 'home-assistant-js-websocket';
import { HaStoppingError, HaUnreachableError } from '../../../lib/errors';
import { CappedBackoff } from '../../../lib/homeassistant/backoff';
import { DeliveryQueue } from '../../../lib/homeassistant/delivery-queue';
import { deviceEntity, entityIdForSerial, serialSlug } from '../../../lib/homeassistant/device-entity';
import { parseHaEndpoint } from '../../../lib/homeassistant/ha-endpoint';
import { toHaError } from '../../../lib/homeassistant/ha-error';

describe('Home Assistant building blocks', () => {
  describe('entity ids', () => {
    it('lowercases the serial and turns each run of other characters into one underscore', () => {
      assert.equal(serialSlug('DS-2CD2043G2-I20230101AAWRJ12345678'), 'ds_2cd2043g2_i20230101aawrj12345678');
      assert.equal(serialSlug('AB--C d.E'), 'ab_c_d_e');
      assert.equal(entityIdForSerial('DS-7608NI-K2/8P'), 'sensor.hik_guard_ds_7608ni_k2_8p');
    });

    it('drops leading and trailing underscores, which HA refuses in entity ids', () => {
      assert.equal(serialSlug('-X1-'), 'x1');
      assert.throws(() => serialSlug('---'), { code: 'HIK_ERR_INVALID_ARGUMENT' });
    });

    it('builds the tile entity with an icon per state and ISO times', () => {
      const entity = deviceEntity({
        serial: 'A1',
        state: 'locked',
        model: 'DS-2CD2043G2-I',
        lastRotation: new Date('2025-01-01T00:00:00Z'),
      });
      assert.deepEqual(entity, {
        entityId: 'sensor.hik_guard_a1',
        state: 'locked',
        attributes: {
          friendly_name: 'A1',
          icon: 'mdi:lock-clock',
          model: 'DS-2CD2043G2-I',
          serial: 'A1',
          ip: null,
          firmware: null,
          last_rotation: '2025-01-01T00:00:00.000Z',
          next_rotation: null,
          last_seen: null,
          unconfirmed: false,
          audited_at: null,
          findings_worst: null,
          findings_count: null,
          findings: null,
        },
      });
      const audited = deviceEntity({
        serial: 'A1',
        state: 'active',
        audit: {
          auditedAt: '2026-12-07T05:00:00.000Z',
          worst: 'critical',
          findings: [
            { id: 'CVE-2021-36260', severity: 'critical' },
            { id: 'upnp-enabled', severity: 'medium' },
          ],
        },
      });
      assert.equal(audited.attributes.findings_worst, 'critical');
      assert.equal(audited.attributes.findings_count, 2);
      assert.equal(audited.attributes.findings, 'CVE-2021-36260 (critical), upnp-enabled (medium)');
      assert.equal(audited.attributes.audited_at, '2026-12-07T05:00:00.000Z');
      assert.throws(() => deviceEntity({ serial: 'A1', state: 'weird' as 'active' }), {
        code: 'HIK_ERR_INVALID_ARGUMENT',
      });
    });
  });

  describe('toHaError', () => {
    it('turns the library numbers and HA error objects into typed errors', () => {
      assert.equal(toHaError(ERR_CANNOT_CONNECT).code, 'HIK_ERR_HA_UNREACHABLE');
      assert.equal(toHaError(ERR_INVALID_AUTH).code, 'HIK_ERR_HA_AUTH_INVALID');
      assert.equal(toHaError(ERR_CONNECTION_LOST).code, 'HIK_ERR_HA_CONNECTION_LOST');
      assert.equal(toHaError(ERR_HASS_HOST_REQUIRED).code, 'HIK_ERR_INVALID_ARGUMENT');
      assert.equal(
        toHaError({ type: 'result', success: false, error: { code: 3, message: 'Connection lost' } }).code,
        'HIK_ERR_HA_CONNECTION_LOST',
      );
      const command = toHaError({ code: 'not_found', message: 'Service notify.x not found.' });
      assert.equal(command.code, 'HIK_ERR_HA_COMMAND');
      assert.equal((command as unknown as { haCode: string }).haCode, 'not_found');
      const stopping = new HaStoppingError();
      assert.equal(toHaError(stopping), stopping);
      assert.equal(toHaError(new Error('boom')).code, 'HIK_ERR');
      assert.ok(toHaError({ code: 'x', message: 'y'.repeat(10_000) }).message.length < 300);
    });
  });

  describe('parseHaEndpoint', () => {
    it('derives the WebSocket URL and refuses URLs that cannot work', () => {
      assert.deepEqual(parseHaEndpoint('https://ha.example:8123/'), {
        baseUrl: 'https://ha.example:8123',
        wsUrl: 'wss://ha.example:8123/api/websocket',
      });
      assert.equal(parseHaEndpoint('http://127.0.0.1:8123/ha').wsUrl, 'ws://127.0.0.1:8123/ha/api/websocket');
      for (const bad of ['homeassistant.local', 'ftp://x', 'http://u:p@x', 'http://x/?a=1']) {
        assert.throws(() => parseHaEndpoint(bad), { code: 'HIK_ERR_INVALID_ARGUMENT' }, bad);
      }
    });
  });

  describe('CappedBackoff', () => {
    it('doubles from the first delay up to the cap, with jitter between half and full', () => {
      const low = new CappedBackoff({ initialMs: 100, maxMs: 1000, random: () => 0 });
      const high = new CappedBackoff({ initialMs: 100, maxMs: 1000, random: () => 0.999999 });
      assert.deepEqual(
        [0, 1, 2, 3, 4, 40].map((a) => high.delayMs(a)),
        [100, 200, 400, 800, 1000, 1000],
      );
      assert.deepEqual(
        [0, 1, 4].map((a) => low.delayMs(a)),
        [50, 100, 500],
      );
      assert.throws(() => new CappedBackoff({ initialMs: 0 }), { code: 'HIK_ERR_INVALID_ARGUMENT' });
    });
  });

  describe('DeliveryQueue', () => {
    function queue(ready: () => boolean, send: (item: string) => Promise<void>, dropped: string[] = []) {
      return new DeliveryQueue<string>({
        maxItems: 3,
        send,
        isReady: ready,
        backoff: new CappedBackoff({ initialMs: 1, maxMs: 5 }),
        onDropped: (_error, item) => dropped.push(item),
        onFatal: () => undefined,
      });
    }

    it('keeps the latest item per key and evicts the oldest key when full', async () => {
      let ready = false;
      const sent: string[] = [];
      const dropped: string[] = [];
      const q = queue(
        () => ready,
        (item) => Promise.resolve(void sent.push(item)),
        dropped,
      );
      q.put('a', 'a1');
      q.put('a', 'a2');
      q.put('b', 'b1');
      q.put('c', 'c1');
      q.put('d', 'd1');
      assert.equal(q.size, 3);
      assert.deepEqual(dropped, ['a2']);
      ready = true;
      q.drain();
      await q.settled();
      assert.deepEqual(sent, ['b1', 'c1', 'd1']);
    });

    it('keeps an item after a retriable failure and sends it on the retry', async () => {
      let failures = 1;
      const sent: string[] = [];
      const q = queue(
        () => true,
        (item) =>
          failures-- > 0
            ? Promise.reject(new HaUnreachableError('down'))
            : Promise.resolve(void sent.push(item)),
      );
      q.put('a', 'a1');
      await q.settled();
      assert.deepEqual(sent, ['a1']);
      q.close();
    });
  });
});

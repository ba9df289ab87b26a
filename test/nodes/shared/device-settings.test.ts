import assert from 'node:assert/strict';
import { parsePort, readDeviceSettings } from '../../../nodes/shared/device-settings';

const good = {
  name: 'garage',
  host: '198.51.100.20',
  protocol: 'https',
  port: 443,
  username: 'admin',
  serial: '',
};

describe('readDeviceSettings', () => {
  it('returns frozen settings, an empty serial as null', () => {
    const result = readDeviceSettings(good);
    assert.ok(result.ok);
    assert.deepEqual(result.settings, {
      ...good,
      serial: null,
      allowHttpPasswordChange: false,
      consumers: [],
      keepOnvifUsersInStep: true,
      streamingAccount: false,
    });
    assert.ok(Object.isFrozen(result.settings));
  });

  it('reads the holders of the password to keep in step', () => {
    const consumers = [
      { type: 'go2rtc', config: 'g1', account: 'streaming' },
      { type: 'frigate', config: 'f1', account: 'admin' },
      { type: 'homeassistant', config: 'ha1', domain: 'generic', entry: 'Garden', account: 'admin' },
    ];
    const result = readDeviceSettings({ ...good, consumers });
    assert.ok(result.ok);
    assert.deepEqual(result.settings.consumers, consumers);
  });

  it('accepts IPv4, IPv6 (with a zone) and host names', () => {
    for (const host of ['198.51.100.20', 'fd00::20', 'fe80::1%eth0', 'cam-garage.lan', 'nvr']) {
      assert.ok(readDeviceSettings({ ...good, host }).ok, host);
    }
  });

  it('names the first unusable field', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ host: '' }, 'host'],
      [{ host: 'http://198.51.100.20' }, 'host'],
      [{ host: '198.51.100.20:80' }, 'host'],
      [{ host: '[fd00::20]' }, 'host'],
      [{ host: 42 }, 'host'],
      [{ protocol: 'ftp' }, 'protocol'],
      [{ port: 0 }, 'port'],
      [{ port: 70000 }, 'port'],
      [{ port: 80.5 }, 'port'],
      [{ username: '' }, 'username'],
      [{ username: 'a\nb' }, 'username'],
      [{ username: 'x'.repeat(65) }, 'username'],
      [{ serial: 'with space' }, 'serial'],
      [{ serial: 7 }, 'serial'],
      [{ consumers: 'go2rtc' }, 'consumers'],
      [{ consumers: [{ type: 'blueiris', config: 'g1', account: 'admin' }] }, 'consumers'],
      [{ consumers: [{ type: 'go2rtc', config: '', account: 'admin' }] }, 'consumers'],
      [{ consumers: [{ type: 'go2rtc', config: 'g1', account: 'root' }] }, 'consumers'],
      [
        {
          consumers: [
            { type: 'homeassistant', config: 'h', domain: 'hikvision', entry: 'x', account: 'admin' },
          ],
        },
        'consumers',
      ],
      [
        {
          consumers: [{ type: 'homeassistant', config: 'h', domain: 'onvif', entry: ' ', account: 'admin' }],
        },
        'consumers',
      ],
    ];
    for (const [change, problem] of cases) {
      assert.deepEqual(
        readDeviceSettings({ ...good, ...change }),
        { ok: false, problem },
        JSON.stringify(change),
      );
    }
  });
});

describe('parsePort', () => {
  it('reads numbers and the digit strings the editor saves', () => {
    assert.equal(parsePort(80), 80);
    assert.equal(parsePort('8443'), 8443);
    assert.equal(parsePort(' 443 '), 443);
  });

  it('refuses anything else', () => {
    for (const bad of ['', '0x50', '1e3', '-1', null, undefined, 65536, '65536']) {
      assert.equal(parsePort(bad), null, String(bad));
    }
  });
});

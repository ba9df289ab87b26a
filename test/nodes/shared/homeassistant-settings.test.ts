import assert from 'node:assert/strict';
import { readHomeAssistantSettings } from '../../../nodes/shared/homeassistant-settings';
import { hikHomeassistantMigrations, migrate } from '../../../nodes/shared/migrations';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----';

describe('hik-homeassistant config: migration and settings', () => {
  it('migrates an unversioned config to version 1 with TLS verification and notifications on', () => {
    assert.deepEqual(migrate({ id: 'ha', url: 'http://ha.lan:8123' }, hikHomeassistantMigrations), {
      id: 'ha',
      name: '',
      url: 'http://ha.lan:8123',
      verifyTls: true,
      ca: '',
      notifications: true,
      notifyService: '',
      version: 1,
    });
  });

  it('reads a complete config, accepting the notify service with or without its domain', () => {
    const config = migrate(
      { url: ' https://ha.lan:8123/ ', ca: PEM, notifyService: 'notify.mobile_app_phone', verifyTls: 'true' },
      hikHomeassistantMigrations,
    );
    assert.deepEqual(readHomeAssistantSettings(config), {
      ok: true,
      settings: {
        name: '',
        url: 'https://ha.lan:8123/',
        verifyTls: true,
        ca: PEM,
        notifications: true,
        notifyService: 'mobile_app_phone',
      },
    });
  });

  for (const [field, value, problem] of [
    ['url', 'ha.lan:8123', 'url'],
    ['url', 'ws://ha.lan', 'url'],
    ['ca', 'not a certificate', 'ca'],
    ['notifyService', 'Mobile App!', 'notifyService'],
  ] as const) {
    it(`names ${problem} as the problem for ${field} ${JSON.stringify(value)}`, () => {
      const config = migrate({ url: 'http://ha.lan:8123', [field]: value }, hikHomeassistantMigrations);
      assert.deepEqual(readHomeAssistantSettings(config), { ok: false, problem });
    });
  }

  it('keeps TLS verification off only when explicitly turned off', () => {
    const off = readHomeAssistantSettings(
      migrate({ url: 'https://ha', verifyTls: false }, hikHomeassistantMigrations),
    );
    assert.equal(off.ok && off.settings.verifyTls, false);
    const odd = readHomeAssistantSettings(
      migrate({ url: 'https://ha', verifyTls: 'maybe' }, hikHomeassistantMigrations),
    );
    assert.equal(odd.ok && odd.settings.verifyTls, true);
  });
});

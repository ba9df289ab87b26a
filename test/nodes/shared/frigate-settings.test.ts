import assert from 'node:assert/strict';
import { readFrigateSettings } from '../../../nodes/shared/frigate-settings';
import { hikFrigateMigrations, migrate } from '../../../nodes/shared/migrations';

describe('hik-frigate config: migration and settings', () => {
  it('migrates an unversioned config to version 1 with TLS verification on and restarts off', () => {
    assert.deepEqual(migrate({ id: 'f', url: 'http://frigate:5000' }, hikFrigateMigrations), {
      id: 'f',
      name: '',
      url: 'http://frigate:5000',
      verifyTls: true,
      restartAfterUpdate: false,
      version: 1,
    });
  });

  it('reads the address without a trailing slash; a restart only when ticked', () => {
    const read = (extra: Record<string, unknown>) =>
      readFrigateSettings(migrate({ url: ' https://frigate.lan:8971/ ', ...extra }, hikFrigateMigrations));
    assert.deepEqual(read({ restartAfterUpdate: true, verifyTls: false }), {
      ok: true,
      settings: { name: '', url: 'https://frigate.lan:8971', verifyTls: false, restartAfterUpdate: true },
    });
    const notTicked = read({ restartAfterUpdate: 'true' });
    assert.ok(notTicked.ok);
    assert.equal(notTicked.settings.restartAfterUpdate, false);
  });

  it('refuses an address that is not http(s) or carries a user', () => {
    for (const url of ['', 'frigate:5000', 'rtsp://frigate:5000', 'http://admin:x@frigate:5000']) {
      assert.deepEqual(readFrigateSettings(migrate({ url }, hikFrigateMigrations)), {
        ok: false,
        problem: 'url',
      });
    }
  });
});

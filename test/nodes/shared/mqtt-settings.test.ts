import assert from 'node:assert/strict';
import { actionsAllowed, readMqttSettings } from '../../../nodes/shared/mqtt-settings';

const base = {
  url: 'mqtt://homeassistant.local:1883',
  verifyTls: true,
  ca: '',
  clientId: '',
  discoveryPrefix: 'homeassistant',
  baseTopic: 'hik_guard',
  allowActions: false,
  actionSerials: '',
  removeAfterSeconds: 300,
};

describe('hik-mqtt settings', () => {
  it('reads a usable config, with the defaults Home Assistant expects', () => {
    const result = readMqttSettings({ ...base, discoveryPrefix: '', baseTopic: '' });
    assert.ok(result.ok);
    assert.equal(result.settings.discoveryPrefix, 'homeassistant');
    assert.equal(result.settings.baseTopic, 'hik_guard');
    assert.equal(result.settings.clientId, null);
    assert.equal(result.settings.allowActions, false);
    assert.equal(result.settings.removeAfterSeconds, 300);
  });

  it('names the field that makes a config unusable', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ url: 'http://broker:1883' }, 'url'],
      [{ url: 'mqtt://user:secret@broker:1883' }, 'url'],
      [{ url: '' }, 'url'],
      [{ url: 'mqtts://broker:8883', ca: 'not a pem' }, 'ca'],
      [{ clientId: 'has space' }, 'clientId'],
      [{ discoveryPrefix: 'home/+' }, 'discoveryPrefix'],
      [{ baseTopic: '#' }, 'baseTopic'],
      [{ baseTopic: 'homeassistant' }, 'baseTopic'],
      [{ actionSerials: 'SN1, bad serial\u0000' }, 'actionSerials'],
      [{ removeAfterSeconds: -1 }, 'removeAfterSeconds'],
      [{ removeAfterSeconds: 'soon' }, 'removeAfterSeconds'],
    ];
    for (const [change, problem] of cases) {
      const result = readMqttSettings({ ...base, ...change });
      assert.deepEqual(result, { ok: false, problem }, JSON.stringify(change));
    }
  });

  it('lets buttons act only when ticked, and then only on the serials listed (all when none are)', () => {
    const off = readMqttSettings(base);
    const all = readMqttSettings({ ...base, allowActions: true });
    const some = readMqttSettings({ ...base, allowActions: 'true', actionSerials: 'SN1, SN2' });
    assert.ok(off.ok && all.ok && some.ok);
    assert.equal(actionsAllowed(off.settings, 'SN1'), false);
    assert.equal(actionsAllowed(all.settings, 'SN9'), true);
    assert.equal(actionsAllowed(some.settings, 'SN2'), true);
    assert.equal(actionsAllowed(some.settings, 'SN9'), false);
  });
});

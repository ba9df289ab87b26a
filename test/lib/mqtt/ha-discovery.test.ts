/**
 * The discovery builder on its own (no broker): every config it makes passes the checker written
 * from Home Assistant's documentation, ids are unique and derived from the serial only, buttons
 * exist only when offered, state payloads say what the entities expect, and nothing but the
 * device's facts goes into a payload.
 */
import assert from 'node:assert/strict';
import { ALERT_TYPES, DEVICE_STATES } from '../../../lib/device-vocabulary';
import type { DeviceRow } from '../../../lib/fleet/fleet';
import {
  allConfigTopics,
  discoveryConfigs,
  eventPayload,
  hasProblem,
  parseCommandTopic,
  parseStateTopic,
  statePayload,
  type DiscoveryDevice,
  type DiscoveryTopics,
} from '../../../lib/mqtt/ha-discovery';
import { DiscoveryValidator } from '../../support/ha-discovery-validator';

const TOPICS: DiscoveryTopics = {
  prefix: 'homeassistant',
  base: 'hik_guard',
  origin: {
    name: 'node-red-contrib-hik-guard',
    sw_version: '0.1.0',
    support_url: 'https://example.invalid/',
  },
};

function row(serial: string, extra: Partial<DeviceRow> = {}): DeviceRow {
  return {
    serial,
    name: 'Front door',
    model: 'DS-2CD2386G2-IU',
    ip: '127.0.0.11',
    firmware: 'V5.7.15 build 240201',
    mac: 'c0:56:e3:00:00:01',
    state: 'active',
    since: '2026-03-01T11:00:00.000Z',
    lastSeen: '2026-03-01T11:59:30.000Z',
    lastRotation: '2026-01-01T03:00:00.000Z',
    nextRotation: '2026-04-01T03:00:00.000Z',
    rotationOwner: 'creds-1',
    vaultState: 'ok',
    unconfirmed: false,
    outOfDate: [],
    ...extra,
  };
}

const device = (serial: string, actions: boolean, extra: Partial<DeviceRow> = {}): DiscoveryDevice => ({
  ...row(serial, extra),
  actions,
});

describe('Home Assistant discovery payloads', () => {
  it('every config of a device with buttons passes the documented rules, with one device block per camera', () => {
    const validator = new DiscoveryValidator();
    const configs = discoveryConfigs(TOPICS, device('DS-2CD2386G2-IU20240201AAWRJ00000001', true));
    assert.deepEqual(
      configs.map((c) => `${c.component}:${c.key}`),
      [
        'sensor:activation',
        'binary_sensor:problem',
        'sensor:last_rotation',
        'sensor:next_rotation',
        'sensor:vault',
        'sensor:findings',
        'event:alert',
        'button:rotate',
        'button:verify',
      ],
    );
    for (const c of configs) {
      const checked = validator.check(c.topic, JSON.stringify(c.payload));
      const d = checked?.config.device as Record<string, unknown>;
      assert.deepEqual(d.identifiers, ['hik_guard_DS-2CD2386G2-IU20240201AAWRJ00000001']);
      assert.deepEqual(d.connections, [['mac', 'c0:56:e3:00:00:01']]);
      assert.equal(d.manufacturer, 'Hikvision');
      assert.equal(d.model, 'DS-2CD2386G2-IU');
      assert.equal(d.sw_version, 'V5.7.15 build 240201');
      assert.equal(d.configuration_url, 'http://127.0.0.11/');
      assert.equal(d.name, 'Front door');
      assert.deepEqual(checked?.config.availability, [{ topic: 'hik_guard/bridge/status' }]);
    }
    const activation = configs[0]!.payload;
    assert.equal(activation.device_class, 'enum');
    assert.deepEqual(activation.options, [...DEVICE_STATES]);
    assert.equal(
      configs[0]!.topic,
      'homeassistant/sensor/hik_guard_ds_2cd2386g2_iu20240201aawrj00000001_activation/config',
    );
    assert.equal(configs.find((c) => c.key === 'vault')!.payload.entity_category, 'diagnostic');
    assert.equal(configs.find((c) => c.key === 'problem')!.payload.device_class, 'problem');
    for (const type of ALERT_TYPES)
      assert.ok((configs.find((c) => c.key === 'alert')!.payload.event_types as string[]).includes(type));
  });

  it('unique ids stay unique across a fleet and follow the serial, not the name or address', () => {
    const validator = new DiscoveryValidator();
    const serials = ['DS-2CD2386G2-IU20240201AAWRJ00000001', 'DS-7608NXI-I2/8P/S20230619CCRRJ00000004'];
    for (const serial of serials)
      for (const c of discoveryConfigs(TOPICS, device(serial, true)))
        validator.check(c.topic, JSON.stringify(c.payload));
    const renamed = discoveryConfigs(TOPICS, device(serials[0]!, true, { name: 'Garage', ip: '10.0.0.9' }));
    const before = discoveryConfigs(TOPICS, device(serials[0]!, true));
    assert.deepEqual(
      renamed.map((c) => [c.uniqueId, c.topic]),
      before.map((c) => [c.uniqueId, c.topic]),
    );
    // The same id from another topic is what Home Assistant refuses ("already exists").
    const copy = before[0]!;
    assert.throws(
      () => validator.check('homeassistant/sensor/other/config', JSON.stringify(copy.payload)),
      /already used/,
    );
  });

  it("offers no button without the owner's opt-in, and every topic a device could have is known for removal", () => {
    const configs = discoveryConfigs(TOPICS, device('SN-1', false));
    assert.ok(!configs.some((c) => c.component === 'button'));
    const all = allConfigTopics(TOPICS, 'SN-1');
    assert.equal(all.length, 9);
    for (const c of configs) assert.ok(all.includes(c.topic));
    assert.ok(all.includes('homeassistant/button/hik_guard_sn_1_rotate/config'));
  });

  it('without a MAC, model or address the device block still identifies it by serial', () => {
    const validator = new DiscoveryValidator();
    const bare = device('SN-2', false, { mac: null, model: null, ip: null, firmware: null, name: null });
    for (const c of discoveryConfigs(TOPICS, bare)) {
      const d = validator.check(c.topic, JSON.stringify(c.payload))?.config.device as Record<string, unknown>;
      assert.equal(d.connections, undefined);
      assert.equal(d.name, 'SN-2');
    }
  });

  it('the problem sensor is ON for alarm states and a vault that needs attention, OFF while active', () => {
    assert.equal(hasProblem({ state: 'active', vaultState: 'ok' }), false);
    assert.equal(hasProblem({ state: 'offline', vaultState: null }), false);
    for (const state of ['inactive', 'auth_failed', 'defaults_suspected'] as const)
      assert.equal(hasProblem({ state, vaultState: 'ok' }), true, state);
    assert.equal(hasProblem({ state: 'active', vaultState: 'needs_attention' }), true);
    assert.deepEqual(JSON.parse(statePayload(row('SN-3', { state: 'inactive', lastRotation: null }))), {
      state: 'inactive',
      problem: 'ON',
      last_rotation: null,
      next_rotation: '2026-04-01T03:00:00.000Z',
      vault: 'ok',
      findings: 'not_audited',
    });
  });

  it('events carry the alert type (or the event) and the device facts only', () => {
    const base = {
      serial: 'SN-4',
      name: 'Porch',
      model: null,
      ip: '127.0.0.1',
      since: '2026-03-01T11:00:00.000Z',
      at: '2026-03-01T11:00:00.000Z',
      from: 'active' as const,
      to: 'inactive' as const,
      evidence: { via: 'hello' },
    };
    const reset = JSON.parse(
      eventPayload({ ...base, kind: 'transition', event: null, alert: 'inactive' })!,
    ) as Record<string, unknown>;
    assert.equal(reset.event_type, 'inactive');
    const reboot = JSON.parse(
      eventPayload({ ...base, kind: 'event', event: 'rebooted', alert: null, to: 'active' })!,
    ) as Record<string, unknown>;
    assert.equal(reboot.event_type, 'rebooted');
    assert.equal(eventPayload({ ...base, kind: 'transition', event: null, alert: null, to: 'active' }), null);
  });

  it('reads back its own topics and nothing else', () => {
    assert.deepEqual(parseCommandTopic(TOPICS, 'hik_guard/sn_1/rotate/set'), {
      slug: 'sn_1',
      action: 'rotate',
    });
    assert.deepEqual(parseCommandTopic(TOPICS, 'hik_guard/sn_1/verify/set'), {
      slug: 'sn_1',
      action: 'verify',
    });
    assert.equal(parseCommandTopic(TOPICS, 'hik_guard/sn_1/reveal/set'), null);
    assert.equal(parseCommandTopic(TOPICS, 'hik_guard/sn_1/rotate/set/x'), null);
    assert.equal(parseStateTopic(TOPICS, 'hik_guard/sn_1/state'), 'sn_1');
    assert.equal(parseStateTopic(TOPICS, 'hik_guard/bridge/state'), null);
    assert.equal(parseStateTopic(TOPICS, 'other/sn_1/state'), null);
  });

  it('the checker itself refuses what Home Assistant documents as wrong', () => {
    const v = new DiscoveryValidator();
    const ok = { unique_id: 'u1', state_topic: 's', device: { identifiers: ['i'] } };
    assert.ok(v.check('homeassistant/sensor/u1/config', JSON.stringify(ok)));
    assert.ok(
      v.check(
        'homeassistant/sensor/u9/config',
        JSON.stringify({ uniq_id: 'u9', stat_t: 's', dev: { ids: 'i' } }),
      ),
    );
    const bad: [string, unknown, RegExp][] = [
      ['homeassistant/sensor/u2/config', { unique_id: 'u2' }, /requires state_topic/],
      ['homeassistant/sensor/u3/config', { unique_id: 'u3', state_topic: 's', stat_t: 's' }, /twice/],
      [
        'homeassistant/sensor/u4/config',
        { state_topic: 's', device: { identifiers: ['i'] } },
        /needs unique_id/,
      ],
      [
        'homeassistant/sensor/u5/config',
        { unique_id: 'u5', state_topic: 's', device: { name: 'x' } },
        /identifiers or connections/,
      ],
      [
        'homeassistant/sensor/u6/config',
        { unique_id: 'u6', state_topic: 's', device_class: 'enum' },
        /options/,
      ],
      ['homeassistant/button/u7/config', { unique_id: 'u7', command_topic: 'a/+/b' }, /command_topic/],
      [
        'homeassistant/sensor/u8/config',
        { unique_id: 'u8', state_topic: 's', entity_category: 'config' },
        /diagnostic/,
      ],
      ['homeassistant/sensor/bad id/config', { state_topic: 's' }, /outside/],
      [
        'homeassistant/event/u10/config',
        { unique_id: 'u10', state_topic: 's', event_types: [] },
        /event_types/,
      ],
      [
        'homeassistant/sensor/u11/config',
        { unique_id: 'u11', state_topic: 's', device: { ids: ['i'], cns: [['mac']] } },
        /pairs/,
      ],
      [
        'homeassistant/sensor/u12/config',
        { unique_id: 'u12', state_topic: 's', device: { ids: ['i'], cu: 'ftp://x' } },
        /configuration_url/,
      ],
    ];
    for (const [topic, payload, error] of bad)
      assert.throws(() => v.check(topic, JSON.stringify(payload)), error, topic);
    assert.equal(v.check('homeassistant/sensor/u1/config', ''), null, 'an empty payload deletes');
    assert.ok(
      v.check('homeassistant/sensor/u1b/config', JSON.stringify({ ...ok, unique_id: 'u1' })),
      'a deleted id is free again',
    );
  });
});

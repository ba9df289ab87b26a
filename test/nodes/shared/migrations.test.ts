import assert from 'node:assert/strict';
import {
  configVersion,
  defineMigrations,
  fillDefaults,
  hikCredentialsMigrations,
  hikDeviceMigrations,
  hikMqttMigrations,
  hikResetMigrations,
  migrate,
  NewerConfigVersionError,
  type Migration,
} from '../../../nodes/shared/migrations';

describe('config migrations', () => {
  describe('the framework', () => {
    const chain = defineMigrations([
      { version: 1, up: (c) => ({ ...c, a: c.a ?? 'a' }) },
      { version: 2, up: (c) => ({ ...c, b: `${String(c.a)}+b` }) },
    ]);

    it('fills only missing fields with defaults, never sharing a default object between configs', () => {
      const step = fillDefaults({ name: '', devices: [], passive: true });
      const kept = step.up({ name: 'n', devices: [{ device: 'd1' }], passive: false, other: 1 });
      assert.deepEqual(kept, { name: 'n', devices: [{ device: 'd1' }], passive: false, other: 1 });
      const first = step.up({});
      const second = step.up({});
      assert.deepEqual(first, { name: '', devices: [], passive: true });
      assert.notEqual(first.devices, second.devices);
      assert.equal(step.version, 1);
    });

    it('treats a config without version as version 0 and runs every step in order', () => {
      assert.deepEqual(migrate({ id: 'n1' }, chain), { id: 'n1', a: 'a', b: 'a+b', version: 2 });
    });

    it('runs only the steps newer than the config', () => {
      assert.deepEqual(migrate({ a: 'x', version: 1 }, chain), { a: 'x', b: 'x+b', version: 2 });
    });

    it('leaves a current config as it is', () => {
      assert.deepEqual(migrate({ a: 'x', b: 'y', version: 2 }, chain), { a: 'x', b: 'y', version: 2 });
    });

    it('never mutates the stored config', () => {
      const stored = Object.freeze({ id: 'n1' });
      migrate(stored, chain);
      assert.deepEqual(stored, { id: 'n1' });
    });

    it('refuses a config from a newer release as an invalid argument naming both versions', () => {
      assert.throws(
        () => migrate({ version: 3 }, chain),
        (err: unknown) =>
          err instanceof NewerConfigVersionError && err.foundVersion === 3 && err.supportedVersion === 2,
      );
    });

    it('reads version numbers saved as strings and refuses anything else', () => {
      assert.equal(configVersion({ version: '1' }), 1);
      assert.equal(configVersion({ version: '' }), 0);
      for (const bad of [-1, 1.5, 'one', true, {}]) {
        assert.throws(() => configVersion({ version: bad }), { code: 'HIK_ERR_INVALID_ARGUMENT' });
      }
    });

    it('refuses a chain with a gap or out of order', () => {
      const step = (version: number): Migration => ({ version, up: (c) => ({ ...c }) });
      assert.throws(() => defineMigrations([step(1), step(3)]), { code: 'HIK_ERR_INVALID_ARGUMENT' });
      assert.throws(() => defineMigrations([step(2)]), { code: 'HIK_ERR_INVALID_ARGUMENT' });
      assert.equal(defineMigrations([]).current, 0);
    });
  });

  describe('hik-credentials', () => {
    it('is at version 3', () => {
      assert.equal(hikCredentialsMigrations.current, 3);
    });

    describe('step 2 -> 3 (fixtures)', () => {
      const step = hikCredentialsMigrations.steps.find((s) => s.version === 3);
      assert.ok(step, 'hik-credentials has a step to version 3');
      const v2 = { id: 'c1', type: 'hik-credentials', devices: [], settleSeconds: 2, version: 2 };

      it('brings a settle above the 5 s limit down to 5 s', () => {
        assert.deepEqual(step.up({ ...v2, settleSeconds: 30 }), { ...v2, settleSeconds: 5 });
        assert.equal(step.up({ ...v2, settleSeconds: '8' }).settleSeconds, 5);
      });

      it('keeps a settle within the limit, and leaves a broken one to the reader', () => {
        assert.deepEqual(step.up(v2), v2);
        assert.equal(step.up({ ...v2, settleSeconds: 'x' }).settleSeconds, 'x');
      });
    });

    describe('step 1 -> 2 (fixtures)', () => {
      const step = hikCredentialsMigrations.steps.find((s) => s.version === 2);
      assert.ok(step, 'hik-credentials has a step to version 2');
      const v1 = { id: 'c1', type: 'hik-credentials', name: 'n', devices: [], everyDays: 90, version: 1 };

      it('adds the weekly security audit', () => {
        assert.deepEqual(step.up(v1), { ...v1, auditEveryDays: 7 });
      });

      it('keeps an audit interval that is set', () => {
        assert.equal(step.up({ ...v1, auditEveryDays: 0 }).auditEveryDays, 0);
      });
    });

    it('a config from before versioning reaches the current version with every default', () => {
      const migrated = migrate({ id: 'c1' }, hikCredentialsMigrations);
      assert.equal(migrated.version, 3);
      assert.equal(migrated.auditEveryDays, 7);
      assert.equal(migrated.everyDays, 90);
    });
  });

  describe('hik-device', () => {
    const base = { id: 'dev1', type: 'hik-device', z: '', host: 'cam.lan' };

    it('is at version 4', () => {
      assert.equal(hikDeviceMigrations.current, 4);
    });

    describe('step 3 -> 4 (fixtures)', () => {
      const step = hikDeviceMigrations.steps.find((s) => s.version === 4);
      assert.ok(step, 'hik-device has a step to version 4');
      const v3 = {
        ...base,
        name: 'n',
        protocol: 'https',
        port: 443,
        username: 'admin',
        serial: 'SN1',
        allowHttpPasswordChange: false,
        consumers: [],
        version: 3,
      };

      it('keeps ONVIF users in step and leaves the streaming account off', () => {
        assert.deepEqual(step.up(v3), { ...v3, keepOnvifUsersInStep: true, streamingAccount: false });
      });

      it('keeps choices that were made, and nothing else', () => {
        const set = step.up({ ...v3, keepOnvifUsersInStep: false, streamingAccount: true });
        assert.deepEqual([set.keepOnvifUsersInStep, set.streamingAccount], [false, true]);
        assert.equal(step.up({ ...v3, streamingAccount: 'yes' }).streamingAccount, false);
      });
    });

    describe('step 2 -> 3 (fixtures)', () => {
      const step = hikDeviceMigrations.steps.find((s) => s.version === 3);
      assert.ok(step, 'hik-device has a step to version 3');
      const v2 = {
        ...base,
        name: 'n',
        protocol: 'https',
        port: 443,
        username: 'admin',
        serial: '',
        version: 2,
      };

      it('adds an empty list of holders of the password to keep in step', () => {
        assert.deepEqual(step.up({ ...v2, allowHttpPasswordChange: false }), {
          ...v2,
          allowHttpPasswordChange: false,
          consumers: [],
        });
      });

      it('keeps a list that is set', () => {
        const consumers = [{ type: 'go2rtc', config: 'g1', account: 'admin' }];
        assert.deepEqual(step.up({ ...v2, consumers }).consumers, consumers);
      });
    });

    describe('step 1 -> 2 (fixtures)', () => {
      const step = hikDeviceMigrations.steps.find((s) => s.version === 2);
      assert.ok(step, 'hik-device has a step to version 2');
      const v1 = {
        ...base,
        name: 'n',
        protocol: 'http',
        port: 80,
        username: 'admin',
        serial: 'SN1',
        version: 1,
      };

      it('adds the HTTP password-change opt-in, off', () => {
        assert.deepEqual(step.up(v1), { ...v1, allowHttpPasswordChange: false });
      });

      it('keeps an opt-in that is really true, and nothing else', () => {
        assert.equal(step.up({ ...v1, allowHttpPasswordChange: true }).allowHttpPasswordChange, true);
        assert.equal(step.up({ ...v1, allowHttpPasswordChange: 'yes' }).allowHttpPasswordChange, false);
      });
    });

    describe('step 0 -> 1 (fixtures)', () => {
      const step = hikDeviceMigrations.steps.find((s) => s.version === 1);
      assert.ok(step, 'hik-device has a step to version 1');

      it('fills every missing field with its default', () => {
        assert.deepEqual(step.up(base), {
          ...base,
          name: '',
          protocol: 'https',
          port: 443,
          username: 'admin',
          serial: '',
        });
      });

      it('defaults the port to 80 for http', () => {
        assert.equal(step.up({ ...base, protocol: 'http' }).port, 80);
      });

      it('keeps every value that was set', () => {
        const set = { ...base, name: 'n', protocol: 'http', port: 8080, username: 'ops', serial: 'SN1' };
        assert.deepEqual(step.up(set), set);
      });
    });

    it('full chain: an unversioned config comes out current and complete', () => {
      assert.deepEqual(migrate(base, hikDeviceMigrations), {
        ...base,
        name: '',
        protocol: 'https',
        port: 443,
        username: 'admin',
        serial: '',
        allowHttpPasswordChange: false,
        consumers: [],
        keepOnvifUsersInStep: true,
        streamingAccount: false,
        version: hikDeviceMigrations.current,
      });
    });

    it('full chain: a current config passes through unchanged', () => {
      const current = {
        ...base,
        name: 'garage',
        protocol: 'https',
        port: 443,
        username: 'admin',
        serial: '',
        allowHttpPasswordChange: false,
        keepOnvifUsersInStep: true,
        streamingAccount: false,
        version: hikDeviceMigrations.current,
      };
      assert.deepEqual(migrate(current, hikDeviceMigrations), current);
    });
  });

  describe('hik-reset', () => {
    const base = { id: 'reset1', type: 'hik-reset', z: 'tab1', wires: [['out'], ['fleet']] };
    const defaults = {
      name: '',
      devices: [],
      listed: '',
      server: '',
      pollSeconds: 60,
      passive: true,
      interfaces: '',
      offlineAfter: 3,
    };

    it('is at version 2', () => {
      assert.equal(hikResetMigrations.current, 2);
    });

    describe('step 0 -> 1 (fixtures)', () => {
      const step = hikResetMigrations.steps.find((s) => s.version === 1);
      assert.ok(step, 'hik-reset has a step to version 1');

      it('fills every missing field with its default: passive on, re-claim of nothing', () => {
        assert.deepEqual(step.up(base), { ...base, ...defaults });
      });

      it('keeps every value that was set, including falsy ones', () => {
        const set = {
          ...base,
          name: 'resets',
          devices: [{ device: 'dev1', reclaim: true }, { device: 'dev2' }],
          listed: 'DS-2CD2386G2-IU20240201AAWRJ00000501',
          server: 'ha1',
          pollSeconds: 0,
          passive: false,
          interfaces: '127.0.0.1',
          offlineAfter: 5,
        };
        assert.deepEqual(step.up(set), set);
      });

      it('returns a new object and leaves the stored config alone', () => {
        const stored = Object.freeze({ ...base, devices: Object.freeze([{ device: 'dev1' }]) });
        const out = step.up(stored);
        assert.notEqual(out, stored);
        assert.deepEqual(stored, { ...base, devices: [{ device: 'dev1' }] });
      });
    });

    describe('step 1 -> 2 (fixtures)', () => {
      const step = hikResetMigrations.steps.find((s) => s.version === 2);
      assert.ok(step, 'hik-reset has a step to version 2');

      it('adds no MQTT broker to a version 1 config', () => {
        const v1 = { ...base, ...defaults, server: 'ha1', version: 1 };
        assert.deepEqual(step.up(v1), { ...v1, mqtt: '' });
      });

      it('keeps a broker that was set', () => {
        const v1 = { ...base, ...defaults, mqtt: 'mq1', version: 1 };
        assert.deepEqual(step.up(v1), v1);
      });
    });

    it('full chain: an unversioned config comes out current and complete', () => {
      assert.deepEqual(migrate(base, hikResetMigrations), {
        ...base,
        ...defaults,
        mqtt: '',
        version: hikResetMigrations.current,
      });
    });

    it('full chain: a current config passes through unchanged', () => {
      const current = {
        ...base,
        ...defaults,
        devices: [{ device: 'dev1', reclaim: false }],
        mqtt: 'mq1',
        version: hikResetMigrations.current,
      };
      assert.deepEqual(migrate(current, hikResetMigrations), current);
    });

    it('full chain: a config saved by a newer release is refused', () => {
      assert.throws(
        () => migrate({ ...base, version: hikResetMigrations.current + 1 }, hikResetMigrations),
        NewerConfigVersionError,
      );
    });
  });

  describe('hik-mqtt', () => {
    const base = { id: 'mq1', type: 'hik-mqtt' };
    const defaults = {
      name: '',
      url: '',
      verifyTls: true,
      ca: '',
      clientId: '',
      discoveryPrefix: 'homeassistant',
      baseTopic: 'hik_guard',
      allowActions: false,
      actionSerials: '',
      removeAfterSeconds: 300,
    };

    it('is at version 1', () => {
      assert.equal(hikMqttMigrations.current, 1);
    });

    describe('step 0 -> 1 (fixtures)', () => {
      const step = hikMqttMigrations.steps.find((s) => s.version === 1);
      assert.ok(step, 'hik-mqtt has a step to version 1');

      it('fills every missing field with its default: TLS verified, no buttons', () => {
        assert.deepEqual(step.up(base), { ...base, ...defaults });
      });

      it('keeps every value that was set, including falsy ones', () => {
        const set = {
          ...base,
          url: 'mqtts://broker:8883',
          verifyTls: false,
          allowActions: true,
          actionSerials: 'SN1',
          removeAfterSeconds: 0,
        };
        assert.deepEqual(step.up(set), { ...defaults, ...set });
      });
    });

    it('full chain: a current config passes through unchanged', () => {
      const current = { ...base, ...defaults, url: 'mqtt://broker:1883', version: hikMqttMigrations.current };
      assert.deepEqual(migrate(current, hikMqttMigrations), current);
    });
  });
});

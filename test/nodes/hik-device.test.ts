import assert from 'node:assert/strict';
import type { NodeAPI } from 'node-red';
import type { TestFlows, TestFlowsItem } from 'node-red-node-test-helper';
import hikDevice = require('../../nodes/hik-device/hik-device');
import { hikDeviceMigrations } from '../../nodes/shared/migrations';
import { getHikDevice, type HikDeviceDef, type HikDeviceNode } from '../../nodes/shared/types';
import { helper } from '../support/node-red';

const CANARY = 'canary-7f3b9e-Pa55w0rd';
const WARN = 30; // @node-red/util log level

interface LogEntry {
  level: number;
  type?: string;
  id?: string;
  msg?: unknown;
}

function logEntries(): LogEntry[] {
  return helper.log().args.map((args: unknown[]) => args[0] as LogEntry);
}

function warningsFrom(id: string): unknown[] {
  return logEntries()
    .filter((e) => e.level === WARN && e.id === id)
    .map((e) => e.msg);
}

function deviceNode(id: string): HikDeviceNode {
  return helper.getNode(id) as HikDeviceNode;
}

type DeviceFlowNode = TestFlowsItem<HikDeviceDef>;

function flow(...nodes: DeviceFlowNode[]): TestFlows {
  return nodes;
}

const complete: DeviceFlowNode = {
  id: 'dev1',
  type: 'hik-device',
  name: 'garage',
  host: '198.51.100.20',
  protocol: 'https',
  port: 443,
  username: 'admin',
  serial: 'DS-2CD2043G2-I20230101AAWRJ12345678',
  version: 1,
};

describe('hik-device config node', () => {
  before((done) => {
    helper.startServer(done);
  });
  after((done) => {
    helper.stopServer(done);
  });
  afterEach(() => helper.unload());

  it('loads in the runtime under test and exposes its validated settings, frozen', async () => {
    await helper.load(hikDevice, flow(complete));
    const settings = deviceNode('dev1').deviceSettings;
    assert.deepEqual(settings, {
      name: 'garage',
      host: '198.51.100.20',
      port: 443,
      protocol: 'https',
      username: 'admin',
      serial: 'DS-2CD2043G2-I20230101AAWRJ12345678',
      allowHttpPasswordChange: false,
      consumers: [],
      keepOnvifUsersInStep: true,
      streamingAccount: false,
    });
    assert.ok(Object.isFrozen(settings));
    assert.deepEqual(warningsFrom('dev1'), []);
  });

  it('fills defaults for a config saved before versioning: https on 443 as admin, serial unknown', async () => {
    await helper.load(hikDevice, flow({ id: 'dev1', type: 'hik-device', host: 'cam-garage.lan' }));
    assert.deepEqual(deviceNode('dev1').deviceSettings, {
      name: '',
      host: 'cam-garage.lan',
      port: 443,
      protocol: 'https',
      username: 'admin',
      serial: null,
      allowHttpPasswordChange: false,
      consumers: [],
      keepOnvifUsersInStep: true,
      streamingAccount: false,
    });
  });

  it('defaults to port 80 when an unversioned config asks for http', async () => {
    await helper.load(
      hikDevice,
      flow({ id: 'dev1', type: 'hik-device', host: '198.51.100.21', protocol: 'http' }),
    );
    assert.equal(deviceNode('dev1').deviceSettings?.port, 80);
  });

  it('allows a password change over plain HTTP only when the box is ticked', async () => {
    await helper.load(
      hikDevice,
      flow(
        { ...complete, protocol: 'http', port: 80, allowHttpPasswordChange: true },
        { ...complete, id: 'dev2', protocol: 'http', port: 80, allowHttpPasswordChange: 'true' },
        { ...complete, id: 'dev3', version: 1, protocol: 'http', port: 80 },
      ),
    );
    assert.equal(deviceNode('dev1').deviceSettings?.allowHttpPasswordChange, true);
    assert.equal(
      deviceNode('dev2').deviceSettings?.allowHttpPasswordChange,
      false,
      'only a real true opts in',
    );
    assert.equal(
      deviceNode('dev3').deviceSettings?.allowHttpPasswordChange,
      false,
      'version 1 configs stay off',
    );
  });

  it('accepts the port as the editor saves it, a string', async () => {
    await helper.load(hikDevice, flow({ ...complete, port: '8443' }));
    assert.equal(deviceNode('dev1').deviceSettings?.port, 8443);
  });

  it('gets the enrolment password from the credentials and keeps it out of its settings', async () => {
    await helper.load(hikDevice, flow(complete), { dev1: { password: CANARY } });
    const node = deviceNode('dev1');
    assert.equal(node.enrolmentPassword(), CANARY);
    assert.ok(!JSON.stringify(node.deviceSettings).includes(CANARY));
  });

  it('has no enrolment password when none was typed', async () => {
    await helper.load(hikDevice, flow(complete));
    assert.equal(deviceNode('dev1').enrolmentPassword(), undefined);
  });

  it('logs one warning and stays idle when the host is empty, without throwing', async () => {
    await helper.load(hikDevice, flow({ ...complete, host: '' }), { dev1: { password: CANARY } });
    assert.equal(deviceNode('dev1').deviceSettings, null);
    assert.deepEqual(warningsFrom('dev1'), ['hik-device.log.invalidConfig']);
  });

  for (const [field, value] of [
    ['host', 'http://198.51.100.20/'],
    ['port', 0],
    ['port', 'https'],
    ['protocol', 'ftp'],
    ['username', '  '],
    ['serial', 'has spaces in it'],
  ] as const) {
    it(`rejects ${field} ${JSON.stringify(value)} with one warning`, async () => {
      await helper.load(hikDevice, flow({ ...complete, [field]: value }));
      assert.equal(deviceNode('dev1').deviceSettings, null);
      assert.equal(warningsFrom('dev1').length, 1);
    });
  }

  it('leaves a config saved by a newer release alone, with one warning', async () => {
    await helper.load(hikDevice, flow({ ...complete, version: hikDeviceMigrations.current + 1 }));
    assert.equal(deviceNode('dev1').deviceSettings, null);
    assert.deepEqual(warningsFrom('dev1'), ['hik-device.log.newerConfig']);
  });

  it('never writes the enrolment password to the log, whether the config is good or bad', async () => {
    await helper.load(
      hikDevice,
      flow(complete, { ...complete, id: 'dev2', host: '' }, { ...complete, id: 'dev3', version: 99 }),
      { dev1: { password: CANARY }, dev2: { password: CANARY }, dev3: { password: CANARY } },
    );
    await helper.unload();
    const logged = JSON.stringify(helper.log().args);
    assert.ok(helper.log().callCount > 0, 'expected the runtime to log something');
    assert.ok(!logged.includes(CANARY), 'the canary password reached the log');
  });

  it('is what getHikDevice returns for its id, and nothing else is', async () => {
    await helper.load(hikDevice, flow(complete, { id: 'other', type: 'helper' }));
    const RED = { nodes: { getNode: (id: string) => helper.getNode(id) } } as unknown as NodeAPI;
    assert.equal(getHikDevice(RED, 'dev1'), helper.getNode('dev1'));
    assert.equal(getHikDevice(RED, 'other'), null);
    assert.equal(getHikDevice(RED, 'missing'), null);
    assert.equal(getHikDevice(RED, undefined), null);
  });

  it('exports its config version to the editor as hikDeviceVersion', async () => {
    await helper.load(hikDevice, flow(complete));
    // The helper's settings() is the runtime's settings module (its typings want an argument).
    const settings = (
      helper as unknown as { settings(): { exportNodeSettings(safe: object): object } }
    ).settings();
    assert.deepEqual(settings.exportNodeSettings({}), { hikDeviceVersion: hikDeviceMigrations.current });
  });
});

import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../../lib/errors';
import { DEMO_ADMIN_PASSWORD, SimDevice, SimFleet } from '../../sim';
import { digestRequest } from './helpers/digest-client';
import { send, tagText } from './helpers/http';

const DEMO_ADMIN = { userName: 'admin', password: DEMO_ADMIN_PASSWORD };

describe('sim fleet', () => {
  let fleet: SimFleet | null = null;
  afterEach(async () => {
    await fleet?.stop();
    fleet = null;
  });

  it('starts the demo fleet on consecutive loopback addresses: three cameras and an NVR', async () => {
    fleet = await SimFleet.start({ port: 0 });
    assert.deepEqual(
      fleet.devices.map((d) => [d.host, d.profile.identity.deviceType]),
      [
        ['127.0.0.11', 'IPCamera'],
        ['127.0.0.12', 'IPCamera'],
        ['127.0.0.13', 'IPCamera'],
        ['127.0.0.14', 'NVR'],
      ],
    );
    for (const device of fleet.devices) {
      const reply = await digestRequest(device, '/ISAPI/System/deviceInfo', DEMO_ADMIN);
      assert.equal(tagText(reply.body, 'serialNumber'), device.serialNumber);
    }
    assert.equal(fleet.bySerial(fleet.devices[0]!.serialNumber), fleet.devices[0]);
  });

  it('links the NVR to every camera with working credentials', async () => {
    fleet = await SimFleet.start({ port: 0 });
    const nvr = fleet.devices[3]!;
    const reply = await digestRequest(nvr, '/ISAPI/ContentMgmt/InputProxy/channels/status', DEMO_ADMIN);
    assert.deepEqual(
      [...reply.body.matchAll(/<online>(\w+)<\/online>/g)].map((m) => m[1]),
      ['true', 'true', 'true'],
    );
    assert.deepEqual(
      fleet.devices.slice(0, 3).map((d) => d.counters.failedLogins),
      [0, 0, 0],
    );
  });

  it('serves the whole fleet over HTTPS when asked', async () => {
    fleet = await SimFleet.start({ port: 0, https: true, devices: [{ adminPassword: 'Fleet-Pass1' }] });
    const [device] = fleet.devices;
    assert.ok(device);
    assert.match(device.url!, /^https:\/\/127\.0\.0\.11:\d+$/);
    assert.equal((await send(device, '/SDK/activateStatus')).status, 200);
  });

  it('closes every listener and connection on stop', async () => {
    fleet = await SimFleet.start({ port: 0 });
    const devices = [...fleet.devices];
    const [first] = devices;
    assert.ok(first);
    first.faults.inject({ kind: 'hang' });
    const hanging = send(first, '/SDK/activateStatus').catch(() => 'closed');
    await new Promise((resolve) => setTimeout(resolve, 20));
    await fleet.stop();
    fleet = null;
    assert.equal(await hanging, 'closed');
    for (const device of devices) {
      assert.equal(device.isUp, false);
      await assert.rejects(send(device, '/SDK/activateStatus'), /ECONNREFUSED/);
    }
  });

  it('refuses to bind outside 127.0.0.0/8', async () => {
    for (const host of ['0.0.0.0', '192.0.2.10', '::', 'localhost']) {
      const device = new SimDevice({ adminPassword: 'Fleet-Pass1' });
      await assert.rejects(device.listen({ host, port: 0 }), InvalidArgumentError);
      assert.equal(device.isUp, false);
    }
    await assert.rejects(SimFleet.start({ port: 0, baseAddress: '192.0.2.11' }), InvalidArgumentError);
  });
});

/**
 * Every example flow (examples/*.json) deploys without errors in a real Node-RED with the built
 * package, pointed at the simulator on loopback (as `npm start` does): all node types are known,
 * no node logs an error, and the devices the examples look after show up in the sidebar's table
 * as active. Home Assistant is left out (no HA_URL), so nothing is looked up beyond loopback.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { SimFleet, type SimFleetMember } from '../../sim';
import { demoFlows, exampleFiles } from '../../scripts/demo-flows';
import { eventually, startNodeRed, type NodeRedProcess } from '../support/node-red-process';

const EXAMPLES = join(__dirname, '..', '..', 'examples');
const PASSWORD = 'Example-Canary-31!';

const members: SimFleetMember[] = [1, 2].map((i) => ({
  adminPassword: PASSWORD,
  deviceType: 'IPCamera',
  model: 'DS-2CD2043G2-I',
  serialNumber: `DS-2CD2043G2-I20240301AAWRK0000000${i}`,
  macAddress: `c0:56:e3:00:01:0${i}`,
}));

describe('examples', function () {
  this.timeout(60_000);
  let fleet: SimFleet;
  let red: NodeRedProcess;

  before(async function () {
    fleet = await SimFleet.start({ devices: members, baseAddress: '127.0.0.61', port: 0, sadp: true });
    const { flows, credentials } = demoFlows({
      examplesDir: EXAMPLES,
      devices: fleet.devices.map((d) => ({
        host: d.host!,
        port: d.port!,
        protocol: 'http' as const,
        serial: null,
      })),
      password: PASSWORD,
      interfaces: '127.0.0.1',
      pollSeconds: 5,
      ha: null,
    });
    red = await startNodeRed({ flows, credentials });
  });

  after(async function () {
    await (red as NodeRedProcess | undefined)?.stop();
    await (fleet as SimFleet | undefined)?.stop();
  });

  it('ships the four documented examples', () => {
    assert.deepEqual(exampleFiles(EXAMPLES), [
      '01 - Discover and list devices.json',
      '02 - Rotate every 90 days at 03:00.json',
      '03 - Alert Home Assistant on factory reset.json',
      '04 - Re-claim a reset camera automatically.json',
    ]);
  });

  it('deploys every example against the simulator without errors', async () => {
    const response = await fetch(`${red.base}/hik-guard/fleet`, { headers: { accept: 'application/json' } });
    assert.equal(response.status, 200);
    await eventually(
      'both simulated cameras active in the fleet table',
      async () => {
        const snapshot = (await (await fetch(`${red.base}/hik-guard/fleet`)).json()) as {
          devices: { serial: string | null; activation: string }[];
        };
        const active = new Set(
          snapshot.devices.filter((d) => d.activation === 'active').map((d) => d.serial),
        );
        return members.every((m) => active.has(m.serialNumber as string)) ? true : null;
      },
      30_000,
    );
    const output = red.output();
    assert.doesNotMatch(output, /\[error\]/, output);
    assert.doesNotMatch(output, /missing types|Waiting for missing/i, output);
    assert.ok(!output.includes(PASSWORD), 'no password in the log');
    for (const device of fleet.devices) assert.equal(device.counters.failedLogins, 0);
  });
});

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');
const HEAVY = ['undici', 'fast-xml-parser', 'home-assistant-js-websocket', 'croner', 'mqtt'];

/**
 * Requires `modules` (paths from the project root) in a fresh process and answers which of the
 * heavy packages were loaded, before and after running `then` (a script body, may be empty).
 */
function loadedAfter(modules: string[], then = ''): Promise<{ atLoad: string[]; afterUse: string[] }> {
  const script = `
const heavy = ${JSON.stringify(HEAVY)};
const loaded = () => heavy.filter((name) =>
  Object.keys(require.cache).some((file) => file.includes('/node_modules/' + name + '/')));
for (const m of ${JSON.stringify(modules)}) require('./' + m);
const atLoad = loaded();
(async () => { ${then} })().then(() => {
  process.stdout.write(JSON.stringify({ atLoad, afterUse: loaded() }));
}, (err) => { process.stdout.write(JSON.stringify({ crashed: String(err && err.stack) })); });
`;
  return new Promise((resolvePromise, reject) => {
    execFile(
      process.execPath,
      ['--require', 'tsx/cjs', '-e', script],
      { cwd: ROOT, timeout: 30_000 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${error.message}\n${stdout}\n${stderr}`));
        else resolvePromise(JSON.parse(stdout) as { atLoad: string[]; afterUse: string[] });
      },
    );
  });
}

describe('heavy dependencies load on first use', function () {
  this.timeout(60_000);

  it('installing the package in Node-RED loads none of them (every node and plugin module)', async () => {
    const { atLoad } = await loadedAfter([
      'nodes/hik-device/hik-device',
      'nodes/hik-credentials/hik-credentials',
      'nodes/hik-homeassistant/hik-homeassistant',
      'nodes/hik-mqtt/hik-mqtt',
      'nodes/hik-discover/hik-discover',
      'nodes/hik-reset/hik-reset',
      'plugins/hik-sidebar/hik-sidebar',
      'plugins/hik-device-users/hik-device-users',
    ]);
    assert.deepEqual(atLoad, []);
  });

  it('watching devices (SADP, the activation poll, the fleet) loads none of them', async () => {
    const { atLoad, afterUse } = await loadedAfter(
      ['lib/fleet/fleet-watch', 'lib/isapi/endpoints/system', 'lib/sadp/sadp-datagram'],
      `
const { readSadpDatagram } = require('./lib/sadp/sadp-datagram');
readSadpDatagram(Buffer.from('<ProbeMatch><Uuid>1</Uuid><Types>inquiry</Types><DeviceSN>X1</DeviceSN></ProbeMatch>'),
  { address: '127.0.0.1', port: 37020 });
`,
    );
    assert.deepEqual(atLoad, []);
    assert.deepEqual(afterUse, [], 'a flat SADP reply needs no XML library');
  });

  it('each is loaded when something needs it: an XML document with attributes, a cron plan, Home Assistant', async () => {
    const { afterUse } = await loadedAfter(
      ['lib/xml/xml', 'lib/rotation/rotation-schedule', 'lib/homeassistant/ha-error'],
      `
require('./lib/xml/xml').parseXml('<a x="1"><b>2</b></a>');
require('./lib/rotation/rotation-schedule').checkSchedulePlan({ kind: 'cron', expression: '0 3 * * *' });
require('./lib/homeassistant/ha-error').toHaError(2);
require('./lib/heavy-dependencies').undici();
`,
    );
    assert.deepEqual(afterUse.sort(), ['croner', 'fast-xml-parser', 'home-assistant-js-websocket', 'undici']);
  });
});

import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { main } from '../../cli/hik-guard';
import { runSimCommand } from '../../sim';
import { send } from './helpers/http';

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  return { stream, text: () => text };
}

describe('hik-guard sim', () => {
  it('refuses a base address outside 127.0.0.0/8 with a usage error', async () => {
    const out = capture();
    const err = capture();
    const code = await runSimCommand(['--base-address', '192.0.2.11'], {
      stdout: out.stream,
      stderr: err.stream,
      env: {},
    });
    assert.equal(code, 2);
    assert.match(err.text(), /127\.0\.0\.0\/8/);
    assert.match(err.text(), /Usage: hik-guard sim/);
  });

  it('refuses unknown options and bad numbers with a usage error', async () => {
    const io = { stdout: capture().stream, stderr: capture().stream, env: {} };
    assert.equal(await runSimCommand(['--bogus'], io), 2);
    assert.equal(await runSimCommand(['--devices', 'many'], io), 2);
    assert.equal(await runSimCommand(['--password-env', 'UNSET_VARIABLE'], io), 2);
  });

  it('runs the fleet, prints one line per device and never the password, then stops cleanly', async () => {
    const canary = 'Canary-Pw-7731';
    const out = capture();
    const stop = new AbortController();
    const running = runSimCommand(
      ['--devices', '2', '--base-address', '127.0.0.41', '--port', '0', '--password-env', 'SIM_PW'],
      {
        stdout: out.stream,
        stderr: out.stream,
        env: { SIM_PW: canary },
        stopSignal: stop.signal,
      },
    );
    while (!out.text().includes('Stop with Ctrl-C')) await new Promise((resolve) => setTimeout(resolve, 5));
    const lines = out.text().trim().split('\n');
    assert.match(
      lines[0]!,
      /^DS-2CD2386G2-IU\S+ {2}DS-2CD2386G2-IU {2}IPCamera {2}http:\/\/127\.0\.0\.41:\d+ {2}rtsp:\/\/127\.0\.0\.41:\d+\/Streaming\/Channels\/101$/,
    );
    assert.match(
      lines[1]!,
      /^DS-7608NXI-I2\/8P\/S\S+ {2}DS-7608NXI-I2\/8P\/S {2}NVR {2}http:\/\/127\.0\.0\.42:\d+ {2}rtsp:\/\/127\.0\.0\.42:\d+\/Streaming\/Channels\/101$/,
    );
    const url = new URL(lines[0]!.split('  ')[3]!);
    assert.equal(
      (await send({ host: url.hostname, port: Number(url.port), https: false }, '/SDK/activateStatus'))
        .status,
      200,
    );
    const discovered = capture();
    const found = await main(['discover', '--target', url.hostname, '--timeout', '800', '--json'], {
      stdout: discovered.stream,
      stderr: discovered.stream,
      stdin: new PassThrough(),
      env: {},
    });
    assert.equal(found, 0);
    const devices = JSON.parse(discovered.text()) as { serial: string; httpPort: number }[];
    assert.deepEqual(
      devices.map((d) => [d.serial, d.httpPort]),
      [[lines[0]!.split('  ')[0], Number(url.port)]],
      'the device answers SADP on its own address, naming its HTTP port',
    );
    stop.abort();
    assert.equal(await running, 0);
    assert.ok(!out.text().includes(canary));
    await assert.rejects(
      send({ host: url.hostname, port: Number(url.port), https: false }, '/SDK/activateStatus'),
      /ECONNREFUSED/,
    );
  });
});

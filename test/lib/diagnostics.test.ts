import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');
const CANARY = 'Canary-Trace-5d1e7';
const WRONG_CANARY = 'Canary-Wrong-0c93a';
const DATAGRAM_CANARY = 'Canary-Datagram-77b2f';

/**
 * Run in a child (debuglog reads NODE_DEBUG once per process): against simulated devices on
 * 127.0.0.1, one digest request, one Basic request (opted in over HTTP), a wrong password and the
 * guard's refusal to send it again, and an unreadable SADP datagram. Prints, as JSON on stdout,
 * every Authorization value that went over the wire (from node:http's diagnostics channel) and the
 * devices' counters.
 */
const SCENARIO = `
const dc = require('node:diagnostics_channel');
const { SimDevice } = require('./sim');
const { IsapiClient } = require('./lib/isapi/isapi-client');
const { LoginGuard } = require('./lib/isapi/login-guard');
const { readSadpDatagram } = require('./lib/sadp/sadp-datagram');
const sent = [];
dc.subscribe('http.client.request.start', ({ request }) => {
  const authorization = request.getHeader('authorization');
  if (authorization !== undefined) sent.push(String(authorization));
});
(async () => {
  const guard = new LoginGuard();
  const digest = new SimDevice({ adminPassword: ${JSON.stringify(CANARY)} });
  const basic = new SimDevice({ adminPassword: ${JSON.stringify(CANARY)}, authOffer: 'basic-only' });
  await digest.listen({ host: '127.0.0.1', port: 0 });
  await basic.listen({ host: '127.0.0.1', port: 0 });
  const client = (device, password, extra) => new IsapiClient({
    host: device.host, port: device.port, protocol: 'http', guard,
    credential: { username: 'admin', password }, ...extra,
  });
  const clients = [
    client(digest, ${JSON.stringify(CANARY)}),
    client(basic, ${JSON.stringify(CANARY)}, { allowBasicOverHttp: true }),
    client(digest, ${JSON.stringify(WRONG_CANARY)}),
  ];
  const outcomes = [];
  const attempt = (c) => c.request('GET', '/ISAPI/System/deviceInfo').then((r) => r.status, (e) => e.code);
  outcomes.push(await attempt(clients[0]), await attempt(clients[1]));
  outcomes.push(await attempt(clients[2]), await attempt(clients[2]));
  readSadpDatagram(Buffer.from('<Bogus>${DATAGRAM_CANARY}</Bogus>'), { address: '127.0.0.9', port: 37020 });
  await Promise.all(clients.map((c) => c.close()));
  await Promise.all([digest.close(), basic.close()]);
  const counters = { failedLogins: digest.counters.failedLogins, locksTriggered: digest.counters.locksTriggered };
  process.stdout.write(JSON.stringify({ sent, outcomes, counters }));
})().catch((err) => { process.stdout.write(JSON.stringify({ crashed: String(err && err.stack) })); process.exitCode = 1; });
`;

interface ScenarioRun {
  stderr: string;
  sent: string[];
  outcomes: (number | string)[];
  counters: { failedLogins: number; locksTriggered: number };
}

function runScenario(nodeDebug: string | undefined): Promise<ScenarioRun> {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_DEBUG: nodeDebug };
  if (nodeDebug === undefined) delete env.NODE_DEBUG;
  return new Promise((resolvePromise, reject) => {
    execFile(
      process.execPath,
      ['--require', 'tsx/cjs', '-e', SCENARIO],
      { cwd: ROOT, env, timeout: 30_000 },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`scenario failed: ${error.message}\nstdout: ${stdout}\nstderr: ${stderr}`));
          return;
        }
        const result = JSON.parse(stdout) as Omit<ScenarioRun, 'stderr'>;
        resolvePromise({ ...result, stderr });
      },
    );
  });
}

/** Every form in which a secret of the scenario could leak into a trace. */
function secretForms(run: ScenarioRun): string[] {
  const forms = [CANARY, WRONG_CANARY, DATAGRAM_CANARY];
  for (const password of [CANARY, WRONG_CANARY]) {
    forms.push(Buffer.from(password).toString('base64'));
    forms.push(Buffer.from(`admin:${password}`).toString('base64'));
    forms.push(Buffer.from(password).toString('hex'));
  }
  for (const authorization of run.sent) {
    forms.push(authorization);
    const response = /response="([0-9a-f]+)"/i.exec(authorization)?.[1];
    if (response) forms.push(response);
  }
  return forms;
}

describe('diagnostics (NODE_DEBUG=hik-guard)', function () {
  this.timeout(60_000);

  it('traces ISAPI exchanges, the auth scheme, guard refusals and SADP drops, and never a secret', async () => {
    const run = await runScenario('hik-guard');
    assert.deepEqual(run.outcomes, [200, 200, 'HIK_ERR_AUTH_FAILED', 'HIK_ERR_LOGIN_GUARD']);
    assert.deepEqual(run.counters, { failedLogins: 1, locksTriggered: 0 });
    // The scenario did send credentials: the forms checked below are real, not empty.
    assert.ok(
      run.sent.some((a) => /^Digest .*response="[0-9a-f]+"/.test(a)),
      run.sent.join('\n'),
    );
    assert.ok(
      run.sent.some((a) => a.startsWith('Basic ')),
      run.sent.join('\n'),
    );

    const lines = run.stderr.split('\n').filter((l) => /^HIK-GUARD \d+: /.test(l));
    const has = (pattern: RegExp): void => {
      assert.ok(
        lines.some((l) => pattern.test(l)),
        `no trace line matches ${pattern}:\n${run.stderr}`,
      );
    };
    has(/isapi GET \/ISAPI\/System\/deviceInfo host=127\.0\.0\.1:\d+ status=401 auth=none ms=\d+$/);
    has(/isapi GET \/ISAPI\/System\/deviceInfo host=127\.0\.0\.1:\d+ status=200 auth=digest ms=\d+$/);
    has(/isapi GET \/ISAPI\/System\/deviceInfo host=127\.0\.0\.1:\d+ status=200 auth=basic ms=\d+$/);
    has(/isapi auth scheme chosen device=127\.0\.0\.1:\d+ scheme=digest algorithm=\S+ qop=auth$/);
    has(/isapi auth scheme chosen device=127\.0\.0\.1:\d+ scheme=basic algorithm=null qop=null$/);
    has(/login-guard credential rejected; never sent to this device again device=127\.0\.0\.1:\d+ /);
    has(
      /login-guard attempt refused device=127\.0\.0\.1:\d+ reason=credential_failed_before retryAfterSeconds=null$/,
    );
    has(/sadp datagram dropped reason=notSadp from=127\.0\.0\.9:37020 bytes=\d+$/);

    for (const secret of secretForms(run)) {
      assert.ok(!run.stderr.includes(secret), `a trace holds a secret (${secret.slice(0, 6)}…)`);
    }
    assert.doesNotMatch(run.stderr, /authorization|nonce=|response=/i);
  });

  it('prints nothing when NODE_DEBUG does not name hik-guard', async () => {
    const run = await runScenario(undefined);
    assert.deepEqual(run.outcomes, [200, 200, 'HIK_ERR_AUTH_FAILED', 'HIK_ERR_LOGIN_GUARD']);
    assert.doesNotMatch(run.stderr, /HIK-GUARD/);
  });
});

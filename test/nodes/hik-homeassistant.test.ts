import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Server } from 'node:net';
import type { Node, NodeAPI, NodeDef, NodeStatus } from 'node-red';
import type { TestFlows, TestFlowsItem } from 'node-red-node-test-helper';
import type { SinonSpy } from 'sinon';
import hikHomeAssistant = require('../../nodes/hik-homeassistant/hik-homeassistant');
import type { HikGuardAlerts } from '../../lib/homeassistant/hik-guard-alerts';
import { hikHomeassistantMigrations } from '../../nodes/shared/migrations';
import { getHikHomeAssistant } from '../../nodes/shared/types';
import { HaTestServer } from '../support/ha-test-server';
import { withCatalog } from '../support/node-catalog';
import { helper } from '../support/node-red';
import { waitFor, within } from '../lib/homeassistant/support';

const CANARY = 'ha-token-canary-3e8f1a7c';
const SERIAL = 'DS-2CD2043G2-I20230101AAWRJ12345678';
const ENTITY = 'sensor.hik_guard_ds_2cd2043g2_i20230101aawrj12345678';
const ERROR = 20; // @node-red/util log levels
const WARN = 30;

interface LogEntry {
  level: number;
  id?: string;
  msg?: unknown;
}

interface UserNode extends Node {
  alerts: HikGuardAlerts | null;
  status: SinonSpy<[NodeStatus], void> & Node['status'];
}

/** A minimal flow node using the config node the way hik-reset and hik-credentials do. */
function haTestUser(RED: NodeAPI): void {
  function HaTestUser(this: UserNode, def: NodeDef & { server?: string }): void {
    RED.nodes.createNode(this, def);
    const ha = getHikHomeAssistant(RED, def.server);
    this.alerts = ha ? ha.acquire(this) : null;
    this.on('close', (removed: boolean, done: () => void) => {
      void (ha ? ha.release(this, removed) : Promise.resolve()).finally(done);
    });
  }
  RED.nodes.registerType('ha-test-user', HaTestUser);
}

function logEntries(): LogEntry[] {
  return helper.log().args.map((args: unknown[]) => args[0] as LogEntry);
}

function user(id: string): UserNode {
  return helper.getNode(id) as UserNode;
}

function lastStatus(id: string): NodeStatus | undefined {
  return user(id).status.getCalls().at(-1)?.args[0];
}

describe('hik-homeassistant config node', function () {
  this.timeout(15000);
  let server: HaTestServer;

  before((done) => {
    helper.startServer(done);
  });
  after((done) => {
    helper.stopServer(done);
  });
  beforeEach(async () => {
    server = await HaTestServer.start({ tokens: { [CANARY]: { isAdmin: true } } });
  });
  afterEach(async () => {
    await helper.unload();
    await server.stop();
  });

  function flow(overrides: Record<string, unknown> = {}): TestFlows {
    const nodes: TestFlowsItem<NodeDef & Record<string, unknown>>[] = [
      { id: 'ha', type: 'hik-homeassistant', name: 'home', url: server.url, version: 1, ...overrides },
      { id: 'u1', type: 'ha-test-user', server: 'ha' },
      { id: 'u2', type: 'ha-test-user', server: 'ha' },
    ];
    return nodes;
  }

  async function deploy(token: string, overrides: Record<string, unknown> = {}): Promise<void> {
    await helper.load([hikHomeAssistant, haTestUser], flow(overrides), { ha: { token } });
  }

  it('shares one connection between its users and shows them connecting, then the HA version', async () => {
    await deploy(CANARY);
    await waitFor(
      'connected',
      () => lastStatus('u1')?.fill === 'green' && lastStatus('u2')?.fill === 'green',
    );
    assert.equal(server.counters.connections, 1);
    assert.equal(server.counters.authOk, 1);
    assert.deepEqual(user('u1').status.firstCall.args[0], {
      fill: 'yellow',
      shape: 'ring',
      text: 'hik-homeassistant.status.connecting',
    });
    assert.deepEqual(lastStatus('u2'), {
      fill: 'green',
      shape: 'dot',
      text: 'hik-homeassistant.status.connected',
    });
  });

  it('gives its users the alerts facade: a reset reaches HA as event, notification and entity', async () => {
    await deploy(CANARY);
    const alerts = user('u1').alerts;
    assert.ok(alerts);
    await waitFor('connected', () => lastStatus('u1')?.fill === 'green');
    const device = { serial: SERIAL, name: 'Garage', model: 'DS-2CD2043G2-I', ip: '198.51.100.20' };
    alerts.publishDeviceState({ ...device, state: 'inactive' });
    alerts.alert({
      ...device,
      type: 'inactive',
      from: 'active',
      to: 'inactive',
      evidence: { activateStatus: false },
    });
    await within('delivery', alerts.settled());
    assert.equal(server.core.states.get(ENTITY)?.state, 'inactive');
    assert.equal(server.core.firedEvents[0]?.data.type, 'inactive');
    // Titles and messages come from the catalog (the helper returns the key).
    assert.deepEqual(server.core.notifications.get('hik_guard_ds_2cd2043g2_i20230101aawrj12345678'), {
      title: 'hik-homeassistant.notification.title.inactive',
      message: 'hik-homeassistant.notification.message.inactive',
    });
  });

  it('tries a refused token exactly once per deploy and says so clearly on every user', async () => {
    await deploy('wrong-token');
    await waitFor('auth failed', () => lastStatus('u1')?.fill === 'red' && lastStatus('u2')?.fill === 'red');
    assert.deepEqual(lastStatus('u1'), {
      fill: 'red',
      shape: 'ring',
      text: 'errors.HIK_ERR_HA_AUTH_INVALID',
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(server.counters.authInvalid, 1);
    const errors = logEntries().filter((e) => e.level === ERROR && e.id === 'ha');
    assert.deepEqual(
      errors.map((e) => e.msg),
      ['hik-homeassistant.log.authFailed'],
    );

    await helper.unload();
    await deploy('wrong-token');
    await waitFor('auth failed again', () => lastStatus('u1')?.fill === 'red');
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(server.counters.authInvalid, 2, 'one more attempt for the redeploy, no more');
  });

  it('never lets the token reach the log, a status or a delivery problem', async () => {
    await deploy(CANARY, { notifyService: 'missing_phone' });
    await waitFor('connected', () => lastStatus('u1')?.fill === 'green');
    const alerts = user('u1').alerts;
    assert.ok(alerts);
    alerts.alert({ type: 'inactive', serial: SERIAL, from: 'active', to: 'inactive' });
    await within('delivery', alerts.settled());
    await server.restart();
    await waitFor('reconnected', () => server.counters.authOk === 2 && lastStatus('u1')?.fill === 'green');
    server.rejectAllTokens();
    await server.restart();
    await waitFor('auth failed', () => lastStatus('u1')?.fill === 'red');
    const statuses = user('u1').status.args;
    await helper.unload();

    assert.ok(server.presentedTokens.includes(CANARY), 'the token was really used');
    assert.ok(
      logEntries().some((e) => e.level === WARN),
      'the missing notify service was reported',
    );
    const seen = JSON.stringify([helper.log().args, statuses]);
    assert.ok(!seen.includes(CANARY), 'the token reached the log or a status');
  });

  it('stays idle with one warning when the URL is unusable, and tells its users', async () => {
    await deploy(CANARY, { url: 'homeassistant.local' });
    assert.deepEqual(lastStatus('u1'), {
      fill: 'red',
      shape: 'ring',
      text: 'hik-homeassistant.status.notConfigured',
    });
    assert.equal(user('u1').alerts, null);
    const warnings = logEntries().filter((e) => e.level === WARN && e.id === 'ha');
    assert.deepEqual(
      warnings.map((e) => e.msg),
      ['hik-homeassistant.log.invalidConfig'],
    );
    assert.equal(server.counters.connections, 0);
  });

  it('closes the shared connection when redeployed, within the close timeout', async () => {
    await deploy(CANARY);
    await waitFor('connected', () => lastStatus('u1')?.fill === 'green');
    await helper.unload();
    await waitFor('socket closed on the server', () => server.openSessions === 0, 3000);
  });

  it('exports its config version to the editor as hikHomeassistantVersion', async () => {
    await deploy(CANARY);
    const settings = (
      helper as unknown as { settings(): { exportNodeSettings(safe: object): object } }
    ).settings();
    assert.deepEqual(settings.exportNodeSettings({}), {
      hikHomeassistantVersion: hikHomeassistantMigrations.current,
    });
  });
  // The status reaches flow nodes (hik-reset), whose editor catalogs do not hold this node's keys:
  // it is translated here, so what the users show is words, in every state.
  describe('with its real catalog', () => {
    const translated = withCatalog(hikHomeAssistant, 'hik-homeassistant');

    async function deployTranslated(token: string, overrides: Record<string, unknown> = {}): Promise<void> {
      await helper.load([translated, haTestUser], flow(overrides), { ha: { token } });
    }

    /** Accepts TCP connections and drops each at once: Home Assistant's address with nothing behind it. */
    async function droppingServer(): Promise<{
      url: string;
      attempts: () => number;
      close: () => Promise<void>;
    }> {
      let attempts = 0;
      const dropping: Server = createServer((socket) => {
        attempts += 1;
        socket.destroy();
      });
      await new Promise<void>((resolve) => dropping.listen(0, '127.0.0.1', resolve));
      const { port } = dropping.address() as AddressInfo;
      return {
        url: `http://127.0.0.1:${port}`,
        attempts: () => attempts,
        close: () => new Promise<void>((resolve) => dropping.close(() => resolve())),
      };
    }

    it('shows its users words for connecting, connected and a refused token, never a key', async () => {
      await deployTranslated(CANARY);
      await waitFor('connected', () => lastStatus('u1')?.fill === 'green');
      assert.deepEqual(
        [...new Set(user('u1').status.args.map(([status]) => status.text))],
        ['connecting to Home Assistant', `Home Assistant ${server.core.version}`],
      );
      await helper.unload();
      await deployTranslated('wrong-token');
      await waitFor('auth failed', () => lastStatus('u1')?.fill === 'red');
      assert.equal(lastStatus('u1')?.text, 'Home Assistant refused the token');
      await helper.unload();
      await deployTranslated(CANARY, { url: 'homeassistant.local' });
      assert.equal(lastStatus('u1')?.text, 'Home Assistant not configured');
    });

    it('logs an unreachable Home Assistant once, with the reason, however often it retries', async function () {
      this.timeout(20_000);
      const away = await droppingServer();
      try {
        await deployTranslated(CANARY, { url: away.url });
        await waitFor('three attempts', () => away.attempts() >= 3, 15_000);
        assert.deepEqual(lastStatus('u1'), {
          fill: 'yellow',
          shape: 'ring',
          text: 'Home Assistant unreachable; retrying',
        });
        const warnings = logEntries()
          .filter((e) => e.level === WARN && e.id === 'ha')
          .map((e) => String(e.msg));
        assert.equal(warnings.length, 1, warnings.join('\n'));
        assert.match(
          warnings[0]!,
          new RegExp(
            `^Cannot reach Home Assistant at ${away.url}: .+ \\(HIK_ERR_HA_UNREACHABLE\\)\\. Retrying`,
          ),
        );
        assert.ok(!JSON.stringify(helper.log().args).includes(CANARY), 'no token in the log');
      } finally {
        await helper.unload();
        await away.close();
      }
    });

    it('logs the next outage again once it has connected in between', async function () {
      this.timeout(20_000);
      await deployTranslated(CANARY);
      await waitFor('connected', () => lastStatus('u1')?.fill === 'green');
      await server.restart();
      await waitFor(
        'reconnected',
        () => server.counters.authOk === 2 && lastStatus('u1')?.fill === 'green',
        10_000,
      );
      await server.restart();
      await waitFor(
        'reconnected again',
        () => server.counters.authOk === 3 && lastStatus('u1')?.fill === 'green',
        10_000,
      );
      const outages = logEntries()
        .filter((e) => e.level === WARN && e.id === 'ha')
        .map((e) => String(e.msg));
      assert.equal(outages.length, 2, outages.join('\n'));
      assert.ok(
        outages.every((line) => line.includes('HIK_ERR_HA_CONNECTION_LOST')),
        outages.join('\n'),
      );
    });
  });
});

import assert from 'node:assert/strict';
import { getActivationStatus } from '../../../lib/isapi/endpoints/system';
import { HaLink, type HaDeliveryProblem, type HaLinkOptions } from '../../../lib/homeassistant/ha-link';
import type { HaConnectionStatus } from '../../../lib/homeassistant/ha-connection';
import { HaTestServer } from '../../support/ha-test-server';
import { SimHarness } from '../../support/sim-devices';
import { ADMIN_TOKEN, USER_TOKEN, describeForTest, waitFor, within } from './support';

const SERIAL = 'DS-2CD2386G2-IU20240101AAWRJ00000001';
const ENTITY = 'sensor.hik_guard_ds_2cd2386g2_iu20240101aawrj00000001';
const NOTIFICATION = 'hik_guard_ds_2cd2386g2_iu20240101aawrj00000001';
const FAST = { initialMs: 5, maxMs: 40 };

describe('HaLink against the Home Assistant test server', function () {
  this.timeout(15000);
  let server: HaTestServer;
  let link: HaLink | undefined;
  let statuses: HaConnectionStatus[];
  let problems: HaDeliveryProblem[];

  beforeEach(async () => {
    server = await HaTestServer.start({
      tokens: { [ADMIN_TOKEN]: { isAdmin: true }, [USER_TOKEN]: { isAdmin: false } },
      notifyServices: ['mobile_app_phone'],
    });
    statuses = [];
    problems = [];
  });

  afterEach(async () => {
    await link?.stop(1000);
    link = undefined;
    await server.stop();
  });

  function open(options: Partial<HaLinkOptions> = {}): HaLink {
    link = new HaLink({
      url: server.url,
      token: ADMIN_TOKEN,
      describe: describeForTest,
      backoff: FAST,
      ...options,
    });
    link.onStatus((s) => statuses.push(s));
    link.onProblem((p) => problems.push(p));
    link.start();
    return link;
  }

  async function connected(l: HaLink): Promise<void> {
    await waitFor('connected', () => l.status.kind === 'connected');
  }

  it('connects with the real client as an admin and reports the HA version', async () => {
    const l = open();
    await connected(l);
    assert.deepEqual(l.status, { kind: 'connected', haVersion: '2025.1.0' });
    assert.equal(server.counters.authOk, 1);
    assert.deepEqual(
      statuses.map((s) => s.kind),
      ['connecting', 'connected'],
    );
  });

  it('carries a factory reset seen by the free activation probe to HA: event, notification, entity', async () => {
    const sim = new SimHarness();
    try {
      const camera = await sim.device({ serialNumber: SERIAL, model: 'DS-2CD2386G2-IU' });
      const l = open({ notifyService: 'mobile_app_phone' });
      await connected(l);
      const probe = sim.outsider(camera);
      assert.equal(await getActivationStatus(probe), true);
      l.alerts.publishDeviceState({
        serial: SERIAL,
        state: 'active',
        name: 'Front door',
        model: 'DS-2CD2386G2-IU',
      });

      await camera.factoryReset();
      const activated = await getActivationStatus(probe);
      assert.equal(activated, false);
      const info = { serial: SERIAL, name: 'Front door', model: 'DS-2CD2386G2-IU', ip: camera.host };
      l.alerts.publishDeviceState({ ...info, state: 'inactive', lastSeen: new Date('2025-01-02T03:04:05Z') });
      l.alerts.alert({
        ...info,
        type: 'inactive',
        from: 'active',
        to: 'inactive',
        evidence: { activateStatus: false },
      });
      await within('delivery', l.alerts.settled());

      assert.match(String(server.core.firedEvents[0]?.data.alert_id), /^[0-9a-f]{8}-[0-9a-f-]{27}$/);
      assert.deepEqual(
        server.core.firedEvents.map((e) => [e.event_type, e.data]),
        [
          [
            'hik_guard_event',
            {
              alert_id: server.core.firedEvents[0]?.data.alert_id,
              type: 'inactive',
              serial: SERIAL,
              name: 'Front door',
              model: 'DS-2CD2386G2-IU',
              ip: camera.host,
              from: 'active',
              to: 'inactive',
              evidence: { activateStatus: false },
              unconfirmed: false,
              entity_id: ENTITY,
            },
          ],
        ],
      );
      assert.deepEqual(server.core.notifications.get(NOTIFICATION), {
        title: 'Camera inactive',
        message: 'Front door is now inactive',
      });
      const entity = server.core.states.get(ENTITY);
      assert.ok(entity);
      assert.equal(entity.state, 'inactive');
      assert.equal(entity.attributes.icon, 'mdi:cctv-off');
      assert.equal(entity.attributes.ip, camera.host);
      assert.equal(entity.attributes.last_seen, '2025-01-02T03:04:05.000Z');
      assert.deepEqual(
        server.core.serviceCalls.filter((c) => c.domain === 'notify').map((c) => c.service),
        ['mobile_app_phone'],
      );
      // The camera is taken back: healthy again, the notification goes away.
      l.alerts.alert({ ...info, type: 'reclaimed', from: 'inactive', to: 'active' });
      l.alerts.publishDeviceState({ ...info, state: 'active' });
      await within('delivery', l.alerts.settled());
      assert.equal(server.core.notifications.has(NOTIFICATION), false);
      assert.equal(server.core.states.get(ENTITY)?.state, 'active');
      assert.deepEqual(problems, []);
    } finally {
      await sim.stop();
    }
  });

  it('replaces, not stacks, the notification of a device alerted twice', async () => {
    const l = open();
    await connected(l);
    l.alerts.alert({ type: 'auth_failed', serial: SERIAL, from: 'active', to: 'auth_failed' });
    l.alerts.alert({ type: 'needs_attention', serial: SERIAL, from: 'auth_failed', to: 'needs_attention' });
    await within('delivery', l.alerts.settled());
    assert.equal(server.core.notifications.size, 1);
    assert.equal(server.core.notifications.get(NOTIFICATION)?.title, 'Camera needs_attention');
    assert.equal(server.core.firedEvents.length, 2);
  });

  it('re-publishes every entity after an HA restart, on reconnect and again on homeassistant_started', async function () {
    // Bounds for a loaded machine, not timing goals (those are in bench/).
    this.timeout(40_000);
    const l = open();
    await connected(l);
    l.alerts.publishDeviceState({ serial: SERIAL, state: 'active' });
    l.alerts.publishDeviceState({ serial: 'SERIAL-TWO', state: 'offline' });
    await within('first publish', l.alerts.settled());
    const before = server.restLog.length;

    // HA stays STARTING until the link has reconnected, however long that takes on a busy machine.
    await server.restart(20, 60_000);
    assert.equal(server.core.states.size, 0, 'the restart forgot the REST states');
    await waitFor('both entities back after the reconnect', () => server.core.states.size === 2, 15_000);
    server.finishStarting();
    assert.equal(server.core.states.get(ENTITY)?.state, 'active');
    assert.equal(server.core.states.get('sensor.hik_guard_serial_two')?.state, 'offline');
    await waitFor('the homeassistant_started re-publish', () => server.restLog.length - before >= 4, 15_000);
    assert.ok(server.restLog.slice(before).every((r) => r.status === 200 || r.status === 201));
  });

  it('keeps only the latest state per entity through a long outage, then sends just that', async () => {
    const l = open();
    await connected(l);
    await server.goDown();
    await waitFor('disconnected', () => l.status.kind === 'connecting');
    const states = ['offline', 'inactive', 'active', 'locked', 'auth_failed'] as const;
    for (let i = 0; i < 1000; i += 1) {
      for (const serial of ['A1', 'B2', 'C3']) {
        l.alerts.publishDeviceState({
          serial,
          state: states[(i + serial.length) % states.length] ?? 'unknown',
        });
      }
      assert.ok(l.pending.entities <= 3, 'one waiting state per entity at most');
    }
    for (let i = 0; i < 500; i += 1)
      l.alerts.alert({ type: 'inactive', serial: `S${i}`, from: 'active', to: 'inactive' });
    assert.ok(l.pending.alerts <= 100, `alerts waiting: ${l.pending.alerts}`);
    // Reconnect attempts kept going at the capped back-off while HA was away.
    const attemptsBefore = statuses.filter((s) => s.kind === 'connecting').length;
    await waitFor(
      'a few reconnect attempts',
      () => statuses.filter((s) => s.kind === 'connecting').length >= attemptsBefore + 3,
    );

    const postsBefore = server.restLog.length;
    await server.comeUp();
    await connected(l);
    await within('delivery', l.alerts.settled());
    const last = states[(999 + 2) % states.length];
    for (const serial of ['A1', 'B2', 'C3']) {
      assert.equal(server.core.states.get(`sensor.hik_guard_${serial.toLowerCase()}`)?.state, last);
    }
    const posts = server.restLog.slice(postsBefore).filter((r) => r.method === 'POST');
    assert.ok(posts.length <= 6, `${posts.length} POSTs: the outage was not replayed`);
    // 100 waiting commands = the newest 50 alerts (event + notification each); older ones reported.
    assert.deepEqual(
      server.core.firedEvents.map((e) => e.data.serial),
      Array.from({ length: 50 }, (_, i) => `S${450 + i}`),
    );
    assert.equal(server.core.notifications.size, 50);
    assert.ok(problems.some((p) => p.error === null && p.command?.type === 'fire_event'));
  });

  it('makes exactly one auth attempt with an invalid token, then stops for good', async () => {
    const l = open({ token: 'not-a-valid-token' });
    await waitFor('auth failed', () => l.status.kind === 'auth_failed');
    const status = l.status;
    assert.equal(status.kind === 'auth_failed' && status.error.code, 'HIK_ERR_HA_AUTH_INVALID');
    await new Promise((resolve) => setTimeout(resolve, 200)); // several back-off periods (cap 40 ms)
    assert.equal(server.counters.authInvalid, 1);
    assert.equal(server.counters.connections, 1);
    l.alerts.publishDeviceState({ serial: SERIAL, state: 'active' });
    assert.equal(server.counters.restUnauthorized, 0, 'no REST request with a refused token');
  });

  it('stops reconnecting when the token is revoked while HA restarts: one refused attempt', async () => {
    const l = open();
    await connected(l);
    server.rejectAllTokens();
    await server.restart();
    await waitFor('auth failed', () => l.status.kind === 'auth_failed');
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(server.counters.authInvalid, 1);
  });

  it('refuses a non-admin token before any REST call (a 401 there would count as a failed login)', async () => {
    const l = open({ token: USER_TOKEN });
    await waitFor('refused', () => l.status.kind === 'auth_failed');
    const status = l.status;
    assert.equal(status.kind === 'auth_failed' && status.error.code, 'HIK_ERR_HA_NOT_ADMIN');
    l.alerts.publishDeviceState({ serial: SERIAL, state: 'active' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(server.restLog.length, 0);
    assert.equal(server.openSessions, 0);
  });

  it('loses no alert when HA drops it as a slow client: it is sent again after the reconnect', async () => {
    await server.stop();
    server = await HaTestServer.start({
      tokens: { [ADMIN_TOKEN]: { isAdmin: true } },
      pendingPeak: 1,
      pendingPeakMs: 50,
    });
    const l = open();
    await connected(l);
    server.slowClients();
    for (const serial of ['A1', 'B2', 'C3', 'D4']) {
      l.alerts.alert({ type: 'inactive', serial, from: 'active', to: 'inactive' });
    }
    await waitFor(
      'dropped and reconnected',
      () => statuses.filter((s) => s.kind === 'connected').length >= 2,
    );
    await within('delivery', l.alerts.settled());
    const serials = new Set(server.core.firedEvents.map((e) => e.data.serial));
    assert.deepEqual([...serials].sort(), ['A1', 'B2', 'C3', 'D4']);
    assert.equal(server.core.notifications.size, 4);
  });

  it('holds entity states while HA answers 503 (stopping) and sends them once it is back', async () => {
    const l = open();
    await connected(l);
    server.setStopping(true);
    l.alerts.publishDeviceState({ serial: SERIAL, state: 'locked' });
    await waitFor('a 503', () => server.restLog.some((r) => r.status === 503));
    assert.equal(l.pending.entities, 1);
    server.setStopping(false);
    await within('delivery', l.alerts.settled());
    assert.equal(server.core.states.get(ENTITY)?.state, 'locked');
  });

  it('reports a notify service HA does not have, and still delivers the rest', async () => {
    const l = open({ notifyService: 'mobile_app_tablet' });
    await connected(l);
    l.alerts.alert({ type: 'inactive', serial: SERIAL, from: 'active', to: 'inactive' });
    await within('delivery', l.alerts.settled());
    assert.equal(server.core.firedEvents.length, 1);
    assert.equal(server.core.notifications.size, 1);
    assert.equal(problems.length, 1);
    assert.equal(problems[0]?.error?.code, 'HIK_ERR_HA_COMMAND');
  });

  it('closes within its bound while HA is unreachable, leaving no socket behind', async () => {
    await server.goDown();
    const l = open({ backoff: { initialMs: 5000, maxMs: 5000 } });
    await waitFor('first attempt failed', () => statuses.some((s) => s.kind === 'connecting'));
    const started = Date.now();
    await l.stop(500);
    assert.ok(Date.now() - started < 2000);
    assert.equal(l.status.kind, 'closed');
    await server.comeUp();
  });
});

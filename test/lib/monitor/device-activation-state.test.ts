import assert from 'node:assert/strict';
import { DeviceActivationState } from '../../../lib/monitor/device-activation-state';
import type { MonitorSignal, StateChange } from '../../../lib/monitor/monitor-types';

const T0 = Date.parse('2025-03-01T10:00:00Z');

function sadp(
  activated: boolean | null,
  extra: Partial<Extract<MonitorSignal, { kind: 'sadp' }>> = {},
): MonitorSignal {
  return {
    kind: 'sadp',
    via: 'hello',
    activated,
    bootTime: '2025-03-01 09:00:00',
    ipv4: '198.51.100.20',
    dhcp: false,
    ...extra,
  };
}

function feed(machine: DeviceActivationState, signals: MonitorSignal[]): StateChange[] {
  return signals.flatMap((s, i) => machine.apply(s, new Date(T0 + i * 1000)));
}

describe('device activation state machine', () => {
  it('goes active on a first activated sighting and inactive on a factory-state Hello, with evidence', () => {
    const m = new DeviceActivationState(new Date(T0));
    const changes = feed(m, [
      sadp(true),
      sadp(false, { bootTime: '2025-03-01 10:00:01', ipv4: '192.168.1.64' }),
    ]);
    assert.deepEqual(
      changes.map((c) => [c.kind, c.from, c.to, c.alert]),
      [
        ['transition', 'unknown', 'active', null],
        ['transition', 'active', 'inactive', 'inactive'],
      ],
    );
    assert.equal(changes[1]?.evidence.signal, 'sadp');
    const inactive = changes[1];
    assert.ok(inactive);
    assert.equal(inactive.evidence.activated, false);
    assert.equal(inactive.evidence.bootTimeBefore, '2025-03-01 09:00:00');
  });

  it('reports a reboot (boot time moved, still activated) as an event, not an alarm', () => {
    const m = new DeviceActivationState(new Date(T0));
    const changes = feed(m, [sadp(true), sadp(true, { bootTime: '2025-03-01 10:00:05' })]);
    assert.deepEqual(
      changes.map((c) => [c.kind, c.event, c.to, c.alert]),
      [
        ['transition', null, 'active', null],
        ['event', 'rebooted', 'active', null],
      ],
    );
    assert.equal(m.state, 'active');
  });

  it('needs the configured number of unanswered polls in a row for offline; a sighting resets the count', () => {
    const m = new DeviceActivationState(new Date(T0), { offlineAfterFailures: 3 });
    const failed: MonitorSignal = { kind: 'pollFailed', code: 'HIK_ERR_TIMEOUT' };
    feed(m, [sadp(true), failed, failed, sadp(true), failed, failed]);
    assert.equal(m.state, 'active', 'no three failures in a row');
    const changes = feed(m, [failed]);
    assert.deepEqual(
      changes.map((c) => [c.to, c.alert]),
      [['offline', null]],
    );
    assert.equal(changes[0]?.evidence.failedPolls, 3);
  });

  it('gives one alert for an inactive device whose network flaps, however often', () => {
    const m = new DeviceActivationState(new Date(T0), { offlineAfterFailures: 1 });
    const failed: MonitorSignal = { kind: 'pollFailed', code: 'HIK_ERR_UNREACHABLE' };
    const inactive: MonitorSignal = { kind: 'poll', activated: false };
    const changes = feed(m, [sadp(true), inactive, failed, inactive, failed, inactive, failed, inactive]);
    assert.equal(changes.filter((c) => c.alert !== null).length, 1);
    assert.equal(m.state, 'inactive');
  });

  it('a healthy device whose network flaps never alerts and comes back active', () => {
    const m = new DeviceActivationState(new Date(T0), { offlineAfterFailures: 1 });
    const failed: MonitorSignal = { kind: 'pollFailed', code: 'HIK_ERR_TIMEOUT' };
    const ok: MonitorSignal = { kind: 'poll', activated: true };
    const changes = feed(m, [ok, failed, ok, failed, ok]);
    assert.equal(changes.filter((c) => c.alert !== null).length, 0);
    assert.equal(m.state, 'active');
  });

  it('a vault-known device activated by someone else after a reset is auth_failed, without any login', () => {
    const m = new DeviceActivationState(new Date(T0), { vaultKnown: true });
    const changes = feed(m, [sadp(true), sadp(false), { kind: 'poll', activated: true }]);
    const last = changes.at(-1);
    assert.ok(last);
    assert.equal(last.to, 'auth_failed');
    assert.equal(last.alert, 'auth_failed');
    assert.equal(last.evidence.reason, 'activated_by_someone_else');
  });

  it('an activation seen during our own re-claim waits for the re-claim’s outcome', () => {
    const m = new DeviceActivationState(new Date(T0), { vaultKnown: true });
    feed(m, [sadp(true), sadp(false)]);
    m.reclaiming = true;
    assert.deepEqual(feed(m, [{ kind: 'poll', activated: true }]), []);
    const changes = feed(m, [{ kind: 'reclaimed', evidence: { signal: 'reclaim' } }]);
    assert.deepEqual(
      changes.map((c) => [c.kind, c.event, c.to, c.alert]),
      [
        // The event says where the re-claim leads, not where the device was.
        ['event', 'reclaimed', 'active', 'reclaimed'],
        ['transition', null, 'active', null],
      ],
    );
  });

  it('ownership lost is one alert, the auth_failed state it leads to is not a second one', () => {
    const m = new DeviceActivationState(new Date(T0), { vaultKnown: true });
    feed(m, [sadp(true), sadp(false)]);
    const changes = feed(m, [{ kind: 'ownershipLost', evidence: { signal: 'reclaim' } }]);
    assert.deepEqual(
      changes.map((c) => c.alert),
      ['ownership_lost', null],
    );
    assert.equal(m.state, 'auth_failed');
  });

  it('an activated device back on 192.168.1.64 without DHCP is defaults_suspected', () => {
    const m = new DeviceActivationState(new Date(T0));
    const changes = feed(m, [
      sadp(true),
      sadp(true, { ipv4: '192.168.1.64', dhcp: false, bootTime: '2025-03-01 10:00:09' }),
    ]);
    const last = changes.at(-1);
    assert.ok(last);
    assert.equal(last.to, 'defaults_suspected');
    assert.equal(last.evidence.ipBefore, '198.51.100.20');
    assert.equal(m.state, 'defaults_suspected');
    feed(m, [{ kind: 'poll', activated: true }]);
    assert.equal(m.state, 'defaults_suspected', 'a sign of life does not clear it; a verification does');
    feed(m, [{ kind: 'verification', result: 'ok' }]);
    assert.equal(m.state, 'active');
  });

  it('a lock stays until its window ends, then an answering device is active again', () => {
    const m = new DeviceActivationState(new Date(T0));
    m.apply({ kind: 'locked', code: 'HIK_ERR_DEVICE_LOCKED', unlockInSeconds: 60 }, new Date(T0));
    m.apply({ kind: 'poll', activated: true }, new Date(T0 + 30_000));
    assert.equal(m.state, 'locked');
    m.apply({ kind: 'poll', activated: true }, new Date(T0 + 61_000));
    assert.equal(m.state, 'active');
  });

  it('a rejected verification of an inactive device is not auth_failed (a reset device knows no password)', () => {
    const m = new DeviceActivationState(new Date(T0));
    feed(m, [sadp(false), { kind: 'verification', result: 'auth_failed' }]);
    assert.equal(m.state, 'inactive');
  });

  it('an inactive on an unconfirmed claim stays marked until the device itself confirms it, once', () => {
    const m = new DeviceActivationState(new Date(T0), { vaultKnown: true });
    feed(m, [sadp(true)]);
    const raised = feed(m, [sadp(false, { confirmed: false })]);
    assert.deepEqual(
      raised.map((c) => [c.kind, c.to, c.alert]),
      [['transition', 'inactive', 'inactive']],
    );
    assert.equal(m.unconfirmed, true);
    const confirmed = feed(m, [
      { kind: 'poll', activated: false },
      { kind: 'poll', activated: false },
    ]);
    assert.deepEqual(
      confirmed.map((c) => [c.kind, c.event, c.to, c.alert]),
      [['event', 'inactive_confirmed', 'inactive', null]],
      'one confirmation, no second alert',
    );
    assert.equal(m.unconfirmed, false);
  });

  it('an inactive its own poll reported is confirmed from the start', () => {
    const m = new DeviceActivationState(new Date(T0));
    feed(m, [sadp(true), { kind: 'poll', activated: false }]);
    assert.equal(m.state, 'inactive');
    assert.equal(m.unconfirmed, false);
  });
});

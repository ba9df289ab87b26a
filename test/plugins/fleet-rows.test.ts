/**
 * The sidebar table is one row per device, whatever mix of sources knows it: a configured device
 * is matched to its vault record (by serial, else address) and to discovery (serial, else IP); an
 * fleet's state wins over SADP's flag and its next rotation is the one shown; nothing known twice
 * is listed twice. Re-claim is offered only for a vault-known device the fleet's own poll holds
 * for inactive.
 */
import assert from 'node:assert/strict';
import type { DeviceRow } from '../../lib/fleet/fleet';
import type { SadpDevice } from '../../lib/sadp/sadp-device';
import { buildFleetRows, type FleetSources } from '../../plugins/hik-sidebar/fleet-rows';

function sadp(partial: Partial<SadpDevice>): SadpDevice {
  return {
    serial: null,
    mac: null,
    model: null,
    deviceTypeCode: null,
    ipv4: null,
    ipv4Mask: null,
    ipv4Gateway: null,
    ipv6: null,
    dhcp: null,
    httpPort: null,
    commandPort: null,
    sdkOverTlsPort: null,
    firmware: null,
    dspVersion: null,
    bootTime: null,
    activated: null,
    passwordResetAbility: null,
    analogChannels: null,
    digitalChannels: null,
    sourceAddress: '127.0.0.9',
    sourcePort: 37020,
    interfaceAddress: null,
    offSubnet: null,
    raw: {},
    ...partial,
  };
}

function sources(partial: Partial<FleetSources>): FleetSources {
  return {
    configured: [],
    records: [],
    discovered: [],
    monitored: [],
    polled: new Set(),
    reclaiming: new Set(),
    failures: new Map(),
    ...partial,
  };
}

const record = {
  serial: 'SN1',
  host: '10.0.0.5',
  port: 443,
  state: 'ok' as const,
  lastRotation: '2026-01-01T03:00:00.000Z',
  lastVerification: '2026-02-01T03:00:00.000Z',
};

function fleetRow(serial: string, state: DeviceRow['state']): DeviceRow {
  return {
    serial,
    name: null,
    model: 'DS-M',
    ip: '10.0.0.8',
    firmware: null,
    mac: null,
    state,
    unconfirmed: false,
    since: '2026-03-01T11:00:00.000Z',
    lastSeen: '2026-03-01T11:59:30.000Z',
    lastRotation: null,
    nextRotation: null,
    rotationOwner: null,
    vaultState: null,
    outOfDate: [],
  };
}

describe('sidebar fleet rows', () => {
  it('joins a configured device without serial to its vault record by address and to discovery by IP', () => {
    const rows = buildFleetRows(
      sources({
        configured: [{ id: 'd1', name: 'Gate', host: '10.0.0.5', port: 443, serial: null }],
        records: [record],
        discovered: [
          {
            device: sadp({ serial: 'SN1', ipv4: '10.0.0.5', model: 'DS-X', activated: true }),
            lastSeen: Date.parse('2026-03-01T11:59:00Z'),
          },
        ],
        monitored: [
          {
            ...fleetRow('SN1', 'active'),
            ip: '10.0.0.5',
            model: null,
            lastSeen: null,
            lastRotation: '2026-01-01T03:00:00.000Z',
            nextRotation: '2026-04-01T03:00:00.000Z',
            rotationOwner: 'rotator',
          },
        ],
      }),
    );
    assert.deepEqual(rows, [
      {
        key: 'SN1',
        serial: 'SN1',
        name: 'Gate',
        model: 'DS-X',
        ip: '10.0.0.5',
        firmware: null,
        activation: 'active',
        lastSeen: '2026-03-01T11:59:00.000Z',
        lastRotation: '2026-01-01T03:00:00.000Z',
        nextRotation: '2026-04-01T03:00:00.000Z',
        vault: 'ok',
        configId: 'd1',
        managed: true,
        reclaim: 'not_inactive',
        problem: null,
        outOfDate: [],
        audit: null,
      },
    ]);
  });

  it('lists a device configured twice (two hik-device nodes for one serial) once, named by the first', () => {
    const rows = buildFleetRows(
      sources({
        configured: [
          { id: 'd1', name: 'Gate', host: '10.0.0.5', port: 443, serial: 'SN1' },
          { id: 'd2', name: 'Gate again', host: '10.0.0.5', port: 443, serial: null },
        ],
        records: [record],
      }),
    );
    assert.deepEqual(
      rows.map((r) => [r.key, r.name, r.configId]),
      [['SN1', 'Gate', 'd1']],
    );
  });

  it('carries the fleet audit of a device, also of one only SADP has seen', () => {
    const audit = {
      auditedAt: '2026-03-01T12:00:00.000Z',
      source: 'sadp' as const,
      worst: 'high' as const,
      findings: [
        {
          id: 'CVE-2025-66177',
          severity: 'high' as const,
          title: 't',
          evidence: 'e',
          fix: 'f',
          confidence: 'confirmed' as const,
        },
      ],
      notChecked: 1,
    };
    const rows = buildFleetRows(
      sources({
        discovered: [{ device: sadp({ serial: 'SN9', ipv4: '10.0.0.9', activated: true }), lastSeen: null }],
        auditOf: (serial) => (serial === 'SN9' ? audit : null),
      }),
    );
    assert.deepEqual(
      rows.map((r) => r.audit),
      [audit],
    );
  });

  it('lists discovered and vault-only devices once each, inactive when SADP says so', () => {
    const rows = buildFleetRows(
      sources({
        records: [{ ...record, serial: 'SN2' }],
        discovered: [
          { device: sadp({ serial: 'SN3', ipv4: '192.168.1.64', activated: false }), lastSeen: null },
        ],
      }),
    );
    assert.deepEqual(
      rows.map((r) => [r.serial, r.activation, r.vault, r.managed]),
      [
        ['SN3', 'inactive', null, false],
        ['SN2', 'unknown', 'ok', false],
      ],
    );
  });

  it("takes the fleet's state over SADP's flag and adds devices only it knows", () => {
    const monitored = fleetRow;
    const rows = buildFleetRows(
      sources({
        discovered: [
          {
            device: sadp({ serial: 'SN1', ipv4: '10.0.0.5', activated: true }),
            lastSeen: Date.parse('2026-03-01T11:00:00Z'),
          },
        ],
        monitored: [monitored('SN1', 'inactive'), monitored('SN9', 'locked')],
      }),
    );
    assert.deepEqual(
      rows.map((r) => [r.serial, r.activation, r.ip, r.lastSeen]),
      [
        ['SN1', 'inactive', '10.0.0.8', '2026-03-01T11:59:30.000Z'],
        ['SN9', 'locked', '10.0.0.8', '2026-03-01T11:59:30.000Z'],
      ],
    );
  });

  it('offers Re-claim only for a vault-known device its own poll holds for inactive, and says why not', () => {
    const inactive = (serial: string): DeviceRow => ({ ...fleetRow(serial, 'inactive'), vaultState: 'ok' });
    const rows = buildFleetRows(
      sources({
        records: ['SN1', 'SN2', 'SN4'].map((serial) => ({ ...record, serial })),
        discovered: [{ device: sadp({ serial: 'SN3', activated: false }), lastSeen: null }],
        monitored: [
          inactive('SN1'),
          // Held for inactive, but not by a poll of its own (SADP said so): not enough.
          inactive('SN2'),
          { ...fleetRow('SN4', 'active'), vaultState: 'ok' },
          inactive('SN5'),
        ],
        polled: new Set(['SN1', 'SN4', 'SN5']),
        reclaiming: new Set(['SN5']),
      }),
    );
    assert.deepEqual(
      rows.map((r) => [r.serial, r.activation, r.vault, r.reclaim]),
      [
        ['SN3', 'inactive', null, 'not_enrolled'],
        ['SN1', 'inactive', 'ok', 'allowed'],
        ['SN2', 'inactive', 'ok', 'not_inactive'],
        ['SN4', 'active', 'ok', 'not_inactive'],
        ['SN5', 'inactive', 'ok', 'in_progress'],
      ],
    );
  });

  it('shows what SADP said while the fleet has not seen the device yet (a rotation plan only)', () => {
    const rows = buildFleetRows(
      sources({
        discovered: [{ device: sadp({ serial: 'SN7', ipv4: '10.0.0.7', activated: true }), lastSeen: null }],
        monitored: [{ ...fleetRow('SN7', 'unknown'), rotationOwner: 'rotator' }],
      }),
    );
    assert.deepEqual(
      rows.map((r) => [r.serial, r.activation, r.managed]),
      [['SN7', 'active', true]],
    );
  });

  it('carries the code the last credential operation failed with, so a changed certificate can be trusted', () => {
    const rows = buildFleetRows(
      sources({
        records: [record, { ...record, serial: 'SN2' }],
        monitored: [fleetRow('SN1', 'active'), fleetRow('SN2', 'active')],
        failures: new Map([['SN1', 'HIK_ERR_CERT_CHANGED']]),
      }),
    );
    assert.deepEqual(
      rows.map((r) => [r.serial, r.problem]),
      [
        ['SN1', 'HIK_ERR_CERT_CHANGED'],
        ['SN2', null],
      ],
    );
  });
});
